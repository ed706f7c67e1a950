"""Small applications with counters: what a notebook plots to show a move.

* :class:`StreamSender` / :class:`StreamReceiver` - a steady stream of numbered chunks (a 4-byte
  big-endian counter followed by filler) over TCP or UDP. The receiver works out ``received``,
  ``lost``, ``duplicated`` and ``out_of_order`` from the numbering alone, and keeps a history of
  ``(time, counter)`` so that "data keeps flowing", "a gap, then it flows again" and "it dies" are
  three different pictures.
* :class:`RequestResponseServer` / :class:`RequestResponseClient` - request, wait for the response,
  measure the round trip in simulated time; over TCP (4-byte length-prefixed messages, since TCP is
  a byte stream) or UDP (one datagram each way, a 4-byte request number, a timeout per request).

They are sans-IO like the protocols: they pace themselves with the node's timers
(``host.set_timer``), each application under its own timer kind ``"app:<name>"`` - so give two
applications of the same kind on one node different ``name`` values.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass

from mip6lab.transport.tcp import TCPConnection, TCPError, TCPLayer
from mip6lab.transport.udp import UDPLayer, UDPSocket
from mip6lab.wire.ip import Addr

COUNTER_BYTES = 4
_GAP_LIMIT = 1024  # a StreamReceiver tracks at most this many lost counters per jump
LENGTH_BYTES = 4

Layer = TCPLayer | UDPLayer


def _filler(n: int) -> bytes:
    return bytes(i & 0xFF for i in range(n))


class _App:
    """Timer plumbing shared by the applications."""

    def __init__(self, layer: Layer, name: str) -> None:
        self.layer = layer
        self.host = layer.host
        self.name = name
        self.kind = f"app:{name}"
        self.host.register_timer_handler(self.kind, self._on_timer)

    @property
    def transport(self) -> str:
        return "tcp" if isinstance(self.layer, TCPLayer) else "udp"

    def _set_timer(self, what: str, at: float) -> None:
        self.host.set_timer((self.kind, what), at)

    def _cancel_timer(self, what: str) -> None:
        self.host.cancel_timer((self.kind, what))

    def _on_timer(self, key: Hashable) -> None:
        assert isinstance(key, tuple)
        self._timer(key[1])

    def _timer(self, what: str) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def _event(self, message: str, **details: object) -> None:
        self.host.trace.event(self.host.now, self.host.name, "app", f"{self.name}: {message}", **details)


# =========================================================================== stream
class StreamSender(_App):
    """Send ``rate`` chunks per second of ``chunk`` octets each (counter included) to ``dst``.

    Over TCP the sender connects first and starts when the connection is established; if the
    connection has more than ``max_queued`` octets not yet acknowledged, the application is
    "blocked" (as on a full socket buffer) and that tick sends nothing. ``count`` None = forever.
    """

    def __init__(
        self,
        layer: Layer,
        dst: Addr,
        dport: int,
        rate: float = 10.0,
        chunk: int = 100,
        count: int | None = None,
        name: str | None = None,
        max_queued: int = 64 * 1024,
        src: Addr | None = None,
    ) -> None:
        super().__init__(layer, name or f"stream-sender->{dport}")
        if chunk < COUNTER_BYTES:
            raise ValueError(f"a chunk needs at least {COUNTER_BYTES} octets for its counter")
        self.dst, self.dport, self.rate, self.chunk, self.count = dst, dport, rate, chunk, count
        self.max_queued = max_queued
        self.sent = 0  # chunks handed to the transport
        self.blocked = 0  # ticks skipped because TCP still held too much unacknowledged data
        self.send_failures = 0  # UDP datagrams the node could not send
        self.history: list[tuple[float, int]] = []  # (time, counter) of every chunk sent
        self.keep_history = True  # False: counters only, no per-chunk history (long or large runs)
        self.running = False
        self.stopped_reason: str | None = None
        self._ticks = 0
        self._t0 = 0.0
        self._payload = _filler(chunk - COUNTER_BYTES)
        self._tick_key = (self.kind, "tick")  # the tick's timer key, made once (every chunk sets it)
        self.conn: TCPConnection | None = None
        self.socket: UDPSocket | None = None
        if isinstance(layer, TCPLayer):
            self.conn = layer.connect(dst, dport, src=src)
            self.conn.on_connected = self._start
            self.conn.on_closed = self._on_closed
        else:
            self.socket = layer.bind(0, None, addr=src)
            self._start()

    def _start(self) -> None:
        self.running = True
        self._t0 = self.host.now
        self._event(f"stream starts over {self.transport}", rate=self.rate, chunk=self.chunk)
        self._tick()

    def stop(self, reason: str = "stopped") -> None:
        """Stop sending (over TCP, close the connection after what is queued)."""
        if not self.running and self.stopped_reason is not None:
            return
        self.running = False
        self.stopped_reason = reason
        self._cancel_timer("tick")
        if self.conn is not None and self.conn.is_open:
            self.conn.close()

    def _on_closed(self, reason: str) -> None:
        if self.stopped_reason is None or self.running:
            self.running = False
            self.stopped_reason = reason
            self._cancel_timer("tick")
            self._event(f"stream stopped: {reason}", reason=reason)

    def _timer(self, what: str) -> None:
        if what == "tick" and self.running:
            self._tick()

    def _tick(self) -> None:
        if self.count is not None and self.sent >= self.count:
            self.stop("done")
            return
        record = self.sent.to_bytes(COUNTER_BYTES, "big") + self._payload
        if self.conn is not None:
            if self.conn.bytes_queued > self.max_queued:
                self.blocked += 1
            else:
                try:
                    self.conn.send(record)
                except TCPError:
                    self._on_closed(self.conn.close_reason or "closed")
                    return
                if not self.conn.is_open:  # it died sending this chunk
                    return
                if self.keep_history:
                    self.history.append((self.host.now, self.sent))
                self.sent += 1
        else:
            assert self.socket is not None
            if not self.socket.sendto(record, self.dst, self.dport):
                self.send_failures += 1
            if self.keep_history:
                self.history.append((self.host.now, self.sent))
            self.sent += 1
        self._ticks += 1
        if self.running:
            self.host.set_timer(self._tick_key, self._t0 + self._ticks / self.rate)  # _set_timer("tick", ...)


class StreamReceiver(_App):
    """Count the numbered chunks of a :class:`StreamSender`.

    ``lost`` is "numbers below the highest one seen that never arrived" (a loss at the very end of
    a stream cannot be seen); over TCP it stays 0 and ``duplicated`` too - TCP repairs - unless the
    connection dies, which ``closed_reasons`` tells.
    """

    def __init__(self, layer: Layer, port: int, chunk: int = 100, name: str | None = None) -> None:
        super().__init__(layer, name or f"stream-receiver:{port}")
        self.port, self.chunk = port, chunk
        self.received = 0  # distinct chunks
        self.duplicated = 0
        self.out_of_order = 0  # arrived after a higher-numbered chunk (UDP only)
        self.highest = -1
        self.history: list[tuple[float, int]] = []  # (time, counter) of every arrival, duplicates too
        self.keep_history = True  # False: counters only, no per-chunk history (long or large runs)
        self._last: float | None = None
        self._max_gap = 0.0
        self.connections: list[TCPConnection] = []
        self.closed_reasons: list[str] = []
        # counters seen: 0 .. _top except those in _missing (the lost ones: few), so an arrival touches no
        # growing set; after a jump of more than _GAP_LIMIT (a garbage counter) every seen one in _seen
        self._top = -1
        self._missing: set[int] | None = set()
        self._seen: set[int] = set()
        self._buffers: dict[int, bytearray] = {}
        if isinstance(layer, TCPLayer):
            self.listener = layer.listen(port, self._accept)
        else:
            self.socket = layer.bind(port, self._datagram)

    @property
    def lost(self) -> int:
        return self.highest + 1 - self.received

    @property
    def last_arrival(self) -> float | None:
        return self._last

    @property
    def max_gap(self) -> float:
        """The longest time between two consecutive arrivals (the handover's visible pause)."""
        return self._max_gap

    def stats(self) -> dict[str, int]:
        return {
            "received": self.received,
            "lost": self.lost,
            "duplicated": self.duplicated,
            "out_of_order": self.out_of_order,
        }

    def _timer(self, what: str) -> None:  # the receiver sets no timers
        return

    def _accept(self, conn: TCPConnection) -> None:
        self.connections.append(conn)
        buf = self._buffers.setdefault(id(conn), bytearray())

        def on_data(data: bytes) -> None:
            buf.extend(data)
            while len(buf) >= self.chunk:
                self._count(int.from_bytes(buf[:COUNTER_BYTES], "big"))
                del buf[: self.chunk]

        def on_closed(reason: str) -> None:
            self.closed_reasons.append(reason)
            self._event(f"stream connection closed: {reason}", reason=reason)

        conn.on_data = on_data
        conn.on_eof = conn.close
        conn.on_closed = on_closed

    def _datagram(self, src: Addr, sport: int, data: bytes) -> None:
        if len(data) >= COUNTER_BYTES:
            self._count(int.from_bytes(data[:COUNTER_BYTES], "big"))

    def _repeat(self, n: int) -> bool:
        """Was counter ``n`` seen before? (If not, it is now.)"""
        missing = self._missing
        if missing is None:
            if n in self._seen:
                return True
            self._seen.add(n)
            return False
        top = self._top
        if n <= top:
            if n in missing:
                missing.discard(n)
                return False
            return True
        if n - top > _GAP_LIMIT:
            self._seen = set(range(top + 1)).difference(missing)
            self._seen.add(n)
            self._missing = None
            return False
        if n > top + 1:
            missing.update(range(top + 1, n))
        self._top = n
        return False

    def _count(self, n: int) -> None:
        now = self.host.now
        if self._last is not None and now - self._last > self._max_gap:
            self._max_gap = now - self._last
        self._last = now
        if self.keep_history:
            self.history.append((now, n))
        if self._repeat(n):
            self.duplicated += 1
            return
        self.received += 1
        if n < self.highest:
            self.out_of_order += 1
        else:
            self.highest = n


# =========================================================================== request / response
@dataclass(slots=True)
class Exchange:
    """One request: when it left, and its round-trip time (None while waiting or when lost)."""

    number: int
    sent_at: float
    rtt: float | None = None
    lost: bool = False


class RequestResponseServer(_App):
    """Answer every request with ``respond(request)`` (default: echo it back)."""

    def __init__(
        self,
        layer: Layer,
        port: int,
        respond: Callable[[bytes], bytes] | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(layer, name or f"rr-server:{port}")
        self.port = port
        self.respond = respond or (lambda req: req)
        self.requests = 0
        self.connections: list[TCPConnection] = []
        if isinstance(layer, TCPLayer):
            self.listener = layer.listen(port, self._accept)
        else:
            self.socket = layer.bind(port, self._datagram)

    def _timer(self, what: str) -> None:
        return

    def _accept(self, conn: TCPConnection) -> None:
        self.connections.append(conn)
        buf = bytearray()

        def on_data(data: bytes) -> None:
            buf.extend(data)
            for request in _take_messages(buf):
                self.requests += 1
                conn.send(_frame(self.respond(request)))

        conn.on_data = on_data
        conn.on_eof = conn.close

    def _datagram(self, src: Addr, sport: int, data: bytes) -> None:
        if len(data) < COUNTER_BYTES:
            return
        self.requests += 1
        self.socket.sendto(data[:COUNTER_BYTES] + self.respond(data[COUNTER_BYTES:]), src, sport)


class RequestResponseClient(_App):
    """Send ``count`` requests, one at a time, ``interval`` seconds after the previous answer (or
    loss); record each round-trip time. Over UDP a request unanswered after ``timeout`` is lost."""

    def __init__(
        self,
        layer: Layer,
        dst: Addr,
        dport: int,
        request: bytes = b"ping",
        count: int = 1,
        interval: float = 1.0,
        timeout: float = 2.0,
        name: str | None = None,
        src: Addr | None = None,
    ) -> None:
        super().__init__(layer, name or f"rr-client->{dport}")
        self.dst, self.dport, self.request, self.count = dst, dport, request, count
        self.interval, self.timeout = interval, timeout
        self.exchanges: list[Exchange] = []
        self.responses: list[bytes] = []
        self.closed_reason: str | None = None
        self.done = False
        self._buf = bytearray()
        self.conn: TCPConnection | None = None
        self.socket: UDPSocket | None = None
        if isinstance(layer, TCPLayer):
            self.conn = layer.connect(dst, dport, src=src)
            self.conn.on_connected = self._send_next
            self.conn.on_data = self._on_tcp_data
            self.conn.on_closed = self._on_closed
        else:
            self.socket = layer.bind(0, self._datagram, addr=src)
            self._send_next()

    @property
    def rtts(self) -> list[float]:
        return [e.rtt for e in self.exchanges if e.rtt is not None]

    @property
    def lost(self) -> int:
        return sum(1 for e in self.exchanges if e.lost)

    def _send_next(self) -> None:
        if len(self.exchanges) >= self.count:
            self._finish()
            return
        ex = Exchange(len(self.exchanges), self.host.now)
        self.exchanges.append(ex)
        if self.conn is not None:
            if not self.conn.is_open:
                return
            self.conn.send(_frame(self.request))
        else:
            assert self.socket is not None
            self.socket.sendto(ex.number.to_bytes(COUNTER_BYTES, "big") + self.request, self.dst, self.dport)
            self._set_timer("timeout", self.host.now + self.timeout)

    def _finish(self) -> None:
        self.done = True
        if self.conn is not None and self.conn.is_open:
            self.conn.close()

    def _answered(self, ex: Exchange, response: bytes) -> None:
        ex.rtt = self.host.now - ex.sent_at
        self.responses.append(response)
        self._event(f"response {ex.number}: RTT {ex.rtt * 1000:.1f} ms", number=ex.number, rtt=ex.rtt)
        self._set_timer("next", self.host.now + self.interval)

    def _timer(self, what: str) -> None:
        if what == "next":
            self._send_next()
        elif what == "timeout" and self.exchanges and self.exchanges[-1].rtt is None:
            ex = self.exchanges[-1]
            ex.lost = True
            self._event(f"request {ex.number} lost (no answer in {self.timeout:g} s)", number=ex.number)
            self._set_timer("next", self.host.now + self.interval)

    def _on_tcp_data(self, data: bytes) -> None:
        self._buf.extend(data)
        for response in _take_messages(self._buf):
            pending = [e for e in self.exchanges if e.rtt is None]
            if pending:
                self._answered(pending[0], response)

    def _on_closed(self, reason: str) -> None:
        self.closed_reason = reason
        if not self.done:
            self._event(f"connection closed before the last response: {reason}", reason=reason)

    def _datagram(self, src: Addr, sport: int, data: bytes) -> None:
        if len(data) < COUNTER_BYTES:
            return
        number = int.from_bytes(data[:COUNTER_BYTES], "big")
        if number < len(self.exchanges):
            ex = self.exchanges[number]
            if ex.rtt is None and not ex.lost:
                self._cancel_timer("timeout")
                self._answered(ex, data[COUNTER_BYTES:])


def _frame(message: bytes) -> bytes:
    return len(message).to_bytes(LENGTH_BYTES, "big") + message


def _take_messages(buf: bytearray) -> list[bytes]:
    """Cut complete length-prefixed messages off the front of ``buf``."""
    out: list[bytes] = []
    while len(buf) >= LENGTH_BYTES:
        n = int.from_bytes(buf[:LENGTH_BYTES], "big")
        if len(buf) < LENGTH_BYTES + n:
            break
        out.append(bytes(buf[LENGTH_BYTES : LENGTH_BYTES + n]))
        del buf[: LENGTH_BYTES + n]
    return out
