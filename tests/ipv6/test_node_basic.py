from __future__ import annotations

from ipaddress import IPv6Address as A

from conftest import Net, two_router_topology

from mip6lab.ipv6.addresses import AddrState


def test_slaac_and_ping_across_two_routers(net: Net) -> None:
    h1, r1, r2, h2 = two_router_topology(net)
    net.run(10)
    a1 = A("2001:db8:1::ff:fe00:1")
    a2 = A("2001:db8:3::ff:fe00:2")
    assert h1.addresses.find(a1).state == AddrState.PREFERRED
    assert h2.addresses.find(a2).state == AddrState.PREFERRED
    net.call(h1, lambda n: n.ping(a2, ident=7, seq=1))
    net.run(12)
    assert [(src, ident, seq) for _, src, ident, seq in h1.echo_replies] == [(a2, 7, 1)]


def _frames(seed: int) -> list[bytes]:
    net = Net(seed)
    h1, r1, r2, h2 = two_router_topology(net)
    net.run(5)
    net.call(h1, lambda n: n.ping(A("2001:db8:3::ff:fe00:2"), 1, 1))
    net.run(30)
    return [r.frame for r in net.world.capture]


def test_deterministic_frames() -> None:
    assert _frames(7) == _frames(7)
