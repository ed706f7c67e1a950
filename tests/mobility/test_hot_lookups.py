"""The per-packet lookups of the mobility tables (issue 13: they try the key as given first) answer the
same for an address, an equal plain ``IPv6Address`` and its text, and refuse text that is no address."""

from __future__ import annotations

from ipaddress import AddressValueError, IPv6Address

import pytest

from mip6lab.mobility.binding_cache import BindingCache
from mip6lab.mobility.bul import BindingUpdateList
from mip6lab.mobility.registration import is_unicast_routable
from mip6lab.wire.addr import intern

HOA, COA, CN = intern("2001:db8:1::10"), intern("2001:db8:2::10"), intern("2001:db8:3::1")


def test_binding_cache_lookup_by_address_or_text() -> None:
    bc = BindingCache()
    e = bc.create(0.0, HOA, COA, 10.0)
    for key in (HOA, IPv6Address("2001:db8:1::10"), "2001:db8:1::10", "2001:DB8:1:0::10"):
        assert bc.lookup(key) is e and bc.lookup_valid(5.0, key) is e
        assert bc.lookup_valid(10.0, key) is None  # expired at its expiry
    assert bc.lookup(COA) is None and bc.lookup("2001:db8:1::11") is None
    with pytest.raises(AddressValueError):
        bc.lookup("no address")


def test_binding_update_list_lookup_by_address_or_text() -> None:
    bul = BindingUpdateList()
    e = bul.get_or_add(CN, HOA)
    for dst, hoa in ((CN, HOA), (IPv6Address("2001:db8:3::1"), "2001:db8:1::10"), ("2001:db8:3::1", HOA)):
        assert bul.lookup(dst, hoa) is e and bul.lookup(dst) is e
    assert bul.lookup(CN, COA) is None and bul.lookup(HOA, CN) is None
    with pytest.raises(AddressValueError):
        bul.lookup("no address", HOA)


@pytest.mark.parametrize(
    ("addr", "routable"),
    [
        ("2001:db8::1", True),
        ("3fff::1", True),
        ("fd00::1", True),
        ("::ffff:192.0.2.1", True),
        ("ff02::1", False),
        ("fe80::1", False),
        ("::", False),
        ("::1", False),
    ],
)
def test_unicast_routable(addr: str, routable: bool) -> None:
    assert is_unicast_routable(IPv6Address(addr)) is routable
    assert is_unicast_routable(intern(addr)) is routable
