"""Home agent: home registration (DAD before the first BA, every BA status, silent discards, ESP),
proxy ND forms, de-registration, lifetime clamping, refresh advice."""

from __future__ import annotations

from ipaddress import IPv6Address as A

import pytest
from test_cn_support import COA, COA2, HA, HA_MAC, HN_MAC, HOA, HaBench, bas, home_bu, with_hao

from mip6lab.ipv6.addresses import solicited_node
from mip6lab.mobility.registration import link_local_for
from mip6lab.wire import icmp as I
from mip6lab.wire import mh as M
from mip6lab.wire.ip import ESP, IPv6, RoutingType2


def cache_state(b):
    return [
        (e.home_address, e.care_of_address, e.lifetime, e.sequence_number, e.home_registration) for e in b.role.cache
    ]


def dad_probes(b):
    return [
        p for p in b.sent(link="home", nd=True) if isinstance(p.payload, I.NeighborSolicitation) and p.src == A("::")
    ]


def unsolicited_nas(b):
    return [
        (p, f)
        for f in b.sent_frames(link="home")
        for p in [f.payload]
        if isinstance(p.payload, I.NeighborAdvertisement) and p.dst == A("ff02::1")
    ]


def register(b, seq=10, lifetime=100, **kw):
    b.mark()
    b.inject(home_bu(b, seq, lifetime, **kw), run=2.0)
    return bas(b)


@pytest.mark.parametrize("esp", ["off", "null", "aes"])
def test_first_registration_dad_then_ba_then_proxy(esp) -> None:
    b = HaBench(esp)
    b.inject(home_bu(b, 10, 100), run=0.5)
    # DAD: a Neighbor Solicitation from :: for the home address, and no BA yet
    (ns,) = dad_probes(b)
    assert ns.payload.target == HOA and ns.dst == solicited_node(HOA)
    assert bas(b) == [] and len(b.role.cache) == 0
    b.run(1.5)
    ((pkt, ba),) = bas(b)
    assert (pkt.src, pkt.dst, pkt.ext) == (HA, COA, (RoutingType2(HOA),))  # Figure 21
    assert isinstance(pkt.payload, ESP) == (esp != "off")
    assert (ba.status, ba.seq, ba.lifetime) == (0, 10, 100)
    assert M.BindingRefreshAdvice(50) in ba.options
    e = b.role.cache.lookup(HOA)
    assert e.home_registration and e.care_of_address == COA and e.sequence_number == 10
    # proxy ND: three unsolicited NAs to ff02::1, O=1, R=0, S=0, TLLA = the home agent's MAC
    b.run(3.0)
    nas = unsolicited_nas(b)
    assert len(nas) == 3
    for p, frame in nas:
        na = p.payload
        assert (na.target, na.O, na.R, na.S) == (HOA, True, False, False)
        assert na.options == (I.TargetLinkLayerAddress(HA_MAC),) and frame.src == HA_MAC
    assert b.node.interfaces["eth0"].in_group(solicited_node(HOA))


def test_answer_multicast_ns_variant_sends_no_unsolicited_na_but_answers_ns() -> None:
    b = HaBench(proxy_nd="answer-multicast-ns")
    register(b)
    assert unsolicited_nas(b) == []
    b.mark()
    ns = I.NeighborSolicitation(HOA, options=(I.SourceLinkLayerAddress(HN_MAC),))
    hn_ll = A("fe80::ff:fe00:ee03")
    b.inject(IPv6(hn_ll, solicited_node(HOA), ns, hlim=255), link="home", dst_mac="33:33:ff:00:01:00")
    (na,) = [p for p in b.sent(link="home", nd=True) if isinstance(p.payload, I.NeighborAdvertisement)]
    assert na.dst == hn_ll and na.payload.target == HOA and na.payload.options == (I.TargetLinkLayerAddress(HA_MAC),)


def test_dad_failure_134_and_nothing_installed() -> None:
    b = HaBench()
    b.hn.answer_dad_for.add(HOA)
    ((pkt, ba),) = register(b)
    assert ba.status == 134 and ba.lifetime == 0
    assert len(b.role.cache) == 0 and not b.node.proxies
    assert not b.node.interfaces["eth0"].in_group(solicited_node(HOA))


def test_link_local_compatibility_dad_and_proxy_for_both() -> None:
    b = HaBench()
    b.inject(home_bu(b, 1, 100, L=True), run=0.5)
    assert sorted(p.payload.target for p in dad_probes(b)) == sorted([HOA, link_local_for(HOA)])
    b.run(1.5)
    assert bas(b)[0][1].status == 0
    assert ("eth0", link_local_for(HOA)) in b.node.proxies and ("eth0", HOA) in b.node.proxies


def test_retransmission_during_dad_is_answered_with_the_newest_sequence_number() -> None:
    """The mobile node retransmits with a new sequence number (§11.8) and accepts only a BA for the
    newest: the one BA sent when DAD completes carries the newest BU's sequence number, lifetime and
    care-of address, and DAD is not restarted."""
    b = HaBench()
    b.inject(home_bu(b, 1, 100), run=0.3)
    b.inject(home_bu(b, 2, 50, coa=COA2), run=2.0)
    ((p, ba),) = bas(b)
    assert (ba.status, ba.seq, ba.lifetime, p.dst) == (0, 2, 50, COA2)
    assert len(dad_probes(b)) == 1
    e = b.role.cache.lookup(HOA)
    assert (e.sequence_number, e.care_of_address, e.lifetime) == (2, COA2, 200.0)


def test_repeated_or_older_sequence_number_during_dad_is_ignored() -> None:
    b = HaBench()
    b.inject(home_bu(b, 5), run=0.3)
    b.inject(home_bu(b, 5), run=0.1)
    b.inject(home_bu(b, 4), run=2.0)
    ((_, ba),) = bas(b)
    assert ba.seq == 5 and len(dad_probes(b)) == 1 and b.role.cache.lookup(HOA).sequence_number == 5


def test_deregistration_during_dad_cancels_the_registration_and_is_answered() -> None:
    b = HaBench()
    b.inject(home_bu(b, 1), run=0.3)
    assert HOA in b.role.registrar.pending
    b.inject(home_bu(b, 2, 0, coa=HOA, src=HOA), link="home", run=0.1)  # came home before the BA
    ((p, ba),) = bas(b, link="home")
    assert (p.dst, ba.seq, ba.status) == (HOA, 2, 133)  # §10.3.2: no home registration to delete
    assert HOA not in b.role.registrar.pending
    b.mark()
    b.run(3.0)  # the cancelled DAD neither answers nor installs anything later
    assert bas(b) == [] and len(b.role.cache) == 0 and not b.node.proxies
    assert not b.node.interfaces["eth0"].in_group(solicited_node(HOA))


def test_deregistration_during_link_local_dad_of_a_refresh_deletes_the_binding() -> None:
    b = HaBench()
    register(b, seq=1)
    b.mark()
    b.inject(home_bu(b, 2, L=True), run=0.3)  # L newly set: DAD for the link-local address
    b.inject(home_bu(b, 3, 0), run=0.1)
    ((_, ba),) = bas(b)
    assert (ba.seq, ba.status) == (3, 0)
    b.mark()
    b.run(3.0)
    assert bas(b) == [] and len(b.role.cache) == 0 and not b.node.proxies


def test_newer_bu_clearing_l_during_dad_stops_checking_the_link_local_address() -> None:
    b = HaBench()
    b.inject(home_bu(b, 1, L=True), run=0.3)
    assert len(dad_probes(b)) == 2
    b.inject(home_bu(b, 2, L=False), run=2.0)
    ((_, ba),) = bas(b)
    assert (ba.seq, ba.status) == (2, 0)
    assert b.node.proxies == {("eth0", HOA): True} and not b.role.cache.lookup(HOA).link_local_compat


def _reject(b, pkt, status, seq):
    before = cache_state(b)
    b.mark()
    b.inject(pkt, run=2.0)
    ((p, ba),) = bas(b)
    assert (ba.status, ba.seq, ba.lifetime) == (status, seq, 0)
    assert dad_probes(b) == []
    assert cache_state(b) == before
    return p, ba


def test_status_131_when_not_configured_as_home_agent() -> None:
    b = HaBench(is_home_agent=False)
    _reject(b, home_bu(b, 5), 131, 5)


def test_status_132_not_home_subnet() -> None:
    b = HaBench()
    far = A("2001:db8:9::100")
    p, _ = _reject(b, home_bu(b, 5, hoa=far), 132, 5)
    assert p.ext == (RoutingType2(far),)


def test_status_133_deregistration_without_binding_even_with_a0() -> None:
    b = HaBench()
    _reject(b, home_bu(b, 5, 0, A_=False), 133, 5)


def test_status_135_carries_the_last_sequence_number() -> None:
    b = HaBench()
    register(b, seq=15)
    for old in (15, 14, 32783):
        _reject(b, home_bu(b, old), 135, 15)


def test_status_139_registration_type_change() -> None:
    b = HaBench()
    b.role.cache.create(b.now, HOA, COA, 100.0, sequence_number=3, home_registration=False)
    _reject(b, home_bu(b, 5), 139, 5)


def test_status_130_cache_full_and_129_prohibited() -> None:
    b = HaBench(max_bindings=0)
    _reject(b, home_bu(b, 5), 130, 5)
    b = HaBench()
    b.role.registrar.prohibited_addresses.append(HOA)
    _reject(b, home_bu(b, 6), 129, 6)


def test_silent_discards() -> None:
    b = HaBench("null")
    for pkt in (
        home_bu(b, 5, options=(M.NonceIndices(1, 2),)),  # H=1 with Nonce Indices
        home_bu(b, 5, protect=False),  # ESP required by the SPD, BU in clear
        home_bu(b, 5, hoa=A("fe80::100")),  # link-local home address
    ):
        b.mark()
        b.inject(pkt, run=2.0)
        assert b.sent() == [] and len(b.role.cache) == 0
    assert any("not protected by ESP" in e.message for e in b.world.trace.events_for("ha", "esp"))


def test_refresh_with_a0_is_still_acknowledged_and_lifetime_clamped() -> None:
    b = HaBench(max_lifetime=100.0)
    ((_, ba),) = register(b, seq=1, lifetime=1000)
    assert ba.lifetime == 25  # 100 s configured maximum
    b.mark()
    b.inject(home_bu(b, 2, 1000, A_=False, coa=COA2))
    ((p, ba),) = bas(b)
    assert ba.status == 0 and p.dst == COA2 and dad_probes(b) == []  # binding exists: no DAD
    assert b.role.cache.lookup(HOA).care_of_address == COA2


def test_deregistration_from_the_careof_address() -> None:
    b = HaBench("null")
    register(b)
    b.mark()
    b.inject(home_bu(b, 11, 0))
    ((p, ba),) = bas(b)
    assert (ba.status, ba.lifetime, p.dst) == (0, 0, COA)
    assert len(b.role.cache) == 0 and not b.node.proxies
    assert not b.node.interfaces["eth0"].in_group(solicited_node(HOA))
    # after de-registration a packet with a Home Address option gets Binding Error 1
    b.mark()
    b.inject(with_hao(IPv6(COA, HA, I.EchoRequest(1, 1)), HOA))
    (be,) = b.mh_sent(M.BindingError)
    assert be.dst == COA and be.payload.message.status == 1


def test_deregistration_from_home_goes_straight_to_the_mobile_node() -> None:
    b = HaBench("null")
    register(b)
    b.mark()
    pkt = home_bu(b, 11, 0, coa=HOA, src=HOA)
    assert pkt.ext == ()
    b.inject(pkt, link="home")
    frames = b.sent_frames(link="home")
    assert not any(isinstance(f.payload.payload, I.NeighborSolicitation) for f in frames)  # MAC learned
    ((p, ba),) = bas(b, link="home")
    assert (p.dst, p.ext, ba.status) == (HOA, (), 0)
    assert [f.dst for f in frames if f.payload is p] == [HN_MAC]
    assert len(b.role.cache) == 0 and not b.node.proxies


def test_binding_refresh_request_and_expiry() -> None:
    b = HaBench(brr_before_expiry=10.0)
    register(b, lifetime=10)  # 40 s
    e = b.role.cache.lookup(HOA)
    b.mark()
    b.run_until(e.expiry - 10 + 0.01)
    assert b.mh_sent(M.BindingRefreshRequest) == []  # never with a Type 2 Routing header (RFC 6275 §6.1)
    (outer,) = [p for p in b.sent() if isinstance(p.payload, IPv6)]
    brr = outer.payload
    # through the tunnel, as any packet to the home address: outer HA -> CoA, inner HA -> HoA
    assert (outer.src, outer.dst, outer.ext) == (HA, COA, ())
    assert (brr.src, brr.dst, brr.ext) == (HA, HOA, ())
    assert isinstance(brr.payload, M.MobilityHeader) and isinstance(brr.payload.message, M.BindingRefreshRequest)
    b.run_until(e.expiry + 0.01)
    assert len(b.role.cache) == 0 and not b.node.proxies


def test_registrations_in_dad_count_against_a_full_binding_cache() -> None:
    """§10.3.1 status 130: with room for one binding, a second new registration arriving while the
    first one's DAD runs is refused at once, and nothing raises when the first DAD completes."""
    b = HaBench(max_bindings=1)
    other = A("2001:db8:1::200")
    b.inject(home_bu(b, 1), run=0.1)
    b.mark()
    b.inject(home_bu(b, 1, hoa=other, coa=COA2), run=0.5)
    ((p, ba),) = bas(b)
    assert (p.dst, ba.status, ba.lifetime) == (COA2, 130, 0)
    b.mark()
    b.run(1.5)
    ((p, ba),) = bas(b)
    assert (p.dst, ba.status) == (COA, 0)
    assert [e.home_address for e in b.role.cache] == [HOA] and b.world.errors == []


def test_cache_filled_during_dad_is_answered_130_not_raised() -> None:
    b = HaBench(max_bindings=1)
    b.inject(home_bu(b, 1), run=0.1)
    b.role.cache.create(b.now, A("2001:db8:1::300"), COA2, 100.0)  # e.g. a correspondent registration
    b.mark()
    b.run(1.5)  # World.strict: an exception out of the DAD callback would fail the test here
    ((_, ba),) = bas(b)
    assert (ba.status, ba.seq, ba.lifetime) == (130, 1, 0)
    assert b.role.cache.lookup(HOA) is None and not b.node.proxies and b.world.errors == []


def test_correspondent_binding_created_during_dad_is_answered_139_not_raised() -> None:
    b = HaBench()
    b.inject(home_bu(b, 1), run=0.1)
    b.role.cache.create(b.now, HOA, COA2, 100.0)  # a correspondent registration for the same address
    b.mark()
    b.run(1.5)
    ((_, ba),) = bas(b)
    assert ba.status == 139 and not b.role.cache.lookup(HOA).home_registration and not b.node.proxies


def test_refresh_newly_setting_l_runs_dad_for_the_link_local_address_then_proxies_it() -> None:
    b = HaBench()
    register(b, seq=1)
    ll = link_local_for(HOA)
    assert ("eth0", ll) not in b.node.proxies
    b.mark()
    b.inject(home_bu(b, 2, L=True), run=0.5)
    assert [p.payload.target for p in dad_probes(b)] == [ll]  # only the link-local address: HOA is ours
    assert bas(b) == [] and ("eth0", ll) not in b.node.proxies
    b.run(1.5)
    ((_, ba),) = bas(b)
    assert (ba.status, ba.seq) == (0, 2)
    e = b.role.cache.lookup(HOA)
    assert e.link_local_compat and e.sequence_number == 2
    assert ("eth0", ll) in b.node.proxies and ("eth0", HOA) in b.node.proxies


def test_refresh_newly_setting_l_with_the_link_local_address_in_use_is_rejected_134() -> None:
    b = HaBench()
    register(b, seq=1)
    ll = link_local_for(HOA)
    b.hn.answer_dad_for.add(ll)
    ((_, ba),) = register(b, seq=2, L=True)
    assert (ba.status, ba.seq, ba.lifetime) == (134, 2, 0)
    e = b.role.cache.lookup(HOA)  # the complete BU is rejected: the binding stays as it was
    assert e is not None and not e.link_local_compat and e.sequence_number == 1
    assert ("eth0", ll) not in b.node.proxies and ("eth0", HOA) in b.node.proxies


def test_refresh_clearing_l_stops_proxying_the_link_local_address() -> None:
    b = HaBench()
    register(b, seq=1, L=True)
    ll = link_local_for(HOA)
    assert ("eth0", ll) in b.node.proxies
    ((_, ba),) = register(b, seq=2, L=False)
    assert ba.status == 0 and dad_probes(b) == []
    assert not b.role.cache.lookup(HOA).link_local_compat
    assert ("eth0", ll) not in b.node.proxies and ("eth0", HOA) in b.node.proxies
    # de-registration stops defending only what is still defended
    ((_, ba),) = register(b, seq=3, lifetime=0)
    assert ba.status == 0 and not b.node.proxies
