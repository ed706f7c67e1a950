"""What a home agent tells mobile nodes about the home link: Dynamic Home Agent Address Discovery
(RFC 6275 §10.5) and Mobile Prefix Discovery (§10.6; white paper Figures 24-27, 32).

**Home agents list and DHAAD.** Every home agent listens to Router Advertisements with the H flag
on its home link and keeps the :class:`~mip6lab.mobility.ha_list.HomeAgentsList` (its own entry
included). A DHAAD Request to the Home-Agents anycast address of the home prefix is answered from
the home agent's *unicast* address, to the request's source (the care-of address, no Type 2 Routing
header), with the same Identifier and the home agents' global addresses in preference order. An RA
with H=0 from a listed router removes it (§10.5.1).

**Mobile Prefix Discovery.** A Mobile Prefix Solicitation from a mobile node away from home comes
from its care-of address with a Home Address option, under ESP; the Advertisement goes to the
care-of address with a Type 2 Routing header, under ESP, with the same Identifier and the home
prefixes as Prefix Information options. A solicitation *without* a Home Address option (a node on
the home link) gets no answer. When a home prefix changes the home agent sends unsolicited
Advertisements to each registered mobile node, retransmitted PREFIX_ADV_TIMEOUT, then 2x, 4x ... later
up to PREFIX_ADV_RETRIES times, until the mobile node's next Binding Update is accepted - after the
IPsec check, so a forged one cannot silence them - (it acknowledges the advertisement) or its binding
goes away (§10.6.2). (The periodic unsolicited advertisements
between MinMobPfxAdvInterval and MaxMobPfxAdvInterval are not sent: lab runs are much shorter.)
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mip6lab.mobility.constants import LOG_LIMIT, PREFIX_ADV_RETRIES, PREFIX_ADV_TIMEOUT
from mip6lab.mobility.ha_list import HomeAgentsList
from mip6lab.wire import icmp as I
from mip6lab.wire.ip import NH_ICMPV6, Addr, IPv6

if TYPE_CHECKING:
    from mip6lab.ipv6.upper import Delivery
    from mip6lab.mobility.ports import UnitPort

__all__ = ["HomeAgentDiscovery", "MobilePrefixAgent", "UnsolicitedAdvertisement"]


class HomeAgentDiscovery:
    """The home agents list of the home link(s) and the DHAAD responder."""

    NEEDS = ("home_links", "hop_limit", "link_for_anycast", "now", "refresh_own_entry", "send_packet", "trace_event")
    """What this unit uses of its home agent role and router: all it sees (a
    :class:`~mip6lab.mobility.ports.UnitPort` over the role, read as ``self.ha``)."""

    def __init__(self, ha: UnitPort, ha_list: Any = None) -> None:
        self.ha = ha
        self.ha_list = ha_list if ha_list is not None else HomeAgentsList()  # the ha.home_agents_list seam
        self.replies: deque[tuple[float, Addr, int, tuple[Addr, ...]]] = deque(maxlen=LOG_LIMIT)  # the newest

    def router_advertisement(self, ifname: str, src: Addr, ra: I.RouterAdvertisement) -> None:
        """§10.5.1: learn (or forget) a home agent from an RA heard on a home link."""
        if ifname not in self.ha.home_links:
            return
        ha = self.ha
        if not ra.H:
            if self.ha_list.remove(src) is not None:
                ha.trace_event("ha", f"{src} stopped advertising H: removed from the home agents list")
            return
        info = next((o for o in ra.options if isinstance(o, I.HomeAgentInformation)), None)
        lifetime = info.lifetime if info is not None else ra.router_lifetime
        preference = info.preference if info is not None else 0
        globals_ = [o.prefix for o in ra.options if isinstance(o, I.PrefixInformation) and o.R]
        e = self.ha_list.update_from_ra(ha.now, src, globals_, lifetime, preference)
        ha.trace_event(
            "ha",
            f"home agents list: {src} {'removed (lifetime 0)' if e is None else f'preference {preference}'}",
            router=src,
        )

    def current_list(self) -> HomeAgentsList:
        """The list with expired entries dropped and our own entry refreshed."""
        self.ha_list.expire(self.ha.now)
        for link in self.ha.home_links.values():
            self.ha.refresh_own_entry(link)
        return self.ha_list

    def request(self, d: Delivery, req: I.HomeAgentAddressDiscoveryRequest) -> bool:
        """§10.5.1: answer a DHAAD Request sent to one of our Home-Agents anycast addresses."""
        ha = self.ha
        link = self.ha.link_for_anycast(d.dst)
        if link is None:
            ha.trace_event("ha", f"DHAAD Request to {d.dst}: not a Home-Agents anycast address of ours, ignored")
            return False
        addresses = tuple(self.current_list().addresses_for_reply())
        self.replies.append((ha.now, d.src, req.identifier, addresses))
        ha.trace_event(
            "ha",
            f"DHAAD Request {req.identifier} from {d.src}: reply with {', '.join(map(str, addresses))}",
            identifier=req.identifier,
        )
        reply = I.HomeAgentAddressDiscoveryReply(req.identifier, addresses)
        return ha.send_packet(IPv6(link.address, d.src, reply, hlim=ha.hop_limit()))


@dataclass
class UnsolicitedAdvertisement:
    """Retransmission state of one unsolicited Mobile Prefix Advertisement (§10.6.2)."""

    home_address: Addr
    identifier: int
    sent: int = 0  # transmissions so far
    timeout: float = PREFIX_ADV_TIMEOUT


class MobilePrefixAgent:
    """Answers Mobile Prefix Solicitations and sends unsolicited Advertisements on a prefix change."""

    NEEDS = (
        "cache",
        "cancel_timer",
        "ensure_sas",
        "ha_address_for",
        "home_signalling_ok",
        "now",
        "prefix_options",
        "register_timer_handler",
        "rng",
        "send_to_mobile_node",
        "serves",
        "set_timer",
        "trace_event",
    )
    """What this unit uses of its home agent role and router: all it sees (a
    :class:`~mip6lab.mobility.ports.UnitPort` over the role, read as ``self.ha``)."""

    def __init__(self, ha: UnitPort) -> None:
        self.ha = ha
        self.unsolicited: dict[Addr, UnsolicitedAdvertisement] = {}
        # (time, home address, id, solicited): the newest LOG_LIMIT, one per advertisement however long the run
        self.advertisements: deque[tuple[float, Addr, int, bool]] = deque(maxlen=LOG_LIMIT)
        ha.register_timer_handler("mpa", self._timer)

    def solicitation(self, d: Delivery, mps: I.MobilePrefixSolicitation, via_spi: int | None) -> bool:
        ha = self.ha
        packet = d.packet
        hao = packet.home_address_option
        if hao is None:
            ha.trace_event("ha", f"MPS from {packet.src} without Home Address option: no answer")
            return False
        hoa = hao.home_address
        if not ha.serves(hoa):
            ha.trace_event("ha", f"Mobile Prefix Solicitation for {hoa}: not a home address we serve, ignored")
            return False
        ha.ensure_sas(hoa)  # only if it has none: the MPS is not verified yet
        if not ha.home_signalling_ok(hoa, d.dst, NH_ICMPV6, I.MOBILE_PREFIX_SOLICIT, via_spi):
            ha.trace_event("esp", f"MPS for {hoa} not protected as the SPD requires: discarded")
            return False
        return self.advertise(hoa, packet.src, mps.identifier, solicited=True, ha_address=d.dst)

    def advertise(
        self, hoa: Addr, careof: Addr, identifier: int, *, solicited: bool, ha_address: Addr | None = None
    ) -> bool:
        ha = self.ha
        src = ha_address or ha.ha_address_for(hoa)
        mpa = I.MobilePrefixAdvertisement(identifier, options=tuple(ha.prefix_options(hoa)))
        self.advertisements.append((self.ha.now, hoa, identifier, solicited))
        self.ha.trace_event(
            "ha",
            f"{'' if solicited else 'unsolicited '}Mobile Prefix Advertisement {identifier} to {hoa} via {careof}",
            home_address=hoa,
            identifier=identifier,
        )
        return ha.send_to_mobile_node(src, hoa, careof, mpa, hoa)

    # ------------------------------------------------------------------ unsolicited (§10.6.2)
    def prefix_changed(self, home_addresses: list[Addr]) -> None:
        for hoa in home_addresses:
            ident = self.ha.rng.getrandbits(16)
            self.unsolicited[hoa] = UnsolicitedAdvertisement(hoa, ident)
            self._send(hoa)

    def _send(self, hoa: Addr) -> None:
        u = self.unsolicited.get(hoa)
        b = self.ha.cache.lookup_valid(self.ha.now, hoa)
        if u is None or b is None or not b.home_registration:
            self.stop(hoa, "binding gone")
            return
        self.advertise(hoa, b.care_of_address, u.identifier, solicited=False)
        u.sent += 1
        if u.sent > PREFIX_ADV_RETRIES:
            self.unsolicited.pop(hoa, None)
            self.ha.trace_event("ha", f"unsolicited MPA to {hoa}: {PREFIX_ADV_RETRIES} retransmissions, giving up")
            return
        self.ha.set_timer(("mpa", hoa), self.ha.now + u.timeout)
        u.timeout *= 2

    def _timer(self, key: Hashable) -> None:
        self._send(key[1])  # type: ignore[index]

    def stop(self, hoa: Addr, why: str) -> None:
        if self.unsolicited.pop(hoa, None) is not None:
            self.ha.cancel_timer(("mpa", hoa))
            self.ha.trace_event("ha", f"unsolicited MPA to {hoa}: stopped ({why})")

    def binding_update_seen(self, hoa: Addr, source: Addr) -> None:
        """An accepted BU from the mobile node acknowledges the unsolicited advertisement: from the
        same home address, or from the care-of address of a binding that had one pending. The
        registrar calls this only after the IPsec check and acceptance."""
        for h in list(self.unsolicited):
            b = self.ha.cache.lookup(h)
            if h == hoa or (b is not None and b.care_of_address == source):
                self.stop(h, "Binding Update received")
