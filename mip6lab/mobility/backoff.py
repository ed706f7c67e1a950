"""Retransmission back-off and rate limiting for mobility messages (RFC 6275 §11.8).

A mobile node that sends a Binding Update with the Acknowledge (A) bit, or a Home/Care-of Test Init,
waits for the answer and resends with exponential back-off:

* first timeout ``InitialBindackTimeoutFirstReg`` (1.5 s, §13) when it has no binding yet at the home
  agent -- the home agent runs DAD for the home address before it can answer -- otherwise
  ``INITIAL_BINDACK_TIMEOUT`` (1 s, §12);
* the timeout doubles at each retransmission up to ``MAX_BINDACK_TIMEOUT`` (32 s) and then "may
  continue at this rate".

So an unanswered first home Binding Update goes out at t, t+1.5, t+4.5, t+10.5, t+22.5, t+46.5 and
then every 32 s; a re-registration or an RR message at t, t+1, t+3, t+7, t+15, t+31, t+63, then every
32 s. Each message type / home address / care-of address has its own back-off (one :class:`Backoff`
each). Separately, no more than ``MAX_UPDATE_RATE`` messages of one type go to one peer per second
(:class:`RateLimiter`).
"""

from __future__ import annotations

import math
from collections.abc import Hashable

from mip6lab.mobility.constants import (
    INITIAL_BINDACK_TIMEOUT,
    MAX_BINDACK_TIMEOUT,
    MAX_UPDATE_RATE,
    InitialBindackTimeoutFirstReg,
)

__all__ = ["Backoff", "RateLimiter", "initial_timeout", "retransmission_times"]


def initial_timeout(first_home_registration: bool) -> float:
    """§11.8: the first retransmission timeout for a BU (or HoTI/CoTI when ``False``)."""
    return InitialBindackTimeoutFirstReg if first_home_registration else INITIAL_BINDACK_TIMEOUT


class Backoff:
    """The exponential back-off state of one outstanding message.

    ``next_timeout()`` returns how long to wait after the message just sent, then doubles the wait
    for the next time (capped at ``maximum``). ``retries`` counts the waits handed out so far beyond
    the first, i.e. the retransmissions already sent when the next timer fires.
    """

    __slots__ = ("initial", "maximum", "current", "sent")

    def __init__(self, initial: float = INITIAL_BINDACK_TIMEOUT, maximum: float = MAX_BINDACK_TIMEOUT):
        if initial <= 0 or maximum < initial:
            raise ValueError(f"bad back-off parameters initial={initial} maximum={maximum}")
        self.initial = float(initial)
        self.maximum = float(maximum)
        self.current = self.initial  # the wait that next_timeout() will return
        self.sent = 0  # how many timeouts were handed out (= transmissions so far)

    @classmethod
    def for_binding_update(cls, first_home_registration: bool) -> Backoff:
        return cls(initial_timeout(first_home_registration))

    @property
    def retries(self) -> int:
        """Retransmissions sent so far (the first transmission is not a retry)."""
        return max(self.sent - 1, 0)

    def next_timeout(self) -> float:
        """The wait after the transmission being made now; advances the state."""
        t = self.current
        self.current = min(self.current * 2, self.maximum)
        self.sent += 1
        return t

    def peek(self) -> float:
        """The wait :meth:`next_timeout` would return, without advancing."""
        return self.current

    def reset(self, initial: float | None = None) -> None:
        """Start over (a new message, e.g. a BU with a new sequence number)."""
        if initial is not None:
            self.initial = float(initial)
        self.current = self.initial
        self.sent = 0

    def __repr__(self) -> str:
        return f"Backoff(initial={self.initial}, current={self.current}, sent={self.sent})"


def retransmission_times(start: float, first_reg: bool, count: int = 10) -> list[float]:
    """The send times of one unanswered message: the original at ``start`` then retransmissions.

    ``first_reg`` selects the 1.5 s first timeout of a first home registration.
    ``retransmission_times(0, True, 8)`` == ``[0, 1.5, 4.5, 10.5, 22.5, 46.5, 78.5, 110.5]``.
    """
    b = Backoff.for_binding_update(first_reg)
    times = [float(start)]
    while len(times) < count:
        times.append(times[-1] + b.next_timeout())
    return times[:count]


class RateLimiter:
    """At most ``rate`` messages per key in any ``window`` seconds (MAX_UPDATE_RATE, §11.8).

    The key is whatever identifies "one type of message to one peer", e.g. ``(peer, MH_BU)``. A
    message sent at time t counts against the window ``(t - window, t]``. Deterministic: only the
    ``now`` values handed in matter.
    """

    def __init__(self, rate: int = MAX_UPDATE_RATE, window: float = 1.0) -> None:
        if rate < 1 or window <= 0:
            raise ValueError("rate must be >= 1 and window > 0")
        self.rate = rate
        self.window = float(window)
        # key -> send times inside the window (at most ``rate``); a key with none has no entry: a big lab's
        # mobile nodes each rate-limit several peers and message types, almost always with nothing recent
        self._sent: dict[Hashable, list[float]] = {}

    def _recent(self, now: float, key: Hashable) -> list[float] | None:
        q = self._sent.get(key)
        if q is None:
            return None
        cut = now - self.window
        old = 0
        while old < len(q) and q[old] <= cut:
            old += 1
        if old:
            del q[:old]
            if not q:
                del self._sent[key]
                return None
        return q

    def allowed(self, now: float, key: Hashable) -> bool:
        """Would a message for ``key`` be within the rate at ``now``? (Does not record it.)"""
        q = self._recent(now, key)
        return q is None or len(q) < self.rate

    def try_send(self, now: float, key: Hashable) -> bool:
        """Record a message at ``now`` if allowed; return whether it was."""
        q = self._recent(now, key)
        if q is None:
            self._sent[key] = [now]
            return True
        if len(q) >= self.rate:
            return False
        q.append(now)
        return True

    def next_allowed(self, now: float, key: Hashable) -> float:
        """The earliest time >= ``now`` at which a message for ``key`` is allowed."""
        q = self._recent(now, key)
        if q is None or len(q) < self.rate:
            return now
        oldest = q[len(q) - self.rate]
        at = oldest + self.window
        # Floats: ``oldest + window - window`` can come out below ``oldest``; then the window test above
        # would still count it at ``at`` and the message would be deferred to the same instant forever.
        while oldest > at - self.window:
            at = math.nextafter(at, math.inf)
        return at

    def forget(self, key: Hashable) -> None:
        self._sent.pop(key, None)
