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
