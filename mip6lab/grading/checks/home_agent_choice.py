"""Exercise 06: read a DHAAD Reply and choose a home agent from it (RFC 6275 §6.6, §11.4.1)."""

from __future__ import annotations

import ipaddress
import random
import struct
from collections.abc import Callable
from typing import Any

from mip6lab.grading.checks._common import hexs, rand_addr, rand_prefix
from mip6lab.grading.core import Case, Verdict, run_check

HAAD_REPLY = 145  # RFC 6275 §6.6 (the white paper's 151 is a pre-RFC draft value)


def make_reply(identifier: int, addresses: list[str], checksum: int = 0) -> bytes:
    """The ICMPv6 message: Type 145, Code 0, Checksum, Identifier, Reserved, then the addresses."""
    body = b"".join(ipaddress.IPv6Address(a).packed for a in addresses)
    return struct.pack("!BBHHH", HAAD_REPLY, 0, checksum, identifier, 0) + body


def reference_parse(message: bytes) -> list[str]:
    return [str(ipaddress.IPv6Address(message[i : i + 16])) for i in range(8, len(message), 16)]


def reference_choose(addresses: list[str], failed: set[str]) -> str | None:
    bad = {ipaddress.IPv6Address(a) for a in failed}
    return next((a for a in addresses if ipaddress.IPv6Address(a) not in bad), None)


def _norm_list(x: Any) -> Any:
    try:
        return [ipaddress.IPv6Address(str(a)) for a in x]
    except (TypeError, ValueError):
        return object()


def _cmp_list(got: Any, expected: list[str]) -> bool:
    return _norm_list(got) == _norm_list(expected)


def _parse_hint(case: Case, expected: list[str], got: Any) -> str:
    if isinstance(got, list) and len(got) != len(expected):
        return (
            "RFC 6275 §6.6: the addresses start after the 8-octet header (Type, Code, Checksum, Identifier, "
            "Reserved) and each takes 16 octets: len(message) - 8 == 16 * number of addresses"
        )
    return (
        "RFC 6275 §6.6: Home Agent Addresses begin at octet 8, 16 octets each; keep the reply's order "
        "(it is the preference order, §10.5.1) and return them as strings"
    )


def _gen_reply(rng: random.Random) -> tuple[bytes, list[str]]:
    prefix = rand_prefix(rng)
    addrs = [rand_addr(rng, prefix) for _ in range(rng.randrange(1, 6))]
    return make_reply(rng.randrange(1 << 16), addrs, rng.randrange(1 << 16)), addrs


VISIBLE_REPLY = make_reply(0x1234, ["2001:db8:1::ff:fe00:101", "2001:db8:1::ff:fe00:102"], 0xBEEF)


def check_parse(parse_reply: Callable[[bytes], list[str]], **kw: Any) -> Verdict:
    """parse_reply(icmpv6_message) -> the home agents' addresses, in order."""
    visible = [Case((VISIBLE_REPLY,), f"message {hexs(VISIBLE_REPLY)}"), Case((make_reply(7, []),), "no addresses")]

    def hidden(rng: random.Random) -> list[Case]:
        out = []
        for _ in range(8):
            msg, _ = _gen_reply(rng)
            out.append(Case((msg,), f"message {hexs(msg)}"))
        return out

    return run_check("parse_reply", parse_reply, reference_parse, visible, hidden, _parse_hint, compare=_cmp_list, **kw)


def _choose_hint(case: Case, expected: str | None, got: Any) -> str:
    if expected is None:
        return (
            "RFC 6275 §11.4.1: when every home agent in the reply has failed, return None: the mobile node "
            "starts Dynamic Home Agent Address Discovery again"
        )
    if got in case.args[1]:
        return "RFC 6275 §11.4.1: skip the home agents that already failed to answer a Binding Update"
    return (
        "RFC 6275 §11.4.1 / §10.5.1: the reply lists home agents by preference: take the first one that has not failed"
    )


def _cmp_choice(got: Any, expected: str | None) -> bool:
    if expected is None or got is None:
        return got is None and expected is None
    try:
        return ipaddress.IPv6Address(str(got)) == ipaddress.IPv6Address(expected)
    except ValueError:
        return False


def check_choose(choose_home_agent: Callable[[list[str], set[str]], str | None], **kw: Any) -> Verdict:
    """choose_home_agent(addresses, failed) -> the address to register with, or None."""
    a, b, c = "2001:db8:1::ff:fe00:101", "2001:db8:1::ff:fe00:102", "2001:db8:1::ff:fe00:103"
    visible = [Case(([a, b, c], set())), Case(([a, b, c], {a})), Case(([a, b, c], {a, b, c})), Case(([b, a], {c}))]

    def hidden(rng: random.Random) -> list[Case]:
        out = []
        for _ in range(10):
            _, addrs = _gen_reply(rng)
            failed = {x for x in addrs if rng.random() < 0.5}
            out.append(Case((addrs, failed)))
        return out

    return run_check(
        "choose_home_agent",
        choose_home_agent,
        reference_choose,
        visible,
        hidden,
        _choose_hint,
        compare=_cmp_choice,
        **kw,
    )


FIRST_HA = "2001:db8:1::2"  # the ha-discovery scenario's reply lists 2001:db8:1::2 first, then 2001:db8:1::1


def _registered_with_first(lab: Any) -> str | None:
    """the mobile node sent its home registration to the most preferred home agent (2001:db8:1::2) and was accepted"""
    bus = [r for r in lab.messages(signalling_only=True, first_hop_only=True) if r.name == "BU" and r.origin == "mn"]
    if not bus:
        return "the mobile node sent no Binding Update (did your function return an address from the list?)"
    first = bus[0].destination
    try:
        addr = str(lab.address_of(first))
    except Exception:
        addr = first
    if _cmp_choice(addr, FIRST_HA) is False:
        return f"its first Binding Update went to {first} ({addr}), not to {FIRST_HA}"
    from mip6lab.grading.system import ba_status

    bas = ba_status(lab, first)
    if not bas or "status=0 " not in bas[0][1]:
        return f"no accepted Binding Acknowledgement from {first}"
    return None


def check_plugged(choose_home_agent: Callable[..., Any], **kw: Any) -> Verdict:
    """choose_home_agent as the mobile node's home agent selection in the ha-discovery scenario."""
    from mip6lab.grading.system import check_contract, check_in_system

    verdict = check_contract("choose_home_agent in the seam", "mn.home_agent_selection", choose_home_agent, **kw)
    if not verdict.passed:
        return verdict
    return check_in_system(
        "choose_home_agent in the running system",
        "ha-discovery",
        {"mn.home_agent_selection": choose_home_agent},
        _registered_with_first,
        "RFC 6275 §11.4.1: the mobile node registers with the first home agent of the DHAAD Reply (the most "
        "preferred); your function receives the reply's addresses (ipaddress.IPv6Address values) and those to skip",
        **kw,
    )
