"""RFC 6724 rule 4 (prefer the home address) applies only to destinations beyond the link: ``source_address_for``
decides link scope inline from the interned address's fields (``_ip >> 118 == 0x3FA`` for fe80::/10, the multicast
scope nibble <= 2); here it is checked against the same decision made with ``ipaddress``'s own properties, for a
registered mobile node away from home."""

from __future__ import annotations

from ipaddress import IPv6Address as A

import pytest

from mip6lab import SCENARIOS, Lab
from mip6lab.wire.addr import intern

DESTINATIONS = [
    "fe80::1",
    "fe80::abcd",
    "febf::1",  # the top of fe80::/10: still link-local
    "fe7f::1",  # just below fe80::/10: not link-local
    "fec0::1",  # (deprecated) site-local, just above fe80::/10: not link-local
    "ff02::1",  # link-scope multicast
    "ff01::1",  # interface-local multicast (scope 1 <= 2)
    "ff05::1",  # site-local multicast
    "ff0e::1",  # global multicast
    "ff12::1",  # a transient link-scope multicast group (flags 1, scope 2)
    "2001:db8:4::ff:fe00:801",  # the correspondent, a global unicast address
    "2001:db8:2::99",  # a neighbour on the foreign link: rule 8 alone would pick the care-of address
]


def _link_scope(dst: A) -> bool:
    """The reference: whether rule 4 must be skipped for ``dst``."""
    return dst.is_link_local or (dst.is_multicast and (dst.packed[1] & 0x0F) <= 2)


@pytest.fixture(scope="module")
def away_mn():  # noqa: ANN201 - a registered mobile node away from home and its lab
    lab = Lab(SCENARIOS["first-foreign-link"], seed=0)
    lab.run(until=30)
    mn = lab.node("mn")
    hooks = mn.mobility
    assert hooks is not None and hooks.is_mobile_node() and hooks.away_from_home()
    assert hooks.care_of_address is not None and hooks.care_of_address != hooks.home_address
    return lab, mn


@pytest.mark.parametrize("text", DESTINATIONS)
def test_rule_4_applies_exactly_beyond_the_link(away_mn, text: str, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    _, mn = away_mn
    home = mn.mobility.home_address
    (link_local,) = [e.addr for e in mn.addresses.all() if e.addr.is_link_local]
    dst = A(text)
    link_scope = _link_scope(dst)
    want = link_local if link_scope else home
    selected: list = []
    select = mn._select_source
    monkeypatch.setattr(mn, "_select_source", lambda d, scope: selected.append(d) or select(d, scope))
    for asked in (dst, intern(dst), dst):  # a plain address, an interned one, and again (the cached answer)
        mn._source_cache.clear()  # every time a fresh decision
        assert mn.source_address_for(asked) == want, (text, asked)
    # beyond the link rule 4 decides before any route lookup (the home address also wins rule 8's tie for some
    # destinations, so the answer alone would not show a wrong scope test there); on the link, selection decides
    assert len(selected) == (3 if link_scope else 0)


def test_a_link_local_destination_never_gets_the_home_address(away_mn) -> None:  # noqa: ANN001
    _, mn = away_mn
    home = mn.mobility.home_address
    for text in ("fe80::1", "fe80::abcd", "febf::1", "ff02::1", "ff01::1"):
        got = mn.source_address_for(A(text))
        assert got is not None and got != home and got.is_link_local, text
