"""The workbook draws every white paper figure, each in its own chapter, and is committed clean.

A code cell that draws a figure starts with the line ``# Figure N: <caption>`` (N = 1..36, the white
paper's caption). This test maps each of the 36 figures to the (notebook, cell index) that draws it and
fails with one line per problem: a figure no cell draws, a figure drawn in another chapter than the one
it belongs to, a caption that is not Figure N's (a figure drawn under a wrong number), a malformed
marker line. It also checks that every chapter notebook exists and that no notebook in ``notebooks/``
is committed with outputs (except the printed text of a cell marked ``# NBVAL_CHECK_OUTPUT``, which
nbval compares against on every run).
"""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

import pytest

from mip6lab.workbook.intro import CHAPTERS, FIGURES

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
WHITE_PAPER = REPO.parent.parent / "shared" / "seed" / "000_c10148b8da2c4634.txt"

# The chapter files, in order (the workbook's contract; the CLI opens the first).
CHAPTER_FILES = [
    "00-start-here.ipynb",
    "01-ipv6-basics.ipynb",
    "02-components-and-terms.ipynb",
    "03-messages-and-options.ipynb",
    "04-data-structures.ipynb",
    "05-leaving-home.ipynb",
    "06-bidirectional-tunneling.ipynb",
    "07-return-routability.ipynb",
    "08-route-optimization.ipynb",
    "09-sending-and-receiving.ipynb",
    "10-moving-on-and-coming-home.ipynb",
    "11-security.ipynb",
    "12-measuring.ipynb",
]

# Which chapter draws which figures (chapters 0, 1, 4, 11 and 12 draw no numbered figure).
FIGURES_OF_CHAPTER = {
    2: (1,),
    3: (2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12),
    5: (20, 21, 24, 25, 28),
    6: (14, 15, 16, 17, 31),
    7: (13,),
    8: (18, 19, 22, 23, 29, 30),
    9: (35, 36),
    10: (26, 27, 32, 33, 34),
}
CHAPTER_OF_FIGURE = {f: ch for ch, figs in FIGURES_OF_CHAPTER.items() for f in figs}

MARKER = re.compile(r"^# Figure (\d+): (\S.*)$")
LOOSE_MARKER = re.compile(r"^\s*#\s*fig(ure)?\.?\s*\d+", re.IGNORECASE)
SIMILAR = 0.85  # difflib ratio above which a caption counts as "the same caption, reworded"


def _norm(caption: str) -> str:
    text = caption.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"[^a-z0-9' ]+", " ", text)
    return " ".join(text.split())


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, _norm(a), _norm(b)).ratio()


def caption_problem(number: int, caption: str) -> str | None:
    """None when ``caption`` is Figure ``number``'s (exactly, extended, or lightly reworded), else why not."""
    if number not in FIGURES:
        return f"there is no Figure {number} in the white paper (1..{len(FIGURES)})"
    own = FIGURES[number]
    if _norm(caption).startswith(_norm(own)):
        return None
    best = max(FIGURES, key=lambda n: _ratio(caption, FIGURES[n]))
    if best == number and _ratio(caption, own) >= SIMILAR:
        return None
    if best != number and _ratio(caption, FIGURES[best]) >= SIMILAR:
        return f"that is Figure {best}'s caption ({FIGURES[best]!r}); Figure {number} is {own!r}"
    return f"Figure {number} is {own!r}"


def _chapter_number(notebook: str) -> int | None:
    m = re.match(r"^(\d\d)-", notebook)
    return int(m.group(1)) if m else None


def scan(folder: Path) -> tuple[dict[int, list[tuple[str, int]]], list[str]]:
    """Every figure marker in the notebooks of ``folder``: figure -> [(notebook, cell index)], and the
    problems found on the way (wrong caption, wrong chapter, malformed marker)."""
    found: dict[int, list[tuple[str, int]]] = {}
    problems: list[str] = []
    for path in sorted(folder.glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for index, cell in enumerate(nb.get("cells", [])):
            if cell.get("cell_type") != "code":
                continue
            source = cell.get("source", "")
            text = "".join(source) if isinstance(source, list) else source
            first = text.split("\n", 1)[0].rstrip()
            where = f"{path.name} cell {index}"
            m = MARKER.match(first)
            if m is None:
                if LOOSE_MARKER.match(first):
                    problems.append(f"{where}: {first!r} is not of the form '# Figure N: <caption>'")
                later = [ln for ln in text.split("\n")[1:] if MARKER.match(ln.rstrip())]
                if later:
                    problems.append(f"{where}: {later[0].rstrip()!r} must be the cell's first line")
                continue
            number, caption = int(m.group(1)), m.group(2).strip()
            why = caption_problem(number, caption)
            if why is not None:
                problems.append(f"{where}: '# Figure {number}: {caption}' - {why}")
                continue
            owner = CHAPTER_OF_FIGURE.get(number)
            if owner is not None and _chapter_number(path.name) != owner:
                problems.append(f"{where}: draws Figure {number}, which belongs to chapter {CHAPTER_FILES[owner]}")
                continue
            found.setdefault(number, []).append((path.name, index))
    for number in sorted(FIGURES):
        if number not in found:
            home = CHAPTER_FILES[CHAPTER_OF_FIGURE[number]]
            problems.append(f"Figure {number} ({FIGURES[number]}) is drawn by no cell; it belongs in {home}")
    return found, problems


def figure_map(folder: Path = NOTEBOOKS) -> dict[int, tuple[str, int]]:
    """Figure -> (notebook, cell index) of the first cell that draws it."""
    found, _ = scan(folder)
    return {n: cells[0] for n, cells in sorted(found.items())}


# =========================================================================== the workbook itself
def test_every_chapter_notebook_exists() -> None:
    missing = [name for name in CHAPTER_FILES if not (NOTEBOOKS / name).is_file()]
    assert not missing, "missing chapter notebooks: " + ", ".join(missing)


def test_all_36_figures_are_drawn_in_their_chapters() -> None:
    _, problems = scan(NOTEBOOKS)
    assert not problems, f"{len(problems)} figure problem(s):\n" + "\n".join(problems)


def _pinned_text_only(cell: dict) -> bool:
    """A cell marked ``# NBVAL_CHECK_OUTPUT`` keeps its printed text (and an execution count, without
    which nbval refuses to compare): nbval checks the value on every run - a status code, a token.
    Pictures and widgets are never committed."""
    source = cell.get("source", "")
    text = "".join(source) if isinstance(source, list) else source
    if "# NBVAL_CHECK_OUTPUT" not in text:
        return False
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream" and out.get("name") == "stdout":
            continue
        if out.get("output_type") == "execute_result" and set(out.get("data", {})) <= {"text/plain"}:
            continue
        return False
    return True


def test_notebooks_are_committed_without_outputs() -> None:
    dirty = []
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for index, cell in enumerate(nb.get("cells", [])):
            if cell.get("cell_type") != "code" or _pinned_text_only(cell):
                continue
            if cell.get("outputs") or cell.get("execution_count") is not None:
                dirty.append(f"{path.name} cell {index}")
    assert not dirty, "cells committed with outputs (clear them): " + ", ".join(dirty)


def test_library_chapter_map_agrees() -> None:
    """The map the start page and the README show (mip6lab.workbook.intro.CHAPTERS) is this one."""
    assert [c.notebook for c in CHAPTERS] == CHAPTER_FILES
    for c in CHAPTERS:
        assert c.figures == FIGURES_OF_CHAPTER.get(c.number, ()), c.notebook
    assert sorted(CHAPTER_OF_FIGURE) == list(range(1, 37))


def test_captions_are_the_white_papers() -> None:
    if not WHITE_PAPER.is_file():
        pytest.skip("the white paper is not next to this checkout")
    text = WHITE_PAPER.read_text(encoding="utf-8")
    for number, caption in FIGURES.items():
        assert re.search(rf"Figure {number}\s+{re.escape(caption)}\s*$", text, re.MULTILINE), number


# =========================================================================== the scanner
def _write_nb(path: Path, cells: list[str]) -> None:
    nb = {
        "cells": [
            {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": src}
            for src in cells
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(nb), encoding="utf-8")


def test_scanner_maps_figures_and_reports_each_kind_of_problem(tmp_path: Path) -> None:
    _write_nb(
        tmp_path / "03-messages-and-options.ipynb",
        [
            "x = 1",
            "# Figure 2: Structure of the Mobility extension header\nshow()",
            "# Figure 3: The structure of Home Address destination option\nshow()",  # Figure 4's caption
            "# Figure 13: The Return Routability procedure\nshow()",  # belongs to chapter 7
            "#Figure 5 - HAAD\nshow()",  # malformed
            "# Figure 4: The structure of the Home Address destination option\nshow()",  # reworded: fine
            "# NBVAL_CHECK_OUTPUT\n# Figure 6: The structure of the ICMPv6 Home Agent Address Discovery Reply message",
        ],
    )
    found, problems = scan(tmp_path)
    assert found[2] == [("03-messages-and-options.ipynb", 1)]
    assert found[4] == [("03-messages-and-options.ipynb", 5)]
    assert 3 not in found and 13 not in found
    text = "\n".join(problems)
    assert "cell 2: '# Figure 3: The structure of Home Address destination option' - that is Figure 4's" in text
    assert "cell 3: draws Figure 13, which belongs to chapter 07-return-routability.ipynb" in text
    assert "cell 4: '#Figure 5 - HAAD' is not of the form" in text
    assert "cell 6: '# Figure 6: The structure of the ICMPv6 Home Agent" in text and "must be the cell's first" in text
    missing = [p for p in problems if "is drawn by no cell" in p]
    assert len(missing) == 34  # every figure but 2 and 4
    assert any(p.startswith("Figure 13 (The Return Routability procedure) is drawn by no cell") for p in missing)


def test_caption_matching() -> None:
    assert caption_problem(27, FIGURES[27]) is None
    assert caption_problem(27, "ICMPv6 Mobile Prefix Advertisement message sent from the home agent") is None
    assert caption_problem(1, "Components of Mobile IPv6 (the running lab)") is None
    assert "Figure 26's caption" in (caption_problem(27, FIGURES[26] + ".") or "")
    assert caption_problem(40, "anything") is not None
    assert caption_problem(9, "A picture of something else") is not None


def test_readme_lists_the_chapters() -> None:
    from mip6lab.workbook.intro import chapter_table_markdown

    assert chapter_table_markdown() in (REPO / "README.md").read_text(encoding="utf-8")
