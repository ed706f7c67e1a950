"""Ten thousand frames ping-ponged by an echo pair: every frame delivered once, one link delay each.

How fast is measured by `mip6lab bench` (its chain figure), not here: a wall-clock bound in a test fails
on a loaded machine without anything being wrong.
"""

from __future__ import annotations

from mip6lab.net import World
from mip6lab.sansio import SansIONode, Transmit


class _If:
    def __init__(self, mac: str) -> None:
        self.mac = mac

    def accepts(self, mac: str) -> bool:
        return mac == self.mac


class _Echo(SansIONode):
    def __init__(self, name: str, mac: str, limit: int) -> None:
        super().__init__(name)
        self.interfaces = {"eth0": _If(mac)}
        self.received = 0
        self.limit = limit

    def handle_frame(self, now, ifname, frame):
        self.received += 1
        if self.received >= self.limit:
            return []
        return [Transmit("eth0", frame[6:12] + frame[0:6] + frame[12:])]

    def handle_link_change(self, now, ifname, attached):
        return []


def test_echo_pair_throughput():
    n = 10_000
    w = World(seed=1)
    w.strict = True
    w.trace.enabled = False
    w.add_link("l", delay=0.001)
    a = w.add_node(_Echo("a", "02:00:00:00:00:0a", n))
    b = w.add_node(_Echo("b", "02:00:00:00:00:0b", n))
    w.attach("a", "eth0", "l")
    w.attach("b", "eth0", "l")
    w.run_until_idle()
    frame = bytes.fromhex("02000000000b02000000000a86dd") + bytes(100)
    w.perform(a, [Transmit("eth0", frame)])
    w.run_until_idle()
    assert a.received + b.received == len(w.capture) == 2 * n - 1
    assert abs(w.now - len(w.capture) * 0.001) < 1e-6  # one link delay per frame
