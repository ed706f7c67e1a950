"""An instructor's nbgrader run (README "Running a course"): generate the release from a solution,
autograde a solved and a blank submission, produce feedback; the gradebook has full marks and zero."""

from __future__ import annotations

import json

import nbformat
import pytest
from conftest import TAMPER_BASE


def test_nbgrader_generate_autograde_feedback(nbgrader_course, graded):
    if nbgrader_course is None:
        pytest.skip("nbgrader is not installed (pip install 'mip6lab[course]')")
    out, err = nbgrader_course.communicate(timeout=600)
    assert nbgrader_course.returncode == 0, err[-3000:]
    result = json.loads(out)
    nb = nbformat.read(TAMPER_BASE, as_version=4)
    points = sum(c.metadata.get("nbgrader", {}).get("points", 0) for c in nb.cells)
    assert points > 0
    assert result["alice"] == [points, points]  # the solved notebook
    assert result["bob"] == [0.0, points]  # the blank release
    assert any("alice" in f for f in result["feedback"]) and any("bob" in f for f in result["feedback"])
