"""Stream and request/response applications: the pictures a notebook draws of a move."""

from __future__ import annotations

from ipaddress import IPv6Address

import pytest
from transport_fakes import A, B, FakeHost, FakeNet, Sent

from mip6lab.transport.apps import (
    RequestResponseClient,
    RequestResponseServer,
    StreamReceiver,
    StreamSender,
)
from mip6lab.transport.tcp import REASON_ADDRESS_LOST, REASON_CLOSED, TCPLayer, TCPState
from mip6lab.transport.udp import UDPLayer
from mip6lab.wire.transport import UDP


def counter_of(s: Sent) -> int | None:
    p = s.payload
    return int.from_bytes(p.data[:4], "big") if isinstance(p, UDP) and p.dport == 9000 else None


# --------------------------------------------------------------------------- UDP stream
def test_udp_stream_counts_loss_duplication_reordering(pair: tuple[FakeNet, FakeHost, FakeHost]) -> None:
    net, a, b = pair
    rx = StreamReceiver(UDPLayer(b), 9000, chunk=50)
    net.drop = lambda s: counter_of(s) in (3, 7)
    net.duplicate = lambda s: counter_of(s) == 5
    net.extra_delay = lambda s: 0.35 if counter_of(s) == 10 else 0.0  # arrives after 13
    tx = StreamSender(UDPLayer(a), B, 9000, rate=10, chunk=50, count=20)
    net.sim.run(until=5.0)
    assert tx.sent == 20 and tx.stopped_reason == "done"
    assert [t for t, _ in tx.history] == pytest.approx([i / 10 for i in range(20)])
    assert rx.stats() == {"received": 18, "lost": 2, "duplicated": 1, "out_of_order": 1}
    arrivals = [n for _, n in rx.history]
    assert arrivals == [0, 1, 2, 4, 5, 5, 6, 8, 9, 11, 12, 13, 10, 14, 15, 16, 17, 18, 19]
    assert rx.history[0][0] == pytest.approx(0.05)
    assert all(len(s.payload.data) == 50 for s in net.log)


def test_udp_stream_to_moved_host_without_mobility_is_lost(pair: tuple[FakeNet, FakeHost, FakeHost]) -> None:
    """A correspondent streams to the mobile node's address; the node moves and gets a new one."""
    net, a, b = pair
    rx = StreamReceiver(UDPLayer(a), 9000, chunk=20)
    tx = StreamSender(UDPLayer(b), A, 9000, rate=10, chunk=20, count=50)
    net.sim.schedule(2.0, lambda: setattr(a, "addresses", [IPv6Address("2001:db8:3::a")]))
    net.sim.run(until=10.0)
    assert tx.sent == 50
    assert rx.received == 20 and rx.highest == 19  # 0..19 arrived before 2.0 s, then nothing
    assert rx.last_arrival == pytest.approx(1.95)


# --------------------------------------------------------------------------- TCP stream
def test_tcp_stream_survives_outage_without_loss(pair: tuple[FakeNet, FakeHost, FakeHost]) -> None:
    """With the address kept (Mobile IPv6), an outage is a gap, not a loss."""
    net, a, b = pair
    rx = StreamReceiver(TCPLayer(b), 9000, chunk=200)
    tx = StreamSender(TCPLayer(a), B, 9000, rate=20, chunk=200, count=200)
    net.drop = lambda s: 2.0 <= s.time < 5.0
    net.sim.run(until=60.0)
    assert tx.sent == 200 and tx.stopped_reason == "done"
    assert rx.stats() == {"received": 200, "lost": 0, "duplicated": 0, "out_of_order": 0}
    assert [n for _, n in rx.history] == list(range(200))
    assert rx.max_gap > 3.0  # the handover shows as a pause in the arrivals
    assert tx.conn is not None and tx.conn.retransmissions >= 1
    assert rx.closed_reasons == [REASON_CLOSED] and tx.conn.close_reason == REASON_CLOSED


def test_tcp_stream_dies_when_address_changes(pair: tuple[FakeNet, FakeHost, FakeHost]) -> None:
    """Without Mobile IPv6 the sender's address changes under the connection: it dies."""
    net, a, b = pair
    rx = StreamReceiver(TCPLayer(b), 9000, chunk=100)
    tx = StreamSender(TCPLayer(a), B, 9000, rate=10, chunk=100)
    net.sim.schedule(3.0, lambda: setattr(a, "addresses", [IPv6Address("2001:db8:3::a")]))
    net.sim.run(until=30.0)
    assert not tx.running and tx.stopped_reason == REASON_ADDRESS_LOST
    assert tx.conn is not None and tx.conn.state is TCPState.CLOSED
    # chunks 0..28 were sent from 0.1 s to 2.9 s, every one arrived; then the flow stops for good
    assert tx.sent == 29 and rx.received == 29 and rx.lost == 0
    assert rx.last_arrival == pytest.approx(2.95)


def test_tcp_stream_blocks_when_peer_unreachable(pair: tuple[FakeNet, FakeHost, FakeHost]) -> None:
    net, a, b = pair
    StreamReceiver(TCPLayer(b), 9000, chunk=1000)
    tx = StreamSender(TCPLayer(a), B, 9000, rate=100, chunk=1000, max_queued=10_000)
    net.drop = lambda s: s.time >= 1.0
    net.sim.run(until=3.0)
    assert tx.blocked > 0 and tx.conn is not None and tx.conn.bytes_queued <= 11_000


# --------------------------------------------------------------------------- request / response
def test_tcp_request_response_round_trips(pair: tuple[FakeNet, FakeHost, FakeHost]) -> None:
    net, a, b = pair
    server = RequestResponseServer(TCPLayer(b), 80, respond=lambda req: req[::-1] * 1000)
    client = RequestResponseClient(TCPLayer(a), B, 80, request=b"abc", count=3, interval=1.0)
    net.sim.run(until=20.0)
    # connect 0 -> established 0.1 -> request 0.1; the 3000-octet answer is 3 segments, one RTT
    assert [e.sent_at for e in client.exchanges] == pytest.approx([0.1, 1.2, 2.3])
    assert client.rtts == pytest.approx([0.1, 0.1, 0.1])
    assert client.responses == [b"cba" * 1000] * 3 and server.requests == 3
    assert client.done and client.closed_reason == REASON_CLOSED


def test_udp_request_response_with_a_lost_request(pair: tuple[FakeNet, FakeHost, FakeHost]) -> None:
    net, a, b = pair
    RequestResponseServer(UDPLayer(b), 7)
    lost_once: list[float] = []

    def drop(s: Sent) -> bool:
        if s.src == A and s.payload.data[:4] == (1).to_bytes(4, "big") and not lost_once:
            lost_once.append(s.time)
            return True
        return False

    net.drop = drop
    client = RequestResponseClient(UDPLayer(a), B, 7, request=b"ping", count=3, interval=0.5, timeout=1.0)
    net.sim.run(until=10.0)
    assert [e.sent_at for e in client.exchanges] == pytest.approx([0.0, 0.6, 2.1])
    assert [e.lost for e in client.exchanges] == [False, True, False]
    assert client.rtts == pytest.approx([0.1, 0.1]) and client.lost == 1
    assert client.responses == [b"ping", b"ping"]


def test_stream_receiver_duplicate_detection_matches_a_set_of_everything_seen(
    pair: tuple[FakeNet, FakeHost, FakeHost],
) -> None:
    """The receiver keeps only the counters above its in-order prefix; it must still call exactly the
    repeats duplicates, however the arrivals are lost, repeated and reordered."""
    import random

    _net, _a, b = pair
    rng = random.Random(5)
    arrivals = [n for n in range(300) if rng.random() > 0.1]
    arrivals += rng.sample(arrivals, 40)  # repeats
    for i in range(0, len(arrivals) - 8, 7):  # local reordering
        arrivals[i : i + 8] = rng.sample(arrivals[i : i + 8], 8)
    rx = StreamReceiver(UDPLayer(b), 9000, chunk=20)
    seen: set[int] = set()
    duplicated = 0
    for n in arrivals:
        duplicated += n in seen
        seen.add(n)
        rx._count(n)
    assert (rx.received, rx.duplicated, rx.highest) == (len(seen), duplicated, max(seen))
    assert duplicated > 0 and not rx._seen and rx._missing is not None and len(rx._missing) < len(seen)
    rx._count(10**9)  # a garbage counter far ahead: from now on every counter is kept, same answers
    rx._count(10**9)
    assert rx.duplicated == duplicated + 1 and rx._missing is None
    for n in (5, 299, 10**9 - 1, 10**9 - 1):
        duplicated += n in seen
        seen.add(n)
        rx._count(n)
    assert (rx.received, rx.duplicated) == (len(seen) + 1, duplicated + 1)
