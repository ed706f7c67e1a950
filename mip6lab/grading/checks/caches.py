"""Exercises 03 and 04: the binding cache (RFC 6275 §9.1) and the binding update list (§11.1), checked by
running scripts of operations against the reader's class and a reference model side by side."""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Callable
from typing import Any

from mip6lab.grading.checks._common import SEQ_MODULUS, rand_addr, seq_near_wrap
from mip6lab.grading.core import Case, Verdict, run_check


def _n(a: Any) -> Any:
    try:
        return str(ipaddress.IPv6Address(str(a)))
    except ValueError:
        return a


class RefBindingCache:
    """The reference: home address -> (care-of address, expiry time, sequence number)."""

    def __init__(self) -> None:
        self.entries: dict[str, tuple[str, float, int]] = {}

    def insert(self, home_address: str, care_of_address: str, lifetime: float, seq: int, now: float) -> None:
        if lifetime == 0:
            self.entries.pop(_n(home_address), None)
        else:
            self.entries[_n(home_address)] = (_n(care_of_address), now + lifetime, seq)

    def lookup(self, home_address: str, now: float) -> str | None:
        e = self.entries.get(_n(home_address))
        return e[0] if e is not None and now < e[1] else None

    def last_seq(self, home_address: str) -> int | None:
        e = self.entries.get(_n(home_address))
        return e[2] if e is not None else None

    def expire(self, now: float) -> list[str]:
        gone = [h for h, e in self.entries.items() if now >= e[1]]
        for h in gone:
            del self.entries[h]
        return gone


class RefBindingUpdateList:
    """The reference: destination -> (care-of address, last sequence number sent, expiry time)."""

    def __init__(self) -> None:
        self.entries: dict[str, tuple[str, int, float]] = {}

    def sent(self, destination: str, care_of_address: str, seq: int, lifetime: float, now: float) -> None:
        if lifetime == 0:
            self.entries.pop(_n(destination), None)
        else:
            self.entries[_n(destination)] = (_n(care_of_address), seq, now + lifetime)

    def lookup(self, destination: str, now: float) -> tuple[str, int] | None:
        e = self.entries.get(_n(destination))
        return (e[0], e[1]) if e is not None and now < e[2] else None

    def next_seq(self, destination: str, initial: int) -> int:
        e = self.entries.get(_n(destination))
        return initial if e is None else (e[1] + 1) % SEQ_MODULUS

    def expire(self, now: float) -> list[str]:
        gone = [d for d, e in self.entries.items() if now >= e[2]]
        for d in gone:
            del self.entries[d]
        return gone


QUERIES = {"lookup", "last_seq", "expire", "next_seq"}


def _normalize(result: Any) -> Any:
    if isinstance(result, list | tuple | set) and not (
        isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], int)
    ):
        return sorted(_n(x) for x in result)
    if isinstance(result, tuple):
        return (_n(result[0]), result[1])
    if isinstance(result, str):
        return _n(result)
    return result


def run_script(factory: Callable[[], Any], script: list[tuple[Any, ...]]) -> list[Any]:
    """Apply the operations in order; the answers of the query operations, normalized for comparison."""
    obj = factory()
    out = []
    for op, *args in script:
        r = getattr(obj, op)(*args)
        if op in QUERIES:
            out.append(_normalize(r))
    return out


def _show_script(script: list[tuple[Any, ...]]) -> str:
    return "; ".join(f"{op}({', '.join(repr(a) for a in args)})" for op, *args in script)


def _first_diff(case: Case, expected: list[Any], got: Any) -> tuple[str, tuple[Any, ...]] | None:
    script = case.args[0]
    queries = [s for s in script if s[0] in QUERIES]
    if not isinstance(got, list):
        return None
    for q, e, g in zip(queries, expected, got):
        if e != g:
            return q[0], tuple(q[1:])
    return None


def _bc_hint(case: Case, expected: Any, got: Any) -> str:
    d = _first_diff(case, expected, got)
    if d is None:
        return (
            "run the operations in order; lookup returns the care-of address or None; expire the home addresses removed"
        )
    op, args = d
    if op == "lookup":
        return (
            f"lookup{args}: RFC 6275 §9.1/§9.5.2: an entry holds the care-of address for Lifetime seconds "
            "from the Binding Update that made or refreshed it (valid while now < time + lifetime); a newer "
            "BU for the same home address replaces the care-of address; lifetime 0 deletes it (§9.5.3)"
        )
    if op == "last_seq":
        return (
            f"last_seq{args}: RFC 6275 §9.1: each entry remembers the Sequence Number of the last accepted "
            "Binding Update (None when there is no entry)"
        )
    return (
        f"expire{args}: RFC 6275 §9.1: remove and return every entry whose lifetime has run out (now >= time + "
        "lifetime), and only those"
    )


def _bul_hint(case: Case, expected: Any, got: Any) -> str:
    d = _first_diff(case, expected, got)
    if d is None:
        return "run the operations in order; lookup returns (care-of address, seq) or None"
    op, args = d
    if op == "lookup":
        return (
            f"lookup{args}: RFC 6275 §11.1: an entry per destination holds the care-of address and the "
            "Sequence Number last sent, valid for the lifetime sent (now < time + lifetime); lifetime 0 "
            "(de-registration) removes it"
        )
    if op == "next_seq":
        return (
            f"next_seq{args}: RFC 6275 §11.1 / §11.7.1: the next Binding Update to a destination uses the last "
            "Sequence Number sent to it plus one, modulo 2^16; with no entry, the initial value given"
        )
    return f"expire{args}: RFC 6275 §11.1: remove and return the destinations whose entries' lifetimes have run out"


HOA1, HOA2, COA1, COA2 = "2001:db8:1::a", "2001:db8:1::b", "2001:db8:2::a", "2001:db8:3::a"
BC_VISIBLE = [
    [("insert", HOA1, COA1, 100, 7, 0.0), ("lookup", HOA1, 50.0), ("lookup", HOA2, 50.0), ("last_seq", HOA1)],
    [("insert", HOA1, COA1, 100, 7, 0.0), ("lookup", HOA1, 100.0), ("expire", 100.0), ("last_seq", HOA1)],
    [("insert", HOA1, COA1, 100, 7, 0.0), ("insert", HOA1, COA2, 100, 8, 60.0), ("lookup", HOA1, 120.0)],
    [("insert", HOA1, COA1, 100, 7, 0.0), ("insert", HOA1, HOA1, 0, 8, 10.0), ("lookup", HOA1, 11.0)],
    [("insert", HOA1, COA1, 10, 1, 0.0), ("insert", HOA2, COA2, 30, 1, 0.0), ("expire", 20.0), ("lookup", HOA2, 20.0)],
]
BUL_VISIBLE = [
    [("sent", HOA2, COA1, 7, 100, 0.0), ("lookup", HOA2, 50.0), ("next_seq", HOA2, 1000), ("next_seq", HOA1, 1000)],
    [("sent", HOA2, COA1, 65535, 100, 0.0), ("next_seq", HOA2, 3), ("lookup", HOA2, 100.0)],
    [("sent", HOA2, COA1, 7, 100, 0.0), ("sent", HOA2, COA2, 8, 100, 60.0), ("lookup", HOA2, 120.0)],
    [("sent", HOA2, COA1, 7, 100, 0.0), ("sent", HOA2, HOA2, 8, 0, 5.0), ("lookup", HOA2, 6.0), ("next_seq", HOA2, 42)],
    [("sent", HOA1, COA1, 1, 10, 0.0), ("sent", HOA2, COA1, 1, 30, 0.0), ("expire", 20.0), ("lookup", HOA2, 20.0)],
]


def _bc_hidden(rng: random.Random) -> list[Case]:
    out = []
    for _ in range(12):
        homes = [rand_addr(rng) for _ in range(3)]
        now, script = 0.0, []
        for _ in range(12):
            now += rng.choice([0.0, 1.0, rng.uniform(0, 40)])
            h = rng.choice(homes)
            kind = rng.random()
            if kind < 0.4:
                life = rng.choice([0, rng.randrange(4, 120, 4)])
                script.append(("insert", h, rand_addr(rng), life, seq_near_wrap(rng), round(now, 3)))
            elif kind < 0.7:
                script.append(("lookup", h, round(now, 3)))
            elif kind < 0.85:
                script.append(("last_seq", h))
            else:
                script.append(("expire", round(now, 3)))
        out.append(Case((script,), _show_script(script)))
    return out


def _bul_hidden(rng: random.Random) -> list[Case]:
    out = []
    for _ in range(12):
        dests = [rand_addr(rng) for _ in range(3)]
        now, script = 0.0, []
        for _ in range(12):
            now += rng.choice([0.0, 1.0, rng.uniform(0, 40)])
            d = rng.choice(dests)
            kind = rng.random()
            if kind < 0.4:
                life = rng.choice([0, rng.randrange(4, 120, 4)])
                script.append(("sent", d, rand_addr(rng), seq_near_wrap(rng), life, round(now, 3)))
            elif kind < 0.65:
                script.append(("lookup", d, round(now, 3)))
            elif kind < 0.85:
                script.append(("next_seq", d, rng.randrange(SEQ_MODULUS)))
            else:
                script.append(("expire", round(now, 3)))
        out.append(Case((script,), _show_script(script)))
    return out


def _factory_check(
    task: str,
    cls: Any,
    ref: type,
    visible: list[list[tuple[Any, ...]]],
    hidden: Callable[[random.Random], list[Case]],
    hint: Callable[..., str],
    **kw: Any,
) -> Verdict:
    def fn(script: list[tuple[Any, ...]]) -> list[Any]:
        return run_script(cls, script)

    def reference(script: list[tuple[Any, ...]]) -> list[Any]:
        return run_script(ref, script)

    fn.__name__ = getattr(cls, "__name__", task)
    return run_check(task, fn, reference, [Case((s,), _show_script(s)) for s in visible], hidden, hint, **kw)


def check_binding_cache(cls: Any, **kw: Any) -> Verdict:
    """cls() -> an object with insert / lookup / last_seq / expire (see the exercise)."""
    return _factory_check("BindingCache", cls, RefBindingCache, BC_VISIBLE, _bc_hidden, _bc_hint, **kw)


def check_binding_update_list(cls: Any, **kw: Any) -> Verdict:
    """cls() -> an object with sent / lookup / next_seq / expire (see the exercise)."""
    return _factory_check("BindingUpdateList", cls, RefBindingUpdateList, BUL_VISIBLE, _bul_hidden, _bul_hint, **kw)


# ----------------------------------------------------------------------------- the seams' interfaces
def _both_accepted(lab: Any) -> str | None:
    """the home agent and the correspondent both accepted the mobile node's Binding Updates (BA status 0)"""
    from mip6lab.grading.system import ba_status

    for who in ("ha", "cn"):
        bas = ba_status(lab, who)
        if not bas:
            return f"no Binding Acknowledgement from {who}"
        if "status=0 " not in bas[0][1]:
            return f"{who} answered: {bas[0][1]}"
    return None


def check_seam_binding_cache(cls: Any, **kw: Any) -> Verdict:
    """cls as the home agent's and the correspondent's binding cache (seams ha.binding_cache, cn.binding_cache)."""
    from mip6lab.grading.system import check_contract, check_in_system

    verdict = check_contract("your binding cache in the seam", "ha.binding_cache", cls, **kw)
    if not verdict.passed:
        return verdict
    return check_in_system(
        "your binding cache in the running system",
        "return-routability",
        {"ha.binding_cache": cls, "cn.binding_cache": cls},
        _both_accepted,
        "RFC 6275 §9.1, §9.5.2: the home agent and the correspondent create_or_update an entry for each accepted "
        "Binding Update and look it up (lookup_valid) for every packet they send to the home address",
        **kw,
    )


def check_seam_binding_update_list(cls: Any, **kw: Any) -> Verdict:
    """cls as the mobile node's binding update list (seam mn.binding_update_list)."""
    from mip6lab.grading.system import check_contract, check_in_system

    verdict = check_contract("your binding update list in the seam", "mn.binding_update_list", cls, **kw)
    if not verdict.passed:
        return verdict
    return check_in_system(
        "your binding update list in the running system",
        "return-routability",
        {"mn.binding_update_list": cls},
        _both_accepted,
        "RFC 6275 §11.1: the mobile node keeps one entry per (destination, home address); get_or_add creates it "
        "before the first Binding Update and lookup finds it again when the acknowledgement arrives",
        **kw,
    )
