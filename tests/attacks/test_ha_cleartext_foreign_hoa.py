"""Hole 9: a cleartext home registration BU for a home address the home agent does not serve is not
answered (no BA 132 reflected to a spoofed source) when policy requires ESP; with ESP off it is (132)."""

from __future__ import annotations

from ipaddress import IPv6Address

import pytest

from mip6lab.lab import Lab
from mip6lab.wire.ip import DestinationOptions, HomeAddressOption, IPv6
from mip6lab.wire.mh import BindingAcknowledgement, BindingUpdate, MobilityHeader

VICTIM = IPv6Address("2001:db8:2::77")  # the spoofed source: the BA would go there


@pytest.mark.parametrize(("esp", "answered"), [("null", False), ("aes", False), ("off", True)])
def test_cleartext_bu_for_a_foreign_home_address(esp: str, answered: bool) -> None:
    lab = Lab("first-foreign-link", esp=esp)
    lab.run(until=8.0)
    eve = lab.add_tester("eve", "foreign1", [VICTIM])
    hao = (DestinationOptions((HomeAddressOption(IPv6Address("2001:db8:99::1")),)),)
    eve.send(IPv6(VICTIM, lab.address_of("ha"), MobilityHeader(BindingUpdate(7, 10, A=True, H=True)), ext=hao))
    lab.run(until=10.0)
    bas = [
        r.packet.payload.message
        for r in eve.received
        if r.packet is not None
        and isinstance(r.packet.payload, MobilityHeader)
        and isinstance(r.packet.payload.message, BindingAcknowledgement)
    ]
    assert [b.status for b in bas] == ([132] if answered else [])
    assert len(lab.state("ha")["mobility"]["binding_cache"]) == 1
    assert lab.world.errors == []
