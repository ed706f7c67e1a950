"""The mobile node's end of IPsec with its home agent (RFC 6275 §5.1, RFC 3776/4877 manual keying).

Which messages are protected is the SPD's business (:mod:`mip6lab.mobility.ipsec`): BU and Mobile
Prefix Solicitation in transport mode, HoTI in tunnel mode outbound; BA, Mobile Prefix Advertisement
(transport) and HoT (tunnel) inbound. This unit only asks the SPD and applies ESP:

* :meth:`MobileNodeIPsec.protect` -- an upper-layer message from the *home address* to the home agent:
  the ESP payload (or the message itself when policy says bypass);
* :meth:`MobileNodeIPsec.tunnel_payload` -- the payload of the reverse-tunnel outer header: ESP in tunnel
  mode around a HoTI, the plain inner packet otherwise (white paper Figure 16);
* :meth:`MobileNodeIPsec.open` + :func:`decode_opened` -- a received ESP payload back to a typed message;
* :meth:`MobileNodeIPsec.inbound_ok` -- did the message arrive the way the policy requires? (A BA in
  clear when a BA SA exists is refused.)

The databases are per (home address, home agent): keys are derived from both
(:func:`mip6lab.mobility.ipsec.manual_sa_pair`), so the home agent builds the same SAs on its own.
The SPIs are the configuration's (``spi_bases``, :func:`mip6lab.mobility.ipsec.allocate_spi_bases`,
which the Lab hands to both ends) or, for a home address the plan does not name, the default ones.
"""

from __future__ import annotations

import random
from typing import Any

from mip6lab.mobility.ipsec import (
    EspError,
    EspMode,
    SecurityAssociation,
    SecurityPolicyDatabase,
    manual_sa_pair,
    renumbered_spi_base,
)
from mip6lab.wire import icmp as I
from mip6lab.wire.codec import DecodeError, decode_ipv6, encode_ipv6, encode_upper
from mip6lab.wire.ip import ESP, NH_ICMPV6, NH_IPV6, NH_MOBILITY, Addr, IPv6, RawPayload
from mip6lab.wire.mh import MobilityHeader

__all__ = ["EspError", "MobileNodeIPsec", "decode_opened", "message_type", "raw_message_type"]

_ICMP_TYPES: dict[type, int] = {
    I.MobilePrefixSolicitation: I.MOBILE_PREFIX_SOLICIT,
    I.MobilePrefixAdvertisement: I.MOBILE_PREFIX_ADVERT,
    I.HomeAgentAddressDiscoveryRequest: I.HAAD_REQUEST,
    I.HomeAgentAddressDiscoveryReply: I.HAAD_REPLY,
}


def message_type(payload: Any) -> tuple[int | None, int | None]:
    """(protocol, message type) of a typed upper-layer value, as SPD selectors name them."""
    if isinstance(payload, MobilityHeader):
        return NH_MOBILITY, payload.mh_type
    t = _ICMP_TYPES.get(type(payload))
    if t is not None:
        return NH_ICMPV6, t
    return None, None


def raw_message_type(nh: int, data: bytes) -> int | None:
    """The message type of decrypted upper-layer octets (MH Type is octet 2, ICMPv6 Type octet 0)."""
    if nh == NH_MOBILITY and len(data) > 2:
        return data[2]
    if nh == NH_ICMPV6 and data:
        return data[0]
    return None


def decode_opened(src: Addr, dst: Addr, nh: int, data: bytes) -> IPv6:
    """The decrypted upper layer as a packet from ``src`` to ``dst`` (the logical addresses, so the
    checksum is checked with the right pseudo-header). Tunnel mode (``nh`` 41): the inner packet.
    Raises :class:`DecodeError` only."""
    if nh == NH_IPV6:
        return decode_ipv6(data)
    return decode_ipv6(encode_ipv6(IPv6(src, dst, RawPayload(nh, data))))


class MobileNodeIPsec:
    """SPD/SAD look-ups and ESP for one mobile node, per (home address, home agent) pair."""

    def __init__(self, mode: EspMode, rng: random.Random) -> None:
        self.mode = mode
        self._rng = rng
        self._dbs: dict[tuple[Addr, Addr], SecurityPolicyDatabase] = {}
        self.secret = b""  # keying material shared with the home agent (a Lab sets it from its seed)
        self.spi_bases: dict[Addr, int] = {}  # home address -> SPI base (the Lab's plan, shared with the HA)

    def spi_base(self, home_address: Addr) -> int | None:
        """The planned base; for a renumbered home address (same interface identifier as a planned one)
        the planned step carried over, as the home agent does; None: the default."""
        base = self.spi_bases.get(home_address)
        if base is not None:
            return base
        iid = int(home_address) & ((1 << 64) - 1)
        for old, old_base in self.spi_bases.items():
            if int(old) & ((1 << 64) - 1) == iid:
                return renumbered_spi_base(home_address, old, old_base)
        return None

    def database(self, home_address: Addr, home_agent: Addr) -> SecurityPolicyDatabase:
        """The mobile node's half of :func:`manual_sa_pair` for this pair (created on first use)."""
        key = (home_address, home_agent)
        db = self._dbs.get(key)
        if db is None:
            seed = random.Random(self._rng.getrandbits(64))
            base = self.spi_base(home_address)
            db, _ha_half = manual_sa_pair(home_address, home_agent, self.mode, seed, spi_base=base, secret=self.secret)
            self._dbs[key] = db
        return db

    def databases(self) -> list[SecurityPolicyDatabase]:
        """Every SAD/SPD this mobile node holds (one per home address and home agent pair); none when
        ESP is off."""
        return [] if self.mode == EspMode.OFF else list(self._dbs.values())

    def install(self, home_address: Addr, home_agent: Addr, db: SecurityPolicyDatabase) -> None:
        """Use ``db`` for this pair (tests hand in the MN half of a pair they also give a fake HA)."""
        self._dbs[(home_address, home_agent)] = db

    # ------------------------------------------------------------------ outbound
    def protect(self, home_address: Addr, home_agent: Addr, payload: Any, src: Addr, dst: Addr) -> Any:
        """ESP (transport mode) around ``payload`` sent logically from ``src`` (the home address) to
        ``dst``, if the SPD says so; else ``payload`` unchanged. The checksum inside ESP is computed
        with the logical addresses, which is what the home agent checks after the Home Address option."""
        db = self.database(home_address, home_agent)
        proto, mtype = message_type(payload)
        if proto is None:
            return payload
        sa = db.outbound(src, dst, proto, mtype)
        if sa is None:
            return payload
        nh, octets = encode_upper(payload, src, dst)
        return db.protect(sa, nh, octets)

    def tunnel_payload(self, home_address: Addr, home_agent: Addr, inner: IPv6) -> IPv6 | ESP:
        """The payload of the outer header of the reverse tunnel: ESP tunnel mode for a HoTI (RFC
        3776 §4.2), the inner packet itself for data."""
        db = self.database(home_address, home_agent)
        proto, mtype = message_type(inner.payload)
        sa = None if proto is None else db.outbound(inner.src, inner.dst, proto, mtype, tunnel=True)
        if sa is None:
            return inner
        return db.protect(sa, NH_IPV6, encode_ipv6(inner))

    # ------------------------------------------------------------------ inbound
    def open(self, home_address: Addr, home_agent: Addr, esp: ESP) -> tuple[SecurityAssociation, int, bytes]:
        """Verify and decrypt; raises :class:`EspError`."""
        return self.database(home_address, home_agent).open(esp)

    def inbound_ok(
        self,
        home_address: Addr,
        home_agent: Addr,
        packet: IPv6,
        via_spi: int | None,
        *,
        tunnel: bool = False,
    ) -> bool:
        """``packet`` (logical addresses, typed payload) arrived as the SPD requires."""
        proto, mtype = message_type(packet.payload)
        if proto is None:
            return True
        db = self.database(home_address, home_agent)
        return db.inbound_ok(packet.src, packet.dst, proto, mtype, via_spi, tunnel=tunnel)

    def requires_esp(self, home_address: Addr, home_agent: Addr, packet: IPv6, *, tunnel: bool = False) -> bool:
        return not self.inbound_ok(home_address, home_agent, packet, None, tunnel=tunnel)


def safe_decode_opened(src: Addr, dst: Addr, nh: int, data: bytes) -> IPv6 | None:
    try:
        return decode_opened(src, dst, nh, data)
    except DecodeError:
        return None
