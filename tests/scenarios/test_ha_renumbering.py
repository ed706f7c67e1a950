"""What Figure 32 (home-prefix-change) needed beyond the scenario: SPIs from the whole home address,
SecurityPolicyDatabase.remove_sa, the home agent's SAs for an old and a renumbered home address side by
side, the mobile node leaving a deprecated home prefix, and the tunnel from the renumbered home agent."""

from __future__ import annotations

import random
from ipaddress import IPv6Address as A

from mip6lab.lab import Lab
from mip6lab.mobility.ha_ipsec import HomeAgentIPsec
from mip6lab.mobility.ipsec import default_spi_base, manual_sa_pair
from mip6lab.scenarios import Scenario
from mip6lab.wire import icmp as I
from mip6lab.wire.ip import NH_MOBILITY
from mip6lab.wire.mh import MH_BA, MH_BU

HA = A("2001:db8:1::1")
HA_NEW = A("2001:db8:5::1")
HOA = A("2001:db8:1::ff:fe00:301")
HOA_NEW = A("2001:db8:5::ff:fe00:301")


def test_spi_base_uses_the_whole_home_address() -> None:
    assert default_spi_base("2001:db8:1::100") == 0x10001000  # Figure 1's home prefix: tag 00
    assert default_spi_base("2001:db8:1::200") == 0x10002000
    old, new = default_spi_base("2001:db8:1::100"), default_spi_base("2001:db8:5::100")
    assert old != new and new & 0x000FFFF0 == old & 0x000FFFF0  # same last 16 bits, readable
    assert new >> 28 == 1 and new & 0xF == 0
    bases = {default_spi_base(f"2001:db8:{p:x}::ff:fe00:301") for p in range(1, 9)}
    assert len(bases) == 8  # the prefixes a workbook reader is likely to renumber to all differ


def test_remove_sa_drops_the_sa_and_its_policies() -> None:
    _, db = manual_sa_pair(HOA, HA, "null", random.Random(1))
    base = default_spi_base(HOA)
    assert db.outbound(HA, HOA, NH_MOBILITY, MH_BA) is not None
    removed = db.remove_sa(base + 2)
    assert removed is not None and removed.spi == base + 2
    assert db.sa_for_spi(base + 2) is None and all(p.spi != base + 2 for p in db.policies)
    assert db.outbound(HA, HOA, NH_MOBILITY, MH_BA) is None  # no policy left that names the lost SA
    assert db.inbound_policy(HOA, HA, NH_MOBILITY, MH_BU) is not None  # the others stay
    assert db.remove_sa(base + 2) is None
    assert [sa.spi for sa in db.sas()] == [base + 1, base + 3, base + 4]


def test_home_agent_keeps_old_and_renumbered_home_address_sas() -> None:
    ipsec = HomeAgentIPsec("null", random.Random(1))
    assert ipsec.ensure(HOA, HA) and ipsec.ensure(HOA_NEW, HA)
    assert len(ipsec.db.sas()) == 8 and set(ipsec.served) == {HOA, HOA_NEW}
    assert not ipsec.ensure(HOA_NEW, HA)  # already there
    assert not ipsec.ensure(HOA_NEW, HA_NEW)  # an unverified trigger never re-keys
    assert ipsec.served[HOA_NEW] == HA
    assert ipsec.install(HOA_NEW, HA_NEW)  # a trusted install (configuration, renumbering) replaces
    assert len(ipsec.db.sas()) == 8 and ipsec.served[HOA_NEW] == HA_NEW
    # the mobile node's own half (same keys, derived independently) opens the home agent's BA
    mn_db, _ = manual_sa_pair(HOA_NEW, HA_NEW, "null", random.Random(9))
    sa = ipsec.db.outbound(HA_NEW, HOA_NEW, NH_MOBILITY, MH_BA)
    assert sa is not None and sa.spi == default_spi_base(HOA_NEW) + 2
    assert mn_db.open(ipsec.db.protect(sa, NH_MOBILITY, b"ba"))[1:] == (NH_MOBILITY, b"ba")


def _away_lab() -> Lab:
    lab = Lab(Scenario("mpa-unit", "test", lambda lab: lab.at(3.0, lambda: lab.move("mn", "foreign1")), 8.0))
    lab.run()
    assert lab.role("mn").home_registration.registered
    return lab


def _pio(prefix: str, valid: int, preferred: int) -> I.PrefixInformation:
    return I.PrefixInformation(A(prefix), 64, valid_lifetime=valid, preferred_lifetime=preferred)


def test_mpa_with_current_prefix_preferred_keeps_home_address() -> None:
    lab = _away_lab()
    mpa = I.MobilePrefixAdvertisement(0, options=(_pio("2001:db8:5::", 3000, 3000), _pio("2001:db8:1::", 900, 900)))
    lab.world.call("mn", lambda n: n.role.prefix_discovery.on_advertisement(HA, mpa))
    mn = lab.role("mn")
    assert mn.home_address == HOA and mn.home_address_valid_until == lab.now + 900


def test_mpa_with_current_prefix_deprecated_moves_to_the_new_prefix() -> None:
    lab = _away_lab()
    mpa = I.MobilePrefixAdvertisement(0, options=(_pio("2001:db8:5::", 3000, 3000), _pio("2001:db8:1::", 600, 0)))
    lab.world.call("mn", lambda n: n.role.prefix_discovery.on_advertisement(HA, mpa))
    mn = lab.role("mn")
    assert mn.home_address == HOA_NEW and str(mn.home_prefix) == "2001:db8:5::/64"
    assert mn.home_agent == HA  # registers with the address it has: the home agent's old one


def test_only_a_renumbered_home_agent_may_tunnel_from_its_new_address() -> None:
    lab = _away_lab()
    mn = lab.role("mn")
    assert mn.is_home_agent_tunnel_source(HA) and not mn.is_home_agent_tunnel_source(HA_NEW)
    renumbered = Lab("home-prefix-change")
    renumbered.run()
    mn2 = renumbered.role("mn")
    assert mn2.home_address == HOA_NEW
    assert mn2.is_home_agent_tunnel_source(HA) and mn2.is_home_agent_tunnel_source(HA_NEW)
    assert not mn2.is_home_agent_tunnel_source(A("2001:db8:5::2"))
    # and it did: the HoT for the new home address came through the tunnel from the new address
    assert any(
        "ESP tunnel" in e.message and "opened" in e.message and e.time > 12.0
        for e in renumbered.trace.events_for("mn", "esp")
    )
