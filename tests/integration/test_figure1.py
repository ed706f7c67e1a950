"""Plain IPv6 across the white paper's Figure 1, through the public Lab API."""

from __future__ import annotations

from ipaddress import IPv6Address

import pytest

from mip6lab.lab import Lab, LabError
from mip6lab.topology import figure1
from mip6lab.wire.icmp import EchoReply, EchoRequest
from mip6lab.wire.ip import IPv6
from mip6lab.wire.summary import summary


def lab_summary(r) -> str:  # type: ignore[no-untyped-def]
    return summary(r.decoded) if r.decoded is not None else ""


def _icmp_on(lab: Lab, link: str, kind: type) -> list:
    out = []
    for r in lab.capture.filter(link=link):
        f = r.decoded
        if f is not None and isinstance(f.payload, IPv6) and isinstance(f.payload.payload, kind):
            out.append((r, f.payload))
    return out


def test_figure1_topology_routes_every_prefix() -> None:
    t = figure1()
    routes = t.static_routes()
    # every router reaches every link it is not on
    for router, rs in routes.items():
        own = {i.link for i in t.interfaces_of(router)}
        assert {str(p) for p, _, _ in rs} == {str(t.links[lk].prefix) for lk in t.links if lk not in own}
    # the home agent reaches the correspondent's link through the core router
    ha = {str(p): (str(nh), ifn) for p, nh, ifn in routes["ha"]}
    assert ha["2001:db8:4::/64"] == ("2001:db8:ff:1::1", "eth1")


def test_slaac_gives_every_host_a_global_address() -> None:
    lab = Lab("ping")
    lab.run(until=4.0)
    assert lab.address_of("mn") == IPv6Address("2001:db8:1::ff:fe00:301")
    assert lab.address_of("hn").exploded.startswith("2001:0db8:0001:")
    assert lab.address_of("cn") == IPv6Address("2001:db8:4::ff:fe00:801")
    states = {a["address"]: a["state"] for a in lab.state("mn")["addresses"]}
    assert states["2001:db8:1::ff:fe00:301"] == "PREFERRED"


def test_ping_crosses_figure1_and_back() -> None:
    lab = Lab("ping")
    lab.run(until=10.0)
    replies = lab.node("mn").echo_replies
    assert [(src, seq) for _, src, _, seq in replies] == [
        (IPv6Address("2001:db8:4::ff:fe00:801"), s) for s in (1, 2, 3)
    ]
    # the request crossed home -> core-ha -> core-rcn -> cn-link with the hop limit decremented per router
    hops = {lk: _icmp_on(lab, lk, EchoRequest)[0][1].hlim for lk in ("home", "core-ha", "core-rcn", "cn-link")}
    assert hops == {"home": 64, "core-ha": 63, "core-rcn": 62, "cn-link": 61}
    assert len(_icmp_on(lab, "cn-link", EchoReply)) == 3


def test_tcp_transfer_across_figure1() -> None:
    lab = Lab("tcp-transfer")
    lab.run(until=20.0)
    tx, rx = lab.apps["stream-tx"], lab.apps["stream-rx"]
    assert tx.sent == 200  # 20 chunks/s for 10 s
    assert rx.stats() == {"received": 200, "lost": 0, "duplicated": 0, "out_of_order": 0}


def test_tcp_connection_breaks_when_the_address_changes_without_mobile_ipv6() -> None:
    lab = Lab("tcp-breaks-without-mip6")
    lab.run()
    tx, rx = lab.apps["stream-tx"], lab.apps["stream-rx"]
    received_before_move = [c for t, c in rx.history if t <= 10.0]
    assert received_before_move, "the stream ran before the move"
    # nothing arrives after the move (apart from data already in flight)
    assert all(t < 10.2 for t, _ in rx.history)
    # the correspondent keeps retransmitting to the old address until TCP gives up
    assert tx.conn.close_reason == "retransmission timeout"
    assert tx.conn.retransmissions >= 8
    # meanwhile the home link's router found the node gone (NUD) and said so
    unreachable = [r for r in lab.capture.filter(link="cn-link") if "address unreachable" in lab_summary(r)]
    assert unreachable


def test_user_errors_are_one_line_and_change_nothing() -> None:
    lab = Lab("ping")
    lab.run(until=2.0)
    before = (lab.now, len(lab.capture))
    with pytest.raises(LabError, match="unknown link 'mars'"):
        lab.move("mn", "mars")
    with pytest.raises(LabError, match="unknown node 'zz'"):
        lab.move("zz", "home")
    with pytest.raises(LabError, match="already on home"):
        lab.move("mn", "home")
    with pytest.raises(LabError, match="finite number"):
        lab.run(until=float("nan"))
    with pytest.raises(LabError, match="already at"):
        lab.run(until=1.0)
    with pytest.raises(LabError, match="unknown scenario"):
        Lab("no-such-scenario")
    assert (lab.now, len(lab.capture)) == before


def test_same_seed_same_bytes_other_seed_differs() -> None:
    def frames(seed: int) -> list[tuple[float, str, bytes]]:
        lab = Lab("tcp-transfer", seed=seed)
        lab.run(until=12.0)
        return [(r.time, r.link, r.frame) for r in lab.capture]

    a, b, c = frames(7), frames(7), frames(8)
    assert a == b
    assert a != c
