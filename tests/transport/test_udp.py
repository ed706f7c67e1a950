"""UDP sockets on two fake hosts."""

from __future__ import annotations

from ipaddress import IPv6Address

import pytest
from transport_fakes import A, B, FakeHost, FakeNet

from mip6lab.transport.udp import EPHEMERAL_PORTS, UDPError, UDPLayer
from mip6lab.wire.icmp import DEST_UNREACH, DU_PORT_UNREACHABLE
from mip6lab.wire.transport import UDP


def test_sendto_delivers_source_port_and_data(pair: tuple[FakeNet, FakeHost, FakeHost]) -> None:
    net, a, b = pair
    ua, ub = UDPLayer(a), UDPLayer(b)
    got: list[tuple[IPv6Address, int, bytes]] = []
    server = ub.bind(5000, lambda src, sport, data: got.append((src, sport, data)))
    client = ua.bind(6000)
    assert client.sendto(b"hello", B, 5000)
    net.sim.run()
    assert got == [(A, 6000, b"hello")]
    assert net.log[0].payload == UDP(6000, 5000, b"hello")
    assert (client.datagrams_sent, server.datagrams_received) == (1, 1)


def test_no_socket_gives_port_unreachable(pair: tuple[FakeNet, FakeHost, FakeHost]) -> None:
    net, a, b = pair
    ua, ub = UDPLayer(a), UDPLayer(b)
    ua.bind(6000).sendto(b"anyone?", B, 5001)
    net.sim.run()
    assert len(b.icmp_errors) == 1
    packet, type_, code = b.icmp_errors[0]
    assert (type_, code) == (DEST_UNREACH, DU_PORT_UNREACHABLE) == (1, 4)
    assert packet.payload == UDP(6000, 5001, b"anyone?") and packet.src == A
    assert ub.port_unreachable_sent == 1
    assert any("port unreachable" in e.message for e in net.trace.events_for("b", "udp"))


def test_no_socket_without_icmp_error_support(pair: tuple[FakeNet, FakeHost, FakeHost]) -> None:
    net, a, b = pair
    b.icmp_error = None  # type: ignore[assignment,method-assign]  # a node without the hook yet
    ua, ub = UDPLayer(a), UDPLayer(b)
    ua.bind(6000).sendto(b"x", B, 5001)
    net.sim.run()
    assert ub.port_unreachable_sent == 0


def test_ports(pair: tuple[FakeNet, FakeHost, FakeHost]) -> None:
    _net, a, _b = pair
    ua = UDPLayer(a)
    ua.bind(7000)
    with pytest.raises(UDPError):
        ua.bind(7000)
    eph = ua.bind(0)
    assert EPHEMERAL_PORTS[0] <= eph.port <= EPHEMERAL_PORTS[1]
    eph.close()
    with pytest.raises(UDPError):
        eph.sendto(b"x", B, 1)
    assert [s.port for s in ua.sockets] == [7000]


def test_sendto_fails_without_source_address(pair: tuple[FakeNet, FakeHost, FakeHost]) -> None:
    net, a, _b = pair
    sock = UDPLayer(a).bind(7000, addr=A)
    a.addresses = [IPv6Address("2001:db8:3::a")]  # the bound address is gone
    assert not sock.sendto(b"x", B, 1)
    assert sock.send_failures == 1 and net.log == []


def test_a_socket_bound_to_the_address_takes_precedence(pair: tuple[FakeNet, FakeHost, FakeHost]) -> None:
    net, a, b = pair
    ua, ub = UDPLayer(a), UDPLayer(b)
    anyone: list[bytes] = []
    bound: list[bytes] = []
    ub.bind(5000, lambda src, sport, data: anyone.append(data))
    client = ua.bind(6000)
    client.sendto(b"1", B, 5000)
    net.sim.run()
    specific = ub.bind(5000, lambda src, sport, data: bound.append(data), addr=B)
    client.sendto(b"2", B, 5000)
    net.sim.run()
    specific.close()
    client.sendto(b"3", B, 5000)
    net.sim.run()
    assert (anyone, bound) == ([b"1", b"3"], [b"2"])


def test_port_bookkeeping_matches_the_socket_table_through_binds_and_closes(
    pair: tuple[FakeNet, FakeHost, FakeHost],
) -> None:
    """The layer keeps which ports are in use and whether any socket is bound to one address as sockets
    come and go (no scan per bind); a random walk of binds and closes, including closing a socket twice
    after its (address, port) was bound again, checks both against the socket table."""
    import random

    _, a, _ = pair
    u = UDPLayer(a)
    rng = random.Random(7)
    live: list = []
    closed: list = []
    for _ in range(600):
        r = rng.random()
        if r < 0.5 or not live:
            addr = rng.choice([None, A])
            port = rng.choice([0, 5000, 5001, 5002])
            try:
                live.append(u.bind(port, addr=addr))
            except UDPError:
                continue
        elif r < 0.85:
            s = live.pop(rng.randrange(len(live)))
            s.close()
            closed.append(s)
        elif closed:
            rng.choice(closed).close()  # a second close must not close whatever is bound there now
        assert set(u._sockets.values()) == set(live)
        assert u._port_use == {p: sum(1 for _, q in u._sockets if q == p) for _, p in u._sockets}
        assert u._bound_to_address == any(ad is not None for ad, _ in u._sockets)
    assert closed and any(s.addr is not None for s in live)
    port = u.bind(0).port
    assert EPHEMERAL_PORTS[0] <= port <= EPHEMERAL_PORTS[1] and port not in {s.port for s in live}
