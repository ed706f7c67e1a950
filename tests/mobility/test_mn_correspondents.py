"""Return routability and correspondent registration from the mobile node; route-optimized packet forms;
Type 2 Routing header processing; non-MIPv6 correspondents; Binding Errors; movement and returning home
(RFC 6275 §5.2, §6.4, §11.3, §11.5.4, §11.6, §11.7.2; white paper Figures 13, 16, 18, 29, 33, 34)."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from test_mn_harness import CN, COA1, COA2, F1, F2, HA, HA_MAC, HOA, HOME, MN_LL, MNHarness

from mip6lab.mobility import rr
from mip6lab.mobility.constants import MAX_TOKEN_LIFETIME
from mip6lab.mobility.ipsec import default_spi_base
from mip6lab.mobility.machines import CorrespondentRegistrationState as C
from mip6lab.wire import icmp as I
from mip6lab.wire.codec import encode_ipv6, encode_upper
from mip6lab.wire.ip import ESP, IPv6, RoutingType2
from mip6lab.wire.mh import (
    BindingAcknowledgement,
    BindingAuthorizationData,
    BindingError,
    BindingRefreshRequest,
    BindingUpdate,
    CareofTestInit,
    HomeTestInit,
    MobilityHeader,
    NonceIndices,
)
from mip6lab.wire.transport import UDP


def registered(esp: str = "null", **kw) -> MNHarness:
    h = MNHarness(esp, **kw)
    h.go(HOME)
    h.go(F1)
    h.accept_last_home_bu()
    return h


def send_data(h: MNHarness, data: bytes = b"hello") -> None:
    h._take([])  # noqa: SLF001 - nothing pending; keeps the style uniform
    h.mn.node.send_upper(UDP(4000, 5000, data), CN)
    h._take(h.mn.node.drain())


def cn_bus(h: MNHarness, since: float = -1.0) -> list[tuple[float, IPv6, BindingUpdate]]:
    return [(t, p, m) for t, p, m in h.mh(BindingUpdate, since) if p.dst == CN]


def tokens_for(h: MNHarness, coa=COA1) -> tuple[bytes, bytes]:
    e = h.mn.bul.lookup(CN, HOA)
    assert e is not None
    return e.rr.home_keygen_token, e.rr.careof_keygen_token


def complete_rr(h: MNHarness) -> None:
    h.run(h.now)  # the scheduled start
    h.answer_hoti()
    h.answer_coti()


def accept_cn_bu(h: MNHarness, lifetime: int | None = None) -> BindingUpdate:
    t, p, bu = cn_bus(h)[-1]
    e = h.mn.bul.lookup(CN, HOA)
    dereg = bu.lifetime == 0
    key = rr.kbm(e.rr.home_keygen_token) if dereg else rr.kbm(e.rr.home_keygen_token, e.rr.careof_keygen_token)
    coa = HOA if dereg else p.src
    ba = rr.sign_binding_message(
        BindingAcknowledgement(0, bu.seq, bu.lifetime if lifetime is None else lifetime), key, coa, CN
    )
    dst = p.src
    ext = () if dst == HOA else (RoutingType2(HOA),)
    h.deliver(IPv6(CN, dst, MobilityHeader(ba), ext=ext))
    return bu


# --------------------------------------------------------------------------- who initiates (Figure 29)
def test_first_data_packet_tunnelled_and_rr_scheduled_not_run() -> None:
    h = registered()
    n = len(h.packets())
    send_data(h)
    new = [p for _, p in h.packets()[n:]]
    assert len(new) == 1  # only the data: RR is scheduled, not run inside the sending algorithm
    outer = new[0]
    assert (outer.src, outer.dst) == (COA1, HA) and isinstance(outer.payload, IPv6)
    assert (outer.payload.src, outer.payload.dst) == (HOA, CN) and isinstance(outer.payload.payload, UDP)
    run = [r for r in h.mn.node.trace.runs_for("mn", "send") if r.packet.dst == CN][-1]
    # Figure 35: step 11 initiates the registration (only schedules it), step 12 reverse tunnels the data.
    numbers = run.step_numbers
    i = numbers.index(11)
    assert numbers[i + 1] == 12 and "initiated now" in run.steps[i].decision
    assert run.result == "sent"
    assert ("mn-cn-start", CN) in h.timers


def test_hoti_through_esp_tunnel_and_coti_direct() -> None:
    h = registered()
    send_data(h)
    h.run(h.now)
    hoti_pkts = [
        p
        for _, p in h.packets()
        if p.dst == HA and isinstance(p.payload, ESP) and p.payload.spi == default_spi_base(HOA) + 3
    ]
    assert len(hoti_pkts) == 1 and hoti_pkts[0].src == COA1
    inner = h.open_to_ha(hoti_pkts[0], peek=True)
    assert (inner.src, inner.dst) == (HOA, CN) and isinstance(inner.payload.message, HomeTestInit)
    ((t, coti_pkt, coti),) = h.mh(CareofTestInit)
    assert (coti_pkt.src, coti_pkt.dst) == (COA1, CN) and not coti_pkt.ext and len(coti.cookie) == 8


def test_hoti_in_plain_tunnel_without_esp() -> None:
    h = registered("off")
    send_data(h)
    h.run(h.now)
    ((t, p, m),) = h.mh(HomeTestInit)
    assert (p.src, p.dst) == (COA1, HA) and (p.payload.src, p.payload.dst) == (HOA, CN)


def test_hoti_waits_for_home_registration() -> None:
    h = MNHarness()
    h.go(HOME)
    h.go(F1)  # BU sent, no BA yet
    send_data(h)
    h.run(h.now)
    assert not h.tunnelled_hotis() and len(h.mh(CareofTestInit)) == 1
    h.accept_last_home_bu()
    assert len(h.tunnelled_hotis()) == 1


def test_correspondent_machine_and_counter_through_a_registration_and_return_home() -> None:
    h = MNHarness()
    h.go(HOME)
    h.go(F1)  # BU sent, no BA yet
    send_data(h)
    h.run(h.now)
    st = h.mn.correspondents.states[CN]
    assert st.machine.state is C.WAITING_HOME_REGISTRATION and st.waiting_home_registration
    h.accept_last_home_bu()
    assert st.machine.state is C.RETURN_ROUTABILITY and not st.waiting_home_registration
    h.answer_hoti()
    h.answer_coti()
    assert st.machine.state is C.BU_SENT
    bu = accept_cn_bu(h)
    assert st.machine.state is C.BOUND and h.mn.bul.sequence_numbers[CN] == bu.seq
    h.run(h.now + 3)
    h.go(HOME, settle=0.0)
    h.ba(h.home_bus()[-1][2].seq)
    assert st.machine.state is C.RETURN_ROUTABILITY and st.purpose == "deregister"  # HoTI from home
    h.answer_hoti(at_home=True)
    assert st.machine.state is C.DEREGISTERING
    dbu = accept_cn_bu(h)
    assert st.machine.state is C.IDLE and h.mn.bul.lookup(CN, HOA) is None
    assert h.mn.bul.sequence_numbers[CN] == dbu.seq == (bu.seq + 1) % 65536  # outlives the entry
    taken = [(str(r.source), str(r.target)) for r in h.mn.machines.records if r.instance == str(CN)]
    assert taken == [
        ("idle", "waiting for the home registration"),
        ("waiting for the home registration", "return routability"),
        ("return routability", "BU sent"),
        ("BU sent", "bound"),
        ("bound", "return routability"),
        ("return routability", "deregistering"),
        ("deregistering", "idle"),
    ]
    assert h.mn.machines.errors == []


def test_bu_to_correspondent_and_authenticator_recomputed() -> None:
    h = registered()
    send_data(h)
    complete_rr(h)
    ((t, p, bu),) = cn_bus(h)
    assert (p.src, p.dst) == (COA1, CN) and p.home_address_option.home_address == HOA
    assert bu.A and not bu.H and bu.lifetime == 420 // 4
    ni = next(o for o in bu.options if isinstance(o, NonceIndices))
    bad = bu.options[-1]
    assert isinstance(bad, BindingAuthorizationData)
    # independent recomputation from the tokens the correspondent handed out
    nonce = h.cn_secrets.current_nonce(h.now)
    assert ni.home_nonce_index == nonce.index == ni.careof_nonce_index
    home_tok = hmac.new(h.cn_secrets.kcn, HOA.packed + nonce.value + b"\x00", hashlib.sha1).digest()[:8]
    coa_tok = hmac.new(h.cn_secrets.kcn, COA1.packed + nonce.value + b"\x01", hashlib.sha1).digest()[:8]
    kbm = hashlib.sha1(home_tok + coa_tok).digest()
    _, mh = encode_upper(MobilityHeader(bu, checksum=0), HOA, CN)
    off = len(mh) - 12
    assert mh[off - 2 : off] == bytes([5, 12])  # option type 5, length 12, last
    expected = hmac.new(kbm, COA1.packed + CN.packed + mh[:off], hashlib.sha1).digest()[:12]
    assert bad.authenticator == expected


def test_bul_entry_holds_the_correspondent_registration() -> None:
    """Issue 9: the BA is checked against the entry's outstanding Sequence Number, Kbm and care-of address."""
    h = registered()
    send_data(h)
    complete_rr(h)
    ((t, p, bu),) = cn_bus(h)
    e = h.mn.bul.lookup(CN, HOA)
    home_tok, coa_tok = tokens_for(h)
    assert e.outstanding_seq == bu.seq == h.mn.correspondents.outstanding(CN)
    assert e.kbm == rr.kbm(home_tok, coa_tok) and e.care_of_address == COA1 == e.rr.coti_source
    accept_cn_bu(h)
    assert e.outstanding_seq is None and h.mn.correspondents.outstanding(CN) is None and e.acknowledged


def test_hot_with_wrong_cookie_ignored() -> None:
    h = registered()
    send_data(h)
    h.run(h.now)
    hot = rr.home_test_for(h.cn_secrets, h.now, HOA, HomeTestInit(b"\x00" * 8))
    h.tunnel_from_ha(IPv6(CN, HOA, MobilityHeader(hot)))
    assert h.mn.bul.lookup(CN, HOA).rr.home_keygen_token is None
    assert any("without a matching" in m for m in h.events("rr"))


def test_hot_in_clear_tunnel_refused_when_esp_required() -> None:
    h = registered()
    send_data(h)
    h.run(h.now)
    hoti = h.tunnelled_hotis()[-1]
    hot = rr.home_test_for(h.cn_secrets, h.now, HOA, hoti)
    h.tunnel_from_ha(IPv6(CN, HOA, MobilityHeader(hot)), esp=False)
    assert h.mn.bul.lookup(CN, HOA).rr.home_keygen_token is None


def test_hoti_cot_retransmissions_back_off() -> None:
    h = registered()
    send_data(h)
    t0 = h.now
    h.run(t0 + 20)
    times = [round(t - t0, 6) for t, _, _ in h.mh(CareofTestInit)]
    assert times == [0, 1, 3, 7, 15]
    cookies = {m.cookie for _, _, m in h.mh(CareofTestInit)}
    assert len(cookies) == 1  # a retransmission keeps the cookie


# --------------------------------------------------------------------------- route optimization
def test_route_optimized_packets_after_ba() -> None:
    h = registered()
    send_data(h)
    complete_rr(h)
    accept_cn_bu(h)
    e = h.mn.bul.lookup(CN, HOA)
    assert e.acknowledged and h.mn.correspondents.capable(CN) is True
    n = len(h.packets())
    send_data(h, b"direct")
    (p,) = [p for _, p in h.packets()[n:]]
    assert (p.src, p.dst) == (COA1, CN) and p.home_address_option.home_address == HOA
    assert isinstance(p.payload, UDP) and p.payload.data == b"direct"
    run = [r for r in h.mn.node.trace.runs_for("mn", "send")][-1]
    assert 9 in run.step_numbers and 12 not in run.step_numbers


def test_ba_with_bad_authenticator_discarded() -> None:
    h = registered()
    send_data(h)
    complete_rr(h)
    t, p, bu = cn_bus(h)[-1]
    ba = rr.sign_binding_message(BindingAcknowledgement(0, bu.seq, bu.lifetime), b"\x01" * 20, COA1, CN)
    h.deliver(IPv6(CN, COA1, MobilityHeader(ba), ext=(RoutingType2(HOA),)))
    assert not h.mn.bul.lookup(CN, HOA).acknowledged


def got_udp(h: MNHarness) -> list:
    got: list = []
    h.mn.node.register_upper(17, got.append)
    return got


def test_type2_routing_header_processed() -> None:
    h = registered()
    got = got_udp(h)
    h.deliver(IPv6(CN, COA1, UDP(5000, 4000, b"ro"), ext=(RoutingType2(HOA),)))
    assert len(got) == 1 and got[0].dst == HOA and got[0].src == CN


@pytest.mark.parametrize(
    "rh,why",
    [
        (RoutingType2(HA), "not our home address"),
        (RoutingType2(HOA, segments_left=2), "Segments Left 2"),
    ],
)
def test_type2_routing_header_discard_cases(rh: RoutingType2, why: str) -> None:
    h = registered()
    got = got_udp(h)
    h.deliver(IPv6(CN, COA1, UDP(5000, 4000, b"x"), ext=(rh,)))
    assert got == []
    assert any(why in m for m in h.events("mobility"))


def test_type2_routing_header_link_local_home_address_discarded() -> None:
    h = registered()
    got = got_udp(h)
    h.mn._home_address = MN_LL  # noqa: SLF001 - a (bogus) link-local home address for the scope rule
    h.deliver(IPv6(CN, COA1, UDP(5000, 4000, b"x"), ext=(RoutingType2(MN_LL),)))
    assert got == []


def test_tunnelled_data_from_ha_delivered_and_starts_registration() -> None:
    h = registered()
    got = got_udp(h)
    h.tunnel_from_ha(IPv6(CN, HOA, UDP(5000, 4000, b"via ha")))
    assert len(got) == 1 and got[0].tunneled and got[0].dst == HOA
    assert ("mn-cn-start", CN) in h.timers  # Figure 30: the receiving algorithm initiated RR


# --------------------------------------------------------------------------- correspondents without MIPv6
def test_parameter_problem_marks_no_future_updates() -> None:
    h = registered()
    send_data(h)
    h.run(h.now)
    hoti = h.tunnelled_hotis()[-1]
    invoking = encode_ipv6(IPv6(HOA, CN, MobilityHeader(hoti)))
    pp = I.ParameterProblem(I.PP_UNRECOGNIZED_NEXT_HEADER, 6, invoking)
    h.tunnel_from_ha(IPv6(CN, HOA, pp))
    e = h.mn.bul.lookup(CN, HOA)
    assert e.no_future_updates and h.mn.correspondents.capable(CN) is False
    n = len(h.packets())
    h.run(h.now + 30)
    assert not h.mh(CareofTestInit, since=h.now - 29.9)  # retransmissions stopped
    send_data(h)
    (p,) = [p for _, p in h.packets()[n:] if p.dst in (HA, CN)]
    assert p.dst == HA and isinstance(p.payload, IPv6)  # keeps tunnelling
    assert not h.timer_pending if False else ("mn-cn-start", CN) not in h.timers


def test_periodic_rr_retry_for_non_mipv6_correspondent() -> None:
    h = registered(rr_retry_interval=60.0)
    send_data(h)
    h.run(h.now)
    (t, p, coti) = h.mh(CareofTestInit)[-1]
    pp = I.ParameterProblem(I.PP_UNRECOGNIZED_NEXT_HEADER, 40, encode_ipv6(p))
    h.deliver(IPv6(CN, COA1, pp))
    assert h.mn.bul.lookup(CN, HOA).no_future_updates
    t1 = h.now
    h.run(t1 + 60)
    assert h.mh(CareofTestInit, since=t1 + 59)


def test_binding_error_1_reruns_registration() -> None:
    h = registered()
    send_data(h)
    complete_rr(h)
    accept_cn_bu(h)
    n = len(cn_bus(h))
    h.deliver(IPv6(CN, COA1, MobilityHeader(BindingError(1, HOA))))
    assert len(cn_bus(h)) == n + 1  # tokens fresh: a new BU at once


def test_binding_error_2_stops_that_type() -> None:
    h = registered()
    send_data(h)
    h.run(h.now)
    h.deliver(IPv6(CN, COA1, MobilityHeader(BindingError(2, HOA))))
    st = h.mn.correspondents.state(CN)
    assert st.unsupported and h.mn.bul.lookup(CN, HOA).no_future_updates


def test_brr_from_correspondent_answered() -> None:
    h = registered()
    send_data(h)
    complete_rr(h)
    accept_cn_bu(h)
    n = len(cn_bus(h))
    h.run(h.now + 10)
    h.deliver(IPv6(CN, COA1, MobilityHeader(BindingRefreshRequest()), ext=(RoutingType2(HOA),)))
    assert len(cn_bus(h)) == n + 1


@pytest.mark.parametrize("status,home,careof", [(136, True, False), (137, False, True), (138, True, True)])
def test_expired_nonce_statuses_rerun_tests(status: int, home: bool, careof: bool) -> None:
    h = registered()
    send_data(h)
    complete_rr(h)
    t, p, bu = cn_bus(h)[-1]
    n_hoti, n_coti = len(h.tunnelled_hotis()), len(h.mh(CareofTestInit))
    h.deliver(IPv6(CN, COA1, MobilityHeader(BindingAcknowledgement(status, bu.seq, 0)), ext=(RoutingType2(HOA),)))
    assert (len(h.tunnelled_hotis()) > n_hoti) == home
    assert (len(h.mh(CareofTestInit)) > n_coti) == careof


def test_ba_135_from_correspondent_resends_with_next_seq() -> None:
    h = registered()
    send_data(h)
    complete_rr(h)
    t, p, bu = cn_bus(h)[-1]
    e = h.mn.bul.lookup(CN, HOA)
    key = rr.kbm(e.rr.home_keygen_token, e.rr.careof_keygen_token)
    ba = rr.sign_binding_message(BindingAcknowledgement(135, 777, 0), key, COA1, CN)
    h.deliver(IPv6(CN, COA1, MobilityHeader(ba), ext=(RoutingType2(HOA),)))
    assert cn_bus(h)[-1][2].seq == 778


# --------------------------------------------------------------------------- movement (Figure 33)
def test_new_foreign_link_coti_only_while_home_token_fresh() -> None:
    h = registered()
    send_data(h)
    complete_rr(h)
    accept_cn_bu(h)
    n_hoti = len(h.tunnelled_hotis())
    h.run(h.now + 5)
    h.go(F2)
    assert h.mn.correspondents.usable_binding(CN) is None  # old care-of address: tunnel meanwhile
    t_move = h.now
    h.accept_last_home_bu()
    (t, coti_pkt, coti) = h.mh(CareofTestInit)[-1]
    assert coti_pkt.src == COA2 and t >= t_move
    assert len(h.tunnelled_hotis()) == n_hoti  # no new HoTI
    h.answer_coti()
    t, p, bu = cn_bus(h)[-1]
    assert p.src == COA2
    accept_cn_bu(h)
    assert h.mn.correspondents.usable_binding(CN) is not None


def test_stale_home_token_needs_both_tests() -> None:
    h = registered()
    send_data(h)
    complete_rr(h)
    accept_cn_bu(h)
    h.run(h.now + MAX_TOKEN_LIFETIME + 1)
    n_hoti = len(h.tunnelled_hotis())
    h.go(F2)
    h.accept_last_home_bu()
    assert len(h.tunnelled_hotis()) == n_hoti + 1 and h.mh(CareofTestInit)[-1][1].src == COA2


# --------------------------------------------------------------------------- returning home (Figure 34)
def test_return_home_message_order_and_forms() -> None:
    h = registered()
    send_data(h)
    complete_rr(h)
    accept_cn_bu(h)
    h.run(h.now + 3)
    t_home = h.now
    h.go(HOME, settle=0.0)
    # 1. de-registration BU to the home agent, from the home address, no HAO, lifetime 0, A, H
    (t, p, bu) = h.home_bus(since=t_home)[0]
    assert (p.src, p.dst) == (HOA, HA) and p.home_address_option is None and isinstance(p.payload, ESP)
    assert (bu.lifetime, bu.A, bu.H) == (0, True, True)
    assert any(getattr(o, "address", None) == HOA for o in bu.options)
    # 2. while the HA still defends the HoA: no answer to a neighbour's NS for it
    from mip6lab.ipv6.addresses import solicited_node
    from mip6lab.wire.codec import mac_for_multicast

    hn = "2001:db8:1::99"
    from ipaddress import IPv6Address as A

    ns = I.NeighborSolicitation(HOA, options=(I.SourceLinkLayerAddress("02:00:00:00:02:01"),))
    n = len(h.out)
    h.deliver(
        IPv6(A(hn), solicited_node(HOA), ns, hlim=255), "02:00:00:00:02:01", mac_for_multicast(solicited_node(HOA))
    )
    assert not [e for _, e in h.out[n:] if isinstance(e.payload.payload, I.NeighborAdvertisement)]
    # 3. BA -> unsolicited NA (O=1) to ff02::1 for the home address and (L was set) the link-local
    h.ba(bu.seq)
    nas = [e.payload for _, e in h.out if isinstance(e.payload.payload, I.NeighborAdvertisement)]
    targets = [p.payload.target for p in nas if str(p.dst) == "ff02::1"]
    assert HOA in targets and MN_LL in targets
    assert all(p.payload.O for p in nas if str(p.dst) == "ff02::1")
    # 4. HoTI straight from the home address (no tunnel), then the de-registration BU
    (t, hoti_pkt, hoti) = h.mh(HomeTestInit)[-1]
    assert (hoti_pkt.src, hoti_pkt.dst) == (HOA, CN)
    assert not h.mh(CareofTestInit, since=t_home)
    h.answer_hoti(at_home=True)
    (t, p, dbu) = cn_bus(h, since=t_home)[-1]
    assert (p.src, p.dst) == (HOA, CN) and p.home_address_option is None and dbu.lifetime == 0
    e = h.mn.bul.lookup(CN, HOA)
    kbm = hashlib.sha1(e.rr.home_keygen_token).digest()  # de-registration: home token only
    assert rr.verify_binding_message(dbu, kbm, HOA, CN)
    accept_cn_bu(h)
    assert h.mn.bul.lookup(CN, HOA) is None
    # 5. the neighbour's NS is answered now
    n = len(h.out)
    h.deliver(
        IPv6(A(hn), solicited_node(HOA), ns, hlim=255), "02:00:00:00:02:01", mac_for_multicast(solicited_node(HOA))
    )
    assert [e for _, e in h.out[n:] if isinstance(e.payload.payload, I.NeighborAdvertisement)]


def test_home_agent_ns_answered_before_ba() -> None:
    """The home agent needs our MAC to deliver the de-registration BA."""
    h = registered()
    h.go(HOME, settle=0.0)
    from mip6lab.ipv6.addresses import solicited_node
    from mip6lab.wire.codec import mac_for_multicast

    ns = I.NeighborSolicitation(HOA, options=(I.SourceLinkLayerAddress(HA_MAC),))
    n = len(h.out)
    h.deliver(IPv6(HA, solicited_node(HOA), ns, hlim=255), HA_MAC, mac_for_multicast(solicited_node(HOA)))
    assert [e for _, e in h.out[n:] if isinstance(e.payload.payload, I.NeighborAdvertisement)]


def test_proxy_na_from_home_agent_ignored_during_link_local_dad() -> None:
    h = registered()
    h.attach(HOME)
    na = I.NeighborAdvertisement(MN_LL, O=True, options=(I.TargetLinkLayerAddress(HA_MAC),))
    h.deliver(IPv6(HA, IPv6Address_all(), na, hlim=255), HA_MAC, "33:33:00:00:00:01")
    h.run(h.now + 2)
    ll = h.mn.node.addresses.link_local("eth0")
    assert ll is not None and ll.usable


def IPv6Address_all():  # noqa: N802
    from mip6lab.ipv6.addresses import ALL_NODES

    return ALL_NODES


def test_bul_entry_for_correspondent_fields() -> None:
    h = registered()
    send_data(h)
    complete_rr(h)
    accept_cn_bu(h)
    e = h.mn.bul.lookup(CN, HOA)
    assert e.care_of_address == COA1 and e.lifetime_sent == 420 and not e.home_registration
    assert e.max_seq_sent == cn_bus(h)[-1][2].seq
    snap = h.mn.snapshot()
    assert snap["location"] == "foreign" and len(snap["binding_update_list"]) == 2


def test_figure1_f1_constant_sanity() -> None:
    assert F1 != F2
