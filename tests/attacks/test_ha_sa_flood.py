"""Hole 2: packets naming new home addresses (a Home Address option, an unprotected BU) make the home
agent install no security associations: only configuration creates them (RFC 6275 §5.1, §10.3.1)."""

from __future__ import annotations

from ipaddress import IPv6Address

from mip6lab.lab import Lab
from mip6lab.wire.icmp import EchoRequest
from mip6lab.wire.ip import ESP, DestinationOptions, HomeAddressOption, IPv6
from mip6lab.wire.mh import BindingUpdate, MobilityHeader

EVE = IPv6Address("2001:db8:2::e7e")


def test_unverified_packets_install_no_security_associations() -> None:
    lab = Lab("first-foreign-link")
    lab.run(until=8.0)
    ha = lab.address_of("ha")
    table = lab.esp_sa_table()
    assert len(table) == 4  # the mobile node's four SAs, from configuration
    eve = lab.add_tester("eve", "foreign1", [EVE])
    for i in range(200):
        hoa = IPv6Address(f"2001:db8:1::dead:{i:x}")
        hao = (DestinationOptions((HomeAddressOption(hoa),)),)
        if i % 3 == 0:
            eve.send(IPv6(EVE, ha, MobilityHeader(BindingUpdate(seq=i, lifetime=10, A=True, H=True)), ext=hao))
        elif i % 3 == 1:
            eve.send(IPv6(EVE, ha, EchoRequest(1, i), ext=hao))
        else:
            eve.send(IPv6(EVE, ha, ESP(0x10000000 + (i << 4) + 1, 1, bytes(40)), ext=hao))
    lab.run()
    assert lab.esp_sa_table() == table
    assert lab.state("mn")["mobility"]["registered"]
    assert [e["home_address"] for e in lab.state("ha")["mobility"]["binding_cache"]] == [str(lab.address_of("mn"))]
    assert lab.world.errors == []
