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
