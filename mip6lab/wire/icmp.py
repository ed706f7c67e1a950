"""ICMPv6 messages (RFC 4443), Neighbor Discovery (RFC 4861) and the Mobile IPv6 additions.

RFC 6275 adds: the Home Agent Address Discovery Request/Reply (types 144/145), the Mobile Prefix
Solicitation/Advertisement (146/147), the Router Advertisement H flag, the Prefix Information R
flag, and the Advertisement Interval and Home Agent Information options.

Note for readers of the white paper: it gives the types as 150/151; RFC 6275 (and RFC 3775) assign
144-147. mip6lab follows the RFC.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv6Address
from typing import Union

from mip6lab.wire.ip import Addr

# ICMPv6 types.
DEST_UNREACH = 1
PACKET_TOO_BIG = 2
TIME_EXCEEDED = 3
PARAM_PROBLEM = 4
ECHO_REQUEST = 128
ECHO_REPLY = 129
MLD_QUERY = 130  # RFC 3810 §5.1 Multicast Listener Query
ROUTER_SOLICIT = 133
ROUTER_ADVERT = 134
NEIGHBOR_SOLICIT = 135
NEIGHBOR_ADVERT = 136
REDIRECT = 137
MLDV2_REPORT = 143  # RFC 3810 §5.2 Version 2 Multicast Listener Report
HAAD_REQUEST = 144
HAAD_REPLY = 145
MOBILE_PREFIX_SOLICIT = 146
MOBILE_PREFIX_ADVERT = 147

ICMP_TYPES: dict[int, tuple[str, str]] = {
    DEST_UNREACH: ("Destination Unreachable", "Destination Unreachable"),
    PACKET_TOO_BIG: ("Packet Too Big", "Packet Too Big"),
    TIME_EXCEEDED: ("Time Exceeded", "Time Exceeded"),
    PARAM_PROBLEM: ("Parameter Problem", "Parameter Problem"),
    ECHO_REQUEST: ("Echo Request", "Echo Request"),
    ECHO_REPLY: ("Echo Reply", "Echo Reply"),
    MLD_QUERY: ("MLD Query", "Multicast Listener Query"),
    ROUTER_SOLICIT: ("RS", "Router Solicitation"),
    ROUTER_ADVERT: ("RA", "Router Advertisement"),
    NEIGHBOR_SOLICIT: ("NS", "Neighbor Solicitation"),
    NEIGHBOR_ADVERT: ("NA", "Neighbor Advertisement"),
    REDIRECT: ("Redirect", "Redirect"),
    MLDV2_REPORT: ("MLDv2 Report", "Version 2 Multicast Listener Report"),
    HAAD_REQUEST: ("HAAD Request", "Home Agent Address Discovery Request"),
    HAAD_REPLY: ("HAAD Reply", "Home Agent Address Discovery Reply"),
    MOBILE_PREFIX_SOLICIT: ("MPS", "Mobile Prefix Solicitation"),
    MOBILE_PREFIX_ADVERT: ("MPA", "Mobile Prefix Advertisement"),
}
"""The one table of ICMPv6 message names: type -> (short name for lists and charts, full name for
bit layouts). RFC 6275 numbers DHAAD and Mobile Prefix 144-147 (the white paper's 150/151 are not used)."""
ICMP_NAMES: dict[int, str] = {t: short for t, (short, _) in ICMP_TYPES.items()}
ICMP_TITLES: dict[int, str] = {t: title for t, (_, title) in ICMP_TYPES.items()}

# Destination Unreachable codes (RFC 4443 §3.1).
DU_NO_ROUTE = 0
DU_ADMIN_PROHIBITED = 1
DU_BEYOND_SCOPE = 2
DU_ADDRESS_UNREACHABLE = 3
DU_PORT_UNREACHABLE = 4
# Time Exceeded codes.
TE_HOP_LIMIT = 0
TE_REASSEMBLY = 1
# Parameter Problem codes.
PP_ERRONEOUS_HEADER = 0
PP_UNRECOGNIZED_NEXT_HEADER = 1
PP_UNRECOGNIZED_OPTION = 2

# ND option types.
OPT_SOURCE_LL = 1
OPT_TARGET_LL = 2
OPT_PREFIX_INFO = 3
OPT_MTU = 5
OPT_ADV_INTERVAL = 7  # RFC 6275 §7.3
OPT_HA_INFO = 8  # RFC 6275 §7.4


# --------------------------------------------------------------------------- ND options
@dataclass(frozen=True, slots=True)
class SourceLinkLayerAddress:
    mac: str


@dataclass(frozen=True, slots=True)
class TargetLinkLayerAddress:
    mac: str


@dataclass(frozen=True, slots=True)
class PrefixInformation:
    """Prefix Information option. With R set (RFC 6275 §7.2) ``prefix`` holds the router's full
    global address rather than the prefix with its host bits cleared."""

    prefix: Addr
    prefix_len: int = 64
    L: bool = True
    A: bool = True
    R: bool = False
    valid_lifetime: int = 2592000
    preferred_lifetime: int = 604800
    reserved1: int = 0  # the 5 low bits after L, A, R
    reserved2: int = 0


@dataclass(frozen=True, slots=True)
class MTUOption:
    mtu: int
    reserved: int = 0


@dataclass(frozen=True, slots=True)
class AdvertisementInterval:
    """RFC 6275 §7.3: the maximum time, in milliseconds, between unsolicited RAs from this router.
    A mobile node that misses advertisements for longer suspects it has moved."""

    interval_ms: int
    reserved: int = 0


@dataclass(frozen=True, slots=True)
class HomeAgentInformation:
    """RFC 6275 §7.4: the home agent's preference (signed 16-bit) and lifetime in seconds."""

    preference: int = 0
    lifetime: int = 1800
    reserved: int = 0


@dataclass(frozen=True, slots=True)
class UnknownNDOption:
    otype: int
    data: bytes  # everything after type and length; length = (len(data) + 2) // 8


NDOption = Union[
    SourceLinkLayerAddress,
    TargetLinkLayerAddress,
    PrefixInformation,
    MTUOption,
    AdvertisementInterval,
    HomeAgentInformation,
    UnknownNDOption,
]


# --------------------------------------------------------------------------- messages
@dataclass(frozen=True, slots=True)
class EchoRequest:
    ident: int = 0
    seq: int = 0
    data: bytes = b""
    checksum: int | None = None


@dataclass(frozen=True, slots=True)
class EchoReply:
    ident: int = 0
    seq: int = 0
    data: bytes = b""
    checksum: int | None = None


@dataclass(frozen=True, slots=True)
class DestinationUnreachable:
    code: int
    invoking: bytes  # as much of the offending packet as fits the minimum MTU
    unused: int = 0
    checksum: int | None = None


@dataclass(frozen=True, slots=True)
class PacketTooBig:
    mtu: int
    invoking: bytes
    checksum: int | None = None


@dataclass(frozen=True, slots=True)
class TimeExceeded:
    code: int
    invoking: bytes
    unused: int = 0
    checksum: int | None = None


@dataclass(frozen=True, slots=True)
class ParameterProblem:
    code: int
    pointer: int  # octet offset in the invoking packet of the field that caused the error
    invoking: bytes
    checksum: int | None = None


@dataclass(frozen=True, slots=True)
class RouterSolicitation:
    options: tuple[NDOption, ...] = ()
    reserved: int = 0
    checksum: int | None = None


@dataclass(frozen=True, slots=True)
class RouterAdvertisement:
    """RA; ``H`` is RFC 6275's Home Agent flag, ``prf`` the RFC 4191 router preference (0 medium)."""

    cur_hop_limit: int = 64
    M: bool = False
    O: bool = False  # noqa: E741 - the RFC's name for the flag
    H: bool = False
    prf: int = 0
    P: bool = False
    reserved: int = 0  # the 2 low flag bits
    router_lifetime: int = 1800
    reachable_time: int = 0
    retrans_timer: int = 0
    options: tuple[NDOption, ...] = ()
    checksum: int | None = None


@dataclass(frozen=True, slots=True)
class NeighborSolicitation:
    target: Addr
    options: tuple[NDOption, ...] = ()
    reserved: int = 0
    checksum: int | None = None


@dataclass(frozen=True, slots=True)
class NeighborAdvertisement:
    target: Addr
    R: bool = False
    S: bool = False
    O: bool = False  # noqa: E741 - the RFC's name for the Override flag
    options: tuple[NDOption, ...] = ()
    reserved: int = 0
    checksum: int | None = None


@dataclass(frozen=True, slots=True)
class HomeAgentAddressDiscoveryRequest:
    """RFC 6275 §6.5, type 144, sent to the Home-Agents anycast address of the home prefix."""

    identifier: int
    reserved: int = 0  # 16 bits; the top bit is NEMO's R flag (RFC 3963), always 0 here
    checksum: int | None = None


@dataclass(frozen=True, slots=True)
class HomeAgentAddressDiscoveryReply:
    """RFC 6275 §6.6, type 145: home agent global addresses, highest preference first."""

    identifier: int
    addresses: tuple[Addr, ...] = ()
    reserved: int = 0
    checksum: int | None = None


@dataclass(frozen=True, slots=True)
class MobilePrefixSolicitation:
    """RFC 6275 §6.7, type 146."""

    identifier: int
    reserved: int = 0
    checksum: int | None = None


@dataclass(frozen=True, slots=True)
class MobilePrefixAdvertisement:
    """RFC 6275 §6.8, type 147: the home prefixes as Prefix Information options."""

    identifier: int
    M: bool = False
    O: bool = False  # noqa: E741
    reserved: int = 0  # 14 bits
    options: tuple[NDOption, ...] = ()
    checksum: int | None = None


@dataclass(frozen=True, slots=True)
class UnknownICMPv6:
    """Any ICMPv6 type mip6lab does not model; ``body`` is everything after the checksum."""

    type: int
    code: int
    body: bytes
    checksum: int | None = None


ICMPv6Message = Union[
    EchoRequest,
    EchoReply,
    DestinationUnreachable,
    PacketTooBig,
    TimeExceeded,
    ParameterProblem,
    RouterSolicitation,
    RouterAdvertisement,
    NeighborSolicitation,
    NeighborAdvertisement,
    HomeAgentAddressDiscoveryRequest,
    HomeAgentAddressDiscoveryReply,
    MobilePrefixSolicitation,
    MobilePrefixAdvertisement,
    UnknownICMPv6,
]

ICMP_ERROR_TYPES = (
    DestinationUnreachable,
    PacketTooBig,
    TimeExceeded,
    ParameterProblem,
)


def mldv2_records(body: bytes) -> list[tuple[int, Addr]]:
    """``(record type, multicast address)`` of each Multicast Address Record of an MLDv2 Report
    (RFC 3810 §5.2; ``body`` is what follows the ICMPv6 checksum). A truncated report yields the
    records that could be read (reports are not modelled as a dataclass: only live mode reads them)."""
    out: list[tuple[int, Addr]] = []
    count = int.from_bytes(body[2:4], "big") if len(body) >= 4 else 0
    off = 4
    for _ in range(count):
        if off + 20 > len(body):
            break
        rtype, aux, nsrc = body[off], body[off + 1], int.from_bytes(body[off + 2 : off + 4], "big")
        out.append((rtype, IPv6Address(body[off + 4 : off + 20])))
        off += 20 + 16 * nsrc + 4 * aux
    return out
