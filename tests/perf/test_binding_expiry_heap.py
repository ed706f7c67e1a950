"""Binding expiry and Binding Refresh Requests fire in O(log N), not by scanning the table (issue 13)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from ipaddress import IPv6Address
from typing import Any

from mip6lab.mobility.binding_cache import BindingCache, BindingCacheEntry
from mip6lab.mobility.cn_maintenance import BindingMaintenance
from mip6lab.mobility.constants import LOG_LIMIT


class Clock:
    """The five things BindingMaintenance uses of its node (its NEEDS)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.timer: float | None = None
        self.handler: Callable[[Hashable], None] | None = None
        self.events: list[str] = []

    def register_timer_handler(self, kind: str, handler: Callable[[Hashable], None]) -> None:
        self.handler = handler

    def set_timer(self, key: Hashable, when: float) -> None:
        self.timer = when

    def cancel_timer(self, key: Hashable) -> None:
        self.timer = None

    def trace_event(self, category: str, message: str, **details: Any) -> None:
        self.events.append(message)

    def fire(self) -> None:
        assert self.timer is not None and self.handler is not None
        self.now, self.timer = self.timer, None
        self.handler(("bce",))


class CountingCache(BindingCache):
    scans = 0

    def entries(self) -> list[BindingCacheEntry]:
        self.scans += 1
        return super().entries()


def _hoa(i: int) -> IPv6Address:
    return IPv6Address(0x2001_0DB8_0001_0000 << 64 | 0x1000 + i)


def _maintained(n: int, *, tie: bool = False) -> tuple[Clock, CountingCache, BindingMaintenance, list[IPv6Address]]:
    clock, cache = Clock(), CountingCache()
    sent: list[IPv6Address] = []
    m = BindingMaintenance(clock, cache, send_brr=lambda e: sent.append(e.home_address) or True)  # type: ignore[arg-type]
    m.require_active_use = False
    for i in range(n):
        cache.create(0.0, _hoa(i), _hoa(10_000 + i), 200.0 if tie else 200.0 + i, home_registration=True)
        m.reschedule(_hoa(i))
    return clock, cache, m, sent


def test_firing_does_not_scan_the_binding_cache() -> None:
    n = 3000
    clock, cache, m, sent = _maintained(n)
    calls = 0
    original = m.brr_time

    def counting(e: BindingCacheEntry) -> float | None:
        nonlocal calls
        calls += 1
        return original(e)

    m.brr_time = counting  # type: ignore[method-assign]
    cache.scans = 0
    fired = 0
    while clock.timer is not None and clock.timer < 200.0 + 40:  # BRRs at 140 + i, expiries at 200 + i
        clock.fire()
        fired += 1
    assert sent == [_hoa(i) for i in range(100)]  # one Binding Refresh Request per binding, in time order
    assert len(cache) == n - 40 and cache.lookup(_hoa(40)) is not None  # 200..239 expired, one per firing
    assert fired == 100  # BRRs at 140..239; expiries 200..239 fall on the same instants
    assert cache.scans == 0  # the table was never walked
    assert calls < 12 * fired  # a few look-ups per firing, not n
    assert len(m.brrs_sent) == 100


def test_bindings_due_together_are_handled_in_table_order() -> None:
    clock, cache, m, sent = _maintained(50, tie=True)
    order = [e.home_address for e in cache.entries()]
    clock.fire()  # every BRR at 140
    assert sent == order
    clock.fire()  # every expiry at 200
    assert len(cache) == 0
    expired = [msg for msg in clock.events if msg.endswith("expired")]
    assert expired == [f"binding for {h} expired" for h in order]


def test_a_refreshed_binding_does_not_expire_at_its_old_time() -> None:
    clock, cache, m, sent = _maintained(3)
    cache.update(100.0, _hoa(0), lifetime=300.0)  # refreshed at 100: expires at 400, BRR at 340
    m.reschedule(_hoa(0))
    while clock.timer is not None and clock.timer <= 300.0:
        clock.fire()
    assert [e.home_address for e in cache.entries()] == [_hoa(0)]
    assert sent == [_hoa(1), _hoa(2)]


def test_the_refresh_request_log_is_bounded() -> None:
    clock, cache, m, sent = _maintained(LOG_LIMIT + 50)
    while clock.timer is not None:
        clock.fire()
    assert len(sent) == LOG_LIMIT + 50 and len(m.brrs_sent) == LOG_LIMIT
    assert m.brrs_sent[-1][1] == _hoa(LOG_LIMIT + 49)  # the newest are kept


def test_the_cache_heap_stays_bounded_under_refreshes() -> None:
    cache = BindingCache()
    cache.create(0.0, _hoa(0), _hoa(1), 100.0)
    for t in range(10_000):
        cache.update(float(t), _hoa(0), lifetime=100.0)  # never expires: no expire() call drains the heap
    assert len(cache._heap) <= 2 * len(cache) + 65
    assert cache.expire(10_098.0) == [] and [e.home_address for e in cache.expire(10_099.0)] == [_hoa(0)]
