"""Small builders for multi-node IPv6 tests on the simulated World."""

from __future__ import annotations

from ipaddress import IPv6Address as A

import pytest

from mip6lab.ipv6.node import IPv6Node, Router
from mip6lab.net.world import World


def mac(n: int) -> str:
    return f"02:00:00:00:00:{n:02x}"


class Net:
    """A World plus shortcuts: host(), router(), attach()."""

    def __init__(self, seed: int = 1) -> None:
        self.world = World(seed)
        self.world.strict = True
        self.trace = self.world.trace

    def host(self, name: str, *ifs: tuple[str, str]) -> IPv6Node:
        n = IPv6Node(name, self.world.sim.child_rng(name), self.trace)
        for ifname, m in ifs:
            n.add_interface(ifname, m)
        return self.world.add_node(n)

    def router(self, name: str, *ifs: tuple[str, str]) -> Router:
        r = Router(name, self.world.sim.child_rng(name), self.trace)
        for ifname, m in ifs:
            r.add_interface(ifname, m)
        return self.world.add_node(r)

    def link(self, name: str, **kw) -> None:
        self.world.add_link(name, **kw)

    def attach(self, node: IPv6Node, ifname: str, link: str) -> None:
        self.world.attach(node.name, ifname, link)

    def run(self, until: float) -> None:
        self.world.run(until)

    def call(self, node: IPv6Node, fn) -> object:
        return self.world.call(node.name, fn)


@pytest.fixture
def net() -> Net:
    return Net()


def two_router_topology(net: Net) -> tuple[IPv6Node, Router, Router, IPv6Node]:
    """h1 --(L1 2001:db8:1::/64)-- r1 --(L2 2001:db8:12::/64)-- r2 --(L3 2001:db8:3::/64)-- h2."""
    for name in ("L1", "L2", "L3"):
        net.link(name)
    h1 = net.host("h1", ("eth0", mac(1)))
    h2 = net.host("h2", ("eth0", mac(2)))
    r1 = net.router("r1", ("eth0", mac(0x11)), ("eth1", mac(0x12)))
    r2 = net.router("r2", ("eth0", mac(0x21)), ("eth1", mac(0x22)))
    r1.add_address("eth0", "2001:db8:1::1", 64)
    r1.add_address("eth1", "2001:db8:12::1", 64)
    r2.add_address("eth0", "2001:db8:12::2", 64)
    r2.add_address("eth1", "2001:db8:3::1", 64)
    r1.add_route("2001:db8:3::", 64, A("2001:db8:12::2"), "eth1")
    r2.add_route("2001:db8:1::", 64, A("2001:db8:12::1"), "eth0")
    r1.configure_ra("eth0", ["2001:db8:1::/64"], max_interval=10)
    r2.configure_ra("eth1", ["2001:db8:3::/64"], max_interval=10)
    net.attach(h1, "eth0", "L1")
    net.attach(r1, "eth0", "L1")
    net.attach(r1, "eth1", "L2")
    net.attach(r2, "eth0", "L2")
    net.attach(r2, "eth1", "L3")
    net.attach(h2, "eth0", "L3")
    return h1, r1, r2, h2


def sent_payloads(net: Net, node: str, kind: type, link: str | None = None) -> list:
    """(time, IPv6 packet) of every captured frame sent by ``node`` whose payload is a ``kind``."""
    out = []
    for r in net.world.capture.filter(link=link):
        if r.sender != node:
            continue
        eth = r.decoded
        if eth is not None and not isinstance(eth.payload, bytes) and isinstance(eth.payload.payload, kind):
            out.append((r.time, eth.payload, eth))
    return out


def collect_icmp(node: IPv6Node) -> list:
    """Register an ICMPv6 upper handler that records every Delivery."""
    got: list = []
    node.register_upper(58, got.append)
    return got
