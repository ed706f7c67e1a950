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
    from mip6lab.ipv6.node import IPv6Node
    from mip6lab.ipv6.upper import Delivery

__all__ = ["HomeAgentDiscovery", "MobilePrefixAgent", "UnsolicitedAdvertisement"]


class HomeAgentDiscovery:
    """The home agents list of the home link(s) and the DHAAD responder."""

    NEEDS = ("_hop_limit", "now", "ra_listeners", "send_packet", "trace_event")
    """What this unit uses of its node: all it sees (a :class:`~mip6lab.mobility.ports.UnitPort`)."""

    def __init__(self, node: IPv6Node, hooks: Any, ha_list: Any = None) -> None:
        self.node = node
        self.hooks = hooks  # HomeAgentHooks: home_links, own_ha_entry()
        self.ha_list = ha_list if ha_list is not None else HomeAgentsList()  # the ha.home_agents_list seam
        self.replies: deque[tuple[float, Addr, int, tuple[Addr, ...]]] = deque(maxlen=LOG_LIMIT)  # the newest
        node.ra_listeners.append(self.router_advertisement)

    def router_advertisement(self, ifname: str, src: Addr, ra: I.RouterAdvertisement) -> None:
        """§10.5.1: learn (or forget) a home agent from an RA heard on a home link."""
        if ifname not in self.hooks.home_links:
            return
        node = self.node
        if not ra.H:
            if self.ha_list.remove(src) is not None:
                node.trace_event("ha", f"{src} stopped advertising H: removed from the home agents list")
            return
        info = next((o for o in ra.options if isinstance(o, I.HomeAgentInformation)), None)
        lifetime = info.lifetime if info is not None else ra.router_lifetime
        preference = info.preference if info is not None else 0
        globals_ = [o.prefix for o in ra.options if isinstance(o, I.PrefixInformation) and o.R]
        e = self.ha_list.update_from_ra(node.now, src, globals_, lifetime, preference)
        node.trace_event(
            "ha",
            f"home agents list: {src} {'removed (lifetime 0)' if e is None else f'preference {preference}'}",
            router=src,
        )

    def current_list(self) -> HomeAgentsList:
        """The list with expired entries dropped and our own entry refreshed."""
        self.ha_list.expire(self.node.now)
        for link in self.hooks.home_links.values():
            self.hooks.refresh_own_entry(link)
        return self.ha_list

    def request(self, d: Delivery, req: I.HomeAgentAddressDiscoveryRequest) -> bool:
        """§10.5.1: answer a DHAAD Request sent to one of our Home-Agents anycast addresses."""
        node = self.node
        link = self.hooks.link_for_anycast(d.dst)
        if link is None:
            node.trace_event("ha", f"DHAAD Request to {d.dst}: not a Home-Agents anycast address of ours, ignored")
            return False
        addresses = tuple(self.current_list().addresses_for_reply())
        self.replies.append((node.now, d.src, req.identifier, addresses))
        node.trace_event(
            "ha",
            f"DHAAD Request {req.identifier} from {d.src}: reply with {', '.join(map(str, addresses))}",
            identifier=req.identifier,
        )
        reply = I.HomeAgentAddressDiscoveryReply(req.identifier, addresses)
        return node.send_packet(IPv6(link.address, d.src, reply, hlim=node._hop_limit()))


@dataclass
class UnsolicitedAdvertisement:
    """Retransmission state of one unsolicited Mobile Prefix Advertisement (§10.6.2)."""

    home_address: Addr
    identifier: int
    sent: int = 0  # transmissions so far
    timeout: float = PREFIX_ADV_TIMEOUT


class MobilePrefixAgent:
    """Answers Mobile Prefix Solicitations and sends unsolicited Advertisements on a prefix change."""

    NEEDS = ("cancel_timer", "now", "register_timer_handler", "rng", "set_timer", "trace_event")
    """What this unit uses of its node: all it sees (a :class:`~mip6lab.mobility.ports.UnitPort`)."""

    def __init__(self, node: IPv6Node, hooks: Any) -> None:
        self.node = node
        self.hooks = hooks  # HomeAgentHooks: prefix_options(), ha_address_for(), send_to_mobile_node(), ...
        self.unsolicited: dict[Addr, UnsolicitedAdvertisement] = {}
        # (time, home address, id, solicited): the newest LOG_LIMIT, one per advertisement however long the run
        self.advertisements: deque[tuple[float, Addr, int, bool]] = deque(maxlen=LOG_LIMIT)
        node.register_timer_handler("mpa", self._timer)

    def solicitation(self, d: Delivery, mps: I.MobilePrefixSolicitation, via_spi: int | None) -> bool:
        node, hooks = self.node, self.hooks
        packet = d.packet
        hao = packet.home_address_option
        if hao is None:
            node.trace_event("ha", f"MPS from {packet.src} without Home Address option: no answer")
            return False
        hoa = hao.home_address
        if not hooks.serves(hoa):
            node.trace_event("ha", f"Mobile Prefix Solicitation for {hoa}: not a home address we serve, ignored")
            return False
        hooks.ensure_sas(hoa)  # only if it has none: the MPS is not verified yet
        if not hooks.home_signalling_ok(hoa, d.dst, NH_ICMPV6, I.MOBILE_PREFIX_SOLICIT, via_spi):
            node.trace_event("esp", f"MPS for {hoa} not protected as the SPD requires: discarded")
            return False
        return self.advertise(hoa, packet.src, mps.identifier, solicited=True, ha_address=d.dst)

    def advertise(
        self, hoa: Addr, careof: Addr, identifier: int, *, solicited: bool, ha_address: Addr | None = None
    ) -> bool:
        hooks = self.hooks
        src = ha_address or hooks.ha_address_for(hoa)
        mpa = I.MobilePrefixAdvertisement(identifier, options=tuple(hooks.prefix_options(hoa)))
        self.advertisements.append((self.node.now, hoa, identifier, solicited))
        self.node.trace_event(
            "ha",
            f"{'' if solicited else 'unsolicited '}Mobile Prefix Advertisement {identifier} to {hoa} via {careof}",
            home_address=hoa,
            identifier=identifier,
        )
        return hooks.send_to_mobile_node(src, hoa, careof, mpa, hoa)

    # ------------------------------------------------------------------ unsolicited (§10.6.2)
    def prefix_changed(self, home_addresses: list[Addr]) -> None:
        for hoa in home_addresses:
            ident = self.node.rng.getrandbits(16)
            self.unsolicited[hoa] = UnsolicitedAdvertisement(hoa, ident)
            self._send(hoa)

    def _send(self, hoa: Addr) -> None:
        u = self.unsolicited.get(hoa)
        b = self.hooks.cache.lookup_valid(self.node.now, hoa)
        if u is None or b is None or not b.home_registration:
            self.stop(hoa, "binding gone")
            return
        self.advertise(hoa, b.care_of_address, u.identifier, solicited=False)
        u.sent += 1
        if u.sent > PREFIX_ADV_RETRIES:
            self.unsolicited.pop(hoa, None)
            self.node.trace_event("ha", f"unsolicited MPA to {hoa}: {PREFIX_ADV_RETRIES} retransmissions, giving up")
            return
        self.node.set_timer(("mpa", hoa), self.node.now + u.timeout)
        u.timeout *= 2

    def _timer(self, key: Hashable) -> None:
        self._send(key[1])  # type: ignore[index]

    def stop(self, hoa: Addr, why: str) -> None:
        if self.unsolicited.pop(hoa, None) is not None:
            self.node.cancel_timer(("mpa", hoa))
            self.node.trace_event("ha", f"unsolicited MPA to {hoa}: stopped ({why})")

    def binding_update_seen(self, hoa: Addr, source: Addr) -> None:
        """An accepted BU from the mobile node acknowledges the unsolicited advertisement: from the
        same home address, or from the care-of address of a binding that had one pending. The
        registrar calls this only after the IPsec check and acceptance."""
        for h in list(self.unsolicited):
            b = self.hooks.cache.lookup(h)
            if h == hoa or (b is not None and b.care_of_address == source):
                self.stop(h, "Binding Update received")
