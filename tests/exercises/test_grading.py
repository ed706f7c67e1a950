"""`mip6lab grade` on the whole set: solutions get full marks, generated exercises get 0 with
"not attempted" per task, and submissions that delete, edit or override the checks earn nothing."""

from __future__ import annotations

import json

import pytest
from conftest import EXERCISES, SOLUTIONS

from mip6lab.grading.grader import format_table, to_json


def test_at_least_twelve_exercises_one_per_chapter_from_3_on():
    import nbformat

    assert len(SOLUTIONS) >= 12
    assert [p.name for p in SOLUTIONS] == [p.name for p in EXERCISES]
    chapters = set()
    for p in SOLUTIONS:
        first = nbformat.read(p, as_version=4).cells[0].source
        chapters |= {int(w) for w in first.replace(",", " ").split() if w.isdigit() and 3 <= int(w) <= 12}
    assert set(range(3, 13)) <= chapters, sorted(chapters)


@pytest.mark.parametrize("path", SOLUTIONS, ids=[p.stem for p in SOLUTIONS])
def test_every_solution_scores_full_marks(graded, path):
    g = graded[str(path)]
    assert g.tasks and g.max_score > 0, g.reason
    assert g.score == g.max_score, format_table([g])


@pytest.mark.parametrize("path", EXERCISES, ids=[p.stem for p in EXERCISES])
def test_every_exercise_scores_zero_not_attempted(graded, path):
    g = graded[str(path)]
    assert g.tasks and g.max_score > 0
    assert g.score == 0
    assert {t.status for t in g.tasks} == {"not attempted"}, format_table([g])


def _task(graded, tampered, name, grade_id="check_seq_gt"):
    g = graded[str(tampered[name])]
    return g, next(t for t in g.tasks if t.grade_id == grade_id)


@pytest.mark.parametrize("name", ["deleted-checks", "edited-checks", "overridden-checks"])
def test_tampering_with_the_checks_earns_nothing(graded, tampered, name):
    g, t = _task(graded, tampered, name)
    assert [x.grade_id for x in g.tasks] == ["check_seq_gt", "check_next_seq", "check_plugged"]  # re-inserted
    assert t.score == 0 and t.status == "failed", format_table([g])
    assert "FAILED" in t.reason and "hint: RFC 6275 §9.5.1" in t.reason
    nxt = next(x for x in g.tasks if x.grade_id == "check_next_seq")
    assert nxt.score == nxt.max_score  # the untouched correct answer still earns its point


def test_a_hanging_answer_fails_with_time_limit(graded, tampered):
    g, t = _task(graded, tampered, "hangs")
    assert t.score == 0 and t.status == "time limit", format_table([g])
    assert "interrupted" in t.reason


def test_a_crashing_kernel_fails_with_a_reason(graded, tampered):
    g, t = _task(graded, tampered, "crashes")
    assert g.score == 0 and "kernel died" in g.reason, format_table([g])
    assert all("kernel died" in x.reason for x in g.tasks)


def test_json_document_has_score_and_max_score_per_notebook_and_task(graded):
    doc = json.loads(to_json([graded[str(SOLUTIONS[1])], graded[str(EXERCISES[1])]]))
    assert doc["max_score"] == 2 * doc["notebooks"][0]["max_score"]
    for nb in doc["notebooks"]:
        assert {"path", "score", "max_score", "tasks"} <= set(nb)
        for t in nb["tasks"]:
            assert {"grade_id", "score", "max_score", "status"} <= set(t)


def test_cli_grade_reports_unknown_paths_and_exit_status(tmp_path, capsys):
    from mip6lab.cli import main

    missing = tmp_path / "nope.ipynb"
    assert main(["grade", str(missing), "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["notebooks"][0]["reason"].endswith("no such file")
    assert main(["grade", str(missing), "--jobs", "0"]) == 2
    assert "--jobs" in capsys.readouterr().err


def test_cli_table_names_each_task(graded):
    text = format_table([graded[str(EXERCISES[0])]])
    assert "check_binding_update  0/3  not attempted" in text
