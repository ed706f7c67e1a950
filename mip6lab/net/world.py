"""The World: the I/O side that drives sans-IO nodes with the simulation kernel.

Nodes (``mip6lab.sansio.SansIONode`` subclasses) only ever return actions. The World carries them
out, and it is the only place where simulated time advances:

* ``Transmit``    -> the frame goes on the link attached to the interface: the capture records it at
  send time, the link decides loss and which interfaces accept it, and each receiver's
  ``handle_frame`` runs ``link.delay`` seconds later;
* ``SetTimer``    -> a kernel event for ``(node, key)``, cancelling the previous one for that key;
* ``CancelTimer`` -> cancels it.

Attaching or detaching an interface is the link-layer "media change" indication a mobile node's
movement detection can use (RFC 6275 §11.5.1): the node's ``handle_link_change`` runs at the current
simulated time, as its own event.

A node that raises never stops the simulation: the World records an ``error`` trace event (and an
entry in :attr:`World.errors`) and goes on - unless :attr:`World.strict` is set, which tests use to
see bugs as exceptions.
"""

from __future__ import annotations

import math
import traceback
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from mip6lab.net.capture import Capture
from mip6lab.net.link import Link
from mip6lab.sansio import Action, CancelTimer, SetTimer, Transmit
from mip6lab.sim.kernel import Event, Simulator
from mip6lab.trace import Trace

ETH_HEADER_LEN = 14


class WorldError(Exception):
    """A misuse of the World by a script (unknown node or link, attaching twice, a runt frame)."""


@dataclass(frozen=True, slots=True)
class NodeError:
    """A node raised while the World drove it (kept even when tracing is off)."""

    time: float
    node: str
    entry: str  # "handle_frame", "handle_timer", "handle_link_change", "call", "perform", "at"
    exception: BaseException
    traceback: str


class World:
    """Links, nodes, a simulator, a capture and the shared trace of one scenario."""

    def __init__(self, seed: int = 0, trace: Trace | None = None) -> None:
        self.sim = Simulator(seed)
        self.sim.describe = self.describe  # a livelock error names the looping event as step() does
        self.trace = trace if trace is not None else Trace()
        self.capture = Capture()
        self.links: dict[str, Link] = {}
        self.nodes: dict[str, Any] = {}
        self.strict = False
        self.errors: list[NodeError] = []
        self.unattached_drops = 0  # frames sent on an interface attached to no link
        self.stations: dict[str, Any] = {}  # external stations (net.station) ever attached, by name
        self._attached: dict[tuple[str, str], Link] = {}
        # The same, per node: ifname -> (link, (node name, ifname)), so that carrying out a Transmit
        # builds no key; the inner dicts change in place (perform holds one across its actions).
        self._ends: dict[str, dict[str, tuple[Link, tuple[str, str]]]] = {}
        self._timers: dict[tuple[str, Hashable], Event] = {}
        # The kernel callbacks of every hop and timer, bound once (not a new bound method per event)
        self._deliver_cb = self._deliver
        self._fire_timer_cb = self._fire_timer

    @property
    def now(self) -> float:
        return self.sim.now

    @property
    def seed(self) -> int:
        return self.sim.seed

    # ------------------------------------------------------------------------------ building
    def add_link(self, name: str, **kw: Any) -> Link:
        """Create link ``name`` (``kind``, ``delay``, ``loss``, ``mtu`` as :class:`Link`)."""
        if name in self.links:
            raise WorldError(f"link {name!r} already exists")
        link = Link(name, **kw)
        link.rng = self.sim.child_rng(f"link/{name}")
        self.links[name] = link
        self.capture.add_link(name)
        return link

    def add_node(self, node: Any) -> Any:
        if node.name in self.nodes:
            raise WorldError(f"node {node.name!r} already exists")
        self.nodes[node.name] = node
        if getattr(node, "trace", False) is None:
            node.trace = self.trace
        return node

    def _node(self, name: str) -> Any:
        try:
            return self.nodes[name]
        except KeyError:
            raise WorldError(f"no node {name!r}") from None

    def _link(self, name: str) -> Link:
        try:
            return self.links[name]
        except KeyError:
            raise WorldError(f"no link {name!r}") from None

    # ------------------------------------------------------------------------------ attachment
    def attach(self, node_name: str, ifname: str, link_name: str) -> None:
        """Plug ``node_name:ifname`` into ``link_name`` now; the node hears of it at the current time."""
        node = self._node(node_name)
        link = self._link(link_name)
        if ifname not in node.interfaces:
            raise WorldError(f"{node_name} has no interface {ifname!r}")
        current = self._attached.get((node_name, ifname))
        if current is not None:
            raise WorldError(f"{node_name}:{ifname} is already on {current.name}; use move()")
        link.attach(node, ifname)
        self._attached[(node_name, ifname)] = link
        self._ends.setdefault(node_name, {})[ifname] = (link, (node_name, ifname))
        self.trace.event(self.sim.now, node_name, "link", f"{ifname} attached to {link_name}")
        self.sim.schedule(self.sim.now, self._link_change, node, ifname, True, label="link-change")

    def detach(self, node_name: str, ifname: str) -> None:
        """Unplug ``node_name:ifname``; frames in flight to it are lost."""
        node = self._node(node_name)
        link = self._attached.pop((node_name, ifname), None)
        if link is None:
            raise WorldError(f"{node_name}:{ifname} is not attached")
        self._ends[node_name].pop(ifname, None)
        link.detach(node_name, ifname)
        self.trace.event(self.sim.now, node_name, "link", f"{ifname} detached from {link.name}")
        self.sim.schedule(self.sim.now, self._link_change, node, ifname, False, label="link-change")

    def move(self, node_name: str, ifname: str, link_name: str) -> None:
        """Detach (if attached) and attach to ``link_name``: a mobile node changing its point of
        attachment. The node sees link-down then link-up, both at the current time."""
        if (node_name, ifname) in self._attached:
            self.detach(node_name, ifname)
        self.attach(node_name, ifname, link_name)

    def link_of(self, node_name: str, ifname: str) -> str | None:
        link = self._attached.get((node_name, ifname))
        return link.name if link is not None else None

    # ------------------------------------------------------------------------------ running
    def run(self, until: float | None = None, max_events: int | None = None) -> None:
        self.sim.run(until, max_events)

    def run_until_idle(self, limit: float = math.inf) -> None:
        self.sim.run_until_idle(limit)

    def step(self) -> str | None:
        """Run one event; return what it was (for step-by-step widgets), or None when idle."""
        ev = self.sim.step()
        return None if ev is None else self.describe(ev)

    def describe(self, ev: Event) -> str:
        fn = getattr(ev.callback, "__func__", None)
        a = ev.args
        head = f"t={ev.time:.6f}s"
        if fn is World._deliver:
            link, targets, frame = a[:3]
            to = ", ".join(f"{n.name}:{i}" for n, i in targets)
            return f"{head} {link.name}: {len(frame)}-byte frame delivered to {to}"
        if fn is World._fire_timer:
            return f"{head} {a[0].name}: timer {a[1]!r} expired"
        if fn is World._link_change:
            return f"{head} {a[0].name}:{a[1]} link {'up' if a[2] else 'down'}"
        if fn is World.call:
            return f"{head} {a[0]}: scripted call {getattr(a[1], '__name__', a[1])}"
        if fn is World._scripted:
            return f"{head} scripted action {getattr(a[0], '__name__', a[0])}"
        return f"{head} {ev.label or getattr(ev.callback, '__name__', repr(ev.callback))}"

    # ------------------------------------------------------------------------------ scripting
    def call(self, node_name: str, fn: Callable[[Any], Any]) -> Any:
        """Run ``fn(node)`` now (e.g. "open a TCP connection") and carry out what the node emitted.
        Returns ``fn``'s result (None if it raised and ``strict`` is off)."""
        node = self._node(node_name)
        node.now = self.sim.now
        try:
            result = fn(node)
        except Exception as exc:
            _discard_outbox(node)
            self._node_error(node_name, "call", exc)
            return None
        self.perform(node, node.drain())
        return result

    def at(self, time: float, fn: Callable[..., Any], node_name: str | None = None) -> Event:
        """At simulated ``time``: ``call(node_name, fn)`` if ``node_name`` is given, else ``fn()``
        (e.g. ``world.at(5, lambda: world.move("mn", "eth0", "foreign"))``)."""
        if node_name is not None:
            self._node(node_name)
            return self.sim.schedule(time, self.call, node_name, fn, label="call")
        return self.sim.schedule(time, self._scripted, fn, label="script")

    def after(self, delay: float, fn: Callable[..., Any], node_name: str | None = None) -> Event:
        return self.at(self.sim.now + delay, fn, node_name)

    def _scripted(self, fn: Callable[[], Any]) -> None:
        try:
            fn()
        except Exception as exc:
            self._node_error("world", "at", exc)

    def inject(self, link_name: str, frame: bytes, sender: str = "inject", trace_id: int = 0) -> None:
        """Put raw bytes on a link now, as if from a station not modelled as a node (an attacker,
        a test). They go through the same loss model, filtering and capture as any frame."""
        self._send(self._link(link_name), bytes(frame), sender, None, trace_id)

    # ------------------------------------------------------------------------------ external stations
    def attach_station(self, station: Any, link_name: str) -> None:
        """Plug an external station (:class:`mip6lab.net.station.ExternalStation`) into ``link_name``:
        it receives what a station with its MAC would; it is not a node (no timers, no trace)."""
        link = self._link(link_name)
        if station.name in self.nodes:
            raise WorldError(f"a node is already called {station.name!r}")
        link.attach(station, station.ifname)
        self._attached[(station.name, station.ifname)] = link
        self._ends.setdefault(station.name, {})[station.ifname] = (link, (station.name, station.ifname))
        self.stations[station.name] = station

    def detach_station(self, station: Any) -> None:
        link = self._attached.pop((station.name, station.ifname), None)
        if link is not None:
            self._ends[station.name].pop(station.ifname, None)
            link.detach(station.name, station.ifname)

    def station_send(self, station: Any, frame: bytes, at: float | None = None) -> float:
        """A frame the station sent, stamped with ``at`` (when it arrived; never before ``now``): it
        goes through the link's loss model, filtering and capture as a node's frame. Returns the stamp."""
        link = self._attached.get((station.name, station.ifname))
        if link is None:
            raise WorldError(f"station {station.name} is not attached")
        now = self.sim.now
        if at is not None and at > now:
            self.sim.run(until=at)  # everything due before the frame arrived happens first
        snoop = getattr(station, "snoop", None)
        if snoop is not None:
            snoop(bytes(frame))
        self._send(link, bytes(frame), station.name, (station.name, station.ifname), 0)
        return self.sim.now

    # ------------------------------------------------------------------------------ actions
    def perform(self, node: Any, actions: list[Action]) -> None:
        """Carry out a node's actions in order."""
        name = node.name
        ends = self._ends.get(name, _NO_ENDS)
        for a in actions:
            try:
                t = type(a)
                if t is Transmit or isinstance(a, Transmit):
                    end = ends.get(a.ifname)
                    if end is None:
                        if a.ifname not in node.interfaces:
                            raise WorldError(f"{name} transmitted on unknown interface {a.ifname!r}")
                        self.unattached_drops += 1
                        continue
                    frame = a.frame
                    if type(frame) is not bytes:
                        frame = bytes(frame)
                    self._send(end[0], frame, name, end[1], a.trace_id)
                elif t is SetTimer or isinstance(a, SetTimer):
                    key = a.key
                    tk = (name, key)
                    timers = self._timers
                    old = timers.get(tk)
                    now = self.sim.now
                    at = a.at
                    if old is not None:
                        if type(at) is float and at > now:  # restarted: moved (same order as cancel + push)
                            timers[tk] = self.sim.postpone(old, at)
                            continue
                        old.cancelled = True  # Event.cancel(), inline
                    if type(at) is float and at > now:
                        timers[tk] = self.sim.push(at, self._fire_timer_cb, (node, key), "timer")
                    else:  # now, an int, or something the kernel refuses with its own error
                        timers[tk] = self.sim.schedule(
                            at if at > now else now, self._fire_timer_cb, node, key, label="timer"
                        )
                elif t is CancelTimer or isinstance(a, CancelTimer):
                    old = self._timers.pop((name, a.key), None)
                    if old is not None:
                        old.cancelled = True
                else:
                    raise WorldError(f"{node.name} returned {a!r}, which is not an Action")
            except Exception as exc:
                self._node_error(node.name, "perform", exc)

    def _send(self, link: Link, frame: bytes, sender: str, sender_end: tuple[str, str] | None, trace_id: int) -> None:
        n = len(frame)
        if n < ETH_HEADER_LEN:
            raise WorldError(f"{sender} sent a {n}-byte frame on {link.name} (runt)")
        sim = self.sim
        now = sim.now
        capture = self.capture
        link.frames_sent += 1
        reason = link.drop_decision(frame) if (link.loss or link.drop_filter or link._drop_next) else ""
        if not reason and n - ETH_HEADER_LEN > link.mtu:
            reason = "mtu"
        if reason:
            link.frames_dropped += 1
            src, dst = frame[6:12].hex(":"), frame[0:6].hex(":")
            capture.record(now, link.name, sender, (), src, dst, frame, trace_id, reason)
            if reason == "mtu":
                raise WorldError(f"{sender} sent {len(frame) - ETH_HEADER_LEN} bytes on {link.name} (MTU {link.mtu})")
            return
        dst = frame[0:6]
        hit = link._deliveries.get((dst, sender_end))  # link.deliveries' cache, looked up here: every hop
        targets, names = hit if hit is not None else link.deliveries(dst, sender_end)
        index = None
        if capture.enabled:  # the MAC strings are only for the capture record
            src, dst = frame[6:12].hex(":"), frame[0:6].hex(":")
            rec = capture.record(now, link.name, sender, names, src, dst, frame, trace_id)
            if rec is not None:
                index = rec.index
        if targets:
            at = now + link.delay
            args = (link, targets, frame, index, link.detaches)
            if type(at) is float and at >= now:  # what schedule() would check: deliver() does not
                lane = sim._lane  # Simulator.deliver() written out (every hop): due no earlier than the lane's tail
                if lane and at < lane[-1][0]:
                    sim.deliver(at, self._deliver_cb, args)
                else:
                    sim._seq = seq = sim._seq + 1
                    lane.append((at, 0, seq, self._deliver_cb, args))
            else:  # a delay changed by hand to something odd: schedule() says what is wrong
                sim.schedule(at, self._deliver_cb, *args)

    # ------------------------------------------------------------------------------ kernel events
    def _deliver(
        self,
        link: Link,
        targets: list[tuple[Any, str]],
        frame: bytes,
        record: int | None = None,
        detaches: int | None = None,
    ) -> None:
        """Hand the frame to its receivers. Receiving runs started meanwhile carry the capture record's
        index (``AlgorithmRun.record``), as sending runs' ids travel on the frame (``trace_id``).
        ``detaches``: the link's :attr:`~Link.detaches` when the frame was sent; while it is unchanged no
        receiver can have left, and their membership is not looked up."""
        ends = link.ends
        check = detaches is None or detaches != link.detaches
        link.frames_delivered += len(targets)
        trace = self.trace
        trace.receiving_record = record
        now = self.sim.now
        try:
            for node, ifname in targets:
                if check and (node.name, ifname) not in ends:
                    link.frames_delivered -= 1
                    continue  # detached while the frame was in flight
                try:  # _enter(node, "handle_frame", ...) written out: this is every hop
                    actions = node.handle_frame(now, ifname, frame)
                except Exception as exc:
                    _discard_outbox(node)
                    self._node_error(node.name, "handle_frame", exc)
                    continue
                if actions:
                    self.perform(node, actions)
        finally:
            trace.receiving_record = None

    def _fire_timer(self, node: Any, key: Hashable) -> None:
        self._timers.pop((node.name, key), None)
        try:  # _enter(node, "handle_timer", key) written out: a flow's every packet starts with a timer
            actions = node.handle_timer(self.sim.now, key)
        except Exception as exc:
            _discard_outbox(node)
            self._node_error(node.name, "handle_timer", exc)
            return
        if actions:
            self.perform(node, actions)

    def _link_change(self, node: Any, ifname: str, attached: bool) -> None:
        self._enter(node, "handle_link_change", ifname, attached)

    def _enter(self, node: Any, entry: str, *args: Any) -> None:
        """Call one of ``node``'s entry points (``handle_frame``, ``handle_timer``, ``handle_link_change``)
        with the current time, then carry out the Actions it returned. A failure is contained: what
        the node emitted before it raised is thrown away and the error is recorded."""
        try:
            actions = getattr(node, entry)(self.sim.now, *args)
        except Exception as exc:
            _discard_outbox(node)
            self._node_error(node.name, entry, exc)
            return
        if actions:
            self.perform(node, actions)

    def _node_error(self, node_name: str, entry: str, exc: Exception) -> None:
        """Contain a failure: record it, and re-raise only in strict mode."""
        tb = traceback.format_exc()
        self.errors.append(NodeError(self.sim.now, node_name, entry, exc, tb))
        self.trace.event(
            self.sim.now,
            node_name,
            "error",
            f"{entry}: {type(exc).__name__}: {exc}",
            entry=entry,
            exception=repr(exc),
            traceback=tb,
        )
        if self.strict:
            raise exc


_NO_ENDS: dict[str, tuple[Link, tuple[str, str]]] = {}  # a node with no interface ever attached


def _discard_outbox(node: Any) -> None:
    """Throw away what a failing node emitted before it raised (half-done work must not leak out)."""
    drain = getattr(node, "drain", None)
    if drain is not None:
        drain()
