"""An untraced host without mobility sends by Figure 35's path for it directly: the same frames, the same
answers (sent, queued for address resolution, no route) as the traced run of the whole figure."""

from __future__ import annotations

from ipaddress import IPv6Address as A

from mip6lab.ipv6.node import IPv6Node
from mip6lab.sansio import Transmit
from mip6lab.trace import Trace
from mip6lab.wire.transport import UDP

ME = A("2001:db8:1::a")
PEER = A("2001:db8:1::b")
FAR = A("2001:db8:9::1")
UNKNOWN = A("2001:db8:1::c")


def _host(traced: bool) -> IPv6Node:
    node = IPv6Node("h", trace=Trace(enabled=traced))
    node.add_interface("eth0", "02:00:00:00:00:0a")
    node.handle_link_change(0.0, "eth0", True)
    node.add_address("eth0", ME, 64, dad=False)
    node.interfaces["eth0"].neighbors.learned(PEER, "02:00:00:00:00:0b", 0.0)
    node.drain()
    return node


def _send_all(node: IPv6Node) -> tuple[list[bool], list[bytes]]:
    results = [node.send_upper(UDP(1000, 2000, bytes([i]) * 30), dst) for i, dst in enumerate((PEER, FAR, UNKNOWN))]
    return results, [a.frame for a in node.drain() if isinstance(a, Transmit)]


def test_untraced_plain_send_is_the_traced_one() -> None:
    fast, traced = _host(False), _host(True)
    assert _send_all(fast) == _send_all(traced)
    results, frames = _send_all(_host(False))
    assert results == [True, False, True]  # sent; no route off-link; queued for address resolution
    assert len(frames) == 2  # the datagram to PEER, the Neighbor Solicitation for UNKNOWN
    runs = _host(True)
    _send_all(runs)
    assert [r.result for r in runs.trace.runs] == [
        "sent",
        "discarded: no route to destination",
        "queued for address resolution",
    ]
