"""``mip6lab bench``: how fast the simulator moves packets, measured against scapy.

Three figures, one run:

* simulated packet-hops per wall-clock second for steady UDP traffic across the Figure 1 topology
  (every frame on every link counts as one hop);
* the fast codec's encode+decode rate for one data packet of that traffic;
* scapy's build+dissect rate for the same packet (scapy is the reference for the bytes).

This is a benchmark, not a test: it prints figures and asserts nothing about speed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from ipaddress import IPv6Address

from mip6lab.wire.codec import decode_frame, encode_frame
from mip6lab.wire.ip import Ethernet, IPv6
from mip6lab.wire.transport import UDP


def _rate(fn: Callable[[], object], min_seconds: float = 0.5) -> float:
    """Calls per second of ``fn``, timed over at least ``min_seconds`` of wall clock."""
    n, start = 0, time.perf_counter()
    batch = 1
    while True:
        for _ in range(batch):
            fn()
        n += batch
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return n / elapsed
        batch = min(batch * 2, 4096)


def sample_frame() -> Ethernet:
    """The packet the traffic benchmark sends: a 200-byte UDP datagram from CN to the mobile node."""
    return Ethernet(
        dst="02:00:00:00:00:01",
        src="02:00:00:00:00:02",
        payload=IPv6(
            src=IPv6Address("2001:db8:4::200:ff:fe00:801"),
            dst=IPv6Address("2001:db8:1::200:ff:fe00:301"),
            payload=UDP(40001, 40002, bytes(200)),
        ),
    )


def codec_rate() -> float:
    frame = sample_frame()
    return _rate(lambda: decode_frame(encode_frame(frame)))


def scapy_rate() -> float:
    from scapy.layers.l2 import Ether

    from mip6lab.wire.scapy_ref import to_scapy

    frame = sample_frame()
    return _rate(lambda: Ether(bytes(to_scapy(frame))))


def traffic_rate(seconds: float = 20.0) -> tuple[float, int, float]:
    """(hops per wall second, hops, wall seconds) for steady UDP traffic CN -> MN across Figure 1."""
    from mip6lab.lab import Lab

    lab = Lab("ping", seed=0, trace=False)
    lab.run(until=5.0)  # addresses configured, routers known
    lab.udp_flood("cn", "mn", rate=2000.0, size=200, duration=seconds)
    before = len(lab.capture)
    start = time.perf_counter()
    lab.run(until=5.0 + seconds + 1.0)
    wall = time.perf_counter() - start
    hops = len(lab.capture) - before
    return hops / wall, hops, wall


def main(seconds: float = 20.0) -> int:
    print("mip6lab benchmark (wall-clock rates on this machine)")
    hop_rate, hops, wall = traffic_rate(seconds)
    print(f"  simulator: {hop_rate:12,.0f} packet-hops/s  ({hops} hops of steady UDP across Figure 1 in {wall:.2f} s)")
    c = codec_rate()
    print(f"  codec:     {c:12,.0f} encode+decode/s of one 200-byte UDP frame")
    s = scapy_rate()
    print(f"  scapy:     {s:12,.0f} build+dissect/s of the same frame")
    print(f"  ratio:     simulator hop / scapy packet = {hop_rate / s:.1f}x, codec / scapy = {c / s:.1f}x")
    return 0
