"""Every mobile node gets its own ESP SA pair, for any number of mobile nodes (issue 13)."""

from __future__ import annotations

from ipaddress import IPv6Address, IPv6Network

import pytest

from mip6lab import SCENARIOS, Lab
from mip6lab.ipv6.addresses import address_from_prefix, interface_id_from_mac
from mip6lab.mobility.ipsec import SecurityPolicyDatabase, allocate_spi_bases, default_spi_base
from mip6lab.scenarios.scale import scale_topology
from mip6lab.topology import mac_for
from mip6lab.wire.ip import Addr

HOME = "2001:db8:1::/64"


def _home_addresses(n: int) -> list[Addr]:
    return [address_from_prefix(IPv6Network(HOME), interface_id_from_mac(mac_for(i, 0))) for i in range(n)]


def _first_collision(hoas: list[Addr]) -> tuple[int, int]:
    seen: dict[int, int] = {}
    for i, h in enumerate(hoas):
        j = seen.setdefault(default_spi_base(h), i)
        if j != i:
            return j, i
    raise AssertionError("no collision")


def test_allocation_keeps_default_spis_and_resolves_collisions() -> None:
    hoas = _home_addresses(10_000)
    assert len({default_spi_base(h) for h in hoas}) < 10_000  # the default derivation alone collides
    first, second = _first_collision(hoas)
    bases = allocate_spi_bases(hoas)
    assert len(set(bases.values())) == 10_000  # one base (four SPIs) per home address
    spis = {b + k for b in bases.values() for k in range(1, 5)}
    assert len(spis) == 40_000 and min(spis) > 255 and max(spis) <= 0xFFFF_FFFF
    # every address before the first collision (every small scenario) keeps the SPIs it always had
    assert all(bases[h] == default_spi_base(h) for h in hoas[:second])
    assert bases[hoas[first]] == default_spi_base(hoas[first]) == default_spi_base(hoas[second])
    assert bases[hoas[second]] != bases[hoas[first]]
    assert allocate_spi_bases(hoas) == bases  # deterministic


def _colliding_lab() -> tuple[Lab, Addr, Addr]:
    """A scale lab whose mn1 is configured with a home address that has mn0's default SPIs."""
    lab = Lab(SCENARIOS["scale"].with_parameters(mobile_nodes=2), trace=False)
    hoa0 = lab.address_of("mn0")
    twin = next(
        c
        for c in (IPv6Address(int(hoa0) + (hi << 32)) for hi in range(1, 1 << 16))
        if default_spi_base(c) == default_spi_base(hoa0)
    )
    t = scale_topology(2)
    t.nodes["mn1"].options["home_address"] = str(twin)
    return Lab(SCENARIOS["scale"].with_parameters(mobile_nodes=2), topology=t, trace=False), hoa0, twin


def test_mobile_nodes_with_colliding_default_spis_both_register_with_esp() -> None:
    lab, hoa0, twin = _colliding_lab()
    ipsec = lab.role("ha").ipsec  # type: ignore[attr-defined]
    assert ipsec.spi_base(hoa0) != ipsec.spi_base(twin)
    assert lab.role("mn1").ipsec.spi_bases[twin] == ipsec.spi_base(twin)  # type: ignore[attr-defined]
    lab.run(until=6.0)
    assert not lab.world.errors
    homes = {b.home_address for b in lab.role("ha").cache.entries()}  # type: ignore[attr-defined]
    assert homes == {hoa0, twin}  # the home agent used to keep only the later pair: mn0's BU failed ICV


def test_600_mobile_nodes_get_600_sa_pairs_without_any_replacement(monkeypatch: pytest.MonkeyPatch) -> None:
    removed: list[int] = []
    original = SecurityPolicyDatabase.remove_sa

    def counting(self: SecurityPolicyDatabase, spi: int) -> None:
        removed.append(spi)
        original(self, spi)

    monkeypatch.setattr(SecurityPolicyDatabase, "remove_sa", counting)
    for n in (300, 600):
        lab = Lab(SCENARIOS["scale"].with_parameters(mobile_nodes=n), trace=False)
        ipsec = lab.role("ha").ipsec  # type: ignore[attr-defined]
        assert len(ipsec.served) == n
        assert len({sa.spi for sa in ipsec.db.sas()}) == 4 * n  # as many distinct SA pairs as mobile nodes
        # each mobile node's own half uses the SPIs the home agent installed for its home address
        for i in (0, 255, 256, n - 1):
            hoa = lab.address_of(f"mn{i}")
            assert lab.role(f"mn{i}").ipsec.spi_bases[hoa] == ipsec.spi_base(hoa)  # type: ignore[attr-defined]
    assert removed == []  # set-up never replaced an SA pair: linear work, no rescans
