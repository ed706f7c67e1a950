"""The Binding Cache (RFC 6275 §9.1; white paper "Mobile IPv6 Data Structures").

Kept by correspondent nodes and home agents: one entry per mobile node home address, mapping it to
the care-of address the mobile node last registered. This module is only the table. Whether a Binding
Update is accepted, which lifetime is granted, when to send a Binding Refresh Request: those are
protocol decisions and belong to the node roles, which call the plain methods below.

Times are simulated seconds (the ``now`` the node was handed). Iteration order is deterministic: the
order in which the home addresses were first entered (a re-created entry goes to the end).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass, field
from ipaddress import IPv6Address

from mip6lab.wire.ip import Addr

__all__ = ["BindingCache", "BindingCacheEntry", "BindingCacheFull"]


class BindingCacheFull(Exception):
    """No room for a new entry: a home agent answers this with BA status 130 (§9.5.2, §10.3.1)."""


@dataclass(slots=True)
class BindingCacheEntry:
    """One binding. Fields follow RFC 6275 §9.1 and the white paper's list."""

    home_address: Addr  # the key: the mobile node's home address
    care_of_address: Addr  # where packets for the home address go now
    lifetime: float  # seconds granted from the last accepted Binding Update
    expiry: float  # simulated time at which the binding ends (lifetime counted from acceptance)
    home_registration: bool = False  # "set only for the binding cache entries on home agents"
    sequence_number: int = 0  # of the last accepted Binding Update (§9.5.1 window test)
    link_local_compat: bool = False  # L flag: the HA also defends the link-local address (§10.3.1)
    last_brr_sent: float | None = None  # "the time that the last binding request was sent" (§9.5.5)
    brr_sent_count: int = 0  # Binding Refresh Requests sent for this binding (rate limiting)
    created: float = 0.0  # when the entry was first created (for display)
    updated: float = 0.0  # when the last Binding Update was accepted
    usage_count: int = 0  # packets routed with this entry: "binding in active use" (§9.5.5)
    last_use: float | None = None

    def remaining(self, now: float) -> float:
        """Seconds left before the binding expires (never negative)."""
        return max(self.expiry - now, 0.0)

    def expired(self, now: float) -> bool:
        return now >= self.expiry

    def note_use(self, now: float) -> None:
        """Record that a packet was sent using this binding (the sending algorithm calls it)."""
        self.usage_count += 1
        self.last_use = now

    def used_since(self, since: float) -> bool:
        """True if the entry was used at or after ``since``: the CN's "in active use" test."""
        return self.last_use is not None and self.last_use >= since


def _addr(a: Addr | str) -> Addr:
    return a if isinstance(a, IPv6Address) else IPv6Address(a)


@dataclass
class BindingCache:
    """Home address -> :class:`BindingCacheEntry`, with lifetimes on the simulated clock.

    ``max_entries`` (None: unbounded) lets a scenario fill the cache to show status 130.
    """

    max_entries: int | None = None
    _entries: dict[Addr, BindingCacheEntry] = field(default_factory=dict, repr=False)
    # (expiry, creation number, home address) for every lifetime set by create/update: expire(now) pops
    # what is due instead of scanning the table (stale items are skipped; the heap is compacted when
    # they outnumber the entries). _order: creation number per entry, i.e. the table order.
    _heap: list[tuple[float, int, Addr]] = field(default_factory=list, repr=False)
    _order: dict[Addr, int] = field(default_factory=dict, repr=False)
    _created: int = field(default=0, repr=False)

    # ------------------------------------------------------------------ queries
    def lookup(self, home_address: Addr | str) -> BindingCacheEntry | None:
        """The entry for ``home_address``, or None. Expired entries stay until :meth:`expire` runs,
        so callers that care pass ``now`` to :meth:`lookup_valid`."""
        # an address hashes as its value: it hits as given (a text form misses and is parsed)
        e = self._entries.get(home_address)  # type: ignore[arg-type]
        if e is None and not isinstance(home_address, IPv6Address):
            e = self._entries.get(_addr(home_address))
        return e

    def lookup_valid(self, now: float, home_address: Addr | str) -> BindingCacheEntry | None:
        """Like :meth:`lookup` but treats an entry whose lifetime has run out as absent."""
        e = self.lookup(home_address)
        return None if e is None or e.expired(now) else e

    def remaining(self, now: float, home_address: Addr | str) -> float:
        """Remaining lifetime in seconds; 0.0 when there is no binding."""
        e = self.lookup(home_address)
        return 0.0 if e is None else e.remaining(now)

    def entries(self) -> list[BindingCacheEntry]:
        """All entries in deterministic (first-insertion) order."""
        return list(self._entries.values())

    @property
    def full(self) -> bool:
        return self.max_entries is not None and len(self._entries) >= self.max_entries

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, home_address: object) -> bool:
        try:
            return _addr(home_address) in self._entries  # type: ignore[arg-type]
        except ValueError:
            return False

    def __iter__(self) -> Iterator[BindingCacheEntry]:
        return iter(self.entries())

    # ------------------------------------------------------------------ changes
    def create(
        self,
        now: float,
        home_address: Addr | str,
        care_of_address: Addr | str,
        lifetime: float,
        *,
        sequence_number: int = 0,
        home_registration: bool = False,
        link_local_compat: bool = False,
    ) -> BindingCacheEntry:
        """Add a new binding. Raises KeyError if one exists (use :meth:`update`) and
        :class:`BindingCacheFull` if ``max_entries`` is reached."""
        hoa = _addr(home_address)
        if hoa in self._entries:
            raise KeyError(f"binding for {hoa} already exists")
        if self.full:
            raise BindingCacheFull(f"binding cache full ({self.max_entries} entries)")
        e = BindingCacheEntry(
            home_address=hoa,
            care_of_address=_addr(care_of_address),
            lifetime=float(lifetime),
            expiry=now + lifetime,
            home_registration=home_registration,
            sequence_number=sequence_number,
            link_local_compat=link_local_compat,
            created=now,
            updated=now,
        )
        self._entries[hoa] = e
        self._created += 1
        self._order[hoa] = self._created
        self._schedule(e)
        return e

    def _schedule(self, e: BindingCacheEntry) -> None:
        heap = self._heap
        if len(heap) > 2 * len(self._entries) + 64:  # mostly stale: rebuild from the table
            heap[:] = [(x.expiry, self._order[h], h) for h, x in self._entries.items()]
            heapq.heapify(heap)
        heapq.heappush(heap, (e.expiry, self._order[e.home_address], e.home_address))

    def update(
        self,
        now: float,
        home_address: Addr | str,
        *,
        care_of_address: Addr | str | None = None,
        lifetime: float | None = None,
        sequence_number: int | None = None,
        home_registration: bool | None = None,
        link_local_compat: bool | None = None,
    ) -> BindingCacheEntry:
        """Apply an accepted Binding Update to an existing entry; a new lifetime restarts the clock
        from ``now``. Raises KeyError if there is no entry."""
        hoa = _addr(home_address)
        e = self._entries[hoa]
        if care_of_address is not None:
            e.care_of_address = _addr(care_of_address)
        if lifetime is not None:
            e.lifetime = float(lifetime)
            e.expiry = now + lifetime
            e.last_brr_sent = None  # a fresh binding: the refresh-request cycle starts again
            e.brr_sent_count = 0
            self._schedule(e)
        if sequence_number is not None:
            e.sequence_number = sequence_number
        if home_registration is not None:
            e.home_registration = home_registration
        if link_local_compat is not None:
            e.link_local_compat = link_local_compat
        e.updated = now
        return e

    def create_or_update(
        self,
        now: float,
        home_address: Addr | str,
        care_of_address: Addr | str,
        lifetime: float,
        *,
        sequence_number: int = 0,
        home_registration: bool = False,
        link_local_compat: bool = False,
    ) -> BindingCacheEntry:
        """§9.5.2 "Requests to Cache a Binding": create the entry, or update it if present."""
        if self.lookup(home_address) is None:
            return self.create(
                now,
                home_address,
                care_of_address,
                lifetime,
                sequence_number=sequence_number,
                home_registration=home_registration,
                link_local_compat=link_local_compat,
            )
        return self.update(
            now,
            home_address,
            care_of_address=care_of_address,
            lifetime=lifetime,
            sequence_number=sequence_number,
            home_registration=home_registration,
            link_local_compat=link_local_compat,
        )

    def delete(self, home_address: Addr | str) -> BindingCacheEntry | None:
        """Remove the binding (de-registration, §9.5.3); returns the removed entry or None."""
        hoa = _addr(home_address)
        self._order.pop(hoa, None)
        return self._entries.pop(hoa, None)

    def expire(self, now: float) -> list[BindingCacheEntry]:
        """Remove every entry whose lifetime has run out at ``now``; return them in table order.
        O(k log N) for k due items: lifetimes are set by :meth:`create` and :meth:`update`."""
        heap, due = self._heap, {}
        while heap and heap[0][0] <= now:
            _t, _n, hoa = heapq.heappop(heap)
            e = self._entries.get(hoa)
            if e is not None and e.expired(now):
                due[hoa] = e
        gone = sorted(due.values(), key=lambda e: self._order[e.home_address])
        for e in gone:
            self.delete(e.home_address)
        return gone

    def next_expiry(self) -> float | None:
        """The earliest expiry time, so a node can set one timer for the whole table."""
        return min((e.expiry for e in self._entries.values()), default=None)
