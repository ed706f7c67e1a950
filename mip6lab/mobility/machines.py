"""The mobile node's state machines, defined once as data (in the style of :mod:`mip6lab.ipv6.steps`).

Four machines (RFC 6275 §11): where the node is (:data:`LOCATION`), its registration with the home agent
(:data:`HOME_REGISTRATION`), its registration with each correspondent including return routability
(:data:`CORRESPONDENT_REGISTRATION`), and each Binding Update List entry (:data:`BUL_ENTRY`). Each is an
Enum of states and a table of transitions ``(source, target) -> what happened`` with the RFC clause.

The protocol units keep their own fields (the BUL entry first of all); the ``*_state`` functions here say
which state those fields amount to, and a :class:`MachineRecorder` compares the states after each event
the node handles with the states before, records every transition taken (the trace's ``"state"``
category) and flags one the table does not have (a bug: the tests run every scenario and expect none).
:mod:`mip6lab.widgets.machines` draws a machine with the current state and the transitions a run took.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = [
    "BUL_ENTRY",
    "CORRESPONDENT_REGISTRATION",
    "HOME_REGISTRATION",
    "LOCATION",
    "MACHINES",
    "BULEntryState",
    "CorrespondentRegistrationState",
    "HomeRegistrationState",
    "Location",
    "Machine",
    "MachineRecorder",
    "Transition",
    "TransitionRecord",
    "bul_entry_state",
    "correspondent_state",
    "home_registration_state",
]


class Location(StrEnum):
    """Where the mobile node is (§11.5): a ``str`` enum, so ``location == "home"`` still reads well."""

    UNKNOWN = "unknown"  # attached, no Router Advertisement heard yet
    HOME = "home"
    FOREIGN = "foreign"
    DETACHED = "detached"  # no link-layer attachment


class HomeRegistrationState(StrEnum):
    """The registration with the home agent (§11.7.1, §11.7.3, §11.5.4)."""

    UNREGISTERED = "unregistered"
    REGISTERING = "registering"  # a first Binding Update awaits its Acknowledgement
    REGISTERED = "registered"
    REFRESHING = "refreshing"  # registered; a new BU (refresh or new care-of address) is outstanding
    DEREGISTERING = "deregistering"  # back home: the de-registration BU awaits its Acknowledgement
    REJECTED = "rejected"  # stopped by a BA status (or the home address given up, 134)


class CorrespondentRegistrationState(StrEnum):
    """The registration with one correspondent (§5.2, §11.6, §11.7.2)."""

    IDLE = "idle"  # no binding, nothing under way
    WAITING_HOME_REGISTRATION = "waiting for the home registration"  # HoTI held back until the home BA
    RETURN_ROUTABILITY = "return routability"  # HoTI/CoTI sent, tokens awaited
    BU_SENT = "BU sent"  # tokens held, the Binding Update awaits its Acknowledgement
    BOUND = "bound"  # the correspondent holds our binding: route optimization
    DEREGISTERING = "deregistering"  # the de-registration BU awaits its Acknowledgement


class BULEntryState(StrEnum):
    """One Binding Update List entry (§11.1)."""

    NEW = "new"  # created (return routability may run), no Binding Update sent yet
    SENT = "sent"  # a Binding Update went out and is not acknowledged
    ACKNOWLEDGED = "acknowledged"  # a Binding Acknowledgement accepted it; lifetime running
    EXPIRED = "expired"  # the lifetime ran out
    REMOVED = "removed"  # deleted from the list


@dataclass(frozen=True, slots=True)
class Transition:
    source: StrEnum
    target: StrEnum
    event: str  # what makes the node take it
    rfc: str


@dataclass(frozen=True)
class Machine:
    """A state machine as data: its states (an Enum), its initial state and its transitions."""

    name: str  # "location", "home registration", ...
    title: str
    states: type[StrEnum]
    initial: StrEnum
    transitions: tuple[Transition, ...]

    def transition(self, source: Any, target: Any) -> Transition | None:
        for t in self.transitions:
            if t.source == source and t.target == target:
                return t
        return None


def _t(source: StrEnum, target: StrEnum, event: str, rfc: str) -> Transition:
    return Transition(source, target, event, rfc)


L = Location
LOCATION = Machine(
    "location",
    "Mobile node location (RFC 6275 §11.5)",
    Location,
    Location.UNKNOWN,
    (
        _t(L.UNKNOWN, L.HOME, "an RA advertises the home prefix", "§11.5.1"),
        _t(L.UNKNOWN, L.FOREIGN, "an RA advertises a prefix other than the home prefix", "§11.5.1"),
        _t(L.HOME, L.FOREIGN, "an RA with a foreign prefix (router presumed lost)", "§11.5.1"),
        _t(L.FOREIGN, L.HOME, "an RA advertises the home prefix: returning home", "§11.5.1, §11.5.4"),
        _t(L.HOME, L.UNKNOWN, "link-layer media change: a new attachment", "§11.5.1"),
        _t(L.FOREIGN, L.UNKNOWN, "link-layer media change: a new attachment", "§11.5.1"),
        _t(L.UNKNOWN, L.UNKNOWN, "link-layer media change before any RA", "§11.5.1"),
        _t(L.HOME, L.DETACHED, "the link went down", "§11.5.1"),
        _t(L.FOREIGN, L.DETACHED, "the link went down", "§11.5.1"),
        _t(L.UNKNOWN, L.DETACHED, "the link went down", "§11.5.1"),
        _t(L.DETACHED, L.UNKNOWN, "attached to a link", "§11.5.1"),
    ),
)

H = HomeRegistrationState
HOME_REGISTRATION = Machine(
    "home registration",
    "Home registration (RFC 6275 §11.7.1, §11.7.3)",
    HomeRegistrationState,
    HomeRegistrationState.UNREGISTERED,
    (
        _t(H.UNREGISTERED, H.REGISTERING, "on a foreign link with a care-of address: BU to the home agent", "§11.7.1"),
        _t(H.REGISTERING, H.REGISTERED, "BA accepted", "§11.7.3"),
        _t(H.REGISTERING, H.UNREGISTERED, "gave up (moved, reset, or BA with lifetime 0)", "§11.7.1"),
        _t(H.REGISTERING, H.REJECTED, "BA rejected the registration", "§11.7.3"),
        _t(H.REGISTERED, H.REFRESHING, "refresh, new care-of address or Binding Refresh Request: BU", "§11.7.1"),
        _t(H.REFRESHING, H.REGISTERED, "BA accepted", "§11.7.3"),
        _t(H.REFRESHING, H.REJECTED, "BA rejected the registration", "§11.7.3"),
        _t(H.REGISTERED, H.UNREGISTERED, "the binding expired or was reset", "§11.7.1"),
        _t(H.REFRESHING, H.UNREGISTERED, "the binding expired or was reset", "§11.7.1"),
        _t(H.REGISTERED, H.DEREGISTERING, "returned home: de-registration BU", "§11.5.4"),
        _t(H.REFRESHING, H.DEREGISTERING, "returned home: de-registration BU", "§11.5.4"),
        _t(H.REGISTERING, H.DEREGISTERING, "returned home: de-registration BU", "§11.5.4"),
        _t(H.DEREGISTERING, H.UNREGISTERED, "BA: the home agent deleted the binding", "§11.5.4"),
        _t(H.DEREGISTERING, H.REGISTERING, "left home again before the de-registration completed", "§11.7.1"),
        _t(H.REJECTED, H.REGISTERING, "moved: try again", "§11.7.1"),
        _t(
            H.REGISTERED,
            H.REGISTERING,
            "new home address or home agent (home prefix renumbered): register anew",
            "§11.4.3",
        ),
        _t(
            H.REFRESHING,
            H.REGISTERING,
            "new home address or home agent (home prefix renumbered): register anew",
            "§11.4.3",
        ),
        _t(H.REJECTED, H.UNREGISTERED, "reset (new home agent or home address)", "§11.7.1"),
    ),
)

C = CorrespondentRegistrationState
CORRESPONDENT_REGISTRATION = Machine(
    "correspondent registration",
    "Correspondent registration and return routability (RFC 6275 §5.2, §11.6, §11.7.2)",
    CorrespondentRegistrationState,
    CorrespondentRegistrationState.IDLE,
    (
        _t(C.IDLE, C.WAITING_HOME_REGISTRATION, "route optimization wanted; home registration not done", "§11.7.2"),
        _t(C.WAITING_HOME_REGISTRATION, C.RETURN_ROUTABILITY, "home BA: HoTI and CoTI sent", "§11.6.1"),
        _t(C.IDLE, C.RETURN_ROUTABILITY, "HoTI and CoTI sent", "§11.6.1"),
        _t(C.BOUND, C.RETURN_ROUTABILITY, "moved, refresh or tokens too old: return routability again", "§11.6.1"),
        _t(C.RETURN_ROUTABILITY, C.BU_SENT, "HoT and CoT received: Kbm, BU sent", "§11.6.2, §11.7.2"),
        _t(C.IDLE, C.BU_SENT, "fresh tokens held: BU sent", "§11.7.2, §5.2.7"),
        _t(C.BOUND, C.BU_SENT, "fresh tokens held: BU sent", "§11.7.2, §5.2.7"),
        _t(C.BU_SENT, C.BOUND, "BA accepted", "§11.7.3"),
        _t(C.BU_SENT, C.RETURN_ROUTABILITY, "BA 136-138: nonces expired, tests rerun", "§11.7.3"),
        _t(C.BU_SENT, C.IDLE, "BA rejected, or given up", "§11.7.3"),
        _t(C.RETURN_ROUTABILITY, C.IDLE, "given up (moved home, no answer, Binding Error)", "§11.6.1"),
        _t(C.WAITING_HOME_REGISTRATION, C.IDLE, "given up", "§11.7.2"),
        _t(C.BOUND, C.IDLE, "the binding expired or was deleted", "§11.7.2"),
        _t(C.BOUND, C.DEREGISTERING, "returned home: de-registration BU", "§11.5.4, §11.7.2"),
        _t(C.IDLE, C.DEREGISTERING, "returned home: de-registration BU", "§11.5.4, §11.7.2"),
        _t(C.RETURN_ROUTABILITY, C.DEREGISTERING, "home test done at home: de-registration BU", "§11.5.4, §5.2.6"),
        _t(C.DEREGISTERING, C.IDLE, "BA: the correspondent deleted the binding", "§11.7.3"),
        _t(C.BOUND, C.WAITING_HOME_REGISTRATION, "moved: waiting for the new home registration", "§11.7.2"),
        _t(C.BU_SENT, C.WAITING_HOME_REGISTRATION, "moved: waiting for the new home registration", "§11.7.2"),
        _t(C.RETURN_ROUTABILITY, C.WAITING_HOME_REGISTRATION, "moved: waiting for the home registration", "§11.7.2"),
    ),
)

B = BULEntryState
BUL_ENTRY = Machine(
    "BUL entry",
    "Binding Update List entry (RFC 6275 §11.1)",
    BULEntryState,
    BULEntryState.NEW,
    (
        _t(B.NEW, B.SENT, "Binding Update sent", "§11.7.1, §11.7.2"),
        _t(B.SENT, B.ACKNOWLEDGED, "Binding Acknowledgement accepted", "§11.7.3"),
        _t(B.ACKNOWLEDGED, B.SENT, "a new Binding Update (refresh, move, de-registration)", "§11.7.1"),
        _t(B.SENT, B.SENT, "a new Binding Update replaces the outstanding one", "§11.7.1"),
        _t(B.ACKNOWLEDGED, B.EXPIRED, "the lifetime ran out", "§11.1"),
        _t(B.SENT, B.EXPIRED, "the lifetime ran out unacknowledged", "§11.1"),
        _t(B.EXPIRED, B.SENT, "a new Binding Update", "§11.7.1"),
        _t(B.NEW, B.REMOVED, "deleted before any BU (return routability abandoned)", "§11.1"),
        _t(B.SENT, B.REMOVED, "deleted (de-registration acknowledged, or given up)", "§11.1"),
        _t(B.ACKNOWLEDGED, B.REMOVED, "deleted (de-registration acknowledged, or the binding ended)", "§11.1"),
        _t(B.EXPIRED, B.REMOVED, "deleted after expiry", "§11.1"),
    ),
)

MACHINES: dict[str, Machine] = {m.name: m for m in (LOCATION, HOME_REGISTRATION, CORRESPONDENT_REGISTRATION, BUL_ENTRY)}


# --------------------------------------------------------------------------- fields -> state
def home_registration_state(
    *, registered: bool, outstanding: bool, deregistering: bool, rejected: bool
) -> HomeRegistrationState:
    """The home registration's state from the unit's fields (outstanding: a BU awaits a BA or a send)."""
    if rejected and not outstanding:
        return H.REJECTED
    if outstanding:
        if deregistering:
            return H.DEREGISTERING
        return H.REFRESHING if registered else H.REGISTERING
    return H.REGISTERED if registered else H.UNREGISTERED


def correspondent_state(
    *,
    waiting_home_registration: bool,
    return_routability: bool,
    outstanding: bool,
    deregistering: bool,
    bound: bool,
) -> CorrespondentRegistrationState:
    """One correspondent's registration state from the unit's fields and its BUL entry."""
    if outstanding:
        return C.DEREGISTERING if deregistering else C.BU_SENT
    if waiting_home_registration:
        return C.WAITING_HOME_REGISTRATION
    if return_routability:
        return C.RETURN_ROUTABILITY
    return C.BOUND if bound else C.IDLE


def bul_entry_state(entry: Any, now: float) -> BULEntryState:
    """A Binding Update List entry's state from its §11.1 fields."""
    if entry.last_bu_sent is None:
        return B.NEW
    if entry.expired(now):
        return B.EXPIRED
    return B.ACKNOWLEDGED if entry.acknowledged else B.SENT


# --------------------------------------------------------------------------- recording
@dataclass(frozen=True, slots=True)
class TransitionRecord:
    """One transition a run took."""

    time: float
    machine: str
    instance: str  # "" for the node's single machines; the correspondent / BUL entry otherwise
    source: StrEnum
    target: StrEnum
    event: str  # from the table; "" when the table has no such transition
    known: bool


@dataclass
class MachineRecorder:
    """Compares the node's machine states after each event with the last ones and records transitions.

    ``emit(record)`` is called for each (the mobile node traces it); ``records`` keeps them all.
    A machine instance that disappears is recorded as going to its removal state (BUL entries) or to
    its initial state (correspondents).
    """

    emit: Callable[[TransitionRecord], None] = lambda record: None
    records: list[TransitionRecord] = field(default_factory=list)
    current: dict[tuple[str, Hashable], StrEnum] = field(default_factory=dict)

    def observe(self, now: float, states: Iterable[tuple[str, Hashable, StrEnum]]) -> list[TransitionRecord]:
        seen: dict[tuple[str, Hashable], StrEnum] = {}
        out: list[TransitionRecord] = []
        for name, instance, state in states:
            seen[(name, instance)] = state
        for key in list(self.current):
            if key not in seen:
                machine = MACHINES[key[0]]
                seen[key] = B.REMOVED if machine is BUL_ENTRY else machine.initial
        for key, state in seen.items():
            machine = MACHINES[key[0]]
            before = self.current.get(key, machine.initial)
            if state == before and not (key not in self.current and state != machine.initial):
                continue
            t = machine.transition(before, state)
            record = TransitionRecord(
                now, key[0], str(key[1] or ""), before, state, t.event if t else "", t is not None
            )
            out.append(record)
        self.current = {k: v for k, v in seen.items() if not (k[0] == BUL_ENTRY.name and v == B.REMOVED)}
        for record in out:
            self.records.append(record)
            self.emit(record)
        return out

    def state_of(self, machine: str, instance: Hashable = "") -> StrEnum:
        return self.current.get((machine, instance), MACHINES[machine].initial)
