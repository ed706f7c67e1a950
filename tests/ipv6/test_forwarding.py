"""Routers: forwarding, hop limit, NUD failure -> Destination Unreachable, Parameter Problem."""

from __future__ import annotations

from ipaddress import IPv6Address as A

from conftest import Net, collect_icmp, mac, sent_payloads, two_router_topology

from mip6lab.wire import icmp as I
from mip6lab.wire.codec import decode_ipv6
from mip6lab.wire.ip import DestinationOptions, PadN, RawPayload

H1 = A("2001:db8:1::ff:fe00:1")
H2 = A("2001:db8:3::ff:fe00:2")


def one_router(net: Net):
    net.link("L1")
    net.link("L2")
    h1 = net.host("h1", ("eth0", mac(1)))
    h2 = net.host("h2", ("eth0", mac(2)))
    r = net.router("r", ("eth0", mac(0x11)), ("eth1", mac(0x12)))
    r.add_address("eth0", "2001:db8:1::1", 64)
    r.add_address("eth1", "2001:db8:3::1", 64)
    r.configure_ra("eth0", ["2001:db8:1::/64"], max_interval=10)
    r.configure_ra("eth1", ["2001:db8:3::/64"], max_interval=10)
    for node, ifn, link in ((h1, "eth0", "L1"), (r, "eth0", "L1"), (r, "eth1", "L2"), (h2, "eth0", "L2")):
        net.attach(node, ifn, link)
    net.run(5)
    return h1, r, h2


def test_nud_failure_then_router_sends_address_unreachable(net: Net) -> None:
    h1, r, h2 = one_router(net)
    got = collect_icmp(h1)
    net.call(h1, lambda n: n.ping(H2, 1, 1))
    net.run(6)
    assert len(h1.echo_replies) == 1
    nc = r.interfaces["eth1"].neighbors
    assert nc.state_of(H2).value == "REACHABLE"
    net.world.detach("h2", "eth0")
    net.run(50)  # ReachableTime (<= 45 s) runs out
    assert nc.state_of(H2).value == "STALE"
    net.call(h1, lambda n: n.ping(H2, 1, 2))
    net.run(51)
    assert nc.state_of(H2).value == "DELAY"
    net.run(57)
    assert nc.state_of(H2).value == "PROBE"
    net.run(60)
    assert nc.get(H2) is None
    walk = [e.details["new"] for e in net.trace.events_for("r", "nud") if e.details.get("addr") == H2]
    assert [s.value if s else None for s in walk] == ["INCOMPLETE", "REACHABLE", "STALE", "DELAY", "PROBE", None]
    # probes were unicast to the cached MAC
    probes = [p for t, p, eth in sent_payloads(net, "r", I.NeighborSolicitation, "L2") if t > 50]
    assert len(probes) == 3 and all(p.dst == H2 for p in probes)
    # next packet: address resolution from scratch fails -> Destination Unreachable code 3 to h1
    net.call(h1, lambda n: n.ping(H2, 1, 3))
    net.run(70)
    du = [d.payload for d in got if isinstance(d.payload, I.DestinationUnreachable)]
    assert [m.code for m in du] == [I.DU_ADDRESS_UNREACHABLE]
    invoking = decode_ipv6(du[0].invoking)
    assert invoking.dst == H2 and invoking.payload.seq == 3 and invoking.hlim == 63
    fwd = [x for x in net.trace.runs_for("r", "receive") if x.packet.dst == H2]
    assert fwd[-1].result == "address resolution failed"


def test_ping_across_two_routers_and_hop_limit_expiry(net: Net) -> None:
    h1, r1, r2, h2 = two_router_topology(net)
    got = collect_icmp(h1)
    net.run(5)
    net.call(h1, lambda n: n.ping(H2, 9, 1))
    net.run(6)
    assert [(s, i, q) for _, s, i, q in h1.echo_replies] == [(H2, 9, 1)]
    # hop limit 2: r1 forwards with 1, r2 must not forward -> Time Exceeded from r2
    net.call(h1, lambda n: n.send_upper(I.EchoRequest(9, 2), H2, hlim=2))
    net.run(7)
    te = [d for d in got if isinstance(d.payload, I.TimeExceeded)]
    assert len(te) == 1 and te[0].payload.code == I.TE_HOP_LIMIT
    assert te[0].src == A("2001:db8:12::2")
    assert decode_ipv6(te[0].payload.invoking).hlim == 1
    assert net.trace.runs_for("r2", "receive")[-1].result == "ICMPv6 time exceeded"


def test_no_route_destination_unreachable(net: Net) -> None:
    h1, r1, r2, h2 = two_router_topology(net)
    got = collect_icmp(h1)
    net.run(5)
    net.call(h1, lambda n: n.ping("2001:db8:99::1"))
    net.run(6)
    du = [d.payload for d in got if isinstance(d.payload, I.DestinationUnreachable)]
    assert [m.code for m in du] == [I.DU_NO_ROUTE]


def test_unknown_next_header_parameter_problem(net: Net) -> None:
    h1, r, h2 = one_router(net)
    got = collect_icmp(h1)
    net.call(h1, lambda n: n.send_upper(RawPayload(253, b"abcdefgh"), H2))
    net.run(6)
    pp = [d.payload for d in got if isinstance(d.payload, I.ParameterProblem)]
    assert [(m.code, m.pointer) for m in pp] == [(I.PP_UNRECOGNIZED_NEXT_HEADER, 6)]
    run = [x for x in net.trace.runs_for("h2", "receive") if isinstance(x.packet.payload, RawPayload)][0]
    assert run.step_numbers == [1, 2, 3, 8, 9]
    assert run.result == "ICMPv6 parameter problem: unrecognized Next Header"
    # behind a Destination Options header the pointer names that header's Next Header field
    pkt_src = h1.source_address_for(H2)
    from mip6lab.wire.ip import IPv6

    p = IPv6(pkt_src, H2, RawPayload(253, b"x" * 8), (DestinationOptions((PadN(b"\0\0\0\0"),)),))
    net.call(h1, lambda n: n.send_packet(p))
    net.run(7)
    pp = [d.payload for d in got if isinstance(d.payload, I.ParameterProblem)]
    assert (pp[-1].code, pp[-1].pointer) == (I.PP_UNRECOGNIZED_NEXT_HEADER, 40)
