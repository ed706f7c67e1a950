"""An unbound UDP socket on a real IPv6Node asks ``own_source_for`` once per datagram: when source selection picks
an address the node's ``has_address`` refuses, the datagram is not sent and the socket counts the failure."""

from __future__ import annotations

from ipaddress import IPv6Address as A

from mip6lab.ipv6.node import IPv6Node
from mip6lab.net.world import World
from mip6lab.transport.udp import UDPLayer
from mip6lab.wire.addr import intern

SRC = A("2001:db8::1")
GW = A("2001:db8::99")
FAR = A("2001:db8:5::1")


class Refusing(IPv6Node):
    """has_address refuses the addresses in ``refused``; source selection does not know about that."""

    refused: frozenset = frozenset()

    def has_address(self, addr: object) -> bool:
        return addr not in self.refused and super().has_address(addr)  # type: ignore[arg-type]


def _world(refused: set[A]) -> tuple[World, Refusing]:
    world = World(1)
    world.strict = True
    world.add_link("L")
    node = Refusing("n", world.sim.child_rng("n"), world.trace)
    node.add_interface("eth0", "02:00:00:00:00:01")
    node.refused = frozenset(intern(a) for a in refused)
    world.add_node(node)
    node.add_address("eth0", SRC, 64, dad=False)
    node.add_route("::", 0, GW, "eth0")
    gw = world.add_node(IPv6Node("gw", world.sim.child_rng("gw"), world.trace))
    gw.add_interface("eth0", "02:00:00:00:00:99")
    gw.add_address("eth0", GW, 64, dad=False)
    world.attach("n", "eth0", "L")
    world.attach("gw", "eth0", "L")
    world.run(3)
    return world, node


def _udp_frames(world: World, mark: int) -> list:
    return [r for r in list(world.capture)[mark:] if r.sender == "n" and len(r.frame) > 54 and r.frame[20] == 17]


def test_unbound_sendto_fails_and_counts_when_has_address_refuses_the_source() -> None:
    world, node = _world({SRC})
    assert node.source_address_for(FAR) == SRC  # source selection picks it, has_address refuses it
    sock = UDPLayer(node).bind(0)
    mark = len(world.capture)
    sent = world.call("n", lambda n: sock.sendto(b"x", FAR, 9))
    world.run(6)
    assert sent is False
    assert (sock.datagrams_sent, sock.send_failures) == (1, 1)
    assert _udp_frames(world, mark) == []
    assert any("no source address" in e.message for e in world.trace.events if e.node == "n")


def test_unbound_sendto_sends_when_has_address_accepts_the_source() -> None:
    """The same node and socket with nothing refused: the datagram leaves from SRC (so the failure above is the
    refusal's doing, not the set-up's)."""
    world, node = _world(set())
    sock = UDPLayer(node).bind(0)
    mark = len(world.capture)
    sent = world.call("n", lambda n: sock.sendto(b"x", FAR, 9))
    world.run(6)
    assert sent is True
    assert (sock.datagrams_sent, sock.send_failures) == (1, 0)
    (frame,) = _udp_frames(world, mark)
    assert frame.frame[22:38] == SRC.packed
