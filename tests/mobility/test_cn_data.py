"""Correspondent node data path and error handling: route optimisation with a Type 2 Routing header
(Figure 19), Home Address option checks and Binding Error 1, Binding Error 2, Parameter Problems,
binding maintenance (BRR, expiry, NUD-driven loss), and the node without Mobile IPv6."""

from __future__ import annotations

import random
from ipaddress import IPv6Address as A

from test_cn_registration import make_bu, only_ba, register, rr_exchange
from test_cn_support import CN, COA, COA2, HOA, Bench, cn_bench, with_hao

from mip6lab.ipv6.node import IPv6Node
from mip6lab.net.world import World
from mip6lab.wire import icmp as I
from mip6lab.wire import mh as M
from mip6lab.wire.codec import encode_ipv6
from mip6lab.wire.ip import DestinationOptions, IPv6, PadN, RoutingType2

ROUTER1 = A("2001:db8:2::1")


def echo_requests(bench):
    return [p for p in bench.sent() if isinstance(p.payload, (I.EchoRequest, I.EchoReply))]


def test_route_optimised_packet_form_figure_19() -> None:
    bench, hooks = cn_bench()
    register(bench)
    bench.mark()
    bench.world.call("cn", lambda n: n.ping(HOA, ident=7, seq=1))
    bench.run()
    (p,) = echo_requests(bench)
    assert (p.src, p.dst, p.ext) == (CN, COA, (RoutingType2(HOA),))
    assert encode_ipv6(p)[6] == 43  # Next Header: Routing
    assert hooks.cache.lookup(HOA).usage_count == 1


def test_type2_routing_header_goes_before_destination_options() -> None:
    bench, hooks = cn_bench()
    register(bench)
    bench.mark()
    pkt = IPv6(CN, HOA, I.EchoRequest(1, 1), ext=(DestinationOptions((PadN(b"\x00\x00\x00\x00"),)),))
    bench.world.call("cn", lambda n: n.send_packet(pkt))
    bench.run()
    (p,) = echo_requests(bench)
    assert isinstance(p.ext[0], RoutingType2) and isinstance(p.ext[1], DestinationOptions)


def test_without_binding_packets_go_to_the_home_address() -> None:
    bench, hooks = cn_bench()
    bench.world.call("cn", lambda n: n.ping(HOA))
    bench.run()
    (p,) = echo_requests(bench)
    assert (p.dst, p.ext) == (HOA, ())


def test_home_address_option_with_binding_is_delivered_from_the_home_address() -> None:
    bench, hooks = cn_bench()
    register(bench)
    got = []
    bench.node.register_upper(58, got.append)
    bench.mark()
    bench.inject(with_hao(IPv6(COA, CN, I.EchoRequest(3, 4)), HOA))
    (reply,) = echo_requests(bench)
    # the echo reply is addressed to the home address, so it goes route-optimised
    assert (reply.dst, reply.ext) == (COA, (RoutingType2(HOA),))
    assert bench.mh_sent(M.BindingError) == []


def test_home_address_option_without_binding_binding_error_1() -> None:
    bench, hooks = cn_bench()
    bench.inject(with_hao(IPv6(COA, CN, I.EchoRequest(3, 4)), HOA))
    (be,) = bench.mh_sent(M.BindingError)
    assert (be.src, be.dst, be.ext) == (CN, COA, ())
    assert (be.payload.message.status, be.payload.message.home_address) == (1, HOA)
    assert echo_requests(bench) == []  # the packet itself was dropped


def test_home_address_option_from_wrong_careof_binding_error_1() -> None:
    bench, hooks = cn_bench()
    register(bench)
    bench.mark()
    bench.inject(with_hao(IPv6(COA2, CN, I.EchoRequest(3, 4)), HOA))
    (be,) = bench.mh_sent(M.BindingError)
    assert be.dst == COA2 and be.payload.message.status == 1
    assert echo_requests(bench) == []


def test_binding_errors_are_rate_limited() -> None:
    bench, hooks = cn_bench()
    for i in range(6):
        bench.inject(with_hao(IPv6(COA, CN, I.EchoRequest(3, i)), HOA), run=0.01)
    assert len(bench.mh_sent(M.BindingError)) == 3  # MAX_UPDATE_RATE per second
    bench.run(1.0)
    bench.mark()
    bench.inject(with_hao(IPv6(COA, CN, I.EchoRequest(3, 9)), HOA))
    assert len(bench.mh_sent(M.BindingError)) == 1


def test_binding_update_with_hao_and_no_binding_gets_no_binding_error() -> None:
    bench, hooks = cn_bench()
    hot, cot = rr_exchange(bench)
    bu, _ = make_bu(hot, cot, 1)
    bench.mark()
    bench.inject(bu)
    assert bench.mh_sent(M.BindingError) == [] and only_ba(bench)[1].status == 0


def test_unknown_mh_type_binding_error_2() -> None:
    bench, hooks = cn_bench()
    bench.inject(IPv6(COA, CN, M.MobilityHeader(M.UnknownMobilityMessage(42, bytes(10)))))
    (be,) = bench.mh_sent(M.BindingError)
    assert be.dst == COA and be.payload.message.status == 2 and be.payload.message.home_address == A("::")
    bench.mark()
    bench.inject(with_hao(IPv6(COA2, CN, M.MobilityHeader(M.UnknownMobilityMessage(42, bytes(10)))), HOA))
    (be,) = bench.mh_sent(M.BindingError)
    assert be.dst == COA2 and be.payload.message.status == 2 and be.payload.message.home_address == HOA


def test_payload_proto_not_59_parameter_problem_pointing_at_it() -> None:
    bench, hooks = cn_bench()
    bad = IPv6(HOA, CN, M.MobilityHeader(M.HomeTestInit(bytes(8)), payload_proto=6))
    bench.inject(bad)
    (pp,) = [p for p in bench.sent() if isinstance(p.payload, I.ParameterProblem)]
    assert (pp.dst, pp.payload.code, pp.payload.pointer) == (HOA, 0, 40)
    assert bench.mh_sent(M.HomeTest) == []


def test_header_len_too_short_parameter_problem_pointing_at_header_len() -> None:
    bench, hooks = cn_bench()
    octets = bytearray(encode_ipv6(IPv6(COA, CN, M.MobilityHeader(M.CareofTestInit(bytes(8))))))
    assert octets[41] == 1  # HoTI/CoTI need Header Len >= 1
    octets[41] = 0
    del octets[48:]  # 8 octets of Mobility Header left
    octets[4:6] = (8).to_bytes(2, "big")
    bench.inject_raw(bytes(octets))
    (pp,) = [p for p in bench.sent() if isinstance(p.payload, I.ParameterProblem)]
    assert (pp.src, pp.dst, pp.payload.code, pp.payload.pointer) == (CN, COA, 0, 41)
    assert pp.payload.invoking == bytes(octets)


def test_icmp_address_unreachable_about_the_careof_address_deletes_the_binding() -> None:
    bench, hooks = cn_bench()
    register(bench)
    bench.mark()
    bench.world.call("cn", lambda n: n.ping(HOA, seq=1))
    bench.run()
    (sent,) = echo_requests(bench)
    other = IPv6(CN, A("2001:db8:9::9"), I.EchoRequest(1, 1))  # about some other address: ignored
    bench.inject(IPv6(ROUTER1, CN, I.DestinationUnreachable(3, encode_ipv6(other))))
    assert hooks.cache.lookup(HOA) is not None
    bench.inject(IPv6(ROUTER1, CN, I.DestinationUnreachable(0, encode_ipv6(sent))))  # code 0: not NUD loss
    assert hooks.cache.lookup(HOA) is not None
    bench.inject(IPv6(ROUTER1, CN, I.DestinationUnreachable(3, encode_ipv6(sent))))
    assert hooks.cache.lookup(HOA) is None
    bench.mark()
    bench.world.call("cn", lambda n: n.ping(HOA, seq=2))
    bench.run()
    (p,) = echo_requests(bench)
    assert (p.dst, p.ext) == (HOA, ())  # back to the home address (and the home agent's tunnel)


def test_binding_refresh_request_for_a_binding_in_active_use_then_expiry() -> None:
    bench, hooks = cn_bench()
    register(bench)
    e = hooks.cache.lookup(HOA)
    t_acc, expiry = e.updated, e.expiry
    assert expiry - t_acc == 400.0  # 100 units asked, under the 420 s cap
    bench.run_until(expiry - 70)
    bench.world.call("cn", lambda n: n.ping(HOA, seq=1))  # in active use
    bench.mark()
    bench.run_until(expiry - 60 + 0.01)
    (brr,) = bench.mh_sent(M.BindingRefreshRequest)
    # to the home address, no Type 2 Routing header: the home agent tunnels it (RFC 6275 §6.1)
    assert (brr.src, brr.dst, brr.ext) == (CN, HOA, ())
    bench.mark()
    bench.run_until(expiry + 0.01)
    assert hooks.cache.lookup(HOA) is None
    assert bench.mh_sent(M.BindingRefreshRequest) == []  # one BRR per binding lifetime


def test_no_binding_refresh_request_when_idle() -> None:
    bench, hooks = cn_bench()
    register(bench)
    expiry = hooks.cache.lookup(HOA).expiry
    bench.mark()
    bench.run_until(expiry + 1)
    assert bench.mh_sent(M.BindingRefreshRequest) == [] and len(hooks.cache) == 0


def test_refreshed_binding_moves_the_brr_and_expiry() -> None:
    bench, hooks = cn_bench()
    hot, cot, _ = register(bench, seq=1)
    first_expiry = hooks.cache.lookup(HOA).expiry
    bench.run_until(first_expiry - 100)
    hot, cot = rr_exchange(bench)
    bu, _ = make_bu(hot, cot, 2)
    bench.inject(bu)
    bench.run_until(first_expiry + 1)
    assert hooks.cache.lookup(HOA) is not None and hooks.cache.lookup(HOA).sequence_number == 2


def test_correspondent_without_mobile_ipv6_answers_parameter_problem_code_1() -> None:
    world = World(3)
    world.strict = True
    world.add_link("cn-link")
    cn = IPv6Node("cn", random.Random(1), world.trace)
    cn.add_interface("eth0", "02:00:00:00:0c:01")
    cn.add_address("eth0", CN, 64, dad=False)
    from test_cn_support import PEER_LL

    cn.add_route("::", 0, PEER_LL, "eth0")
    world.add_node(cn)
    world.attach("cn", "eth0", "cn-link")
    bench = Bench(world, cn, "cn-link")
    bench.run(2.0)
    bench.mark()
    bench.inject(IPv6(HOA, CN, M.MobilityHeader(M.HomeTestInit(bytes(8)))))
    (pp,) = [p for p in bench.sent() if isinstance(p.payload, I.ParameterProblem)]
    assert (pp.dst, pp.payload.code, pp.payload.pointer) == (HOA, 1, 6)
