"""The home agent's security state changes only through trusted paths - configuration and its own
renumbering - never because of a packet it has not verified (RFC 6275 §5.1, §10.3.1, §10.6)."""

from __future__ import annotations

from ipaddress import IPv6Address as A
from ipaddress import IPv6Network

import pytest
from test_cn_support import COA, HA, HA_CORE, HOA, HOME_PREFIX, HaBench, bas, home_bu, with_hao

from mip6lab import Lab
from mip6lab.mobility.ipsec import default_spi_base
from mip6lab.wire import icmp as I
from mip6lab.wire.codec import encode_frame, ha_anycast
from mip6lab.wire.ip import ESP, DestinationOptions, Ethernet, HomeAddressOption, IPv6
from mip6lab.wire.mh import AlternateCareofAddress, BindingUpdate, MobilityHeader

ANYCAST = ha_anycast(IPv6Network(HOME_PREFIX))
ATTACKER = A("2001:db8:2::99")


def security_state(b: HaBench) -> tuple:
    ipsec = b.role.ipsec
    sas = [(sa.spi, sa.src, sa.dst, sa.enc_key, sa.auth_key) for sa in ipsec.db.sas()]
    return sas, list(ipsec.db.policies), dict(ipsec.served)


def register(b: HaBench, seq: int) -> int:
    b.mark()
    b.inject(home_bu(b, seq), run=2.0)
    ((_, ba),) = bas(b)
    return ba.status


@pytest.mark.parametrize("dst", [ANYCAST, HA_CORE, HA], ids=["anycast", "core-address", "home-address"])
def test_forged_cleartext_bu_changes_no_security_state(dst: A) -> None:
    b = HaBench("null")
    before = security_state(b)
    b.mark()
    b.inject(home_bu(b, 5, protect=False, dst=dst, coa=ATTACKER), run=2.0)
    assert security_state(b) == before
    assert b.sent() == [] and len(b.role.cache) == 0  # discarded: no DAD, no BA, no binding
    assert register(b, 6) == 0  # the real mobile node's keys still work


def test_forged_cleartext_mps_changes_no_security_state_and_gets_no_answer() -> None:
    b = HaBench("null")
    assert register(b, 6) == 0
    before = security_state(b)
    b.mark()
    # spoofed from the registered care-of address, so the Home Address option is accepted (§9.3.1)
    b.inject(with_hao(IPv6(COA, ANYCAST, I.MobilePrefixSolicitation(7)), HOA), run=1.0)
    assert security_state(b) == before
    assert not any(isinstance(p.payload, I.MobilePrefixAdvertisement) for p in b.sent())


def test_esp_with_an_unknown_spi_changes_no_security_state() -> None:
    b = HaBench("null")
    before = security_state(b)
    b.inject(with_hao(IPv6(ATTACKER, ANYCAST, ESP(0x1234_5670, 1, bytes(40))), HOA), run=1.0)
    assert security_state(b) == before
    assert register(b, 6) == 0


def test_new_home_address_named_by_a_packet_gets_no_sas() -> None:
    """Only configuration creates SAs (RFC 6275 §5.1, §10.3.1; issue 11 hole 2)."""
    b = HaBench("null")
    other = A("2001:db8:1::200")
    b.mark()
    b.inject(home_bu(b, 1, hoa=other, protect=False, dst=ANYCAST), run=2.0)
    assert other not in b.role.ipsec.served
    assert b.sent() == [] and len(b.role.cache) == 0  # and the cleartext BU itself is discarded
    assert b.role.ipsec.served[HOA] == HA


def _colliding_home_address() -> A:
    """Another address on the home prefix whose SPIs are HOA's (a 1/256 prefix-tag collision)."""
    base = default_spi_base(HOA)
    for hi in range(1, 1 << 16):
        cand = A(int(HOA) + (hi << 32))
        if default_spi_base(cand) == base:
            return cand
    raise AssertionError("no collision found")


def test_unverified_packet_never_evicts_sas_that_share_spis() -> None:
    b = HaBench("null")
    twin = _colliding_home_address()
    before = security_state(b)
    b.mark()
    b.inject(home_bu(b, 1, hoa=twin, protect=False, coa=ATTACKER), run=2.0)
    assert security_state(b) == before  # HOA keeps its SAs; the twin gets none
    assert b.sent() == [] and len(b.role.cache) == 0  # and, unverifiable, its BU is discarded
    assert register(b, 6) == 0


def test_forged_bu_in_a_lab_leaves_the_mobile_node_registered() -> None:
    """The reviewer's reproduction: a cleartext BU to the Home-Agents anycast address from the home
    link used to re-key the mobile node's SAs, so its next refresh failed the ICV check."""
    lab = Lab("first-foreign-link")
    lab.run()
    ha, mn = lab.node("ha"), lab.role("mn")
    hoa = mn.home_address
    link = next(iter(ha.role.home_links.values()))
    before = dict(ha.role.ipsec.served)
    bu = BindingUpdate(seq=1, lifetime=10, A=True, H=True, options=(AlternateCareofAddress(ATTACKER),))
    pkt = IPv6(ATTACKER, link.anycast[0], MobilityHeader(bu), ext=(DestinationOptions((HomeAddressOption(hoa),)),))
    lab.inject("home", encode_frame(Ethernet(ha.interfaces[link.ifname].mac, "02:00:00:00:99:99", pkt)))
    lab.run_for(400)  # past the mobile node's refresh
    assert ha.role.ipsec.served == before
    assert not [e for e in lab.trace.events_for("ha", "esp") if "refused" in e.message]
    assert ha.role.cache.lookup(hoa).care_of_address == mn.care_of_address
    assert ha.role.cache.lookup(hoa).sequence_number != 1
    assert lab.world.errors == []


def test_home_prefix_change_installs_the_renumbered_twin_itself() -> None:
    lab = Lab("first-foreign-link")
    lab.run()
    ha, mn = lab.node("ha"), lab.role("mn")
    hoa = mn.home_address
    lab.world.call("ha", lambda n: n.role.change_home_prefix("2001:db8:5::/64"))
    twin = A(f"2001:db8:5::{hoa.exploded.split(':', 4)[4]}")
    assert ha.role.ipsec.served[twin] == ha.role.ipsec.served[hoa] == A("2001:db8:1::1")
    assert any("renumbered home address" in e.message for e in lab.trace.events_for("ha", "esp"))


def _unsolicited_mpas(b: HaBench) -> list[IPv6]:
    return [p for p in b.sent() if p.dst == COA and isinstance(b.open(p), I.MobilePrefixAdvertisement)]


def test_forged_bu_does_not_stop_unsolicited_prefix_advertisements() -> None:
    """§10.6.2: retransmissions go on until the mobile node's (authenticated, accepted) BU."""
    b = HaBench("null")
    assert register(b, 6) == 0
    b.mark()
    b.world.call("ha", lambda n: n.role.change_home_prefix("2001:db8:5::/64"))
    b.run(0.5)
    assert len(_unsolicited_mpas(b)) == 1 and HOA in b.role.prefixes.unsolicited
    b.inject(home_bu(b, 7, protect=False), run=0.5)  # cleartext: discarded by the IPsec check
    assert HOA in b.role.prefixes.unsolicited
    b.mark()
    b.run(3.0)  # PREFIX_ADV_TIMEOUT later: the retransmission still goes out
    assert len(_unsolicited_mpas(b)) == 1
    b.mark()
    b.inject(home_bu(b, 9), run=0.5)  # the mobile node's own BU, under ESP, accepted (status 1)
    ((_, ba),) = bas(b)
    assert ba.status == 1 and HOA not in b.role.prefixes.unsolicited
    b.mark()
    b.run(20.0)
    assert _unsolicited_mpas(b) == []


def test_rejected_bu_does_not_stop_unsolicited_prefix_advertisements() -> None:
    b = HaBench("null")
    assert register(b, 6) == 0
    b.world.call("ha", lambda n: n.role.change_home_prefix("2001:db8:5::/64"))
    b.run(0.5)
    b.mark()
    b.inject(home_bu(b, 6), run=0.5)  # under ESP but an old sequence number: 135
    ((_, ba),) = bas(b)
    assert ba.status == 135 and HOA in b.role.prefixes.unsolicited
