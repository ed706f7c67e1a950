"""A compact but real TCP (a subset of RFC 9293), sans-IO, living inside one node.

Why it is here: the workbook's central contrast. A TCP connection is named by its 4-tuple
(local address, local port, remote address, remote port). When a node moves *with* Mobile IPv6 the
upper layers keep using the home address, so the 4-tuple stays valid and the connection survives
(segments sent during the handover are lost and simply retransmitted). When a node's address
changes *without* mobility support, the connection's local address disappears: the next segment it
tries to send aborts it with ``"local address no longer assigned"``, or, if the old address lingers
but is no longer reachable, it dies by ``"retransmission timeout"``.

What is implemented (RFC 9293 §3.10 event processing, in that order):

* the eleven states of :class:`TCPState` and the transitions in :data:`TRANSITIONS` (the table *is*
  the state diagram: every state change goes through it, and is recorded in the trace);
* three-way handshake (and simultaneous open), MSS option (ours: :data:`MSS` = 1220 = 1280 - 40 - 20);
* sequence numbers modulo 2^32 (:mod:`mip6lab.transport.seq`);
* a fixed send window of :data:`SEND_WINDOW_SEGMENTS` segments (also bounded by the peer's window),
  cumulative ACKs, one ACK sent for every segment that arrives (no delayed ACK, no Nagle, no
  congestion control);
* out-of-order segments are **buffered** (within the receive window) and delivered when the hole is
  filled, so one retransmission repairs a loss;
* retransmission timer per RFC 6298: RTO starts at 1 s, SRTT/RTTVAR from samples (Karn's rule: never
  time a retransmitted segment), minimum 1 s, exponential backoff up to 64 s, only the earliest
  unacknowledged segment is resent; after :data:`MAX_RETRANSMISSIONS` the connection aborts with
  ``"retransmission timeout"``; fast retransmit after three duplicate ACKs;
* RST generation for segments to unknown 4-tuples with RFC 9293's seq/ack rules, RST acceptance
  only at exactly RCV.NXT (RFC 5961 challenge ACK otherwise), SYN in a synchronized state ->
  challenge ACK;
* FIN in both directions, CLOSING, TIME_WAIT of 2*MSL with a short :data:`MSL` = 2 s.

Not implemented (documented simplifications): urgent data, window scaling, SACK, timestamps,
zero-window probing (our receive window never closes: the application consumes data at once),
keep-alives, RFC 6298's 3 s RTO after a timed-out SYN, ICMP soft errors.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from enum import Enum

from mip6lab.ipv6.upper import Delivery, UpperLayerHost
from mip6lab.transport.seq import seq_add, seq_diff, seq_in_window, seq_le, seq_lt
from mip6lab.wire.ip import Addr
from mip6lab.wire.transport import ACK, FIN, PSH, RST, SYN, TCP

IPPROTO_TCP = 6

MSS = 1220  # RFC 8200's minimum MTU 1280 - IPv6 header 40 - TCP header 20
SEND_WINDOW_SEGMENTS = 8  # fixed send window: at most this many segments in flight
RECEIVE_WINDOW = SEND_WINDOW_SEGMENTS * MSS  # what we advertise; never shrinks (app reads at once)
RTO_INITIAL = 1.0  # RFC 6298 §2.1
RTO_MIN = 1.0  # RFC 6298 §2.4
RTO_MAX = 64.0  # cap on the backed-off RTO
RTT_ALPHA = 1 / 8  # RFC 6298 §2.3
RTT_BETA = 1 / 4
RTT_K = 4
CLOCK_GRANULARITY = 0.001  # G in RFC 6298 (our clock is exact; 1 ms keeps the formula honest)
MAX_RETRANSMISSIONS = 8  # after this many timeouts in a row, give up
DUPACK_THRESHOLD = 3  # fast retransmit (RFC 5681 §3.2)
MSL = 2.0  # Maximum Segment Lifetime, short so that simulations end; TIME_WAIT lasts 2*MSL
EPHEMERAL_PORTS = (49152, 65535)  # RFC 6335 dynamic port range

# Reasons given to ``on_closed``.
REASON_CLOSED = "closed"
REASON_RESET = "connection reset"
REASON_TIMEOUT = "retransmission timeout"
REASON_ADDRESS_LOST = "local address no longer assigned"
REASON_ABORTED = "aborted by application"


class TCPError(Exception):
    """The application used a connection in a way its state does not allow."""


class TCPState(Enum):
    CLOSED = "CLOSED"
    LISTEN = "LISTEN"
    SYN_SENT = "SYN-SENT"
    SYN_RECEIVED = "SYN-RECEIVED"
    ESTABLISHED = "ESTABLISHED"
    FIN_WAIT_1 = "FIN-WAIT-1"
    FIN_WAIT_2 = "FIN-WAIT-2"
    CLOSE_WAIT = "CLOSE-WAIT"
    CLOSING = "CLOSING"
    LAST_ACK = "LAST-ACK"
    TIME_WAIT = "TIME-WAIT"


S = TCPState

#: The state diagram of RFC 9293 Figure 5: ``(state, event) -> next state``. Every transition a
#: connection makes is looked up here (a notebook can draw the diagram from this table).
TRANSITIONS: dict[tuple[TCPState, str], TCPState] = {
    (S.CLOSED, "active open / send SYN"): S.SYN_SENT,
    (S.LISTEN, "rcv SYN / send SYN,ACK"): S.SYN_RECEIVED,
    (S.SYN_SENT, "rcv SYN,ACK / send ACK"): S.ESTABLISHED,
    (S.SYN_SENT, "rcv SYN / send SYN,ACK"): S.SYN_RECEIVED,
    (S.SYN_SENT, "close"): S.CLOSED,
    (S.SYN_RECEIVED, "rcv ACK of SYN"): S.ESTABLISHED,
    (S.ESTABLISHED, "close / send FIN"): S.FIN_WAIT_1,
    (S.ESTABLISHED, "rcv FIN / send ACK"): S.CLOSE_WAIT,
    (S.FIN_WAIT_1, "rcv ACK of FIN"): S.FIN_WAIT_2,
    (S.FIN_WAIT_1, "rcv FIN / send ACK"): S.CLOSING,
    (S.FIN_WAIT_2, "rcv FIN / send ACK"): S.TIME_WAIT,
    (S.CLOSE_WAIT, "close / send FIN"): S.LAST_ACK,
    (S.CLOSING, "rcv ACK of FIN"): S.TIME_WAIT,
    (S.LAST_ACK, "rcv ACK of FIN"): S.CLOSED,
    (S.TIME_WAIT, "timeout 2*MSL"): S.CLOSED,
}

#: Events that take any state straight to CLOSED (the connection is aborted).
ABORT_EVENTS: tuple[str, ...] = (
    "rcv RST",
    "retransmission timeout",
    "local address lost",
    "abort / send RST",
)

#: States in which both sides' sequence numbers are known (RFC 9293 "synchronized").
SYNCHRONIZED = (
    S.ESTABLISHED,
    S.FIN_WAIT_1,
    S.FIN_WAIT_2,
    S.CLOSE_WAIT,
    S.CLOSING,
    S.LAST_ACK,
    S.TIME_WAIT,
)
_CAN_SEND = (S.ESTABLISHED, S.CLOSE_WAIT, S.FIN_WAIT_1, S.LAST_ACK)  # may still segment queued data
_CAN_RECEIVE = (S.ESTABLISHED, S.FIN_WAIT_1, S.FIN_WAIT_2)  # segment text is accepted

ConnKey = tuple[Addr, int, Addr, int]  # (local address, local port, remote address, remote port)


def seg_len(seg: TCP) -> int:
    """SEG.LEN: octets of data plus one for SYN and one for FIN (RFC 9293 §3.4)."""
    return len(seg.data) + (1 if seg.flags & SYN else 0) + (1 if seg.flags & FIN else 0)


def mss_option(mss: int) -> bytes:
    """The MSS option (kind 2, length 4), which fills a whole 4-octet word."""
    return bytes((2, 4)) + mss.to_bytes(2, "big")


def parse_mss(options: bytes) -> int | None:
    """Find the MSS option among raw TCP options (kind 0 ends the list, kind 1 is one octet)."""
    i = 0
    while i < len(options):
        kind = options[i]
        if kind == 0:
            break
        if kind == 1:
            i += 1
            continue
        if i + 1 >= len(options) or options[i + 1] < 2:
            break
        length = options[i + 1]
        if kind == 2 and length == 4 and i + 4 <= len(options):
            return int.from_bytes(options[i + 2 : i + 4], "big")
        i += length
    return None


@dataclass(slots=True)
class _Sent:
    """A segment that occupies sequence space and waits for its acknowledgment."""

    seq: int
    data: bytes
    flags: int  # SYN / FIN bits (ACK is added when the segment goes out)
    options: bytes = b""
    retransmitted: bool = False

    @property
    def length(self) -> int:
        return len(self.data) + (1 if self.flags & SYN else 0) + (1 if self.flags & FIN else 0)

    @property
    def end(self) -> int:
        return seq_add(self.seq, self.length)


# =========================================================================== connection
class TCPConnection:
    """One connection (a TCB, RFC 9293 §3.3.1) bound to its 4-tuple.

    Send side: SND.UNA (oldest unacknowledged), SND.NXT (next to send), SND.WND (peer's window),
    ISS. Receive side: RCV.NXT, RCV.WND, IRS. Set the ``on_*`` callbacks to hear about the
    connection; read the counters to plot it.
    """

    def __init__(
        self,
        layer: TCPLayer,
        local: Addr,
        lport: int,
        remote: Addr,
        rport: int,
        iss: int,
        passive: bool,
    ) -> None:
        self.layer = layer
        self.host = layer.host
        self.local = local
        self.lport = lport
        self.remote = remote
        self.rport = rport
        self.passive = passive
        self.state = S.LISTEN if passive else S.CLOSED
        # send sequence variables
        self.iss = iss & 0xFFFFFFFF
        self.snd_una = self.iss
        self.snd_nxt = self.iss
        self.snd_wnd = MSS  # until the peer tells us its window
        # receive sequence variables
        self.irs = 0
        self.rcv_nxt = 0
        self.rcv_wnd = RECEIVE_WINDOW
        self.mss = MSS  # effective send MSS: min(ours, the peer's MSS option)
        # retransmission (RFC 6298)
        self.rto = RTO_INITIAL
        self.srtt: float | None = None
        self.rttvar: float | None = None
        self._timed: tuple[int, float] | None = None  # (end seq, time sent) of the segment being timed
        self._retries = 0  # consecutive timeouts without progress
        self._dupacks = 0
        self._rtx_armed = False
        self._recover: int | None = None  # SND.NXT when the last timeout struck (loss recovery)
        self._rtx_next = 0  # how far loss recovery has already resent
        self._ack_owed = False  # an arriving segment needs an ACK that no outgoing segment carried yet
        self._announced = False  # the application has seen the connection (connected / accepted)
        # queues
        self._send_buffer = bytearray()  # accepted from the application, not yet segmented
        self._flight: list[_Sent] = []  # sent, not yet acknowledged, in sequence order
        self._ooo: dict[int, tuple[bytes, bool]] = {}  # out-of-order: seq -> (data, fin)
        self._fin_queued = False
        self._fin_sent = False
        # outcome
        self.close_reason: str | None = None
        self.history: list[tuple[float, TCPState, TCPState, str]] = []  # (time, from, to, event)
        # counters
        self.bytes_sent = 0  # application bytes sent for the first time
        self.bytes_acked = 0  # application bytes the peer acknowledged
        self.bytes_received = 0  # application bytes delivered in order to on_data
        self.segments_sent = 0
        self.segments_received = 0
        self.retransmissions = 0  # timeouts + fast retransmits
        self.timeouts = 0
        self.fast_retransmits = 0
        self.duplicate_acks = 0
        self.out_of_order = 0  # segments that arrived ahead of a hole and were buffered
        self.send_failures = 0  # segments the node could not send (send_upper returned False)
        # callbacks
        self.on_connected: Callable[[], None] | None = None
        self.on_data: Callable[[bytes], None] | None = None
        self.on_eof: Callable[[], None] | None = None  # the peer closed its direction (FIN received)
        self.on_closed: Callable[[str], None] | None = None

    # ------------------------------------------------------------------ identity
    @property
    def key(self) -> ConnKey:
        return (self.local, self.lport, self.remote, self.rport)

    def __str__(self) -> str:
        return f"[{self.local}]:{self.lport} <-> [{self.remote}]:{self.rport}"

    def __repr__(self) -> str:
        return f"<TCPConnection {self} {self.state.value}>"

    @property
    def is_open(self) -> bool:
        return self.state is not S.CLOSED

    @property
    def bytes_in_flight(self) -> int:
        return seq_diff(self.snd_nxt, self.snd_una)

    @property
    def bytes_queued(self) -> int:
        """Application bytes not yet acknowledged (buffered or in flight)."""
        return len(self._send_buffer) + sum(len(s.data) for s in self._flight)

    def stats(self) -> dict[str, object]:
        return {
            "state": self.state.value,
            "bytes_sent": self.bytes_sent,
            "bytes_acked": self.bytes_acked,
            "bytes_received": self.bytes_received,
            "segments_sent": self.segments_sent,
            "segments_received": self.segments_received,
            "retransmissions": self.retransmissions,
            "timeouts": self.timeouts,
            "fast_retransmits": self.fast_retransmits,
            "duplicate_acks": self.duplicate_acks,
            "out_of_order": self.out_of_order,
            "rto": self.rto,
            "srtt": self.srtt,
            "close_reason": self.close_reason,
        }

    # ------------------------------------------------------------------ application calls
    def send(self, data: bytes) -> None:
        """Queue ``data`` for sending (RFC 9293 SEND call). Queued before ESTABLISHED is sent then."""
        if self.state in (S.CLOSED, S.LISTEN):
            raise TCPError(f"connection {self} is {self.state.value}")
        if self._fin_queued or self.state in (S.CLOSING, S.TIME_WAIT):
            raise TCPError(f"connection {self} is closing")
        self._send_buffer += data
        self._output()

    def close(self) -> None:
        """Close our direction (RFC 9293 CLOSE call): queued data is still sent, then a FIN."""
        st = self.state
        if st is S.SYN_SENT:
            self._transition("close")
            self._finish(REASON_CLOSED)
        elif st in (S.ESTABLISHED, S.CLOSE_WAIT):
            self._fin_queued = True
            self._transition("close / send FIN")
            self._output()
        elif st is S.SYN_RECEIVED:
            self._fin_queued = True  # sent once the handshake completes
        # any other state: already closing or closed - nothing to do

    def abort(self) -> None:
        """Abort (RFC 9293 ABORT call): send a RST in synchronized states and forget the connection."""
        if self.state is S.CLOSED:
            return
        if self.state in SYNCHRONIZED or self.state is S.SYN_RECEIVED:
            self._transmit(self.snd_nxt, RST, b"", check_address=False)
        self._transition("abort / send RST")
        self._finish(REASON_ABORTED)

    # ------------------------------------------------------------------ state machine
    def _transition(self, event: str) -> None:
        old = self.state
        new = S.CLOSED if event in ABORT_EVENTS else TRANSITIONS.get((old, event))
        if new is None:
            raise AssertionError(f"no TCP transition from {old.value} on {event!r}")
        self.state = new
        self.history.append((self.host.now, old, new, event))
        self._event(f"{old.value} -> {new.value} ({event})", event=event, old=old.value, new=new.value)

    def _event(self, message: str, **details: object) -> None:
        self.host.trace.event(self.host.now, self.host.name, "tcp", message, conn=str(self), **details)

    def _finish(self, reason: str) -> None:
        """The connection has reached CLOSED: stop timers, leave the table, tell the application."""
        self.state = S.CLOSED
        self.close_reason = reason
        self.layer._forget(self)
        self._stop_rtx_timer()
        self.host.cancel_timer(self._timer_key("time-wait"))
        self._event(f"connection closed: {reason}", reason=reason)
        if reason != REASON_CLOSED or self._announced:
            cb = self.on_closed
            if cb is not None:
                cb(reason)

    def _die(self, event: str, reason: str) -> None:
        if self.state is S.CLOSED:
            return
        self._transition(event)
        if self.passive and not self._announced:
            # a half-open passive connection goes back to LISTEN: the listener never saw it
            self.close_reason = reason
            self.layer._forget(self)
            self._stop_rtx_timer()
            self._event(f"embryonic connection dropped: {reason}", reason=reason)
            return
        self._finish(reason)

    def _established(self) -> None:
        self._announced = True
        if self.passive:
            listener = self.layer._listener_for(self.local, self.lport)
            if listener is not None and listener.on_accept is not None:
                listener.accepted.append(self)
                listener.on_accept(self)
        if self.on_connected is not None and self.state is not S.CLOSED:
            self.on_connected()
        if self._fin_queued and self.state is S.ESTABLISHED:
            self._transition("close / send FIN")

    # ------------------------------------------------------------------ timers
    def _timer_key(self, kind: str) -> Hashable:
        return ("tcp", kind, self.key)

    def _restart_rtx_timer(self) -> None:
        self._rtx_armed = True
        self.host.set_timer(self._timer_key("rtx"), self.host.now + self.rto)

    def _stop_rtx_timer(self) -> None:
        self._rtx_armed = False
        self.host.cancel_timer(self._timer_key("rtx"))

    def _on_timer(self, kind: str) -> None:
        if kind == "rtx":
            self._rtx_armed = False
            self._on_retransmission_timeout()
        elif kind == "time-wait" and self.state is S.TIME_WAIT:
            self._transition("timeout 2*MSL")
            self._finish(REASON_CLOSED)

    def _on_retransmission_timeout(self) -> None:
        """RFC 6298 §5.4-5.6: resend the earliest unacknowledged segment, double RTO, restart."""
        if not self._flight or self.state is S.CLOSED:
            return
        if self._retries >= MAX_RETRANSMISSIONS:
            self._event(
                f"giving up after {self._retries} retransmissions",
                retransmissions=self._retries,
                snd_una=self.snd_una,
            )
            self._die("retransmission timeout", REASON_TIMEOUT)
            return
        self._retries += 1
        self.timeouts += 1
        self.rto = min(self.rto * 2, RTO_MAX)
        seg = self._flight[0]
        self._recover = self.snd_nxt
        self._rtx_next = seg.end
        self._event(
            f"retransmission timeout: resend seq={seg.seq} len={seg.length} "
            f"(retransmission {self._retries}, RTO now {self.rto:g} s)",
            seq=seg.seq,
            length=seg.length,
            attempt=self._retries,
            rto=self.rto,
        )
        self._retransmit(seg)
        if self.state is not S.CLOSED:
            self._restart_rtx_timer()

    def _retransmit(self, seg: _Sent) -> None:
        seg.retransmitted = True
        self._timed = None  # Karn's rule: a retransmitted segment gives no RTT sample
        self.retransmissions += 1
        self._transmit(seg.seq, seg.flags | self._ack_flag(seg), seg.data, seg.options)

    def _after_timeout_ack(self, ack: int) -> None:
        """The first ACK after a timeout shows the path works again: resend, at once, every segment
        that was in flight when the timeout struck (go-back-N within our fixed window, as BSD does by
        pulling SND.NXT back), instead of waiting one backed-off RTO per lost segment. The receiver
        trims what it already has."""
        assert self._recover is not None
        if seq_le(self._recover, ack):
            self._recover = None
            return
        resent = 0
        for rec in self._flight:
            if seq_lt(rec.seq, self._rtx_next) or not seq_lt(rec.seq, self._recover):
                continue
            self._retransmit(rec)
            self._rtx_next = rec.end
            resent += 1
            if self.state is S.CLOSED:
                return
        if resent:
            self._event(
                f"ACK {ack} after timeout: resend {resent} more segment(s) up to {self._rtx_next}",
                ack=ack,
                resent=resent,
            )

    def _ack_flag(self, seg: _Sent) -> int:
        # everything but our very first SYN (active open) carries an ACK
        return 0 if (seg.flags & SYN and self.state is S.SYN_SENT) else ACK

    def _rtt_sample(self, r: float) -> None:
        """RFC 6298 §2.2-2.3."""
        if self.srtt is None or self.rttvar is None:
            self.srtt = r
            self.rttvar = r / 2
        else:
            self.rttvar = (1 - RTT_BETA) * self.rttvar + RTT_BETA * abs(self.srtt - r)
            self.srtt = (1 - RTT_ALPHA) * self.srtt + RTT_ALPHA * r
        self.rto = min(RTO_MAX, max(RTO_MIN, self.srtt + max(CLOCK_GRANULARITY, RTT_K * self.rttvar)))

    # ------------------------------------------------------------------ output
    def _transmit(self, seq: int, flags: int, data: bytes, options: bytes = b"", check_address=True) -> bool:
        """Hand one segment to the node. The connection is bound to its local address: if the node
        no longer has it, the connection cannot go on and is aborted."""
        if check_address and not self.host.has_address(self.local):
            self._event(f"cannot send: local address {self.local} no longer assigned", local=str(self.local))
            self._die("local address lost", REASON_ADDRESS_LOST)
            return False
        seg = TCP(
            sport=self.lport,
            dport=self.rport,
            seq=seq,
            ack=self.rcv_nxt if flags & ACK else 0,
            flags=flags,
            window=min(self.rcv_wnd, 0xFFFF),
            data=data,
            options=options,
        )
        self.segments_sent += 1
        if flags & ACK:
            self._ack_owed = False
        ok = self.host.send_upper(seg, self.remote, self.local)
        if not ok:
            self.send_failures += 1
            self._event(f"node could not send {seg.flag_names} seq={seq}", seq=seq)
        return ok

    def _send_new(self, data: bytes, flags: int, options: bytes = b"") -> None:
        """Send a segment that occupies new sequence space and keep it until it is acknowledged."""
        rec = _Sent(self.snd_nxt, data, flags & (SYN | FIN), options)
        self._flight.append(rec)
        self.snd_nxt = rec.end
        self.bytes_sent += len(data)
        if self._timed is None:
            self._timed = (rec.end, self.host.now)
        if not self._rtx_armed:  # RFC 6298 §5.1
            self._restart_rtx_timer()
        self._transmit(rec.seq, flags, data, options)

    def _send_ack(self) -> None:
        self._transmit(self.snd_nxt, ACK, b"")

    def _output(self) -> None:
        """Segment queued data into the window, then the FIN once everything before it went out."""
        while self.state in _CAN_SEND and not self._fin_sent:
            if len(self._flight) >= SEND_WINDOW_SEGMENTS:
                return
            if self._send_buffer:
                room = self.snd_wnd - self.bytes_in_flight
                n = min(self.mss, len(self._send_buffer), room)
                if n <= 0:
                    return
                data = bytes(self._send_buffer[:n])
                del self._send_buffer[:n]
                self._send_new(data, ACK | (0 if self._send_buffer else PSH))
            elif self._fin_queued:
                self._fin_sent = True
                self._send_new(b"", FIN | ACK)
            else:
                return

    # ------------------------------------------------------------------ input
    def _acceptable(self, seq: int, length: int) -> bool:
        """RFC 9293 §3.10.7.4 first check: does the segment overlap the receive window?"""
        if length == 0:
            if self.rcv_wnd == 0:
                return seq == self.rcv_nxt
            return seq_in_window(seq, self.rcv_nxt, self.rcv_wnd)
        if self.rcv_wnd == 0:
            return False
        return seq_in_window(seq, self.rcv_nxt, self.rcv_wnd) or seq_in_window(
            seq_add(seq, length - 1), self.rcv_nxt, self.rcv_wnd
        )

    def _segment_arrives(self, seg: TCP) -> None:
        self.segments_received += 1
        if self.state is S.SYN_SENT:
            self._arrives_in_syn_sent(seg)
            return
        if self.state is S.CLOSED:
            return
        if self.state is S.SYN_RECEIVED and seg.flags & SYN and seg.seq == self.irs:
            if seg.flags & ACK and seq_lt(self.snd_una, seg.ack) and seq_le(seg.ack, self.snd_nxt):
                # simultaneous open: the peer's SYN,ACK acknowledges our SYN (RFC 9293 Figure 8)
                self._process_ack(seg)
                self._transition("rcv ACK of SYN")
                self._send_ack()
                if self.state is not S.CLOSED:
                    self._established()
            elif self._flight:
                # a retransmitted SYN: our SYN,ACK was lost, send it again now
                self._event("duplicate SYN: resend SYN,ACK")
                self._retransmit(self._flight[0])
            return
        # 1. sequence number check
        if not self._acceptable(seg.seq, seg_len(seg)):
            if not seg.flags & RST:
                self._event(
                    f"unacceptable segment seq={seg.seq} (RCV.NXT={self.rcv_nxt}): send ACK",
                    seq=seg.seq,
                    rcv_nxt=self.rcv_nxt,
                )
                self._send_ack()
            return
        # 2. RST
        if seg.flags & RST:
            if seg.seq == self.rcv_nxt:
                self._event("RST received", seq=seg.seq)
                # RFC 9293: in CLOSING, LAST-ACK and TIME-WAIT the application has closed and all
                # data is through, so the connection simply ends; elsewhere it is a reset
                closing = self.state in (S.CLOSING, S.LAST_ACK, S.TIME_WAIT)
                self._die("rcv RST", REASON_CLOSED if closing else REASON_RESET)
            else:
                self._event("RST in window but not at RCV.NXT: challenge ACK (RFC 5961)", seq=seg.seq)
                self._send_ack()
            return
        # 4. SYN in a synchronized state
        if seg.flags & SYN:
            self._event("SYN in synchronized state: challenge ACK (RFC 5961)", seq=seg.seq)
            self._send_ack()
            return
        # 5. ACK
        if not seg.flags & ACK:
            return
        if self.state is S.SYN_RECEIVED:
            if seq_lt(self.snd_una, seg.ack) and seq_le(seg.ack, self.snd_nxt):
                self._process_ack(seg)
                self._transition("rcv ACK of SYN")
                self._established()
                if self.state is S.CLOSED:
                    return
            else:
                self.layer._send_rst(self.local, self.remote, self.lport, self.rport, seq=seg.ack)
                return
        elif not self._process_ack(seg):
            return
        fin_acked = self._fin_sent and self.snd_una == self.snd_nxt
        if fin_acked:
            if self.state is S.FIN_WAIT_1:
                self._transition("rcv ACK of FIN")
            elif self.state is S.CLOSING:
                self._transition("rcv ACK of FIN")
                self._enter_time_wait()
            elif self.state is S.LAST_ACK:
                self._transition("rcv ACK of FIN")
                self._finish(REASON_CLOSED)
                return
        # 7. segment text and 8. FIN
        if seg.data or seg.flags & FIN:
            if self.state in _CAN_RECEIVE:
                self._receive_text(seg.seq, seg.data, bool(seg.flags & FIN))
            elif self.state in (S.CLOSE_WAIT, S.CLOSING, S.LAST_ACK, S.TIME_WAIT):
                # our peer already sent its FIN: this is a retransmission; acknowledge it again
                self._send_ack()
                if self.state is S.TIME_WAIT:
                    self._enter_time_wait()
        self._output()

    def _arrives_in_syn_sent(self, seg: TCP) -> None:
        """RFC 9293 §3.10.7.3."""
        if seg.flags & ACK and (seq_le(seg.ack, self.iss) or seq_lt(self.snd_nxt, seg.ack)):
            if not seg.flags & RST:
                self.layer._send_rst(self.local, self.remote, self.lport, self.rport, seq=seg.ack)
            return
        if seg.flags & RST:
            if seg.flags & ACK:
                self._event("RST received in SYN-SENT: connection refused")
                self._die("rcv RST", REASON_RESET)
            return
        if not seg.flags & SYN:
            return
        self.irs = seg.seq
        self.rcv_nxt = seq_add(seg.seq, 1)
        peer_mss = parse_mss(seg.options)
        if peer_mss:
            self.mss = min(MSS, peer_mss)
        self.snd_wnd = seg.window
        if seg.flags & ACK:
            self._process_ack(seg)
            self._transition("rcv SYN,ACK / send ACK")
            self._send_ack()
            if self.state is S.CLOSED:
                return
            self._established()
            if self.state is S.CLOSED:
                return
            if seg.data or seg.flags & FIN:
                self._receive_text(seq_add(seg.seq, 1), seg.data, bool(seg.flags & FIN))
            self._output()
        else:
            # simultaneous open: our SYN becomes a SYN,ACK
            self._transition("rcv SYN / send SYN,ACK")
            if self._flight:
                self._retransmit(self._flight[0])
                self.retransmissions -= 1  # not a loss repair

    def _process_ack(self, seg: TCP) -> bool:
        """Process SEG.ACK in a synchronized state; False means "drop the rest of the segment"."""
        ack = seg.ack
        if seq_lt(self.snd_una, ack) and seq_le(ack, self.snd_nxt):
            acked_data = 0
            while self._flight:
                rec = self._flight[0]
                if seq_le(rec.end, ack):
                    acked_data += len(rec.data)
                    self._flight.pop(0)
                    continue
                if seq_lt(rec.seq, ack):  # partial acknowledgment of a segment: keep the rest
                    cut = seq_diff(ack, rec.seq)
                    if rec.flags & SYN:
                        rec.flags &= ~SYN
                        cut -= 1
                    acked_data += cut
                    rec.data = rec.data[cut:]
                    rec.seq = ack
                break
            self.bytes_acked += acked_data
            self.snd_una = ack
            self.snd_wnd = seg.window
            if self._timed is not None and seq_le(self._timed[0], ack):
                self._rtt_sample(self.host.now - self._timed[1])
                self._timed = None
            self._retries = 0
            self._dupacks = 0
            if self._recover is not None:
                self._after_timeout_ack(ack)
            if self._flight:
                self._restart_rtx_timer()
            else:
                self._stop_rtx_timer()
            return True
        if ack == self.snd_una:
            if not seg.data and not seg.flags & (SYN | FIN) and self._flight and seg.window == self.snd_wnd:
                self.duplicate_acks += 1
                self._dupacks += 1
                if self._dupacks == DUPACK_THRESHOLD:
                    rec = self._flight[0]
                    self.fast_retransmits += 1
                    self._event(f"{DUPACK_THRESHOLD} duplicate ACKs: fast retransmit seq={rec.seq}", seq=rec.seq)
                    self._retransmit(rec)
            self.snd_wnd = seg.window
            return True
        if seq_lt(self.snd_nxt, ack):
            self._event(f"ACK {ack} for data not yet sent (SND.NXT={self.snd_nxt}): send ACK", ack=ack)
            self._send_ack()
            return False
        return True  # an old duplicate ACK: ignore it, keep processing the segment

    def _receive_text(self, seq: int, data: bytes, fin: bool) -> None:
        """Deliver in-order data (and a FIN), buffer data beyond a hole, acknowledge every segment."""
        self._ack_owed = True  # cleared by any segment the application's reply sends meanwhile
        # trim what we already have
        behind = seq_diff(self.rcv_nxt, seq)
        if behind > 0:
            if behind > len(data):
                data, fin = b"", False
            else:
                data = data[behind:]
            seq = self.rcv_nxt
        # trim what lies beyond the window
        room = self.rcv_wnd - seq_diff(seq, self.rcv_nxt)
        if len(data) > room:
            data, fin = data[: max(room, 0)], False
        if seq == self.rcv_nxt:
            self._deliver(data, fin)
            self._drain_out_of_order()
        elif (data or fin) and seq not in self._ooo:
            self._ooo[seq] = (data, fin)
            self.out_of_order += 1
            self._event(
                f"out-of-order segment seq={seq} buffered (RCV.NXT={self.rcv_nxt})",
                seq=seq,
                rcv_nxt=self.rcv_nxt,
            )
        if self.state is not S.CLOSED and self._ack_owed:
            self._send_ack()

    def _drain_out_of_order(self) -> None:
        progress = True
        while progress and self._ooo and self.state in _CAN_RECEIVE:
            progress = False
            for seq in list(self._ooo):
                data, fin = self._ooo[seq]
                behind = seq_diff(self.rcv_nxt, seq)
                if behind < 0:
                    continue
                del self._ooo[seq]
                if behind > len(data):  # entirely old
                    continue
                self._deliver(data[behind:], fin)
                progress = True
                break

    def _deliver(self, data: bytes, fin: bool) -> None:
        if data:
            self.rcv_nxt = seq_add(self.rcv_nxt, len(data))
            self.bytes_received += len(data)
            if self.on_data is not None:
                self.on_data(data)
        if fin and self.state in _CAN_RECEIVE:
            self.rcv_nxt = seq_add(self.rcv_nxt, 1)
            self._ooo.clear()
            if self.state is S.ESTABLISHED:
                self._transition("rcv FIN / send ACK")
            elif self.state is S.FIN_WAIT_1:
                self._transition("rcv FIN / send ACK")  # -> CLOSING: our FIN not yet acknowledged
            elif self.state is S.FIN_WAIT_2:
                self._transition("rcv FIN / send ACK")
                self._enter_time_wait()
            if self.on_eof is not None:
                self.on_eof()

    def _enter_time_wait(self) -> None:
        self._stop_rtx_timer()
        self.host.set_timer(self._timer_key("time-wait"), self.host.now + 2 * MSL)


# =========================================================================== listener and layer
class TCPListener:
    """A passive open on ``port`` (and one local address, or all of them)."""

    def __init__(self, layer: TCPLayer, port: int, addr: Addr | None, on_accept: Callable[[TCPConnection], None]):
        self.layer = layer
        self.port = port
        self.addr = addr
        self.on_accept: Callable[[TCPConnection], None] | None = on_accept
        self.accepted: list[TCPConnection] = []
        self.state = S.LISTEN

    def close(self) -> None:
        """Stop listening (connections already accepted carry on)."""
        self.state = S.CLOSED
        self.layer._listeners.pop((self.addr, self.port), None)


class TCPLayer:
    """TCP for one node: the connection table, the listeners, demultiplexing and RST replies."""

    def __init__(self, host: UpperLayerHost) -> None:
        self.host = host
        self._connections: dict[ConnKey, TCPConnection] = {}
        self._listeners: dict[tuple[Addr | None, int], TCPListener] = {}
        self.closed: list[TCPConnection] = []  # finished connections, oldest first
        self.resets_sent = 0
        self.isn_source: Callable[[], int] = lambda: host.rng.getrandbits(32)
        host.register_upper(IPPROTO_TCP, self._on_delivery)
        host.register_timer_handler("tcp", self._on_timer)

    # ------------------------------------------------------------------ API
    @property
    def connections(self) -> list[TCPConnection]:
        return list(self._connections.values())

    def listen(self, port: int, on_accept: Callable[[TCPConnection], None], addr: Addr | None = None) -> TCPListener:
        """Passive open. ``on_accept(conn)`` runs when a connection reaches ESTABLISHED."""
        if (addr, port) in self._listeners:
            raise TCPError(f"port {port} already has a listener")
        listener = TCPListener(self, port, addr, on_accept)
        self._listeners[(addr, port)] = listener
        return listener

    def connect(
        self,
        dst: Addr,
        dport: int,
        src: Addr | None = None,
        sport: int | None = None,
        iss: int | None = None,
    ) -> TCPConnection:
        """Active open: send a SYN from ``src`` (default: the node's choice of source address for
        ``dst`` - the home address on a Mobile IPv6 node) and return the connection in SYN-SENT."""
        if src is None:
            src = self.host.source_address_for(dst)
            if src is None:
                raise TCPError(f"no source address to reach {dst}")
        if sport is None:
            sport = self._ephemeral_port(src, dst, dport)
        key = (src, sport, dst, dport)
        if key in self._connections:
            raise TCPError(f"connection {key} already exists")
        conn = TCPConnection(self, src, sport, dst, dport, self.isn_source() if iss is None else iss, False)
        self._connections[key] = conn
        conn._transition("active open / send SYN")
        conn._send_new(b"", SYN, mss_option(MSS))
        return conn

    # ------------------------------------------------------------------ internals
    def _ephemeral_port(self, src: Addr, dst: Addr, dport: int) -> int:
        lo, hi = EPHEMERAL_PORTS
        for _ in range(1000):
            port = self.host.rng.randint(lo, hi)
            if (src, port, dst, dport) not in self._connections and (None, port) not in self._listeners:
                return port
        raise TCPError("no free ephemeral port")

    def _listener_for(self, addr: Addr, port: int) -> TCPListener | None:
        return self._listeners.get((addr, port)) or self._listeners.get((None, port))

    def _forget(self, conn: TCPConnection) -> None:
        if self._connections.get(conn.key) is conn:
            del self._connections[conn.key]
            self.closed.append(conn)

    def _on_timer(self, key: Hashable) -> None:
        assert isinstance(key, tuple)
        _, kind, conn_key = key
        conn = self._connections.get(conn_key)
        if conn is not None:
            conn._on_timer(kind)

    def _on_delivery(self, d: Delivery) -> None:
        seg = d.payload
        if not isinstance(seg, TCP):
            return
        conn = self._connections.get((d.dst, seg.dport, d.src, seg.sport))
        if conn is not None:
            conn._segment_arrives(seg)
            return
        listener = self._listener_for(d.dst, seg.dport)
        if listener is not None:
            self._arrives_at_listener(listener, d, seg)
            return
        # CLOSED (RFC 9293 §3.10.7.1): nobody has this 4-tuple
        if not seg.flags & RST:
            self.host.trace.event(
                self.host.now,
                self.host.name,
                "tcp",
                f"{seg.flag_names} segment for unknown connection [{d.dst}]:{seg.dport}: send RST",
                src=str(d.src),
                sport=seg.sport,
                dport=seg.dport,
            )
            self._reset_reply(d, seg)

    def _arrives_at_listener(self, listener: TCPListener, d: Delivery, seg: TCP) -> None:
        """RFC 9293 §3.10.7.2 (LISTEN)."""
        if seg.flags & RST:
            return
        if seg.flags & ACK:
            self._reset_reply(d, seg)
            return
        if not seg.flags & SYN:
            return
        conn = TCPConnection(self, d.dst, seg.dport, d.src, seg.sport, self.isn_source(), True)
        conn.segments_received += 1
        conn.irs = seg.seq
        conn.rcv_nxt = seq_add(seg.seq, 1)
        conn.snd_wnd = seg.window
        peer_mss = parse_mss(seg.options)
        if peer_mss:
            conn.mss = min(MSS, peer_mss)
        self._connections[conn.key] = conn
        conn._transition("rcv SYN / send SYN,ACK")
        conn._send_new(b"", SYN | ACK, mss_option(MSS))

    def _reset_reply(self, d: Delivery, seg: TCP) -> None:
        """The RST for a segment nobody wants: <SEQ=SEG.ACK><CTL=RST> if it had an ACK, otherwise
        <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>."""
        if seg.flags & RST:
            return
        if seg.flags & ACK:
            self._send_rst(d.dst, d.src, seg.dport, seg.sport, seq=seg.ack)
        else:
            self._send_rst(d.dst, d.src, seg.dport, seg.sport, seq=0, ack=seq_add(seg.seq, seg_len(seg)))

    def _send_rst(self, local: Addr, remote: Addr, lport: int, rport: int, seq: int, ack: int | None = None) -> None:
        flags = RST if ack is None else RST | ACK
        rst = TCP(sport=lport, dport=rport, seq=seq, ack=ack or 0, flags=flags, window=0)
        self.resets_sent += 1
        self.host.trace.event(
            self.host.now, self.host.name, "tcp", f"send RST seq={seq} ack={ack or 0}", seq=seq, ack=ack or 0
        )
        self.host.send_upper(rst, remote, local)
