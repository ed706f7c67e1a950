"""Generate ``exercises/`` from ``solutions/`` with nbgrader's own preprocessors.

``python -m mip6lab.grading.generate`` rewrites every ``exercises/NN-slug.ipynb`` from its solution:
nbgrader's ``ClearSolutions`` turns each ``### BEGIN SOLUTION`` / ``### END SOLUTION`` region into
``# YOUR CODE HERE`` + ``raise NotImplementedError()``, ``ClearHiddenTests`` removes the
``### BEGIN HIDDEN TESTS`` blocks, ``LockCells`` makes the check and set-up cells read-only,
``ClearOutput`` empties the outputs and ``ComputeChecksums`` records nbgrader's cell checksums.
``--check`` only compares and exits 1 when a committed exercise is stale (the tests run it).
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

import nbformat

__all__ = ["exercise_from_solution", "generate", "stale"]


def _root() -> Path:
    return Path(__file__).resolve().parent.parent.parent


def exercise_from_solution(solution: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """The reader's notebook for one solution notebook (``name`` = its file stem)."""
    from nbgrader.preprocessors import ClearHiddenTests, ClearOutput, ClearSolutions, ComputeChecksums, LockCells

    nb = copy.deepcopy(solution)
    resources: dict = {}
    for pre in (LockCells(), ClearSolutions(), ClearOutput(), ClearHiddenTests(), ComputeChecksums()):
        nb, resources = pre.preprocess(nb, resources)
    nb.metadata.setdefault("mip6lab", {})["exercise"] = name
    for cell in nb.cells:
        cell.pop("id", None)
    return nb


def _render(nb: nbformat.NotebookNode) -> str:
    nb = copy.deepcopy(nb)
    nb.nbformat, nb.nbformat_minor = 4, 4
    return nbformat.writes(nb, version=4) + "\n"


def _pairs(root: Path) -> list[tuple[Path, Path]]:
    return [(s, root / "exercises" / s.name) for s in sorted((root / "solutions").glob("[0-9][0-9]-*.ipynb"))]


def generate(root: Path | None = None) -> list[Path]:
    """Write every exercise notebook; returns the paths written."""
    root = root or _root()
    written = []
    for sol, ex in _pairs(root):
        text = _render(exercise_from_solution(nbformat.read(sol, as_version=4), sol.stem))
        if not ex.exists() or ex.read_text() != text:
            ex.write_text(text)
        written.append(ex)
    return written


def stale(root: Path | None = None) -> list[str]:
    """Exercise notebooks that differ from what :func:`generate` would write (or are missing / extra)."""
    root = root or _root()
    out = []
    pairs = _pairs(root)
    for sol, ex in pairs:
        text = _render(exercise_from_solution(nbformat.read(sol, as_version=4), sol.stem))
        if not ex.exists() or ex.read_text() != text:
            out.append(str(ex.relative_to(root)))
    known = {ex.name for _, ex in pairs}
    out += [str(p.relative_to(root)) for p in sorted((root / "exercises").glob("*.ipynb")) if p.name not in known]
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m mip6lab.grading.generate", description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="only report stale exercise notebooks (exit 1 if any)")
    args = p.parse_args(argv)
    if args.check:
        bad = stale()
        for name in bad:
            print(f"stale: {name} (run python -m mip6lab.grading.generate)")
        return 1 if bad else 0
    for path in generate():
        print(f"wrote {path.relative_to(_root())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
