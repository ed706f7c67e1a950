"""Bookkeeping that keeps big labs' caches O(1) per operation (issue 13): the neighbor cache's
count of resolutions in progress and the destination cache's next-hop index must always agree
with a scan of the whole cache, which is what the code did before."""

from __future__ import annotations

import random

from mip6lab.ipv6.dest_cache import DestinationCache
from mip6lab.ipv6.neighbor_cache import NeighborCache, NudState
from mip6lab.wire.ip import Addr


def _scan_incomplete(nc: NeighborCache) -> int:
    return sum(1 for e in nc.entries.values() if e.state is NudState.INCOMPLETE)


def test_incomplete_count_follows_every_way_in_and_out() -> None:
    """Resolutions started, answered (solicited and not), learned from an NS/RA, timed out, deleted,
    evicted, cleared; the limit refuses exactly when the scan says it is reached."""
    rng = random.Random(5)
    timers: dict[tuple, float] = {}
    failed: list[Addr] = []
    nc = NeighborCache(
        "eth0",
        random.Random(1),
        send_ns=lambda ifn, t, mac: None,
        set_timer=timers.__setitem__,
        cancel_timer=lambda k: timers.pop(k, None),
        on_resolved=lambda e, q: None,
        on_failure=lambda e, q: failed.append(e.addr),
    )
    nc.incomplete_limit = 40
    nc.limit = 120
    addrs = [Addr(f"2001:db8::{i:x}") for i in range(1, 200)]
    now = 0.0
    refused = 0
    for _step in range(6000):
        now += 0.01
        a = rng.choice(addrs)
        op = rng.random()
        if op < 0.4:
            before = _scan_incomplete(nc)
            known = a in nc.entries
            e = nc.resolve(a, "p", now)
            if not known and a not in nc.entries:
                refused += 1
                assert before >= nc.incomplete_limit or len(nc.entries) >= nc.limit
            assert e is not None
        elif op < 0.55:
            nc.advertisement(a, "02:00:00:00:00:01", now, solicited=rng.random() < 0.5, override=True, router=False)
        elif op < 0.65:
            nc.learned(a, "02:00:00:00:00:02", now)
        elif op < 0.85:
            due = [k for k, t in timers.items() if t <= now + 1.0]
            for k in due[:3]:
                t = timers.pop(k)
                nc.timer_expired(k[2], t)
        elif op < 0.95:
            nc.delete(a)
        elif op < 0.953:
            nc.clear()
        assert nc._incomplete() == _scan_incomplete(nc)
    assert refused > 0 and failed  # the limit and the time-outs were both exercised


def test_invalidate_by_next_hop_matches_a_scan() -> None:
    """Entries re-pointed at other next hops, evicted, flushed, invalidated by interface or next hop:
    ``invalidate(next_hop=)`` drops exactly what the scan of every entry drops, and the index stays
    bounded."""
    rng = random.Random(9)
    dc = DestinationCache(limit=50)
    hops = [Addr(f"fe80::{i}") for i in range(1, 8)]
    dsts = [Addr(f"2001:db8:1::{i:x}") for i in range(1, 120)]
    for _step in range(8000):
        op = rng.random()
        if op < 0.7:
            dc.update(rng.choice(dsts), rng.choice(hops), rng.choice(["eth0", "eth1"]), None)
        elif op < 0.95:
            hop = rng.choice(hops)
            ifname = rng.choice([None, "eth0", "eth1"])
            expected = {
                d for d, e in dc.entries.items() if e.next_hop == hop and (ifname is None or e.ifname == ifname)
            }
            left = {d: e for d, e in dc.entries.items() if d not in expected}
            assert dc.invalidate(ifname, next_hop=hop) == len(expected)
            assert dc.entries == left
        elif op < 0.97:
            dc.invalidate("eth1")
        else:
            dc.sync(rng.randrange(3))
        assert dc._via_size <= 2 * len(dc.entries) + 64 + 1


class _Node:
    def __init__(self, name: str, iface: object) -> None:
        self.name = name
        self.interfaces = {"eth0": iface}


class _Sniffer:
    """An end without group indexes (asked each time), in promiscuous mode or not."""

    def __init__(self, mac: str, promiscuous: bool) -> None:
        self.mac = mac
        self.promiscuous = promiscuous

    def accepts(self, dst_mac: str) -> bool:
        return dst_mac == self.mac


def test_kept_receivers_match_a_fresh_lookup_through_moves() -> None:
    """Ends attach and detach (some share a MAC), join and leave groups, a sniffer and an unindexed
    end come and go: every kept answer of ``deliveries`` equals a fresh ``receivers`` computation."""
    from mip6lab.ipv6.interface import Interface
    from mip6lab.net.link import Link

    rng = random.Random(3)
    link = Link("l")
    macs = [f"02:00:00:00:00:{i:02x}" for i in range(12)] + ["02:00:00:00:00:00"]
    groups = [Addr(f"ff02::1:ff00:{i:x}") for i in range(4)]
    nodes = [_Node(f"n{i}", Interface("eth0", macs[i])) for i in range(len(macs))]
    nodes.append(_Node("sniff", _Sniffer("02:00:00:00:01:00", True)))
    nodes.append(_Node("plain", _Sniffer("02:00:00:00:01:01", False)))
    dsts = [bytes.fromhex(m.replace(":", "")) for m in macs] + [
        b"\xff" * 6,
        b"\x33\x33\x00\x00\x00\x01",
        *(bytes.fromhex("3333ff00000" + f"{i:x}") for i in range(4)),
    ]
    checked = 0
    plain = nodes.pop()  # the unindexed end joins for the second half only (group frames are not kept then)
    for step in range(6000):
        if step == 3000:
            nodes.append(plain)
        node = rng.choice(nodes)
        key = (node.name, "eth0")
        op = rng.random()
        if op < 0.04:
            if link.is_attached(*key):
                link.detach(*key)
            else:
                link.attach(node, "eth0")
        elif op < 0.2 and isinstance(node.interfaces["eth0"], Interface):
            iface = node.interfaces["eth0"]
            g = rng.choice(groups)
            iface.leave(g) if iface.in_group(g) and rng.random() < 0.5 else iface.join(g)
        else:
            dst = rng.choice(dsts)
            sender = rng.choice([None, *link.ends])
            targets, names = link.deliveries(dst, sender)
            fresh = link.receivers(dst.hex(":"), bool(dst[0] & 1), sender)
            assert [(n.name, i) for n, i in targets] == [(n.name, i) for n, i in fresh]
            assert names == tuple(n.name for n, _ in fresh)
            checked += 1
    assert checked > 4000
