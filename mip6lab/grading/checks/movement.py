"""Exercise 10b: movement detection from Router Advertisements (RFC 6275 §11.5.1; white paper 'Movement
detection')."""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Callable
from typing import Any

from mip6lab.grading.checks._common import rand_prefix
from mip6lab.grading.core import Case, Verdict, run_check

HOME, STAY, MOVED, IGNORE = "home", "same link", "moved", "ignore"


def reference(
    home_prefix: str, current_prefix: str | None, ra_prefixes: list[str], from_current_router: bool, router_lost: bool
) -> str:
    """What a Router Advertisement tells the mobile node (mip6lab.mobility.mn_movement's rule)."""
    nets = [ipaddress.IPv6Network(p, strict=False) for p in ra_prefixes]
    if not nets:
        return IGNORE
    if ipaddress.IPv6Network(home_prefix, strict=False) in nets:
        return HOME
    current = ipaddress.IPv6Network(current_prefix, strict=False) if current_prefix else None
    if current is not None and current in nets:
        return STAY
    if current is not None and not router_lost and not from_current_router:
        return IGNORE
    return MOVED


HINTS = {
    HOME: "RFC 6275 §11.5.4 / white paper 'Returning home': an RA advertising the home prefix means the mobile "
    "node is on its home link, whatever else it says",
    STAY: "RFC 6275 §11.5.1: the RA still advertises the prefix of the current care-of address: same link, no move",
    IGNORE: "RFC 6275 §11.5.1: an RA without on-link prefixes tells nothing; one from another router while the "
    "current default router is still alive is not a reason to move (the MN must not flap between routers)",
    MOVED: "RFC 6275 §11.5.1: a new prefix from the current router, or from any router once the current one is "
    "lost (missed RAs), or when the node has no care-of address yet: it has moved (form a new care-of address)",
}


def _hint(case: Case, expected: str, got: Any) -> str:
    return HINTS.get(expected, f"return one of {HOME!r}, {STAY!r}, {MOVED!r}, {IGNORE!r}")


H, F1, F2 = "2001:db8:1::/64", "2001:db8:2::/64", "2001:db8:3::/64"
VISIBLE = [
    Case((H, None, [F1], True, False)),
    Case((H, F1, [F1], True, False)),
    Case((H, F1, [F2], True, False)),
    Case((H, F1, [F2], False, False)),
    Case((H, F1, [F2], False, True)),
    Case((H, F1, [H], False, False)),
    Case((H, F1, [], True, False)),
    Case((H, F1, [F2, H], False, False)),
]


def _hidden(rng: random.Random) -> list[Case]:
    out = []
    for _ in range(40):
        home, a, b = rand_prefix(rng), rand_prefix(rng), rand_prefix(rng)
        current = rng.choice([None, a, a])
        pool = [home, a, b, rand_prefix(rng)]
        ra = rng.sample(pool, rng.randrange(0, 3))
        out.append(Case((home, current, ra, rng.random() < 0.5, rng.random() < 0.3)))
    return out


def check_movement(classify_ra: Callable[..., str], **kw: Any) -> Verdict:
    """classify_ra(home_prefix, current_prefix, ra_prefixes, from_current_router, router_lost) -> a decision."""
    return run_check("classify_ra", classify_ra, reference, VISIBLE, _hidden, _hint, **kw)


# ----------------------------------------------------------------------------- in the running system
def detector_using(classify_ra: Callable[..., str]) -> type:
    """A movement detector (seam ``mn.movement_detection``) that keeps mip6lab's link bookkeeping (the
    prefixes heard, the current router, missed-RA timers) and asks ``classify_ra`` what each RA means."""
    from ipaddress import IPv6Network

    from mip6lab.mobility.mn_movement import MISSED_RA_INTERVALS, MovementDetector
    from mip6lab.wire import icmp as I

    class ReadersMovementDetector(MovementDetector):
        def on_ra(self, ifname: str, src: Any, ra: Any) -> None:
            v = self.view(ifname)
            port = self.mn
            nets = [
                IPv6Network(f"{o.prefix}/{o.prefix_len}", strict=False)
                for o in ra.options
                if isinstance(o, I.PrefixInformation) and (o.A or o.L) and o.valid_lifetime > 0
            ]
            if src == v.router or v.router is None:
                v.last_ra = port.now
                adv = next((o for o in ra.options if isinstance(o, I.AdvertisementInterval)), None)
                if adv is not None and adv.interval_ms > 0:
                    v.adv_interval = adv.interval_ms / 1000
                    port.set_timer(("mn-ra-miss", ifname), port.now + MISSED_RA_INTERVALS * v.adv_interval)
            for n in nets:
                v.prefixes[n] = src
            home = port.home_prefix
            current = port.current_foreign_prefix if port.location == "foreign" else None
            decision = classify_ra(
                str(home) if home is not None else "::/128",
                str(current) if current is not None else None,
                [str(n) for n in nets],
                src == v.router,
                v.router_lost,
            )
            port.trace_event("movement", f"{ifname}: RA from {src}: your classify_ra says {decision!r}", ifname=ifname)
            if decision == HOME:
                if port.location != "home" or v.router != src:
                    v.router, v.router_lost = src, False
                    port.attached_home(ifname, src)
            elif decision == MOVED and nets:
                prefix = next((n for n in nets if n.prefixlen == 64), nets[0])
                v.router, v.router_lost = src, False
                port.attached_foreign(ifname, prefix, src)

    return ReadersMovementDetector


def _moved_and_came_home(lab: Any) -> str | None:
    """the mobile node registered its new care-of address after the move to foreign2 (HA's BA status 0)"""
    from mip6lab.grading.system import ba_status

    bas = ba_status(lab, "ha", after=12.0)
    if not bas:
        return "no Binding Acknowledgement from the home agent after the move at 12 s: the move was not detected"
    if "status=0 " not in bas[0][1]:
        return f"the home agent answered: {bas[0][1]}"
    return None


def check_plugged(classify_ra: Callable[..., str], **kw: Any) -> Verdict:
    """classify_ra deciding the mobile node's movement detection (seam mn.movement_detection)."""
    from mip6lab.grading.system import check_contract, check_in_system

    detector = detector_using(classify_ra)
    verdict = check_contract("your movement detection in the seam", "mn.movement_detection", detector, **kw)
    if not verdict.passed:
        return verdict
    return check_in_system(
        "your movement detection in the running system",
        "new-foreign-link",
        {"mn.movement_detection": detector},
        _moved_and_came_home,
        "RFC 6275 §11.5.1: an RA from the new link's router advertises a prefix that is neither the home prefix "
        "nor the current care-of address's: that is a move (form a care-of address, register it)",
        **kw,
    )
