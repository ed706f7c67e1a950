"""Home registration from the mobile node: the BU's form, retransmission timing to the millisecond of
simulated time, every BA status's reaction, sequence wrap-around, refresh, BRR (RFC 6275 §11.7.1, §11.7.3,
§11.8; white paper Figures 20, 21, 28)."""

from __future__ import annotations

from ipaddress import IPv6Address

import pytest
from test_mn_harness import COA1, COA2, F1, F2, HA, HOA, HOME, MNHarness

from mip6lab.mobility.bul import SequenceNumbers
from mip6lab.mobility.constants import MAX_BINDACK_TIMEOUT
from mip6lab.mobility.ipsec import default_spi_base
from mip6lab.mobility.machines import BULEntryState, HomeRegistrationState
from mip6lab.wire import icmp as I
from mip6lab.wire.codec import ha_anycast
from mip6lab.wire.ip import ESP, IPv6, RoutingType2
from mip6lab.wire.mh import (
    AlternateCareofAddress,
    BindingRefreshAdvice,
    BindingRefreshRequest,
    BindingUpdate,
    MobilityHeader,
)


def away(esp: str = "null", **kw) -> MNHarness:
    h = MNHarness(esp, **kw)
    h.go(HOME)
    h.go(F1)
    return h


def test_first_home_bu_form() -> None:
    h = away()
    ((t, p, bu),) = h.home_bus()
    assert t == pytest.approx(2.0)  # RA at 1.0, DAD of the care-of address takes RetransTimer (1 s)
    assert (p.src, p.dst) == (COA1, HA)
    assert p.home_address_option is not None and p.home_address_option.home_address == HOA
    assert isinstance(p.payload, ESP) and p.payload.spi == default_spi_base(HOA) + 1
    assert (bu.A, bu.H, bu.L, bu.K) == (True, True, True, False)  # L: fe80::ff:fe00:301 shares HoA's IID
    assert bu.lifetime == 600 // 4
    assert AlternateCareofAddress(COA1) in bu.options
    assert h.mn.away_from_home() and h.mn.care_of_address == COA1


def test_home_bu_in_clear_without_esp() -> None:
    h = away("off")
    ((t, p, bu),) = h.home_bus()
    assert isinstance(p.payload, MobilityHeader) and isinstance(p.payload.message, BindingUpdate)
    h.ba(bu.seq)
    assert h.mn.home_registration.registered


def test_first_registration_backoff_times() -> None:
    h = away()
    t0 = h.home_bus()[0][0]
    h.run(t0 + 160)
    times = [round(t - t0, 6) for t, _, _ in h.home_bus()]
    assert times == [0, 1.5, 4.5, 10.5, 22.5, 46.5, 78.5, 110.5, 142.5]
    seqs = [bu.seq for _, _, bu in h.home_bus()]
    assert all((b - a) % 65536 == 1 for a, b in zip(seqs, seqs[1:]))  # a new sequence number each time


def test_reregistration_backoff_times_after_move() -> None:
    h = away()
    h.accept_last_home_bu()
    h.run(h.now + 1)
    h.go(F2, settle=1.0)
    t0 = h.home_bus(since=h.now - 1.5)[0][0]
    h.run(t0 + 100)
    times = [round(t - t0, 6) for t, p, _ in h.home_bus(since=t0)]
    assert times == [0, 1, 3, 7, 15, 31, 63, 95]
    assert h.home_bus(since=t0)[0][1].src == COA2


def test_ba_accepted_stops_retransmission_and_schedules_refresh() -> None:
    h = away()
    t0 = h.home_bus()[0][0]
    h.run(t0 + 0.3)
    h.accept_last_home_bu(lifetime=100)  # 400 s
    assert h.mn.home_registration.registered and h.mn.home_registration.acknowledged
    h.run(t0 + 100)
    assert len(h.home_bus()) == 1
    # remaining = 400 - (600 - 400)... counted from the BU: max(L_remain - (L_update - L_ack), 0)
    entry = h.mn.bul.lookup_home_registration(HOA)
    assert entry is not None and entry.expiry == pytest.approx(t0 + 400)
    refresh_at = h.timers[("mn-ha-refresh",)]
    assert refresh_at == pytest.approx(t0 + 0.3 + (400 - 0.3) * 0.8)
    h.run(refresh_at)
    assert len(h.home_bus()) == 2 and h.home_bus()[-1][0] == pytest.approx(refresh_at)


def test_binding_refresh_advice_sets_refresh_time() -> None:
    h = away()
    t0 = h.home_bus()[0][0]
    bu = h.home_bus()[-1][2]
    h.ba(bu.seq, lifetime=150, options=(BindingRefreshAdvice(10),))
    assert h.timers[("mn-ha-refresh",)] == pytest.approx(t0 + 40)


def test_ba_wrong_sequence_discarded() -> None:
    h = away()
    bu = h.home_bus()[-1][2]
    h.ba((bu.seq + 7) % 65536)
    assert not h.mn.home_registration.registered and ("mn-bu-ha",) in h.timers


def test_ba_in_clear_refused_when_policy_requires_esp() -> None:
    h = away("null")
    bu = h.home_bus()[-1][2]
    h.ba(bu.seq, esp=False)
    assert not h.mn.home_registration.registered
    assert any("without the ESP" in m for m in h.events("mobility"))


def test_ba_status_1_sends_mobile_prefix_solicitation() -> None:
    h = away()
    h.accept_last_home_bu(status=1)
    assert h.mn.home_registration.registered
    mps = [
        p for _, p in h.packets() if p.dst == HA and isinstance(h.open_to_ha(p, peek=True), I.MobilePrefixSolicitation)
    ]
    assert len(mps) == 1
    p = mps[0]
    assert p.src == COA1 and p.home_address_option.home_address == HOA and isinstance(p.payload, ESP)
    assert p.payload.spi == default_spi_base(HOA) + 1


def test_ba_status_135_adopts_sequence_number() -> None:
    h = away()
    bu = h.home_bus()[-1][2]
    h.ba(4000, status=135)
    assert h.home_bus()[-1][2].seq == 4001 and len(h.home_bus()) == 2
    assert bu.seq != 4000


@pytest.mark.parametrize("status", [132, 133])
def test_ba_status_132_133_discovers_another_home_agent(status: int) -> None:
    h = away()
    bu = h.home_bus()[-1][2]
    h.ba(bu.seq, status=status)
    reqs = [p for _, p in h.packets() if isinstance(p.payload, I.HomeAgentAddressDiscoveryRequest)]
    assert len(reqs) == 1 and reqs[0].dst == ha_anycast(HOME) and reqs[0].src == COA1
    assert HA in h.mn.discovery.exclude
    h.run(h.now + 30)
    assert len(h.home_bus()) == 1  # no retransmission to the refusing home agent


def test_ba_status_134_gives_up_home_address() -> None:
    h = away()
    h.ba(h.home_bus()[-1][2].seq, status=134)
    h.run(h.now + 100)
    assert h.mn.home_registration.gave_up and len(h.home_bus()) == 1
    assert h.mn.home_registration.state is HomeRegistrationState.REJECTED and not h.mn.home_registration.stopped
    h.go(F2)
    assert len(h.home_bus()) == 1


def test_ba_other_rejection_stops() -> None:
    h = away()
    h.ba(h.home_bus()[-1][2].seq, status=129)
    h.run(h.now + 100)
    assert h.mn.home_registration.stopped and len(h.home_bus()) == 1
    assert h.mn.home_registration.state is HomeRegistrationState.REJECTED


def test_sequence_number_wraps() -> None:
    h = MNHarness()
    h.mn.home_registration.seq = 65533
    h.go(HOME)
    h.go(F1)
    h.run(h.now + 5)
    assert [bu.seq for _, _, bu in h.home_bus()] == [65534, 65535, 0]


def test_machine_walks_the_registration_and_the_counter_outlives_the_entry() -> None:
    h = away()
    hr, H = h.mn.home_registration, HomeRegistrationState
    assert hr.state is H.REGISTERING and not hr.outstanding_dereg
    bu = h.accept_last_home_bu()
    assert hr.state is H.REGISTERED and h.mn.bul.lookup(HA, HOA).state is BULEntryState.ACKNOWLEDGED
    h.run(h.now + 1)
    h.go(HOME, settle=0.0)
    (_, _, dbu) = h.home_bus()[-1]
    assert hr.state is H.DEREGISTERING and hr.outstanding_dereg and dbu.lifetime == 0
    assert h.mn.bul.lookup(HA, HOA).state is BULEntryState.SENT
    h.ba(dbu.seq)
    assert hr.state is H.UNREGISTERED and h.mn.bul.lookup(HA, HOA) is None
    # the sender's counter is the BUL's, and it outlives the entry the de-registration deleted
    assert h.mn.bul.sequence_numbers[SequenceNumbers.HOME_REGISTRATION] == hr.seq == dbu.seq == (bu.seq + 1) % 65536
    h.go(F1)
    assert h.home_bus()[-1][2].seq == (dbu.seq + 1) % 65536
    assert [(str(r.source), str(r.target)) for r in h.mn.machines.records if r.machine == "home registration"] == [
        ("unregistered", "registering"),
        ("registering", "registered"),
        ("registered", "deregistering"),
        ("deregistering", "unregistered"),
        ("unregistered", "registering"),
    ]
    entry = [(str(r.source), str(r.target)) for r in h.mn.machines.records if r.machine == "BUL entry"]
    assert entry == [("new", "sent"), ("sent", "acknowledged"), ("acknowledged", "sent"), ("sent", "removed")] + [
        ("new", "sent")
    ]
    assert h.mn.machines.errors == []


def test_lifetime_bounded_by_care_of_address_valid_lifetime() -> None:
    h = MNHarness()
    h.go(HOME)
    h.attach(F1)
    ll, mac = "fe80::ff:fe00:502", "02:00:00:00:05:02"
    from ipaddress import IPv6Address as A

    from mip6lab.ipv6.addresses import ALL_NODES, multicast_mac

    ra = I.RouterAdvertisement(
        router_lifetime=1800,
        options=(
            I.SourceLinkLayerAddress(mac),
            I.PrefixInformation(F1.network_address, 64, valid_lifetime=100, preferred_lifetime=50),
        ),
    )
    h.deliver(IPv6(A(ll), ALL_NODES, ra, hlim=255), mac, multicast_mac(ALL_NODES))
    h.run(h.now + 1)
    bu = h.home_bus()[-1][2]
    assert bu.lifetime == (100 - 1) // 4  # 99 s left of the care-of address at send time


def test_brr_from_home_agent_answered_with_bu() -> None:
    h = away()
    h.accept_last_home_bu()
    h.run(h.now + 5)
    h.deliver(IPv6(HA, COA1, MobilityHeader(BindingRefreshRequest()), ext=(RoutingType2(HOA),)))
    assert len(h.home_bus()) == 2 and h.home_bus()[-1][0] == h.now


def test_binding_expiry_reregisters() -> None:
    h = away(home_lifetime=40.0, refresh_fraction=5.0)  # refresh after expiry: see the expiry path
    t0 = h.home_bus()[0][0]
    h.accept_last_home_bu(lifetime=10)
    h.run(t0 + 40.5)
    assert any("expired" in m for m in h.events("binding"))
    assert h.home_bus()[-1][0] == pytest.approx(t0 + 40)


def test_retransmission_capped_at_max_bindack_timeout() -> None:
    h = away()
    h.run(h.now + 400)
    times = [t for t, _, _ in h.home_bus()]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert max(gaps) == pytest.approx(MAX_BINDACK_TIMEOUT) and gaps[-1] == pytest.approx(MAX_BINDACK_TIMEOUT)


def test_max_update_rate_limits_bursts() -> None:
    h = away()
    for _ in range(4):
        h.ba(h.home_bus()[-1][2].seq, status=135)  # each 135 asks for an immediate resend
    sent_now = [t for t, _, _ in h.home_bus() if abs(t - h.now) < 1e-9 or h.now - t < 1.0]
    assert len(sent_now) <= 3
    h.run(h.now + 1.0)
    assert len(h.home_bus()) >= 4


def test_deregistration_answered_133_counts_as_done() -> None:
    h = MNHarness()
    h.go(HOME)
    h.go(F1)  # BU sent, never answered
    h.go(HOME, settle=0.0)
    t, p, bu = h.home_bus()[-1]
    assert bu.lifetime == 0 and p.src == HOA
    h.ba(bu.seq, status=133)
    assert not h.mn.home_registration.registered and h.mn.home_registration.outstanding is None
    assert not [q for _, q in h.packets() if isinstance(q.payload, I.HomeAgentAddressDiscoveryRequest)]


def test_brr_from_home_agent_through_the_tunnel_answered_with_bu() -> None:
    """The home agent's BRR comes through its tunnel (RFC 6275 §6.1: no Type 2 Routing header)."""
    h = away()
    h.accept_last_home_bu()
    h.run(h.now + 5)
    h.deliver(IPv6(HA, COA1, IPv6(HA, HOA, MobilityHeader(BindingRefreshRequest()))))
    assert len(h.home_bus()) == 2 and h.home_bus()[-1][0] == h.now


def test_bul_entry_holds_the_registration_state() -> None:
    """Issue 9: the BUL entry is the truth; the unit's flags are read from it."""
    h = away()
    hr = h.mn.home_registration
    bu = h.home_bus()[-1][2]
    entry = h.mn.bul.lookup_home_registration(HOA)
    assert entry is not None and entry.outstanding_seq == bu.seq == hr.outstanding
    assert entry.bound_care_of_address is None and not hr.registered
    h.ba(bu.seq, lifetime=150)
    assert entry.outstanding_seq is None and hr.outstanding is None
    assert entry.bound_care_of_address == COA1 == hr.registered_coa and hr.registered
    entry.bound_care_of_address = None  # no second copy that could disagree
    assert not hr.registered and not hr.acknowledged
    entry.bound_care_of_address = COA1
    other = IPv6Address("2001:db8:1::2")
    h.mn.home_agent_found(other)  # a new home agent: the old entry's binding is forgotten, the new one is pending
    new = h.mn.bul.lookup(other, HOA)
    assert entry.bound_care_of_address is None and entry.outstanding_seq is None and not hr.registered
    assert new is not None and new.outstanding_seq == hr.outstanding == (bu.seq + 1) % 65536  # the BU just sent
