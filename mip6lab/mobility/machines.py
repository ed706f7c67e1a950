"""The mobile node's state machines, defined once as data (in the style of :mod:`mip6lab.ipv6.steps`).

Four machines (RFC 6275 §11): where the node is (:data:`LOCATION`), its registration with the home agent
(:data:`HOME_REGISTRATION`), its registration with each correspondent including return routability
(:data:`CORRESPONDENT_REGISTRATION`), and each Binding Update List entry (:data:`BUL_ENTRY`). Each is an
Enum of states, an Enum of events, and a table of transitions: ``(state, event) -> next state``, with what
happened and the RFC clause.

The tables drive the code: a unit changes a machine's state only by firing an event on it
(:meth:`StateMachine.fire`, or :meth:`MachineRecorder.fire_entry` for a BUL entry, whose state is the
entry's ``state`` field). The table says where the event leads; the transition goes into the trace
(category ``"state"``) and ``records``. An event the table does not allow in the current state is a
defect: it leaves the state as it is, goes into the trace as an ``"error"`` and into ``errors`` (the
tests run every scenario and expect none). Firing costs one dict lookup; recording happens only while
the trace is on. :mod:`mip6lab.widgets.machines` draws a machine with the current state and the
transitions a run took.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = [
    "BUL_ENTRY",
    "BUSY_CORRESPONDENT_STATES",
    "CORRESPONDENT_REGISTRATION",
    "HOME_REGISTRATION",
    "LOCATION",
    "MACHINES",
    "BULEntryEvent",
    "BULEntryState",
    "CorrespondentEvent",
    "CorrespondentRegistrationState",
    "HomeRegistrationEvent",
    "HomeRegistrationState",
    "Location",
    "LocationEvent",
    "Machine",
    "MachineRecorder",
    "StateMachine",
    "Transition",
    "TransitionRecord",
]


class Location(StrEnum):
    """Where the mobile node is (§11.5): a ``str`` enum, so ``location == "home"`` still reads well."""

    UNKNOWN = "unknown"  # attached, no Router Advertisement heard yet
    HOME = "home"
    FOREIGN = "foreign"
    DETACHED = "detached"  # no link-layer attachment


class LocationEvent(StrEnum):
    """What movement detection tells the node (§11.5.1)."""

    ATTACHED = "attached"  # a link-layer attachment (media change)
    DETACHED = "detached"  # the link went down
    HOME_PREFIX = "home prefix"  # an RA advertises the home prefix (or "this is my home link")
    FOREIGN_PREFIX = "foreign prefix"  # an RA advertises another prefix: the care-of address is formed from it


class HomeRegistrationState(StrEnum):
    """The registration with the home agent (§11.7.1, §11.7.3, §11.5.4)."""

    UNREGISTERED = "unregistered"
    REGISTERING = "registering"  # a first Binding Update awaits its Acknowledgement
    REGISTERED = "registered"
    REFRESHING = "refreshing"  # registered; a new BU (refresh or new care-of address) is outstanding
    DEREGISTERING = "deregistering"  # back home: the de-registration BU awaits its Acknowledgement
    REJECTED = "rejected"  # stopped by a BA status (or the home address given up, 134)


class HomeRegistrationEvent(StrEnum):
    """What the home registration unit does or learns."""

    REGISTER = "register"  # a Binding Update while the home agent holds no binding for us
    REFRESH = "refresh"  # a Binding Update while it holds one (refresh, new care-of address, BRR)
    DEREGISTER = "deregister"  # returned home: the de-registration Binding Update
    ACCEPTED = "accepted"  # a BA accepted the registration with a lifetime
    UNBOUND = "unbound"  # no binding any more (de-registered, lifetime 0, reset, given up without one)
    KEPT = "kept"  # the exchange under way ended without an answer; the old binding stands
    EXPIRED = "expired"  # the binding's lifetime ran out
    REJECTED = "rejected"  # a BA status stopped the registration (or the home address was given up)


class CorrespondentRegistrationState(StrEnum):
    """The registration with one correspondent (§5.2, §11.6, §11.7.2)."""

    IDLE = "idle"  # no binding, nothing under way
    WAITING_HOME_REGISTRATION = "waiting for the home registration"  # HoTI held back until the home BA
    RETURN_ROUTABILITY = "return routability"  # HoTI/CoTI sent, tokens awaited
    BU_SENT = "BU sent"  # tokens held, the Binding Update awaits its Acknowledgement
    BOUND = "bound"  # the correspondent holds our binding: route optimization
    DEREGISTERING = "deregistering"  # the de-registration BU awaits its Acknowledgement


class CorrespondentEvent(StrEnum):
    """What the correspondent registration unit does or learns for one correspondent."""

    WAIT_HOME = "wait for the home registration"  # the HoTI is held back until the home BA
    TESTS_SENT = "tests sent"  # HoTI and/or CoTI sent
    HOME_REGISTERED = "home registered"  # the home BA came: the held-back HoTI goes out
    BU_SENT = "BU sent"  # a (first) Binding Update with fresh tokens
    DEREGISTRATION_SENT = "de-registration sent"  # a (first) de-registration Binding Update
    ACCEPTED = "accepted"  # a BA accepted the binding
    DELETED = "deleted"  # a BA accepted a de-registration (or lifetime 0): no binding
    CANCELLED = "cancelled"  # the exchange under way was given up, no binding stands
    CANCELLED_BOUND = "cancelled, binding stands"  # the exchange under way was given up; the old binding stands
    ENDED = "ended"  # the binding expired, was deleted, or a Binding Error 1 said it is gone


class BULEntryState(StrEnum):
    """One Binding Update List entry (§11.1)."""

    NEW = "new"  # created (return routability may run), no Binding Update sent yet
    SENT = "sent"  # a Binding Update went out and is not acknowledged
    ACKNOWLEDGED = "acknowledged"  # a Binding Acknowledgement accepted it; lifetime running
    EXPIRED = "expired"  # the lifetime ran out
    REMOVED = "removed"  # deleted from the list


class BULEntryEvent(StrEnum):
    """What happens to a Binding Update List entry."""

    BU_SENT = "BU sent"  # record_sent_bu: a Binding Update (or its retransmission) went out
    ACCEPTED = "accepted"  # a Binding Acknowledgement accepted it
    EXPIRED = "expired"  # its expiry timer found the lifetime over
    REMOVED = "removed"  # deleted from the list


@dataclass(frozen=True, slots=True)
class Transition:
    """One edge of a machine: ``source`` -> ``target`` on any of the events ``on``."""

    source: StrEnum
    target: StrEnum
    event: str  # what happened, in words (the drawing's legend)
    rfc: str
    on: tuple[StrEnum, ...] = ()  # the events that take it


@dataclass(frozen=True)
class Machine:
    """A state machine as data: its states and events (Enums), its initial state and its transitions."""

    name: str  # "location", "home registration", ...
    title: str
    states: type[StrEnum]
    events: type[StrEnum]
    initial: StrEnum
    transitions: tuple[Transition, ...]
    table: dict[tuple[StrEnum, StrEnum], Transition] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        table: dict[tuple[StrEnum, StrEnum], Transition] = {}
        for t in self.transitions:
            for ev in t.on:
                if (t.source, ev) in table:
                    raise ValueError(f"{self.name}: two transitions from {t.source} on {ev}")
                table[(t.source, ev)] = t
        object.__setattr__(self, "table", table)

    def transition(self, source: Any, target: Any) -> Transition | None:
        """The edge from ``source`` to ``target`` (None: there is none)."""
        for t in self.transitions:
            if t.source == source and t.target == target:
                return t
        return None

    def next(self, state: Any, event: Any) -> Transition | None:
        """Where ``event`` leads from ``state`` (None: the table does not allow it)."""
        return self.table.get((state, event))


def _t(source: StrEnum, target: StrEnum, on: StrEnum | tuple[StrEnum, ...], event: str, rfc: str) -> Transition:
    return Transition(source, target, event, rfc, on if isinstance(on, tuple) else (on,))


L, LE = Location, LocationEvent
LOCATION = Machine(
    "location",
    "Mobile node location (RFC 6275 §11.5)",
    Location,
    LocationEvent,
    Location.UNKNOWN,
    (
        _t(L.UNKNOWN, L.HOME, LE.HOME_PREFIX, "an RA advertises the home prefix (or 'my home link')", "§11.5.1"),
        _t(L.UNKNOWN, L.FOREIGN, LE.FOREIGN_PREFIX, "an RA advertises a prefix other than the home prefix", "§11.5.1"),
        _t(L.HOME, L.FOREIGN, LE.FOREIGN_PREFIX, "an RA with a foreign prefix (router presumed lost)", "§11.5.1"),
        _t(L.FOREIGN, L.HOME, LE.HOME_PREFIX, "an RA advertises the home prefix: returning home", "§11.5.1, §11.5.4"),
        _t(L.HOME, L.HOME, LE.HOME_PREFIX, "the home prefix again (or 'this is my home link')", "§11.5.1"),
        _t(L.FOREIGN, L.FOREIGN, LE.FOREIGN_PREFIX, "another foreign prefix (router lost)", "§11.5.1, §11.5.2"),
        _t(L.HOME, L.UNKNOWN, LE.ATTACHED, "link-layer media change: a new attachment", "§11.5.1"),
        _t(L.FOREIGN, L.UNKNOWN, LE.ATTACHED, "link-layer media change: a new attachment", "§11.5.1"),
        _t(L.UNKNOWN, L.UNKNOWN, LE.ATTACHED, "link-layer media change before any RA", "§11.5.1"),
        _t(L.HOME, L.DETACHED, LE.DETACHED, "the link went down", "§11.5.1"),
        _t(L.FOREIGN, L.DETACHED, LE.DETACHED, "the link went down", "§11.5.1"),
        _t(L.UNKNOWN, L.DETACHED, LE.DETACHED, "the link went down", "§11.5.1"),
        _t(L.DETACHED, L.UNKNOWN, LE.ATTACHED, "attached to a link", "§11.5.1"),
    ),
)

H, HE = HomeRegistrationState, HomeRegistrationEvent
_NEW_BU = "a new BU replaces the outstanding one (new care-of address, BA 135)"
HOME_REGISTRATION = Machine(
    "home registration",
    "Home registration (RFC 6275 §11.7.1, §11.7.3)",
    HomeRegistrationState,
    HomeRegistrationEvent,
    HomeRegistrationState.UNREGISTERED,
    (
        _t(H.UNREGISTERED, H.REGISTERING, HE.REGISTER, "on a foreign link with a care-of address: BU", "§11.7.1"),
        _t(H.REGISTERING, H.REGISTERING, HE.REGISTER, _NEW_BU, "§11.7.1, §11.7.3"),
        _t(H.REGISTERING, H.REGISTERED, HE.ACCEPTED, "BA accepted", "§11.7.3"),
        _t(
            H.REGISTERING,
            H.UNREGISTERED,
            HE.UNBOUND,
            "gave up (moved, reset, another home agent, or BA with lifetime 0)",
            "§11.7.1, §11.7.3",
        ),
        _t(H.REGISTERING, H.REJECTED, HE.REJECTED, "BA rejected the registration", "§11.7.3"),
        _t(
            H.REGISTERED,
            H.REFRESHING,
            HE.REFRESH,
            "refresh, new care-of address or Binding Refresh Request: BU",
            "§11.7.1, §11.7.4",
        ),
        _t(H.REFRESHING, H.REFRESHING, HE.REFRESH, _NEW_BU, "§11.7.1, §11.7.3"),
        _t(
            H.REFRESHING,
            H.REGISTERED,
            (HE.ACCEPTED, HE.KEPT),
            "BA accepted (or the BU given up: the binding stands)",
            "§11.7.3",
        ),
        _t(H.REFRESHING, H.REJECTED, HE.REJECTED, "BA rejected the registration", "§11.7.3"),
        _t(H.REGISTERED, H.UNREGISTERED, (HE.EXPIRED, HE.UNBOUND), "the binding expired or was reset", "§11.7.1"),
        _t(H.REFRESHING, H.UNREGISTERED, HE.UNBOUND, "reset, or BA with lifetime 0", "§11.7.1, §11.7.3"),
        _t(H.REFRESHING, H.REGISTERING, HE.EXPIRED, "the binding expired while the BU was outstanding", "§11.7.1"),
        _t(H.REGISTERED, H.DEREGISTERING, HE.DEREGISTER, "returned home: de-registration BU", "§11.5.4"),
        _t(H.REFRESHING, H.DEREGISTERING, HE.DEREGISTER, "returned home: de-registration BU", "§11.5.4"),
        _t(H.REGISTERING, H.DEREGISTERING, HE.DEREGISTER, "returned home: de-registration BU", "§11.5.4"),
        _t(H.REJECTED, H.DEREGISTERING, HE.DEREGISTER, "returned home: de-registration BU", "§11.5.4"),
        _t(H.DEREGISTERING, H.DEREGISTERING, HE.DEREGISTER, "BA 135: de-registration with a new number", "§11.7.3"),
        _t(
            H.DEREGISTERING,
            H.UNREGISTERED,
            HE.UNBOUND,
            "BA: the home agent deleted the binding (or holds none)",
            "§11.5.4",
        ),
        _t(H.DEREGISTERING, H.REJECTED, HE.REJECTED, "BA rejected the de-registration", "§11.7.3"),
        _t(
            H.DEREGISTERING,
            H.REGISTERING,
            HE.REGISTER,
            "left home again before the de-registration completed",
            "§11.7.1",
        ),
        _t(
            H.DEREGISTERING,
            H.REFRESHING,
            HE.REFRESH,
            "left home again; the home agent still holds our binding",
            "§11.7.1",
        ),
        _t(
            H.DEREGISTERING,
            H.REGISTERED,
            HE.KEPT,
            "left home before the de-registration was answered: the binding stands",
            "§11.7.1",
        ),
        _t(H.REJECTED, H.REGISTERING, HE.REGISTER, "moved: try again", "§11.7.1"),
        _t(H.REJECTED, H.REFRESHING, HE.REFRESH, "moved: try again (the old binding stands)", "§11.7.1"),
        _t(H.REJECTED, H.UNREGISTERED, HE.UNBOUND, "reset (new home agent or home address)", "§11.7.1"),
    ),
)

C, CE = CorrespondentRegistrationState, CorrespondentEvent
_BUSY = (C.RETURN_ROUTABILITY, C.BU_SENT, C.WAITING_HOME_REGISTRATION, C.DEREGISTERING)
CORRESPONDENT_REGISTRATION = Machine(
    "correspondent registration",
    "Correspondent registration and return routability (RFC 6275 §5.2, §11.6, §11.7.2)",
    CorrespondentRegistrationState,
    CorrespondentEvent,
    CorrespondentRegistrationState.IDLE,
    (
        _t(
            C.IDLE,
            C.WAITING_HOME_REGISTRATION,
            CE.WAIT_HOME,
            "route optimization wanted; home registration not done",
            "§11.7.2",
        ),
        _t(
            C.BOUND,
            C.WAITING_HOME_REGISTRATION,
            CE.WAIT_HOME,
            "moved: waiting for the new home registration",
            "§11.7.2",
        ),
        _t(
            C.WAITING_HOME_REGISTRATION,
            C.RETURN_ROUTABILITY,
            CE.HOME_REGISTERED,
            "home BA: the held-back HoTI sent",
            "§11.6.1, §11.7.2",
        ),
        _t(C.IDLE, C.RETURN_ROUTABILITY, CE.TESTS_SENT, "HoTI and/or CoTI sent", "§11.6.1"),
        _t(
            C.BOUND,
            C.RETURN_ROUTABILITY,
            CE.TESTS_SENT,
            "moved, refresh, returned home or tokens too old: return routability again",
            "§11.6.1, §11.5.4",
        ),
        _t(C.RETURN_ROUTABILITY, C.BU_SENT, CE.BU_SENT, "HoT and CoT received: Kbm, BU sent", "§11.6.2, §11.7.2"),
        _t(C.IDLE, C.BU_SENT, CE.BU_SENT, "fresh tokens held: BU sent", "§11.7.2, §5.2.7"),
        _t(C.BOUND, C.BU_SENT, CE.BU_SENT, "fresh tokens held: BU sent", "§11.7.2, §5.2.7"),
        _t(C.BU_SENT, C.BU_SENT, CE.BU_SENT, "BA 135: a new BU with the next sequence number", "§11.7.3"),
        _t(C.BU_SENT, C.BOUND, CE.ACCEPTED, "BA accepted", "§11.7.3"),
        _t(
            C.BU_SENT,
            C.IDLE,
            (CE.CANCELLED, CE.DELETED),
            "BA rejected or lifetime 0; or given up (moved, tokens expired)",
            "§11.7.3",
        ),
        _t(
            C.RETURN_ROUTABILITY,
            C.IDLE,
            CE.CANCELLED,
            "given up (moved, no answer, Binding Error, not capable)",
            "§11.6.1",
        ),
        _t(
            C.RETURN_ROUTABILITY,
            C.BOUND,
            CE.CANCELLED_BOUND,
            "return routability given up: the old binding stands",
            "§11.6.1",
        ),
        _t(C.WAITING_HOME_REGISTRATION, C.IDLE, CE.CANCELLED, "given up (moved again)", "§11.7.2"),
        _t(
            C.WAITING_HOME_REGISTRATION,
            C.BOUND,
            CE.CANCELLED_BOUND,
            "given up (moved again): the old binding stands",
            "§11.7.2",
        ),
        _t(C.BOUND, C.IDLE, CE.ENDED, "the binding expired, was deleted or is unknown (Binding Error 1)", "§11.7.2"),
        _t(
            C.RETURN_ROUTABILITY,
            C.DEREGISTERING,
            CE.DEREGISTRATION_SENT,
            "home test done at home: de-registration BU",
            "§11.5.4, §5.2.6",
        ),
        _t(
            C.DEREGISTERING,
            C.DEREGISTERING,
            CE.DEREGISTRATION_SENT,
            "BA 135: a new de-registration BU",
            "§11.7.3",
        ),
        _t(
            C.DEREGISTERING,
            C.IDLE,
            (CE.DELETED, CE.CANCELLED),
            "BA: the correspondent deleted the binding (or given up: left home)",
            "§11.7.3",
        ),
    ),
)

B, BE = BULEntryState, BULEntryEvent
BUL_ENTRY = Machine(
    "BUL entry",
    "Binding Update List entry (RFC 6275 §11.1)",
    BULEntryState,
    BULEntryEvent,
    BULEntryState.NEW,
    (
        _t(B.NEW, B.SENT, BE.BU_SENT, "Binding Update sent", "§11.7.1, §11.7.2"),
        _t(B.SENT, B.ACKNOWLEDGED, BE.ACCEPTED, "Binding Acknowledgement accepted", "§11.7.3"),
        _t(B.ACKNOWLEDGED, B.SENT, BE.BU_SENT, "a new Binding Update (refresh, move, de-registration)", "§11.7.1"),
        _t(B.SENT, B.SENT, BE.BU_SENT, "a new Binding Update or a retransmission", "§11.7.1, §11.8"),
        _t(B.ACKNOWLEDGED, B.EXPIRED, BE.EXPIRED, "the lifetime ran out", "§11.1"),
        _t(B.SENT, B.EXPIRED, BE.EXPIRED, "the lifetime ran out unacknowledged", "§11.1"),
        _t(B.EXPIRED, B.SENT, BE.BU_SENT, "a new Binding Update", "§11.7.1"),
        _t(B.NEW, B.REMOVED, BE.REMOVED, "deleted before any BU (return routability abandoned)", "§11.1"),
        _t(B.SENT, B.REMOVED, BE.REMOVED, "deleted (de-registration acknowledged, or given up)", "§11.1"),
        _t(
            B.ACKNOWLEDGED,
            B.REMOVED,
            BE.REMOVED,
            "deleted (de-registration acknowledged, or the binding ended)",
            "§11.1",
        ),
        _t(B.EXPIRED, B.REMOVED, BE.REMOVED, "deleted after expiry", "§11.1"),
    ),
)

MACHINES: dict[str, Machine] = {m.name: m for m in (LOCATION, HOME_REGISTRATION, CORRESPONDENT_REGISTRATION, BUL_ENTRY)}
BUSY_CORRESPONDENT_STATES = frozenset(_BUSY)
"""Correspondent states with an exchange under way (the cancel events leave them)."""


# --------------------------------------------------------------------------- running machines
@dataclass(frozen=True, slots=True)
class TransitionRecord:
    """One transition a run took (``known`` False: an event the table refused; the state did not change)."""

    time: float
    machine: str
    instance: str  # "" for the node's single machines; the correspondent / BUL entry otherwise
    source: StrEnum
    target: StrEnum
    event: str  # from the table: what happened; for a refused event: the event fired
    known: bool
    fired: StrEnum | None = None  # the event fired


def _no_record(record: TransitionRecord) -> None:
    return None


def _always() -> bool:
    return True


def _zero() -> float:
    return 0.0


@dataclass
class MachineRecorder:
    """Where a node's machines report: transitions (``records``, ``emit``) while ``recording()`` says so,
    refused events (``errors``, ``refuse``) always.

    ``clock`` gives the time stamps; ``view`` lists ``(machine, instance, state)`` of every running
    machine (the mobile node's :meth:`machine_states`), which :meth:`state_of` reads.
    """

    emit: Callable[[TransitionRecord], None] = _no_record
    refuse: Callable[[TransitionRecord], None] = _no_record
    recording: Callable[[], bool] = _always
    clock: Callable[[], float] = _zero
    view: Callable[[], Iterable[tuple[str, Hashable, StrEnum]]] = tuple
    records: list[TransitionRecord] = field(default_factory=list)
    errors: list[TransitionRecord] = field(default_factory=list)

    def record(self, machine: Machine, instance: str, source: StrEnum, t: Transition, event: StrEnum) -> None:
        r = TransitionRecord(self.clock(), machine.name, instance, source, t.target, t.event, True, event)
        self.records.append(r)
        self.emit(r)

    def refused(self, machine: Machine, instance: str, state: StrEnum, event: StrEnum) -> None:
        r = TransitionRecord(self.clock(), machine.name, instance, state, state, str(event), False, event)
        self.errors.append(r)
        self.refuse(r)

    def fire_entry(self, entry: Any, event: BULEntryEvent) -> BULEntryState:
        """Fire ``event`` on a Binding Update List entry's machine (its state is the entry's ``state``)."""
        source = entry.state
        t = BUL_ENTRY.table.get((source, event))
        if t is None:
            self.refused(BUL_ENTRY, f"{entry.destination} / {entry.home_address}", source, event)
            return source
        entry.state = t.target
        if self.recording():
            self.record(BUL_ENTRY, f"{entry.destination} / {entry.home_address}", source, t, event)
        return t.target

    def state_of(self, machine: str, instance: Hashable = "") -> StrEnum:
        """The current state of ``machine`` (``instance``: a correspondent, a BUL entry); its initial
        state when no such machine runs (a removed BUL entry, a correspondent never contacted)."""
        for name, inst, state in self.view():
            if name == machine and str(inst) == str(instance):
                return state
        return MACHINES[machine].initial


class StateMachine:
    """One running machine: its current ``state`` changes only through :meth:`fire`."""

    __slots__ = ("machine", "instance", "state", "recorder")

    def __init__(
        self, machine: Machine, recorder: MachineRecorder, instance: str = "", state: StrEnum | None = None
    ) -> None:
        self.machine = machine
        self.instance = instance
        self.state: Any = machine.initial if state is None else machine.states(state)
        self.recorder = recorder

    def fire(self, event: StrEnum) -> Any:
        """Take the transition the table gives for (state, ``event``); a refused event is reported and
        leaves the state as it is. Returns the (new) state."""
        source = self.state
        t = self.machine.table.get((source, event))
        if t is None:
            self.recorder.refused(self.machine, self.instance, source, event)
            return source
        self.state = t.target
        if self.recorder.recording():
            self.recorder.record(self.machine, self.instance, source, t, event)
        return t.target

    def __repr__(self) -> str:
        where = f" {self.instance}" if self.instance else ""
        return f"<{self.machine.name}{where}: {self.state}>"
