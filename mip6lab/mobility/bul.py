"""The Binding Update List (RFC 6275 §11.1; white paper "Mobile IPv6 Data Structures").

Kept by the mobile node: one entry per (destination, home address) for each node it sent a Binding
Update to -- its home agent and the correspondents it does route optimisation with. The entry also
holds §11.1's return-routability state for a correspondent (cookies, keygen tokens and when they
arrived, nonce indices), so the entry exists from the first Home/Care-of Test Init on, and what the
registration units would otherwise keep beside it (the Sequence Number awaiting a BA, the Kbm of a
correspondent BU, the care-of address the home agent holds) and the state of its machine
(:data:`~mip6lab.mobility.machines.BUL_ENTRY`): the entry is the one truth for a registration. The list
also keeps the sender's Sequence Number counters (:class:`SequenceNumbers`), which outlive its entries.

Like the binding cache this is only the table: what to send and when is decided by the mobile node.
Times are simulated seconds; iteration order is the order the entries were added.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from ipaddress import IPv6Address

from mip6lab.mobility.backoff import Backoff
from mip6lab.mobility.constants import MAX_TOKEN_LIFETIME
from mip6lab.mobility.machines import BULEntryState
from mip6lab.wire.ip import Addr

__all__ = [
    "BindingUpdateList",
    "BindingUpdateListEntry",
    "Retransmission",
    "ReturnRoutabilityState",
    "RRState",
    "SequenceNumbers",
    "sequence_numbers_of",
]


def _addr(a: Addr | str) -> Addr:
    return a if isinstance(a, IPv6Address) else IPv6Address(a)


@dataclass(slots=True)
class Retransmission:
    """§11.1 "the state of any retransmissions needed": when to resend, and the back-off state.

    ``next_time`` is None when nothing is outstanding.
    """

    next_time: float | None = None
    backoff: Backoff | None = None

    @property
    def pending(self) -> bool:
        return self.next_time is not None

    @property
    def retries(self) -> int:
        return 0 if self.backoff is None else self.backoff.retries

    @property
    def timeout(self) -> float | None:
        """The wait that will be used after the next (re)transmission."""
        return None if self.backoff is None else self.backoff.peek()

    def start(self, now: float, initial_timeout: float) -> float:
        """A new message was just sent at ``now``: arm the first timeout; returns the resend time."""
        self.backoff = Backoff(initial_timeout)
        self.next_time = now + self.backoff.next_timeout()
        return self.next_time

    def retransmitted(self, now: float) -> float:
        """The message was resent at ``now``: back off and return the next resend time."""
        if self.backoff is None:
            raise RuntimeError("retransmitted() before start()")
        self.next_time = now + self.backoff.next_timeout()
        return self.next_time

    def stop(self) -> None:
        """The answer came (or we gave up)."""
        self.next_time = None
        self.backoff = None


class RRState(Enum):
    """Where the return-routability procedure with one correspondent stands (§5.2, §11.6)."""

    IDLE = "idle"  # nothing under way
    WAIT_BOTH = "wait HoT+CoT"  # HoTI and CoTI sent, neither answered
    WAIT_HOT = "wait HoT"  # only the Home Test is outstanding
    WAIT_COT = "wait CoT"  # only the Care-of Test is outstanding
    COMPLETE = "complete"  # both tokens held: Kbm can be computed, the BU can be sent


@dataclass(slots=True)
class ReturnRoutabilityState:
    """§11.1's return-routability fields for one correspondent node."""

    home_init_cookie: bytes | None = None  # 64-bit cookie sent in the last HoTI
    careof_init_cookie: bytes | None = None  # 64-bit cookie sent in the last CoTI
    coti_source: Addr | None = None  # the care-of address the last CoTI was sent from (its token is for it)
    hoti_last_sent: float | None = None  # for MAX_UPDATE_RATE and retransmission
    coti_last_sent: float | None = None
    hoti_retx: Retransmission = field(default_factory=Retransmission)  # separate back-off per type
    coti_retx: Retransmission = field(default_factory=Retransmission)
    home_keygen_token: bytes | None = None  # from the HoT
    home_token_received: float | None = None
    home_nonce_index: int | None = None
    careof_keygen_token: bytes | None = None  # from the CoT
    careof_token_received: float | None = None
    careof_nonce_index: int | None = None
    careof_token_for: Addr | None = None  # the care-of address the care-of token was issued for

    @property
    def state(self) -> RRState:
        """Derived from the outstanding retransmissions and the tokens held."""
        hot_wait, cot_wait = self.hoti_retx.pending, self.coti_retx.pending
        if hot_wait and cot_wait:
            return RRState.WAIT_BOTH
        if hot_wait:
            return RRState.WAIT_HOT
        if cot_wait:
            return RRState.WAIT_COT
        if self.home_keygen_token is not None and self.careof_keygen_token is not None:
            return RRState.COMPLETE
        return RRState.IDLE

    def home_token_fresh(self, now: float, max_age: float = MAX_TOKEN_LIFETIME) -> bool:
        """A home keygen token younger than MAX_TOKEN_LIFETIME may be reused (§5.2.7)."""
        return (
            self.home_keygen_token is not None
            and self.home_token_received is not None
            and now - self.home_token_received < max_age
        )

    def careof_token_fresh(
        self, now: float, care_of_address: Addr | None = None, max_age: float = MAX_TOKEN_LIFETIME
    ) -> bool:
        """A care-of token is usable if young enough and (when given) issued for this care-of address."""
        if self.careof_keygen_token is None or self.careof_token_received is None:
            return False
        if care_of_address is not None and self.careof_token_for != care_of_address:
            return False
        return now - self.careof_token_received < max_age

    def clear_tokens(self) -> None:
        self.home_keygen_token = self.careof_keygen_token = None
        self.home_token_received = self.careof_token_received = None
        self.home_nonce_index = self.careof_nonce_index = None
        self.careof_token_for = None


@dataclass(slots=True)
class BindingUpdateListEntry:
    """One Binding Update List entry: every field of RFC 6275 §11.1 and the white paper's list."""

    destination: Addr  # "the address of the node to which the binding update was sent"
    home_address: Addr  # "the home address for the binding update"
    care_of_address: Addr | None = None  # "the care-of address sent in the last binding update"
    lifetime_sent: float = 0.0  # "the value of the Lifetime field" sent, in seconds (wire: 4 s units)
    expiry: float | None = None  # remaining lifetime = expiry - now; None before any BU
    max_seq_sent: int | None = None  # "maximum value of the Sequence Number field sent"
    last_bu_sent: float | None = None  # "the time that the last binding update was sent"
    home_registration: bool = False  # the entry for the home agent (H bit in the BU)
    ack_requested: bool = False  # A bit in the last BU
    acknowledged: bool = False  # a Binding Acknowledgement with status < 128 arrived for it
    retransmission: Retransmission = field(default_factory=Retransmission)  # A-bit BUs
    no_future_updates: bool = False  # set on ICMPv6 Param Problem code 1 (Unrecognized Next Header)
    outstanding_seq: int | None = None  # Sequence Number of the BU awaiting its BA (None: nothing outstanding)
    kbm: bytes | None = None  # correspondents: the Kbm that signed the last BU (its BA must verify with it)
    bound_care_of_address: Addr | None = None  # home registration: the care-of address the home agent holds
    # (set by an accepted BA granting a lifetime; None once the binding is gone, expired or reset)
    rr: ReturnRoutabilityState = field(default_factory=ReturnRoutabilityState)  # correspondents only
    state: BULEntryState = BULEntryState.NEW  # its machine's state: the mobile node fires events on it

    @property
    def key(self) -> tuple[Addr, Addr]:
        return (self.destination, self.home_address)

    def remaining(self, now: float) -> float:
        """ "The remaining lifetime of the binding" (0 when expired or never sent)."""
        return 0.0 if self.expiry is None else max(self.expiry - now, 0.0)

    def expired(self, now: float) -> bool:
        return self.expiry is not None and now >= self.expiry

    def record_sent_bu(
        self,
        now: float,
        seq: int,
        care_of_address: Addr | str,
        lifetime: float,
        ack: bool,
        *,
        greater: Callable[[int, int], bool] | None = None,
    ) -> None:
        """A Binding Update was just sent: store what it said (§11.7.1, §11.7.2).

        The remaining lifetime starts at the Lifetime sent; the BA may shorten it
        (:meth:`apply_acknowledged_lifetime`). ``max_seq_sent`` is the maximum modulo 2**16 by
        ``greater`` (the ``mn.sequence_compare`` seam; §11.1): after a BA 135 the node adopts the
        receiver's number, which may lie behind what it sent before.
        """
        self.care_of_address = _addr(care_of_address)
        self.lifetime_sent = float(lifetime)
        self.expiry = now + lifetime
        if greater is None or self.max_seq_sent is None or greater(seq, self.max_seq_sent):
            self.max_seq_sent = seq
        self.last_bu_sent = now
        self.ack_requested = ack
        self.acknowledged = False

    def apply_acknowledged_lifetime(self, now: float, acked_lifetime: float) -> float:
        """§11.7.3: remaining := max(remaining - (lifetime sent - lifetime acknowledged), 0).

        Returns the new remaining lifetime. Counting from the BU's send time keeps the round trip
        inside the lifetime, as the RFC intends.
        """
        new_remaining = max(self.remaining(now) - (self.lifetime_sent - acked_lifetime), 0.0)
        self.expiry = now + new_remaining
        self.acknowledged = True
        return new_remaining


@dataclass
class SequenceNumbers:
    """The sender's Sequence Number counters: counter -> the last Sequence Number used (the next Binding
    Update carries one more, modulo 2**16; §11.7.1, §11.7.2).

    One counter for the home registration (:data:`HOME_REGISTRATION`, whatever the home agent or home
    address) and one per correspondent (its address). A counter outlives the Binding Update List entries
    (a de-registration deletes the entry, a new home address makes new ones) and starts from a random
    value drawn when the registration unit / the correspondent first appears (:meth:`draw`).
    """

    HOME_REGISTRATION = "home registration"

    last: dict[Hashable, int] = field(default_factory=dict)

    def draw(self, counter: Hashable, rng: object) -> int:
        """Start ``counter`` at a random number from ``rng`` (a ``random.Random``)."""
        n = self.last[counter] = rng.randrange(1 << 16)  # type: ignore[attr-defined]
        return n

    def __getitem__(self, counter: Hashable) -> int:
        return self.last[counter]

    def __setitem__(self, counter: Hashable, seq: int) -> None:
        self.last[counter] = seq


def sequence_numbers_of(table: object) -> SequenceNumbers:
    """The table's own counters (the library's :class:`BindingUpdateList` keeps them); a new record for a
    reader's table that has none (the ``mn.binding_update_list`` seam does not ask for them: the mobile
    node keeps that record beside the reader's table)."""
    own = getattr(table, "sequence_numbers", None)
    return own if isinstance(own, SequenceNumbers) else SequenceNumbers()


@dataclass
class BindingUpdateList:
    """(destination, home address) -> :class:`BindingUpdateListEntry`, and the sender's counters."""

    _entries: dict[tuple[Addr, Addr], BindingUpdateListEntry] = field(default_factory=dict, repr=False)
    sequence_numbers: SequenceNumbers = field(default_factory=SequenceNumbers, repr=False)

    def __post_init__(self) -> None:
        # the last (destination, home address) objects looked up and the answer, while the table is unchanged: a
        # mobile node asks for the same pair before every packet it sends, and hashing the pair is two Python calls
        self._last: tuple[object, object, BindingUpdateListEntry | None] | None = None

    def lookup(self, destination: Addr | str, home_address: Addr | str | None = None) -> BindingUpdateListEntry | None:
        """The entry for ``destination`` (and ``home_address`` if the node has several)."""
        if home_address is not None:
            last = self._last
            if last is not None and last[0] is destination and last[1] is home_address:
                return last[2]
            # addresses hash as their value: the pair as given hits (a text form misses and is parsed)
            e = self._entries.get((destination, home_address))  # type: ignore[arg-type]
            if e is not None or (isinstance(destination, IPv6Address) and isinstance(home_address, IPv6Address)):
                self._last = (destination, home_address, e)
                return e
            return self._entries.get((_addr(destination), _addr(home_address)))
        dst = _addr(destination)
        for e in self._entries.values():
            if e.destination == dst:
                return e
        return None

    def lookup_home_registration(self, home_address: Addr | str | None = None) -> BindingUpdateListEntry | None:
        """The home-agent entry (first one, or the one for ``home_address``)."""
        hoa = None if home_address is None else _addr(home_address)
        for e in self._entries.values():
            if e.home_registration and (hoa is None or e.home_address == hoa):
                return e
        return None

    def add(self, entry: BindingUpdateListEntry) -> BindingUpdateListEntry:
        """Insert a new entry; KeyError if one exists for the same (destination, home address)."""
        if entry.key in self._entries:
            raise KeyError(f"BUL entry for {entry.destination} / {entry.home_address} exists")
        self._entries[entry.key] = entry
        self._last = None
        return entry

    def get_or_add(
        self, destination: Addr | str, home_address: Addr | str, *, home_registration: bool = False
    ) -> BindingUpdateListEntry:
        """The entry for (destination, home address), created empty if absent."""
        e = self.lookup(destination, home_address)
        if e is None:
            e = self.add(
                BindingUpdateListEntry(_addr(destination), _addr(home_address), home_registration=home_registration)
            )
        return e

    def update(
        self, destination: Addr | str, home_address: Addr | str | None = None, **fields: object
    ) -> BindingUpdateListEntry:
        """Set the named fields of an existing entry (KeyError if absent or unknown field)."""
        e = self.lookup(destination, home_address)
        if e is None:
            raise KeyError(f"no BUL entry for {destination}")
        for name, value in fields.items():
            if name not in BindingUpdateListEntry.__dataclass_fields__:
                raise KeyError(f"BindingUpdateListEntry has no field {name!r}")
            setattr(e, name, value)
        return e

    def remove(self, destination: Addr | str, home_address: Addr | str | None = None) -> BindingUpdateListEntry | None:
        e = self.lookup(destination, home_address)
        if e is not None:
            del self._entries[e.key]
            self._last = None
        return e

    def expire(self, now: float) -> list[BindingUpdateListEntry]:
        """Remove entries whose binding lifetime ran out ("the entry is deleted from the binding
        update list"); entries without a sent BU (RR still running) stay."""
        gone = [e for e in self._entries.values() if e.expired(now)]
        for e in gone:
            del self._entries[e.key]
        if gone:
            self._last = None
        return gone

    def entries(self) -> list[BindingUpdateListEntry]:
        return list(self._entries.values())

    def correspondents(self) -> list[BindingUpdateListEntry]:
        return [e for e in self._entries.values() if not e.home_registration]

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[BindingUpdateListEntry]:
        return iter(self.entries())
