"""The neighbor cache and Neighbor Unreachability Detection (RFC 4861 §7.2, §7.3, Appendix C).

One :class:`NeighborCache` per interface. Each entry walks the NUD state machine:

``INCOMPLETE`` address resolution in progress: multicast NS sent, packets queued.
``REACHABLE``  recently confirmed (solicited NA or an upper-layer hint) - for ReachableTime.
``STALE``      not known to be reachable; nothing happens until a packet is sent to it.
``DELAY``      a packet was sent while STALE: wait DELAY_FIRST_PROBE_TIME for an upper-layer hint.
``PROBE``      unicast NS every RetransTimer, up to MAX_UNICAST_SOLICIT, then the entry is deleted.

The cache does no I/O: it calls back into its owner (the node) to send a Neighbor Solicitation,
set or cancel a timer, flush queued packets when resolution succeeds, or report failure (the node
then sends ICMPv6 Destination Unreachable, code 3, for each queued packet).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from random import Random
from typing import Any

from mip6lab.ipv6 import constants as C
from mip6lab.wire.ip import Addr


class NudState(Enum):
    INCOMPLETE = "INCOMPLETE"
    REACHABLE = "REACHABLE"
    STALE = "STALE"
    DELAY = "DELAY"
    PROBE = "PROBE"


#: The state machine as data (RFC 4861 Appendix C), for diagrams and tests. "NA(S,O)" means a
#: Neighbor Advertisement with those flags; "same"/"diff" compares its link-layer address with the
#: cached one. ``None`` as the next state means "entry deleted".
TRANSITIONS: tuple[tuple[str, str, str | None], ...] = (
    ("-", "packet to send", "INCOMPLETE"),
    ("-", "NS/RS/RA with link-layer address", "STALE"),
    ("INCOMPLETE", "retransmit timeout, N < MAX_MULTICAST_SOLICIT", "INCOMPLETE"),
    ("INCOMPLETE", "retransmit timeout, N = MAX_MULTICAST_SOLICIT", None),
    ("INCOMPLETE", "NA, S=1", "REACHABLE"),
    ("INCOMPLETE", "NA, S=0", "STALE"),
    ("INCOMPLETE", "NS/RS/RA with link-layer address", "STALE"),
    ("REACHABLE", "ReachableTime expires", "STALE"),
    ("REACHABLE", "NA S=1 O=0 diff", "STALE"),
    ("REACHABLE", "NA S=0 diff", "STALE"),
    ("STALE", "packet to send", "DELAY"),
    ("DELAY", "upper-layer reachability confirmation", "REACHABLE"),
    ("DELAY", "DELAY_FIRST_PROBE_TIME expires", "PROBE"),
    ("PROBE", "retransmit timeout, N < MAX_UNICAST_SOLICIT", "PROBE"),
    ("PROBE", "retransmit timeout, N = MAX_UNICAST_SOLICIT", None),
    ("any but INCOMPLETE", "NA S=1 (O=1 or same)", "REACHABLE"),
    ("any but INCOMPLETE", "NA S=0 O=1 diff", "STALE"),
    ("any but INCOMPLETE", "NS/RS/RA with diff link-layer address", "STALE"),
)


@dataclass(slots=True)
class NeighborEntry:
    """RFC 4861 §5.1 neighbor cache entry."""

    addr: Addr
    ifname: str
    state: NudState
    mac: str | None = None
    is_router: bool = False
    probes_sent: int = 0
    queue: list[Any] = field(default_factory=list)  # packets waiting for address resolution


SendNS = Callable[[str, Addr, "str | None"], None]  # (ifname, target, unicast MAC or None = multicast)
Flush = Callable[[NeighborEntry, list[Any]], None]


class NeighborCache:
    """Neighbor cache of one interface, with the NUD state machine and its timers."""

    def __init__(
        self,
        ifname: str,
        rng: Random,
        *,
        send_ns: SendNS,
        set_timer: Callable[[tuple, float], None],
        cancel_timer: Callable[[tuple], None],
        on_resolved: Flush,
        on_failure: Flush,
        on_event: Callable[..., None] = lambda *a, **k: None,
    ) -> None:
        self.ifname = ifname
        self.rng = rng
        self._send_ns = send_ns
        self._set_timer = set_timer
        self._cancel_timer = cancel_timer
        self._on_resolved = on_resolved
        self._on_failure = on_failure
        self._on_event = on_event
        self.entries: dict[Addr, NeighborEntry] = {}
        self.limit = C.NEIGHBOR_CACHE_LIMIT  # entries in all; a new one replaces the oldest STALE one
        self.incomplete_limit = C.NEIGHBOR_INCOMPLETE_LIMIT  # address resolutions in progress at once
        # the INCOMPLETE entries (resolve() creates them; _enter and the deletions drop them): resolutions
        # in progress are counted without visiting the whole cache (a router's holds thousands; issue 13)
        self._resolving: dict[Addr, NeighborEntry] = {}
        self.retrans_timer = C.RETRANS_TIMER
        self.base_reachable_time = C.REACHABLE_TIME
        self.reachable_time = self._random_reachable_time()

    # ---------------------------------------------------------------- configuration
    def _random_reachable_time(self) -> float:
        """§6.3.2: ReachableTime is BaseReachableTime times a random factor in [0.5, 1.5]."""
        return self.base_reachable_time * self.rng.uniform(C.MIN_RANDOM_FACTOR, C.MAX_RANDOM_FACTOR)

    def set_base_reachable_time(self, seconds: float) -> None:
        if seconds != self.base_reachable_time:
            self.base_reachable_time = seconds
            self.reachable_time = self._random_reachable_time()

    def timer_key(self, addr: Addr) -> tuple:
        return ("nud", self.ifname, addr)

    # ---------------------------------------------------------------- queries
    def get(self, addr: Addr) -> NeighborEntry | None:
        return self.entries.get(addr)

    def state_of(self, addr: Addr) -> NudState | None:
        e = self.entries.get(addr)
        return e.state if e else None

    # ---------------------------------------------------------------- helpers
    def _enter(self, e: NeighborEntry, state: NudState, now: float) -> None:
        old = e.state
        e.state = state
        if old is NudState.INCOMPLETE:
            self._resolving.pop(e.addr, None)
        key = self.timer_key(e.addr)
        if state == NudState.REACHABLE:
            e.probes_sent = 0
            self._set_timer(key, now + self.reachable_time)
        elif state == NudState.DELAY:
            self._set_timer(key, now + C.DELAY_FIRST_PROBE_TIME)
        elif state == NudState.STALE:
            e.probes_sent = 0
            self._cancel_timer(key)
        if old != state:
            self._on_event(f"{e.addr}: {old.value} -> {state.value}", addr=e.addr, old=old, new=state)

    def _flush(self, e: NeighborEntry) -> None:
        if e.queue:
            queued, e.queue = e.queue, []
            self._on_resolved(e, queued)

    def _make_room(self) -> bool:
        """Below ``limit``, or room made by deleting the oldest STALE entry (§7.3.5: a node may
        garbage-collect entries not in use); False when every entry is in use."""
        if len(self.entries) < self.limit:
            return True
        for addr, e in self.entries.items():
            if e.state is NudState.STALE:
                self.delete(addr)
                return True
        return False

    def _incomplete(self) -> int:
        """How many cached entries are INCOMPLETE (resolutions in progress)."""
        return len(self._resolving)

    def delete(self, addr: Addr) -> NeighborEntry | None:
        e = self.entries.pop(addr, None)
        if e is not None:
            self._resolving.pop(addr, None)
            self._cancel_timer(self.timer_key(addr))
        return e

    def clear(self) -> list[NeighborEntry]:
        """Forget every neighbor (link change). Returns the entries removed, queues included."""
        out = list(self.entries.values())
        for e in out:
            self._cancel_timer(self.timer_key(e.addr))
        self.entries.clear()
        self._resolving.clear()
        return out

    # ---------------------------------------------------------------- events
    def resolve(self, addr: Addr, packet: Any, now: float) -> NeighborEntry:
        """A packet must go to neighbor ``addr`` (sending algorithm steps 16-18).

        Returns the entry; if it is INCOMPLETE the packet was queued (and the caller must not send
        it now), otherwise the caller sends it to ``entry.mac``. A STALE entry moves to DELAY.
        """
        e = self.entries.get(addr)
        if e is None:
            e = NeighborEntry(addr, self.ifname, NudState.INCOMPLETE)
            if self._incomplete() >= self.incomplete_limit or not self._make_room():
                # RFC 6583 §7.1: bound resolutions in progress; this one fails at once (the owner
                # answers as for a failed resolution) instead of filling memory during a scan.
                self._on_event(
                    f"{addr}: neighbor cache full, address resolution refused", addr=addr, old=None, new=None
                )
                self._on_failure(e, [packet])
                return e
            self.entries[addr] = e
            self._resolving[addr] = e
            self._on_event(f"{addr}: address resolution started", addr=addr, old=None, new=e.state)
            e.queue.append(packet)
            e.probes_sent = 1
            self._send_ns(self.ifname, addr, None)
            self._set_timer(self.timer_key(addr), now + self.retrans_timer)
            return e
        if e.state == NudState.INCOMPLETE:
            if len(e.queue) >= C.NEIGHBOR_QUEUE_LIMIT:
                e.queue.pop(0)  # RFC 4861 §7.2.2: replace the oldest queued packet
            e.queue.append(packet)
        elif e.state == NudState.STALE:
            self._enter(e, NudState.DELAY, now)
        return e

    def timer_expired(self, addr: Addr, now: float) -> None:
        e = self.entries.get(addr)
        if e is None:
            return
        if e.state == NudState.INCOMPLETE:
            if e.probes_sent < C.MAX_MULTICAST_SOLICIT:
                e.probes_sent += 1
                self._send_ns(self.ifname, addr, None)
                self._set_timer(self.timer_key(addr), now + self.retrans_timer)
            else:
                del self.entries[addr]
                self._resolving.pop(addr, None)
                self._on_event(f"{addr}: address resolution failed", addr=addr, old=e.state, new=None)
                queued, e.queue = e.queue, []
                self._on_failure(e, queued)
        elif e.state == NudState.REACHABLE:
            self._enter(e, NudState.STALE, now)
        elif e.state == NudState.DELAY:
            self._enter(e, NudState.PROBE, now)
            e.probes_sent = 1
            self._send_ns(self.ifname, addr, e.mac)
            self._set_timer(self.timer_key(addr), now + self.retrans_timer)
        elif e.state == NudState.PROBE:
            if e.probes_sent < C.MAX_UNICAST_SOLICIT:
                e.probes_sent += 1
                self._send_ns(self.ifname, addr, e.mac)
                self._set_timer(self.timer_key(addr), now + self.retrans_timer)
            else:
                del self.entries[addr]
                self._on_event(f"{addr}: unreachable, entry deleted", addr=addr, old=e.state, new=None)
                self._on_failure(e, [])

    def confirm_reachable(self, addr: Addr, now: float) -> None:
        """Upper-layer reachability confirmation (e.g. TCP saw new data acknowledged), §7.3.1."""
        e = self.entries.get(addr)
        if e is not None and e.state != NudState.INCOMPLETE:
            self._enter(e, NudState.REACHABLE, now)

    def learned(self, addr: Addr, mac: str, now: float, is_router: bool | None = None) -> NeighborEntry:
        """A NS, RS, RA or Redirect carried ``addr``'s link-layer address (§7.2.3, §6.3.4)."""
        e = self.entries.get(addr)
        if e is None:
            e = NeighborEntry(addr, self.ifname, NudState.STALE, mac)
            if not self._make_room():
                return e  # full of entries in use: not remembered (a flood of spoofed sources)
            self.entries[addr] = e
            self._on_event(f"{addr}: learned {mac}", addr=addr, old=None, new=e.state)
        elif e.state == NudState.INCOMPLETE:
            e.mac = mac
            self._cancel_timer(self.timer_key(addr))
            self._enter(e, NudState.STALE, now)
            self._flush(e)
        elif e.mac != mac:
            e.mac = mac
            self._enter(e, NudState.STALE, now)
        if is_router is not None:
            e.is_router = is_router
        return e

    def advertisement(
        self, addr: Addr, mac: str | None, now: float, *, solicited: bool, override: bool, router: bool
    ) -> NeighborEntry | None:
        """A Neighbor Advertisement for target ``addr`` (§7.2.5). No entry -> silently ignored."""
        e = self.entries.get(addr)
        if e is None:
            return None
        if e.state == NudState.INCOMPLETE:
            if mac is None:
                return e  # no Target link-layer address option: nothing to learn
            e.mac = mac
            e.is_router = router
            self._cancel_timer(self.timer_key(addr))
            self._enter(e, NudState.REACHABLE if solicited else NudState.STALE, now)
            self._flush(e)
            return e
        same = mac is None or mac == e.mac
        if not override and not same:
            # The advertisement may not replace the cached address; a REACHABLE entry becomes STALE.
            if e.state == NudState.REACHABLE:
                self._enter(e, NudState.STALE, now)
            return e
        if mac is not None:
            e.mac = mac
        if solicited:
            self._enter(e, NudState.REACHABLE, now)
        elif not same:
            self._enter(e, NudState.STALE, now)
        e.is_router = router
        self._flush(e)
        return e
