"""``mip6lab grade``: grade exercise notebooks in fresh kernels, trusting only the reader's answers.

For each submission the grader finds the solution notebook it was generated from (notebook metadata
``mip6lab.exercise``, else the same file name in ``solutions/``) and builds the notebook it runs from
that *source*: every cell comes from the source except the answer cells (nbgrader ``solution`` cells),
which come from the submission, matched by ``grade_id``. So check cells that were deleted or edited in
the submission are back as written, and the hidden tests are in them. Each graded cell also starts by
dropping the already-imported ``mip6lab.grading`` modules, so a check function the submission
overrode or monkey-patched is imported afresh from disk before it runs.

A graded cell earns its points when it runs without error and prints its check's PASSED verdict.
Cells run under a time limit (the kernel is interrupted and the cell fails with "time limit"); a
kernel that dies fails every cell it did not finish, with that reason.
"""

from __future__ import annotations

import copy
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import nbformat

__all__ = ["GradeError", "NotebookGrade", "TaskGrade", "build_graded_notebook", "grade", "grade_notebook"]

CELL_TIMEOUT = 60.0  # seconds per cell before the kernel is interrupted
START_ATTEMPTS = 3
"""Kernels a notebook gets when one dies before running any cell: jupyter_client picks free ports, then
the kernel binds them, and another process (nbgrader, a second grader) can take one in between - a
reader's score must not depend on that race."""
REFRESH = (
    "import sys as _mip6lab_sys\n"
    "for _m in [_m for _m in list(_mip6lab_sys.modules) if _m.startswith('mip6lab.grading')]:\n"
    "    del _mip6lab_sys.modules[_m]\n"
    "import mip6lab.grading as _mip6lab_grading\n"
    "_mip6lab_grading.install_ipython_handler()\n"
)
_ERROR_STATUS = {"NotAttempted": "not attempted", "CheckFailed": "failed", "TimeLimitExceeded": "time limit"}


class GradeError(Exception):
    """A notebook cannot be graded at all (unreadable, no source): one line for the user."""


@dataclass
class TaskGrade:
    grade_id: str
    max_score: float
    score: float = 0.0
    status: str = "not run"  # passed | failed | not attempted | time limit | error | not run
    reason: str = ""


@dataclass
class NotebookGrade:
    path: str
    source: str
    tasks: list[TaskGrade] = field(default_factory=list)
    reason: str = ""  # a notebook-wide problem (kernel died, time limit)
    seconds: float = 0.0

    @property
    def score(self) -> float:
        return sum(t.score for t in self.tasks)

    @property
    def max_score(self) -> float:
        return sum(t.max_score for t in self.tasks)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "source": self.source,
            "score": self.score,
            "max_score": self.max_score,
            "reason": self.reason,
            "seconds": round(self.seconds, 2),
            "tasks": [asdict(t) for t in self.tasks],
        }


def _nbgrader(cell: Any) -> dict[str, Any]:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def is_answer_cell(cell: Any) -> bool:
    """An nbgrader solution cell: the only kind whose text is taken from a submission."""
    return bool(_nbgrader(cell).get("solution"))


def is_graded_cell(cell: Any) -> bool:
    """An nbgrader autograded test cell (code, ``grade`` with points, not a solution)."""
    md = _nbgrader(cell)
    return cell.get("cell_type") == "code" and bool(md.get("grade")) and not md.get("solution")


def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent.parent


def find_source(submission: Any, path: Path, solutions_dir: Path | None = None) -> Path:
    """The solution notebook a submission was generated from."""
    sol = solutions_dir or repo_root() / "solutions"
    name = submission.get("metadata", {}).get("mip6lab", {}).get("exercise")
    candidates = ([sol / f"{name}.ipynb"] if isinstance(name, str) and "/" not in name else []) + [sol / path.name]
    for cand in candidates:
        if cand.is_file():
            return cand
    raise GradeError(f"{path}: no solution source for it in {sol} (looked for {', '.join(c.name for c in candidates)})")


def _import_lines(cell: Any) -> list[str]:
    """The top-level import statements of a code cell (a graded cell repeats them, so a name such as
    ``checks`` that an answer rebound is bound to the fresh module again)."""
    import ast

    try:
        tree = ast.parse(cell.source)
    except SyntaxError:
        return []
    lines = cell.source.splitlines()
    return [
        "\n".join(lines[n.lineno - 1 : n.end_lineno]) for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)
    ]


def build_graded_notebook(source: Any, submission: Any) -> Any:
    """The notebook the grader runs: the source's cells, the submission's answers (by grade_id),
    and at the top of each graded cell a fresh import of the checks and the source's own imports."""
    answers = {_nbgrader(c).get("grade_id"): c for c in submission.get("cells", []) if is_answer_cell(c)}
    nb = copy.deepcopy(source)
    imports: list[str] = []
    for cell in nb.cells:
        md = _nbgrader(cell)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        if is_answer_cell(cell):
            mine = answers.get(md.get("grade_id"))
            cell.source = mine.get("source", "") if mine is not None else _blank_answer(cell)
        elif is_graded_cell(cell):
            cell.source = REFRESH + "".join(f"{line}\n" for line in imports) + cell.source
        elif cell.cell_type == "code":
            imports += [i for i in _import_lines(cell) if i not in imports]
    return nb


def _blank_answer(cell: Any) -> str:
    """What the exercise notebook has in an answer cell the submission lost: nbgrader's stub."""
    try:
        from nbgrader.preprocessors import ClearSolutions
    except ImportError:  # nbgrader is optional for grading (pip install 'mip6lab[course]')
        return "# YOUR CODE HERE\nraise NotImplementedError()\n"
    nb = nbformat.v4.new_notebook(cells=[copy.deepcopy(cell)])
    ClearSolutions().preprocess(nb, {})
    return nb.cells[0].source


def _score_cell(cell: Any, task: TaskGrade) -> None:
    if cell.get("execution_count") is None and not cell.get("outputs"):
        task.status, task.reason = "not run", "the cell did not run"
        return
    errors = [o for o in cell.outputs if o.get("output_type") == "error"]
    text = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
    if errors:
        ename, evalue = errors[0].get("ename", ""), errors[0].get("evalue", "")
        task.status = _ERROR_STATUS.get(ename, "error")
        if ename == "CellTimeoutError" or "KeyboardInterrupt" in ename:
            task.status = "time limit"
        hint = next((" ".join(ln.split()) for ln in text.splitlines() if ln.strip().startswith("hint:")), "")
        evalue = evalue.replace(" -- see the verdict above", "")
        task.reason = (f"{ename}: {evalue}" + (f" ({hint})" if hint else "")).strip()[:400]
        return
    if "PASSED" not in text:
        task.status, task.reason = "failed", "the check printed no PASSED verdict"
        return
    task.status, task.score = "passed", task.max_score
    task.reason = next((ln for ln in text.splitlines() if "PASSED" in ln), "")


def _blame_answer(answer: Any, task: TaskGrade, cell_timeout: float) -> None:
    """When the answer cell before a failed check itself failed, say so (it is the real reason)."""
    err = next((o for o in answer.get("outputs", []) if o.get("output_type") == "error"), None)
    if err is None:
        return
    ename = err.get("ename", "")
    if ename in ("KeyboardInterrupt", "CellTimeoutError"):
        task.status = "time limit"
        task.reason = f"your answer cell ran longer than {cell_timeout:g} s and was interrupted"
    else:
        task.status = "error"
        task.reason = f"your answer cell raised {ename}: {err.get('evalue', '')}"[:300]


def _any_cell_ran(nb: nbformat.NotebookNode) -> bool:
    """Did the kernel run anything at all? A notebook that comes back with no cell run means the kernel never
    started (a busy machine), not that the reader's answer failed: the grader tries again."""
    return any(c.cell_type == "code" and (c.get("execution_count") or c.get("outputs")) for c in nb.cells)


def grade_notebook(
    path: str | Path,
    *,
    solutions_dir: Path | None = None,
    cell_timeout: float = CELL_TIMEOUT,
    kernel_name: str = "python3",
) -> NotebookGrade:
    """Grade one submission in a fresh kernel (see the module docstring)."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    path = Path(path)
    started = time.monotonic()
    try:
        submission = nbformat.read(path, as_version=4)
    except FileNotFoundError:
        raise GradeError(f"{path}: no such file") from None
    except Exception as e:
        raise GradeError(f"{path}: not a readable notebook ({type(e).__name__})") from None
    src_path = find_source(submission, path, solutions_dir)
    source = nbformat.read(src_path, as_version=4)
    nb = build_graded_notebook(source, submission)
    graded = [
        (c, TaskGrade(_nbgrader(c)["grade_id"], float(_nbgrader(c).get("points", 0))))
        for c in nb.cells
        if is_graded_cell(c)
    ]
    result = NotebookGrade(str(path), str(src_path), [t for _, t in graded])
    env_path = os.pathsep.join(p for p in (str(repo_root()), os.environ.get("PYTHONPATH", "")) if p)
    with tempfile.TemporaryDirectory(prefix="mip6lab-grade-") as tmp:
        env = {**os.environ, "PYTHONPATH": env_path, "MPLBACKEND": "agg", "HOME": os.environ.get("HOME", tmp)}
        for attempt in range(1, START_ATTEMPTS + 1):
            client = NotebookClient(
                nb,
                timeout=cell_timeout,
                interrupt_on_timeout=True,
                allow_errors=True,
                kernel_name=kernel_name,
                extra_arguments=["--IPKernelApp.log_level=ERROR"],
                shutdown_kernel="immediate",
                resources={"metadata": {"path": str(src_path.parent)}},
            )
            try:
                client.execute(env=env)
            except DeadKernelError:
                result.reason = "the kernel died (crashed or was killed) while running the notebook"
            except CellTimeoutError:
                result.reason = f"a cell ran longer than {cell_timeout:g} s and could not be interrupted"
            except Exception as e:  # a kernel that cannot start, ...
                if attempt < START_ATTEMPTS and not _any_cell_ran(nb):
                    continue  # it never started (a port taken by another process, ...): no cell ran, so a fresh one
                result.reason = f"the notebook could not be run: {type(e).__name__}: {e}"[:300]
            break
    last_answer: Any = None
    for cell in nb.cells:
        if is_answer_cell(cell) and cell.cell_type == "code":
            last_answer = cell
        elif is_graded_cell(cell):
            task = next(t for c, t in graded if c is cell)
            _score_cell(cell, task)
            if task.status == "not run" and result.reason:
                task.reason = result.reason
            elif task.status != "passed" and last_answer is not None:
                _blame_answer(last_answer, task, cell_timeout)
    result.seconds = time.monotonic() - started
    return result


def grade(paths: list[str | Path], *, jobs: int = 2, **kwargs: Any) -> list[NotebookGrade]:
    """Grade several notebooks, ``jobs`` kernels at a time; results in the order given."""

    def one(p: str | Path) -> NotebookGrade:
        try:
            return grade_notebook(p, **kwargs)
        except GradeError as e:
            return NotebookGrade(str(p), "", [], reason=str(e))

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(one, paths))


def format_table(grades: list[NotebookGrade]) -> str:
    """The per-notebook, per-task score table ``mip6lab grade`` prints."""
    lines: list[str] = []
    for g in grades:
        lines.append(f"{g.path}  {g.score:g}/{g.max_score:g}" + (f"  ({g.reason})" if g.reason else ""))
        width = max((len(t.grade_id) for t in g.tasks), default=0)
        for t in g.tasks:
            reason = f"  {t.reason}" if t.reason and t.status != "passed" else ""
            lines.append(f"  {t.grade_id:<{width}}  {t.score:g}/{t.max_score:g}  {t.status}{reason}")
    total, most = sum(g.score for g in grades), sum(g.max_score for g in grades)
    if len(grades) > 1:
        lines.append(f"total  {total:g}/{most:g}")
    return "\n".join(lines)


def to_json(grades: list[NotebookGrade]) -> str:
    doc = {
        "score": sum(g.score for g in grades),
        "max_score": sum(g.max_score for g in grades),
        "notebooks": [g.to_json() for g in grades],
    }
    return json.dumps(doc, indent=2)


def main(argv: list[str] | None = None) -> int:  # python -m mip6lab.grading.grader PATH...
    from mip6lab.cli import main as cli_main

    return cli_main(["grade", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
