"""Grading is slow (a fresh kernel per notebook): every notebook the tests grade — all solutions, all
generated exercises and the tampered submissions — is graded ONCE per session, in one parallel batch."""

from __future__ import annotations

import copy
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]-*.ipynb"))
EXERCISES = sorted((ROOT / "exercises").glob("[0-9][0-9]-*.ipynb"))
TAMPER_BASE = ROOT / "solutions" / "02-sequence-numbers.ipynb"
WRONG_SEQ_GT = "def seq_gt(a, b):\n    return a > b\n"


def _grade_id(cell: dict) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _answer(nb: nbformat.NotebookNode, grade_id: str, source: str) -> None:
    next(c for c in nb.cells if _grade_id(c) == grade_id).source = source


def tampered_submissions(folder: Path) -> dict[str, Path]:
    """Submissions of exercise 02 that try to get points they have not earned (and two that break)."""
    base = nbformat.read(TAMPER_BASE, as_version=4)
    made: dict[str, nbformat.NotebookNode] = {}

    nb = copy.deepcopy(base)  # check cells deleted, a wrong answer
    _answer(nb, "seq_gt", WRONG_SEQ_GT)
    nb.cells = [c for c in nb.cells if not (_grade_id(c) or "").startswith("check_")]
    made["deleted-checks"] = nb

    nb = copy.deepcopy(base)  # check cells edited to print a pass
    _answer(nb, "seq_gt", WRONG_SEQ_GT)
    for c in nb.cells:
        if (_grade_id(c) or "").startswith("check_"):
            c.source = 'print("seq_gt: PASSED")'
    made["edited-checks"] = nb

    nb = copy.deepcopy(base)  # the check functions overridden from the answer cell
    _answer(
        nb,
        "seq_gt",
        WRONG_SEQ_GT
        + "import mip6lab.grading.checks.seqno as _m\nimport mip6lab.grading.core as _c\n"
        + "_m.check_seq_gt = lambda *a, **k: print('seq_gt: PASSED')\n"
        + "_c.run_check = lambda *a, **k: print('PASSED')\n"
        + "class _Fake:\n    def check_seq_gt(self, f):\n        print('seq_gt: PASSED')\n"
        + "checks = _Fake()\n",
    )
    made["overridden-checks"] = nb

    nb = copy.deepcopy(base)  # an endless loop at the top level of an answer cell
    _answer(nb, "seq_gt", "while True:\n    pass\n")
    made["hangs"] = nb

    nb = copy.deepcopy(base)  # the kernel dies
    _answer(nb, "seq_gt", "import os\nos._exit(1)\n")
    made["crashes"] = nb

    paths = {}
    for name, nb in made.items():
        nb.metadata.setdefault("mip6lab", {})["exercise"] = TAMPER_BASE.stem
        paths[name] = folder / f"{name}.ipynb"
        nbformat.write(nb, paths[name])
    return paths


@pytest.fixture(scope="session")
def tampered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return tampered_submissions(tmp_path_factory.mktemp("tampered"))


@pytest.fixture(scope="session", autouse=True)
def nbgrader_course(tmp_path_factory: pytest.TempPathFactory) -> subprocess.Popen | None:
    """nbgrader's generate/autograde/feedback on exercise 02, started in the background (it takes a while;
    it runs while the session grades the rest). None when nbgrader is not installed."""
    try:
        import nbgrader  # noqa: F401
    except ImportError:
        return None
    course = tmp_path_factory.mktemp("course") / "course"
    script = Path(__file__).with_name("nbgrader_course.py")
    return subprocess.Popen(
        [sys.executable, str(script), str(course), str(TAMPER_BASE)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(scope="session")
def graded(tampered: dict[str, Path], nbgrader_course: subprocess.Popen | None) -> dict[str, object]:
    """path -> NotebookGrade for every solution, exercise and tampered submission (one batch)."""
    from mip6lab.grading.grader import grade

    breaking = [tampered["hangs"], tampered["crashes"]]  # a short cell time limit for these two
    paths = [*SOLUTIONS, *EXERCISES, *(p for p in tampered.values() if p not in breaking)]
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=2) as pool:
        short = pool.submit(grade, breaking, jobs=1, cell_timeout=4.0)
        grades = grade(paths, jobs=3, cell_timeout=30.0)
        grades += short.result()
    elapsed = time.monotonic() - started
    print(f"\ngraded {len(paths) + len(breaking)} notebooks in {elapsed:.1f} s")
    return {str(p): g for p, g in zip([*paths, *breaking], grades)}
