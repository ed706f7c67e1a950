"""The exercise notebooks are generated from the solutions by nbgrader's preprocessors and kept fresh."""

from __future__ import annotations

import nbformat
from conftest import EXERCISES, ROOT, SOLUTIONS

from mip6lab.grading import generate


def test_committed_exercises_are_not_stale():
    assert generate.stale(ROOT) == [], "run: python -m mip6lab.grading.generate"


def test_generated_exercise_hides_solutions_and_hidden_tests():
    for sol, ex in zip(SOLUTIONS, EXERCISES):
        s, e = sol.read_text(), ex.read_text()
        assert "### BEGIN SOLUTION" in s and "### BEGIN SOLUTION" not in e
        assert "raise NotImplementedError()" in e
        assert "BEGIN HIDDEN TESTS" not in e
    assert "BEGIN HIDDEN TESTS" in (ROOT / "solutions" / "02-sequence-numbers.ipynb").read_text()


def test_check_cells_are_locked_and_graded_with_points():
    for ex in EXERCISES:
        nb = nbformat.read(ex, as_version=4)
        checks = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
        assert checks, ex.name
        for c in checks:
            md = c.metadata["nbgrader"]
            assert md["locked"] and md["points"] > 0 and not md["solution"]
            assert c.metadata.get("editable") is False  # nbgrader's LockCells


def test_stale_detects_an_edited_solution(tmp_path):
    (tmp_path / "solutions").mkdir()
    (tmp_path / "exercises").mkdir()
    src = SOLUTIONS[1]
    (tmp_path / "solutions" / src.name).write_text(src.read_text())
    assert generate.stale(tmp_path) == [f"exercises/{src.name}"]
    generate.generate(tmp_path)
    assert generate.stale(tmp_path) == []
    nb = nbformat.read(tmp_path / "solutions" / src.name, as_version=4)
    nb.cells[0].source += "\nA new sentence."
    nbformat.write(nb, tmp_path / "solutions" / src.name)
    assert generate.stale(tmp_path) == [f"exercises/{src.name}"]
