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


def test_an_advertised_prefix_behaves_as_the_plain_network() -> None:
    from ipaddress import IPv6Network

    from mip6lab.ipv6.router_discovery import DEFAULT_PREFIX, FastNetwork, prefix_network

    fast, plain = prefix_network(intern("2001:db8:7::99"), 64), IPv6Network("2001:db8:7::/64")
    assert isinstance(fast, FastNetwork) and fast is prefix_network(intern("2001:db8:7::99"), 64)
    assert fast == plain and plain == fast and (fast != plain) is False and hash(fast) == hash(plain)
    assert {plain: "x"}[fast] == "x" and fast in [IPv6Network("fe80::/64"), plain]
    assert repr(fast) == repr(plain) and str(fast) == "2001:db8:7::/64"
    assert fast != IPv6Network("2001:db8:7::/48") and fast != IPv6Network("2001:db8:8::/64") and fast != "x"
    assert IPv6Address("2001:db8:7::1") in fast and intern("2001:db8:8::1") not in fast
    assert IPv6Network("2001:db8:7::/80") not in fast  # a network is never "in" a network, as for the plain one
    assert IPv6Network("::/0") == DEFAULT_PREFIX and intern("2001:db8::1") in DEFAULT_PREFIX
    assert sorted([IPv6Network("2001:db8:7::/48"), fast]) == [IPv6Network("2001:db8:7::/48"), plain]
