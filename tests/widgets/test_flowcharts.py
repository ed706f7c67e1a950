"""Figures 35/36 as one step table each; the drawn path follows real runs of the algorithms."""

from __future__ import annotations

import re

import pytest

from mip6lab.lab import Lab
from mip6lab.widgets.flowcharts import (
    RECEIVE_STEPS,
    SEND_STEPS,
    flowchart_svg,
    path_edges,
    step_by_key,
    terminal_of,
)


@pytest.mark.parametrize(("table", "n"), [(SEND_STEPS, 19), (RECEIVE_STEPS, 12)])
def test_tables_are_complete_and_consistent(table: tuple, n: int) -> None:
    keys = [s.key for s in table]
    assert sorted(k for k in keys if isinstance(k, int)) == list(range(1, n + 1))
    assert len(set(keys)) == len(keys)
    assert len({s.pos for s in table}) == len(table)  # no two boxes on one grid cell
    for s in table:
        assert s.kind in ("decision", "action", "terminal")
        assert all(t in keys for _, t in s.edges)
        if s.kind == "terminal" and s.key != "start":
            assert not s.edges


def test_white_paper_texts() -> None:
    assert step_by_key("send", 2).text.endswith("go to step 13.")
    assert "Type 2 Routing header" in step_by_key("send", 4).text
    assert "Home Address option" in step_by_key("receive", 8).text
    assert step_by_key("send", 99) is None
    with pytest.raises(ValueError):
        step_by_key("forward", 1)


@pytest.mark.parametrize("scenario", ["ping", "tcp-transfer", "tcp-breaks-without-mip6"])
def test_every_real_transition_is_an_arrow_of_the_figure(scenario: str) -> None:
    lab = Lab(scenario)
    lab.run()
    assert lab.trace.runs
    for run in lab.trace.runs:
        nums = run.step_numbers
        edges = path_edges(run.algorithm, nums)
        missing = [(a, b) for a, b in zip(nums, nums[1:], strict=False) if (a, b) not in edges]
        assert not missing, (run.algorithm, run.node, nums, missing)


def test_svg_marks_visited_current_and_taken_edges() -> None:
    path = [1, 2, 13, 14, 15, 3, 5, 6, 7, 16, 17, 19, "end"]
    svg = flowchart_svg("send", path, 17)
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert re.search(r'class="box visited current" data-step="17"', svg)
    visited = set(re.findall(r'class="box visited[^"]*" data-step="([^"]+)"', svg))
    assert visited == {str(k) for k in path}
    taken = set(re.findall(r'class="edge taken" data-from="([^"]+)" data-to="([^"]+)"', svg))
    assert ("2", "13") in taken and ("15", "3") in taken and ("19", "end") in taken and ("start", "1") in taken
    assert ("3", "4") not in taken


def test_terminals() -> None:
    assert terminal_of("send", [1, 2, 16, 17, 19], ["", "", "", "", ""]) == "end"
    assert terminal_of("send", [1, 2, 16, 18], ["", "", "", ""]) is None
    assert terminal_of("receive", [1], ["no: router forwards"]) == "not-ours"
    assert terminal_of("receive", [1, 2, 3, 8, 9, 10], [""] * 6) == "end"
    assert terminal_of("receive", [1, 2, 3, 8, 9, 11], [""] * 5 + ["no listener: TCP reset sent"]) == "no-app"
