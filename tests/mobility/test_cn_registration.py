"""Correspondent node: return routability, correspondent registration (every BA status, every silent
discard), BA authenticator recomputed here from the tokens seen on the wire, caches proven unchanged."""

from __future__ import annotations

from dataclasses import replace
from ipaddress import IPv6Address

import pytest
from test_cn_support import CN, COA, COA2, HOA, authenticator_of, cn_bench, kbm_from_tokens, signed, with_hao

from mip6lab.wire import mh as M
from mip6lab.wire.ip import IPv6, RoutingType2

COOKIE_H = bytes(range(1, 9))
COOKIE_C = bytes(range(11, 19))


def rr_exchange(bench, *, hoa=HOA, coa=COA):
    bench.mark()
    bench.inject(IPv6(hoa, CN, M.MobilityHeader(M.HomeTestInit(COOKIE_H))))
    bench.inject(IPv6(coa, CN, M.MobilityHeader(M.CareofTestInit(COOKIE_C))))
    hot = bench.mh_sent(M.HomeTest)
    cot = bench.mh_sent(M.CareofTest)
    assert len(hot) == 1 and len(cot) == 1
    return hot[0], cot[0]


def make_bu(hot_pkt, cot_pkt, seq, *, lifetime=100, A=True, coa=COA, hoa=HOA, H=False, extra=(), dereg=False):
    hot, cot = hot_pkt.payload.message, cot_pkt.payload.message
    if dereg:
        kbm = kbm_from_tokens(hot.keygen_token, None)
        mac_coa = hoa
    else:
        kbm = kbm_from_tokens(hot.keygen_token, cot.keygen_token)
        mac_coa = coa
    bu = M.BindingUpdate(seq, lifetime, A=A, H=H, options=(*extra, M.NonceIndices(hot.nonce_index, cot.nonce_index)))
    bu = signed(bu, kbm, mac_coa, CN)
    src = coa if not dereg or coa != hoa else hoa
    pkt = IPv6(src, CN, M.MobilityHeader(bu))
    return (pkt if src == hoa else with_hao(pkt, hoa)), kbm


def register(bench, seq=10, lifetime=100):
    hot, cot = rr_exchange(bench)
    bu, kbm = make_bu(hot, cot, seq, lifetime=lifetime)
    bench.mark()
    bench.inject(bu)
    return hot, cot, kbm


def cache_state(hooks):
    return [(e.home_address, e.care_of_address, e.lifetime, e.sequence_number, e.expiry) for e in hooks.cache]


def only_ba(bench):
    bas = bench.mh_sent(M.BindingAcknowledgement)
    assert len(bas) == 1, bench.sent()
    return bas[0], bas[0].payload.message


def test_rr_answers_are_stateless_and_go_where_the_tests_came_from() -> None:
    bench, hooks = cn_bench()
    hot, cot = rr_exchange(bench)
    # HoT to the home address (the home agent will tunnel it), CoT straight to the care-of address
    assert (hot.src, hot.dst, hot.ext) == (CN, HOA, ())
    assert (cot.src, cot.dst, cot.ext) == (CN, COA, ())
    assert hot.payload.message.cookie == COOKIE_H and cot.payload.message.cookie == COOKIE_C
    assert len(hooks.cache) == 0  # no state for the tests (§5.2.3)


@pytest.mark.parametrize("kind", [M.HomeTestInit, M.CareofTestInit])
def test_test_init_with_home_address_option_is_silently_ignored(kind) -> None:
    bench, hooks = cn_bench()
    bench.inject(with_hao(IPv6(COA, CN, M.MobilityHeader(kind(COOKIE_H))), HOA))
    assert bench.sent() == []  # no HoT/CoT, no Binding Error


def test_accepted_binding_ba_authenticator_and_cache() -> None:
    bench, hooks = cn_bench()
    hot, cot, kbm = register(bench, seq=10, lifetime=200)  # 800 s requested
    pkt, ba = only_ba(bench)
    # §9.5.4: to the care-of address with a Type 2 Routing header carrying the home address
    assert (pkt.src, pkt.dst, pkt.ext) == (CN, COA, (RoutingType2(HOA),))
    assert (ba.status, ba.seq) == (M.BA_ACCEPTED, 10)
    assert ba.lifetime == 105  # capped at MAX_RR_BINDING_LIFETIME = 420 s
    assert isinstance(ba.options[-1], M.BindingAuthorizationData)
    assert ba.options[-1].authenticator == authenticator_of(kbm, COA, CN, ba)
    e = hooks.cache.lookup(HOA)
    assert e is not None and (e.care_of_address, e.lifetime, e.sequence_number) == (COA, 420.0, 10)
    assert not e.home_registration


def test_accepted_with_a0_sends_no_ba_but_caches() -> None:
    bench, hooks = cn_bench()
    hot, cot = rr_exchange(bench)
    bu, _ = make_bu(hot, cot, 3, A=False)
    bench.mark()
    bench.inject(bu)
    assert bench.mh_sent(M.BindingAcknowledgement) == []
    assert hooks.cache.lookup(HOA) is not None


def test_alternate_careof_address_is_registered_and_authenticated() -> None:
    bench, hooks = cn_bench()
    hot, _ = rr_exchange(bench)
    _, cot2 = rr_exchange(bench, coa=COA2)
    bu, kbm = make_bu(hot, cot2, 4, coa=COA2, extra=(M.AlternateCareofAddress(COA2),))
    bu = replace(bu, src=COA)  # sent from another address, the option names the care-of address
    bench.mark()
    bench.inject(bu)
    pkt, ba = only_ba(bench)
    assert ba.status == 0 and hooks.cache.lookup(HOA).care_of_address == COA2
    assert ba.options[-1].authenticator == authenticator_of(kbm, COA2, CN, ba)


def test_status_135_carries_last_sequence_and_authenticator_cache_unchanged() -> None:
    bench, hooks = cn_bench()
    hot, cot, kbm = register(bench, seq=15)
    before = cache_state(hooks)
    for old in (15, 14, 32783):
        bu, _ = make_bu(hot, cot, old)
        bench.mark()
        bench.inject(bu)
        pkt, ba = only_ba(bench)
        assert (ba.status, ba.seq, ba.lifetime) == (135, 15, 0)
        assert ba.options[-1].authenticator == authenticator_of(kbm, COA, CN, ba)
        assert cache_state(hooks) == before
    bu, _ = make_bu(hot, cot, 32782)  # the far edge of "greater" (§9.5.1)
    bench.mark()
    bench.inject(bu)
    assert only_ba(bench)[1].status == 0 and hooks.cache.lookup(HOA).sequence_number == 32782


@pytest.mark.parametrize(
    ("home_ok", "careof_ok", "status"), [(False, True, 136), (True, False, 137), (False, False, 138)]
)
def test_expired_nonce_indices_136_137_138_without_authenticator(home_ok, careof_ok, status) -> None:
    bench, hooks = cn_bench()
    hot, cot = rr_exchange(bench)
    hm, cm = hot.payload.message, cot.payload.message
    hot2 = replace(hot, payload=M.MobilityHeader(replace(hm, nonce_index=hm.nonce_index if home_ok else 999)))
    cot2 = replace(cot, payload=M.MobilityHeader(replace(cm, nonce_index=cm.nonce_index if careof_ok else 998)))
    bu, _ = make_bu(hot2, cot2, 1)
    bench.mark()
    bench.inject(bu)
    pkt, ba = only_ba(bench)
    assert ba.status == status and ba.seq == 1
    assert not any(isinstance(o, M.BindingAuthorizationData) for o in ba.options)
    assert pkt.ext == (RoutingType2(HOA),) and len(hooks.cache) == 0


def test_nonce_lifetime_boundary() -> None:
    """A nonce is accepted up to MAX_NONCE_LIFETIME (240 s) after it was made, not after."""
    bench, hooks = cn_bench()
    t0 = bench.now
    hot, cot = rr_exchange(bench)  # the nonce is made now (t0 + ~0.05)
    made = hooks.secrets.nonces[-1].generated_at
    assert made >= t0
    bench.run_until(made + 240.0 - 0.01)
    bu, _ = make_bu(hot, cot, 1)
    bench.mark()
    bench.inject(bu, run=0.005)  # arrives at made + 239.991 (link delay 1 ms): still valid
    assert only_ba(bench)[1].status == 0
    bench.run_until(made + 240.5)
    bu, _ = make_bu(hot, cot, 2)
    bench.mark()
    bench.inject(bu)
    assert only_ba(bench)[1].status == 138  # both nonces are the same one: both expired


def test_h1_at_a_correspondent_131_then_139() -> None:
    bench, hooks = cn_bench()
    bench.inject(with_hao(IPv6(COA, CN, M.MobilityHeader(M.BindingUpdate(1, 10, A=True, H=True))), HOA))
    pkt, ba = only_ba(bench)
    assert ba.status == 131 and not any(isinstance(o, M.BindingAuthorizationData) for o in ba.options)
    assert pkt.ext == (RoutingType2(HOA),)
    register(bench, seq=5)
    bench.mark()
    before = cache_state(hooks)
    bench.inject(with_hao(IPv6(COA, CN, M.MobilityHeader(M.BindingUpdate(6, 10, A=False, H=True))), HOA))
    pkt, ba = only_ba(bench)
    assert ba.status == 139 and cache_state(hooks) == before


def test_insufficient_resources_130() -> None:
    bench, hooks = cn_bench(max_bindings=0)
    hot, cot, kbm = register(bench)
    pkt, ba = only_ba(bench)
    assert ba.status == 130 and len(hooks.cache) == 0
    assert ba.options[-1].authenticator == authenticator_of(kbm, COA, CN, ba)


def _silent(bench, hooks, bu_pkt):
    before = cache_state(hooks)
    bench.mark()
    bench.inject(bu_pkt)
    assert bench.sent() == []
    assert cache_state(hooks) == before


def test_silent_discards() -> None:
    bench, hooks = cn_bench()
    hot, cot = rr_exchange(bench)
    good, kbm = make_bu(hot, cot, 7)
    bu = good.payload.message
    # bad authenticator
    bad = replace(bu, options=(*bu.options[:-1], M.BindingAuthorizationData(bytes(12))))
    _silent(bench, hooks, replace(good, payload=M.MobilityHeader(bad)))
    # no Nonce Indices
    no_ni = replace(bu, options=(bu.options[-1],))
    _silent(bench, hooks, replace(good, payload=M.MobilityHeader(no_ni)))
    # no Binding Authorization Data
    no_bad = replace(bu, options=bu.options[:-1])
    _silent(bench, hooks, replace(good, payload=M.MobilityHeader(no_bad)))
    # Binding Authorization Data not last
    not_last = replace(bu, options=(bu.options[-1], bu.options[0]))
    _silent(bench, hooks, replace(good, payload=M.MobilityHeader(not_last)))
    # H=1 with a Nonce Indices option
    h1 = replace(bu, H=True)
    _silent(bench, hooks, replace(good, payload=M.MobilityHeader(h1)))
    # link-local home address
    _silent(bench, hooks, with_hao(IPv6(COA, CN, M.MobilityHeader(bu)), IPv6Address("fe80::1")))
    # the genuine one still works afterwards (nothing above changed state)
    bench.mark()
    bench.inject(good)
    assert only_ba(bench)[1].status == 0


def test_deregistration_and_replay_protection() -> None:
    bench, hooks = cn_bench()
    hot, cot, kbm = register(bench, seq=20)
    old_bu, _ = make_bu(hot, cot, 21)  # captured by an attacker, never delivered
    dereg, dkbm = make_bu(hot, cot, 22, lifetime=0, dereg=True)
    bench.mark()
    bench.inject(dereg)
    pkt, ba = only_ba(bench)
    assert ba.status == 0 and ba.lifetime == 0 and len(hooks.cache) == 0
    # §6.2.7: the de-registration's authenticator uses the home address as "care-of address"
    assert ba.options[-1].authenticator == authenticator_of(dkbm, HOA, CN, ba)
    # replaying the older (valid-looking) BU must not re-create the binding (§9.5.3)
    bench.mark()
    bench.inject(old_bu)
    pkt, ba = only_ba(bench)
    assert ba.status == 135 and ba.seq == 22 and len(hooks.cache) == 0


def test_deregistration_from_home_goes_to_home_address_without_routing_header() -> None:
    bench, hooks = cn_bench()
    hot, cot, kbm = register(bench, seq=30)
    # back home: HoTI/HoT only, BU from the home address with care-of address = home address
    bench.mark()
    bench.inject(IPv6(HOA, CN, M.MobilityHeader(M.HomeTestInit(COOKIE_H))))
    hot2 = bench.mh_sent(M.HomeTest)[0]
    bu, dkbm = make_bu(hot2, cot, 31, lifetime=0, coa=HOA, dereg=True)
    assert bu.src == HOA and bu.home_address_option is None
    bench.mark()
    bench.inject(bu)
    pkt, ba = only_ba(bench)
    assert (pkt.dst, pkt.ext, ba.status) == (HOA, (), 0) and len(hooks.cache) == 0
