"""Source address selection is cached per destination (issue 13): every change it depends on must show."""

from __future__ import annotations

from ipaddress import IPv6Address as A

from conftest import Net, mac

from mip6lab.ipv6.addresses import AddrState
from mip6lab.ipv6.node import IPv6Node

A0 = A("2001:db8:a::1")
A0B = A("2001:db8:a::2")
A1 = A("2001:db8:b::1")
GW0 = A("2001:db8:a::ff")
GW1 = A("2001:db8:b::ff")
CN = A("2001:db8:c::3")


def two_legged(net: Net) -> IPv6Node:
    net.link("L0")
    net.link("L1")
    h = net.host("h", ("eth0", mac(1)), ("eth1", mac(2)))
    h.add_address("eth0", A0, 64, dad=False)
    h.add_address("eth1", A1, 64, dad=False)
    h.add_route("::", 0, GW0, "eth0")
    h.add_route("::", 0, GW1, "eth1", metric=10)
    net.attach(h, "eth0", "L0")
    net.attach(h, "eth1", "L1")
    net.run(3)
    return h


def test_route_changes_show(net: Net) -> None:
    h = two_legged(net)
    assert h.source_address_for(CN) == A0 == h.source_address_for(CN)  # rule 5: the default route's interface
    r = h.add_route("2001:db8:c::", 64, GW1, "eth1")
    assert h.source_address_for(CN) == A1
    h.routes.remove(r)
    assert h.source_address_for(CN) == A0
    next(r for r in h.routes.routes if r.next_hop == GW0).metric = 20  # a route changed in place
    assert h.source_address_for(CN) == A1


def test_carrier_changes_show(net: Net) -> None:
    h = two_legged(net)
    assert h.source_address_for(CN) == A0
    h.interfaces["eth0"].attached = False  # the eth0 default route is no longer usable
    assert h.source_address_for(CN) == A1
    h.interfaces["eth0"].attached = True
    assert h.source_address_for(CN) == A0


def test_address_changes_show(net: Net) -> None:
    h = two_legged(net)
    h.add_address("eth0", A0B, 64, dad=False)
    assert h.source_address_for(CN) == A0  # rule 8 ties: the first one added
    h.addresses.get("eth0", A0).state = AddrState.DEPRECATED
    assert h.source_address_for(CN) == A0B  # rule 3
    h.remove_address("eth0", A0B)
    assert h.source_address_for(CN) == A0  # deprecated, but the only one on the outgoing interface
    h.remove_address("eth0", A0)
    assert h.source_address_for(CN) == A1
