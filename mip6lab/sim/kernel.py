"""The simulation kernel: simulated time and a deterministic event queue.

Time is a float number of simulated seconds and never comes from a wall clock. Events sit in a heap
ordered by ``(time, priority, seq)``; ``seq`` increases with every schedule, so events due at the
same time run in a fixed order (priority first, then the order they were scheduled) and a run with
the same scenario and seed repeats exactly. This is SimPy's core idea in a few lines.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from heapq import heappush
from typing import Any


class SimulationError(Exception):
    """A misuse of the kernel by its caller (scheduling in the past, a bad time)."""


class Livelock(SimulationError):
    """Too many events ran at one simulated instant: something reschedules itself for "now" forever.

    Raised instead of hanging (a notebook cell would never return); the message names the event."""


MAX_EVENTS_PER_INSTANT = 100_000
"""How many events may run without the clock advancing before the kernel calls it a livelock. A busy
instant of a real scenario (a flood, a fuzzer's burst) runs a few thousand; a loop runs forever."""


COMPACT_MIN = 4096
"""Below this many heap entries cancelled events are simply skipped when due (small labs never pay
for a sweep)."""


@dataclass(slots=True, eq=False)
class Event:
    """One scheduled callback. ``cancel()`` it and it will be skipped when its time comes."""

    time: float
    priority: int
    seq: int
    callback: Callable[..., Any] = field(compare=False)
    args: tuple[Any, ...] = field(compare=False, default=())
    label: str = field(compare=False, default="")
    cancelled: bool = field(compare=False, default=False)

    def cancel(self) -> None:
        self.cancelled = True


def _entry(ev: Event) -> tuple[float, int, int, Event]:
    """``ev``'s heap entry for its current time and number (after :meth:`Simulator.postpone`)."""
    return (ev.time, ev.priority, ev.seq, ev)


class LazyRandom:
    """``random.Random(seed)``'s exact draws without holding its ~2.5 KB Mersenne state while it is rarely used.

    A big lab has one ESP generator (and one IV generator per SA pair) per mobile node, drawn from once or
    never in a run; thousands of idle states only spread the heap that every packet walks. The first
    ``REPLAY_LIMIT`` draws each rebuild ``Random(seed)`` and replay the earlier ones (a few microseconds);
    after that, or on any method not listed here, the generator is kept. The sequence is the same as a
    plain ``random.Random(seed)`` called in the same order."""

    __slots__ = ("seed", "_rng", "_log")
    REPLAY_LIMIT = 4

    def __init__(self, seed: int | str) -> None:
        self.seed = seed
        self._rng: random.Random | None = None
        self._log: tuple[tuple[str, tuple[Any, ...]], ...] = ()

    def _state(self) -> random.Random:
        rng = random.Random(self.seed)
        for name, args in self._log:
            getattr(rng, name)(*args)
        return rng

    def _draw(self, name: str, *args: Any) -> Any:
        rng = self._rng
        if rng is not None:
            return getattr(rng, name)(*args)
        rng = self._state()
        out = getattr(rng, name)(*args)
        if len(self._log) + 1 >= self.REPLAY_LIMIT:
            self._rng, self._log = rng, ()
        else:
            self._log += ((name, args),)
        return out

    def random(self) -> float:
        return self._draw("random")  # type: ignore[no-any-return]

    def uniform(self, a: float, b: float) -> float:
        return self._draw("uniform", a, b)  # type: ignore[no-any-return]

    def getrandbits(self, k: int) -> int:
        return self._draw("getrandbits", k)  # type: ignore[no-any-return]

    def randbytes(self, n: int) -> bytes:
        return self._draw("randbytes", n)  # type: ignore[no-any-return]

    def randint(self, a: int, b: int) -> int:
        return self._draw("randint", a, b)  # type: ignore[no-any-return]

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        return self._draw("randrange", start, stop, step)  # type: ignore[no-any-return]

    def __getattr__(self, name: str) -> Any:
        """Anything else (``choice``, ``getstate``, ``seed``, ...): keep the generator from now on."""
        if name.startswith("__") or name in LazyRandom.__slots__:
            raise AttributeError(name)  # copy/pickle probing an instance being rebuilt
        if self._rng is None:
            self._rng, self._log = self._state(), ()
        return getattr(self._rng, name)


class Simulator:
    """Simulated clock + event heap + one seeded random generator for the whole scenario."""

    def __init__(self, seed: int = 0) -> None:
        self.now: float = 0.0
        self.seed = seed
        self.rng = random.Random(seed)
        self._heap: list[tuple[float, int, int, Event]] = []  # (time, priority, seq, event)
        # Frames in flight (:meth:`deliver`): ``(time, 0, seq, callback, args)`` in the order they were
        # sent, which is their (time, priority, seq) order while every one is due no earlier than the one
        # before (a link's delay added to a clock that never goes back). Kept out of the heap, a hop costs
        # no heap push or pop (each walks log2(heap) scattered entries; a big lab's heap holds its timers).
        self._lane: deque[tuple[float, int, int, Callable[..., Any], tuple[Any, ...]]] = deque()
        self._seq = 0
        self.events_run = 0
        self.max_events_per_instant = MAX_EVENTS_PER_INSTANT
        self.describe: Callable[[Event], str] = lambda ev: ev.label or getattr(ev.callback, "__name__", "?")
        self._instant_events = 0  # events run at the current value of ``now``
        self._compact_at = COMPACT_MIN  # heap length at which cancelled events are next counted

    # ---------------------------------------------------------------- scheduling
    def schedule(
        self, at: float, callback: Callable[..., Any], *args: Any, priority: int = 0, label: str = ""
    ) -> Event:
        """Run ``callback(*args)`` at simulated time ``at`` (not before ``now``)."""
        if type(at) is not float or not at >= self.now:  # one test for the common case (NaN fails it too)
            if not isinstance(at, (int, float)) or math.isnan(at):
                raise SimulationError(f"bad event time {at!r}")
            if at < self.now:
                raise SimulationError(f"cannot schedule at {at} s, before now ({self.now} s)")
            at = float(at)
        self._seq = seq = self._seq + 1
        ev = Event(at, priority, seq, callback, args, label)
        heap = self._heap
        heapq.heappush(heap, (at, priority, seq, ev))
        if len(heap) >= self._compact_at:
            self._compact()
        return ev

    def push(self, at: float, callback: Callable[..., Any], args: tuple[Any, ...], label: str = "") -> Event:
        """:meth:`schedule` for a caller that has checked that ``at`` is a float not before ``now`` (the
        World: a timer set for later): the same event, sequence number and heap entry, without the checks and
        keyword handling - every timer is scheduled this way (a frame in flight: :meth:`deliver`)."""
        self._seq = seq = self._seq + 1
        ev = Event(at, 0, seq, callback, args, label)
        heap = self._heap
        heappush(heap, (at, 0, seq, ev))
        if len(heap) >= self._compact_at:
            self._compact()
        return ev

    def deliver(self, at: float, callback: Callable[..., Any], args: tuple[Any, ...]) -> None:
        """:meth:`push` for an event nobody cancels (a frame in flight): the same sequence number and the
        same place in the order, without an :class:`Event` object; due no earlier than the last event given
        to this method, it waits in a FIFO instead of the heap."""
        self._seq = seq = self._seq + 1
        lane = self._lane
        if not lane or at >= lane[-1][0]:
            lane.append((at, 0, seq, callback, args))
        else:  # due before a frame already in flight (links with different delays): the heap orders it
            heap = self._heap
            heappush(heap, (at, 0, seq, Event(at, 0, seq, callback, args, "")))
            if len(heap) >= self._compact_at:
                self._compact()

    def postpone(self, ev: Event, at: float) -> Event:
        """Move pending ``ev`` to ``at``: the same as cancelling it and :meth:`push`-ing its callback anew (the
        next sequence number, the same place in the order), made without a new heap entry when ``at`` is no
        earlier than ``ev``'s time: its entry stays where it is, and when it comes up it goes back in under
        the new time and number (:meth:`run` checks ``ev.seq``). A timer restarted on every Router
        Advertisement (thousands per second in a big lab) left a cancelled entry per restart; now it leaves
        none. Returns the event that will run (``ev`` itself, or a new one when ``at`` is earlier)."""
        self._seq = seq = self._seq + 1
        if at >= ev.time and not ev.cancelled:
            ev.time = at
            ev.seq = seq
            return ev
        ev.cancelled = True
        new = Event(at, ev.priority, seq, ev.callback, ev.args, ev.label)
        heap = self._heap
        heappush(heap, (at, new.priority, seq, new))
        if len(heap) >= self._compact_at:
            self._compact()
        return new

    def _compact(self) -> None:
        """Drop cancelled events from the heap when they are more than half of it. A restarted timer
        leaves its old event behind (cancelled, skipped when due); in a big lab they piled up (half
        of the heap after 12 simulated seconds with 1,000 mobile nodes), deepening every push and pop.
        ``(time, priority, seq)`` orders events totally, so the order they run in does not change."""
        heap = self._heap
        live = [e for e in heap if not e[3].cancelled]
        if 2 * len(live) < len(heap):
            live = [e if e[2] == e[3].seq else _entry(e[3]) for e in live]  # postponed: their own keys
            heapq.heapify(live)
            heap[:] = live  # the same list: run() holds it
        self._compact_at = len(heap) + max(COMPACT_MIN, len(heap) // 2)  # amortized: 2 entries per push

    def call_later(
        self, delay: float, callback: Callable[..., Any], *args: Any, priority: int = 0, label: str = ""
    ) -> Event:
        if delay < 0:
            raise SimulationError(f"negative delay {delay}")
        return self.schedule(self.now + delay, callback, *args, priority=priority, label=label)

    def child_rng(self, name: str) -> random.Random:
        """A generator for one component, derived from the scenario seed and the component's name,
        so that adding a node does not shift every other node's random choices."""
        return random.Random(f"{self.seed}/{name}")

    def lazy_child_rng(self, name: str) -> LazyRandom:
        """:meth:`child_rng`'s draws for a component that draws a few times at most (its state is not kept)."""
        return LazyRandom(f"{self.seed}/{name}")

    # ---------------------------------------------------------------- running
    def _next(self) -> tuple[Any, ...] | None:
        """The entry due first (heap or lane, cancelled heap entries dropped), left in place; None when idle."""
        heap, lane = self._heap, self._lane
        while heap and (heap[0][3].cancelled or heap[0][2] != heap[0][3].seq):
            ev = heapq.heappop(heap)[3]
            if not ev.cancelled:  # postponed: back in under its own key
                heapq.heappush(heap, _entry(ev))
        if lane and not (heap and heap[0] < lane[0]):
            return lane[0]
        return heap[0] if heap else None

    def peek(self) -> float | None:
        """Time of the next live event, or None when idle."""
        entry = self._next()
        return None if entry is None else entry[0]

    def step(self) -> Event | None:
        """Run exactly one event; return it, or None if nothing is left."""
        entry = self._next()
        if entry is None:
            return None
        if len(entry) == 4:
            ev = heapq.heappop(self._heap)[3]
        else:
            self._lane.popleft()
            ev = Event(entry[0], 0, entry[2], entry[3], entry[4])
        if ev.time == self.now:
            self._instant_events += 1
            if self._instant_events > self.max_events_per_instant:
                self._instant_events = 0
                raise Livelock(
                    f"simulated time is stuck at {self.now:g} s: {self.max_events_per_instant} events ran "
                    f"without the clock advancing; the looping event: {self.describe(ev)}"
                )
        else:
            self._instant_events = 1
        self.now = ev.time
        self.events_run += 1
        ev.callback(*ev.args)
        return ev

    def run(self, until: float | None = None, max_events: int | None = None) -> None:
        """Run events up to and including time ``until`` (then set the clock to it), or until idle.

        The loop is :meth:`peek` + :meth:`step` written out once (same order, same livelock guard):
        it is the innermost loop of every run, and two method calls per event were a tenth of a hop.
        Each turn takes the earlier of the heap's first entry and the lane's (:meth:`deliver`): both are
        in (time, priority, seq) order, so the merge runs events in exactly that order."""
        if until is not None and (not isinstance(until, (int, float)) or math.isnan(until) or until < self.now):
            raise SimulationError(f"cannot run until {until!r} (now is {self.now} s)")
        heap = self._heap
        lane = self._lane
        pop = heapq.heappop
        popleft = lane.popleft
        limit = math.inf if until is None else until
        left = -1 if max_events is None else max(max_events, 1)
        cap = self.max_events_per_instant
        now = self.now
        instant = self._instant_events
        while left:
            if heap and (not lane or heap[0] < lane[0]):
                entry = heap[0]
                ev = entry[3]
                if ev.cancelled:
                    pop(heap)
                    continue
                if entry[2] != ev.seq:  # postponed (its entry is due before its time): back in under its key
                    heapq.heapreplace(heap, _entry(ev))
                    continue
                t = entry[0]
                if t > limit:
                    break
                pop(heap)
                callback, args = ev.callback, ev.args
            elif lane:
                entry = lane[0]
                t = entry[0]
                if t > limit:
                    break
                popleft()
                callback, args = entry[3], entry[4]
            else:
                break
            if t == now:
                instant += 1
                if instant > cap:
                    self._instant_events = 0
                    looping = entry[3] if len(entry) == 4 else Event(t, 0, entry[2], callback, args)
                    raise Livelock(
                        f"simulated time is stuck at {now:g} s: {cap} events ran "
                        f"without the clock advancing; the looping event: {self.describe(looping)}"
                    )
            else:
                instant = 1
                self.now = now = t
            self.events_run += 1
            self._instant_events = instant
            callback(*args)
            left -= 1
            now = self.now  # a callback may have run the kernel itself (a scripted inject)
            instant = self._instant_events
        if left == 0:
            return
        if until is not None and not math.isinf(until):
            self.now = float(until)

    def run_until_idle(self, limit: float = math.inf) -> None:
        """Run until no event is left (or the clock would pass ``limit``)."""
        self.run(until=limit if not math.isinf(limit) else None)

    @property
    def pending(self) -> int:
        return sum(1 for e in self._heap if not e[3].cancelled) + len(self._lane)
