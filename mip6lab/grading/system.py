"""Checks that plug the reader's component into the running system through its seam.

Two steps, each a verdict like the other checks: the seam's contract suite (:mod:`mip6lab.seams.contracts`:
the rules the component must follow, with inputs, expected, got and the RFC clause of the first rule it
breaks), then a real run, ``Lab(scenario, replace={seam: component})``, under a time limit (a component
that hangs ends the run with "time limit"; one that raises is contained by the simulation and reported),
and an outcome the run must show (the mobile node registered, the correspondent accepted the binding...).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mip6lab.grading.core import NotAttempted, TimeLimitExceeded, Verdict, report, time_limit

__all__ = ["RUN_TIME_LIMIT", "check_contract", "check_in_system", "run_lab"]

RUN_TIME_LIMIT = 30.0  # wall-clock seconds for one simulation run with the reader's component


def check_contract(task: str, seam: str, candidate: Any, *, raise_on_failure: bool = True, **_: Any) -> Verdict:
    """Run ``candidate`` against seam ``seam``'s contract suite; the first broken rule is the verdict."""
    from mip6lab.seams import check

    try:
        with time_limit(RUN_TIME_LIMIT, f"the {seam} contract with your component"):
            result = check(seam, candidate)
    except NotImplementedError:
        v = Verdict(task, "not attempted", f"{task}: NOT ATTEMPTED YET (your code still raises NotImplementedError)")
        return report(v, raise_on_failure)
    except TimeLimitExceeded as e:
        v = Verdict(task, "failed", f"{task}: FAILED: {e}", hint="an endless loop?")
        return report(v, raise_on_failure)
    if any("NotImplementedError" in (r.got or "") for r in result.failures) or any(
        "NotImplementedError" in p for p in result.problems
    ):
        v = Verdict(task, "not attempted", f"{task}: NOT ATTEMPTED YET (your code still raises NotImplementedError)")
        return report(v, raise_on_failure)
    if result.problems:
        text = f"{task}: FAILED: it does not fit seam {seam}:\n" + "\n".join(f"  {p}" for p in result.problems)
        hint = f"the seam's interface: `mip6lab seams` / mip6lab.seams.SEAMS[{seam!r}].protocol"
        return report(Verdict(task, "failed", text + f"\n  hint:     {hint}", hint=hint), raise_on_failure)
    if result.failures:
        r = result.failures[0]
        lines = [f"{task}: FAILED seam {seam}'s rule: {r.rule} (RFC 6275 {r.rfc})"]
        for label, value in (("inputs", r.inputs), ("expected", r.expected), ("got", r.got)):
            if value:
                lines.append(f"  {label + ':':<9} {value}")
        hint = f"RFC 6275 {r.rfc}: {r.hint}"
        lines.append(f"  hint:     {hint}")
        return report(Verdict(task, "failed", "\n".join(lines), hint=hint), raise_on_failure)
    return report(Verdict(task, "passed", f"{task}: PASSED (all {len(result.results)} rules of seam {seam})"))


def run_lab(
    scenario: str,
    replace: dict[str, Any],
    *,
    until: float | None = None,
    seed: int = 0,
    setup: Callable[[Any], None] | None = None,
) -> Any:
    """``Lab(scenario, replace=replace)`` run to ``until`` (default: the scenario's duration) under a time limit."""
    from mip6lab.lab import Lab

    lab = Lab(scenario, seed=seed, replace=replace)
    if setup is not None:
        setup(lab)
    with time_limit(RUN_TIME_LIMIT, "the simulation with your component"):
        lab.run(until=lab.scenario.duration if until is None else until)
    return lab


def check_in_system(
    task: str,
    scenario: str,
    replace: dict[str, Any],
    outcome: Callable[[Any], str | None],
    hint: str,
    *,
    until: float | None = None,
    seed: int = 0,
    raise_on_failure: bool = True,
    **_: Any,
) -> Verdict:
    """Run ``scenario`` with the reader's component(s); ``outcome(lab)`` returns None when the run shows
    what it should, else what went wrong (one line)."""
    from mip6lab.errors import LabError

    where = f"Lab({scenario!r}, replace={{{', '.join(f'{k!r}: ...' for k in replace)}}})"
    try:
        lab = run_lab(scenario, replace, until=until, seed=seed)
    except NotImplementedError:
        raise NotAttempted(f"{task}: NOT ATTEMPTED YET") from None
    except TimeLimitExceeded as e:
        text = f"{task}: FAILED in {where}: {e}\n  hint:     {hint}"
        return report(Verdict(task, "failed", text, hint=hint), raise_on_failure)
    except LabError as e:  # the component does not fit its seam
        text = f"{task}: FAILED: {where}: {e}\n  hint:     {hint}"
        return report(Verdict(task, "failed", text, hint=hint), raise_on_failure)
    errors = [e for e in getattr(lab.world, "errors", [])]
    if any(isinstance(e.exception, NotImplementedError) or "NotImplementedError" in repr(e.exception) for e in errors):
        v = Verdict(
            task, "not attempted", f"{task}: NOT ATTEMPTED YET (your component still raises NotImplementedError)"
        )
        return report(v, raise_on_failure)
    problem = outcome(lab)
    if problem is None:
        return report(Verdict(task, "passed", f"{task}: PASSED: {where} ran and {_describe(outcome)}"))
    lines = [f"{task}: FAILED in {where}", f"  expected: {_describe(outcome)}", f"  got:      {problem}"]
    if errors:
        e = errors[0]
        lines.append(
            f"  your component raised at t={e.time:.3f} s in {e.node}: {type(e.exception).__name__}: {e.exception}"
        )
    lines.append(f"  hint:     {hint}")
    return report(Verdict(task, "failed", "\n".join(lines), hint=hint), raise_on_failure)


def _describe(outcome: Callable[..., Any]) -> str:
    return (outcome.__doc__ or "the run showed the expected outcome").strip().splitlines()[0]


# ----------------------------------------------------------------------------- outcomes used by the exercises
def ba_status(lab: Any, origin: str, to: str = "mn", after: float = 0.0) -> list[tuple[float, str]]:
    """(time, summary) of the Binding Acknowledgements ``origin`` sent to ``to`` after ``after``, first hop only."""
    return [
        (r.time, r.summary)
        for r in lab.messages(signalling_only=True, first_hop_only=True)
        if r.name == "BA" and r.origin == origin and r.destination == to and r.time >= after
    ]
