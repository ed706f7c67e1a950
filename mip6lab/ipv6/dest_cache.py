"""The destination cache (sending algorithm steps 1-5, 15).

It remembers, per destination, the next hop and interface the routing table chose, so that the
next packet skips the route lookup. For Mobile IPv6 an entry can also point at a binding cache
entry: the destination is a mobile node away from home, and packets go to its care-of address
with a Type 2 Routing header (white paper step 3-4). The pointer is whatever object the mobility
code keeps (it needs ``home_address`` and ``care_of_address``).

The cache is emptied whenever the routing table changes, or an interface goes down or changes
link - correct, and simpler than working out which entries a change affects. It holds at most
``limit`` destinations (RFC 4861 §5.3 lets a node garbage-collect it): a router forwarding to many
destinations (a scan) replaces the oldest entry rather than growing without bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mip6lab.ipv6.constants import DEST_CACHE_LIMIT
from mip6lab.ipv6.routing import Route
from mip6lab.wire.ip import Addr


@dataclass(slots=True)
class DestinationEntry:
    dst: Addr
    next_hop: Addr
    ifname: str
    route: Route | None = None  # the route it came from (None: assumed on-link, step 14)
    binding: Any = None  # pointer to a binding cache entry (mobility), step 3
    pmtu: int | None = None


class DestinationCache:
    def __init__(self, limit: int = DEST_CACHE_LIMIT) -> None:
        self.entries: dict[Addr, DestinationEntry] = {}
        self.routes_version = -1
        self.limit = limit  # at most this many destinations; the oldest makes room for a new one
        self.evicted = 0
        # next hop -> destinations whose entry went to it (some since replaced or gone, checked when
        # used): a neighbor found unreachable drops its entries without visiting the whole cache (a
        # router's holds two per mobile node; issue 13). Rebuilt from ``entries`` when it outgrows them.
        self._via: dict[Addr, dict[Addr, None]] = {}
        self._via_size = 0

    def lookup(self, dst: Addr) -> DestinationEntry | None:
        return self.entries.get(dst)

    def update(self, dst: Addr, next_hop: Addr, ifname: str, route: Route | None) -> DestinationEntry:
        """Step 15: remember the route's answer for ``dst`` (keeping a binding pointer if any)."""
        old = self.entries.get(dst)
        if old is None and len(self.entries) >= self.limit:
            del self.entries[next(iter(self.entries))]  # garbage-collect the oldest (§5.3)
            self.evicted += 1
        e = DestinationEntry(dst, next_hop, ifname, route, old.binding if old else None)
        self.entries[dst] = e
        via = self._via.get(next_hop)
        if via is None:
            via = self._via[next_hop] = {}
        if dst not in via:
            via[dst] = None
            self._via_size += 1
            if self._via_size > 2 * len(self.entries) + 64:
                self._reindex()
        return e

    def _reindex(self) -> None:
        self._via = {}
        for d, e in self.entries.items():
            self._via.setdefault(e.next_hop, {})[d] = None
        self._via_size = len(self.entries)

    def set_binding(self, dst: Addr, binding: Any) -> None:
        e = self.entries.get(dst)
        if e is not None:
            e.binding = binding

    def invalidate(self, ifname: str | None = None, next_hop: Addr | None = None) -> int:
        """Drop entries using ``ifname`` and/or ``next_hop`` (both None: everything)."""
        entries = self.entries
        if next_hop is None:
            gone = [d for d, e in entries.items() if ifname is None or e.ifname == ifname]
        else:
            via = self._via.pop(next_hop, {})
            self._via_size -= len(via)
            gone = [d for d in via if (e := entries.get(d)) is not None and e.next_hop == next_hop]
            if ifname is not None:
                kept = [d for d in gone if entries[d].ifname != ifname]
                if kept:
                    self._via[next_hop] = dict.fromkeys(kept)
                    self._via_size += len(kept)
                    gone = [d for d in gone if entries[d].ifname == ifname]
        for d in gone:
            del entries[d]
        return len(gone)

    def sync(self, routes_version: int) -> None:
        """Flush when the routing table changed since the entries were made."""
        if routes_version != self.routes_version:
            self.entries.clear()
            self._via.clear()
            self._via_size = 0
            self.routes_version = routes_version
