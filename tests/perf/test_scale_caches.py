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
