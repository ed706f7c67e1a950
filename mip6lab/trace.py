"""Traces: what the protocol code decided, recorded as plain data.

Widgets, notebooks and tests all read the same records (aioquic's qlog idea, stamped with simulated
time). Two kinds of record:

* :class:`AlgorithmRun` - one run of the host sending algorithm (white paper Figure 35) or receiving
  algorithm (Figure 36) for one packet: the numbered steps visited, each with its decision and the
  inputs it looked at, and the result.
* :class:`TraceEvent` - any other notable decision ("DAD failed", "binding created", "BU discarded:
  bad authenticator"), with a category and free-form details.

A :class:`Trace` can be switched off (``enabled = False``) for benchmarks; recording then costs one
attribute check.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Any

from mip6lab.wire.values import constructor


@dataclass(slots=True)
class Step:
    """One numbered step of an algorithm: what was checked, what was found, where it went next."""

    number: int
    name: str
    decision: str = ""
    inputs: dict[str, Any] = field(default_factory=dict)


class AlgorithmRun:
    """A run of the sending ("send") or receiving ("receive") algorithm on one node.

    Behaves like a dataclass of its fields (constructor, ``repr``, ``==``). The algorithms record steps
    with :meth:`record_step`, which keeps them as plain items until someone reads :attr:`steps`: a traced
    run then costs one list per run instead of one object per step, for the clock and for the garbage
    collector (every step of every packet stays in the trace). Reading ``steps`` builds the
    :class:`Step` values once, in order; they are the run's steps from then on.
    """

    __slots__ = ("id", "algorithm", "node", "time", "_packet", "_steps", "_pending", "result", "_output", "record")
    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value (as the dataclass it was)

    def __init__(
        self,
        id: int,
        algorithm: str,
        node: str,
        time: float,
        packet: Any,  # the IPv6 value as the algorithm first saw it, or the Ethernet frame it came in
        steps: list[Step] | None = None,
        result: str = "",
        output: Any = None,  # the packet as sent (send) or as delivered upward (receive)
        record: int | None = None,  # the capture record whose delivery started this run (stamped by the World)
    ) -> None:
        self.id = id
        self.algorithm = algorithm
        self.node = node
        self.time = time
        self._packet = packet
        self._steps: list[Step] | None = steps  # made when first read
        self._pending: list[Any] | None = None  # number, name, decision, inputs, number, ... not yet read
        self.result = result
        self._output: Any = output
        self.record = record

    @property
    def packet(self) -> Any:
        packet = self._packet
        if packet.__class__ is bytes:  # the Ethernet frame it came in (a router's fast hop): decoded now
            from mip6lab.wire.codec import decode_frame

            packet = self._packet = decode_frame(packet).payload
        return packet

    @packet.setter
    def packet(self, value: Any) -> None:
        self._packet = value

    @property
    def output(self) -> Any:
        out = self._output
        if out is _FORWARDED:
            packet = self.packet
            out = self._output = replace(packet, hlim=packet.hlim - 1)
        return out

    @output.setter
    def output(self, value: Any) -> None:
        self._output = value

    def forwarded(self) -> None:
        """Result "forwarded", :attr:`output` the packet as received with its Hop Limit one less, made
        when first read: a router's fast hop records thousands of these that nobody may ever read
        (and each copy would be more objects for the garbage collector to walk on every full
        collection; for the same reason the run keeps the frame's bytes, decoded when first read)."""
        self.result = "forwarded"
        self._output = _FORWARDED

    @property
    def steps(self) -> list[Step]:
        steps = self._steps
        if steps is None:
            steps = self._steps = []
        pending = self._pending
        if pending:
            steps.extend(
                Step(pending[i], pending[i + 1], pending[i + 2], pending[i + 3]) for i in range(0, len(pending), 4)
            )
            pending.clear()
        return steps

    @steps.setter
    def steps(self, value: list[Step]) -> None:
        self._steps = value
        self._pending = None

    def record_step(self, number: int, name: str, decision: str, inputs: dict[str, Any]) -> None:
        """Append a step without building its :class:`Step` yet (the algorithms' hot path)."""
        pending = self._pending
        if pending is None:
            self._pending = [number, name, decision, inputs]
        else:
            pending.extend((number, name, decision, inputs))

    @property
    def step_numbers(self) -> list[int]:
        return [s.number for s in self.steps]

    def step(self, number: int, name: str, decision: str = "", **inputs: Any) -> None:
        self.record_step(number, name, decision, inputs)

    def _fields(self) -> tuple[Any, ...]:
        return (
            self.id,
            self.algorithm,
            self.node,
            self.time,
            self.packet,
            self.steps,
            self.result,
            self.output,
            self.record,
        )

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._fields() == other._fields()  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        names = ("id", "algorithm", "node", "time", "packet", "steps", "result", "output", "record")
        return f"AlgorithmRun({', '.join(f'{n}={v!r}' for n, v in zip(names, self._fields(), strict=True))})"


_new_run = object.__new__
_FORWARDED: Any = object()  # AlgorithmRun.output: the packet as forwarded, not made yet


class _NoRun:
    """Stands in for the run record when tracing is off (the algorithms check ``run is not NO_RUN``
    before building any trace text)."""

    id = 0
    result = ""

    def step(self, *a: Any, **k: Any) -> None:
        pass


NO_RUN: Any = _NoRun()


@dataclass(frozen=True, slots=True)
class TraceEvent:
    time: float
    node: str
    category: str  # "nd", "dad", "slaac", "route", "icmp", "tcp", "binding", "rr", "ha", "esp", ...
    message: str
    details: dict[str, Any] = field(default_factory=dict)


_new_event = constructor(TraceEvent)  # TraceEvent(...) without the frozen dataclass's per-field setattr calls


class Trace:
    """The shared, append-only record of a simulation run."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.runs: list[AlgorithmRun] | deque[AlgorithmRun] = []
        self.events: list[TraceEvent] | deque[TraceEvent] = []
        self._next_id = itertools.count(1).__next__
        self.receiving_record: int | None = None  # set by the World while a captured frame is delivered
        self._by_record: dict[int, list[AlgorithmRun]] = {}
        self._by_id: dict[int, AlgorithmRun] = {}

    def limit(self, runs: int | None = None, events: int | None = None) -> None:
        """Keep only the last ``runs`` algorithm runs and ``events`` events (None: keep all); a long run
        then uses bounded memory while its most recent decisions stay readable (issue 13)."""
        for n in (runs, events):
            if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 0):
                raise ValueError(f"a trace limit is a whole number >= 0 or None, not {n!r}")
        self.runs = list(self.runs) if runs is None else deque(self.runs, maxlen=runs)
        self.events = list(self.events) if events is None else deque(self.events, maxlen=events)
        self._by_id = {r.id: r for r in self.runs}
        self._by_record = {}
        for r in self.runs:
            if getattr(r, "record", None) is not None:
                self._by_record.setdefault(r.record, []).append(r)

    def start_run(self, algorithm: str, node: str, time: float, packet: Any) -> AlgorithmRun | None:
        """Open a run record; returns None when tracing is off (callers guard with ``if run:``)."""
        if not self.enabled:
            return None
        # AlgorithmRun(...) without the call to its __init__ (every packet at every node passes here)
        run = _new_run(AlgorithmRun)
        run.id = run_id = self._next_id()
        run.algorithm = algorithm
        run.node = node
        run.time = time
        run._packet = packet
        run._steps = run._pending = run._output = None
        run.result = ""
        record = self.receiving_record
        if record is not None and algorithm == "receive":
            run.record = record
            stamped = self._by_record.get(record)
            if stamped is None:
                self._by_record[record] = [run]
            else:
                stamped.append(run)
        else:
            run.record = None
        runs = self.runs
        if runs.__class__ is not list and isinstance(runs, deque) and runs.maxlen is not None:  # limit()'s ring
            if runs.maxlen == 0:
                self._forget(run)
                return run
            if len(runs) == runs.maxlen:
                self._forget(runs[0])  # the oldest leaves the ring, and the indexes with it
        runs.append(run)
        self._by_id[run_id] = run
        return run

    def _forget(self, run: AlgorithmRun) -> None:
        self._by_id.pop(run.id, None)
        rec = getattr(run, "record", None)
        if rec is not None:
            lst = self._by_record.get(rec)
            if lst is not None:
                lst[:] = [r for r in lst if r is not run]
                if not lst:
                    del self._by_record[rec]

    def event(self, time: float, node: str, category: str, message: str, **details: Any) -> None:
        if self.enabled:
            self.events.append(_new_event(time, node, category, message, details))

    def runs_for(self, node: str | None = None, algorithm: str | None = None) -> list[AlgorithmRun]:
        return [
            r for r in self.runs if (node is None or r.node == node) and (algorithm is None or r.algorithm == algorithm)
        ]

    def events_for(self, node: str | None = None, category: str | None = None) -> list[TraceEvent]:
        return [
            e for e in self.events if (node is None or e.node == node) and (category is None or e.category == category)
        ]

    def runs_for_record(self, index: int) -> list[AlgorithmRun]:
        """The receiving runs the delivery of capture record ``index`` started (tunnelled packets: the
        outer and the inner run), in the order they ran."""
        return list(self._by_record.get(index, ()))

    def run_by_id(self, run_id: int) -> AlgorithmRun | None:
        return self._by_id.get(run_id)
