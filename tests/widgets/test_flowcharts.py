"""The flowcharts of Figures 35/36 are drawn from mip6lab.ipv6.steps, the table the algorithms record
their steps from (real runs against that table: tests/ipv6/test_steps.py); here, only the drawing."""

from __future__ import annotations

import html
import re

import pytest

from mip6lab.ipv6 import steps
from mip6lab.widgets.flowcharts import (
    IMPLIED,
    RECEIVE_STEPS,
    SEND_STEPS,
    flowchart_svg,
    path_edges,
    step_by_key,
    steps_for,
    terminal_of,
)


@pytest.mark.parametrize(("algorithm", "table"), [("send", SEND_STEPS), ("receive", RECEIVE_STEPS)])
def test_boxes_are_the_algorithm_steps_placed_on_a_grid(algorithm: str, table: tuple) -> None:
    assert steps_for(algorithm) is table
    defined = steps.algorithm_steps(algorithm)
    assert [(s.key, s.short, s.text, s.kind, s.edges) for s in table] == [
        (s.key, s.short, s.text, s.kind, s.edges) for s in defined
    ]
    assert len({s.pos for s in table}) == len(table)  # no two boxes on one grid cell
    assert IMPLIED is steps.IMPLIED


@pytest.mark.parametrize("algorithm", ["send", "receive"])
def test_every_label_fits_its_box(algorithm: str) -> None:
    """A box shows at most three lines: the whole label must be among them."""
    svg = flowchart_svg(algorithm)
    for s in steps_for(algorithm):
        label = f"{s.key}. {s.short}" if isinstance(s.key, int) else s.short
        box = svg[svg.index(f'data-step="{s.key}"') :].split("</g>")[0]
        drawn = "".join(html.unescape(t) for t in re.findall(r">([^<>]+)</text>", box))
        assert drawn.replace(" ", "") == label.replace(" ", ""), (algorithm, s.key)


def test_path_edges_skip_implied_transitions() -> None:
    visited = [1, 2, 3, 13, 14, 15, 4, 6]
    edges = path_edges("send", visited)
    assert ("start", 1) in edges and (2, 3) in edges and (13, 14) in edges and (4, 6) in edges
    assert (3, 13) not in edges and (15, 4) not in edges  # IMPLIED: no arrow drawn


def test_white_paper_texts() -> None:
    assert step_by_key("send", 2).text.endswith("go to step 13.")
    assert "Type 2 Routing header" in step_by_key("send", 4).text
    assert "Home Address option" in step_by_key("receive", 8).text
    assert step_by_key("send", 99) is None
    with pytest.raises(ValueError):
        step_by_key("forward", 1)


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
