"""The one shape of a role attached to a plain node (RFC 6275's mobile node, home agent, correspondent node).

A plain :class:`~mip6lab.ipv6.node.IPv6Node` (or :class:`~mip6lab.ipv6.node.Router`) becomes a mobile
node, home agent or correspondent node by ``node.attach_role(role)`` - never by subclassing. A role is an
object that *declares* what it needs from the node; ``attach_role`` installs it, and nothing else does:

==========================================  ====================================================================
declared by the role                        installed by ``attach_role`` as
==========================================  ====================================================================
``doors()``: Next Header -> handler         ``register_upper`` (one door per protocol: Mobility Header, ICMPv6,
                                            ESP, IPv6-in-IPv6); the door asks the role's dispatch table
``timer_handlers()``: kind -> handler       ``register_timer_handler`` (the units' timers; one kind per unit)
``router_advertisement`` / ``dad_result``   the node's RA and DAD listener lists (Neighbor Discovery events)
the role itself                             ``node.mobility``: the algorithms' mobility steps (Figures 35/36)
==========================================  ====================================================================

The node asks its role (``node.role``; None for a plain node, which gets the defaults below) the node-policy
questions a role refines: :meth:`NodeRole.should_answer_ns` and :meth:`NodeRole.accept_na` (a mobile node
back home, §11.5.4), :meth:`NodeRole.on_decode_error` (Parameter Problem for a too-short Mobility Header,
§9.2), :meth:`NodeRole.is_local_destination` (a home agent's Home-Agents anycast addresses) and
:meth:`NodeRole.frame_received` (a home agent remembers each interface's last frame source MAC).

The units of a role see the node only through the role (``mobility.ports.UnitPort`` over the role), and a
role reads its node through the small set of delegations here (clock, trace, timers, sending) or
``role.node`` for the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

from mip6lab.ipv6.upper import Delivery
from mip6lab.wire.codec import DecodeError
from mip6lab.wire.ip import Addr, IPv6

if TYPE_CHECKING:
    from mip6lab.ipv6.node import IPv6Node

__all__ = ["NodeRole", "TimerHandler"]

TimerHandler = Callable[[Hashable], None]


class NodeRole:
    """Base of the three roles: the declared interface (empty), the default policy answers, and the
    node-facing conveniences its units read through their ports."""

    #: what the role is ("mobile-node", "home-agent", "correspondent": the topology's role names)
    kind = "role"

    def __init__(self, node: IPv6Node) -> None:
        self.node = node
        self._timers: dict[str, TimerHandler] = {}
        self._attached = False

    # ================================================================ what the role declares
    def doors(self) -> dict[int, Callable[[Delivery], None]]:
        """Next Header -> the role's upper-layer door for that protocol."""
        return {}

    def timer_handlers(self) -> dict[str, TimerHandler]:
        """Timer kind -> handler, as the role's units registered them (kinds in registration order)."""
        return dict(self._timers)

    def register_timer_handler(self, kind: str, handler: TimerHandler) -> None:
        """A unit's timers: kept until ``attach_role`` installs them (at once once attached)."""
        self._timers[kind] = handler
        if self._attached:
            self.node.register_timer_handler(kind, handler)

    def attached(self) -> None:
        """Called by ``attach_role`` once everything declared is installed."""
        self._attached = True

    # ================================================================ node policy (defaults: a plain node)
    def should_answer_ns(self, ifname: str, target: Addr, src: Addr) -> bool:
        """May a Neighbor Solicitation from ``src`` for ``target`` be processed?"""
        return True

    def accept_na(self, ifname: str, target: Addr, src: Addr) -> bool:
        """May a Neighbor Advertisement from ``src`` for ``target`` be processed?"""
        return True

    def on_decode_error(self, ifname: str, frame: bytes, error: DecodeError) -> None:
        """A frame that did not decode (already traced and discarded); some deserve an answer."""

    def is_local_destination(self, dst: Addr) -> bool:
        """Receiving step 1: an address the role receives on besides the node's own (anycast)."""
        return False

    def frame_received(self, ifname: str, frame: bytes) -> None:
        """Every frame the node gets, before anything else looks at it."""

    # ================================================================ the node as the role's units see it
    @property
    def name(self) -> str:
        return self.node.name

    @property
    def now(self) -> float:
        return self.node.now

    @property
    def rng(self) -> Any:
        return self.node.rng

    def trace_event(self, category: str, message: str, **details: Any) -> None:
        self.node.trace_event(category, message, **details)

    def set_timer(self, key: Hashable, at: float) -> None:
        self.node.set_timer(key, at)

    def cancel_timer(self, key: Hashable) -> None:
        self.node.cancel_timer(key)

    def timer_pending(self, key: Hashable) -> bool:
        return self.node.timer_pending(key)

    def send_packet(self, packet: IPv6) -> bool:
        return self.node.send_packet(packet)

    def hop_limit(self) -> int:
        return self.node._hop_limit()

    def security_databases(self) -> list[Any]:
        """The ESP security association databases the role holds (none by default)."""
        return []

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self.node.name!r}>"
