"""Exercise 14: measure a handover from a capture (white paper 'Moving to a new foreign link', Figure 33)."""

from __future__ import annotations

import random
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from mip6lab.grading.core import Case, Verdict, run_check, run_seed

SCENARIO = "new-foreign-link"  # the mobile node moves from foreign1 to foreign2 at 12 s, a TCP stream running
MOVE_TIME = 12.0


@lru_cache(maxsize=8)
def run(seed: int = 0, second_move: float | None = None, to: str = "foreign1") -> tuple[Any, ...]:
    """The capture's rows (``Lab.messages()``) of the scenario; ``second_move`` adds a move to ``to``."""
    from mip6lab.lab import Lab

    lab = Lab(SCENARIO, seed=seed)
    if second_move is not None:
        lab.at(second_move, lambda: lab.move("mn", to))
    lab.run(until=lab.scenario.duration if second_move is None else max(lab.scenario.duration, second_move + 6))
    return tuple(lab.messages())


def ref_registration_latency(rows: Any, move_time: float) -> float | None:
    ba = next(
        (
            r
            for r in rows
            if r.time >= move_time and r.name == "BA" and r.origin == "ha" and "mn" in r.receivers and not r.dropped
        ),
        None,
    )
    return None if ba is None else ba.time - move_time


def ref_interruption(rows: Any, move_time: float) -> float | None:
    data = [r for r in rows if r.name == "TCP" and "mn" in r.receivers and not r.dropped and "len=0" not in r.summary]
    before = [r.time for r in data if r.time < move_time]
    after = [r.time for r in data if r.time >= move_time]
    if not before or not after:
        return None
    return after[0] - before[-1]


def _close(got: Any, expected: float | None) -> bool:
    if expected is None or got is None:
        return got is None and expected is None
    try:
        return abs(float(got) - expected) < 1e-6
    except (TypeError, ValueError):
        return False


_HIDDEN_SEED = run_seed()  # one draw per import: both checks share the (slow) runs


def _cases(rng: random.Random) -> list[Case]:
    out = []
    for to in ("home", "foreign1"):
        seed, t = rng.randrange(1000), round(rng.uniform(14.5, 16.0), 3)
        out.append(
            Case(
                (run(seed, t, to), t),
                f"{SCENARIO} with seed {seed} and a second move, to {to}, at {t} s; move_time={t}",
            )
        )
    return out


VISIBLE_LABEL = f"Lab('{SCENARIO}', seed=0).messages(), move_time={MOVE_TIME}"


def _reg_hint(case: Case, expected: Any, got: Any) -> str:
    return (
        "white paper Figure 33 / RFC 6275 §11.7.1-§11.7.3: the mobile node is registered when the home agent's "
        "Binding Acknowledgement reaches it: the first row at or after move_time with name 'BA', origin 'ha' "
        "and 'mn' in its receivers; the latency is that row's time minus move_time (the rows after the move "
        "can come from a later move too: start from move_time, not from the end)"
    )


def _gap_hint(case: Case, expected: Any, got: Any) -> str:
    return (
        "the interruption is the gap in data reaching the mobile node: the first TCP segment with data "
        "('len=0' not in the summary) received by 'mn' at or after move_time, minus the last one before it"
    )


def check_registration_latency(registration_latency: Callable[[Any, float], float], **kw: Any) -> Verdict:
    """registration_latency(rows, move_time) -> seconds from the move to the home agent's BA at the mobile node."""
    visible = [Case((run(), MOVE_TIME), VISIBLE_LABEL)]
    kw.setdefault("seed", _HIDDEN_SEED)
    return run_check(
        "registration_latency",
        registration_latency,
        ref_registration_latency,
        visible,
        _cases,
        _reg_hint,
        compare=_close,
        **kw,
    )


def check_interruption(interruption: Callable[[Any, float], float], **kw: Any) -> Verdict:
    """interruption(rows, move_time) -> seconds without data at the mobile node across the move."""
    visible = [Case((run(), MOVE_TIME), VISIBLE_LABEL)]
    kw.setdefault("seed", _HIDDEN_SEED)
    return run_check("interruption", interruption, ref_interruption, visible, _cases, _gap_hint, compare=_close, **kw)
