"""Figures 35/36 are defined once (mip6lab.ipv6.steps) and real runs of the algorithms follow them:
every recorded step carries the table's label, and every move from one step to the next is an
arrow of the figure (or a transition the table lists as implied)."""

from __future__ import annotations

from functools import cache

import pytest

from mip6lab.ipv6.steps import (
    IMPLIED,
    RECEIVE,
    RECEIVE_ALGORITHM,
    SEND,
    SEND_ALGORITHM,
    AlgorithmStep,
    algorithm_steps,
    edges_of,
    receive_step,
    send_step,
)
from mip6lab.lab import Lab
from mip6lab.scenarios import Scenario
from mip6lab.topology import figure1
from mip6lab.trace import AlgorithmRun, Step

SCENARIOS = [
    "ping",
    "return-routability",
    "route-optimized-data",
    "non-mipv6-cn",
    "both-away",
    "tunneled-data",
    "tcp-transfer",
    "tcp-breaks-without-mip6",
]


@cache
def ran(name: str) -> Lab:
    lab = Lab(name)
    lab.run()
    return lab


@pytest.mark.parametrize(
    ("algorithm", "table", "n"), [("send", SEND_ALGORITHM, 19), ("receive", RECEIVE_ALGORITHM, 12)]
)
def test_tables_are_complete_and_consistent(algorithm: str, table: tuple[AlgorithmStep, ...], n: int) -> None:
    keys = [s.key for s in table]
    assert sorted(k for k in keys if isinstance(k, int)) == list(range(1, n + 1))
    assert len(set(keys)) == len(keys)
    assert keys[0] == "start" and "end" in keys
    for s in table:
        assert s.kind in ("decision", "action", "terminal")
        assert s.short and s.text
        assert all(t in keys for _, t in s.edges)
        if s.kind == "terminal":
            assert (s.key == "start") == bool(s.edges)
        else:
            assert s.edges and isinstance(s.key, int)
        if len(s.edges) > 1:  # a fork: its branches are told apart by their labels
            assert s.kind == "decision" and all(label for label, _ in s.edges)
    assert all(a in keys and b in keys for (alg, a, b) in IMPLIED if alg == algorithm)


def test_white_paper_texts_and_lookups() -> None:
    assert SEND[2].text.endswith("go to step 13.")
    assert SEND[12].text.endswith("Go to step 1.")
    assert "Type 2 Routing header" in SEND[4].text and "Home Address option" in SEND[9].text
    assert "Home Address option" in RECEIVE[8].text
    assert RECEIVE[11].text.count("\n\n") == 1  # the paper's two paragraphs
    assert algorithm_steps("send") is SEND_ALGORITHM and algorithm_steps("receive") is RECEIVE_ALGORITHM
    assert (8, 12) in edges_of("send") and (2, 13) in edges_of("send") and (9, "param-problem") in edges_of("receive")
    with pytest.raises(ValueError):
        algorithm_steps("forward")


def test_step_helpers_record_the_table_label() -> None:
    run = AlgorithmRun(1, "send", "mn", 0.0, None)
    send_step(run, 6, "no")
    send_step(run, 16, "REACHABLE", next_hop="fe80::1")
    assert [(s.number, s.name, s.decision) for s in run.steps] == [
        (6, SEND[6].short, "no"),
        (16, SEND[16].short, "REACHABLE"),
    ]
    assert run.steps[1].inputs == {"next_hop": "fe80::1"}
    rx = AlgorithmRun(2, "receive", "cn", 0.0, None)
    receive_step(rx, 9, "Next Header 58: ICMPv6")
    assert rx.steps[0].name == RECEIVE[9].short


def check_runs(lab: Lab) -> dict[str, set[int]]:
    """Every step a run recorded has the table's label for its number; every consecutive pair is an
    arrow of the figure or an IMPLIED transition. Returns the step numbers seen per algorithm."""
    assert lab.trace.runs
    seen: dict[str, set[int]] = {"send": set(), "receive": set()}
    for run in lab.trace.runs:
        table = SEND if run.algorithm == "send" else RECEIVE
        arrows = edges_of(run.algorithm)
        wrong = [(s.number, s.name) for s in run.steps if s.name != table[s.number].short]
        assert not wrong, (run.algorithm, run.node, wrong)
        nums = run.step_numbers
        missing = [
            (a, b)
            for a, b in zip(nums, nums[1:], strict=False)
            if (a, b) not in arrows and (run.algorithm, a, b) not in IMPLIED
        ]
        assert not missing, (run.algorithm, run.node, nums, missing)
        seen[run.algorithm].update(nums)
    return seen


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_real_runs_follow_the_table(scenario: str) -> None:
    check_runs(ran(scenario))


def test_the_scenarios_visit_every_step() -> None:
    seen: dict[str, set[int]] = {"send": set(), "receive": set()}
    for name in SCENARIOS:
        for algorithm, nums in check_runs(ran(name)).items():
            seen[algorithm] |= nums
    assert seen["send"] == set(range(1, 20))
    assert seen["receive"] == set(range(1, 13))


def test_every_mobile_ipv6_transition_is_an_arrow_of_the_figure() -> None:
    """With the real roles: tunnels both ways, return routability, route optimization, home again."""

    def setup(lab: Lab) -> None:
        lab.at(3.0, lambda: lab.move("mn", "foreign1"))
        lab.at(4.0, lambda: lab.tcp_stream("cn", "mn", rate=5.0, duration=12.0))
        lab.at(9.0, lambda: lab.ping("mn", "hn", count=2))
        lab.at(12.0, lambda: lab.move("mn", "foreign2"))
        lab.at(18.0, lambda: lab.move("mn", "home"))

    lab = Lab(Scenario("steps-mip6", "", setup, duration=24.0, mobility=True), topology=figure1())
    lab.run()
    paths = {(r.algorithm, tuple(r.step_numbers)) for r in lab.trace.runs}
    check_runs(lab)
    sends = {p for a, p in paths if a == "send"}
    receives = {p for a, p in paths if a == "receive"}
    assert any(4 in p for p in sends) and any(9 in p for p in sends)  # RH2 and HAO
    assert any(12 in p for p in sends)  # reverse tunnel
    assert any(7 in p and 3 in p for p in receives)  # tunnelled from the home agent


def test_recorded_steps_read_as_step_values_in_order() -> None:
    """Steps are kept as plain items until read; reading builds them once, a change to a step read
    stays, and steps recorded after a read (by the helpers or by ``step``) follow in order."""
    run = AlgorithmRun(1, "receive", "cn", 0.0, None)
    receive_step(run, 1, "yes", destination="2001:db8::1")
    receive_step(run, 11, "UDP port 9: handed to UDP", port=9)
    first = run.steps
    assert first == [
        Step(1, RECEIVE[1].short, "yes", {"destination": "2001:db8::1"}),
        Step(11, RECEIVE[11].short, "UDP port 9: handed to UDP", {"port": 9}),
    ]
    run.steps[-1].decision += "; no listener"  # what report_no_listener does
    run.step(99, "a reader's step", "x", k=1)
    receive_step(run, 12, "delivered to UDP")
    assert run.steps is first  # the same list, grown
    assert [(s.number, s.decision) for s in run.steps] == [
        (1, "yes"),
        (11, "UDP port 9: handed to UDP; no listener"),
        (99, "x"),
        (12, "delivered to UDP"),
    ]
    assert run.step_numbers == [1, 11, 99, 12]
    same = AlgorithmRun(1, "receive", "cn", 0.0, None, steps=list(run.steps))
    assert same == run and same != AlgorithmRun(2, "receive", "cn", 0.0, None)
    assert repr(same).startswith("AlgorithmRun(id=1, algorithm='receive', node='cn', time=0.0, packet=None, steps=[")
    run.steps = []
    assert run.steps == [] and run.step_numbers == []
