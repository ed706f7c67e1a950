"""``IPv6Node.own_source_for`` keeps source selection's answer only when ``has_address`` accepts it: at a node whose
``has_address`` refuses an address that source selection still picks, the answer must be None (the UDP side of this,
a failed and counted ``sendto``, is in tests/transport/test_udp_own_source.py)."""

from __future__ import annotations

from ipaddress import IPv6Address as A

from conftest import Net, mac
from test_algorithms import CN, HA, HOA, FakeMobility

from mip6lab.ipv6.node import IPv6Node
from mip6lab.wire.addr import intern

GLOBAL = A("2001:db8::1")
OTHER = A("2001:db8::5")  # a second global address of the node, one has_address accepts
GW = A("2001:db8::99")


class Refusing(IPv6Node):
    """A node whose has_address refuses the addresses in ``refused`` (e.g. a reader's rule that an address being
    given up is no longer "ours"), whatever its address table or its mobility hooks say."""

    refused: frozenset = frozenset()

    def has_address(self, addr: object) -> bool:
        if addr in self.refused:
            return False
        return super().has_address(addr)  # type: ignore[arg-type]


def _node(net: Net, refused: set[A]) -> Refusing:
    net.link("L")
    node = Refusing("n", net.world.sim.child_rng("n"), net.trace)
    node.add_interface("eth0", mac(1))
    node.refused = frozenset(intern(a) for a in refused)
    net.world.add_node(node)
    node.add_address("eth0", GLOBAL, 64, dad=False)
    node.add_route("::", 0, GW, "eth0")
    net.attach(node, "eth0", "L")
    net.run(3)
    return node


def test_a_refused_global_source_is_not_own() -> None:
    node = _node(Net(), {GLOBAL})
    dst = A("2001:db8:5::1")
    assert node.source_address_for(dst) == GLOBAL  # source selection still picks it ...
    assert not node.has_address(GLOBAL)
    assert node.own_source_for(dst) is None  # ... but it is not the node's own


def test_an_accepted_source_is_kept_and_a_refused_one_is_not() -> None:
    node = _node(Net(), {OTHER})
    node.add_address("eth0", OTHER, 64, dad=False)
    near_other = A("2001:db8::6")  # rule 8 (longest matching prefix) picks OTHER for it
    near_global = A("2001:db8::2")  # and GLOBAL for this one
    assert node.source_address_for(near_other) == OTHER and node.own_source_for(near_other) is None
    assert node.source_address_for(near_global) == GLOBAL and node.own_source_for(near_global) == GLOBAL


def test_a_refused_link_local_source_is_not_own() -> None:
    net = Net()
    node = _node(net, set())
    ll = node.source_address_for(A("fe80::1"))
    assert ll is not None and ll.is_link_local
    node.refused = frozenset({ll})
    assert node.own_source_for(A("fe80::1")) is None
    assert node.own_source_for(A("ff02::1")) is None  # link-scope multicast: the same link-local source


def test_a_mobile_nodes_refused_home_address_is_not_own() -> None:
    """Rule 4 picks the home address; own_source_for's shortcut for it (has_address's own ``home is a`` test) holds
    only while has_address is IPv6Node's: a subclass's refusal must be asked."""
    node = _node(Net(), {HOA})
    node.mobility = FakeMobility(intern(HOA), intern(GLOBAL), HA, away=True)
    assert node.source_address_for(CN) == HOA
    assert node.own_source_for(CN) is None
    node.refused = frozenset()
    assert node.own_source_for(CN) == HOA  # accepted again: the home address is the node's own
