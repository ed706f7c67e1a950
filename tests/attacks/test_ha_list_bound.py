"""Hole 8: Router Advertisements with the H bit from ever new link-local sources on the home link cannot
grow the home agent's home agents list (or one entry's addresses) without bound."""

from __future__ import annotations

from ipaddress import IPv6Address

from mip6lab.lab import Lab
from mip6lab.mobility.constants import HOME_AGENT_ADDRESSES_LIMIT, HOME_AGENTS_LIST_LIMIT
from mip6lab.wire.icmp import PrefixInformation, RouterAdvertisement
from mip6lab.wire.ip import IPv6


def test_spoofed_home_agent_ras_leave_a_bounded_list() -> None:
    lab = Lab("first-foreign-link")
    lab.run(until=2.0)
    eve = lab.add_tester("eve", "home", [])
    for i in range(400):
        ll = IPv6Address(f"fe80::e7e:{i:x}")
        prefixes = tuple(PrefixInformation(IPv6Address(f"2001:db8:1::e:{i:x}:{j:x}"), 64, R=True) for j in range(4))
        eve.send(IPv6(ll, IPv6Address("ff02::1"), RouterAdvertisement(H=True, options=prefixes), hlim=255))
    # ... and one source announcing many addresses, RA after RA
    for k in range(40):
        prefixes = tuple(PrefixInformation(IPv6Address(f"2001:db8:1::f:{k:x}:{j:x}"), 64, R=True) for j in range(4))
        eve.send(
            IPv6(
                IPv6Address("fe80::e7e:0"),
                IPv6Address("ff02::1"),
                RouterAdvertisement(H=True, options=prefixes),
                hlim=255,
            )
        )
    lab.run(until=4.0)
    hal = lab.state("ha")["mobility"]["home_agents_list"]
    assert len(hal) == HOME_AGENTS_LIST_LIMIT
    assert all(len(e["addresses"]) <= HOME_AGENT_ADDRESSES_LIMIT for e in hal)
    assert any(e["link_local"] == "fe80::ff:fe00:101" for e in hal)  # the real home agent is still listed
    lab.run()
    assert lab.state("mn")["mobility"]["registered"]
    assert lab.world.errors == []
