"""Hole 7: a manually configured home address that SLAAC would not form (``::1234``) leaves no on-link
home prefix behind when the mobile node moves: it registers with its home agent from abroad."""

from __future__ import annotations

from mip6lab.lab import Lab
from mip6lab.topology import figure1
from mip6lab.wire.summary import name as packet_name


def test_manual_home_address_registers_after_the_move() -> None:
    t = figure1()
    t.nodes["mn"].options["home_address"] = "2001:db8:1::1234"
    lab = Lab("first-foreign-link", topology=t)
    lab.run(until=2.5)
    assert any(r["prefix"] == "2001:db8:1::/64" for r in lab.state("mn")["routes"])  # on-link at home (RA)
    lab.run(until=20.0)
    mn = lab.state("mn")
    assert mn["mobility"]["registered"] and mn["mobility"]["home_address"] == "2001:db8:1::1234"
    assert not any(r["prefix"] == "2001:db8:1::/64" for r in mn["routes"])  # not on-link abroad
    bc = lab.state("ha")["mobility"]["binding_cache"]
    assert [e["home_address"] for e in bc] == ["2001:db8:1::1234"]
    ba = [r for r in lab.capture.filter(link="foreign1") if packet_name(r.frame) == "BA"]
    assert ba
