"""The simulation kernel: ordering, cancel/restart, run(until), step, idle, and misuse errors."""

from __future__ import annotations

import math

import pytest

from mip6lab.sim.kernel import Livelock, SimulationError, Simulator


def test_events_run_in_time_order():
    sim = Simulator()
    log = []
    for t in (3.0, 1.0, 2.0, 0.5):
        sim.schedule(t, lambda t=t: log.append((sim.now, t)))
    sim.run()
    assert log == [(0.5, 0.5), (1.0, 1.0), (2.0, 2.0), (3.0, 3.0)]


def test_simultaneous_events_by_priority_then_scheduling_order():
    sim = Simulator()
    log = []
    sim.schedule(1.0, log.append, "p0-first")
    sim.schedule(1.0, log.append, "p5", priority=5)
    sim.schedule(1.0, log.append, "p-1", priority=-1)
    sim.schedule(1.0, log.append, "p0-second")
    sim.schedule(1.0, log.append, "p5-second", priority=5)
    sim.run()
    assert log == ["p-1", "p0-first", "p0-second", "p5", "p5-second"]


def test_event_scheduled_for_now_during_a_callback_runs_after_the_current_ones():
    sim = Simulator()
    log = []

    def first():
        log.append("first")
        sim.schedule(sim.now, log.append, "spawned")

    sim.schedule(1.0, first)
    sim.schedule(1.0, log.append, "second")
    sim.run()
    assert log == ["first", "second", "spawned"]


def test_cancel_skips_the_event():
    sim = Simulator()
    log = []
    ev = sim.schedule(1.0, log.append, "cancelled")
    sim.schedule(2.0, log.append, "kept")
    ev.cancel()
    assert sim.pending == 1
    assert sim.peek() == 2.0
    sim.run()
    assert log == ["kept"] and sim.events_run == 1


def test_restart_is_cancel_plus_reschedule():
    sim = Simulator()
    log = []
    ev = sim.schedule(1.0, log.append, "timer")
    sim.schedule(0.5, lambda: None)
    sim.run(until=0.5)
    ev.cancel()
    sim.call_later(2.0, log.append, "timer")
    sim.run()
    assert log == ["timer"] and sim.now == 2.5


def test_run_until_includes_the_boundary_and_sets_the_clock():
    sim = Simulator()
    log = []
    sim.schedule(1.0, log.append, 1)
    sim.schedule(2.0, log.append, 2)
    sim.schedule(2.0000001, log.append, 3)
    sim.run(until=2.0)
    assert log == [1, 2] and sim.now == 2.0
    sim.run(until=10.0)
    assert log == [1, 2, 3] and sim.now == 10.0
    sim.run(until=10.0)  # running to now is allowed
    assert sim.now == 10.0


def test_run_without_until_stops_at_the_last_event():
    sim = Simulator()
    sim.schedule(4.0, lambda: None)
    sim.run()
    assert sim.now == 4.0 and sim.peek() is None


def test_max_events_stops_early():
    sim = Simulator()
    log = []
    for i in range(5):
        sim.schedule(float(i), log.append, i)
    sim.run(max_events=2)
    assert log == [0, 1] and sim.pending == 3


def test_step_runs_exactly_one_event_and_returns_it():
    sim = Simulator()
    log = []
    a = sim.schedule(1.0, log.append, "a", label="A")
    dead = sim.schedule(1.5, log.append, "dead")
    sim.schedule(2.0, log.append, "b")
    dead.cancel()
    assert sim.step() is a and log == ["a"] and sim.now == 1.0 and a.label == "A"
    ev = sim.step()
    assert ev is not None and ev.args == ("b",) and sim.now == 2.0
    assert sim.step() is None and sim.now == 2.0


def test_run_until_idle_and_its_limit():
    sim = Simulator()
    ticks = []

    def tick():  # a periodic process never goes idle by itself
        ticks.append(sim.now)
        sim.call_later(1.0, tick)

    sim.schedule(0.0, tick)
    sim.run_until_idle(limit=3.5)
    assert ticks == [0.0, 1.0, 2.0, 3.0] and sim.now == 3.5
    sim2 = Simulator()
    sim2.schedule(7.0, lambda: None)
    sim2.run_until_idle()
    assert sim2.now == 7.0 and sim2.pending == 0


def test_misuse_raises_simulation_error():
    sim = Simulator()
    sim.schedule(5.0, lambda: None)
    sim.run()
    with pytest.raises(SimulationError):
        sim.schedule(4.0, lambda: None)
    with pytest.raises(SimulationError):
        sim.schedule(math.nan, lambda: None)
    with pytest.raises(SimulationError):
        sim.schedule("6", lambda: None)  # type: ignore[arg-type]
    with pytest.raises(SimulationError):
        sim.call_later(-0.1, lambda: None)
    with pytest.raises(SimulationError):
        sim.run(until=1.0)
    with pytest.raises(SimulationError):
        sim.run(until=math.nan)


def test_exceptions_in_callbacks_propagate_and_the_clock_stays_at_the_event():
    sim = Simulator()
    sim.schedule(1.0, lambda: 1 / 0)
    sim.schedule(2.0, lambda: None)
    with pytest.raises(ZeroDivisionError):
        sim.run()
    assert sim.now == 1.0 and sim.pending == 1


def test_child_rngs_are_seeded_by_name_and_independent():
    a, b = Simulator(seed=3), Simulator(seed=3)
    assert a.child_rng("link/x").random() == b.child_rng("link/x").random()
    assert a.child_rng("link/x").random() != a.child_rng("link/y").random()
    assert Simulator(seed=4).child_rng("link/x").random() != a.child_rng("link/x").random()
    assert [Simulator(seed=9).rng.random() for _ in range(2)] == [Simulator(seed=9).rng.random()] * 2


def test_cancelled_events_are_swept_from_a_big_heap_without_changing_the_order():
    """A restarted timer leaves a cancelled event behind; a big heap drops them (issue 13) and the
    live events still run in (time, priority, seq) order."""
    ran: list[int] = []
    sim = Simulator()
    events = [sim.schedule(1.0 + (i % 97) / 97, ran.append, i, priority=i % 3) for i in range(20_000)]
    for ev in events:
        if ev.seq % 10:
            ev.cancel()
    for i in range(20_000, 35_000):  # more pushes: the heap is swept on the way
        sim.schedule(2.0 + (i % 89) / 89, ran.append, i)
    assert len(sim._heap) < 20_000 and sim.pending == 2_000 + 15_000
    expected = sorted(
        [(1.0 + (i % 97) / 97, i % 3, i + 1, i) for i in range(20_000) if (i + 1) % 10 == 0]
        + [(2.0 + (i % 89) / 89, 0, i + 1, i) for i in range(20_000, 35_000)]
    )
    sim.run()
    assert ran == [e[3] for e in expected]


def test_push_numbers_and_orders_events_as_schedule_does():
    """push() (the World's unchecked schedule) takes the next sequence number: pushed and scheduled
    events due at the same time run in the order they were made, and a pushed event can be cancelled."""
    sim = Simulator()
    log = []
    sim.schedule(1.0, log.append, "scheduled-1")
    a = sim.push(1.0, log.append, ("pushed-1",))
    sim.schedule(1.0, log.append, "scheduled-2")
    sim.push(0.5, log.append, ("pushed-early",), "early")
    gone = sim.push(1.0, log.append, ("cancelled",))
    gone.cancel()
    assert (a.time, a.priority, a.seq, a.args) == (1.0, 0, 2, ("pushed-1",))
    sim.run()
    assert log == ["pushed-early", "scheduled-1", "pushed-1", "scheduled-2"]
    assert sim.events_run == 4


def test_an_event_past_until_waits_in_its_place():
    """run(until) leaves the first event past ``until`` where it was: it runs later, before anything
    scheduled after it for the same time."""
    sim = Simulator()
    log = []
    sim.schedule(2.0, log.append, "first at 2")
    sim.schedule(1.0, log.append, "at 1")
    sim.run(until=1.5)
    assert log == ["at 1"] and sim.pending == 1 and sim.now == 1.5
    sim.schedule(2.0, log.append, "second at 2")
    sim.run()
    assert log == ["at 1", "first at 2", "second at 2"]


def test_delivered_events_run_in_time_then_sequence_order_with_the_rest():
    """deliver() (frames in flight, kept in a FIFO beside the heap) numbers its events as push() does:
    merged with scheduled events they run in (time, priority, seq) order, also when one is due before a
    frame already in flight (it goes to the heap)."""
    sim = Simulator()
    log: list[str] = []
    sim.schedule(1.0, log.append, "scheduled-1.0")
    sim.deliver(1.0, log.append, ("delivered-1.0",))
    sim.push(1.0, log.append, ("pushed-1.0",))
    sim.deliver(2.0, log.append, ("delivered-2.0",))
    sim.deliver(1.5, log.append, ("delivered-1.5-late",))  # before the lane's tail: heap
    sim.schedule(0.5, log.append, "scheduled-0.5", priority=5)
    sim.deliver(2.0, log.append, ("delivered-2.0-b",))
    sim.schedule(2.0, log.append, "scheduled-2.0", priority=-1)
    assert sim.pending == 8 and sim.peek() == 0.5
    sim.run()
    assert log == [
        "scheduled-0.5",
        "scheduled-1.0",
        "delivered-1.0",
        "pushed-1.0",
        "delivered-1.5-late",
        "scheduled-2.0",
        "delivered-2.0",
        "delivered-2.0-b",
    ]
    assert sim.events_run == 8 and sim.pending == 0 and sim.peek() is None


def test_delivered_events_respect_until_max_events_step_and_the_livelock_guard():
    sim = Simulator()
    log: list[int] = []
    for i in range(5):
        sim.deliver(float(i), log.append, (i,))
    sim.run(until=2.0)
    assert log == [0, 1, 2] and sim.now == 2.0 and sim.pending == 2
    sim.run(max_events=1)
    assert log == [0, 1, 2, 3] and sim.now == 3.0
    ev = sim.step()
    assert ev is not None and (ev.time, ev.args) == (4.0, (4,)) and log == [0, 1, 2, 3, 4]
    assert sim.step() is None

    loop = Simulator()
    loop.max_events_per_instant = 50

    def again() -> None:
        loop.deliver(loop.now, again, ())

    loop.deliver(1.0, again, ())
    with pytest.raises(Livelock, match="again"):
        loop.run()


def test_postponed_events_run_where_cancel_and_push_would_put_them():
    """postpone() keeps a later-moved event's heap entry and re-files it when it comes up: the events run
    in the same order, with the same sequence numbers, as after cancel() + push() (a restarted timer)."""

    def scenario(move: str) -> tuple[list[str], int]:
        sim = Simulator()
        log: list[str] = []
        timer = sim.push(1.0, log.append, ("timer",))
        sim.push(2.0, log.append, ("other-2.0",))
        sim.deliver(1.5, log.append, ("frame-1.5",))

        def restart(at: float) -> None:
            nonlocal timer
            if move == "postpone":
                timer = sim.postpone(timer, at)
            else:
                timer.cancel()
                timer = sim.push(at, log.append, ("timer",))
            sim.push(at, log.append, (f"after-restart-{at}",))

        sim.push(0.5, restart, (2.0,))  # later: stays in the heap, re-filed at 1.0
        sim.push(0.7, restart, (3.0,))  # later again
        sim.push(0.8, restart, (2.5,))  # earlier than the last move: a new event
        sim.push(0.9, lambda: sim.schedule(2.5, log.append, "scheduled-2.5", priority=-1), ())
        assert sim.pending == 7
        sim.run()
        return log, sim._seq

    eager, eager_seq = scenario("cancel")
    lazy, lazy_seq = scenario("postpone")
    assert lazy == eager and lazy_seq == eager_seq
    assert eager == [
        "frame-1.5",
        "other-2.0",
        "after-restart-2.0",
        "scheduled-2.5",
        "timer",
        "after-restart-2.5",
        "after-restart-3.0",
    ]


def test_postpone_to_an_earlier_time_or_a_cancelled_event_makes_a_new_event():
    sim = Simulator()
    log: list[str] = []
    ev = sim.push(2.0, log.append, ("x",))
    moved = sim.postpone(ev, 1.0)
    assert moved is not ev and ev.cancelled and (moved.time, moved.seq) == (1.0, 2)
    later = sim.postpone(moved, 4.0)
    assert later is moved and (later.time, later.seq) == (4.0, 3) and sim.peek() == 4.0 and sim.pending == 1
    later.cancel()
    again = sim.postpone(later, 5.0)
    assert again is not later and sim.pending == 1
    ev = sim.step()
    assert ev is again and log == ["x"] and sim.now == 5.0
