"""DHAAD (§11.4.1), Mobile Prefix Discovery (§11.4.2-3, Figures 26, 27, 32) and movement detection
(§11.5.1) at the mobile node, sans-IO."""

from __future__ import annotations

from ipaddress import IPv6Address as A
from ipaddress import IPv6Network as N

import pytest
from test_mn_correspondents import accept_cn_bu, cn_bus, complete_rr, send_data
from test_mn_harness import COA1, COA2, F1, F2, HA, HOA, HOME, R2_LL, R2_MAC, MNHarness

from mip6lab.ipv6.addresses import ALL_NODES, address_from_prefix, multicast_mac
from mip6lab.wire import icmp as I
from mip6lab.wire.codec import encode_upper, ha_anycast
from mip6lab.wire.ip import ESP, IPv6, RoutingType2
from mip6lab.wire.mh import BindingAcknowledgement, CareofTestInit, HomeTestInit, MobilityHeader

HA2 = A("2001:db8:1::2")


def dhaad_requests(h: MNHarness) -> list[tuple[float, IPv6]]:
    return [(t, p) for t, p in h.packets() if isinstance(p.payload, I.HomeAgentAddressDiscoveryRequest)]


# --------------------------------------------------------------------------- DHAAD
def test_dhaad_request_form_and_retries() -> None:
    h = MNHarness(home_agent="discover")
    h.go(HOME)
    h.go(F1)
    ((t0, p),) = dhaad_requests(h)
    assert (p.src, p.dst) == (COA1, ha_anycast(HOME)) and str(p.dst) == "2001:db8:1:0:fdff:ffff:ffff:fffe"
    h.run(t0 + 200)
    times = [round(t - t0, 6) for t, _ in dhaad_requests(h)]
    assert times == [0, 3, 9, 21, 45]  # INITIAL_DHAAD_TIMEOUT doubling, DHAAD_RETRIES = 4
    ids = {p.payload.identifier for _, p in dhaad_requests(h)}
    assert len(ids) == 1
    assert any("giving up" in m for m in h.events("dhaad"))


def test_dhaad_reply_first_home_agent_then_bu() -> None:
    h = MNHarness(home_agent="discover")
    h.go(HOME)
    h.go(F1)
    ((t0, p),) = dhaad_requests(h)
    h.deliver(IPv6(HA2, COA1, I.HomeAgentAddressDiscoveryReply(p.payload.identifier ^ 1, (HA2,))))
    assert h.mn.home_agent is None  # identifier mismatch: ignored
    h.deliver(IPv6(HA2, COA1, I.HomeAgentAddressDiscoveryReply(p.payload.identifier, (HA, HA2))))
    assert h.mn.home_agent == HA
    assert h.home_bus()[-1][1].dst == HA
    h.run(t0 + 30)
    assert len(dhaad_requests(h)) == 1  # the reply stopped the retransmissions


def test_ba_133_then_dhaad_skips_refusing_agent() -> None:
    h = MNHarness()
    h.go(HOME)
    h.go(F1)
    h.ba(h.home_bus()[-1][2].seq, status=133)
    ((t0, p),) = dhaad_requests(h)
    h.deliver(IPv6(HA, COA1, I.HomeAgentAddressDiscoveryReply(p.payload.identifier, (HA, HA2))))
    assert h.mn.home_agent == HA2
    last = [q for _, q in h.packets() if q.dst == HA2]
    assert last and last[-1].home_address_option.home_address == HOA


# --------------------------------------------------------------------------- mobile prefix discovery
def mps_packets(h: MNHarness) -> list[tuple[float, IPv6]]:
    return [
        (t, p)
        for t, p in h.packets()
        if p.dst == HA and isinstance(h.open_to_ha(p, peek=True), I.MobilePrefixSolicitation)
    ]


def mpa(h: MNHarness, identifier: int, prefixes: list[tuple[N, int]], *, esp: bool = True) -> None:
    msg = I.MobilePrefixAdvertisement(
        identifier,
        options=tuple(
            I.PrefixInformation(n.network_address, 64, valid_lifetime=v, preferred_lifetime=v) for n, v in prefixes
        ),
    )
    payload = msg
    sa = h.ha_db.outbound(HA, HOA, 58, I.MOBILE_PREFIX_ADVERT) if esp else None
    if sa is not None:
        nh, octets = encode_upper(msg, HA, HOA)
        payload = h.ha_db.protect(sa, nh, octets)
    h.deliver(IPv6(HA, h.mn.care_of_address, payload, ext=(RoutingType2(HOA),)))


def registered_status_1() -> MNHarness:
    h = MNHarness()
    h.go(HOME)
    h.go(F1)
    h.accept_last_home_bu(status=1)
    return h


def test_mps_form_and_retransmission() -> None:
    h = registered_status_1()
    ((t0, p),) = mps_packets(h)
    assert (p.src, p.dst) == (COA1, HA) and p.home_address_option.home_address == HOA and isinstance(p.payload, ESP)
    h.run(t0 + 50)
    assert [round(t - t0, 6) for t, _ in mps_packets(h)] == [0, 3, 9, 21, 45]


def test_solicited_mpa_refreshes_home_address_lifetime() -> None:
    h = registered_status_1()
    ((t0, p),) = mps_packets(h)
    ident = h.open_to_ha(p, peek=True).identifier
    mpa(h, ident, [(HOME, 1000)])
    assert h.mn.home_address_valid_until == pytest.approx(h.now + 1000)
    h.run(h.now + 30)
    assert len(mps_packets(h)) == 1  # answered: no retransmission
    assert h.mn.home_registration.lifetime_units() <= 1000 // 4


def test_mpa_in_clear_refused_when_esp_required() -> None:
    h = registered_status_1()
    ((t0, p),) = mps_packets(h)
    ident = h.open_to_ha(p, peek=True).identifier
    mpa(h, ident, [(HOME, 1000)], esp=False)
    assert h.mn.home_address_valid_until is None
    assert any("without ESP" in m for m in h.events("mobility"))


def test_unsolicited_mpa_answered_with_bu() -> None:
    h = MNHarness()
    h.go(HOME)
    h.go(F1)
    h.accept_last_home_bu()
    n = len(h.home_bus())
    mpa(h, 0, [(HOME, 5000)])
    assert len(h.home_bus()) == n + 1


def test_new_home_prefix_changes_home_address_and_reregisters() -> None:
    """Figure 32: new prefix -> new home address -> BU for it -> HoTI-only RR with each correspondent."""
    h = MNHarness("off")
    h.go(HOME)
    h.go(F1)
    h.accept_last_home_bu()
    send_data(h)
    complete_rr(h)
    accept_cn_bu(h)
    n_coti = len(h.mh(CareofTestInit))
    new_prefix = N("2001:db8:5::/64")
    new_hoa = address_from_prefix(new_prefix, int(HOA) & ((1 << 64) - 1))
    mpa(h, 0, [(HOME, 0), (new_prefix, 3000)])
    assert h.mn.home_address == new_hoa and h.mn.home_prefix == new_prefix
    t, p, bu = h.home_bus()[-1]
    assert p.home_address_option.home_address == new_hoa and bu.H and bu.A
    ba = BindingAcknowledgement(0, bu.seq, 150)
    h.deliver(IPv6(HA, COA1, MobilityHeader(ba), ext=(RoutingType2(new_hoa),)))
    assert h.mn.home_registration.registered
    (t, hoti_pkt, hoti) = h.mh(HomeTestInit)[-1]
    assert hoti_pkt.payload.src == new_hoa and hoti_pkt.dst == HA  # reverse tunnelled
    assert len(h.mh(CareofTestInit)) == n_coti  # care-of token still fresh
    assert h.mn.bul.lookup(cn_bus(h)[-1][1].dst, new_hoa) is not None


# --------------------------------------------------------------------------- movement detection
def test_link_change_forgets_care_of_address() -> None:
    h = MNHarness()
    h.go(HOME)
    h.go(F1)
    assert h.mn.care_of_address == COA1
    h.attach(F2)
    assert h.mn.location == "unknown" and h.mn.care_of_address is None and h.mn.away_from_home()


def test_missed_ras_then_new_prefix_means_movement() -> None:
    h = MNHarness()
    h.go(HOME)
    h.go(F1)
    h.accept_last_home_bu()
    t_ra = 1.0  # the F1 RA arrived one second before DAD finished
    h.run(h.now + 9)
    assert any("presumed lost" in m for m in h.events("movement"))
    rs = [t for t, p in h.packets() if isinstance(p.payload, I.RouterSolicitation)]
    assert rs and rs[-1] >= t_ra + 9
    # no link-layer indication, but a new router with a new prefix answers
    h.link = F2
    ra = I.RouterAdvertisement(
        router_lifetime=1800,
        options=(I.SourceLinkLayerAddress(R2_MAC), I.PrefixInformation(F2.network_address, 64)),
    )
    h.deliver(IPv6(R2_LL, ALL_NODES, ra, hlim=255), R2_MAC, multicast_mac(ALL_NODES))
    h.run(h.now + 1)
    assert h.mn.care_of_address == COA2 and h.home_bus()[-1][1].src == COA2


def test_ra_from_second_router_while_current_alive_is_not_movement() -> None:
    h = MNHarness()
    h.go(HOME)
    h.go(F1)
    ra = I.RouterAdvertisement(
        router_lifetime=1800,
        options=(I.SourceLinkLayerAddress(R2_MAC), I.PrefixInformation(F2.network_address, 64)),
    )
    h.deliver(IPv6(R2_LL, ALL_NODES, ra, hlim=255), R2_MAC, multicast_mac(ALL_NODES))
    assert h.mn.care_of_address == COA1 and h.mn.current_foreign_prefix == F1


def test_home_prefix_ra_means_home() -> None:
    h = MNHarness()
    h.go(HOME)
    h.go(F1)
    h.accept_last_home_bu()
    h.go(HOME, settle=0.0)
    assert h.mn.location == "home" and not h.mn.away_from_home()
    assert h.home_bus()[-1][2].lifetime == 0
