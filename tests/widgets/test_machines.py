"""The state machines (issue 9): defined as data, followed by every scenario, traced, and drawn."""

from __future__ import annotations

import re

import pytest

from mip6lab.lab import Lab, LabError
from mip6lab.mobility.machines import (
    BUL_ENTRY,
    HOME_REGISTRATION,
    LOCATION,
    MACHINES,
    HomeRegistrationState,
    Location,
    MachineRecorder,
)
from mip6lab.mobility.mobile_node import MobileNodeRole
from mip6lab.scenarios import SCENARIOS
from mip6lab.widgets.machines import POSITIONS, machine_history, machine_html, machine_svg, machine_view


def test_tables_name_only_their_own_states_and_every_state_is_placed() -> None:
    for m in MACHINES.values():
        for t in m.transitions:
            assert isinstance(t.source, m.states) and isinstance(t.target, m.states) and t.event and t.rfc
        assert len({(t.source, t.target) for t in m.transitions}) == len(m.transitions)  # no duplicates
        assert set(POSITIONS[m.name]) == {str(s) for s in m.states}
        assert len(set(POSITIONS[m.name].values())) == len(m.states)  # no two states on one spot


@pytest.mark.parametrize("scenario", sorted(s for s, v in SCENARIOS.items() if v.mobility))
def test_every_transition_a_scenario_takes_is_in_the_table(scenario: str) -> None:
    lab = Lab(scenario)
    lab.run()
    for node in lab.nodes.values():
        if isinstance(node.role, MobileNodeRole):
            unknown = [r for r in node.role.machines.records if not r.known]
            assert unknown == [], unknown[:3]


def test_a_return_home_walks_the_home_registration_and_is_traced() -> None:
    lab = Lab("returning-home")
    lab.run()
    mn = lab.role("mn")
    assert isinstance(mn, MobileNodeRole) and mn.location is Location.HOME and mn.location == "home"
    current, taken = machine_history(mn, "home registration")
    assert current is HomeRegistrationState.UNREGISTERED
    assert list(taken) == [
        ("unregistered", "registering"),
        ("registering", "registered"),
        ("registered", "deregistering"),
        ("deregistering", "unregistered"),
    ]
    states = [e for e in lab.trace.events if e.category == "state" and e.node == "mn"]
    assert any(
        e.message == "home registration: registered -> deregistering (returned home: de-registration BU)"
        for e in states
    )
    assert all(e.details["known"] for e in states)


def test_recorder_flags_a_transition_the_table_lacks_and_removes_entries() -> None:
    seen = []
    rec = MachineRecorder(emit=seen.append)
    rec.observe(1.0, [(LOCATION.name, "", Location.HOME), (BUL_ENTRY.name, "ha / hoa", BUL_ENTRY.states("sent"))])
    rec.observe(2.0, [(LOCATION.name, "", Location.DETACHED)])
    rec.observe(3.0, [(LOCATION.name, "", Location.HOME)])  # detached -> home: not in the table
    assert [(r.machine, str(r.source), str(r.target), r.known) for r in seen] == [
        ("location", "unknown", "home", True),
        ("BUL entry", "new", "sent", True),
        ("location", "home", "detached", True),
        ("BUL entry", "sent", "removed", True),
        ("location", "detached", "home", False),
    ]
    assert rec.state_of("BUL entry", "ha / hoa") == "new"  # gone from the list: back to the start


def test_svg_highlights_the_current_state_and_the_transitions_taken() -> None:
    svg = machine_svg(HOME_REGISTRATION, "registered", {("unregistered", "registering"): 2})
    assert re.search(r'<g class="state current" data-state="registered">', svg)
    assert svg.count('class="state current"') == 1
    taken = re.findall(r'<g class="transition taken" data-from="([^"]+)" data-to="([^"]+)"', svg)
    assert taken == [("unregistered", "registering")]
    assert ">1 ×2</text>" in svg  # transition 1, taken twice
    assert svg.count('class="transition') == len(HOME_REGISTRATION.transitions)


def test_view_of_a_lab_node_and_its_errors() -> None:
    lab = Lab("first-foreign-link")
    lab.run()
    html = machine_html(lab.role("mn"), "location")
    assert "now <b>foreign</b>" in html and 'data-state="foreign"' in html
    assert machine_view(lab, "mn", "location").value == html
    with pytest.raises(LabError, match="not a mobile node"):
        machine_view(lab, "cn", "location")
    with pytest.raises(LabError, match=r"unknown machine 'bul' \(machines: location, home registration, "):
        machine_view(lab, "mn", "bul")
