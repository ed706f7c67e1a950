"""The scripts in ``benchmarks/`` that split the per-hop cost still run and account for what they claim to
(speed itself is not tested)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from mip6lab.bench import _hops, _scale_lab
from mip6lab.ipv6.node import IPv6Node, Router
from mip6lab.net.world import World

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_bench_{name}", BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_frame_and_timer_kinds() -> None:
    hop_parts = _load("hop_parts")
    head = bytes(14) + bytes([0x60, 0, 0, 0, 0, 8])  # Ethernet header, IPv6 version ... payload length
    ra = head + bytes([58, 255]) + bytes(32) + bytes([134])
    assert hop_parts.frame_kind(ra) == "icmp134"
    assert hop_parts.frame_kind(head + bytes([60, 64]) + bytes(40)) == "dstopt"
    assert hop_parts.frame_kind(head + bytes([17, 64]) + bytes(40)) == "17"
    assert hop_parts.timer_kind(("app:flow12-tx",)) == "app:flow#-tx"
    assert hop_parts.timer_kind("dad") == "dad"


def test_hop_parts_counts_the_runs_receptions_and_restores_the_classes() -> None:
    hop_parts = _load("hop_parts")
    before = (Router.fast_forward, IPv6Node.handle_frame, World._fire_timer, World.perform)
    wall, hops, parts = hop_parts.measure(4, 0.0, 6.0)
    assert (Router.fast_forward, IPv6Node.handle_frame, World._fire_timer, World.perform) == before

    lab = _scale_lab(4, trace=False)  # the same run, deterministic: the same hops
    lab.run(until=6.0)
    assert hops == _hops(lab) and wall > 0
    # every frame a link delivered was received by a router's fast hop or a node's full path (a fast hop that
    # declines hands the frame to the full path: counted twice)
    delivered = sum(link.frames_delivered for link in lab.world.links.values())
    received = sum(count for name, (_, count) in parts.items() if not name.startswith(("timer ", "perform ")))
    declined = sum(count for name, (_, count) in parts.items() if name.startswith("R:"))
    assert delivered == received - declined
    # the flows' sends are timers of the mobile nodes; their datagrams reach the correspondents
    assert parts["timer mn:app:flow#-tx"][1] > 0 and parts["cn:dstopt"][1] > 0
    assert all(ns > 0 for ns, count in parts.values() if count)


def test_heap_size_times_a_pop_and_a_push() -> None:
    heap_size = _load("heap_size")
    assert heap_size.pop_push_us(100, ops=1000) > 0
