"""TCP on two fake hosts: handshake, data, loss repair, RST, FIN, aborts, sequence wrap-around.

One-way delay is 50 ms everywhere, so an RTT is 0.1 s and every time below is exact.
"""

from __future__ import annotations

import random
from ipaddress import IPv6Address

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from transport_fakes import A, B, FakeHost, FakeNet, Sent

from mip6lab.transport.seq import seq_add
from mip6lab.transport.tcp import (
    MSL,
    MSS,
    REASON_ABORTED,
    REASON_ADDRESS_LOST,
    REASON_CLOSED,
    REASON_RESET,
    REASON_TIMEOUT,
    SEND_WINDOW_SEGMENTS,
    TRANSITIONS,
    TCPConnection,
    TCPError,
    TCPLayer,
    TCPState,
    mss_option,
)
from mip6lab.wire.transport import ACK, FIN, PSH, RST, SYN, TCP

S = TCPState


class Setup:
    """A client on host a, a listening server on host b (port 80), fixed ISNs."""

    def __init__(self, net: FakeNet, a: FakeHost, b: FakeHost, iss_a: int = 1000, iss_b: int = 5000) -> None:
        self.net, self.a, self.b = net, a, b
        self.ta, self.tb = TCPLayer(a), TCPLayer(b)
        self.ta.isn_source = lambda: iss_a
        self.tb.isn_source = lambda: iss_b
        self.accepted: list[TCPConnection] = []
        self.server_data = bytearray()
        self.client_data = bytearray()
        self.closed: dict[str, tuple[float, str]] = {}
        self.listener = self.tb.listen(80, self._accept)
        self.client: TCPConnection | None = None

    def _accept(self, conn: TCPConnection) -> None:
        self.accepted.append(conn)
        conn.on_data = self.server_data.extend
        conn.on_closed = lambda r: self.closed.__setitem__("server", (self.net.sim.now, r))

    def connect(self, sport: int = 40000) -> TCPConnection:
        c = self.ta.connect(B, 80, sport=sport)
        c.on_data = self.client_data.extend
        c.on_closed = lambda r: self.closed.__setitem__("client", (self.net.sim.now, r))
        self.client = c
        return c

    @property
    def server(self) -> TCPConnection:
        return self.accepted[0]


def segs(net: FakeNet, src: IPv6Address | None = None) -> list[tuple[float, str, int, int, int]]:
    """(time, flags, seq, ack, len) of every TCP segment put on the fake network."""
    return [
        (round(s.time, 6), s.payload.flag_names, s.payload.seq, s.payload.ack, len(s.payload.data))
        for s in net.tcp_log(src)
    ]


def run(net: FakeNet, until: float | None = None) -> None:
    net.sim.run(until=until)


# --------------------------------------------------------------------------- handshake
def test_three_way_handshake_exact(pair: tuple[FakeNet, FakeHost, FakeHost]) -> None:
    net, a, b = pair
    st = Setup(net, a, b)
    c = st.connect()
    connected_at: list[float] = []
    c.on_connected = lambda: connected_at.append(net.sim.now)
    assert c.state is S.SYN_SENT
    run(net, 1.0)
    assert segs(net) == [
        (0.0, "S", 1000, 0, 0),
        (0.05, "SA", 5000, 1001, 0),
        (0.1, "A", 1001, 5001, 0),
    ]
    syn = net.tcp_log()[0].payload
    assert syn.options == mss_option(MSS) == b"\x02\x04\x04\xc4"
    assert connected_at == [0.1]
    assert c.state is S.ESTABLISHED and st.server.state is S.ESTABLISHED
    assert (c.snd_nxt, c.rcv_nxt, st.server.snd_nxt, st.server.rcv_nxt) == (1001, 5001, 5001, 1001)
    assert [(h[1], h[2]) for h in c.history] == [(S.CLOSED, S.SYN_SENT), (S.SYN_SENT, S.ESTABLISHED)]
    assert [(h[1], h[2]) for h in st.server.history] == [
        (S.LISTEN, S.SYN_RECEIVED),
        (S.SYN_RECEIVED, S.ESTABLISHED),
    ]
    # RFC 6298: the SYN's RTT of 0.1 s gives SRTT 0.1, RTTVAR 0.05, RTO max(1, 0.3) = 1
    assert c.srtt == pytest.approx(0.1) and c.rttvar == pytest.approx(0.05) and c.rto == 1.0
    # the transitions are in the trace
    msgs = [e.message for e in net.trace.events_for("a", "tcp")]
    assert "CLOSED -> SYN-SENT (active open / send SYN)" in msgs
    assert "SYN-SENT -> ESTABLISHED (rcv SYN,ACK / send ACK)" in msgs


def test_transition_table_covers_rfc_diagram() -> None:
    assert len(TRANSITIONS) == 15
    assert TRANSITIONS[(S.FIN_WAIT_2, "rcv FIN / send ACK")] is S.TIME_WAIT
    assert {s for (s, _) in TRANSITIONS} | set(TRANSITIONS.values()) == set(TCPState)


# --------------------------------------------------------------------------- data
def test_data_both_ways_exact_sequence_numbers(pair: tuple[FakeNet, FakeHost, FakeHost]) -> None:
    net, a, b = pair
    st = Setup(net, a, b)
    c = st.connect()
    payload = bytes(range(256)) * 12  # 3072 octets = 1220 + 1220 + 632
    c.send(payload)  # queued in SYN-SENT, sent when ESTABLISHED
    run(net, 1.0)
    assert bytes(st.server_data) == payload
    st.server.send(b"reply" * 300)  # 1500 octets = 1220 + 280
    run(net, 2.0)
    assert bytes(st.client_data) == b"reply" * 300
    assert segs(net)[2:] == [
        (0.1, "A", 1001, 5001, 0),
        (0.1, "A", 1001, 5001, 1220),
        (0.1, "A", 2221, 5001, 1220),
        (0.1, "PA", 3441, 5001, 632),
        (0.15, "A", 5001, 2221, 0),
        (0.15, "A", 5001, 3441, 0),
        (0.15, "A", 5001, 4073, 0),
        (1.0, "A", 5001, 4073, 1220),
        (1.0, "PA", 6221, 4073, 280),
        (1.05, "A", 4073, 6221, 0),
        (1.05, "A", 4073, 6501, 0),
    ]
    assert (c.bytes_sent, c.bytes_acked, c.bytes_received) == (3072, 3072, 1500)
    srv = st.server
    assert (srv.bytes_sent, srv.bytes_acked, srv.bytes_received) == (1500, 1500, 3072)
    assert c.retransmissions == srv.retransmissions == 0


def test_send_window_limits_segments_in_flight(pair: tuple[FakeNet, FakeHost, FakeHost]) -> None:
    net, a, b = pair
    st = Setup(net, a, b)
    c = st.connect()
    run(net, 0.5)
    c.send(b"x" * (MSS * 20))
    first_burst = [s for s in segs(net, A) if s[0] == 0.5]
    assert len(first_burst) == SEND_WINDOW_SEGMENTS
    run(net, 5.0)
    assert len(st.server_data) == MSS * 20 and c.bytes_acked == MSS * 20


def test_echo_reply_piggybacks_ack(pair: tuple[FakeNet, FakeHost, FakeHost]) -> None:
    net, a, b = pair
    st = Setup(net, a, b)
    c = st.connect()
    run(net, 0.5)
    st.server.on_data = lambda d: st.server.send(d.upper())
    c.send(b"ping")
    run(net, 1.0)
    assert bytes(st.client_data) == b"PING"
    assert segs(net)[3:] == [
        (0.5, "PA", 1001, 5001, 4),
        (0.55, "PA", 5001, 1005, 4),  # the reply carries the ACK: no separate pure ACK
        (0.6, "A", 1005, 5005, 0),
    ]


# --------------------------------------------------------------------------- loss repair
def test_retransmission_after_loss_with_backoff_timing(pair: tuple[FakeNet, FakeHost, FakeHost]) -> None:
    net, a, b = pair
    st = Setup(net, a, b)
    c = st.connect()
    drops = {"left": 3}

    def drop(s: Sent) -> bool:
        if s.src == A and s.payload.data == b"data" and drops["left"]:
            drops["left"] -= 1
            return True
        return False

    net.drop = drop
    run(net, 0.5)
    c.send(b"data")
    run(net, 20.0)
    data_tx = [t for (t, _f, seq, _a, n) in segs(net, A) if n == 4]
    # RTO 1 s (from the handshake sample), doubled at every timeout: 0.5, 1.5, 3.5, 7.5
    assert data_tx == pytest.approx([0.5, 1.5, 3.5, 7.5])
    assert bytes(st.server_data) == b"data"
    assert (c.retransmissions, c.timeouts) == (3, 3)
    # Karn: the ACK of a retransmitted segment gives no RTT sample, the backed-off RTO stays
    assert c.rto == 8.0
    rtx_msgs = [e.message for e in net.trace.events_for("a", "tcp") if "retransmission timeout" in e.message]
    assert len(rtx_msgs) == 3 and "RTO now 2 s" in rtx_msgs[0] and "RTO now 8 s" in rtx_msgs[2]
    # a fresh segment is timed again and brings RTO back to 1 s
    c.send(b"more")
    run(net, 21.0)
    assert c.rto == 1.0 and bytes(st.server_data) == b"datamore"


def test_out_of_order_buffered_and_fast_retransmit(pair: tuple[FakeNet, FakeHost, FakeHost]) -> None:
    net, a, b = pair
    st = Setup(net, a, b)
    c = st.connect()
    run(net, 0.5)
    dropped: list[int] = []

    def drop(s: Sent) -> bool:
        if s.src == A and s.payload.seq == 1001 and s.payload.data and not dropped:
            dropped.append(s.payload.seq)
            return True
        return False

    net.drop = drop
    payload = bytes(i % 251 for i in range(MSS * 5))
    c.send(payload)
    run(net, 0.9)
    assert bytes(st.server_data) == payload
    srv = st.server
    assert srv.out_of_order == 4  # segments 2..5 waited behind the hole
    assert c.duplicate_acks == 4 and c.fast_retransmits == 1 and c.timeouts == 0
    # the fast retransmission went out on the third duplicate ACK (they all arrive at 0.6)
    rtx = [s for s in segs(net, A) if s[2] == 1001 and s[4]]
    assert [s[0] for s in rtx] == [0.5, 0.6]
    # and the ACK after the hole is filled acknowledges everything at once
    assert (0.65, "A", 5001, 1001 + MSS * 5, 0) in segs(net, B)


def test_duplicated_segments_are_delivered_once(pair: tuple[FakeNet, FakeHost, FakeHost]) -> None:
    net, a, b = pair
    st = Setup(net, a, b)
    net.duplicate = lambda s: True
    c = st.connect()
    c.send(b"abc" * 1000)
    run(net, 1.0)
    st.server.send(b"xyz" * 10)
    run(net, 2.0)
    assert bytes(st.server_data) == b"abc" * 1000 and bytes(st.client_data) == b"xyz" * 10
    assert c.state is S.ESTABLISHED and st.server.state is S.ESTABLISHED
    assert len(st.accepted) == 1


# --------------------------------------------------------------------------- RST
def test_rst_when_nobody_listens(pair: tuple[FakeNet, FakeHost, FakeHost]) -> None:
    net, a, b = pair
    st = Setup(net, a, b)
    c = st.ta.connect(B, 81, sport=40001)  # no listener on 81
    reasons: list[tuple[float, str]] = []
    c.on_closed = lambda r: reasons.append((net.sim.now, r))
    run(net, 5.0)
    # <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> for a SYN (no ACK bit)
    assert segs(net) == [(0.0, "S", 1000, 0, 0), (0.05, "RA", 0, 1001, 0)]
    assert reasons == [(0.1, REASON_RESET)] and c.state is S.CLOSED
    assert c not in st.ta.connections and st.tb.resets_sent == 1


def test_rst_for_segment_with_ack_to_unknown_connection(pair: tuple[FakeNet, FakeHost, FakeHost]) -> None:
    net, a, b = pair
    Setup(net, a, b)
    a.send_upper(TCP(40002, 80, seq=7, ack=123456, flags=ACK | PSH, data=b"stale"), B, A)
    a.send_upper(TCP(40002, 80, seq=7, ack=0, flags=RST), B, A)  # never answer a RST
    run(net, 1.0)
    rst = [s.payload for s in net.tcp_log(B)]
    assert rst == [TCP(80, 40002, seq=123456, ack=0, flags=RST, window=0)]


def test_rst_received_resets_established_connection(pair: tuple[FakeNet, FakeHost, FakeHost]) -> None:
    net, a, b = pair
    st = Setup(net, a, b)
    c = st.connect()
    run(net, 0.5)
    # in the window but not at RCV.NXT: challenge ACK, connection stays (RFC 5961)
    b.send_upper(TCP(80, 40000, seq=5001 + 100, flags=RST), A, B)
    run(net, 0.6)
    assert c.state is S.ESTABLISHED
    assert segs(net, A)[-1] == (0.55, "A", 1001, 5001, 0)
    # exactly at RCV.NXT: reset
    b.send_upper(TCP(80, 40000, seq=5001, flags=RST), A, B)
    run(net, 1.0)
    assert c.state is S.CLOSED and st.closed["client"] == (pytest.approx(0.65), REASON_RESET)


def test_abort_sends_rst_and_peer_is_reset(pair: tuple[FakeNet, FakeHost, FakeHost]) -> None:
    net, a, b = pair
    st = Setup(net, a, b)
    c = st.connect()
    c.send(b"hello")
    run(net, 1.0)
    c.abort()
    run(net, 2.0)
    assert segs(net, A)[-1] == (1.0, "R", 1006, 0, 0)
    assert st.closed["client"] == (1.0, REASON_ABORTED)
    assert st.closed["server"] == (pytest.approx(1.05), REASON_RESET)
    assert st.ta.connections == [] and st.tb.connections == []


# --------------------------------------------------------------------------- FIN
def test_fin_close_both_sides_end_in_closed(pair: tuple[FakeNet, FakeHost, FakeHost]) -> None:
    net, a, b = pair
    st = Setup(net, a, b)
    c = st.connect()
    c.send(b"request")
    run(net, 1.0)
    srv = st.server
    srv.on_eof = srv.close  # the server closes when the client has finished
    c.close()
    assert c.state is S.FIN_WAIT_1
    run(net, 20.0)
    assert segs(net)[-3:] == [
        (1.0, "FA", 1008, 5001, 0),
        (1.05, "FA", 5001, 1009, 0),  # the server's ACK of the FIN rides on its own FIN
        (1.1, "A", 1009, 5002, 0),
    ]
    assert [h[2] for h in c.history] == [
        S.SYN_SENT,
        S.ESTABLISHED,
        S.FIN_WAIT_1,
        S.FIN_WAIT_2,
        S.TIME_WAIT,
        S.CLOSED,
    ]
    assert [h[2] for h in srv.history] == [S.SYN_RECEIVED, S.ESTABLISHED, S.CLOSE_WAIT, S.LAST_ACK, S.CLOSED]
    assert st.closed["server"] == (pytest.approx(1.15), REASON_CLOSED)
    # TIME-WAIT lasts 2*MSL from the moment the client acknowledged the server's FIN
    assert st.closed["client"] == (pytest.approx(1.1 + 2 * MSL), REASON_CLOSED)
    assert c.state is S.CLOSED and srv.state is S.CLOSED
    assert st.ta.connections == [] and st.tb.connections == [] and st.ta.closed == [c]


def test_simultaneous_close_goes_through_closing(pair: tuple[FakeNet, FakeHost, FakeHost]) -> None:
    net, a, b = pair
    st = Setup(net, a, b)
    c = st.connect()
    run(net, 1.0)
    c.close()
    st.server.close()
    run(net, 20.0)
    for conn in (c, st.server):
        assert [h[2] for h in conn.history][-4:] == [S.FIN_WAIT_1, S.CLOSING, S.TIME_WAIT, S.CLOSED]
    assert st.closed["client"][1] == st.closed["server"][1] == REASON_CLOSED


def test_send_after_close_is_an_error(pair: tuple[FakeNet, FakeHost, FakeHost]) -> None:
    net, a, b = pair
    st = Setup(net, a, b)
    c = st.connect()
    run(net, 1.0)
    c.close()
    with pytest.raises(TCPError):
        c.send(b"late")


def test_lost_fin_is_retransmitted(pair: tuple[FakeNet, FakeHost, FakeHost]) -> None:
    net, a, b = pair
    st = Setup(net, a, b)
    c = st.connect()
    run(net, 1.0)
    lost: list[float] = []

    def drop(s: Sent) -> bool:
        if s.src == A and s.payload.flags & FIN and not lost:
            lost.append(s.time)
            return True
        return False

    net.drop = drop
    st.server.on_eof = st.server.close
    c.close()
    run(net, 20.0)
    fins = [t for (t, f, *_rest) in segs(net, A) if "F" in f]
    assert fins == pytest.approx([1.0, 2.0])
    assert c.state is S.CLOSED and st.server.state is S.CLOSED


# --------------------------------------------------------------------------- giving up
def test_abort_after_max_retransmissions(pair: tuple[FakeNet, FakeHost, FakeHost]) -> None:
    net, a, b = pair
    st = Setup(net, a, b)
    c = st.connect()
    run(net, 1.0)
    net.drop = lambda s: s.src == A  # the path from a is cut
    c.send(b"into the void")
    run(net, 400.0)
    tx = [t for (t, _f, _s, _a, n) in segs(net, A) if n]
    assert tx == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 192.0]  # RTO capped at 64 s
    assert st.closed["client"] == (256.0, REASON_TIMEOUT)
    assert c.retransmissions == 8 and c.state is S.CLOSED


def test_syn_gives_up_when_nobody_answers(pair: tuple[FakeNet, FakeHost, FakeHost]) -> None:
    net, a, _b = pair
    ta = TCPLayer(a)
    c = ta.connect(IPv6Address("2001:db8:9::9"), 80, sport=40000)
    reasons: list[tuple[float, str]] = []
    c.on_closed = lambda r: reasons.append((net.sim.now, r))
    run(net, 400.0)
    assert [round(s.time, 6) for s in net.tcp_log(A)] == [0.0, 1.0, 3.0, 7.0, 15.0, 31.0, 63.0, 127.0, 191.0]
    assert all(s.payload.flags == SYN for s in net.tcp_log(A))
    assert reasons == [(255.0, REASON_TIMEOUT)]


# --------------------------------------------------------------------------- moving
def test_connection_dies_when_local_address_removed(pair: tuple[FakeNet, FakeHost, FakeHost]) -> None:
    """The node moves without Mobile IPv6: its old address is gone, a new one appears."""
    net, a, b = pair
    st = Setup(net, a, b)
    c = st.connect()
    c.send(b"before the move")
    run(net, 1.0)
    a.addresses = [IPv6Address("2001:db8:3::a")]  # moved to another link, new SLAAC address
    c.send(b"after the move")
    assert c.state is S.CLOSED
    assert st.closed["client"] == (1.0, REASON_ADDRESS_LOST)
    assert bytes(st.server_data) == b"before the move"
    msgs = [e.message for e in net.trace.events_for("a", "tcp")]
    assert any("no longer assigned" in m for m in msgs)
    # the server's data now goes to an address nobody has: it dies by timeout
    st.server.send(b"anyone there?")
    run(net, 400.0)
    assert st.closed["server"] == (256.0, REASON_TIMEOUT)


def test_connection_survives_outage_when_address_kept(pair: tuple[FakeNet, FakeHost, FakeHost]) -> None:
    """The node moves with Mobile IPv6: the home address stays, packets are lost for a while."""
    net, a, b = pair
    st = Setup(net, a, b)
    c = st.connect()
    run(net, 0.5)
    net.drop = lambda s: 1.0 <= s.time < 4.0  # handover: nothing gets through for 3 s
    sent = bytearray()
    for i in range(40):
        chunk = i.to_bytes(4, "big") * 100
        sent += chunk
        net.sim.schedule(0.5 + i * 0.1, c.send, chunk)
    run(net, 60.0)
    assert c.state is S.ESTABLISHED and st.server.state is S.ESTABLISHED
    assert bytes(st.server_data) == bytes(sent)
    assert c.retransmissions >= 1 and c.bytes_acked == len(sent)


# --------------------------------------------------------------------------- wrap-around
def test_sequence_numbers_wrap_around(pair: tuple[FakeNet, FakeHost, FakeHost]) -> None:
    net, a, b = pair
    st = Setup(net, a, b, iss_a=2**32 - 1000, iss_b=2**32 - 3)
    c = st.connect()
    up = bytes(i % 253 for i in range(5000))
    down = bytes(i % 241 for i in range(3000))
    c.send(up)
    run(net, 1.0)
    st.server.send(down)
    run(net, 2.0)
    assert bytes(st.server_data) == up and bytes(st.client_data) == down
    assert c.snd_nxt == seq_add(2**32 - 1000, 1 + 5000) == 4001
    assert st.server.snd_nxt == seq_add(2**32 - 3, 1 + 3000) == 2998
    # the first data segment starts at 2^32 - 999 and the second one has wrapped past zero
    assert [(sq, n) for (_t, _f, sq, _a, n) in segs(net, A) if n] == [
        (2**32 - 999, 1220),
        (221, 1220),
        (1441, 1220),
        (2661, 1220),
        (3881, 120),
    ]
    # the server's ISN is 3 below 2^32: its SYN,ACK ack wraps nothing, its data does
    assert [(sq, ack, n) for (_t, _f, sq, ack, n) in segs(net, B) if n] == [
        (2**32 - 2, 4001, 1220),
        (1218, 4001, 1220),
        (2438, 4001, 560),
    ]
    assert [ack for (_t, _f, _s, ack, n) in segs(net, A) if not n][-3:] == [1218, 2438, 2998]
    # and the connection closes cleanly across the wrap
    st.server.on_eof = st.server.close
    c.close()
    run(net, 20.0)
    assert c.state is S.CLOSED and st.closed["client"][1] == REASON_CLOSED


def test_syn_ack_with_bad_ack_gets_rst(pair: tuple[FakeNet, FakeHost, FakeHost]) -> None:
    net, a, b = pair
    ta = TCPLayer(a)
    ta.isn_source = lambda: 1000
    ta.connect(B, 80, sport=40000)
    b.send_upper(TCP(80, 40000, seq=9000, ack=777, flags=SYN | ACK), A, B)
    run(net, 0.5)
    assert [s.payload for s in net.tcp_log(A)][-1] == TCP(40000, 80, seq=777, flags=RST, window=0)
    assert ta.connections[0].state is S.SYN_SENT


# --------------------------------------------------------------------------- property: any loss pattern
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), size=st.integers(0, 12_000), iss=st.integers(0, 2**32 - 1))
def test_random_loss_duplication_reordering_still_delivers_everything(seed: int, size: int, iss: int) -> None:
    """Whatever is lost, duplicated or reordered in the first 30 s, both byte streams arrive intact
    and both ends close normally (no side can reach 8 timeouts before the path heals)."""
    net = FakeNet(seed=seed)
    a, b = net.host("a", str(A)), net.host("b", str(B))
    rnd = random.Random(seed)
    net.drop = lambda s: s.time < 30 and rnd.random() < 0.25
    net.duplicate = lambda s: s.time < 30 and rnd.random() < 0.1
    net.extra_delay = lambda s: rnd.choice((0.0, 0.0, 0.03, 0.2)) if s.time < 30 else 0.0
    setup = Setup(net, a, b, iss_a=iss, iss_b=(iss * 7 + 12345) % 2**32)
    c = setup.connect()
    up = bytes(rnd.getrandbits(8) for _ in range(size))
    down = bytes(reversed(up))[: size // 2]
    c.send(up)
    c.on_connected = c.close  # (a CLOSE in SYN-SENT would delete the TCB, RFC 9293 §3.10.4)

    def on_eof() -> None:
        setup.server.send(down)
        setup.server.close()

    orig = setup._accept

    def accept(conn: TCPConnection) -> None:
        orig(conn)
        conn.on_eof = on_eof

    setup.listener.on_accept = accept
    net.sim.run(until=1000.0)
    assert bytes(setup.server_data) == up and bytes(setup.client_data) == down
    assert setup.closed["client"][1] == REASON_CLOSED and setup.closed["server"][1] == REASON_CLOSED
    assert setup.ta.connections == [] and setup.tb.connections == []


def test_simultaneous_open(pair: tuple[FakeNet, FakeHost, FakeHost]) -> None:
    net, a, b = pair
    ta, tb = TCPLayer(a), TCPLayer(b)
    ca = ta.connect(B, 5000, sport=6000, iss=100)
    cb = tb.connect(A, 6000, sport=5000, iss=900)
    run(net, 1.0)
    assert segs(net) == [
        (0.0, "S", 100, 0, 0),
        (0.0, "S", 900, 0, 0),
        (0.05, "SA", 900, 101, 0),
        (0.05, "SA", 100, 901, 0),
        (0.1, "A", 101, 901, 0),
        (0.1, "A", 901, 101, 0),
    ]
    for conn in (ca, cb):
        assert [h[2] for h in conn.history] == [S.SYN_SENT, S.SYN_RECEIVED, S.ESTABLISHED]
    ca.send(b"hi")
    run(net, 2.0)
    assert cb.bytes_received == 2


def test_lost_syn_ack_is_resent_on_duplicate_syn(pair: tuple[FakeNet, FakeHost, FakeHost]) -> None:
    net, a, b = pair
    st = Setup(net, a, b)
    net.extra_delay = lambda s: 0.5 if s.time == 0.0 else 0.0  # the first SYN is slow...
    net.drop = lambda s: s.src == B and s.time == 0.55  # ...and the SYN,ACK answering it is lost
    c = st.connect()
    run(net, 3.0)
    assert segs(net) == [
        (0.0, "S", 1000, 0, 0),
        (0.55, "SA", 5000, 1001, 0),
        (1.0, "S", 1000, 0, 0),
        (1.05, "SA", 5000, 1001, 0),  # answered at once, not at the server's own RTO (1.55)
        (1.1, "A", 1001, 5001, 0),
    ]
    assert c.state is S.ESTABLISHED and st.server.state is S.ESTABLISHED
    assert st.server.retransmissions == 1
