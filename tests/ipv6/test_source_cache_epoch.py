"""Source-address selection's per-destination cache and what moves ``CONFIG_EPOCH`` (issue 13).

A lifetime refreshed by a Router Advertisement no longer moves the epoch (in a big lab that emptied every node's
cache between two of its packets); every change selection does read still does. The scenario test is the proof
that nothing selection reads was left out: at hundreds of instants of runs with movement, DAD, RA refreshes,
expiry and returning home, every node's cached answer is the answer of a fresh selection."""

from __future__ import annotations

import pytest

from mip6lab.ipv6.addresses import CONFIG_EPOCH, AddressEntry, AddressTable, AddrState, Origin
from mip6lab.ipv6.router_discovery import DEFAULT_PREFIX, prefix_network
from mip6lab.ipv6.routing import RouteOrigin, RoutingTable
from mip6lab.wire.addr import intern


def test_lifetimes_do_not_move_the_epoch_and_state_does() -> None:
    entry = AddressEntry(intern("2001:db8:1::a"), 64, "eth0", AddrState.PREFERRED, Origin.SLAAC, 10.0, 20.0)
    table = AddressTable()
    table.add(entry)
    epoch = CONFIG_EPOCH[0]
    entry.preferred_until = 50.0
    entry.valid_until = 90.0
    assert CONFIG_EPOCH[0] == epoch and (entry.preferred_until, entry.valid_until) == (50.0, 90.0)
    entry.state = AddrState.DEPRECATED
    assert CONFIG_EPOCH[0] > epoch
    for field, value in (("ifname", "eth1"), ("prefix_len", 48), ("origin", Origin.MANUAL)):
        epoch = CONFIG_EPOCH[0]
        setattr(entry, field, value)
        assert CONFIG_EPOCH[0] > epoch, field


def test_a_route_refresh_moves_the_epoch_only_when_metric_or_origin_change() -> None:
    table = RoutingTable()
    router = intern("fe80::1")
    route = table.add(DEFAULT_PREFIX, router, "eth0", 0, RouteOrigin.RA_DEFAULT, 10.0)
    epoch, version = CONFIG_EPOCH[0], table.version
    assert table.add(DEFAULT_PREFIX, router, "eth0", 0, RouteOrigin.RA_DEFAULT, 40.0) is route
    assert route.expires == 40.0 and CONFIG_EPOCH[0] == epoch
    assert table.version == version + 1  # the destination cache is still flushed (traces show step 1's answer)
    route.expires = 60.0
    assert CONFIG_EPOCH[0] == epoch
    table.add(DEFAULT_PREFIX, router, "eth0", 3, RouteOrigin.RA_DEFAULT, 60.0)
    assert route.metric == 3 and CONFIG_EPOCH[0] > epoch
    epoch = CONFIG_EPOCH[0]
    table.add(DEFAULT_PREFIX, router, "eth0", 3, RouteOrigin.MANUAL, 60.0)
    assert route.origin is RouteOrigin.MANUAL and CONFIG_EPOCH[0] > epoch
    epoch = CONFIG_EPOCH[0]
    table.add(prefix_network(intern("2001:db8:1::"), 64), None, "eth0", 0, RouteOrigin.RA_PREFIX, 10.0)
    assert CONFIG_EPOCH[0] > epoch  # a new route
    epoch = CONFIG_EPOCH[0]
    table.expired(now=30.0)  # the prefix route's lifetime ran out: removed, and that moves it
    assert len(table.routes) == 1 and CONFIG_EPOCH[0] > epoch


def _fresh_choice(node, dst):  # noqa: ANN001, ANN202 - what source_address_for answers with no cache at all
    octets = dst.packed
    link_scope = dst.is_link_local or (octets[0] == 0xFF and (octets[1] & 0x0F) <= 2)
    hooks = node.mobility
    if hooks is not None and not link_scope and hooks.is_mobile_node() and hooks.home_address is not None:
        return hooks.home_address
    return node._select_source(dst, link_scope)


@pytest.mark.parametrize(("scenario", "until"), [("returning-home", 40.0), ("scale", 25.0)])
def test_the_cached_source_is_always_a_fresh_selection(scenario: str, until: float) -> None:
    from mip6lab import SCENARIOS, Lab

    spec = SCENARIOS[scenario]
    lab = Lab(spec.with_parameters(mobile_nodes=6) if scenario == "scale" else spec, trace=False)
    nodes = list(lab.world.nodes.values())
    fixed = [intern(a) for a in ("2001:db8:5::1", "2001:db8:1::99", "fe80::1", "ff02::1", "ff0e::1")]
    sim = lab.world.sim
    checks = hits = 0
    epoch_moves = 0
    step = 0
    while sim.peek() is not None and sim.peek() <= until:
        before = CONFIG_EPOCH[0]
        sim.step()
        epoch_moves += CONFIG_EPOCH[0] != before
        step += 1
        if step % 7:
            continue
        for node in nodes:
            dsts = fixed + [e.addr for e in node.addresses.all()][:4]
            for dst in dsts:
                cached = node._source_epoch == CONFIG_EPOCH[0] and dst in node._source_cache
                got = node.source_address_for(dst)
                assert got == _fresh_choice(node, dst), (node.name, str(dst), sim.now)
                checks += 1
                hits += cached
    assert checks > 2000 and hits > checks // 4  # the cache was really asked, and really answered
    assert epoch_moves > 10  # and it was really invalidated on the way (DAD, movement, expiry)
