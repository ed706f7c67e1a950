"""Keeping a Binding Cache fresh (RFC 6275 §9.5.5, §9.6; white paper "three ways to recover from a
lost Binding Update").

* **Binding Refresh Request.** A correspondent asks for a new Binding Update when an entry *in
  active use* nears expiry; a home agent does it for its home registrations whether used or not
  (white paper "Binding Maintenance"). "Nears" and "active" are local policy: here the request goes
  ``brr_before_expiry`` seconds before expiry (UMIP's CN_BRR_TIME_THRESH is 60 s; never earlier than
  half the lifetime), and "active" means a packet was sent with the entry in the last
  ``active_window`` seconds (default: the same span). Home registrations need no active use.
* **Expiry.** An entry whose lifetime ran out is deleted; traffic falls back to the home address,
  i.e. to the home agent's tunnel.
* **NUD-driven loss.** If the router on the mobile node's old link gives up on the old care-of
  address (Neighbor Unreachability Detection), it returns ICMPv6 Destination Unreachable, code 3
  (address unreachable). The correspondent deletes every binding pointing at that care-of address.

One timer (key ``(kind,)``) serves the whole table.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Hashable
from ipaddress import IPv6Address
from typing import TYPE_CHECKING

from mip6lab.mobility.binding_cache import BindingCache, BindingCacheEntry
from mip6lab.mobility.constants import LOG_LIMIT
from mip6lab.wire import icmp as I
from mip6lab.wire.codec import DecodeError, decode_ipv6
from mip6lab.wire.ip import Addr

if TYPE_CHECKING:
    from mip6lab.ipv6.node import IPv6Node

__all__ = ["BindingMaintenance", "unreachable_destination"]


def unreachable_destination(msg: I.DestinationUnreachable) -> Addr | None:
    """The destination address of the packet a Destination Unreachable is about (the IPv6 header
    is always inside: RFC 4443 quotes as much of the invoking packet as fits)."""
    try:
        return decode_ipv6(msg.invoking).dst
    except DecodeError:
        if len(msg.invoking) >= 40:
            return IPv6Address(msg.invoking[24:40])  # truncated quote: the fixed header is still there
        return None


class BindingMaintenance:
    """Binding Refresh Requests, expiry and NUD-driven removal for one Binding Cache."""

    NEEDS = ("cancel_timer", "now", "register_timer_handler", "set_timer", "trace_event")
    """What this unit uses of its node: all it sees (a :class:`~mip6lab.mobility.ports.UnitPort`)."""

    def __init__(
        self,
        node: IPv6Node,
        cache: BindingCache,
        *,
        send_brr: Callable[[BindingCacheEntry], bool],
        on_removed: Callable[[BindingCacheEntry, str], None] = lambda e, why: None,
        brr_before_expiry: float | None = 60.0,
        require_active_use: bool = True,
        active_window: float | None = None,
        kind: str = "bce",
    ) -> None:
        self.node = node
        self.cache = cache
        self.send_brr = send_brr
        self.on_removed = on_removed
        self.brr_before_expiry = brr_before_expiry
        self.require_active_use = require_active_use
        self.active_window = active_window if active_window is not None else (brr_before_expiry or 0.0)
        self.kind = kind
        self.brrs_sent: deque[tuple[float, Addr]] = deque(maxlen=LOG_LIMIT)  # (time, home address): the newest
        self._brr_handled: dict[Addr, float] = {}  # home address -> entry.updated when its BRR was decided
        # Candidate times (expiry, BRR) of every entry, in a heap: the next one is found without scanning
        # the table, so one registration costs O(log N) however many bindings there are. Stale items
        # (the entry changed or went) are dropped when they reach the top.
        self._heap: list[tuple[float, int, Addr]] | None = None
        self._pushed = 0
        node.register_timer_handler(kind, self._timer)

    def brr_time(self, e: BindingCacheEntry) -> float | None:
        if self.brr_before_expiry is None or e.lifetime <= 0:
            return None
        if self._brr_handled.get(e.home_address) == e.updated:
            return None
        return e.expiry - min(self.brr_before_expiry, e.lifetime / 2)

    def _push(self, heap: list[tuple[float, int, Addr]], e: BindingCacheEntry) -> None:
        for t in (e.expiry, self.brr_time(e)):
            if t is not None:
                self._pushed += 1
                heapq.heappush(heap, (t, self._pushed, e.home_address))

    def _current(self, t: float, home_address: Addr) -> bool:
        e = self.cache.lookup(home_address)
        return e is not None and (t == e.expiry or t == self.brr_time(e))

    def reschedule(self, home_address: Addr | None = None) -> None:
        """Set the one timer to the next expiry or Binding Refresh Request, whichever is first.
        ``home_address``: only that binding changed (its new times are added to the heap); None: any
        may have changed (the heap is rebuilt from the table)."""
        heap = self._heap
        if home_address is None or heap is None:
            heap = self._heap = []
            for e in self.cache.entries():
                self._push(heap, e)
        else:
            e = self.cache.lookup(home_address)
            if e is not None:
                self._push(heap, e)
        self._arm()

    def _arm(self) -> None:
        """Drop stale items off the top of the heap and set the one timer to the first current one."""
        heap = self._heap
        if heap is None:
            self.reschedule()
            return
        while heap and not self._current(heap[0][0], heap[0][2]):
            heapq.heappop(heap)
        key = (self.kind,)
        if heap:
            self.node.set_timer(key, max(heap[0][0], self.node.now))
        else:
            self.node.cancel_timer(key)

    def _due(self, now: float) -> list[BindingCacheEntry]:
        """The entries whose Binding Refresh Request is due, in table order, from the heap (O(k log N));
        every popped entry's current times go back in."""
        heap = self._heap
        if heap is None:
            return [e for e in self.cache.entries() if (t := self.brr_time(e)) is not None and t <= now + 1e-9]
        popped: dict[Addr, None] = {}
        while heap and heap[0][0] <= now + 1e-9:
            popped[heapq.heappop(heap)[2]] = None
        due = []
        for hoa in popped:
            e = self.cache.lookup(hoa)
            if e is None:
                continue
            self._push(heap, e)  # its expiry (and a BRR not handled yet) stay scheduled
            t = self.brr_time(e)
            if t is not None and t <= now + 1e-9:
                due.append(e)
        if len(due) > 1:  # the table's order, as a scan would give (found only when several are due at once)
            order = {e.home_address: i for i, e in enumerate(self.cache.entries())}
            due.sort(key=lambda e: order[e.home_address])
        return due

    def _timer(self, key: Hashable) -> None:
        node, now = self.node, self.node.now
        for e in self.cache.expire(now):
            self._brr_handled.pop(e.home_address, None)
            node.trace_event("binding", f"binding for {e.home_address} expired", home_address=e.home_address)
            self.on_removed(e, "expired")
        for e in self._due(now):
            self._brr_handled[e.home_address] = e.updated
            if self.require_active_use and not e.home_registration and not e.used_since(now - self.active_window):
                node.trace_event("binding", f"binding for {e.home_address} near expiry but not in active use: no BRR")
                continue
            e.last_brr_sent = now
            e.brr_sent_count += 1
            self.brrs_sent.append((now, e.home_address))
            node.trace_event(
                "binding",
                f"Binding Refresh Request to {e.home_address} ({e.remaining(now):.0f} s left)",
                home_address=e.home_address,
            )
            self.send_brr(e)
        self._arm()

    def address_unreachable(self, careof_address: Addr) -> list[BindingCacheEntry]:
        """ICMPv6 address unreachable about ``careof_address``: delete the correspondent bindings
        (not home registrations) that point at it."""
        # the flag first: a home agent's cache is all home registrations (an address comparison costs more)
        gone = [e for e in self.cache.entries() if not e.home_registration and e.care_of_address == careof_address]
        for e in gone:
            self.cache.delete(e.home_address)
            self._brr_handled.pop(e.home_address, None)
            self.node.trace_event(
                "binding",
                f"care-of address {careof_address} unreachable: binding for {e.home_address} deleted",
                home_address=e.home_address,
            )
            self.on_removed(e, "care-of address unreachable")
        if gone:
            self.reschedule()
        return gone
