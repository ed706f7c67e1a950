"""The shortcuts a host's Router Advertisement refresh and a mobile node's send take (issue 13) answer what the
general code answers: route matching on identity before equality, the one-loop expiry schedule, the inline prefix
test of ``AddressTable.with_prefix``, the Home Address option header memo and the codec's octets read from
interned addresses."""

from __future__ import annotations

import math
from ipaddress import IPv6Address as A
from ipaddress import IPv6Network

from mip6lab.ipv6.addresses import CONFIG_EPOCH, AddressEntry, AddressTable, AddrState, Origin
from mip6lab.ipv6.node import IPv6Node
from mip6lab.ipv6.router_discovery import DEFAULT_PREFIX, prefix_network
from mip6lab.ipv6.routing import RouteOrigin, RoutingTable
from mip6lab.ipv6.sending import home_address_header
from mip6lab.wire.addr import intern
from mip6lab.wire.codec import encode_ipv6
from mip6lab.wire.ip import IPv6
from mip6lab.wire.transport import UDP

R1 = A("fe80::1")
R2 = A("fe80::2")


def test_find_and_add_match_on_value_not_only_identity() -> None:
    table = RoutingTable()
    net = prefix_network(intern("2001:db8:1::"), 64)
    onlink = table.add(net, None, "eth0", 0, RouteOrigin.RA_PREFIX, 10.0)
    default = table.add(DEFAULT_PREFIX, intern(R1), "eth0", 0, RouteOrigin.RA_DEFAULT, 10.0)
    # equal values that are other objects: a plain network and address, a plain default prefix
    assert table.find(IPv6Network("2001:db8:1::/64"), None, "eth0") is onlink
    assert table.find(IPv6Network("::/0"), A(str(R1)), "eth0") is default
    # a next hop is not "on-link", nor the other way round; another router or interface is another route
    assert table.find(net, intern(R1), "eth0") is None
    assert table.find(DEFAULT_PREFIX, None, "eth0") is None
    assert table.find(DEFAULT_PREFIX, intern(R2), "eth0") is None
    assert table.find(DEFAULT_PREFIX, intern(R1), "eth1") is None
    # a refresh: the same route, its fields set, the version and the configuration epoch moved
    version, epoch = table.version, CONFIG_EPOCH[0]
    again = table.add(IPv6Network("::/0"), A(str(R1)), "eth0", 5, RouteOrigin.MANUAL, 99.0)
    assert again is default and (again.metric, again.origin, again.expires) == (5, RouteOrigin.MANUAL, 99.0)
    assert table.version == version + 1 and CONFIG_EPOCH[0] > epoch
    assert len(table.routes) == 2
    table.add(DEFAULT_PREFIX, intern(R2), "eth0", 0, RouteOrigin.RA_DEFAULT, 10.0)
    assert len(table.routes) == 3


def test_with_prefix_inline_test_is_containment() -> None:
    table = AddressTable()
    addrs = ["2001:db8:1::a", "2001:db8:1:0:ffff::1", "2001:db8:2::a", "fe80::a"]
    for i, a in enumerate(addrs):
        table.add(AddressEntry(intern(a), 64, "eth0" if i != 1 else "eth1", AddrState.PREFERRED, Origin.SLAAC))
    for text in ("2001:db8:1::/64", "2001:db8::/32", "2001:db8:2::/64", "fe80::/10", "::/0"):
        fast = prefix_network(intern(text.split("/")[0]), int(text.split("/")[1]))
        for ifname in ("eth0", "eth1", "eth2"):
            assert table.with_prefix(ifname, fast) == table.with_prefix(ifname, IPv6Network(text))
            assert table.with_prefix(ifname, fast) == [
                e for e in table.for_interface(ifname) if e.addr in IPv6Network(text)
            ]


def _expected_expiry(node: IPv6Node) -> float:
    """The schedule as AddressTable.next_deadline and the routes' lifetimes give it."""
    times = [node.addresses.next_deadline(e.ifname, e.addr) for e in node.addresses.all()]
    times += [r.expires for r in node.routes.routes]
    return min((t for t in times if t > node.now - 1e-9), default=math.inf)


def test_schedule_expiry_is_the_earliest_deadline_ahead() -> None:
    node = IPv6Node("h")
    node.add_interface("eth0", "02:00:00:00:00:0a")
    node.handle_link_change(0.0, "eth0", True)
    node.add_address("eth0", A("2001:db8:1::a"), 64, dad=False)
    node.drain()
    cases = [
        (AddrState.PREFERRED, 30.0, 50.0),  # preferred lifetime first
        (AddrState.PREFERRED, 80.0, 50.0),  # preferred past valid: valid counts
        (AddrState.DEPRECATED, 20.0, 60.0),  # deprecated: only the valid lifetime
        (AddrState.PREFERRED, math.inf, math.inf),
    ]
    for state, preferred, valid in cases:
        entry = node.addresses.all()[-1]
        entry.state, entry.preferred_until, entry.valid_until = state, preferred, valid
        for route_expiry in (math.inf, 40.0, 10.0, -5.0):
            node.routes.add(DEFAULT_PREFIX, intern(R1), "eth0", 0, RouteOrigin.RA_DEFAULT, route_expiry)
            node.schedule_expiry()
            want = _expected_expiry(node)
            assert node.timers.get(("expiry",)) == (None if math.isinf(want) else want)


def test_home_address_option_header_is_one_value_per_home_address() -> None:
    fast, plain = intern("2001:db8:1::100"), A("2001:db8:1::100")
    h = home_address_header(fast)
    assert home_address_header(fast) is h
    assert home_address_header(plain) == h
    assert home_address_header(intern("2001:db8:1::101")) != h


def test_encode_reads_octets_of_plain_and_interned_addresses_alike() -> None:
    src, dst = "2001:db8:1::a", "2001:db8:2::b"
    hao = home_address_header(intern("2001:db8:1::100"))
    for ext in ((), (hao,)):
        fast = IPv6(intern(src), intern(dst), UDP(1000, 2000, b"x" * 20), ext)
        plain = IPv6(A(src), A(dst), UDP(1000, 2000, b"x" * 20), ext)
        assert encode_ipv6(fast) == encode_ipv6(plain)
        assert encode_ipv6(fast)[8:24] == A(src).packed and encode_ipv6(fast)[24:40] == A(dst).packed


def _reference_lookup(table: RoutingTable, dst: A, usable, reachable) -> object:  # noqa: ANN001
    """Step 13 the plain way: every matching usable route, sorted longest prefix, lowest metric, oldest first."""
    cands = sorted(
        (r for r in table.routes if r.matches(dst) and (usable is None or usable(r))),
        key=lambda r: (-r.prefix.prefixlen, r.metric, r.seq),
    )
    if not cands:
        return None
    top = (cands[0].prefix.prefixlen, cands[0].metric)
    best = [r for r in cands if (r.prefix.prefixlen, r.metric) == top]
    if reachable is not None and len(best) > 1:
        for r in best:
            if reachable(r):
                return r
    return best[0]


def test_lookup_in_one_pass_is_the_sorted_candidates_choice() -> None:
    table = RoutingTable()
    fast = prefix_network(intern("2001:db8:1::"), 64)
    table.add(DEFAULT_PREFIX, intern(R2), "eth0", 5, RouteOrigin.RA_DEFAULT)
    table.add(IPv6Network("2001:db8::/32"), intern(R1), "eth1", 0, RouteOrigin.MANUAL)
    table.add(fast, None, "eth0", 0, RouteOrigin.RA_PREFIX)
    table.add(DEFAULT_PREFIX, intern(R1), "eth0", 1, RouteOrigin.RA_DEFAULT)
    table.add(IPv6Network("2001:db8:1::/64"), intern(R2), "eth1", 0, RouteOrigin.MANUAL)  # ties with ``fast``
    table.add(IPv6Network("::/0"), intern("fe80::3"), "eth1", 1, RouteOrigin.MANUAL)  # ties with R1's default
    table.routes.reverse()  # table order is not insertion (seq) order
    dsts = [intern(a) for a in ("2001:db8:1::9", "2001:db8:7::1", "2001:db9::1", "fe80::9")] + [A("2001:db8:1::8")]
    asked: list[tuple] = []

    def usable_not(ifname: str | None):  # noqa: ANN202
        def usable(r):  # noqa: ANN001, ANN202
            asked.append(("usable", r.seq))
            return r.ifname != ifname

        return usable

    def reachable_is(hop: A | None):  # noqa: ANN202
        def reachable(r):  # noqa: ANN001, ANN202
            asked.append(("reachable", r.seq))
            return r.next_hop == hop

        return reachable

    for dst in dsts:
        for ifname in (None, "eth0", "eth1"):
            for hop in (None, intern(R1), intern("fe80::3"), intern(R2)):
                for usable in (None, usable_not(ifname)):
                    for reachable in (None, reachable_is(hop)):
                        asked.clear()
                        got = table.lookup(dst, usable, reachable)
                        asked_fast = list(asked)
                        asked.clear()
                        assert got is _reference_lookup(table, dst, usable, reachable)
                        assert asked_fast == asked  # the same questions, in the same order


def test_own_source_is_source_selection_then_has_address() -> None:
    """IPv6Node.own_source_for (UDP's one question per datagram) == source_address_for, kept if has_address."""
    from mip6lab import SCENARIOS, Lab

    lab = Lab(SCENARIOS["returning-home"], trace=False)
    dsts = [intern(a) for a in ("2001:db8:5::1", "fe80::1", "ff02::1", "ff0e::1")]
    checked = 0
    for until in (0.5, 3.0, 8.0, 15.0, 30.0):
        lab.run(until=until)
        for node in lab.world.nodes.values():
            dsts_here = dsts + [e.addr for e in node.addresses.all()]
            hooks = getattr(node, "mobility", None)
            if hooks is not None and hooks.home_address is not None:
                dsts_here.append(hooks.home_address)
            for dst in dsts_here:
                src = node.source_address_for(dst)
                want = src if src is not None and node.has_address(src) else None
                assert node.own_source_for(dst) is want
                checked += 1
    assert checked > 50
