"""Unit tests for the byte-free tables: neighbor cache (NUD), routing, addresses, destination cache."""

from __future__ import annotations

import math
import random
from ipaddress import IPv6Address as A
from ipaddress import IPv6Network as N

from mip6lab.ipv6 import constants as C
from mip6lab.ipv6.addresses import (
    AddressEntry,
    AddressTable,
    AddrState,
    interface_id_from_mac,
    link_local_from_mac,
    multicast_mac,
    solicited_node,
)
from mip6lab.ipv6.dest_cache import DestinationCache
from mip6lab.ipv6.interface import Interface
from mip6lab.ipv6.neighbor_cache import NeighborCache, NudState
from mip6lab.ipv6.routing import RoutingTable


class Harness:
    """Records what the cache asks its owner to do; fires timers by hand."""

    def __init__(self) -> None:
        self.ns: list[tuple[A, str | None]] = []
        self.timers: dict[tuple, float] = {}
        self.resolved: list[list] = []
        self.failed: list[tuple[A, list]] = []
        self.nc = NeighborCache(
            "eth0",
            random.Random(1),
            send_ns=lambda ifn, t, mac: self.ns.append((t, mac)),
            set_timer=self.timers.__setitem__,
            cancel_timer=lambda k: self.timers.pop(k, None),
            on_resolved=lambda e, q: self.resolved.append(q),
            on_failure=lambda e, q: self.failed.append((e.addr, q)),
        )

    def fire(self, addr: A) -> float:
        key = ("nud", "eth0", addr)
        at = self.timers.pop(key)
        self.nc.timer_expired(addr, at)
        return at


def test_address_resolution_success_flushes_queue() -> None:
    h = Harness()
    x = A("fe80::2")
    e = h.nc.resolve(x, "p1", 0.0)
    assert e.state == NudState.INCOMPLETE and h.ns == [(x, None)]
    h.nc.resolve(x, "p2", 0.1)
    h.nc.advertisement(x, "02:00:00:00:00:02", 0.2, solicited=True, override=True, router=False)
    assert e.state == NudState.REACHABLE and e.mac == "02:00:00:00:00:02"
    assert h.resolved == [["p1", "p2"]]


def test_address_resolution_failure_after_max_multicast_solicit() -> None:
    h = Harness()
    x = A("2001:db8::9")
    h.nc.resolve(x, "p", 0.0)
    for _ in range(C.MAX_MULTICAST_SOLICIT):
        h.fire(x)
    assert len(h.ns) == C.MAX_MULTICAST_SOLICIT
    assert h.failed == [(x, ["p"])] and h.nc.get(x) is None


def test_nud_walk_reachable_stale_delay_probe_deleted() -> None:
    h = Harness()
    x, mac = A("fe80::2"), "02:00:00:00:00:02"
    h.nc.resolve(x, "p", 0.0)
    h.nc.advertisement(x, mac, 0.0, solicited=True, override=True, router=False)
    states = [h.nc.state_of(x)]
    t = h.fire(x)  # ReachableTime
    assert 15.0 <= t <= 45.0
    states.append(h.nc.state_of(x))
    e = h.nc.resolve(x, "q", t + 1)
    assert e.mac == mac  # STALE still sends, to the cached address
    states.append(h.nc.state_of(x))
    t2 = h.fire(x)
    assert t2 == t + 1 + C.DELAY_FIRST_PROBE_TIME
    states.append(h.nc.state_of(x))
    assert h.ns[-1] == (x, mac)  # unicast probe
    for _ in range(C.MAX_UNICAST_SOLICIT):
        h.fire(x)
    states.append(h.nc.state_of(x))
    assert states == [NudState.REACHABLE, NudState.STALE, NudState.DELAY, NudState.PROBE, None]
    assert len([n for n in h.ns if n[1] == mac]) == C.MAX_UNICAST_SOLICIT
    assert h.failed == [(x, [])]


def test_delay_confirmed_by_upper_layer() -> None:
    h = Harness()
    x = A("fe80::2")
    h.nc.learned(x, "02:00:00:00:00:02", 0.0)
    assert h.nc.state_of(x) == NudState.STALE
    h.nc.resolve(x, "p", 1.0)
    assert h.nc.state_of(x) == NudState.DELAY
    h.nc.confirm_reachable(x, 2.0)
    assert h.nc.state_of(x) == NudState.REACHABLE


def test_na_without_override_does_not_replace_address() -> None:
    h = Harness()
    x = A("fe80::2")
    h.nc.resolve(x, "p", 0.0)
    h.nc.advertisement(x, "02:00:00:00:00:02", 0.0, solicited=True, override=True, router=False)
    h.nc.advertisement(x, "02:00:00:00:00:03", 1.0, solicited=True, override=False, router=False)
    assert h.nc.get(x).mac == "02:00:00:00:00:02" and h.nc.state_of(x) == NudState.STALE
    h.nc.advertisement(x, "02:00:00:00:00:03", 2.0, solicited=False, override=True, router=True)
    e = h.nc.get(x)
    assert e.mac == "02:00:00:00:00:03" and e.state == NudState.STALE and e.is_router


def test_routing_longest_prefix_then_metric_then_order() -> None:
    rt = RoutingTable()
    rt.add("::/0", A("fe80::1"), "eth0", metric=10)
    rt.add("2001:db8::/32", A("fe80::2"), "eth0", metric=5)
    rt.add("2001:db8:1::/48", A("fe80::3"), "eth1", metric=100)
    rt.add("2001:db8:1::/48", A("fe80::4"), "eth1", metric=1)
    rt.add("2001:db8:1::/48", A("fe80::5"), "eth1", metric=1)
    assert rt.lookup(A("2001:db8:1::7")).next_hop == A("fe80::4")
    assert rt.lookup(A("2001:db8:2::7")).next_hop == A("fe80::2")
    assert rt.lookup(A("3000::1")).next_hop == A("fe80::1")
    # among equals a reachable next hop wins
    r = rt.lookup(A("2001:db8:1::7"), reachable=lambda r: r.next_hop == A("fe80::5"))
    assert r.next_hop == A("fe80::5")
    rt.add("2001:db8:1::/64", None, "eth2")
    assert rt.lookup(A("2001:db8:1::7")).on_link


def test_route_expiry() -> None:
    rt = RoutingTable()
    rt.add("::/0", A("fe80::1"), "eth0", expires=10.0)
    assert rt.expired(9.0) == []
    assert len(rt.expired(10.0)) == 1 and rt.lookup(A("2001::1")) is None


def test_address_table_lifetimes() -> None:
    t = AddressTable()
    entry = AddressEntry(A("2001:db8::1"), 64, "eth0", AddrState.PREFERRED, preferred_until=5, valid_until=8)
    e = t.add(entry)
    assert t.is_assigned(e.addr) and t.next_deadline("eth0", e.addr) == 5
    assert t.update_lifetimes(5.0) == ([e], [])
    assert e.state == AddrState.DEPRECATED and t.is_assigned(e.addr)
    assert t.next_deadline("eth0", e.addr) == 8
    assert t.update_lifetimes(8.0) == ([], [e])
    assert not t.is_assigned(e.addr)
    t.add(AddressEntry(A("2001:db8::2"), 64, "eth0"))
    assert not t.is_assigned(A("2001:db8::2"))  # tentative


def test_an_address_assigned_on_any_interface_is_assigned() -> None:
    """The weak host model: the same address tentative (or duplicate) on one interface and preferred on another is
    assigned; the first entry added does not decide alone. Tentative everywhere, it is not."""
    t = AddressTable()
    a = A("2001:db8::7")
    first = t.add(AddressEntry(a, 64, "eth0", AddrState.TENTATIVE))
    second = t.add(AddressEntry(a, 64, "eth1", AddrState.TENTATIVE))
    assert t.find(a) is first and not t.is_assigned(a)
    second.state = AddrState.PREFERRED
    assert t.is_assigned(a)
    first.state = AddrState.DUPLICATE
    assert t.is_assigned(a)
    second.state = AddrState.DEPRECATED
    assert t.is_assigned(a)
    t.remove("eth1", a)
    assert not t.is_assigned(a)


def test_address_arithmetic() -> None:
    mac = "00:1b:21:aa:bb:cc"
    assert interface_id_from_mac(mac) == 0x021B21FFFEAABBCC
    assert link_local_from_mac(mac) == A("fe80::21b:21ff:feaa:bbcc")
    assert solicited_node(A("2001:db8::21b:21ff:feaa:bbcc")) == A("ff02::1:ffaa:bbcc")
    assert multicast_mac(A("ff02::1:ffaa:bbcc")) == "33:33:ff:aa:bb:cc"


def test_interface_filter() -> None:
    i = Interface("eth0", "02:00:00:00:00:01")
    assert i.accepts("02:00:00:00:00:01") and i.accepts("33:33:00:00:00:01")
    assert not i.accepts("33:33:ff:00:00:05")
    g = solicited_node(A("fe80::5"))
    i.join(g)
    assert i.accepts("33:33:ff:00:00:05")
    i.leave(g)
    assert not i.accepts("33:33:ff:00:00:05")


def test_destination_cache_flushes_on_route_change() -> None:
    rt, dc = RoutingTable(), DestinationCache()
    dc.sync(rt.version)
    dc.update(A("2001:db8::5"), A("fe80::1"), "eth0", None)
    dc.set_binding(A("2001:db8::5"), "bce")
    dc.sync(rt.version)
    assert dc.lookup(A("2001:db8::5")).binding == "bce"
    rt.add(N("::/0"), A("fe80::1"), "eth0")
    dc.sync(rt.version)
    assert dc.lookup(A("2001:db8::5")) is None
    assert math.isinf(rt.routes[0].expires)
