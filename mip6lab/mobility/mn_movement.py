"""Movement detection (RFC 6275 §11.5.1) and care-of address formation (§11.5.2).

The node notices it may have moved from three hints, strongest first:

1. a link-layer **media change** (``handle_link_change``): everything learnt about the old link is
   now doubtful; the plain node forgets routers and sends Router Solicitations;
2. a Router Advertisement carrying a **new prefix** from a new router -- on a fresh attachment this is
   the answer to the RS; otherwise it counts only once the current router is presumed lost (several
   routers may share a link);
3. **missed advertisements**: with the Advertisement Interval option (§7.3) the node knows the longest
   gap between a router's RAs; after :data:`MISSED_RA_INTERVALS` of them in silence the router is
   presumed lost and the node solicits.

Then: an advertised prefix equal to the home prefix means *home*; any other means *foreign*, and the
care-of address is the SLAAC address the node formed from it, usable once Duplicate Address Detection
passes. The detector only decides, through a :class:`~mip6lab.mobility.mobile_node.MovementPort`
(``attached_home``, ``attached_foreign``); the mobile node acts.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from ipaddress import IPv6Network
from typing import TYPE_CHECKING

from mip6lab.ipv6.router_discovery import prefix_network
from mip6lab.mobility.machines import Location
from mip6lab.wire import icmp as I
from mip6lab.wire.ip import Addr

if TYPE_CHECKING:
    from mip6lab.mobility.mobile_node import MovementPort

__all__ = ["MISSED_RA_INTERVALS", "LinkView", "MovementDetector"]

MISSED_RA_INTERVALS = 3  # implementation choice: RAs missed before the router is presumed lost


@dataclass
class LinkView:
    """What the node knows about the link one interface is attached to now."""

    attached: bool = False
    attachment: int = 0  # counts attachments (a new link-layer attachment = a new view)
    prefixes: dict[IPv6Network, Addr] = field(default_factory=dict)  # prefix -> advertising router
    router: Addr | None = None  # the router whose prefix gave the current care-of address
    last_ra: float | None = None
    adv_interval: float | None = None  # seconds, from the Advertisement Interval option
    router_lost: bool = False


_UNHEARD = object()


class MovementDetector:
    """Per-interface link view; decides home / foreign / moved."""

    def __init__(self, mn: MovementPort) -> None:
        self.mn = mn  # a narrow port (now, trace, timers, home prefix, location; the decisions), not the node
        self.views: dict[str, LinkView] = {}
        mn.register_timer_handler("mn-ra-miss", self._missed_timer)

    def view(self, ifname: str) -> LinkView:
        v = self.views.get(ifname)
        if v is None:  # (not setdefault: that builds a view on every RA)
            v = self.views[ifname] = LinkView()
        return v

    def prefixes_on(self, ifname: str) -> list[IPv6Network]:
        """The prefixes heard on ``ifname``'s current link ("this is my home link" picks from them)."""
        return list(self.view(ifname).prefixes)

    # ------------------------------------------------------------------ inputs
    def on_link_change(self, ifname: str, attached: bool) -> None:
        v = self.view(ifname)
        self.mn.cancel_timer(("mn-ra-miss", ifname))
        v.attached = attached
        v.prefixes.clear()
        v.router, v.last_ra, v.adv_interval, v.router_lost = None, None, None, False
        if attached:
            v.attachment += 1
            self.mn.trace_event(
                "movement",
                f"{ifname}: link-layer media change: new attachment, waiting for a Router Advertisement",
                ifname=ifname,
                hint="media change",
            )
        self.mn.attachment_changed(ifname, attached)

    def on_ra(self, ifname: str, src: Addr, ra: I.RouterAdvertisement) -> None:
        mn = self.mn
        v = self.view(ifname)
        now = mn.now
        nets = [
            prefix_network(o.prefix, o.prefix_len)
            for o in ra.options
            if isinstance(o, I.PrefixInformation) and (o.A or o.L) and o.valid_lifetime > 0
        ]
        if src == v.router or v.router is None:
            v.last_ra = now
            adv = next((o for o in ra.options if isinstance(o, I.AdvertisementInterval)), None)
            if adv is not None and adv.interval_ms > 0:
                v.adv_interval = adv.interval_ms / 1000
                mn.set_timer(("mn-ra-miss", ifname), now + MISSED_RA_INTERVALS * v.adv_interval)
        # new = the prefixes not heard before; every prefix now maps to src (one look-up per prefix: each RA)
        new = []
        prefixes = v.prefixes
        for n in nets:
            heard = prefixes.get(n, _UNHEARD)
            if heard is _UNHEARD:
                new.append(n)
                prefixes[n] = src
            elif heard is not src:
                prefixes[n] = src
            elif new and n in new:  # the same prefix twice in one RA, new the first time: new both times
                new.append(n)
        if not nets:
            return
        # read once: nothing below changes them before the decision (attached_home / attached_foreign) is told
        home, where, current = mn.home_prefix, mn.location, mn.current_foreign_prefix
        if self._unconfirmed(ifname, v, src, nets, home, where, current):
            return
        if home is not None and home in nets:
            if where != Location.HOME or v.router != src:
                v.router, v.router_lost = src, False
                mn.trace_event(
                    "movement",
                    f"{ifname}: RA from {src} advertises the home prefix {home}: attached to the home link",
                    ifname=ifname,
                    router=src,
                    hint="home prefix",
                )
                mn.attached_home(ifname, src)
            return
        if where == Location.FOREIGN and current in nets:
            return  # same link, same prefix (a periodic RA)
        if where == Location.FOREIGN and current is not None and not v.router_lost and src != v.router:
            mn.trace_event(
                "movement",
                f"{ifname}: RA from another router {src} with {new or nets}: current router still alive, no move",
                ifname=ifname,
            )
            return
        prefix = next((o for o in nets if o.prefixlen == 64), nets[0])
        hint = "new prefix after missed RAs" if v.router_lost else "new prefix"
        v.router, v.router_lost = src, False
        mn.trace_event(
            "movement",
            f"{ifname}: RA from {src} advertises {prefix}, not the home prefix: attached to a foreign link",
            ifname=ifname,
            router=src,
            prefix=str(prefix),
            hint=hint,
        )
        mn.attached_foreign(ifname, prefix, src)

    def _unconfirmed(
        self,
        ifname: str,
        v: LinkView,
        src: Addr,
        nets: list[IPv6Network],
        home: IPv6Network | None,
        where: Location,
        current: IPv6Network | None,
    ) -> bool:
        """§11.5.1: act on movement only once it is confirmed. With no media change and the current
        router not presumed lost (missed RAs), an RA that would move us - another router's, or the
        current router's (maybe a spoofed link-local source) without the prefix we use - is not
        proof of movement: anyone on the link can send it (§11.5.4 returning home needs the same).
        ``home``, ``where``, ``current``: the node's home prefix, location and foreign prefix now."""
        if v.router is None or v.router_lost or where not in ("home", "foreign"):
            return False
        if where == Location.HOME and home in nets:
            return False  # still home (a periodic RA)
        if where == Location.FOREIGN and current in nets and home not in nets:
            return False  # same link, same prefix
        self.mn.trace_event(
            "movement",
            f"{ifname}: RA from {src} with {nets} while router {v.router} is alive and no media change: "
            "movement not confirmed, ignored",
            ifname=ifname,
        )
        if where == Location.FOREIGN and home in nets:
            # Away from home the home prefix is never on-link (§11.5.4 needs a confirmed return): the
            # route the RA installed would send home registrations to address resolution on this link.
            self.mn.drop_onlink_route(ifname, home)
        return True

    def _missed_timer(self, key: Hashable) -> None:
        ifname = key[1]  # type: ignore[index]
        v = self.view(ifname)
        if not v.attached:
            return
        v.router_lost = True
        self.mn.trace_event(
            "movement",
            f"{ifname}: no RA from {v.router} for {MISSED_RA_INTERVALS} Advertisement Intervals "
            f"({v.adv_interval} s): router presumed lost, soliciting",
            ifname=ifname,
            hint="missed RAs",
        )
        self.mn.start_router_solicitation(ifname)
