"""A network namespace with one TAP interface: where the Linux kernel meets a simulated link.

Why the ``ip`` command and not pyroute2: iproute2 is on every Debian/Ubuntu machine (it is what
``ip netns`` means), so live mode needs no extra Python dependency, and each step is a command a reader
can type to inspect or repeat what mip6lab did (``ip -n mip6lab addr``). The two things ``ip`` cannot
do for us are done with the standard library: the TAP file descriptor comes from ``/dev/net/tun``
(``TUNSETIFF``, what ``ip tuntap`` does too) and is opened by a short-lived thread that has entered the
namespace with ``setns(2)``, so the interface is born inside the namespace and never exists in the
host's. Closing the descriptor removes the interface; ``ip netns del`` removes the namespace.

Isolation: the namespace holds only ``lo`` and the TAP. It has no veth pair or any other link to the
host's namespace, and the kernel there takes no default route from Router Advertisements
(``accept_ra_defrtr=0``); the only routes it gets are the lab's prefixes (see
:meth:`Namespace.add_route`). Live traffic cannot leave the machine.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import shutil
import struct
import subprocess
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
CLONE_NEWNET = 0x40000000
CAP_NET_ADMIN = 12
CAP_SYS_ADMIN = 21
NETNS_DIR = "/run/netns"


class LiveError(Exception):
    """Live mode cannot run here, or a step of setting it up failed; the message is one line."""


def missing_privileges() -> str | None:
    """None when live mode can run here, else one line: what is missing and how to grant it."""
    if not os.path.exists("/dev/net/tun"):
        return "live mode needs /dev/net/tun (`modprobe tun`; a container needs --device /dev/net/tun)"
    if shutil.which("ip") is None:
        return "live mode needs the `ip` command from iproute2 (apt-get install iproute2)"
    caps = _effective_caps()
    lacking = [
        name
        for bit, name in ((CAP_NET_ADMIN, "CAP_NET_ADMIN"), (CAP_SYS_ADMIN, "CAP_SYS_ADMIN"))
        if not caps >> bit & 1
    ]
    if lacking:
        return (
            f"live mode needs {' and '.join(lacking)} to create a network namespace and a TAP interface: "
            "run it as root (sudo .venv/bin/mip6lab live ...)"
        )
    return None


def _effective_caps() -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("CapEff:"):
                    return int(line.split()[1], 16)
    except OSError:
        pass
    return 0


def ip(*args: str, check: bool = True, netns: str | None = None) -> str:
    """Run ``ip [-n NETNS] ARGS``; its stdout, or LiveError with ip's own message."""
    cmd = ["ip"] + (["-n", netns] if netns else []) + list(args)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
    if check and p.returncode != 0:
        raise LiveError(f"`{' '.join(cmd)}` failed: {p.stderr.strip() or p.returncode}")
    return p.stdout


def namespaces() -> list[str]:
    return [line.split()[0] for line in ip("netns", "list").splitlines() if line.strip()]


def in_netns(name: str, fn: Callable[[], T]) -> T:
    """Run ``fn()`` in a fresh thread that has entered network namespace ``name`` and return what it
    returned. File descriptors it opens (sockets, the TAP) stay in that namespace after the thread ends;
    the rest of the process never leaves the host's namespace."""
    box: dict[str, Any] = {}

    def body() -> None:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            fd = os.open(os.path.join(NETNS_DIR, name), os.O_RDONLY)
            try:
                if libc.setns(fd, CLONE_NEWNET) != 0:
                    e = ctypes.get_errno()
                    raise LiveError(f"setns into {name}: {os.strerror(e)}")
            finally:
                os.close(fd)
            box["result"] = fn()
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc

    t = threading.Thread(target=body, name=f"netns-{name}", daemon=True)
    t.start()
    t.join()
    if "error" in box:
        raise box["error"]
    return box["result"]


def open_tap(ifname: str) -> int:
    """Create TAP interface ``ifname`` in the calling thread's namespace; its non-blocking descriptor
    (frames without a packet-information header: exactly the Ethernet frame)."""
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    try:
        fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", ifname.encode(), IFF_TAP | IFF_NO_PI))
    except OSError as e:
        os.close(fd)
        raise LiveError(f"cannot create TAP interface {ifname}: {e.strerror}") from None
    return fd


class Namespace:
    """Network namespace ``name`` with TAP interface ``ifname`` (MAC ``mac``), made by :meth:`create`
    and removed by :meth:`remove` (which is safe to call twice, and after a failed create)."""

    def __init__(self, name: str = "mip6lab", ifname: str = "mip6tap0", mac: str = "02:00:00:00:ee:01") -> None:
        self.name = name
        self.ifname = ifname
        self.mac = mac
        self.fd: int | None = None

    def create(self) -> None:
        why = missing_privileges()
        if why is not None:
            raise LiveError(why)
        cleanup(self.name)  # what a crashed run left behind
        ip("netns", "add", self.name)
        try:
            ip("link", "set", "lo", "up", netns=self.name)
            self.fd = in_netns(self.name, lambda: open_tap(self.ifname))
            ip("link", "set", self.ifname, "address", self.mac, netns=self.name)
            # The kernel as a plain host: SLAAC with EUI-64 interface identifiers, no temporary
            # addresses, no default route (only the lab's prefixes are routed, add_route), one DAD probe.
            for key, value in (
                ("forwarding", 0),
                ("accept_ra", 1),
                ("accept_ra_defrtr", 0),
                ("autoconf", 1),
                ("use_tempaddr", 0),
                ("addr_gen_mode", 0),
                ("accept_dad", 1),
                ("dad_transmits", 1),
            ):
                self.sysctl(f"net/ipv6/conf/{self.ifname}/{key}", value)
        except BaseException:
            self.remove()
            raise

    def sysctl(self, key: str, value: int | str) -> None:
        path = f"/proc/sys/{key}"
        in_netns(self.name, lambda: _write_proc(path, value))

    def up(self) -> None:
        ip("link", "set", self.ifname, "up", netns=self.name)

    def add_route(self, prefix: str, via: str) -> None:
        ip("-6", "route", "replace", prefix, "via", via, "dev", self.ifname, netns=self.name)

    def exec(self, *argv: str, timeout: float = 30.0, **kw: Any) -> subprocess.CompletedProcess[str]:
        """Run a command inside the namespace (``ip netns exec``)."""
        return subprocess.run(
            ["ip", "netns", "exec", self.name, *argv], capture_output=True, text=True, timeout=timeout, **kw
        )

    def remove(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = None
        cleanup(self.name)


def _write_proc(path: str, value: int | str) -> None:
    with open(path, "w") as f:
        f.write(str(value))


def cleanup(name: str) -> bool:
    """Remove namespace ``name`` if it exists (a previous run that crashed), first ending the
    processes still running inside it (they were started there by mip6lab or its user). True if
    something was removed."""
    if not os.path.exists(os.path.join(NETNS_DIR, name)):
        return False
    pids = ip("netns", "pids", name, check=False).split()
    for pid in pids:
        try:
            os.kill(int(pid), 15)
        except (ProcessLookupError, ValueError):
            pass
        except OSError as e:
            if e.errno != errno.ESRCH:
                raise
    ip("netns", "del", name, check=False)
    return True
