"""Rules for movement detection: a stand-in mobile node (:class:`FakePort`) feeds media changes and
Router Advertisements to the candidate and records what it is told."""

from __future__ import annotations

from collections.abc import Hashable
from ipaddress import IPv6Network
from typing import Any

from mip6lab.seams.contracts import expect, rule
from mip6lab.wire import icmp as I
from mip6lab.wire.ip import Addr

HOME = IPv6Network("2001:db8:1::/64")
FOREIGN = IPv6Network("2001:db8:2::/64")
OTHER = IPv6Network("2001:db8:3::/64")
HA_LL = Addr("fe80::1")
AR_LL = Addr("fe80::2")
AR2_LL = Addr("fe80::3")
MD = "mn.movement_detection"


class FakePort:
    """What a movement detector sees of its mobile node (:class:`~mip6lab.seams.protocols.MovementPort`),
    recording the decisions (``calls``) and mimicking the node's location changes."""

    def __init__(self, home_prefix: IPv6Network | None = HOME) -> None:
        self.now = 0.0
        self.home_prefix = home_prefix
        self.location = "unknown"
        self.current_foreign_prefix: IPv6Network | None = None
        self.calls: list[tuple[Any, ...]] = []
        self.timers: dict[Hashable, float] = {}
        self.handlers: dict[str, Any] = {}

    def trace_event(self, category: str, message: str, **details: Any) -> None:
        pass

    def set_timer(self, key: Hashable, at: float) -> None:
        self.timers[key] = at

    def cancel_timer(self, key: Hashable) -> None:
        self.timers.pop(key, None)

    def register_timer_handler(self, kind: str, handler: Any) -> None:
        self.handlers[kind] = handler

    def attachment_changed(self, ifname: str, attached: bool) -> None:
        self.calls.append(("attachment_changed", ifname, attached))
        if not attached:
            self.location = "detached"

    def attached_home(self, ifname: str, router: Addr) -> None:
        self.calls.append(("attached_home", ifname, router))
        self.location, self.current_foreign_prefix = "home", None

    def attached_foreign(self, ifname: str, prefix: IPv6Network, router: Addr) -> None:
        self.calls.append(("attached_foreign", ifname, prefix, router))
        self.location, self.current_foreign_prefix = "foreign", prefix

    def start_router_solicitation(self, ifname: str) -> None:
        self.calls.append(("start_router_solicitation", ifname))

    def drop_onlink_route(self, ifname: str, prefix: IPv6Network) -> None:
        self.calls.append(("drop_onlink_route", ifname, prefix))

    def decisions(self) -> list[tuple[Any, ...]]:
        return [c for c in self.calls if c[0] in ("attached_home", "attached_foreign")]


def ra(*prefixes: IPv6Network) -> I.RouterAdvertisement:
    return I.RouterAdvertisement(
        options=tuple(I.PrefixInformation(p.network_address, p.prefixlen) for p in prefixes),
    )


def _attached(make: Any) -> tuple[Any, FakePort]:
    port = FakePort()
    d = make(port)
    d.on_link_change("eth0", True)
    return d, port


@rule(MD, rfc="§11.5.1", hint="on a media change, forget the old link and tell the node: port.attachment_changed")
def md_media_change(make: Any) -> None:
    """a link-layer media change is passed on to the node"""
    _, port = _attached(make)
    expect("on_link_change('eth0', True)", [("attachment_changed", "eth0", True)], port.calls)


@rule(MD, rfc="§11.5.1", hint="an RA advertising the home prefix means home: port.attached_home(ifname, router)")
def md_home(make: Any) -> None:
    """an RA with the home prefix: attached to the home link"""
    d, port = _attached(make)
    d.on_ra("eth0", HA_LL, ra(HOME))
    expect(
        f"attach; RA from {HA_LL} with {HOME} (the home prefix)", [("attached_home", "eth0", HA_LL)], port.decisions()
    )


@rule(
    MD,
    rfc="§11.5.1, §11.5.2",
    hint="an RA with a prefix that is not the home prefix means a foreign link: "
    "port.attached_foreign(ifname, prefix, router)",
)
def md_foreign(make: Any) -> None:
    """an RA with another prefix: attached to a foreign link"""
    d, port = _attached(make)
    d.on_ra("eth0", AR_LL, ra(FOREIGN))
    expect(f"attach; RA from {AR_LL} with {FOREIGN}", [("attached_foreign", "eth0", FOREIGN, AR_LL)], port.decisions())


@rule(MD, rfc="§11.5.1", hint="a periodic RA with the prefix already in use is no movement: decide nothing")
def md_periodic(make: Any) -> None:
    """a periodic RA on the same foreign link is no movement"""
    d, port = _attached(make)
    d.on_ra("eth0", AR_LL, ra(FOREIGN))
    port.now = 3.0
    d.on_ra("eth0", AR_LL, ra(FOREIGN))
    expect(
        f"attach; RA from {AR_LL} with {FOREIGN}, again 3 s later",
        [("attached_foreign", "eth0", FOREIGN, AR_LL)],
        port.decisions(),
    )


@rule(MD, rfc="§11.5.1", hint="after a media change, the first RA with a new prefix is a move even from the same link")
def md_move_on(make: Any) -> None:
    """moving on: a media change, then an RA with a new prefix"""
    d, port = _attached(make)
    d.on_ra("eth0", AR_LL, ra(FOREIGN))
    d.on_link_change("eth0", False)
    d.on_link_change("eth0", True)
    d.on_ra("eth0", AR2_LL, ra(OTHER))
    expect(
        f"RA {FOREIGN} from {AR_LL}; detach; attach; RA {OTHER} from {AR2_LL}",
        [("attached_foreign", "eth0", FOREIGN, AR_LL), ("attached_foreign", "eth0", OTHER, AR2_LL)],
        port.decisions(),
    )


@rule(MD, rfc="§11.5.1", hint="an RA without prefixes tells nothing about where the node is")
def md_no_prefix(make: Any) -> None:
    """an RA without prefixes decides nothing"""
    d, port = _attached(make)
    d.on_ra("eth0", AR_LL, ra())
    expect(f"attach; RA from {AR_LL} without Prefix Information", [], port.decisions())


@rule(
    MD, rfc="§11.5.1 (pseudo-automatic home link)", hint="prefixes_on(ifname): the prefixes heard on the current link"
)
def md_prefixes(make: Any) -> None:
    """prefixes_on lists the prefixes heard on the current link, and forgets them on a media change"""
    d, _ = _attached(make)
    d.on_ra("eth0", AR_LL, ra(FOREIGN))
    expect(f"attach; RA with {FOREIGN}; prefixes_on('eth0')", [FOREIGN], list(d.prefixes_on("eth0")))
    d.on_link_change("eth0", True)
    expect("... then a media change; prefixes_on('eth0')", [], list(d.prefixes_on("eth0")))


@rule(
    MD,
    rfc="§7.2, §11.5.1",
    hint="with the R flag the Prefix field holds the router's full address: take only the first prefix_len bits",
)
def md_router_address(make: Any) -> None:
    """a home agent's RA with the R flag (its address in the Prefix field) still advertises the home prefix"""
    d, port = _attached(make)
    home_agent = Addr("2001:db8:1::1")
    message = I.RouterAdvertisement(H=True, options=(I.PrefixInformation(home_agent, 64, R=True),))
    d.on_ra("eth0", HA_LL, message)
    expect(
        f"attach; RA from {HA_LL}: Prefix {home_agent}/64 with R=1",
        [("attached_home", "eth0", HA_LL)],
        port.decisions(),
    )
