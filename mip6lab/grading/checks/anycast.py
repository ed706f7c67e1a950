"""Exercise 05: the Home-Agents anycast address of a home subnet prefix (RFC 6275 §10.5.1 / RFC 2526)."""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Callable
from typing import Any

from mip6lab.grading.checks._common import rand_prefix
from mip6lab.grading.core import Case, Verdict, run_check

ANYCAST_IID = 0xFDFF_FFFF_FFFF_FFFE  # RFC 2526: reserved subnet anycast ID 126 in a 64-bit interface identifier


def reference(prefix: str) -> str:
    net = ipaddress.IPv6Network(prefix, strict=False)
    return str(ipaddress.IPv6Address(int(net.network_address) | ANYCAST_IID))


def _compare(got: Any, expected: str) -> bool:
    try:
        return ipaddress.IPv6Address(str(got)) == ipaddress.IPv6Address(expected)
    except ValueError:
        return False


def _hint(case: Case, expected: str, got: Any) -> str:
    try:
        g = int(ipaddress.IPv6Address(str(got)))
    except ValueError:
        return "return the address as a string such as '2001:db8:1::fdff:ffff:ffff:fffe'"
    net = ipaddress.IPv6Network(case.args[0], strict=False)
    if g & ~((1 << 64) - 1) != int(net.network_address):
        return (
            "RFC 6275 §10.5.1: keep the 64-bit home subnet prefix (and only it: clear whatever host bits the input had)"
        )
    if g & ((1 << 64) - 1) == 0xFEFF_FFFF_FFFF_FFFE:
        return (
            "RFC 2526 §3 (cited by RFC 6275 §10.5.1): with the EUI-64 format the universal/local bit of the "
            "identifier is 0, so it is fdff:ffff:ffff:fffe; the white paper's feff:... is the older spelling"
        )
    return "RFC 2526: interface identifier = 0xfdffffffffffff80 | anycast ID 126 (0x7e) = fdff:ffff:ffff:fffe"


VISIBLE = [Case(("2001:db8:1::/64",)), Case(("2001:db8:aaaa:bbbb::/64",))]


def _hidden(rng: random.Random) -> list[Case]:
    out = [Case((rand_prefix(rng),)) for _ in range(12)]
    net = ipaddress.IPv6Network(rand_prefix(rng))  # a prefix written with host bits set, as an RA may show it
    out.append(Case((f"{net.network_address + rng.randrange(1, 1 << 64)}/64",)))
    return out


def check_anycast(home_agents_anycast: Callable[[str], str], **kw: Any) -> Verdict:
    """home_agents_anycast(prefix) -> the Home-Agents anycast address (a string)."""
    return run_check(
        "home_agents_anycast", home_agents_anycast, reference, VISIBLE, _hidden, _hint, compare=_compare, **kw
    )
