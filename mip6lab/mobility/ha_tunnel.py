"""The home agent's bidirectional tunnel (RFC 6275 §10.4.1-§10.4.5; white paper Figures 14-17, 31).

**Interception and tunnelling (Figure 15).** A packet addressed to a registered home address (or to
the mobile node's link-local address when the BU had L=1) reaches the home agent - from the Internet
because the home agent routes the home prefix, from the home link because of proxy ND (Figure 31).
The receiving algorithm's step 1 finds it is not for us and asks :meth:`HomeTunnel.intercept`. The
home agent forwards it into an IPv6-in-IPv6 tunnel (RFC 2473): inner hop limit decremented as
for any forwarded packet, outer header from the home agent's address on the home link to the care-of
address. A HoT for the mobile node is protected with tunnel-mode ESP when the SPD says so (§10.4.6).
Multicast is never tunnelled here.

**Reverse tunnel (Figures 16-17).** A packet from the care-of address carrying an inner packet from
the home address is decapsulated and the inner packet goes through the receiving algorithm again -
normally it is forwarded to the correspondent. §10.4.5: the outer source **must** be the primary
care-of address registered for the inner source, or anyone could launder packets through the home
agent; HoTI must arrive under tunnel-mode ESP when the SPD requires it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from mip6lab.ipv6.receiving import next_header_of
from mip6lab.ipv6.upper import Delivery
from mip6lab.wire import icmp as I
from mip6lab.wire.ip import NH_ICMPV6, NH_MOBILITY, IPv6
from mip6lab.wire.mh import MobilityHeader

if TYPE_CHECKING:
    from mip6lab.mobility.ports import UnitPort

__all__ = ["HomeTunnel", "inner_selector"]


def inner_selector(packet: IPv6) -> tuple[int, int | None]:
    """(protocol, message type) of a packet's payload, as an SPD selector sees it (the SPD only
    names Mobility Header types and the Mobile Prefix ICMPv6 types)."""
    p = packet.payload
    if isinstance(p, MobilityHeader):
        return NH_MOBILITY, p.mh_type
    if isinstance(p, I.MobilePrefixSolicitation):
        return NH_ICMPV6, I.MOBILE_PREFIX_SOLICIT
    if isinstance(p, I.MobilePrefixAdvertisement):
        return NH_ICMPV6, I.MOBILE_PREFIX_ADVERT
    return next_header_of(p), None


class HomeTunnel:
    """Encapsulation to, and decapsulation from, the care-of addresses of home registrations."""

    NEEDS = (
        "binding_for_intercept",
        "cache",
        "ha_address_for",
        "hop_limit",
        "icmp_error",
        "ipsec",
        "now",
        "reenter",
        "send_packet",
        "trace_event",
    )
    """What this unit uses of its home agent role and router: all it sees (a
    :class:`~mip6lab.mobility.ports.UnitPort` over the role, read as ``self.ha``). A
    decapsulated packet goes back into the node's receiving algorithm through ``ha.reenter``."""

    def __init__(self, ha: UnitPort) -> None:
        self.ha = ha
        self.tunnelled = 0
        self.decapsulated = 0

    def intercept(self, packet: IPv6, ifname: str) -> bool:
        """Receiving step 1 (not our address): tunnel it if it is for a registered home address."""
        dst = packet.dst
        if dst.is_multicast:
            return False
        binding = self.ha.binding_for_intercept(dst)
        if binding is None:
            return False
        ha = self.ha
        if packet.hlim <= 1:
            ha.icmp_error(packet, I.TIME_EXCEEDED, I.TE_HOP_LIMIT)
            return True
        self.encapsulate(binding, replace(packet, hlim=packet.hlim - 1), f"intercepted {packet.src} -> {dst}")
        return True

    def encapsulate(self, binding: Any, inner: IPv6, what: str) -> bool:
        """Send ``inner`` (for ``binding``'s home address) through the tunnel to the care-of address:
        outer header from the home agent's address, tunnel-mode ESP when the SPD has a policy for it.
        Intercepted packets come here, and so do the home agent's own Mobility Header messages other
        than a BA, which RFC 6275 §6.1 forbids to send with a Type 2 Routing header (a BRR)."""
        ha = self.ha
        ha_addr = self.ha.ha_address_for(binding.home_address)
        proto, mtype = inner_selector(inner)
        esp = self.ha.ipsec.protect_tunnel(inner, proto, mtype) if self.ha.ipsec.enabled else None
        outer = IPv6(ha_addr, binding.care_of_address, esp if esp is not None else inner, hlim=ha.hop_limit())
        self.tunnelled += 1
        binding.note_use(ha.now)
        ha.trace_event(
            "ha",
            f"{what}: tunnelled {ha_addr} -> {binding.care_of_address}"
            + (" (ESP tunnel mode)" if esp is not None else ""),
            home_address=binding.home_address,
            careof_address=binding.care_of_address,
        )
        return ha.send_packet(outer)

    def decapsulate(self, d: Delivery, inner: IPv6, via_spi: int | None = None) -> bool:
        """An IPv6-in-IPv6 packet (or a tunnel-mode ESP one, opened) arrived for us: check and forward."""
        ha = self.ha
        outer = d.packet
        b = self.ha.cache.lookup_valid(ha.now, inner.src)
        if b is None or not b.home_registration or b.care_of_address != outer.src:
            why = "no home registration for" if b is None or not b.home_registration else "wrong care-of address for"
            ha.trace_event("ha", f"reverse-tunnelled packet from {outer.src}: {why} {inner.src}: discarded (§10.4.5)")
            return False
        proto, mtype = inner_selector(inner)
        if not self.ha.ipsec.inbound_ok(inner.src, inner.dst, proto, mtype, via_spi, tunnel=True):
            ha.trace_event("esp", f"reverse-tunnelled {inner.src} -> {inner.dst} not protected as the SPD requires")
            return False
        self.decapsulated += 1
        ha.trace_event(
            "ha",
            f"reverse tunnel from {outer.src}: inner {inner.src} -> {inner.dst} forwarded",
            home_address=inner.src,
        )
        self.ha.reenter(inner, d.ifname)
        return True
