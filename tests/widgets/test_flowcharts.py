"""Figures 35/36 as one step table each; the drawn path follows real runs of the algorithms."""

from __future__ import annotations

import re

import pytest

from mip6lab.lab import Lab
from mip6lab.scenarios import Scenario
from mip6lab.topology import figure1
from mip6lab.widgets.flowcharts import (
    IMPLIED,
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


def _check_transitions(lab: Lab) -> set[tuple[str, tuple[int, ...]]]:
    assert lab.trace.runs
    paths = set()
    for run in lab.trace.runs:
        nums = run.step_numbers
        edges = path_edges(run.algorithm, nums)
        missing = [
            (a, b)
            for a, b in zip(nums, nums[1:], strict=False)
            if (a, b) not in edges and (run.algorithm, a, b) not in IMPLIED
        ]
        assert not missing, (run.algorithm, run.node, nums, missing)
        paths.add((run.algorithm, tuple(nums)))
    return paths


@pytest.mark.parametrize("scenario", ["ping", "tcp-transfer", "tcp-breaks-without-mip6"])
def test_every_real_transition_is_an_arrow_of_the_figure(scenario: str) -> None:
    lab = Lab(scenario)
    lab.run()
    _check_transitions(lab)


def test_every_mobile_ipv6_transition_is_an_arrow_of_the_figure() -> None:
    """With the real roles: tunnels both ways, return routability, route optimization, home again."""
    pytest.importorskip("mip6lab.mobility.home_agent")

    def setup(lab: Lab) -> None:
        lab.at(3.0, lambda: lab.move("mn", "foreign1"))
        lab.at(4.0, lambda: lab.tcp_stream("cn", "mn", rate=5.0, duration=12.0))
        lab.at(9.0, lambda: lab.ping("mn", "hn", count=2))
        lab.at(12.0, lambda: lab.move("mn", "foreign2"))
        lab.at(18.0, lambda: lab.move("mn", "home"))

    lab = Lab(Scenario("widgets-mip6", "", setup, duration=24.0, mobility=True), topology=figure1())
    lab.run()
    paths = _check_transitions(lab)
    sends = {p for a, p in paths if a == "send"}
    receives = {p for a, p in paths if a == "receive"}
    assert any(4 in p for p in sends) and any(9 in p for p in sends)  # RH2 and HAO
    assert any(12 in p for p in sends)  # reverse tunnel
    assert any(7 in p and 3 in p for p in receives)  # tunnelled from the home agent


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
