"""World: attachment and media-change indications, timers through actions, scripting, containment."""

from __future__ import annotations

import pytest

from mip6lab.net import World, WorldError
from mip6lab.sansio import CancelTimer, SetTimer, Transmit


def _world(fakes, strict=True):
    w = World(seed=5)
    w.strict = strict
    w.add_link("home", delay=0.001)
    w.add_link("foreign", delay=0.001)
    mn = w.add_node(fakes.FakeNode("mn", {"eth0": fakes.MAC_A}))
    ha = w.add_node(fakes.FakeNode("ha", {"eth0": fakes.MAC_B}))
    ar = w.add_node(fakes.FakeNode("ar", {"eth0": fakes.MAC_C}))
    w.attach("ha", "eth0", "home")
    w.attach("ar", "eth0", "foreign")
    return w, mn, ha, ar


def test_attach_raises_link_change_at_the_current_time(fakes):
    w, mn, ha, ar = _world(fakes)
    w.run(until=1.5)
    w.attach("mn", "eth0", "home")
    assert mn.link_changes == []  # an event, not a nested call
    w.run(until=1.5)
    assert mn.link_changes == [(1.5, "eth0", True)]
    assert w.link_of("mn", "eth0") == "home"
    assert w.trace.events_for("mn", "link")[0].message == "eth0 attached to home"


def test_move_is_detach_then_attach_and_changes_who_hears_the_node(fakes):
    w, mn, ha, ar = _world(fakes)
    w.attach("mn", "eth0", "home")
    w.at(3.0, lambda: w.move("mn", "eth0", "foreign"))
    w.at(4.0, lambda n: n.send("eth0", fakes.BCAST, b"after move"), node_name="mn")
    w.run(until=10)
    assert mn.link_changes == [(0.0, "eth0", True), (3.0, "eth0", False), (3.0, "eth0", True)]
    assert w.link_of("mn", "eth0") == "foreign"
    assert ha.rx == [] and [f[14:] for _, _, f in ar.rx] == [b"after move"]
    assert ar.rx[0][0] == pytest.approx(4.001)


def test_frames_in_flight_to_a_detached_interface_are_lost(fakes):
    w, mn, ha, ar = _world(fakes)
    w.attach("mn", "eth0", "home")
    w.run_until_idle()
    w.call("ha", lambda n: n.send("eth0", fakes.MAC_A, b"too late"))
    w.detach("mn", "eth0")
    w.run_until_idle()
    assert mn.rx == []
    assert w.capture[0].receivers == ("mn",)  # it was accepted when it went on the wire
    assert mn.link_changes[-1] == (0.0, "eth0", False)
    assert w.link_of("mn", "eth0") is None


def test_sending_while_detached_goes_nowhere(fakes):
    w, mn, ha, ar = _world(fakes)
    w.call("mn", lambda n: n.send("eth0", fakes.BCAST))
    w.run_until_idle()
    assert len(w.capture) == 0 and w.unattached_drops == 1 and w.errors == []


def test_attachment_misuse_raises(fakes):
    w, mn, ha, ar = _world(fakes)
    with pytest.raises(WorldError):
        w.attach("ha", "eth0", "foreign")  # already on home: use move()
    with pytest.raises(WorldError):
        w.attach("nobody", "eth0", "home")
    with pytest.raises(WorldError):
        w.attach("mn", "wlan9", "home")
    with pytest.raises(WorldError):
        w.attach("mn", "eth0", "nowhere")
    with pytest.raises(WorldError):
        w.detach("mn", "eth0")
    with pytest.raises(WorldError):
        w.add_link("home")
    with pytest.raises(WorldError):
        w.add_node(fakes.FakeNode("mn", {}))


def test_timer_set_restart_cancel_through_actions(fakes):
    w, mn, ha, ar = _world(fakes)
    w.call("mn", lambda n: n.set_timer(("tick", 1), 2.0))
    w.call("mn", lambda n: n.set_timer(("tick", 2), 3.0))
    w.call("mn", lambda n: n.set_timer(("tick", 3), 4.0))
    w.run(until=1.0)
    w.call("mn", lambda n: n.set_timer(("tick", 1), 5.0))  # restart: fires once, later
    w.call("mn", lambda n: n.cancel_timer(("tick", 2)))
    w.run_until_idle()
    assert mn.fired == [(4.0, ("tick", 3)), (5.0, ("tick", 1))]
    assert w.sim.pending == 0


def test_world_timer_table_follows_raw_actions(fakes):
    """perform() works with bare action lists too (a node need not be a SansIONode to be driven)."""
    w, mn, ha, ar = _world(fakes)
    w.run_until_idle()
    mn.timers[("tick", 9)] = 1.0
    w.perform(mn, [SetTimer(("tick", 9), 1.0), SetTimer(("tick", 9), 1.0)])
    assert w.sim.pending == 1  # the second SetTimer replaced the first
    w.perform(mn, [CancelTimer(("tick", 9))])
    assert w.sim.pending == 0
    w.perform(mn, [CancelTimer(("tick", "never-set"))])  # harmless


def test_timer_in_the_past_fires_now(fakes):
    w, mn, ha, ar = _world(fakes)
    w.run(until=2.0)
    w.call("mn", lambda n: n.set_timer(("tick", 0), 1.0))
    w.run_until_idle()
    assert mn.fired == [(2.0, ("tick", 0))]


def test_call_returns_the_result_and_performs_emitted_actions(fakes):
    w, mn, ha, ar = _world(fakes)
    w.run(until=0.5)
    seen = []
    assert w.call("ha", lambda n: (seen.append(n.now), 42)[1]) == 42
    assert seen == [0.5]
    w.call("ha", lambda n: n.send("eth0", fakes.BCAST))
    assert len(w.capture) == 1


def test_node_exception_is_contained_when_not_strict(fakes):
    w, mn, ha, ar = _world(fakes, strict=False)
    w.attach("mn", "eth0", "home")
    mn.fail = True
    w.call("ha", lambda n: n.send("eth0", fakes.MAC_A, b"boom"))
    w.call("ha", lambda n: n.set_timer(("tick", 1), 1.0))
    w.run_until_idle()
    assert ha.fired == [(1.0, ("tick", 1))]  # the world went on
    assert [(e.node, e.entry) for e in w.errors] == [("mn", "handle_frame")]
    ev = w.trace.events_for("mn", "error")
    assert len(ev) == 1 and "fails on purpose" in ev[0].message and "Traceback" in ev[0].details["traceback"]
    assert len(w.capture) == 1  # the half-done broadcast was discarded
    assert mn.drain() == []


def test_node_exception_propagates_when_strict(fakes):
    w, mn, ha, ar = _world(fakes, strict=True)
    w.attach("mn", "eth0", "home")
    mn.fail = True
    w.call("ha", lambda n: n.send("eth0", fakes.MAC_A, b"boom"))
    with pytest.raises(RuntimeError, match="fails on purpose"):
        w.run_until_idle()
    assert len(w.errors) == 1


def test_errors_in_scripts_calls_and_actions_are_contained(fakes):
    w, mn, ha, ar = _world(fakes, strict=False)
    w.at(1.0, lambda: 1 / 0)
    w.at(2.0, lambda n: n.no_such_method(), node_name="ha")
    w.run_until_idle()
    w.perform(ha, ["not an action"])  # type: ignore[list-item]
    w.perform(ha, [Transmit("eth7", b"\x00" * 20)])
    w.perform(ha, [Transmit("eth0", b"\x00" * 5)])  # runt
    assert [(e.time, e.node, e.entry) for e in w.errors] == [
        (1.0, "world", "at"),
        (2.0, "ha", "call"),
        (2.0, "ha", "perform"),
        (2.0, "ha", "perform"),
        (2.0, "ha", "perform"),
    ]
    assert isinstance(w.errors[0].exception, ZeroDivisionError)


def test_link_change_exception_is_contained(fakes):
    w, mn, ha, ar = _world(fakes, strict=False)

    def broken(now, ifname, attached):
        raise ValueError("bad link change")

    mn.handle_link_change = broken
    w.attach("mn", "eth0", "home")
    w.run_until_idle()
    assert [(e.node, e.entry) for e in w.errors] == [("mn", "handle_link_change")]


def test_inject_reaches_every_accepting_interface(fakes):
    w, mn, ha, ar = _world(fakes)
    w.attach("mn", "eth0", "home")
    w.run_until_idle()
    w.inject("home", fakes.eth_frame(fakes.BCAST, "02:66:66:66:66:66", b"forged"), trace_id=7)
    w.run_until_idle()
    assert len(mn.rx) == 1 and len(ha.rx) == 1 and ar.rx == []
    rec = w.capture[-1]
    assert (rec.sender, rec.receivers, rec.trace_id, rec.src_mac) == (
        "inject",
        ("ha", "mn"),
        7,
        "02:66:66:66:66:66",
    )
    with pytest.raises(WorldError):
        w.inject("home", b"short")
    with pytest.raises(WorldError):
        w.inject("nowhere", b"\x00" * 14)


def test_step_describes_each_event_and_returns_none_when_idle(fakes):
    w, mn, ha, ar = _world(fakes)
    w.attach("mn", "eth0", "home")
    w.call("ha", lambda n: (n.send("eth0", fakes.MAC_A), n.set_timer(("tick", 1), 0.5)))
    w.at(0.7, lambda: None)
    steps = []
    while (d := w.step()) is not None:
        steps.append(d)
    assert "ha:eth0 link up" in steps[0]
    assert any("home: 14-byte frame delivered to mn:eth0" in s and s.startswith("t=0.001000s") for s in steps)
    assert any("ha: timer ('tick', 1) expired" in s for s in steps)
    assert "scripted action" in steps[-1]
    assert w.step() is None


def test_run_until_sets_the_clock_and_leaves_later_events(fakes):
    w, mn, ha, ar = _world(fakes)
    w.call("mn", lambda n: n.set_timer(("tick", 1), 5.0))
    w.run(until=2.0)
    assert w.now == 2.0 and mn.fired == [] and w.sim.pending == 1
    w.run(until=5.0)
    assert mn.fired == [(5.0, ("tick", 1))]


def test_world_hands_its_trace_to_nodes_that_want_one(fakes):
    w = World()
    n = fakes.FakeNode("n", {})
    n.trace = None
    w.add_node(n)
    assert n.trace is w.trace


def test_frames_in_flight_reach_an_interface_that_left_and_came_back(fakes):
    """A receiver that detaches and attaches again before the frame arrives gets it (membership is
    looked up on arrival whenever the link lost an end meanwhile); the others' frames are untouched."""
    w, mn, ha, ar = _world(fakes)
    w.attach("mn", "eth0", "home")
    w.run_until_idle()
    w.call("ha", lambda n: n.send("eth0", fakes.MAC_A, b"in flight"))
    w.detach("mn", "eth0")
    w.attach("mn", "eth0", "home")
    w.run_until_idle()
    assert [f[14:] for _, _, f in mn.rx] == [b"in flight"]
    w.call("ha", lambda n: n.send("eth0", fakes.MAC_A, b"no change"))
    w.run_until_idle()
    assert [f[14:] for _, _, f in mn.rx] == [b"in flight", b"no change"]


def test_transmit_follows_the_interface_to_its_new_link(fakes):
    """The World's per-node table of ends follows move(): frames go out on the link the interface is
    on now, and nowhere once it is detached."""
    w, mn, ha, ar = _world(fakes)
    w.attach("mn", "eth0", "home")
    w.run_until_idle()
    w.perform(mn, [Transmit("eth0", fakes.eth_frame(fakes.BCAST, fakes.MAC_A, b"on home"))])
    w.move("mn", "eth0", "foreign")
    w.perform(mn, [Transmit("eth0", fakes.eth_frame(fakes.BCAST, fakes.MAC_A, b"on foreign"))])
    w.detach("mn", "eth0")
    w.perform(mn, [Transmit("eth0", fakes.eth_frame(fakes.BCAST, fakes.MAC_A, b"nowhere"))])
    w.run_until_idle()
    assert [f[14:] for _, _, f in ha.rx] == [b"on home"]
    assert [f[14:] for _, _, f in ar.rx] == [b"on foreign"]
    assert w.unattached_drops == 1


def test_actions_are_frozen_values():
    """Transmit, SetTimer and CancelTimer (built without dataclass's __init__) are still immutable,
    compare and hash by value, and reject wrong arguments naming the class."""
    import dataclasses

    t = Transmit("eth0", b"frame")
    assert t == Transmit(ifname="eth0", frame=b"frame", trace_id=0) and t.trace_id == 0
    assert hash(t) == hash(Transmit("eth0", b"frame", 0)) and t != Transmit("eth0", b"frame", 1)
    assert dataclasses.replace(t, trace_id=7) == Transmit("eth0", b"frame", 7)
    assert repr(SetTimer(("nud", 1), 2.5)) == "SetTimer(key=('nud', 1), at=2.5)"
    assert CancelTimer("k") == CancelTimer(key="k") != CancelTimer("j")
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.frame = b"other"  # type: ignore[misc]
    with pytest.raises(TypeError, match="Transmit.__init__"):
        Transmit("eth0")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="SetTimer.__init__"):
        SetTimer("k", 1.0, when=2)  # type: ignore[call-arg]


def test_restarted_timers_fire_once_at_their_last_time_earlier_or_later(fakes):
    """A timer set again (later: the kernel postpones its event; earlier: a new event) fires once, at the
    last time it was given, in the order the SetTimers were performed when two fall due together."""
    w, mn, ha, ar = _world(fakes)
    w.run(until=0.5)  # the attachments' link changes
    w.call("mn", lambda n: n.set_timer(("tick", 1), 2.0))
    w.call("mn", lambda n: n.set_timer(("tick", 2), 2.0))
    w.call("mn", lambda n: n.set_timer(("tick", 1), 3.0))  # later
    w.call("mn", lambda n: n.set_timer(("tick", 1), 2.5))  # earlier than that
    w.call("mn", lambda n: n.set_timer(("tick", 2), 2.5))  # later, set after t1's last: fires after it
    assert w.sim.pending == 2
    w.run_until_idle()
    assert mn.fired == [(2.5, ("tick", 1)), (2.5, ("tick", 2))]
    assert w.sim.pending == 0 and w._timers == {}


def test_links_count_receptions_once_per_receiver(fakes):
    w, mn, ha, ar = _world(fakes)
    w.attach("mn", "eth0", "home")
    w.move("ar", "eth0", "home")
    w.run_until_idle()
    home = w.links["home"]
    w.call("ha", lambda n: n.send("eth0", fakes.BCAST, b"to all"))  # mn and ar, not the sender
    w.run_until_idle()
    assert (home.frames_sent, home.frames_delivered) == (1, 2)
    w.call("ha", lambda n: n.send("eth0", fakes.BCAST, b"one leaves"))
    w.detach("mn", "eth0")  # while the frame is in flight: only ar receives it
    w.run_until_idle()
    assert (home.frames_sent, home.frames_delivered) == (2, 3) and len(ar.rx) == 2
