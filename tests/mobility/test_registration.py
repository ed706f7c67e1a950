"""BU decisions (home agent, correspondent) and BA handling (mobile node): RFC 6275 §9.5, §10.3, §11.7.3."""

from __future__ import annotations

import random
from dataclasses import replace
from ipaddress import IPv6Network

import pytest

from mip6lab.mobility import registration as reg
from mip6lab.mobility import rr
from mip6lab.mobility.binding_cache import BindingCacheEntry
from mip6lab.mobility.constants import MAX_NONCE_LIFETIME
from mip6lab.wire.ip import Addr
from mip6lab.wire.mh import (
    AlternateCareofAddress,
    BindingAcknowledgement,
    BindingAuthorizationData,
    BindingUpdate,
    CareofTestInit,
    HomeTestInit,
    MobPadN,
    NonceIndices,
)

HOA = Addr("2001:db8:1::100")
COA = Addr("2001:db8:2::100")
CN = Addr("2001:db8:3::5")
HOME_NET = IPv6Network("2001:db8:1::/64")
PREFIXES = [reg.HomePrefix(HOME_NET, 3600.0)]


def bce(seq: int = 15, home: bool = True) -> BindingCacheEntry:
    return BindingCacheEntry(HOA, COA, 400.0, 1000.0, home_registration=home, sequence_number=seq)


def names(checks) -> list[str]:
    return [n for n, _ in checks]


# =========================================================================== home agent
def home(bu: BindingUpdate, binding=None, **kw) -> reg.BUDecision:
    args = dict(home_address=HOA, source_address=COA, binding=binding, is_home_agent=True, home_prefixes=PREFIXES)
    args.update(kw)
    return reg.check_home_bu(bu, **args)


HOME_BU = BindingUpdate(seq=16, lifetime=100, A=True, H=True, options=(AlternateCareofAddress(COA),))


def test_first_home_registration_needs_dad_then_accepts():
    d = home(HOME_BU)
    assert d.outcome == reg.NEEDS_DAD and not d.send_ba
    assert d.dad_addresses == (HOA,)
    assert d.lifetime == 100 and d.status == 0 and d.ba_seq == 16 and d.careof_address == COA
    ok = reg.finalise_after_dad(d, True)
    assert ok.outcome == reg.ACCEPT and ok.status == 0 and ok.lifetime == 100 and ok.send_ba
    bad = reg.finalise_after_dad(d, False)
    assert bad.outcome == reg.REJECT and bad.status == 134 and bad.send_ba
    assert bad.checks[-1] == (reg.CHK_DAD, reg.FAIL)
    with pytest.raises(ValueError):
        reg.finalise_after_dad(ok, True)


def test_home_check_order_is_the_rfcs():
    d = reg.finalise_after_dad(home(HOME_BU), True)
    assert names(d.checks) == [
        reg.CHK_HOA_ROUTABLE,
        reg.CHK_COA_ROUTABLE,
        reg.CHK_H_NO_NONCE,
        reg.CHK_TYPE,
        reg.CHK_SEQ,
        reg.CHK_IS_HA,
        reg.CHK_ON_LINK,
        reg.CHK_LIFETIME,
        reg.CHK_DAD_NEEDED,
        reg.CHK_DAD,
    ]
    assert [r for _, r in d.checks][:-2] == [reg.PASS] * 8


def test_l_flag_dads_link_local_and_clamps_to_its_lifetime():
    d = home(replace(HOME_BU, L=True), link_local_valid_lifetime=200.0)
    assert d.dad_addresses == (HOA, Addr("fe80::100"))
    assert d.lifetime == 50
    assert home(HOME_BU, link_local_valid_lifetime=200.0).lifetime == 100  # L=0: not considered


def test_refresh_of_existing_binding_needs_no_dad():
    d = home(HOME_BU, bce())
    assert d.outcome == reg.ACCEPT and d.status == 0 and d.send_ba and d.dad_addresses == ()
    assert (reg.CHK_DAD_NEEDED, reg.PASS) in d.checks
    assert home(HOME_BU, bce(), prefix_discovery_needed=True).status == 1


@pytest.mark.parametrize(
    "requested,prefix_left,maximum,granted",
    [
        (100, 3600.0, None, 100),  # 400 s fits
        (1000, 3600.0, None, 900),  # clamped to the prefix's remaining valid lifetime
        (1000, 3600.0, 400.0, 100),  # clamped to the configured maximum
        (100, 7.0, None, 1),  # 7 s -> one 4-second unit
        (0xFFFF, None, None, 0xFFFF),  # infinite prefix lifetime
    ],
)
def test_home_lifetime_clamping(requested, prefix_left, maximum, granted):
    d = home(
        replace(HOME_BU, lifetime=requested),
        bce(),
        home_prefixes=[reg.HomePrefix(HOME_NET, prefix_left)],
        max_lifetime=maximum,
    )
    assert d.outcome == reg.ACCEPT and d.lifetime == granted


@pytest.mark.parametrize("bad_hoa", [Addr("fe80::100"), Addr("ff02::1"), Addr("::"), Addr("::1")])
def test_home_address_not_unicast_routable_is_discarded(bad_hoa):
    d = home(HOME_BU, home_address=bad_hoa)
    assert d.outcome == reg.DISCARD and not d.send_ba and d.status is None
    assert d.checks == ((reg.CHK_HOA_ROUTABLE, reg.FAIL),)


def test_multicast_care_of_is_discarded():
    d = home(replace(HOME_BU, options=(AlternateCareofAddress(Addr("ff0e::1")),)))
    assert d.outcome == reg.DISCARD and d.checks[-1] == (reg.CHK_COA_ROUTABLE, reg.FAIL)


def test_home_bu_with_nonce_indices_is_discarded():
    d = home(replace(HOME_BU, options=(*HOME_BU.options, NonceIndices(1, 2))), bce())
    assert d.outcome == reg.DISCARD and d.checks[-1] == (reg.CHK_H_NO_NONCE, reg.FAIL)
    assert "Nonce Indices" in d.reason


def test_registration_type_change_139():
    d = home(HOME_BU, bce(home=False))
    assert d.outcome == reg.REJECT and d.status == 139 and d.send_ba and d.ba_seq == 16


@pytest.mark.parametrize(
    "seq,ok",
    [(16, True), (32782, True), (15, False), (14, False), (0, False), (65535, False), (32783, False)],
)
def test_home_sequence_window_last_15(seq, ok):
    d = home(replace(HOME_BU, seq=seq), bce(seq=15))
    if ok:
        assert d.outcome == reg.ACCEPT and d.ba_seq == seq
    else:
        assert d.outcome == reg.REJECT and d.status == 135
        assert d.ba_seq == 15  # the last accepted sequence number (§9.5.1, TAHI HA_2_6_10)


def test_sequence_wraps_around():
    assert home(replace(HOME_BU, seq=0), bce(seq=65535)).outcome == reg.ACCEPT
    assert home(replace(HOME_BU, seq=5), bce(seq=65530)).outcome == reg.ACCEPT
    assert home(replace(HOME_BU, seq=65530), bce(seq=5)).status == 135


def test_not_a_home_agent_131():
    d = home(HOME_BU, is_home_agent=False)
    assert d.status == 131 and d.outcome == reg.REJECT and d.send_ba


def test_not_home_subnet_132():
    d = home(HOME_BU, home_prefixes=[reg.HomePrefix(IPv6Network("2001:db8:9::/64"))])
    assert d.status == 132 and d.send_ba


def test_deregistration_paths():
    dereg = replace(HOME_BU, lifetime=0, seq=17)
    no_entry = home(dereg)
    assert no_entry.status == 133 and no_entry.send_ba
    assert no_entry.checks[-1] == (reg.CHK_HOME_ENTRY, reg.FAIL)
    d = home(dereg, bce())
    assert d.outcome == reg.ACCEPT and d.deregistration and d.lifetime == 0 and d.status == 0
    # returning home: CoA == HoA, sent from the home address, lifetime nonzero still deletes
    back = BindingUpdate(seq=17, lifetime=100, A=True, H=True, options=(AlternateCareofAddress(HOA),))
    d2 = home(back, bce(), source_address=HOA)
    assert d2.outcome == reg.ACCEPT and d2.deregistration and d2.lifetime == 0
    assert home(replace(back, options=()), bce(), source_address=HOA).deregistration
    # sequence still checked first
    assert home(replace(dereg, seq=15), bce()).status == 135


def test_home_bu_with_h0_is_a_caller_error():
    with pytest.raises(ValueError):
        home(replace(HOME_BU, H=False))


def test_works_with_real_binding_cache_entry():
    from mip6lab.mobility.binding_cache import BindingCache

    cache = BindingCache()
    entry = cache.create(0.0, HOA, COA, 400.0, sequence_number=15, home_registration=True)
    assert home(HOME_BU, entry).outcome == reg.ACCEPT


# =========================================================================== correspondent node
class MN:
    """A minimal mobile node side: run HoTI/CoTI against the secrets, build and sign a BU."""

    def __init__(self, secrets: rr.CorrespondentSecrets, now: float, hoa: Addr = HOA, coa: Addr = COA):
        self.hot = rr.home_test_for(secrets, now, hoa, HomeTestInit(cookie=b"h" * 8))
        self.cot = rr.careof_test_for(secrets, now, coa, CareofTestInit(cookie=b"c" * 8))
        self.hoa, self.coa = hoa, coa

    def bu(self, seq: int = 16, lifetime: int = 100, *, A: bool = True, source: Addr | None = None, extra=()):
        bu = BindingUpdate(
            seq=seq,
            lifetime=lifetime,
            A=A,
            options=(*extra, NonceIndices(self.hot.nonce_index, self.cot.nonce_index)),
        )
        src = self.coa if source is None else source
        dereg = reg.is_deregistration(bu, self.hoa, reg.registered_careof_address(bu, src))
        key = rr.kbm(self.hot.keygen_token, None if dereg else self.cot.keygen_token)
        return rr.sign_binding_message(bu, key, reg.authenticator_careof_address(bu, self.hoa, src), CN), key


def cn(bu, secrets, now, binding=None, source=COA, **kw) -> reg.BUDecision:
    return reg.check_correspondent_bu(
        bu,
        home_address=HOA,
        source_address=source,
        correspondent_address=CN,
        secrets=secrets,
        now=now,
        binding=binding,
        **kw,
    )


@pytest.fixture
def secrets():
    return rr.CorrespondentSecrets(random.Random(42))


def test_correspondent_accepts_and_caps_lifetime(secrets):
    bu, key = MN(secrets, 0.0).bu(lifetime=1000)
    d = cn(bu, secrets, 5.0)
    assert d.outcome == reg.ACCEPT and d.status == 0
    assert d.lifetime == 105 and d.lifetime_seconds == 420  # MAX_RR_BINDING_LIFETIME
    assert d.kbm == key and d.ba_authenticated and d.send_ba and not d.deregistration
    assert cn(MN(secrets, 0.0).bu(lifetime=10)[0], secrets, 5.0).lifetime == 10
    assert names(d.checks) == [
        reg.CHK_HOA_ROUTABLE,
        reg.CHK_COA_ROUTABLE,
        reg.CHK_NONCE_PRESENT,
        reg.CHK_BAD_LAST,
        reg.CHK_HOME_NONCE,
        reg.CHK_COA_NONCE,
        reg.CHK_AUTH,
        reg.CHK_TYPE,
        reg.CHK_SEQ,
        reg.CHK_RESOURCES,
        reg.CHK_RR_LIFETIME,
    ]


def test_correspondent_ba_rule_9_5_4(secrets):
    bu, _ = MN(secrets, 0.0).bu(A=False)
    d = cn(bu, secrets, 1.0)
    assert d.outcome == reg.ACCEPT and not d.send_ba  # accepted, A=0: no BA
    r = cn(bu, secrets, 1.0, binding=bce(seq=20, home=False))
    assert r.status == 135 and r.send_ba  # rejected: BA even with A=0
    assert r.ba_seq == 20 and r.ba_authenticated
    bad = cn(replace(bu, lifetime=99), secrets, 1.0)
    assert bad.outcome == reg.DISCARD and not bad.send_ba  # never after a discard


def test_correspondent_home_registration_131_139_and_nonce_discard(secrets):
    h = BindingUpdate(seq=1, lifetime=10, H=True)
    d = cn(h, secrets, 0.0)
    assert d.status == 131 and d.send_ba and not d.ba_authenticated
    assert cn(h, secrets, 0.0, binding=bce(home=False)).status == 139
    d = cn(replace(h, options=(NonceIndices(0, 0),)), secrets, 0.0)
    assert d.outcome == reg.DISCARD and d.checks[-1] == (reg.CHK_H_NO_NONCE, reg.FAIL)


def test_correspondent_structure_discards(secrets):
    m = MN(secrets, 0.0)
    bu, _ = m.bu()
    ni, bad = bu.options
    for opts, failing in [
        ((bad,), reg.CHK_NONCE_PRESENT),  # no Nonce Indices
        ((ni,), reg.CHK_BAD_LAST),  # no Binding Authorization Data
        ((bad, ni), reg.CHK_BAD_LAST),  # BAD not last
        ((ni, bad, MobPadN(bytes(2))), reg.CHK_BAD_LAST),  # trailing padding
    ]:
        d = cn(replace(bu, options=opts), secrets, 1.0)
        assert d.outcome == reg.DISCARD and not d.send_ba
        assert d.checks[-1] == (failing, reg.FAIL)
    d = cn(bu, secrets, 1.0, source=Addr("ff02::1"))
    assert d.outcome == reg.DISCARD and d.checks[-1] == (reg.CHK_COA_ROUTABLE, reg.FAIL)
    d = reg.check_correspondent_bu(
        bu,
        home_address=Addr("fe80::1"),
        source_address=COA,
        correspondent_address=CN,
        secrets=secrets,
        now=1.0,
        binding=None,
    )
    assert d.outcome == reg.DISCARD and d.checks[0] == (reg.CHK_HOA_ROUTABLE, reg.FAIL)


def test_correspondent_expired_nonces_136_137_138(secrets):
    old = MN(secrets, 0.0)  # nonce made at t=0
    late = MN(secrets, 200.0)  # nonce made at t=200
    t = MAX_NONCE_LIFETIME + 1.0  # nonce 0 expired, nonce from t=200 still valid
    both_old, _ = old.bu()
    expected = {
        (old.hot.nonce_index, late.cot.nonce_index): 136,
        (late.hot.nonce_index, old.cot.nonce_index): 137,
        (old.hot.nonce_index, old.cot.nonce_index): 138,
    }
    for (hi, ci), status in expected.items():
        bu = replace(both_old, A=False, options=(NonceIndices(hi, ci), both_old.options[-1]))
        d = cn(bu, secrets, t)
        assert d.outcome == reg.REJECT and d.status == status
        assert d.send_ba  # rejected, so a BA even with A=0 ...
        assert d.kbm is None and not d.ba_authenticated  # ... without Binding Authorization Data


def test_correspondent_authenticator_mismatch_discards(secrets):
    m = MN(secrets, 0.0)
    bu, _ = m.bu()
    assert cn(bu, secrets, 1.0).outcome == reg.ACCEPT
    for tampered in [replace(bu, lifetime=50), replace(bu, seq=99)]:
        d = cn(tampered, secrets, 1.0)
        assert d.outcome == reg.DISCARD and d.checks[-1] == (reg.CHK_AUTH, reg.FAIL)
    # tokens are bound to the addresses: another source (care-of address) fails
    assert cn(bu, secrets, 1.0, source=Addr("2001:db8:2::200")).outcome == reg.DISCARD
    # a wrong authenticator with a sequence number that is also stale: discard, not 135
    d = cn(replace(bu, lifetime=50), secrets, 1.0, binding=bce(seq=20, home=False))
    assert d.outcome == reg.DISCARD


def test_correspondent_alternate_care_of_address(secrets):
    m = MN(secrets, 0.0)
    bu, _ = m.bu(source=Addr("2001:db8:2::999"), extra=(AlternateCareofAddress(COA),))
    d = cn(bu, secrets, 1.0, source=Addr("2001:db8:2::999"))
    assert d.outcome == reg.ACCEPT and d.careof_address == COA


def test_correspondent_sequence_135(secrets):
    bu, key = MN(secrets, 0.0).bu(seq=15)
    d = cn(bu, secrets, 1.0, binding=bce(seq=15, home=False))
    assert d.status == 135 and d.ba_seq == 15 and d.kbm == key
    assert cn(MN(secrets, 0.0).bu(seq=32782)[0], secrets, 1.0, binding=bce(seq=15, home=False)).accepted
    assert cn(MN(secrets, 0.0).bu(seq=32783)[0], secrets, 1.0, binding=bce(seq=15, home=False)).status == 135


def test_correspondent_home_registration_entry_h0_139(secrets):
    bu, _ = MN(secrets, 0.0).bu()
    d = cn(bu, secrets, 1.0, binding=bce(home=True))
    assert d.status == 139 and d.ba_authenticated


def test_correspondent_insufficient_resources_130(secrets):
    bu, _ = MN(secrets, 0.0).bu()
    assert cn(bu, secrets, 1.0, insufficient_resources=True).status == 130
    # an existing entry is updated in place: no new room needed
    assert cn(bu, secrets, 1.0, binding=bce(home=False), insufficient_resources=True).accepted


def test_correspondent_deregistration_uses_home_token_only(secrets):
    m = MN(secrets, 0.0)
    bu, key = m.bu(seq=17, lifetime=0)
    assert key == rr.kbm(m.hot.keygen_token)
    # the care-of nonce index is ignored: even one never issued is fine
    bu = rr.sign_binding_message(
        replace(bu, options=(NonceIndices(m.hot.nonce_index, 4242), bu.options[-1])), key, HOA, CN
    )
    d = cn(bu, secrets, 1.0, binding=bce(home=False))
    assert d.outcome == reg.ACCEPT and d.deregistration and d.lifetime == 0 and d.kbm == key
    assert names(d.checks).count(reg.CHK_COA_NONCE) == 0
    assert d.retire_nonces_until == 1.0 + MAX_NONCE_LIFETIME
    # expired home nonce on a de-registration: 136, never 137/138
    assert cn(bu, secrets, MAX_NONCE_LIFETIME + 5.0, binding=bce(home=False)).status == 136


def test_correspondent_deregistration_from_home(secrets):
    """Back home: BU from the home address, no HAO; CoA == HoA makes it a de-registration."""
    m = MN(secrets, 0.0)
    bu, key = m.bu(seq=17, source=HOA)
    d = cn(bu, secrets, 1.0, binding=bce(home=False), source=HOA)
    assert d.outcome == reg.ACCEPT and d.deregistration and d.lifetime == 0
    assert d.kbm == rr.kbm(m.hot.keygen_token)


def test_correspondent_replay_after_deregistration(secrets):
    m = MN(secrets, 0.0)
    old, _ = m.bu(seq=16)
    assert cn(old, secrets, 1.0).accepted
    dereg, _ = m.bu(seq=17, lifetime=0)
    d = cn(dereg, secrets, 2.0, binding=bce(seq=16, home=False))
    assert d.accepted and d.deregistration
    # binding deleted; an attacker replays the old BU while its nonces are valid
    assert cn(old, secrets, 3.0).accepted  # without the retired sequence number: accepted (the risk)
    assert cn(old, secrets, 3.0, retired_seq=17).status == 135  # with it: refused


# =========================================================================== mobile node
def mn(ba, outstanding=16, sent=400.0, remaining=398.0, from_ha=True, **kw) -> reg.BAResult:
    return reg.process_ba_at_mn(
        ba,
        outstanding_seq=outstanding,
        sent_lifetime=sent,
        remaining_lifetime=remaining,
        from_home_agent=from_ha,
        **kw,
    )


@pytest.mark.parametrize("ack_units,expected", [(100, 398.0), (50, 198.0), (0, 0.0)])
def test_mn_remaining_lifetime(ack_units, expected):
    r = mn(BindingAcknowledgement(0, 16, ack_units))
    assert r.outcome == reg.ACCEPT and r.lifetime_remaining == expected
    assert r.actions == (reg.STOP_RETRANSMITTING,)


def test_mn_remaining_lifetime_never_negative():
    assert mn(BindingAcknowledgement(0, 16, 1), remaining=2.0).lifetime_remaining == 0.0


def test_mn_status_1_sends_mobile_prefix_solicitation():
    r = mn(BindingAcknowledgement(1, 16, 100))
    assert r.accepted and r.actions == (reg.STOP_RETRANSMITTING, reg.SEND_MOBILE_PREFIX_SOLICITATION)


def test_mn_sequence_must_match_unless_135():
    r = mn(BindingAcknowledgement(0, 15, 100))
    assert r.outcome == reg.DISCARD and r.checks[-1] == (reg.CHK_BA_SEQ, reg.FAIL)
    r = mn(BindingAcknowledgement(135, 40, 0))
    assert r.outcome == reg.REJECT and r.next_seq == 41
    assert r.actions == (reg.STOP_RETRANSMITTING, reg.RESEND_WITH_NEW_SEQ)
    assert mn(BindingAcknowledgement(135, 65535, 0)).next_seq == 0
    assert mn(BindingAcknowledgement(0, 16, 100), outstanding=None).outcome == reg.DISCARD


@pytest.mark.parametrize(
    "status,follow_up",
    [
        (136, (reg.RERUN_HOME_TEST,)),
        (137, (reg.RERUN_CAREOF_TEST,)),
        (138, (reg.RERUN_HOME_TEST, reg.RERUN_CAREOF_TEST)),
        (132, (reg.DISCOVER_HOME_AGENT,)),
        (133, (reg.DISCOVER_HOME_AGENT,)),
        (134, (reg.GIVE_UP_HOME_ADDRESS,)),
        (128, (reg.STOP_BINDING_UPDATES,)),
        (129, (reg.STOP_BINDING_UPDATES,)),
        (130, (reg.STOP_BINDING_UPDATES,)),
        (131, (reg.STOP_BINDING_UPDATES,)),
        (139, (reg.STOP_BINDING_UPDATES,)),
    ],
)
def test_mn_status_to_action(status, follow_up):
    r = mn(BindingAcknowledgement(status, 16, 0))
    assert r.outcome == reg.REJECT and r.status == status
    assert r.actions == (reg.STOP_RETRANSMITTING, *follow_up)
    assert r.lifetime_remaining is None


def test_mn_correspondent_ba_authentication(secrets):
    m = MN(secrets, 0.0)
    bu, key = m.bu()
    d = cn(bu, secrets, 1.0)
    ba = rr.sign_binding_message(BindingAcknowledgement(d.status, d.ba_seq, d.lifetime), d.kbm, COA, CN)
    common = dict(from_ha=False, careof_address=COA, correspondent_address=CN)
    assert mn(ba, kbm=key, **common).accepted
    assert mn(ba, kbm=bytes(20), **common).outcome == reg.DISCARD
    unsigned = BindingAcknowledgement(0, 16, 100)
    assert mn(unsigned, kbm=key, **common).outcome == reg.DISCARD
    trailing = replace(ba, options=(*ba.options, MobPadN(bytes(2))))
    assert mn(trailing, kbm=key, **common).outcome == reg.DISCARD
    # 136-138 come without Binding Authorization Data and are still acted on
    r = mn(BindingAcknowledgement(137, 16, 0), kbm=key, **common)
    assert r.outcome == reg.REJECT and reg.RERUN_CAREOF_TEST in r.actions
    # a home agent's BA is protected by IPsec instead: no BAD needed
    assert mn(unsigned).accepted


def test_bad_option_type_is_checked_not_just_present():
    ba = BindingAcknowledgement(0, 16, 100, options=(BindingAuthorizationData(bytes(12)),))
    assert mn(ba, from_ha=False, kbm=bytes(20), careof_address=COA, correspondent_address=CN).outcome == reg.DISCARD


def test_helpers():
    assert reg.link_local_for(Addr("2001:db8:1::a:b:c:d")) == Addr("fe80::a:b:c:d")
    assert reg.is_unicast_routable(Addr("2001:db8::1")) and reg.is_unicast_routable(Addr("fd00::1"))
    bu = BindingUpdate(seq=1, lifetime=0, options=(AlternateCareofAddress(COA),))
    assert reg.registered_careof_address(bu, Addr("2001:db8:9::1")) == COA
    assert reg.authenticator_careof_address(bu, HOA, COA) == HOA  # de-registration: the home address
    assert reg.authenticator_careof_address(replace(bu, lifetime=5), HOA, COA) == COA


def test_refresh_newly_setting_l_needs_dad_for_the_link_local_address_only():
    d = home(replace(HOME_BU, L=True), bce())
    assert d.outcome == reg.NEEDS_DAD and d.dad_addresses == (Addr("fe80::100"),)
    assert (reg.CHK_LL_DEFENDED, reg.FAIL) in d.checks
    assert reg.finalise_after_dad(d, True).outcome == reg.ACCEPT
    assert reg.finalise_after_dad(d, False).status == 134
    kept = replace(bce(), link_local_compat=True)
    d = home(replace(HOME_BU, L=True), kept)
    assert d.outcome == reg.ACCEPT and (reg.CHK_LL_DEFENDED, reg.PASS) in d.checks
    assert home(HOME_BU, kept).outcome == reg.ACCEPT  # clearing L needs no DAD
