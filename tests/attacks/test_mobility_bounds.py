"""Hole 8 (mobility part): Binding Errors are rate limited in aggregate (no 1:1 reflection to spoofed
sources, §9.3.1), and the logs kept for widgets and the correspondent's binding cache are bounded."""

from __future__ import annotations

from ipaddress import IPv6Address

from mip6lab.lab import Lab
from mip6lab.mobility.constants import CN_BINDING_CACHE_LIMIT, LOG_LIMIT, MAX_UPDATE_RATE
from mip6lab.wire.icmp import EchoRequest
from mip6lab.wire.ip import DestinationOptions, HomeAddressOption, IPv6
from mip6lab.wire.mh import BindingError, BindingUpdate, MobilityHeader


def test_binding_errors_to_spoofed_sources_are_limited_in_aggregate() -> None:
    lab = Lab("return-routability")
    lab.run(until=3.0)
    cn = lab.address_of("cn")
    sources = [IPv6Address(f"2001:db8:4::e:{i + 1:x}") for i in range(500)]
    eve = lab.add_tester("eve", "cn-link", sources)
    for i, src in enumerate(sources):  # 500 sources in one second, each with a Home Address option
        hao = (DestinationOptions((HomeAddressOption(IPv6Address(f"2001:db8:1::{i + 1:x}")),)),)
        eve.send(IPv6(src, cn, EchoRequest(1, i), ext=hao), at=3.0 + i * 0.002)
    lab.run(until=5.0)
    bes = [
        r
        for r in eve.received
        if r.packet is not None
        and isinstance(r.packet.payload, MobilityHeader)
        and isinstance(r.packet.payload.message, BindingError)
    ]
    assert 1 <= len(bes) <= 2 * MAX_UPDATE_RATE  # about 1 s of the aggregate rate, not one per source
    assert lab.world.errors == []


def test_decision_log_and_binding_cache_are_bounded() -> None:
    lab = Lab("return-routability")
    lab.run(until=3.0)
    cn = lab.address_of("cn")
    eve = lab.add_tester("eve", "cn-link", [IPv6Address("2001:db8:4::e7e")])
    for i in range(LOG_LIMIT * 3):  # forged BUs: each is a decision (discard) in the log
        hao = (DestinationOptions((HomeAddressOption(IPv6Address(f"2001:db8:1::{i + 1:x}")),)),)
        bu = BindingUpdate(seq=i, lifetime=10, A=True)
        eve.send(IPv6(IPv6Address("2001:db8:4::e7e"), cn, MobilityHeader(bu), ext=hao), at=3.0 + i * 0.001)
    lab.run(until=5.0)
    hooks = lab.role("cn")
    assert len(hooks.registration.decisions) == LOG_LIMIT  # type: ignore[union-attr]
    assert hooks.cache.max_entries == CN_BINDING_CACHE_LIMIT  # type: ignore[union-attr]
    assert lab.world.errors == []
