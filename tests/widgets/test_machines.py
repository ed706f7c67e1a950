"""The state machines (issue 9): defined as data, followed by every scenario, traced, and drawn."""

from __future__ import annotations

import re
from ipaddress import IPv6Address

import pytest

from mip6lab.lab import Lab, LabError
from mip6lab.mobility.bul import BindingUpdateListEntry
from mip6lab.mobility.machines import (
    HOME_REGISTRATION,
    LOCATION,
    MACHINES,
    BULEntryEvent,
    BULEntryState,
    HomeRegistrationEvent,
    HomeRegistrationState,
    Location,
    LocationEvent,
    MachineRecorder,
    StateMachine,
)
from mip6lab.mobility.mobile_node import MobileNodeRole
from mip6lab.scenarios import SCENARIOS
from mip6lab.widgets.machines import POSITIONS, machine_history, machine_html, machine_svg, machine_view


def test_tables_name_only_their_own_states_and_every_state_is_placed() -> None:
    for m in MACHINES.values():
        for t in m.transitions:
            assert isinstance(t.source, m.states) and isinstance(t.target, m.states) and t.event and t.rfc
            assert t.on and all(isinstance(e, m.events) for e in t.on)  # taken on events of its own machine
            assert all(m.next(t.source, e) is t for e in t.on)  # (state, event) -> exactly this transition
        assert len({(t.source, t.target) for t in m.transitions}) == len(m.transitions)  # no duplicates
        assert set(POSITIONS[m.name]) == {str(s) for s in m.states}
        assert len(set(POSITIONS[m.name].values())) == len(m.states)  # no two states on one spot


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("scenario", sorted(s for s, v in SCENARIOS.items() if v.mobility))
def test_no_scenario_fires_an_event_its_machine_refuses(scenario: str, seed: int) -> None:
    lab = Lab(scenario, seed=seed)
    lab.run()
    for node in lab.nodes.values():
        if isinstance(node.role, MobileNodeRole):
            assert node.role.machines.errors == [], node.role.machines.errors[:3]
            assert all(r.known for r in node.role.machines.records)
    assert not [e for e in lab.trace.events if e.category == "error" and "transition table" in e.message]


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


def test_a_machine_fires_events_by_its_table_and_reports_a_refused_one() -> None:
    seen, refused, clock = [], [], [1.0]
    rec = MachineRecorder(emit=seen.append, refuse=refused.append, clock=lambda: clock[0])
    loc = StateMachine(LOCATION, rec)
    assert loc.state is Location.UNKNOWN
    assert loc.fire(LocationEvent.HOME_PREFIX) is Location.HOME
    clock[0] = 2.0
    loc.fire(LocationEvent.DETACHED)
    clock[0] = 3.0
    assert loc.fire(LocationEvent.HOME_PREFIX) is Location.DETACHED  # detached + home prefix: not in the table
    assert [(r.time, str(r.source), str(r.target), r.fired, r.known) for r in seen] == [
        (1.0, "unknown", "home", LocationEvent.HOME_PREFIX, True),
        (2.0, "home", "detached", LocationEvent.DETACHED, True),
    ]
    assert rec.errors == refused and [(str(r.source), r.fired, r.known) for r in refused] == [
        ("detached", LocationEvent.HOME_PREFIX, False)
    ]
    entry = BindingUpdateListEntry(IPv6Address("2001:db8::1"), IPv6Address("2001:db8:1::2"))
    assert rec.fire_entry(entry, BULEntryEvent.ACCEPTED) is BULEntryState.NEW and len(rec.errors) == 2
    for event in (BULEntryEvent.BU_SENT, BULEntryEvent.ACCEPTED, BULEntryEvent.REMOVED):
        rec.fire_entry(entry, event)
    assert entry.state is BULEntryState.REMOVED
    assert [str(r.target) for r in seen[2:]] == ["sent", "acknowledged", "removed"]
    assert seen[-1].instance == "2001:db8::1 / 2001:db8:1::2"


def test_transitions_are_recorded_only_while_tracing_but_refusals_always() -> None:
    rec = MachineRecorder(recording=lambda: False)
    loc = StateMachine(LOCATION, rec, state="home")
    loc.fire(LocationEvent.FOREIGN_PREFIX)
    loc.fire(LocationEvent.ATTACHED)
    loc.fire(LocationEvent.HOME_PREFIX)  # unknown + home prefix: allowed
    loc.fire(LocationEvent.FOREIGN_PREFIX)  # home + foreign prefix: allowed
    assert loc.state is Location.FOREIGN and rec.records == [] and rec.errors == []
    loc.fire(BULEntryEvent.BU_SENT)  # another machine's event
    assert loc.state is Location.FOREIGN and len(rec.errors) == 1


def test_a_refused_event_in_a_lab_is_traced_as_an_error() -> None:
    lab = Lab("first-foreign-link")
    lab.run()
    mn = lab.role("mn", MobileNodeRole)
    assert mn.home_registration.state is HomeRegistrationState.REGISTERED
    mn.home_registration.machine.fire(HomeRegistrationEvent.DEREGISTER)  # allowed: registered -> deregistering
    mn.home_registration.machine.fire(HomeRegistrationEvent.ACCEPTED)  # not from deregistering
    assert mn.home_registration.outstanding_dereg
    errors = [e for e in lab.trace.events if e.category == "error" and e.node == "mn"]
    assert [e.message for e in errors] == [
        "home registration: event accepted is not in the transition table for state deregistering"
    ]
    assert mn.machines.state_of("home registration") is HomeRegistrationState.DEREGISTERING


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
    assert "<td>unknown → foreign</td><td>foreign prefix</td>" in html  # the legend names the event
    assert machine_view(lab, "mn", "location").value == html
    with pytest.raises(LabError, match="not a mobile node"):
        machine_view(lab, "cn", "location")
    with pytest.raises(LabError, match=r"unknown machine 'bul' \(machines: location, home registration, "):
        machine_view(lab, "mn", "bul")
