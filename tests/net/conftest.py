"""Tiny fake sans-IO nodes that send hand-built raw Ethernet frames (no codec needed)."""

from __future__ import annotations

from collections.abc import Hashable

import pytest

from mip6lab.net.world import World
from mip6lab.sansio import Action, SansIONode, Transmit

ETHERTYPE_TEST = 0x88B5  # IEEE 802 "local experimental" EtherType: nobody decodes it as IPv6


def mac_bytes(mac: str) -> bytes:
    return bytes.fromhex(mac.replace(":", ""))


def eth_frame(dst: str, src: str, payload: bytes = b"", ethertype: int = ETHERTYPE_TEST) -> bytes:
    return mac_bytes(dst) + mac_bytes(src) + ethertype.to_bytes(2, "big") + payload


class FakeIface:
    def __init__(self, mac: str, groups: list[str] | None = None) -> None:
        self.mac = mac
        self.groups = list(groups or [])

    def accepts(self, mac: str) -> bool:
        return mac == self.mac or mac in self.groups


class FakeNode(SansIONode):
    """Records what it receives; can echo frames back, fail on demand, and send by script."""

    def __init__(self, name: str, macs: dict[str, str], groups: list[str] | None = None) -> None:
        super().__init__(name)
        self.interfaces = {ifname: FakeIface(mac, groups) for ifname, mac in macs.items()}
        self.rx: list[tuple[float, str, bytes]] = []
        self.link_changes: list[tuple[float, str, bool]] = []
        self.fired: list[tuple[float, Hashable]] = []
        self.echo = False
        self.fail = False
        self.register_timer_handler("tick", self._tick)

    def _tick(self, key: Hashable) -> None:
        self.fired.append((self.now, key))

    def send(self, ifname: str, dst: str, payload: bytes = b"", trace_id: int = 0) -> None:
        src = self.interfaces[ifname].mac
        self._emit(Transmit(ifname, eth_frame(dst, src, payload), trace_id))

    def handle_frame(self, now: float, ifname: str, frame: bytes) -> list[Action]:
        self.now = now
        self.rx.append((now, ifname, frame))
        if self.fail:
            self.send(ifname, "ff:ff:ff:ff:ff:ff", b"half-done")  # must be discarded
            raise RuntimeError(f"{self.name} fails on purpose")
        if self.echo:
            self._emit(Transmit(ifname, frame[6:12] + frame[0:6] + frame[12:]))
        return self.drain()

    def handle_link_change(self, now: float, ifname: str, attached: bool) -> list[Action]:
        self.now = now
        self.link_changes.append((now, ifname, attached))
        return self.drain()


MAC_A = "02:00:00:00:00:0a"
MAC_B = "02:00:00:00:00:0b"
MAC_C = "02:00:00:00:00:0c"
GROUP = "33:33:00:00:00:01"
OTHER_GROUP = "33:33:ff:00:00:99"
BCAST = "ff:ff:ff:ff:ff:ff"


@pytest.fixture
def fakes():
    """The helpers above, for test modules (tests/ is not a package)."""
    import types

    return types.SimpleNamespace(
        FakeNode=FakeNode,
        eth_frame=eth_frame,
        MAC_A=MAC_A,
        MAC_B=MAC_B,
        MAC_C=MAC_C,
        GROUP=GROUP,
        OTHER_GROUP=OTHER_GROUP,
        BCAST=BCAST,
    )


@pytest.fixture
def lan():
    """A strict world with one Ethernet link and three nodes: a and b join GROUP, c does not."""
    w = World(seed=1)
    w.strict = True
    w.add_link("lan", delay=0.002)
    a = w.add_node(FakeNode("a", {"eth0": MAC_A}, [GROUP]))
    b = w.add_node(FakeNode("b", {"eth0": MAC_B}, [GROUP]))
    c = w.add_node(FakeNode("c", {"eth0": MAC_C}))
    for n in ("a", "b", "c"):
        w.attach(n, "eth0", "lan")
    w.run_until_idle()
    return w, a, b, c
