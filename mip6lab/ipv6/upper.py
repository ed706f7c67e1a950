"""The seam between the IPv6 layer and the upper layers (TCP, UDP, ICMPv6 users, mobility).

The receiving algorithm hands every accepted packet up as a :class:`Delivery`, with the *logical*
addresses: after a Type 2 Routing header the destination is the home address, after a Home Address
option the source is the home address (white paper, receiving algorithm steps 2 and 8). Upper
layers therefore never see care-of addresses unless they look at ``packet``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from random import Random
from typing import Any, Protocol

from mip6lab.trace import Trace
from mip6lab.wire.ip import Addr, IPv6
from mip6lab.wire.values import constructor


@dataclass(frozen=True, slots=True)
class Delivery:
    src: Addr  # logical source (home address if a Home Address option was present)
    dst: Addr  # logical destination (home address if a Type 2 Routing header was present)
    payload: Any  # TCP, UDP, ICMPv6 message, MobilityHeader, ...
    packet: IPv6  # the (inner, if tunneled) packet as it arrived
    ifname: str
    tunneled: bool = False  # arrived inside an IPv6-in-IPv6 tunnel (from the home agent)
    outer: IPv6 | None = None  # the outer header of a tunneled packet


new_delivery = constructor(Delivery)  # Delivery(...) with all seven fields, built faster (every packet received)

UpperHandler = Callable[[Delivery], None]


class UpperLayerHost(Protocol):
    """What a transport or application needs from its node (implemented by ``IPv6Node``)."""

    name: str
    now: float
    rng: Random
    trace: Trace

    def register_upper(self, nh: int, handler: UpperHandler) -> None: ...

    def send_upper(self, payload: Any, dst: Addr, src: Addr | None = None, hlim: int | None = None) -> bool:
        """Run the sending algorithm for ``payload`` to ``dst``; False if it could not be sent now."""
        ...

    def source_address_for(self, dst: Addr) -> Addr | None: ...

    def has_address(self, addr: Addr) -> bool: ...

    def set_timer(self, key: Hashable, at: float) -> None: ...

    def cancel_timer(self, key: Hashable) -> None: ...

    def register_timer_handler(self, kind: str, handler: Callable[[Hashable], None]) -> None: ...
