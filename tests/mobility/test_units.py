"""Small replaceable mobility units: constants, sequence numbers, binding cache, BUL, HA list, back-off."""

from __future__ import annotations

import random
from ipaddress import IPv6Address as A

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mip6lab.mobility import constants as C
from mip6lab.mobility.backoff import Backoff, RateLimiter, initial_timeout, retransmission_times
from mip6lab.mobility.binding_cache import BindingCache, BindingCacheFull
from mip6lab.mobility.bul import (
    BindingUpdateList,
    BindingUpdateListEntry,
    RRState,
    SequenceNumbers,
    sequence_numbers_of,
)
from mip6lab.mobility.ha_list import HomeAgentsList, max_reply_addresses
from mip6lab.mobility.seqno import next_seq, seq_acceptable, seq_gt, seq_lt

HOA = A("2001:db8:1::100")
HOA2 = A("2001:db8:1::200")
COA = A("2001:db8:2::100")
COA2 = A("2001:db8:3::100")
HA = A("2001:db8:1::1")
CN = A("2001:db8:4::5")

seq16 = st.integers(min_value=0, max_value=65535)


# --------------------------------------------------------------------------- constants
def test_constants_have_rfc_values() -> None:
    assert (C.DHAAD_RETRIES, C.INITIAL_BINDACK_TIMEOUT, C.INITIAL_DHAAD_TIMEOUT) == (4, 1, 3)
    assert (C.INITIAL_SOLICIT_TIMER, C.MAX_BINDACK_TIMEOUT) == (3, 32)
    assert (C.MAX_NONCE_LIFETIME, C.MAX_TOKEN_LIFETIME, C.MAX_RR_BINDING_LIFETIME) == (240, 210, 420)
    assert (C.MAX_UPDATE_RATE, C.PREFIX_ADV_RETRIES, C.PREFIX_ADV_TIMEOUT) == (3, 3, 3)
    assert (C.MaxMobPfxAdvInterval, C.MinMobPfxAdvInterval) == (86400, 600)
    assert (C.MinDelayBetweenRAs, C.MinDelayBetweenRAs_MIN) == (3, 0.03)
    assert C.InitialBindackTimeoutFirstReg == 1.5
    assert (C.MIPV6_MIN_MinRtrAdvInterval, C.MIPV6_MIN_MaxRtrAdvInterval) == (0.03, 0.07)
    # the RFC's own derivation: nonces regenerate every MAX_NONCE_LIFETIME - MAX_TOKEN_LIFETIME = 30 s
    assert C.MAX_NONCE_LIFETIME - C.MAX_TOKEN_LIFETIME == 30


# --------------------------------------------------------------------------- sequence numbers
@pytest.mark.parametrize("new", [16, 32782])
def test_seq_worked_boundary_accepted(new: int) -> None:
    assert seq_acceptable(new, 15)


@pytest.mark.parametrize("new", [15, 14, 0, 65535, 32783])
def test_seq_worked_boundary_rejected(new: int) -> None:
    assert not seq_acceptable(new, 15)


def test_seq_no_binding_accepts_anything_and_wraps() -> None:
    assert seq_acceptable(0, None) and seq_acceptable(65535, None)
    assert seq_gt(0, 65535) and seq_lt(65535, 0)
    assert next_seq(65535) == 0 and next_seq(15) == 16
    with pytest.raises(ValueError):
        seq_gt(65536, 0)
    with pytest.raises(ValueError):
        next_seq(-1)


@given(seq16, seq16)
def test_seq_predicate_is_the_mod_window(new: int, last: int) -> None:
    d = (new - last) % 65536
    assert seq_acceptable(new, last) == (1 <= d <= 32767)
    assert seq_gt(new, last) == seq_lt(last, new)
    # antisymmetric: never both greater; both "not greater" only at equality or distance 32768
    assert not (seq_gt(new, last) and seq_gt(last, new))
    if not seq_gt(new, last) and not seq_gt(last, new):
        assert d in (0, 32768)


@given(seq16)
def test_next_seq_is_always_accepted(last: int) -> None:
    assert seq_acceptable(next_seq(last), last)
    assert not seq_acceptable(last, last)


# --------------------------------------------------------------------------- binding cache
def test_binding_cache_create_lookup_update_delete() -> None:
    bc = BindingCache()
    e = bc.create(10.0, HOA, COA, 100, sequence_number=7, home_registration=True, link_local_compat=True)
    assert bc.lookup(HOA) is e and bc.lookup(str(HOA)) is e and HOA in bc and len(bc) == 1
    assert (e.care_of_address, e.expiry, e.home_registration, e.link_local_compat) == (COA, 110.0, True, True)
    assert bc.remaining(60.0, HOA) == 50.0 and bc.remaining(60.0, HOA2) == 0.0
    with pytest.raises(KeyError):
        bc.create(11.0, HOA, COA, 100)
    e.last_brr_sent = 90.0
    bc.update(50.0, HOA, care_of_address=COA2, lifetime=40, sequence_number=8)
    assert (e.care_of_address, e.expiry, e.sequence_number, e.last_brr_sent) == (COA2, 90.0, 8, None)
    assert e.home_registration  # untouched unless given
    assert bc.delete(HOA) is e and bc.lookup(HOA) is None and bc.delete(HOA) is None
    with pytest.raises(KeyError):
        bc.update(1.0, HOA, lifetime=1)


def test_binding_cache_expire_order_and_usage() -> None:
    bc = BindingCache()
    bc.create(0, HOA2, COA, 30)
    bc.create(0, HOA, COA, 10)
    third = A("2001:db8:1::300")
    bc.create(0, third, COA2, 10)
    assert [e.home_address for e in bc.entries()] == [HOA2, HOA, third]  # insertion order
    assert bc.next_expiry() == 10
    assert bc.lookup_valid(10.0, HOA) is None and bc.lookup_valid(9.9, HOA) is not None
    assert bc.expire(9.99) == []
    gone = bc.expire(10.0)
    assert [e.home_address for e in gone] == [HOA, third]
    assert [e.home_address for e in bc] == [HOA2]
    e = bc.lookup(HOA2)
    assert e is not None and not e.used_since(0)
    e.note_use(5.0)
    e.note_use(7.0)
    assert e.usage_count == 2 and e.last_use == 7.0 and e.used_since(6.0) and not e.used_since(8.0)


def test_binding_cache_create_or_update_and_capacity() -> None:
    bc = BindingCache(max_entries=1)
    a = bc.create_or_update(0, HOA, COA, 20, sequence_number=1)
    b = bc.create_or_update(5, HOA, COA2, 20, sequence_number=2)
    assert a is b and b.care_of_address == COA2 and b.expiry == 25 and b.created == 0 and b.updated == 5
    assert bc.full
    with pytest.raises(BindingCacheFull):
        bc.create(0, HOA2, COA, 10)


# --------------------------------------------------------------------------- binding update list
def test_bul_entry_records_bu_and_ack_lifetime() -> None:
    bul = BindingUpdateList()
    e = bul.add(BindingUpdateListEntry(HA, HOA, home_registration=True))
    assert e.remaining(0) == 0.0 and not e.expired(1e9)  # no BU sent yet: no lifetime
    e.record_sent_bu(100.0, seq=42, care_of_address=COA, lifetime=400, ack=True)
    assert (e.care_of_address, e.lifetime_sent, e.expiry, e.max_seq_sent, e.last_bu_sent) == (
        COA,
        400.0,
        500.0,
        42,
        100.0,
    )
    # §11.7.3: BA 1 s later grants 300 s -> remaining = 399 - (400 - 300) = 299
    assert e.apply_acknowledged_lifetime(101.0, 300) == 299.0
    assert e.expiry == 400.0 and e.acknowledged
    assert e.apply_acknowledged_lifetime(101.0, 0) == 0.0  # never negative
    with pytest.raises(KeyError):
        bul.add(BindingUpdateListEntry(HA, HOA))


def test_bul_lookup_update_remove_expire() -> None:
    bul = BindingUpdateList()
    home = bul.get_or_add(HA, HOA, home_registration=True)
    cn = bul.get_or_add(CN, HOA)
    assert bul.get_or_add(CN, HOA) is cn
    assert bul.lookup(CN) is cn and bul.lookup(CN, HOA) is cn and bul.lookup(CN, HOA2) is None
    assert bul.lookup_home_registration() is home and bul.lookup_home_registration(HOA2) is None
    assert bul.correspondents() == [cn] and bul.entries() == [home, cn]
    bul.update(CN, no_future_updates=True)
    assert cn.no_future_updates
    with pytest.raises(KeyError):
        bul.update(CN, not_a_field=1)
    with pytest.raises(KeyError):
        bul.update(A("2001:db8:9::9"), no_future_updates=True)
    home.record_sent_bu(0, 1, COA, 10, True)
    cn.record_sent_bu(0, 1, COA, 20, True)
    assert bul.expire(10.0) == [home] and bul.entries() == [cn]
    assert bul.remove(CN) is cn and len(bul) == 0 and bul.remove(CN) is None


def test_bul_keeps_the_senders_counters_beyond_its_entries() -> None:
    bul = BindingUpdateList()
    rng, twin = random.Random(7), random.Random(7)
    assert bul.sequence_numbers.draw(SequenceNumbers.HOME_REGISTRATION, rng) == twin.randrange(1 << 16)
    bul.get_or_add(CN, HOA)
    bul.sequence_numbers[CN] = 65535
    bul.remove(CN, HOA)
    assert bul.sequence_numbers[CN] == 65535 and next_seq(bul.sequence_numbers[CN]) == 0
    assert sequence_numbers_of(bul) is bul.sequence_numbers

    class ReadersTable:  # the mn.binding_update_list seam asks for no counters: the node keeps them beside it
        pass

    own = sequence_numbers_of(ReadersTable())
    assert isinstance(own, SequenceNumbers) and own.last == {}


def test_bul_retransmission_state_follows_backoff() -> None:
    e = BindingUpdateListEntry(HA, HOA, home_registration=True)
    r = e.retransmission
    assert not r.pending and r.retries == 0 and r.timeout is None
    assert r.start(0.0, initial_timeout(True)) == 1.5
    times = [0.0, 1.5]
    for _ in range(5):
        times.append(r.retransmitted(times[-1]))
    assert times == retransmission_times(0.0, True, 7) and r.retries == 5 and r.pending
    r.stop()
    assert not r.pending and r.next_time is None
    with pytest.raises(RuntimeError):
        r.retransmitted(1.0)


def test_bul_return_routability_state() -> None:
    e = BindingUpdateListEntry(CN, HOA)
    rr = e.rr
    assert rr.state is RRState.IDLE
    rr.home_init_cookie, rr.careof_init_cookie = b"\x01" * 8, b"\x02" * 8
    rr.hoti_retx.start(0.0, C.INITIAL_BINDACK_TIMEOUT)
    rr.coti_retx.start(0.0, C.INITIAL_BINDACK_TIMEOUT)
    assert rr.state is RRState.WAIT_BOTH
    rr.careof_keygen_token, rr.careof_token_received, rr.careof_nonce_index = b"c" * 8, 0.5, 9
    rr.careof_token_for = COA
    rr.coti_retx.stop()
    assert rr.state is RRState.WAIT_HOT
    rr.home_keygen_token, rr.home_token_received, rr.home_nonce_index = b"h" * 8, 0.6, 7
    rr.hoti_retx.stop()
    assert rr.state is RRState.COMPLETE
    assert rr.home_token_fresh(210.5) and not rr.home_token_fresh(210.6)  # MAX_TOKEN_LIFETIME
    assert rr.careof_token_fresh(1.0, COA) and not rr.careof_token_fresh(1.0, COA2)
    rr.coti_retx.start(300.0, 1.0)  # moved: only a new care-of test (§5.2.7)
    assert rr.state is RRState.WAIT_COT
    rr.clear_tokens()
    rr.coti_retx.stop()
    assert rr.state is RRState.IDLE and rr.home_nonce_index is None


# --------------------------------------------------------------------------- home agents list
def test_ha_list_update_expire_remove() -> None:
    hal = HomeAgentsList()
    ll1, ll2 = A("fe80::1"), A("fe80::2")
    e = hal.update_from_ra(0.0, ll1, [HA], 1800, preference=0)
    assert e is not None and e.expiry == 1800 and e.global_addresses == [HA]
    hal.update_from_ra(100.0, ll1, [], 600, preference=5)  # no R-bit PIO: addresses kept
    assert e.global_addresses == [HA] and e.expiry == 700 and e.preference == 5
    hal.update_from_ra(100.0, ll1, [A("2001:db8:1::2"), HA], 600)
    assert e.global_addresses == [HA, A("2001:db8:1::2")]
    hal.update_from_ra(0.0, ll2, ["2001:db8:1::3"], 50)
    assert hal.next_expiry() == 50 and [x.link_local_address for x in hal.expire(50)] == [ll2]
    assert hal.update_from_ra(200.0, ll1, [HA], 0) is None and len(hal) == 0  # lifetime 0 removes
    with pytest.raises(ValueError):
        hal.update_from_ra(0.0, ll1, [HA], 10, preference=40000)


def test_ha_list_order_and_reply_addresses() -> None:
    hal = HomeAgentsList()
    hal.update_from_ra(0, "fe80::3", ["2001:db8:1::3"], 100, preference=0)
    hal.update_from_ra(0, "fe80::1", ["2001:db8:1::1", "2001:db8:1::11"], 100, preference=0)
    hal.update_from_ra(0, "fe80::9", ["2001:db8:1::9"], 100, preference=-5)  # signed
    hal.update_from_ra(0, "fe80::2", ["2001:db8:1::2"], 100, preference=10)
    assert [str(e.link_local_address) for e in hal.ordered()] == ["fe80::2", "fe80::1", "fe80::3", "fe80::9"]
    assert [str(a) for a in hal.addresses_for_reply()] == [
        "2001:db8:1::2",
        "2001:db8:1::1",
        "2001:db8:1::3",
        "2001:db8:1::9",
    ]
    assert len(hal.addresses_for_reply(per_agent=None)) == 5
    assert [str(a) for a in hal.addresses_for_reply(2)] == ["2001:db8:1::2", "2001:db8:1::1"]
    # with an rng the equal-preference agents are shuffled, reproducibly, and preference still rules
    orders = {tuple(str(e.link_local_address) for e in hal.ordered(random.Random(s))) for s in range(20)}
    assert len(orders) == 2
    for o in orders:
        assert o[0] == "fe80::2" and o[-1] == "fe80::9"
    assert hal.ordered(random.Random(3)) == hal.ordered(random.Random(3))


def test_ha_reply_fits_minimum_mtu() -> None:
    assert max_reply_addresses() == 77  # (1280 - 40 - 8) // 16
    hal = HomeAgentsList()
    for i in range(100):
        hal.update_from_ra(0, A(f"fe80::{i + 1:x}"), [A(f"2001:db8:1::{i + 1:x}")], 100, preference=i)
    out = hal.addresses_for_reply()
    assert len(out) == 77 and 40 + 8 + 16 * len(out) <= 1280
    assert out[0] == A("2001:db8:1::64")  # preference 99 first; the 23 lowest were dropped


# --------------------------------------------------------------------------- back-off
def test_retransmission_oracles() -> None:
    t = 100.0
    first = retransmission_times(t, True, 9)
    assert [x - t for x in first] == [0, 1.5, 4.5, 10.5, 22.5, 46.5, 78.5, 110.5, 142.5]
    other = retransmission_times(t, False, 10)
    assert [x - t for x in other] == [0, 1, 3, 7, 15, 31, 63, 95, 127, 159]


def test_backoff_class() -> None:
    b = Backoff.for_binding_update(False)
    assert [b.next_timeout() for _ in range(8)] == [1, 2, 4, 8, 16, 32, 32, 32]
    assert b.retries == 7 and b.peek() == 32
    b.reset(1.5)
    assert b.peek() == 1.5 and b.sent == 0 and b.next_timeout() == 1.5
    with pytest.raises(ValueError):
        Backoff(0)


def test_rate_limiter_max_update_rate() -> None:
    rl = RateLimiter()
    key = (CN, 5)
    assert [rl.try_send(t, key) for t in (0.0, 0.1, 0.2, 0.3)] == [True, True, True, False]
    assert rl.try_send(0.3, (CN, 1))  # another message type has its own budget
    assert not rl.allowed(0.99, key) and rl.next_allowed(0.5, key) == 1.0
    assert rl.allowed(1.0, key) and rl.try_send(1.0, key)
    assert rl.next_allowed(1.05, key) == 1.1
    rl.forget(key)
    assert rl.next_allowed(1.05, key) == 1.05


@given(st.lists(st.floats(min_value=0, max_value=10, allow_nan=False), max_size=40))
def test_rate_limiter_never_exceeds_rate(times: list[float]) -> None:
    rl, sent = RateLimiter(), []
    for t in sorted(times):
        if rl.try_send(t, "k"):
            sent.append(t)
    for t in sent:
        assert sum(1 for s in sent if t - 1.0 < s <= t) <= C.MAX_UPDATE_RATE
