"""Duplicate Address Detection (RFC 4862 §5.4).

Before an address is used, the node joins its solicited-node group and sends
DupAddrDetectTransmits Neighbor Solicitations from the unspecified address ``::`` to that group,
RetransTimer apart (the first after a random delay of up to MAX_RTR_SOLICITATION_DELAY when the
interface just came up). If a Neighbor Advertisement for the address arrives, or a solicitation
from ``::`` for it (someone else is checking the same address), it is a duplicate. Silence for
RetransTimer after the last probe means the address is unique.

The detector does no I/O: the node sends the probes and owns the timers. Each run reports its
outcome to callbacks - the node's own, and e.g. a home agent defending a mobile node's home
address on the home link (RFC 6275 §10.4.1), which runs DAD for an address it does not hold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from random import Random

from mip6lab.ipv6 import constants as C
from mip6lab.wire.ip import Addr

DadCallback = Callable[[str, Addr, bool], None]  # (ifname, address, unique?)


@dataclass(slots=True)
class DadRun:
    ifname: str
    addr: Addr
    started: float
    transmits: int = C.DUP_ADDR_DETECT_TRANSMITS
    sent: int = 0
    callbacks: list[DadCallback] = field(default_factory=list)


class DuplicateAddressDetector:
    def __init__(
        self,
        rng: Random,
        *,
        send_probe: Callable[[str, Addr], None],
        set_timer: Callable[[tuple, float], None],
        cancel_timer: Callable[[tuple], None],
        on_result: DadCallback,
    ) -> None:
        self.rng = rng
        self._send_probe = send_probe
        self._set_timer = set_timer
        self._cancel_timer = cancel_timer
        self._on_result = on_result
        self.runs: dict[tuple[str, Addr], DadRun] = {}
        self.retrans_timer = C.RETRANS_TIMER

    @staticmethod
    def timer_key(ifname: str, addr: Addr) -> tuple:
        return ("dad", ifname, addr)

    def running(self, ifname: str, addr: Addr) -> bool:
        return (ifname, addr) in self.runs

    def start(
        self,
        ifname: str,
        addr: Addr,
        now: float,
        *,
        delay_first: bool = True,
        callback: DadCallback | None = None,
        transmits: int = C.DUP_ADDR_DETECT_TRANSMITS,
    ) -> DadRun:
        """Begin (or restart) DAD for ``addr``; the caller has already joined the solicited-node group."""
        self.cancel(ifname, addr)
        run = DadRun(ifname, addr, now, transmits)
        if callback is not None:
            run.callbacks.append(callback)
        self.runs[(ifname, addr)] = run
        delay = self.rng.uniform(0.0, C.MAX_RTR_SOLICITATION_DELAY) if delay_first else 0.0
        self._set_timer(self.timer_key(ifname, addr), now + delay)
        return run

    def cancel(self, ifname: str, addr: Addr) -> None:
        if self.runs.pop((ifname, addr), None) is not None:
            self._cancel_timer(self.timer_key(ifname, addr))

    def timer_expired(self, ifname: str, addr: Addr, now: float) -> None:
        run = self.runs.get((ifname, addr))
        if run is None:
            return
        if run.sent < run.transmits:
            run.sent += 1
            self._send_probe(ifname, addr)
            self._set_timer(self.timer_key(ifname, addr), now + self.retrans_timer)
            return
        self._finish(run, True)

    def conflict(self, ifname: str, addr: Addr) -> bool:
        """An NA for ``addr``, or an NS from ``::`` for it, arrived: duplicate. True if DAD was running."""
        run = self.runs.get((ifname, addr))
        if run is None:
            return False
        self._cancel_timer(self.timer_key(ifname, addr))
        self._finish(run, False)
        return True

    def _finish(self, run: DadRun, unique: bool) -> None:
        self.runs.pop((run.ifname, run.addr), None)
        self._on_result(run.ifname, run.addr, unique)
        for cb in run.callbacks:
            cb(run.ifname, run.addr, unique)
