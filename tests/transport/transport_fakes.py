"""An in-memory stand-in for IPv6 nodes, so the transport layer is tested on its own.

``FakeNet`` carries upper-layer payloads between ``FakeHost`` objects (which implement
``mip6lab.ipv6.upper.UpperLayerHost``) after a fixed one-way delay, driven by the real
``mip6lab.sim.kernel.Simulator``. Tests inject loss and duplication with predicates over the
payload, and "move" a host by removing or adding addresses. The destination host is looked up at
delivery time, so a packet to an address that vanished in flight is lost, as on a real network.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from ipaddress import IPv6Address
from typing import Any

from mip6lab.ipv6.upper import Delivery, UpperHandler
from mip6lab.sim.kernel import Event, Simulator
from mip6lab.trace import Trace
from mip6lab.wire.ip import IPv6
from mip6lab.wire.transport import TCP, UDP


@dataclass
class Sent:
    time: float
    src: IPv6Address
    dst: IPv6Address
    payload: Any
    dropped: bool = False


class FakeHost:
    def __init__(self, net: FakeNet, name: str, *addrs: str) -> None:
        self.net = net
        self.name = name
        self.rng = net.sim.child_rng(name)
        self.trace = net.trace
        self.addresses: list[IPv6Address] = [IPv6Address(a) for a in addrs]
        self._upper: dict[int, UpperHandler] = {}
        self._timer_handlers: dict[str, Callable[[Hashable], None]] = {}
        self._timers: dict[Hashable, Event] = {}
        self.icmp_errors: list[tuple[IPv6, int, int]] = []
        self.delivered: list[Delivery] = []

    # --- UpperLayerHost
    @property
    def now(self) -> float:
        return self.net.sim.now

    def register_upper(self, nh: int, handler: UpperHandler) -> None:
        self._upper[nh] = handler

    def send_upper(self, payload: Any, dst: IPv6Address, src: IPv6Address | None = None, hlim=None) -> bool:
        src = src or self.source_address_for(dst)
        if src is None or src not in self.addresses:
            return False
        self.net.transmit(src, dst, payload)
        return True

    def source_address_for(self, dst: IPv6Address) -> IPv6Address | None:
        return self.addresses[0] if self.addresses else None

    def has_address(self, addr: IPv6Address) -> bool:
        return addr in self.addresses

    def set_timer(self, key: Hashable, at: float) -> None:
        self.cancel_timer(key)
        self._timers[key] = self.net.sim.schedule(at, self._fire, key)

    def cancel_timer(self, key: Hashable) -> None:
        ev = self._timers.pop(key, None)
        if ev is not None:
            ev.cancel()

    def register_timer_handler(self, kind: str, handler: Callable[[Hashable], None]) -> None:
        self._timer_handlers[kind] = handler

    def icmp_error(self, packet: IPv6, type_: int, code: int) -> None:
        self.icmp_errors.append((packet, type_, code))

    # --- fake internals
    def timer_at(self, key: Hashable) -> float | None:
        ev = self._timers.get(key)
        return ev.time if ev is not None else None

    def _fire(self, key: Hashable) -> None:
        self._timers.pop(key, None)
        self._timer_handlers[key[0]](key)  # type: ignore[index]

    def receive(self, src: IPv6Address, dst: IPv6Address, payload: Any) -> None:
        nh = 6 if isinstance(payload, TCP) else 17 if isinstance(payload, UDP) else -1
        d = Delivery(src, dst, payload, IPv6(src, dst, payload), "eth0")
        self.delivered.append(d)
        handler = self._upper.get(nh)
        if handler is not None:
            handler(d)


class FakeNet:
    """Fixed one-way ``delay``; ``drop(sent) -> bool``, ``duplicate(sent) -> bool`` and
    ``extra_delay(sent) -> float`` hooks."""

    def __init__(self, seed: int = 1, delay: float = 0.05) -> None:
        self.sim = Simulator(seed)
        self.trace = Trace()
        self.delay = delay
        self.hosts: list[FakeHost] = []
        self.log: list[Sent] = []
        self.drop: Callable[[Sent], bool] | None = None
        self.duplicate: Callable[[Sent], bool] | None = None
        self.extra_delay: Callable[[Sent], float] | None = None  # reorders packets

    def host(self, name: str, *addrs: str) -> FakeHost:
        h = FakeHost(self, name, *addrs)
        self.hosts.append(h)
        return h

    def transmit(self, src: IPv6Address, dst: IPv6Address, payload: Any) -> None:
        s = Sent(self.sim.now, src, dst, payload)
        self.log.append(s)
        if self.drop is not None and self.drop(s):
            s.dropped = True
            return
        copies = 2 if self.duplicate is not None and self.duplicate(s) else 1
        delay = self.delay + (self.extra_delay(s) if self.extra_delay is not None else 0.0)
        for _ in range(copies):
            self.sim.call_later(delay, self._arrive, src, dst, payload)

    def _arrive(self, src: IPv6Address, dst: IPv6Address, payload: Any) -> None:
        for h in self.hosts:
            if dst in h.addresses:
                h.receive(src, dst, payload)
                return

    def tcp_log(self, src: IPv6Address | None = None) -> list[Sent]:
        return [s for s in self.log if isinstance(s.payload, TCP) and (src is None or s.src == src)]


A = IPv6Address("2001:db8:1::a")
B = IPv6Address("2001:db8:2::b")
