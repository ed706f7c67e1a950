"""Hole 4: the mobile node ignores Binding Errors from nodes it has no Binding Update List entry for
(§11.3.6), and a Binding Error status 2 stops route optimization only for a while (it retries)."""

from __future__ import annotations

from ipaddress import IPv6Address

from mip6lab.lab import Lab
from mip6lab.mobility.constants import RR_RETRY_INTERVAL
from mip6lab.wire.ip import IPv6
from mip6lab.wire.mh import BindingError, MobilityHeader
from mip6lab.wire.summary import name as packet_name


def _rr_messages(lab: Lab, after: float) -> list[str]:
    return [
        packet_name(r.frame)
        for r in lab.capture
        if r.sender == "mn" and r.time > after and packet_name(r.frame) in ("HoTI", "CoTI")
    ]


def test_binding_errors_from_strangers_are_ignored() -> None:
    lab = Lab("return-routability")
    lab.run()
    mn = lab.state("mn")["mobility"]
    coa, hoa = IPv6Address(mn["care_of_address"]), lab.address_of("mn")
    bul = mn["binding_update_list"]
    eve = lab.add_tester("eve", "foreign1", [])
    t0 = lab.now
    for i in range(300):
        stranger = IPv6Address(f"2001:db8:77::{i + 1:x}")
        eve.send(IPv6(stranger, coa, MobilityHeader(BindingError(1, hoa))))
    lab.run_for(40.0)
    after = lab.state("mn")["mobility"]["binding_update_list"]
    assert [e["destination"] for e in after] == [e["destination"] for e in bul]
    assert _rr_messages(lab, t0) == []
    assert lab.world.errors == []


def test_binding_error_2_stops_route_optimization_only_for_a_while() -> None:
    lab = Lab("return-routability")
    lab.run()
    mn = lab.state("mn")["mobility"]
    coa, hoa, cn = IPv6Address(mn["care_of_address"]), lab.address_of("mn"), lab.address_of("cn")
    eve = lab.add_tester("eve", "foreign1", [])
    t0 = lab.now
    eve.send(IPv6(cn, coa, MobilityHeader(BindingError(2, hoa))))  # spoofed from the correspondent
    lab.run_for(5.0)
    entry = next(e for e in lab.state("mn")["mobility"]["binding_update_list"] if e["destination"] == str(cn))
    assert entry["no_future_updates"]
    lab.run_for(RR_RETRY_INTERVAL)
    assert {"HoTI", "CoTI"} <= set(_rr_messages(lab, t0 + 5.0))  # tried again
    entry = next(e for e in lab.state("mn")["mobility"]["binding_update_list"] if e["destination"] == str(cn))
    assert not entry["no_future_updates"]


def test_binding_refresh_requests_from_strangers_start_nothing() -> None:
    from mip6lab.wire.ip import RoutingType2
    from mip6lab.wire.mh import BindingRefreshRequest

    lab = Lab("return-routability")
    lab.run()
    mn = lab.state("mn")["mobility"]
    coa, hoa = IPv6Address(mn["care_of_address"]), lab.address_of("mn")
    before = [e["destination"] for e in mn["binding_update_list"]]
    eve = lab.add_tester("eve", "foreign1", [])
    t0 = lab.now
    for i in range(100):
        stranger = IPv6Address(f"2001:db8:77::{i + 1:x}")
        eve.send(IPv6(stranger, coa, MobilityHeader(BindingRefreshRequest()), ext=(RoutingType2(hoa),)))
    lab.run_for(10.0)
    after = [e["destination"] for e in lab.state("mn")["mobility"]["binding_update_list"]]
    assert after == before
    assert _rr_messages(lab, t0) == []
