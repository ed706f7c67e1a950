"""The sans-IO contract between protocol code and whatever drives it.

Node logic never sleeps, reads a clock or touches a socket. Every entry point takes ``now`` (simulated
seconds) and returns a list of :data:`Action` values: frames to transmit and timers to set or cancel.
The simulator (:mod:`mip6lab.net.world`) carries them out; a test can call the same entry points by
hand and look at the actions directly (h11's and aioquic's way).

Timers are named by a hashable key whose first element says which handler owns it, e.g.
``("nud", "eth0", addr)`` or ``("tcp-rtx", conn_id)``. Setting a key that is already set restarts it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Union


@dataclass(frozen=True, slots=True)
class Transmit:
    """Put ``frame`` (Ethernet bytes) on the link attached to interface ``ifname``.
    ``trace_id`` links the frame to the algorithm run that produced it (0 = none)."""

    ifname: str
    frame: bytes
    trace_id: int = 0


@dataclass(frozen=True, slots=True)
class SetTimer:
    key: Hashable
    at: float


@dataclass(frozen=True, slots=True)
class CancelTimer:
    key: Hashable


# A frozen dataclass's generated ``__init__`` sets each field through ``object.__setattr__`` (to get
# past its own ``__setattr__``, which refuses): an action is built for every frame and timer, and that
# was a third of a router's fast hop (issue 13). These ``__init__``s store the fields through the slots'
# descriptors instead - the same values, the class (equality, hash, repr, immutability) unchanged.
_transmit_ifname = Transmit.ifname.__set__  # type: ignore[attr-defined]
_transmit_frame = Transmit.frame.__set__  # type: ignore[attr-defined]
_transmit_trace_id = Transmit.trace_id.__set__  # type: ignore[attr-defined]
_set_timer_key = SetTimer.key.__set__  # type: ignore[attr-defined]
_set_timer_at = SetTimer.at.__set__  # type: ignore[attr-defined]
_cancel_timer_key = CancelTimer.key.__set__  # type: ignore[attr-defined]


def _transmit_init(self: Transmit, ifname: str, frame: bytes, trace_id: int = 0) -> None:
    _transmit_ifname(self, ifname)
    _transmit_frame(self, frame)
    _transmit_trace_id(self, trace_id)


def _set_timer_init(self: SetTimer, key: Hashable, at: float) -> None:
    _set_timer_key(self, key)
    _set_timer_at(self, at)


def _cancel_timer_init(self: CancelTimer, key: Hashable) -> None:
    _cancel_timer_key(self, key)


for _cls, _init in ((Transmit, _transmit_init), (SetTimer, _set_timer_init), (CancelTimer, _cancel_timer_init)):
    _init.__name__, _init.__qualname__ = "__init__", f"{_cls.__name__}.__init__"  # error messages name the class
    _cls.__init__ = _init  # type: ignore[method-assign]
del _cls, _init

Action = Union[Transmit, SetTimer, CancelTimer]

TimerHandler = Callable[[Hashable], None]


class SansIONode:
    """Base for protocol objects: an outbox of actions, a table of named timers, and ``now``.

    Subclasses call :meth:`_emit`, :meth:`set_timer` and :meth:`cancel_timer` while handling an
    input; the public entry points end with :meth:`drain` to hand the actions to the caller.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.now: float = 0.0
        self._outbox: list[Action] = []
        self.timers: dict[Hashable, float] = {}
        self._timer_handlers: dict[str, TimerHandler] = {}

    # -- outputs
    def _emit(self, action: Action) -> None:
        self._outbox.append(action)

    def drain(self) -> list[Action]:
        out, self._outbox = self._outbox, []
        return out

    # -- timers
    def register_timer_handler(self, kind: str, handler: TimerHandler) -> None:
        self._timer_handlers[kind] = handler

    def set_timer(self, key: Hashable, at: float) -> None:
        self.timers[key] = at
        self._outbox.append(SetTimer(key, at))

    def cancel_timer(self, key: Hashable) -> None:
        if self.timers.pop(key, None) is not None:
            self._outbox.append(CancelTimer(key))

    def timer_pending(self, key: Hashable) -> bool:
        return key in self.timers

    def handle_timer(self, now: float, key: Hashable) -> list[Action]:
        """Entry point: timer ``key`` expired at ``now``. Stale keys (cancelled or restarted) are ignored."""
        self.now = now
        at = self.timers.get(key)
        if at is not None and at <= now + 1e-12:
            del self.timers[key]
            kind = key[0] if isinstance(key, tuple) else key
            handler = self._timer_handlers.get(kind)  # type: ignore[arg-type]
            if handler is not None:
                handler(key)
        return self.drain()
