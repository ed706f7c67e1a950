"""IPv6 header, extension headers and their options as typed, immutable values.

Protocol code speaks in these values; only :mod:`mip6lab.wire.codec` knows bytes.
Every header keeps the wire fields a reader sees in Wireshark. Fields that the
encoder can derive (lengths, Next Header, checksums, padding) are left out or
default to ``None`` ("compute it"), so that building a packet by hand is short and
a decoded packet still round-trips byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv6Address
from typing import TYPE_CHECKING, Union

if TYPE_CHECKING:
    from mip6lab.wire.icmp import ICMPv6Message
    from mip6lab.wire.mh import MobilityHeader
    from mip6lab.wire.transport import TCP, UDP

Addr = IPv6Address

# Next Header values (IANA "Assigned Internet Protocol Numbers").
NH_HOPOPTS = 0
NH_TCP = 6
NH_UDP = 17
NH_IPV6 = 41  # IPv6-in-IPv6 encapsulation (RFC 2473), used by the home agent tunnel
NH_ROUTING = 43
NH_FRAGMENT = 44
NH_ESP = 50
NH_ICMPV6 = 58
NH_NONE = 59  # "No Next Header": the Mobility Header's Payload Proto is always 59
NH_DSTOPTS = 60
NH_MOBILITY = 135

NEXT_HEADER_NAMES: dict[int, str] = {
    NH_HOPOPTS: "Hop-by-Hop Options",
    NH_TCP: "TCP",
    NH_UDP: "UDP",
    NH_IPV6: "IPv6 (encapsulated)",
    NH_ROUTING: "Routing",
    NH_FRAGMENT: "Fragment",
    NH_ESP: "ESP",
    NH_ICMPV6: "ICMPv6",
    NH_NONE: "No Next Header",
    NH_DSTOPTS: "Destination Options",
    NH_MOBILITY: "Mobility Header",
}
"""The Next Header values mip6lab knows, named (the numbers above are the only place they are written)."""

# Destination option types.
OPT_PAD1 = 0
OPT_PADN = 1
OPT_HOME_ADDRESS = 201  # 0xC9: the two high bits "11" mean "discard + ICMP if not multicast"


# --------------------------------------------------------------------------- options
@dataclass(frozen=True, slots=True)
class Pad1:
    """One octet of padding (option type 0, no length field)."""


@dataclass(frozen=True, slots=True)
class PadN:
    """N octets of padding: type 1, length, then ``length`` zero octets (``data``)."""

    data: bytes = b""


@dataclass(frozen=True, slots=True)
class HomeAddressOption:
    """RFC 6275 §6.3: the mobile node's home address, carried in a Destination Options header.

    Sent from the care-of address, it lets the receiver hand the packet to the upper layer as if it
    came from the home address. Alignment 8n+6, so the encoder puts a PadN before it.
    """

    home_address: Addr


@dataclass(frozen=True, slots=True)
class UnknownOption:
    """An option the decoder does not know; the receiver acts on the two high bits of ``otype``."""

    otype: int
    data: bytes


Option = Union[Pad1, PadN, HomeAddressOption, UnknownOption]


# --------------------------------------------------------------------------- ext headers
@dataclass(frozen=True, slots=True)
class HopByHopOptions:
    """Hop-by-Hop Options header (Next Header 0)."""

    options: tuple[Option, ...] = ()


@dataclass(frozen=True, slots=True)
class DestinationOptions:
    """Destination Options header (Next Header 60).

    If ``options`` holds no Pad1/PadN the encoder inserts padding to meet each option's alignment
    (as scapy's autopad does); if it holds any, the options are encoded exactly as given.
    """

    options: tuple[Option, ...] = ()

    @property
    def home_address_option(self) -> HomeAddressOption | None:
        for o in self.options:
            if isinstance(o, HomeAddressOption):
                return o
        return None


@dataclass(frozen=True, slots=True)
class RoutingType2:
    """RFC 6275 §6.4: Type 2 Routing header, carrying exactly one address: the home address.

    A correspondent sends to the care-of address with this header; the mobile node swaps the home
    address in as the final destination. Hdr Ext Len 2, Segments Left 1 on the wire.
    """

    home_address: Addr
    segments_left: int = 1
    reserved: int = 0


@dataclass(frozen=True, slots=True)
class RoutingHeader:
    """Any other Routing header (types 0, 3, ...), or a malformed Type 2 kept as raw data."""

    routing_type: int
    segments_left: int
    data: bytes  # everything after the 4-octet fixed part


@dataclass(frozen=True, slots=True)
class Fragment:
    """Fragment header (Next Header 44). mip6lab never fragments; it decodes for completeness."""

    offset: int = 0
    more: bool = False
    identification: int = 0
    reserved: int = 0
    res2: int = 0


ExtHeader = Union[HopByHopOptions, DestinationOptions, RoutingType2, RoutingHeader, Fragment]


# --------------------------------------------------------------------------- payloads
@dataclass(frozen=True, slots=True)
class ESP:
    """Encapsulating Security Payload (RFC 4303) as it is on the wire.

    ``data`` is everything after SPI and sequence number: IV, ciphertext, padding, pad length,
    next header (all encrypted together for AES; in clear for NULL) and the ICV. Only
    :mod:`mip6lab.wire.esp` knows how to open it, given the security association.
    """

    spi: int
    seq: int
    data: bytes


@dataclass(frozen=True, slots=True)
class RawPayload:
    """An upper layer mip6lab does not parse: the Next Header value and the octets."""

    nh: int
    data: bytes = b""


Payload = Union["TCP", "UDP", "ICMPv6Message", "MobilityHeader", "IPv6", ESP, RawPayload]


@dataclass(frozen=True, slots=True)
class IPv6:
    """An IPv6 packet: the fixed header, extension headers in wire order, and one payload.

    ``payload_length`` and every Next Header are derived by the encoder; a decoded packet keeps the
    ``payload_length`` it arrived with only through its bytes, never here.
    """

    src: Addr
    dst: Addr
    payload: Payload
    ext: tuple[ExtHeader, ...] = ()
    hlim: int = 64
    tc: int = 0
    fl: int = 0

    # Convenience views used by the algorithms (names from RFC 6275 / the white paper).
    @property
    def home_address_option(self) -> HomeAddressOption | None:
        for h in self.ext:
            if isinstance(h, DestinationOptions):
                hao = h.home_address_option
                if hao is not None:
                    return hao
        return None

    @property
    def routing_type2(self) -> RoutingType2 | None:
        for h in self.ext:
            if isinstance(h, RoutingType2):
                return h
        return None


@dataclass(frozen=True, slots=True)
class Ethernet:
    """An Ethernet II frame carrying IPv6 (EtherType 0x86DD) or anything else as raw bytes."""

    dst: str  # "33:33:00:00:00:01"
    src: str
    payload: IPv6 | bytes
    ethertype: int = 0x86DD
