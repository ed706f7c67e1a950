"""Exercise 02: sequence numbers compared modulo 2^16 (RFC 6275 §9.5.1)."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from mip6lab.grading.checks._common import SEQ_MODULUS, seq_near_wrap
from mip6lab.grading.core import Case, Verdict, run_check


def reference_seq_gt(a: int, b: int) -> bool:
    return 1 <= (a - b) % SEQ_MODULUS < SEQ_MODULUS // 2


VISIBLE = [
    Case((16, 15)),
    Case((15, 15)),
    Case((14, 15)),
    Case((0, 65535)),
    Case((65535, 0)),
    Case((32782, 15)),
    Case((32783, 15)),
]


def _hidden(rng: random.Random) -> list[Case]:
    cases = []
    for _ in range(60):
        b = seq_near_wrap(rng)
        a = (b + rng.choice([1, 2, rng.randrange(1, 50), 32767, 32768, 32769, -1, -rng.randrange(1, 50)])) % SEQ_MODULUS
        cases.append(Case((a, b)))
    return cases


def _hint(case: Case, expected: bool, got: object) -> str:
    a, b = case.args
    d = (a - b) % SEQ_MODULUS
    if not isinstance(got, bool):
        return "return True or False (a bool), the answer to 'is a greater than b?'"
    if (a < b) != (d >= SEQ_MODULUS // 2) or a == b:
        return (
            f"RFC 6275 §9.5.1: compare on the 16-bit circle, not as plain integers: (a - b) mod 65536 = {d}; "
            "a is greater iff that is in 1..32767 (white paper: 'Binding Update ... Sequence Number')"
        )
    return (
        f"RFC 6275 §9.5.1: a is greater than b iff (a - b) mod 65536 lies in 1..32767; here it is {d}, "
        "and the 32768 values up to and including b count as 'not greater'"
    )


def check_seq_gt(seq_gt: Callable[[int, int], bool], **kw: object) -> Verdict:
    """seq_gt(a, b): is a greater than b modulo 2^16?"""
    return run_check("seq_gt", seq_gt, reference_seq_gt, VISIBLE, _hidden, _hint, **kw)  # type: ignore[arg-type]


def reference_next_seq(seq: int) -> int:
    return (seq + 1) % SEQ_MODULUS


def check_next_seq(next_seq: Callable[[int], int], **kw: object) -> Verdict:
    """next_seq(seq): the Sequence Number a mobile node sends after seq."""
    visible = [Case((0,)), Case((41,)), Case((65535,))]

    def hidden(rng: random.Random) -> list[Case]:
        return [Case((seq_near_wrap(rng),)) for _ in range(30)]

    hint = "RFC 6275 §11.7.1: the mobile node increments the Sequence Number modulo 2^16 (65535 is followed by 0)"
    return run_check("next_seq", next_seq, reference_next_seq, visible, hidden, hint, **kw)  # type: ignore[arg-type]


def _registered_again(lab: Any) -> str | None:
    """after the move at 12 s the home agent accepted the new Binding Update (BA status 0)"""
    from mip6lab.grading.system import ba_status

    bas = ba_status(lab, "ha", after=12.0)
    if not bas:
        return "no Binding Acknowledgement from the home agent after the move"
    if "status=0 " not in bas[0][1]:
        return f"the home agent answered: {bas[0][1]}"
    return None


def check_plugged(seq_gt: Callable[[int, int], bool], **kw: Any) -> Verdict:
    """seq_gt as the home agent's, the correspondent's and the mobile node's sequence comparison."""
    from mip6lab.grading.system import check_contract, check_in_system

    seams = ("ha.sequence_compare", "cn.sequence_compare", "mn.sequence_compare")
    verdict = check_contract("seq_gt in the seam", "ha.sequence_compare", seq_gt, **kw)
    if not verdict.passed:
        return verdict
    return check_in_system(
        "seq_gt in the running system",
        "new-foreign-link",
        dict.fromkeys(seams, seq_gt),
        _registered_again,
        "RFC 6275 §9.5.1: the second Binding Update carries the next Sequence Number; the home agent accepts "
        "it only if your seq_gt says it is greater than the one in its binding cache (else status 135)",
        **kw,
    )
