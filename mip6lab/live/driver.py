"""The live driver: a Lab paced to the wall clock, one of its links bridged to a Linux TAP interface.

This is the only place in mip6lab that reads a wall clock. While a :class:`LiveLink` is attached:

* simulated time = wall-clock time since the start (plus the lab's time when it started); an event due
  at simulated time t runs when the wall clock reaches t, never before;
* every frame the simulated link delivers to the kernel's station is written to the TAP at once
  (``ExternalStation.sink``), byte for byte;
* every frame the kernel writes to the TAP is read as soon as it is there and put on the link
  stamped with the simulated time it arrived (``World.station_send``), after everything due earlier.

The loop runs in a background thread. Whatever else touches the lab (the CLI prompt, ``Lab.move`` in a
notebook, a test) goes through :meth:`LiveLink.call`, which takes the lab's lock and first brings the
simulation up to the wall clock, so the action is stamped with the current time. Without a live link
the Lab never reads a clock: it runs as fast as it can and deterministically.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import threading
import time
from collections.abc import Callable
from ipaddress import IPv6Address
from typing import Any, TypeVar

from mip6lab.ipv6.addresses import link_local_from_mac
from mip6lab.live.netns import LiveError, Namespace, in_netns
from mip6lab.net.station import ExternalStation

T = TypeVar("T")

KERNEL_MAC = "02:00:00:00:ee:01"
MAX_WAIT = 0.05  # seconds the loop sleeps at most, so stop() and call() are served promptly
READ_SIZE = 65536


class LiveLink:
    """Attach ``lab``'s link ``link`` to the Linux kernel in namespace ``netns`` (a TAP interface
    ``ifname`` with MAC ``mac``). ``start()`` (or ``with``) sets it up, ``stop()`` tears it down."""

    def __init__(
        self,
        lab: Any,
        link: str,
        *,
        netns: str = "mip6lab",
        ifname: str = "mip6tap0",
        mac: str = KERNEL_MAC,
        station: str = "linux",
    ) -> None:
        from mip6lab.lab import LabError

        if lab.link(link).kind != "ethernet":
            raise LabError(f"link {link} is point-to-point: attach the kernel to an Ethernet link")
        if lab.live is not None:
            raise LabError(f"the lab is already live on {lab.live.link}")
        self.lab = lab
        self.link = link
        self.ns = Namespace(netns, ifname, mac)
        self.station = ExternalStation(station, mac, self._write, ifname=ifname)
        self.lock = threading.RLock()
        self.errors: list[str] = []  # what went wrong in the loop (a TAP write refused, a bad frame)
        self.frames_in = 0  # kernel -> link
        self.frames_out = 0  # link -> kernel
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._wake_r, self._wake_w = -1, -1
        self._t0 = 0.0  # monotonic time of simulated time self._s0
        self._s0 = 0.0

    # ------------------------------------------------------------------ clock (the only wall-clock reads)
    def sim_time(self) -> float:
        """The simulated time the wall clock stands at now."""
        return self._s0 + (time.monotonic() - self._t0)

    # ------------------------------------------------------------------ life cycle
    def start(self) -> LiveLink:
        lab = self.lab
        self.ns.create()
        try:
            world = lab.world
            world.attach_station(self.station, self.link)
            lab.live = self
            if not lab.mld:  # a real station's multicast follows what the simulated nodes report
                lab.set_mld(True)
            self._wake_r, self._wake_w = os.pipe()
            self._s0 = lab.now
            self._t0 = time.monotonic()
            lab.capture.time_origin = time.time() - self._s0
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="mip6lab-live", daemon=True)
            self._thread.start()
            self.ns.up()  # only now: the kernel's first frames (MLD, DAD, RS) are read with their times
            self._routes()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop pacing, detach the station, remove the TAP and the namespace (idempotent)."""
        self._stop.set()
        if self._wake_w >= 0:
            with contextlib.suppress(OSError):
                os.write(self._wake_w, b"x")
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        self._thread = None
        with self.lock:
            if self.lab.live is self:
                self.lab.live = None
            self.lab.world.detach_station(self.station)
        self.ns.remove()
        for fd in (self._wake_r, self._wake_w):
            if fd >= 0:
                os.close(fd)
        self._wake_r = self._wake_w = -1

    def __enter__(self) -> LiveLink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # ------------------------------------------------------------------ the loop
    def _loop(self) -> None:
        world = self.lab.world
        sim = world.sim
        tap = self.ns.fd
        assert tap is not None
        while not self._stop.is_set():
            with self.lock:
                self._catch_up()
                nxt = sim.peek()
            wait = MAX_WAIT if nxt is None else min(MAX_WAIT, max(0.0, nxt - self.sim_time()))
            try:
                ready, _, _ = select.select([tap, self._wake_r], [], [], wait)
            except (OSError, ValueError):
                return  # descriptors closed under us: stopping
            if self._wake_r in ready:
                try:
                    os.read(self._wake_r, 4096)
                except OSError:
                    return
            if tap in ready:
                self._read_frames(tap)

    def _catch_up(self) -> None:
        """Run every event due up to the wall clock (the lab's clock then reads the wall clock)."""
        now = self.sim_time()
        if now > self.lab.world.sim.now:
            try:
                self.lab.world.run(until=now)
            except Exception as exc:  # a node failure is contained by the World; this is a bug
                self.errors.append(f"{type(exc).__name__}: {exc}")

    def _read_frames(self, tap: int) -> None:
        while True:
            try:
                frame = os.read(tap, READ_SIZE)
            except BlockingIOError:
                return
            except OSError as e:
                if e.errno != errno.EAGAIN:
                    self.errors.append(f"TAP read: {e.strerror}")
                return
            if not frame:
                return
            arrival = self.sim_time()
            with self.lock:
                try:
                    self.lab.world.station_send(self.station, frame, at=max(arrival, self.lab.world.sim.now))
                    self.frames_in += 1
                except Exception as exc:
                    self.errors.append(f"frame from the kernel refused: {exc}")

    def _write(self, frame: bytes) -> None:
        """The station's sink: a frame the link delivered to the kernel goes out of the TAP."""
        fd = self.ns.fd
        if fd is None:
            return
        try:
            os.write(fd, frame)
            self.frames_out += 1
        except OSError as e:
            self.errors.append(f"TAP write: {e.strerror}")

    # ------------------------------------------------------------------ acting on a live lab
    def call(self, fn: Callable[[], T]) -> T:
        """Run ``fn()`` under the lab's lock at the current wall-clock time, then wake the loop (``fn``
        may have scheduled something earlier than what it sleeps for)."""
        with self.lock:
            self._catch_up()
            result = fn()
        if self._wake_w >= 0:
            with contextlib.suppress(OSError):
                os.write(self._wake_w, b"x")
        return result

    def wait_until(self, t: float) -> None:
        """Block until simulated time ``t`` has been reached (the loop keeps running meanwhile)."""
        while self.running:
            left = t - self.sim_time()
            if left <= 0:
                break
            time.sleep(min(left, 0.1))
        with self.lock:
            self._catch_up()

    def wait_for(self, condition: Callable[[], bool], timeout: float, poll: float = 0.05) -> bool:
        """Wait (wall clock) until ``condition()`` - evaluated under the lab's lock - holds."""
        end = time.monotonic() + timeout
        while True:
            with self.lock:
                if condition():
                    return True
            if time.monotonic() >= end:
                return False
            time.sleep(poll)

    # ------------------------------------------------------------------ the kernel's side
    def _routes(self) -> None:
        """The lab's prefixes, each via the link's router (its link-local address): the namespace's
        only routes off the link. No default route: nothing can be sent outside the lab."""
        lab = self.lab
        router = None
        for (name, ifname), (node, _iface) in lab.world.links[self.link].ends.items():
            if getattr(node, "is_router", False):
                router = (name, ifname)
                break
        if router is None:
            return
        mac = lab.nodes[router[0]].interfaces[router[1]].mac
        via = str(link_local_from_mac(mac))
        own = str(lab.topology.links[self.link].prefix)
        for lk in lab.topology.links.values():
            if str(lk.prefix) != own:
                self.ns.add_route(str(lk.prefix), via)

    def exec(self, *argv: str, timeout: float = 30.0) -> Any:
        """Run a command in the namespace (``ip netns exec NAME ...``); the CompletedProcess."""
        return self.ns.exec(*argv, timeout=timeout)

    def socket(self, *args: Any) -> Any:
        """A socket created inside the namespace (``socket.socket(*args)``)."""
        import socket

        return in_netns(self.ns.name, lambda: socket.socket(*args))

    def addresses(self) -> list[tuple[IPv6Address, str]]:
        """The kernel's IPv6 addresses on the TAP with their flags (``ip -6 addr``)."""
        out = []
        for line in self.ns.exec("ip", "-6", "-o", "addr", "show", "dev", self.ns.ifname).stdout.splitlines():
            parts = line.split()
            if "inet6" in parts:
                addr = parts[parts.index("inet6") + 1].split("/")[0]
                flags = " ".join(p for p in parts if p in ("tentative", "dadfailed", "deprecated", "dynamic"))
                out.append((IPv6Address(addr), flags))
        return out

    def neighbours(self) -> dict[IPv6Address, str]:
        """The kernel's neighbour cache on the TAP: address -> NUD state (``ip -6 neigh``)."""
        out = {}
        for line in self.ns.exec("ip", "-6", "neigh", "show", "dev", self.ns.ifname).stdout.splitlines():
            parts = line.split()
            if parts:
                out[IPv6Address(parts[0])] = parts[-1]
        return out

    def global_address(self) -> IPv6Address | None:
        for a, flags in self.addresses():
            if not a.is_link_local and "tentative" not in flags and "dadfailed" not in flags:
                return a
        return None


def live(lab: Any, link: str, **kw: Any) -> LiveLink:
    """Attach ``link`` of ``lab`` to the kernel and start pacing (``LiveLink(lab, link, **kw).start()``)."""
    return LiveLink(lab, link, **kw).start()


__all__ = ["LiveLink", "LiveError", "live", "KERNEL_MAC"]
