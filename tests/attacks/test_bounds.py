"""Hole 8 (IPv6 part): a scan of a /64 through a router leaves bounded tables behind.

A tester on the correspondent's link sends Echo Requests to 3,000 addresses of foreign link 2's
prefix. The routers on the way remember each destination and foreign link 2's router starts address
resolution for each one; every such table stays within its bound, and the network still works."""

from __future__ import annotations

from ipaddress import IPv6Address

from mip6lab.ipv6 import constants as C
from mip6lab.lab import Lab
from mip6lab.wire.icmp import EchoRequest
from mip6lab.wire.ip import IPv6
from mip6lab.wire.summary import name as packet_name

SCAN = 3000


def test_a_slash64_scan_leaves_bounded_caches() -> None:
    lab = Lab("ping")
    lab.run(until=3.0)
    eve = lab.add_tester("eve", "cn-link", ["2001:db8:4::66"])
    src = IPv6Address("2001:db8:4::66")
    for i in range(SCAN):
        dst = IPv6Address(f"2001:db8:3::{i + 0x1000:x}")
        eve.send(IPv6(src, dst, EchoRequest(1, i, b"scan")), at=3.0 + i * 0.0005)
    lab.run(until=6.0)
    for name in ("rcn", "core", "r2"):
        state = lab.state(name)
        assert len(state["destination_cache"]) <= C.DEST_CACHE_LIMIT, name
        assert len(state["neighbors"]) <= C.NEIGHBOR_CACHE_LIMIT * len(state["links"]), name
    r2 = lab.state("r2")
    incomplete = [n for n in r2["neighbors"] if n["state"] == "INCOMPLETE"]
    assert 0 < len(incomplete) <= C.NEIGHBOR_INCOMPLETE_LIMIT
    # The scan did reach the limits (the test would prove nothing otherwise) ...
    assert len(lab.state("rcn")["destination_cache"]) == C.DEST_CACHE_LIMIT
    assert len(incomplete) == C.NEIGHBOR_INCOMPLETE_LIMIT
    # ... the refused resolutions were answered as failed ones (rate-limited Destination Unreachable) ...
    assert "Destination Unreachable" in eve.names()
    assert lab.world.errors == []
    # ... and the network still works once the scan is over.
    lab.run(until=10.0)
    lab.ping("cn", "hn")
    lab.run(until=12.0)
    replies = [r for r in lab.capture.filter(link="cn-link") if packet_name(r.frame) == "Echo Reply" and r.time > 10]
    assert replies


def test_bounds_are_configurable() -> None:
    lab = Lab("ping")
    lab.run(until=3.0)
    r2 = lab.node("r2")
    r2.dest_cache.limit = 10
    for iface in r2.interfaces.values():
        iface.neighbors.incomplete_limit = 5
    eve = lab.add_tester("eve", "cn-link", ["2001:db8:4::66"])
    for i in range(50):
        eve.send(
            IPv6(IPv6Address("2001:db8:4::66"), IPv6Address(f"2001:db8:3::{i + 0x1000:x}"), EchoRequest(1, i)),
            at=3.0 + i * 0.002,
        )
    lab.run(until=3.5)
    state = lab.state("r2")
    assert len(state["destination_cache"]) <= 10
    assert len([n for n in state["neighbors"] if n["state"] == "INCOMPLETE"]) == 5
