"""Every path through the white paper's host sending algorithm (Figure 35, steps 1-19) and receiving
algorithm (Figure 36, steps 1-12), each as the exact list of steps a real scenario run recorded."""

from __future__ import annotations

from functools import cache
from ipaddress import IPv6Address

from mip6lab.lab import Lab
from mip6lab.trace import AlgorithmRun
from mip6lab.wire import icmp as I
from mip6lab.wire.codec import encode_frame
from mip6lab.wire.ip import ESP, Ethernet, IPv6
from mip6lab.wire.mh import HomeTest, HomeTestInit, MobilityHeader
from mip6lab.wire.transport import SYN, TCP, UDP

FIRST_PLAIN = [1, 2, 13, 14, 15, 3, 5, 6, 7, 16, 17, 19]
CACHED_PLAIN = [1, 2, 3, 5, 6, 7, 16, 17, 19]
OUTER = [1, 2, 3, 5, 6, 16, 17, 19]  # the reverse tunnel's outer packet, destination cached


@cache
def lab(name: str) -> Lab:
    lb = Lab(name)
    lb.world.strict = True
    lb.run()
    return lb


def runs(lb: Lab, node: str, algorithm: str, after: float = 0.0) -> list[AlgorithmRun]:
    return [r for r in lb.trace.runs_for(node, algorithm) if r.time >= after]


def payload_of(r: AlgorithmRun) -> object:
    p = r.packet
    while isinstance(p.payload, IPv6):
        p = p.payload
    return p.payload.message if isinstance(p.payload, MobilityHeader) else p.payload


# ------------------------------------------------------------------------------------ sending
def test_send_plain_first_packet_then_cached() -> None:
    lb = lab("ping")
    echo = [r for r in runs(lb, "mn", "send") if isinstance(r.packet.payload, I.EchoRequest)]
    assert echo[0].step_numbers == FIRST_PLAIN  # 2 -> 13-15 (route, destination cache) -> 3
    assert echo[0].steps[5].decision == "no binding cache pointer (no mobility)"
    cached = [r for r in runs(lb, "cn", "send") if isinstance(r.packet.payload, I.EchoReply)][1:]
    assert cached and all(r.step_numbers == CACHED_PLAIN for r in cached)  # 2 -> 3 from the cache
    assert cached[0].steps[1].decision == "yes -> step 3" and cached[0].result == echo[0].result == "sent"


def test_send_correspondent_with_binding_steps_3_4() -> None:
    lb = lab("route-optimized-data")
    hoa = lb.role("mn").home_address
    ro = [r for r in runs(lb, "cn", "send") if r.packet.dst == hoa and r.output.routing_type2 is not None]
    cached = [r for r in ro if r.step_numbers == [1, 2, 3, 4, 6, 7, 16, 17, 19]]
    assert len(cached) > 100
    # after a destination cache flush: 13-15 for the home address, and again for the care-of address
    # inside step 4's branch (the flush emptied that entry too)
    assert {tuple(r.step_numbers) for r in ro} == {
        (1, 2, 3, 4, 6, 7, 16, 17, 19),
        (1, 2, 13, 14, 15, 3, 13, 14, 15, 4, 6, 7, 16, 17, 19),
    }
    assert next(s for s in ro[0].steps if s.number == 3).decision == "pointer to binding cache entry"


def test_send_mobile_node_away_without_bul_entry_8_10_11_12_then_outer() -> None:
    lb = lab("mn-initiates")
    syn = next(r for r in runs(lb, "mn", "send") if isinstance(payload_of(r), TCP) and payload_of(r).flags & SYN)
    assert syn.step_numbers == [1, 2, 13, 14, 15, 3, 5, 6, 7, 8, 10, 11, 12] + [1, 2, 13, 14, 15, 3, 5, 6, 16, 17, 19]
    by = {s.number: s.decision for s in syn.steps}
    assert by[8] == "not found" and by[11] == "no: initiated now" and by[6] == "yes -> step 16"
    later = [r for r in runs(lb, "mn", "send") if r.step_numbers[:13] == [1, 2, 3, 5, 6, 7, 8, 10, 11, 12, 1, 2, 3]]
    assert later and all(r.step_numbers == [1, 2, 3, 5, 6, 7, 8, 10, 11, 12] + OUTER for r in later)
    assert all(r.steps[8].decision == "yes" for r in later)  # step 11: already initiated


def test_send_route_optimized_with_bul_entry_8_9() -> None:
    lb = lab("route-optimized-data")
    ro = [
        r
        for r in runs(lb, "mn", "send")
        if isinstance(payload_of(r), TCP) and r.output is not None and r.output.home_address_option is not None
    ]
    assert len(ro) > 100
    assert {tuple(r.step_numbers) for r in ro} == {
        (1, 2, 3, 5, 6, 7, 8, 9, 16, 17, 19),
        (1, 2, 13, 14, 15, 3, 5, 6, 7, 8, 9, 16, 17, 19),  # after the destination cache was flushed
    }


def test_send_non_mipv6_correspondent_10_to_12() -> None:
    lb = lab("non-mipv6-cn")
    cn = lb.address_of("cn")
    # between the Parameter Problem (8 s) and the first periodic retry (28 s) it is known not capable
    late = [
        r
        for r in runs(lb, "mn", "send", after=10.0)
        if r.time < 27.0 and r.packet.dst == cn and isinstance(payload_of(r), TCP)
    ]
    assert len(late) > 50
    assert (1, 2, 3, 5, 6, 7, 8, 10, 12, *OUTER) in {tuple(r.step_numbers) for r in late}
    for r in late:
        assert 11 not in r.step_numbers  # not capable: straight to the tunnel
        assert next(s for s in r.steps if s.number == 10).decision == "no -> step 12"


def test_send_mobility_header_from_home_address_8_to_12() -> None:
    lb = lab("return-routability")
    (hoti,) = [r for r in runs(lb, "mn", "send") if isinstance(payload_of(r), HomeTestInit)]
    assert hoti.step_numbers == [1, 2, 3, 5, 6, 7, 8, 12, *OUTER]
    assert hoti.steps[2].decision.startswith("Mobility Header bypasses")


# ------------------------------------------------------------------------------------ receiving
def test_receive_tunnelled_from_home_agent_3_to_7() -> None:
    lb = lab("cn-initiates")
    tun = [r for r in runs(lb, "mn", "receive") if isinstance(r.packet.payload, IPv6)]
    syn = next(r for r in tun if isinstance(payload_of(r), TCP))
    assert syn.step_numbers == [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12]
    assert syn.steps[5].decision == "no: initiated now"
    assert syn.output.tunneled and syn.output.dst == lb.role("mn").home_address


def test_receive_home_test_in_esp_tunnel_step_4() -> None:
    lb = lab("return-routability")
    (hot,) = [r for r in runs(lb, "mn", "receive") if isinstance(r.packet.payload, ESP) and r.result.startswith("Home")]
    assert hot.step_numbers == [1, 2, 3, 4]
    assert hot.result == "Home Test processed" and hot.steps[3].decision == "yes: processed"
    assert lb.role("mn").bul.lookup(lb.address_of("cn"), lb.role("mn").home_address) is not None
    assert any(isinstance(payload_of(r), HomeTest) for r in runs(lb, "cn", "send"))


def test_receive_non_mipv6_sender_skips_step_6() -> None:
    lb = lab("non-mipv6-cn")
    late = [r for r in runs(lb, "mn", "receive", after=10.0) if isinstance(r.packet.payload, IPv6) and r.time < 27.0]
    assert late and {tuple(r.step_numbers) for r in late if isinstance(payload_of(r), TCP)} == {
        (1, 2, 3, 4, 5, 7, 8, 9, 11, 12)
    }


def test_receive_type2_routing_header_step_2() -> None:
    lb = lab("route-optimized-data")
    hoa = lb.role("mn").home_address
    rh2 = [
        r for r in runs(lb, "mn", "receive") if r.packet.routing_type2 is not None and isinstance(r.packet.payload, TCP)
    ]
    assert rh2 and all(r.step_numbers == [1, 2, 3, 8, 9, 11, 12] for r in rh2)
    assert rh2[0].steps[1].decision == f"yes: destination is now {hoa}" and rh2[0].output.dst == hoa


def test_receive_home_address_option_step_8() -> None:
    lb = lab("route-optimized-data")
    hoa = lb.role("mn").home_address
    hao = [
        r
        for r in runs(lb, "cn", "receive")
        if r.packet.home_address_option is not None and isinstance(r.packet.payload, TCP)
    ]
    assert hao and all(r.step_numbers == [1, 2, 3, 8, 9, 11, 12] for r in hao)
    assert hao[0].steps[3].decision == f"yes: source is now {hoa}" and hao[0].output.src == hoa


def test_receive_unknown_next_header_step_9() -> None:
    lb = lab("non-mipv6-cn")
    mh = [r for r in runs(lb, "cn", "receive") if isinstance(r.packet.payload, MobilityHeader)]
    assert mh and all(r.step_numbers == [1, 2, 3, 8, 9] for r in mh)
    assert all(r.result == "ICMPv6 parameter problem: unrecognized Next Header" for r in mh)


def _provoked() -> Lab:
    """return-routability run to its end, then: UDP and TCP to closed ports of the mobile node (route
    optimized, so they arrive with a Type 2 RH), and a frame for someone else's address."""
    lb = Lab("return-routability")
    lb.world.strict = True
    lb.run()
    hoa, cn = lb.role("mn").home_address, lb.address_of("cn")
    lb.world.call("cn", lambda n: n.send_upper(UDP(5353, 9, b"anyone?"), hoa))
    lb.world.call("cn", lambda n: n.send_upper(TCP(40000, 9, seq=1, flags=SYN), hoa))
    mn = lb.node("mn")
    other = IPv6(cn, IPv6Address("2001:db8:2::99"), UDP(1, 2, b"not yours"))
    lb.inject("foreign1", encode_frame(Ethernet(mn.interfaces["eth0"].mac, "02:00:00:00:99:99", other)))
    lb.run_for(1.0)
    return lb


def test_receive_port_unreachable_tcp_reset_and_not_ours() -> None:
    lb = _provoked()
    t0 = lb.scenario.duration
    late = runs(lb, "mn", "receive", after=t0)
    udp = next(r for r in late if isinstance(r.packet.payload, UDP) and r.packet.payload.dport == 9)
    assert udp.step_numbers == [1, 2, 3, 8, 9, 11] and udp.result == "ICMPv6 port unreachable"
    tcp = next(r for r in late if isinstance(r.packet.payload, TCP))
    assert tcp.step_numbers == [1, 2, 3, 8, 9, 11] and tcp.result == "TCP reset sent"
    theirs = next(r for r in late if r.packet.dst == IPv6Address("2001:db8:2::99"))
    assert theirs.step_numbers == [1] and theirs.result == "discarded: not for us"
    # and the answers went out route-optimized, from the home address (HAO)
    cn_rx = runs(lb, "cn", "receive", after=t0)
    assert any(isinstance(r.packet.payload, I.DestinationUnreachable) for r in cn_rx)
    assert any(isinstance(r.packet.payload, TCP) and r.packet.payload.flags & 0x04 for r in cn_rx)
    assert all(r.step_numbers[:4] == [1, 2, 3, 8] for r in cn_rx if r.packet.home_address_option is not None)
