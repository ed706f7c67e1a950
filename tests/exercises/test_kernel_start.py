"""A kernel that dies before it runs anything (another process took one of the ports jupyter_client chose,
...) costs the reader nothing: the grader starts a fresh one (`grader.START_ATTEMPTS`)."""

from __future__ import annotations

import nbclient
import pytest
from conftest import SOLUTIONS

from mip6lab.grading import grader

SOLUTION = next(p for p in SOLUTIONS if p.name.startswith("02-"))


def _failing_starts(monkeypatch: pytest.MonkeyPatch, failures: int) -> list[int]:
    """Make the first ``failures`` kernel starts fail the way a lost port race does; count every start."""
    real = nbclient.NotebookClient.execute
    starts: list[int] = []

    def execute(self, **kwargs):
        starts.append(1)
        if len(starts) <= failures:
            raise RuntimeError("Kernel died before replying to kernel_info")
        return real(self, **kwargs)

    monkeypatch.setattr(nbclient.NotebookClient, "execute", execute)
    return starts


def test_a_kernel_that_died_at_start_is_replaced(monkeypatch):
    starts = _failing_starts(monkeypatch, failures=1)
    g = grader.grade_notebook(SOLUTION)
    assert len(starts) == 2
    assert g.reason == "" and g.tasks and g.score == g.max_score, grader.format_table([g])


def test_a_kernel_that_never_starts_is_reported_not_retried_forever(monkeypatch):
    starts = _failing_starts(monkeypatch, failures=grader.START_ATTEMPTS)
    g = grader.grade_notebook(SOLUTION)
    assert len(starts) == grader.START_ATTEMPTS
    assert g.score == 0 and "Kernel died before replying to kernel_info" in g.reason
    assert {t.status for t in g.tasks} == {"not run"}, grader.format_table([g])
