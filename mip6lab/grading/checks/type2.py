"""Exercise 10: a mobile node processing a Type 2 Routing header (RFC 6275 §6.4, §11.3.3)."""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Callable
from typing import Any

from mip6lab.grading.checks._common import rand_addr, rand_prefix
from mip6lab.grading.core import Case, Verdict, run_check


def _a(x: str) -> ipaddress.IPv6Address:
    return ipaddress.IPv6Address(x)


def reference(
    hdr_ext_len: int, segments_left: int, rh_address: str, destination: str, home_address: str, my_addresses: list[str]
) -> str | None:
    """The home address to deliver to (the packet's new destination), or None to discard."""
    if hdr_ext_len != 2 or segments_left != 1:
        return None
    if _a(rh_address) != _a(home_address):
        return None
    if _a(destination) not in {_a(x) for x in my_addresses}:
        return None
    if _a(rh_address).is_link_local and not _a(destination).is_link_local:
        return None
    return str(_a(rh_address))


def _cmp(got: Any, expected: str | None) -> bool:
    if expected is None or got is None:
        return got is None and expected is None
    try:
        return _a(str(got)) == _a(expected)
    except ValueError:
        return False


def _hint(case: Case, expected: Any, got: Any) -> str:
    hel, sl, rh, dst, hoa, mine = case.args
    if hel != 2 or sl != 1:
        return (
            "RFC 6275 §6.4: a Type 2 Routing header carries exactly one address: Hdr Ext Len 2 and Segments "
            "Left 1; anything else is discarded"
        )
    if _a(rh) != _a(hoa):
        return (
            "RFC 6275 §6.4 / §11.3.3: the address in the header must be this node's home address; a mobile "
            "node never forwards a Type 2 Routing header to another address: discard"
        )
    if _a(dst) not in {_a(x) for x in mine}:
        return "RFC 6275 §11.3.3: the packet must have been sent to one of this node's (care-of) addresses"
    if _a(rh).is_link_local and not _a(dst).is_link_local:
        return "RFC 6275 §6.4: the home address must not have a smaller scope than the care-of address: discard"
    return (
        "RFC 6275 §6.4 / white paper Figure 36 step 2: all checks pass: the home address becomes the "
        "destination: return it"
    )


HOA, COA = "2001:db8:1::ff:fe00:301", "2001:db8:2::ff:fe00:301"
VISIBLE = [
    Case((2, 1, HOA, COA, HOA, [COA, "fe80::ff:fe00:301"])),
    Case((2, 0, HOA, COA, HOA, [COA])),
    Case((4, 1, HOA, COA, HOA, [COA])),
    Case((2, 1, "2001:db8:1::99", COA, HOA, [COA])),
    Case((2, 1, HOA, "2001:db8:2::77", HOA, [COA])),
]


def _hidden(rng: random.Random) -> list[Case]:
    out = []
    for _ in range(30):
        hoa, coa = rand_addr(rng, rand_prefix(rng)), rand_addr(rng)
        mine = [coa, rand_addr(rng)]
        hel = rng.choice([2, 2, 2, 2, 4, 0])
        sl = rng.choice([1, 1, 1, 1, 0, 2])
        rh = hoa if rng.random() < 0.8 else rand_addr(rng)
        dst = rng.choice(mine) if rng.random() < 0.85 else rand_addr(rng)
        out.append(Case((hel, sl, rh, dst, hoa, mine)))
    out.append(Case((2, 1, "fe80::1", out[0].args[3], "fe80::1", list(out[0].args[5]))))
    return out


def check_type2(process_type2: Callable[..., str | None], **kw: Any) -> Verdict:
    """process_type2(hdr_ext_len, segments_left, rh_address, destination, home_address, my_addresses)."""
    return run_check("process_type2", process_type2, reference, VISIBLE, _hidden, _hint, compare=_cmp, **kw)
