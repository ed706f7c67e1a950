"""Contract suites: the rules a seam's component must follow, runnable against any candidate.

>>> from mip6lab.seams import check
>>> verdict = check("ha.sequence_compare", lambda a, b: a > b)
>>> verdict.passed
False
>>> print(verdict)  # doctest: +SKIP
ha.sequence_compare: 3 of 4 rules broken
  FAIL wraps around at 2**16 (RFC 6275 §9.5.1)
       inputs:   a=0, b=65535
       expected: True
       got:      False
       hint:     0 comes after 65535: compare (a - b) mod 2**16 with 2**15
  ...

``check(name, candidate)`` returns a :class:`Verdict` (``.passed``, ``.failures``, ``str()`` for a
readable report, ``.raise_for_failure()`` for tests); ``contract(name)`` gives the :class:`Contract`
itself (its rules, ``.check(candidate)``). The candidate has the shape ``Lab(replace=)`` takes: a
factory (class) for tables and the movement detector, a function for checks and algorithms, a namespace
for the RR keys. Each seam's suite passes with the library's own implementation (``SEAMS[name].default()``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mip6lab.seams.install import protocol_problems
from mip6lab.seams.registry import SEAMS, Seam

__all__ = ["Contract", "ContractFailure", "Mismatch", "Rule", "RuleResult", "Verdict", "check", "contract", "expect"]


class ContractFailure(AssertionError):
    """Raised by :meth:`Verdict.raise_for_failure`; the message is the readable verdict."""


class Mismatch(Exception):
    """One rule's evidence: what went in, what the RFC wants, what the candidate gave."""

    def __init__(self, inputs: str, expected: Any, got: Any) -> None:
        super().__init__(inputs)
        self.inputs, self.expected, self.got = inputs, expected, got


def expect(inputs: str, expected: Any, got: Any) -> None:
    """Raise :class:`Mismatch` unless ``got == expected``."""
    if got != expected:
        raise Mismatch(inputs, expected, got)


@dataclass(frozen=True)
class Rule:
    """One rule of a seam: a name, the RFC clause, a hint for when it breaks, and the test."""

    name: str
    rfc: str
    hint: str
    test: Callable[[Any], None]  # raises Mismatch (or anything) when the candidate breaks the rule


@dataclass(frozen=True)
class RuleResult:
    rule: str
    rfc: str
    passed: bool
    inputs: str = ""
    expected: str = ""
    got: str = ""
    hint: str = ""

    def text(self) -> str:
        source = self.rfc if self.rfc.startswith("RFC") else f"RFC 6275 {self.rfc}"  # a § alone is RFC 6275's
        head = f"  {'ok  ' if self.passed else 'FAIL'} {self.rule} ({source})"
        if self.passed:
            return head
        lines = [head]
        for label, value in (("inputs", self.inputs), ("expected", self.expected), ("got", self.got)):
            if value:
                lines.append(f"       {label + ':':<9} {value}")
        lines.append(f"       {'hint:':<9} {self.hint}")
        return "\n".join(lines)


@dataclass(frozen=True)
class Verdict:
    """The result of running a candidate against a seam's contract."""

    seam: str
    results: tuple[RuleResult, ...] = ()
    problems: tuple[str, ...] = ()  # the candidate does not even satisfy the Protocol

    @property
    def passed(self) -> bool:
        return not self.problems and all(r.passed for r in self.results)

    @property
    def failures(self) -> list[RuleResult]:
        return [r for r in self.results if not r.passed]

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        if self.problems:
            return f"{self.seam}: does not satisfy {SEAMS[self.seam].protocol.__name__}:\n" + "\n".join(
                f"  FAIL {p}" for p in self.problems
            )
        n = len(self.failures)
        head = (
            f"{self.seam}: all {len(self.results)} rules pass"
            if n == 0
            else f"{self.seam}: {n} of {len(self.results)} rules broken"
        )
        return "\n".join([head, *(r.text() for r in self.results)])

    def raise_for_failure(self) -> None:
        if not self.passed:
            raise ContractFailure(str(self))


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 300 else text[:297] + "..."


@dataclass
class Contract:
    """The rules of one seam."""

    seam: Seam
    rules: list[Rule] = field(default_factory=list)

    def check(self, candidate: Any) -> Verdict:
        problems = _shape_problems(self.seam, candidate)
        if problems:
            return Verdict(self.seam.name, problems=tuple(problems))
        results = []
        for r in self.rules:
            try:
                r.test(candidate)
            except Mismatch as m:
                results.append(RuleResult(r.name, r.rfc, False, m.inputs, _show(m.expected), _show(m.got), r.hint))
            except Exception as e:  # the candidate raised: that breaks the rule too
                results.append(RuleResult(r.name, r.rfc, False, "", "", f"raised {type(e).__name__}: {e}", r.hint))
            else:
                results.append(RuleResult(r.name, r.rfc, True))
        return Verdict(self.seam.name, tuple(results))


def _shape_problems(seam: Seam, candidate: Any) -> list[str]:
    if seam.kind != "factory":
        return protocol_problems(seam, candidate)
    if not callable(candidate):
        return [f"expected a class or a factory ({seam.install}), got {type(candidate).__name__}"]
    try:
        sample = candidate(_movement_port()) if seam.name == "mn.movement_detection" else candidate()
    except Exception as e:
        return [f"the factory raised {type(e).__name__}: {e}"]
    return protocol_problems(seam, sample)


def _movement_port() -> Any:
    from mip6lab.seams.contracts.movement import FakePort

    return FakePort()


_RULES: dict[str, list[Rule]] = {}


def rule(*seams: str, rfc: str, hint: str) -> Callable[[Callable[[Any], None]], Callable[[Any], None]]:
    """Register the decorated test as a rule of each of ``seams`` (named by its docstring's first line)."""

    def register(fn: Callable[[Any], None]) -> Callable[[Any], None]:
        name = (fn.__doc__ or fn.__name__).strip().splitlines()[0]
        for s in seams:
            if s not in SEAMS:
                raise KeyError(s)
            _RULES.setdefault(s, []).append(Rule(name, rfc, hint, fn))
        return fn

    return register


def contract(name: str) -> Contract:
    """The contract of seam ``name`` (a :class:`~mip6lab.seams.SeamError` for an unknown name)."""
    from mip6lab.seams.contracts import algorithms, functions, movement, registration, tables  # noqa: F401
    from mip6lab.seams.install import SeamError

    if name not in SEAMS:
        raise SeamError(f"unknown seam {name!r} (seams: {', '.join(SEAMS)})")
    return Contract(SEAMS[name], list(_RULES.get(name, [])))


def check(name: str, candidate: Any) -> Verdict:
    """Run ``candidate`` against seam ``name``'s contract."""
    return contract(name).check(candidate)
