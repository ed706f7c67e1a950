"""Hole 9: ESP keys come from the lab's seeded randomness, not from a published recipe; the lab still
hands them to Wireshark and the inspector, and registration with ESP still works."""

from __future__ import annotations

import hashlib
from ipaddress import IPv6Address

from mip6lab.lab import Lab


def _keys(table: list[str]) -> set[str]:
    return {f.strip('"') for line in table for f in line.split(",")[5::2]} - {""}


def _published_recipe(label: str, spi: int, hoa: IPv6Address, ha: IPv6Address, length: int) -> bytes:
    """The constant keys mip6lab used to derive from public data only (anyone could recompute them)."""
    h = hashlib.sha256(
        b"mip6lab manual SA|" + label.encode() + b"|" + spi.to_bytes(4, "big") + b"|" + hoa.packed + b"|" + ha.packed
    ).digest()
    return h[:length]


def test_keys_depend_on_the_seed_and_are_not_the_published_ones() -> None:
    a, b, a_again = (Lab("first-foreign-link", seed=s, esp="aes") for s in (0, 1, 0))
    ka, kb = _keys(a.esp_sa_table()), _keys(b.esp_sa_table())
    assert len(ka) == 8  # four SAs, an encryption and an authentication key each
    assert ka.isdisjoint(kb)
    assert ka == _keys(a_again.esp_sa_table())  # deterministic
    hoa = IPv6Address("2001:db8:1::ff:fe00:301")
    ha = IPv6Address("2001:db8:1::1")
    spi = int(a.esp_sa_table()[0].split(",")[3].strip('"'), 16)
    for label in ("auth MN->HA transport", "auth HA->MN transport"):
        for s in (spi, spi + 1):
            assert "0x" + _published_recipe(label, s, hoa, ha, 20).hex() not in ka


def test_registration_with_seeded_keys_still_works_and_the_inspector_decrypts() -> None:
    from mip6lab.widgets.model import find_spds, open_esp
    from mip6lab.wire.ip import ESP, IPv6
    from mip6lab.wire.summary import name as packet_name

    lab = Lab("first-foreign-link", seed=5, esp="aes")
    lab.run()
    assert lab.state("mn")["mobility"]["registered"]
    esp = [r for r in lab.capture if isinstance(r.decoded.payload, IPv6) and isinstance(r.decoded.payload.payload, ESP)]
    assert esp
    opened = [open_esp(r.decoded.payload, find_spds(lab)) for r in esp]
    assert all(o is not None for o in opened)
    assert {packet_name(o.packet) for o in opened if o is not None} >= {"BU", "BA"}
