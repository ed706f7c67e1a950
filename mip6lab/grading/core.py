"""The check framework behind every exercise's check cells.

A check runs the reader's function on *visible* cases (fixed, shown in the notebook) and on *hidden*
cases drawn from a random generator seeded per run (random addresses, sequence numbers near the 2^16
wrap, random nonces and keys), so an answer that hard-codes the visible results fails. It prints one
verdict and never a bare traceback:

* ``PASSED``: every case agreed;
* ``FAILED``: the first case that disagreed, with its inputs, what was expected, what the reader's
  code returned (or raised) and a hint naming the white paper section / RFC 6275 clause;
* ``NOT ATTEMPTED YET``: the reader's function still raises ``NotImplementedError``.

Failure raises :class:`CheckFailed` (and not attempted :class:`NotAttempted`) after printing, so a
notebook cell ends in an error (nbgrader and ``mip6lab grade`` score it 0); inside IPython a handler
shows that error as the one verdict line instead of a traceback. Every call into the reader's code
runs under a time limit (:func:`time_limit`), also when the reader's component runs inside a
simulation.
"""

from __future__ import annotations

import os
import random
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CALL_TIME_LIMIT",
    "Case",
    "CheckError",
    "CheckFailed",
    "NotAttempted",
    "TimeLimitExceeded",
    "Verdict",
    "call",
    "install_ipython_handler",
    "run_check",
    "run_seed",
    "time_limit",
]

CALL_TIME_LIMIT = 5.0  # seconds for one call into the reader's code (a simulation run gets its own)
SEED_ENV = "MIP6LAB_CHECK_SEED"


class CheckError(Exception):
    """Base of the two ways a check cell ends badly; carries the one-line verdict (and the Verdict)."""

    def __init__(self, message: str, verdict: Verdict | None = None) -> None:
        super().__init__(message)
        self.verdict = verdict


class CheckFailed(CheckError):
    """A case disagreed with the reference (the verdict says which, and why)."""


class NotAttempted(CheckError):
    """The reader's function still raises NotImplementedError."""


class TimeLimitExceeded(BaseException):
    """The reader's code ran longer than its time limit (an endless loop, usually).

    A BaseException (like KeyboardInterrupt) so that it is not contained where a simulation contains a
    component's ordinary exceptions: it ends the whole run."""


@contextmanager
def time_limit(seconds: float, what: str = "your code") -> Iterator[None]:
    """Interrupt the block after ``seconds`` of wall-clock time with :class:`TimeLimitExceeded`.

    Uses SIGALRM (the kernel runs cells in its main thread); elsewhere it is a no-op. Nested limits keep
    the shorter outer deadline.
    """
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable or seconds <= 0:
        yield
        return
    outer_remaining, _ = signal.getitimer(signal.ITIMER_REAL)
    if outer_remaining and outer_remaining <= seconds:
        yield  # an outer limit ends sooner: it stays in charge
        return
    outer_handler = signal.getsignal(signal.SIGALRM)

    def on_alarm(signum: int, frame: Any) -> None:
        raise TimeLimitExceeded(f"{what} did not finish within {seconds:g} s (an endless loop?)")

    started = time.monotonic()
    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, outer_handler)
        if outer_remaining:  # give the outer limit back what is left of it
            signal.setitimer(signal.ITIMER_REAL, max(outer_remaining - (time.monotonic() - started), 1e-3))


def run_seed() -> int:
    """The seed of this run's hidden cases: fresh each run, fixed by MIP6LAB_CHECK_SEED to replay one."""
    text = os.environ.get(SEED_ENV)
    if text:
        try:
            return int(text)
        except ValueError:
            pass
    return random.SystemRandom().randrange(1 << 32)


@dataclass(frozen=True)
class Case:
    """One input to the reader's code: ``args`` are passed to it, ``label`` describes them for a human."""

    args: tuple[Any, ...]
    label: str = ""
    hidden: bool = False
    kwargs: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        if self.label:
            return self.label
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return ", ".join(parts)


@dataclass
class Verdict:
    """What a check concluded; ``text`` is what the reader sees."""

    task: str
    status: str  # "passed" | "failed" | "not attempted"
    text: str
    cases: int = 0
    hint: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "passed"


class _Raised:
    """What came back when the reader's code raised instead of returning."""

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc

    def __repr__(self) -> str:
        return f"raised {describe_exception(self.exc)}"


def describe_exception(exc: BaseException) -> str:
    """``TypeError: ... (line 7 of your cell)``: the exception and the reader's line, no traceback."""
    where = ""
    frames = traceback.extract_tb(exc.__traceback__)
    mine = [f for f in frames if "mip6lab" not in f.filename.replace("\\", "/").split("/site-packages/")[-1]]
    if mine:
        f = mine[-1]
        where = f" (line {f.lineno}: {f.line.strip()})" if f.line else f" (line {f.lineno})"
    return f"{type(exc).__name__}: {exc}{where}"


def call(fn: Callable[..., Any], *args: Any, limit: float = CALL_TIME_LIMIT, **kwargs: Any) -> Any:
    """Call the reader's ``fn`` under a time limit. NotImplementedError propagates (not attempted);
    any other exception (a time limit too) comes back wrapped, for the verdict to show."""
    try:
        with time_limit(limit, getattr(fn, "__name__", "your code")):
            return fn(*args, **kwargs)
    except NotImplementedError:
        raise
    except (Exception, TimeLimitExceeded) as exc:  # the reader's bug, shown in the verdict
        return _Raised(exc)


Compare = Callable[[Any, Any], bool]


def run_check(
    task: str,
    fn: Callable[..., Any] | None,
    reference: Callable[..., Any],
    visible: list[Case],
    hidden: Callable[[random.Random], list[Case]] | None,
    hint: Callable[[Case, Any, Any], str] | str,
    *,
    compare: Compare | None = None,
    show: Callable[[Any], str] = repr,
    limit: float = CALL_TIME_LIMIT,
    seed: int | None = None,
    raise_on_failure: bool = True,
    include_hidden: bool = True,
) -> Verdict:
    """Run ``fn`` against ``reference`` on the visible cases, then hidden cases from a seeded generator.

    ``hint`` is a fixed text or a function of (case, expected, got) that names the section/clause the
    mistake contradicts. Prints the verdict; raises CheckFailed/NotAttempted unless ``raise_on_failure``
    is False. ``include_hidden=False`` runs the visible cases only (tests use it to record them).
    """
    seed = run_seed() if seed is None else seed
    cases = list(visible)
    if hidden is not None and include_hidden:
        cases += [Case(c.args, c.label, True, c.kwargs) for c in hidden(random.Random(seed))]
    compare = compare or (lambda a, b: a == b)
    verdict: Verdict | None = None
    if fn is None or not callable(fn):
        verdict = Verdict(task, "not attempted", f"{task}: NOT ATTEMPTED YET (nothing to call: {fn!r})")
    n = 0
    for case in cases if verdict is None else []:
        expected = reference(*case.args, **case.kwargs)
        try:
            got = call(fn, *case.args, limit=limit, **case.kwargs)
        except NotImplementedError:
            verdict = Verdict(
                task, "not attempted", f"{task}: NOT ATTEMPTED YET (your function still raises NotImplementedError)"
            )
            break
        n += 1
        ok = False if isinstance(got, _Raised) else _safe_compare(compare, got, expected)
        if not ok:
            h = hint(case, expected, got) if callable(hint) else hint
            if isinstance(got, _Raised):
                h = f"your code raised instead of returning a value (see 'got'); then: {h}"
            kind = "hidden randomized case" if case.hidden else "case"
            lines = [
                f"{task}: FAILED on {kind} {n} of {len(cases)}",
                f"  inputs:   {case.describe()}",
                f"  expected: {show(expected)}",
                f"  got:      {got!r}" if isinstance(got, _Raised) else f"  got:      {_safe_show(show, got)}",
                f"  hint:     {h}",
            ]
            if case.hidden:
                lines.append(f"  (replay these hidden cases with {SEED_ENV}={seed})")
            verdict = Verdict(task, "failed", "\n".join(lines), n, h)
            break
    if verdict is None:
        extra = f" ({len(visible)} visible + {len(cases) - len(visible)} hidden randomized cases)"
        verdict = Verdict(task, "passed", f"{task}: PASSED{extra}", n)
    return report(verdict, raise_on_failure)


def report(verdict: Verdict, raise_on_failure: bool = True) -> Verdict:
    """Print the verdict; raise the matching CheckError when it is not a pass."""
    print(verdict.text)
    sys.stdout.flush()
    if raise_on_failure and verdict.status == "not attempted":
        raise NotAttempted(verdict.text.splitlines()[0], verdict)
    if raise_on_failure and verdict.status == "failed":
        raise CheckFailed(verdict.text.splitlines()[0] + " -- see the verdict above", verdict)
    return verdict


def _safe_compare(compare: Compare, got: Any, expected: Any) -> bool:
    try:
        with time_limit(CALL_TIME_LIMIT, "comparing your result"):
            return bool(compare(got, expected))
    except (Exception, TimeLimitExceeded):
        return False


def _safe_show(show: Callable[[Any], str], value: Any) -> str:
    try:
        return show(value)
    except Exception:
        return repr(value)


def install_ipython_handler() -> bool:
    """In IPython, show CheckFailed/NotAttempted/TimeLimitExceeded as their one line, not a traceback.

    The cell still ends in an error (so graders see it); only the display changes.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    ip = get_ipython()
    if ip is None:
        return False

    def handler(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: Any = None) -> list[str]:
        line = f"{etype.__name__}: {value}"
        if issubclass(etype, NameError):  # a check cell run before (or after a failed) answer cell
            line += " -- run the answer cell above first (and check that it ran without error)"
        # IPython discards what a custom handler returns while running a cell: publish the error output
        # ourselves (graders such as nbgrader see the cell failed by this "error" output).
        shell._showtraceback(etype, value, [line])
        return []

    ip.set_custom_exc((CheckFailed, NotAttempted, TimeLimitExceeded, NameError), handler)
    return True


def try_it(fn: Callable[..., Any], *args: Any, limit: float = CALL_TIME_LIMIT, **kwargs: Any) -> Any:
    """Run the reader's code for a demonstration cell: its value, or one line saying why there is none
    (not written yet, raised, too slow) instead of a traceback."""
    try:
        got = call(fn, *args, limit=limit, **kwargs)
    except NotImplementedError:
        print(f"{getattr(fn, '__name__', 'this')}: not attempted yet -- write it above, then run this cell again")
        return None
    if isinstance(got, _Raised):
        print(f"{getattr(fn, '__name__', 'your code')} {got!r}")
        return None
    return got
