"""Each exercise's checks, in-process: the reference passes; a deliberately wrong answer fails with the
intended hint; an answer hard-coded to the visible cases passes them and fails the hidden ones."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Callable
from typing import Any

import pytest

from mip6lab.grading import core
from mip6lab.grading.checks import (
    algorithms,
    anycast,
    binding_update,
    caches,
    cn_bu_checks,
    handover,
    home_agent_choice,
    movement,
    rr_keys,
    seqno,
    type2,
)


def _scapy_bu(hoa: str, coa: str, ha: str, seq: int, lifetime: int, hao: bool = True) -> Any:
    from scapy.layers.inet6 import HAO, MIP6MH_BU, IPv6, IPv6ExtHdrDestOpt

    ip = IPv6(src=coa, dst=ha)
    if hao:
        ip = ip / IPv6ExtHdrDestOpt(options=[HAO(hoa=hoa)])
    return ip / MIP6MH_BU(seq=seq, flags="AH", mhtime=lifetime // 4)


def _wrong_parse(message: bytes) -> list[str]:
    return [str(ipaddress.IPv6Address(message[i : i + 16])) for i in range(4, len(message) - 4, 16)]


def _wrong_choose(addresses: list[str], failed: set[str]) -> str | None:
    ok = [a for a in addresses if a not in failed]
    return ok[-1] if ok else None


def _wrong_home_token(kcn: bytes, hoa: str, nonce: bytes) -> bytes:
    return hmac.new(kcn, ipaddress.IPv6Address(hoa).packed + nonce + b"0", hashlib.sha1).digest()[:8]


def _wrong_auth(kbm: bytes, coa: str, cn: str, mh: bytes) -> bytes:
    data = ipaddress.IPv6Address(coa).packed + ipaddress.IPv6Address(cn).packed + mh[:-12] + bytes(12)
    return hmac.new(kbm, data, hashlib.sha1).digest()[:12]


def _wrong_cn(bu: cn_bu_checks.BUView) -> int | None:  # the sequence test before authentication
    if not bu.H and bu.last_seq is not None and not seqno.reference_seq_gt(bu.seq, bu.last_seq):
        return 135
    return cn_bu_checks.reference(bu)


def _wrong_type2(hel: int, sl: int, rh: str, dst: str, hoa: str, mine: list[str]) -> str | None:
    return rh if hel == 2 and sl == 1 else None


def _wrong_send(s: algorithms.SendSituation) -> list[Any]:
    return [k for k in algorithms.reference_send(s) if k != 11]


def _wrong_receive(s: algorithms.ReceiveSituation) -> list[Any]:
    return [k for k in algorithms.reference_receive(s) if k != 2]


def _wrong_movement(home: str, current: str | None, ra: list[str], from_current: bool, lost: bool) -> str:
    return movement.reference(home, current, ra, from_current, False)


def _wrong_latency(rows: Any, move_time: float) -> float | None:
    bas = [r for r in rows if r.name == "BA" and r.origin == "ha" and "mn" in r.receivers and not r.dropped]
    return bas[0].time - move_time if bas else None  # the first BA of the run, not the first after the move


def _wrong_gap(rows: Any, move_time: float) -> float | None:
    data = [r.time for r in rows if r.name == "TCP" and "mn" in r.receivers and "len=0" not in r.summary]
    after = [t for t in data if t >= move_time]
    return after[0] - move_time if after else None  # from the move, not from the last segment before it


class _WrongCache(caches.RefBindingCache):
    def lookup(self, home_address: str, now: float) -> str | None:  # never expires
        e = self.entries.get(caches._n(home_address))
        return e[0] if e else None


class _WrongBUL(caches.RefBindingUpdateList):
    def next_seq(self, destination: str, initial: int) -> int:  # no wrap
        e = self.entries.get(caches._n(destination))
        return initial if e is None else e[1] + 1


# (name, check, correct answer, wrong answer, words the wrong answer's hint must contain)
CASES: list[tuple[str, Callable[..., core.Verdict], Any, Any, str]] = [
    (
        "binding_update",
        binding_update.check_binding_update,
        _scapy_bu,
        lambda *a: _scapy_bu(*a, hao=False),
        "Home Address option",
    ),
    ("seq_gt", seqno.check_seq_gt, seqno.reference_seq_gt, lambda a, b: a > b, "§9.5.1"),
    ("next_seq", seqno.check_next_seq, seqno.reference_next_seq, lambda s: s + 1, "modulo 2^16"),
    ("binding_cache", caches.check_binding_cache, caches.RefBindingCache, _WrongCache, "Lifetime seconds"),
    (
        "binding_update_list",
        caches.check_binding_update_list,
        caches.RefBindingUpdateList,
        _WrongBUL,
        "plus one, modulo 2^16",
    ),
    (
        "anycast",
        anycast.check_anycast,
        anycast.reference,
        lambda p: str(ipaddress.IPv6Network(p, strict=False).network_address + 0xFEFF_FFFF_FFFF_FFFE),
        "feff",
    ),
    ("parse_reply", home_agent_choice.check_parse, home_agent_choice.reference_parse, _wrong_parse, "octet 8"),
    (
        "choose_home_agent",
        home_agent_choice.check_choose,
        home_agent_choice.reference_choose,
        _wrong_choose,
        "preference",
    ),
    ("home_token", rr_keys.check_home_token, rr_keys.ref_home_token, _wrong_home_token, "ONE octet"),
    (
        "careof_token",
        rr_keys.check_careof_token,
        rr_keys.ref_careof_token,
        lambda k, a, n: rr_keys.ref_home_token(k, a, n),
        "care-of keygen token",
    ),
    ("kbm", rr_keys.check_kbm, rr_keys.ref_kbm, lambda h, c=None: rr_keys.ref_kbm(c or b"", h), "in that order"),
    ("authenticator", rr_keys.check_authenticator, rr_keys.ref_authenticator, _wrong_auth, "removed, not zeroed"),
    ("cn_bu_checks", cn_bu_checks.check_bu_checks, cn_bu_checks.reference, _wrong_cn, "silently discarded"),
    ("type2", type2.check_type2, type2.reference, _wrong_type2, "never forwards"),
    ("sending", algorithms.check_sending, algorithms.reference_send, _wrong_send, "Figure 35, after step 10"),
    ("receiving", algorithms.check_receiving, algorithms.reference_receive, _wrong_receive, "Figure 36, after step 1 "),
    ("movement", movement.check_movement, movement.reference, _wrong_movement, "current one is lost"),
    (
        "registration_latency",
        handover.check_registration_latency,
        handover.ref_registration_latency,
        _wrong_latency,
        "start from move_time",
    ),
    ("interruption", handover.check_interruption, handover.ref_interruption, _wrong_gap, "last one before"),
]
IDS = [c[0] for c in CASES]


def _quiet(check: Callable[..., core.Verdict], answer: Any, **kw: Any) -> core.Verdict:
    return check(answer, raise_on_failure=False, seed=kw.pop("seed", 12345), **kw)


@pytest.mark.parametrize(("name", "check", "right", "wrong", "hint"), CASES, ids=IDS)
def test_reference_passes_and_wrong_answer_gets_the_hint(name, check, right, wrong, hint, capsys):
    assert _quiet(check, right).status == "passed"
    v = _quiet(check, wrong)
    out = capsys.readouterr().out
    assert v.status == "failed", out
    assert hint in v.hint, v.text
    for part in ("inputs:", "expected:", "got:", "hint:"):
        assert part in v.text  # the verdict shows the case, both answers and the hint


def _key(args: tuple[Any, ...]) -> str:
    return repr(tuple(len(a) if isinstance(a, tuple) and len(a) > 50 else a for a in args))


def _hardcoded_function(check: Callable[..., core.Verdict], right: Any) -> Any:
    """An answer that only knows the visible cases' answers (recorded from the reference)."""
    table: dict[str, Any] = {}

    def spy(*args: Any) -> Any:
        table[_key(args)] = result = right(*args)
        return result

    assert _quiet(check, spy, include_hidden=False).status == "passed"
    fallback = next(iter(table.values()))

    def hardcoded(*args: Any) -> Any:
        return table.get(_key(args), fallback)

    return hardcoded


def _hardcoded_class(check: Callable[..., core.Verdict], ref: type) -> type:
    """A class that replays answers recorded for the visible scripts (keyed by the operations so far)."""
    table: dict[str, Any] = {}

    class Spy:
        def __init__(self) -> None:
            self.log: list[Any] = []
            self.real = ref()

        def __getattr__(self, op: str) -> Any:
            def method(*args: Any) -> Any:
                self.log.append((op, args))
                table[repr(self.log)] = result = getattr(self.real, op)(*args)
                return result

            return method

    assert _quiet(check, Spy, include_hidden=False).status == "passed"

    class Hardcoded:
        def __init__(self) -> None:
            self.log: list[Any] = []

        def __getattr__(self, op: str) -> Any:
            def method(*args: Any) -> Any:
                self.log.append((op, args))
                return table.get(repr(self.log))

            return method

    return Hardcoded


@pytest.mark.parametrize(("name", "check", "right", "wrong", "hint"), CASES, ids=IDS)
def test_hardcoded_visible_answers_fail_the_hidden_cases(name, check, right, wrong, hint, capsys):
    if isinstance(right, type):
        fake = _hardcoded_class(check, right)
    elif name == "binding_update":
        fake = _hardcoded_function(check, lambda *a: bytes(right(*a)))
    else:
        fake = _hardcoded_function(check, right)
    assert _quiet(check, fake, include_hidden=False).status == "passed"  # the visible cases alone are fooled
    v = _quiet(check, fake)
    assert v.status == "failed" and "hidden randomized case" in v.text, v.text
    assert "MIP6LAB_CHECK_SEED=12345" in v.text  # how to replay the failing hidden case


def test_not_attempted_and_exceptions_are_verdicts(capsys):
    def todo(a: int, b: int) -> bool:
        raise NotImplementedError()

    with pytest.raises(core.NotAttempted):
        seqno.check_seq_gt(todo)
    assert "NOT ATTEMPTED YET" in capsys.readouterr().out

    def crashes(a: int, b: int) -> bool:
        return {}[a]

    v = seqno.check_seq_gt(crashes, raise_on_failure=False)
    assert v.status == "failed" and "raised KeyError" in v.text


def test_an_endless_loop_is_stopped_by_the_time_limit():
    def spins(a: int, b: int) -> bool:
        while True:
            pass

    v = core.run_check(
        "spin", spins, seqno.reference_seq_gt, seqno.VISIBLE, None, "hint", limit=0.3, raise_on_failure=False
    )
    assert v.status == "failed" and "TimeLimitExceeded" in v.text and "0.3 s" in v.text


def test_hidden_cases_change_from_run_to_run(monkeypatch):
    monkeypatch.delenv(core.SEED_ENV, raising=False)
    assert len({core.run_seed() for _ in range(5)}) > 1
    monkeypatch.setenv(core.SEED_ENV, "77")
    assert core.run_seed() == 77
