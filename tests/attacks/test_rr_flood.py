"""Hole 5: packets from many spoofed sources tunnelled to the mobile node do not each start return
routability, and an unanswered return routability run gives up (to retry much later)."""

from __future__ import annotations

from ipaddress import IPv6Address

from mip6lab.lab import Lab
from mip6lab.mobility.constants import MAX_CONCURRENT_RR
from mip6lab.wire.icmp import EchoRequest
from mip6lab.wire.ip import IPv6
from mip6lab.wire.summary import name as packet_name


def test_spoofed_sources_start_a_bounded_number_of_rr_runs_that_give_up() -> None:
    lab = Lab("first-foreign-link")
    lab.run()
    hoa = lab.address_of("mn")
    eve = lab.add_tester("eve", "cn-link", [])
    t0 = lab.now
    for i in range(300):  # to the home address: the home agent tunnels each one to the mobile node
        src = IPv6Address(f"2001:db8:66::{i + 1:x}")  # nobody there: no HoT or CoT will ever come
        eve.send(IPv6(src, hoa, EchoRequest(5, i)), at=t0 + i * 0.01)
    lab.run_for(120.0)
    bul = lab.state("mn")["mobility"]["binding_update_list"]
    correspondents = [e for e in bul if not e["home_registration"]]
    assert 0 < len(correspondents) <= MAX_CONCURRENT_RR
    hoti = [r.time for r in lab.capture if r.sender == "mn" and packet_name(r.frame) == "HoTI"]
    assert len(hoti) <= MAX_CONCURRENT_RR * 7  # first + 5 retransmissions each, then give up
    assert not [t for t in hoti if t > t0 + 80.0]  # gave up (retry only after RR_RETRY_INTERVAL)
    assert lab.world.errors == []
