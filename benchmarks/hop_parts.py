"""Where a ``scale`` run's wall time goes, per packet-hop: by the kind of node that received a frame and the
kind of frame (issue 13).

``mip6lab bench`` reports one figure per N, microseconds per hop (a frame sent on a link). This script splits
it, so that two sizes can be compared part by part: for each (receiver, frame kind) it prints how many such
receptions there were per hop, what one cost, and so what they add to a hop. Receivers: ``ff:<router>`` (a
router's fast hop, :meth:`Router.fast_forward`), ``R`` (a router's full path), ``mn``, ``cn`` and ``ha``.
Frame kinds: the IPv6 Next Header (``dstopt`` for a Destination Options header - the Home Address option
of route-optimized traffic -, ``rh``, ``mh``, ``50`` for ESP, ``41`` for a tunnel, ``17`` for UDP) or
``icmp<type>`` (134 is a Router Advertisement, 135/136 Neighbor Solicitation/Advertisement). Timers are
parts too (``timer mn:app:flow#-tx`` is a flow's send, the actions it returns included), and so are the
actions a reception returns (``perform <receiver>``). What is in none of them - the kernel, the links - is
"the rest" of a hop.

Each part is timed with ``perf_counter_ns`` around the call; the script's own bookkeeping (naming the
part) falls outside the parts, into "the rest", so a hop is a little dearer here than in ``mip6lab bench``:
compare sizes with this script, not with the benchmark. Run one size at a time on an otherwise idle
machine (two at once share the processor's caches, and a size's part-costs are what is compared)::

    PYTHONPATH=$PWD .venv/bin/python benchmarks/hop_parts.py -n 100 [--start 0] [--until 15]
    PYTHONPATH=$PWD .venv/bin/python benchmarks/hop_parts.py -n 10000   # about 3 minutes

A script, not a test: it prints figures and asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import re
import time
from collections import defaultdict
from typing import Any

from mip6lab.bench import _hops, _scale_lab
from mip6lab.ipv6.node import IPv6Node, Router
from mip6lab.net.world import World

_NEXT_HEADER = {58: "icmp", 60: "dstopt", 43: "rh", 135: "mh"}


def frame_kind(frame: bytes) -> str:
    """``icmp<type>``, a name for a few Next Header values, else the Next Header number."""
    nh = frame[20] if len(frame) > 20 else -1
    if nh == 58 and len(frame) > 54:
        return f"icmp{frame[54]}"
    return _NEXT_HEADER.get(nh, str(nh))


def timer_kind(key: Any) -> str:
    """A timer key's first element, its numbers hidden (one flow's timers are another's)."""
    first = key[0] if isinstance(key, tuple) and key else key
    return re.sub(r"\d+", "#", str(first))


def receiver_kind(node: Any) -> str:
    if isinstance(node, Router) and node.role is None:
        return "R"
    name = node.name
    for prefix in ("mn", "cn", "ha"):
        if name.startswith(prefix):
            return prefix
    return name


def measure(n: int, start: float, until: float, trace: bool = False) -> tuple[float, int, dict[str, list[int]]]:
    """Run the scale scenario with ``n`` mobile nodes to ``start``, then time it to ``until``. Returns
    (wall seconds, hops, {part: [nanoseconds, receptions]})."""
    parts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    clock = time.perf_counter_ns
    fast_forward, handle_frame = Router.fast_forward, IPv6Node.handle_frame
    fire_timer, perform = World._fire_timer, World.perform

    def add(name: str, elapsed: int) -> None:
        part = parts[name]
        part[0] += elapsed
        part[1] += 1

    def timed_fast_forward(self: Router, *args: Any) -> Any:
        t = clock()
        out = fast_forward(self, *args)
        elapsed = clock() - t  # before the part is named
        add("ff:" + self.name, elapsed)
        return out

    def timed_handle_frame(self: IPv6Node, now: float, ifname: str, frame: bytes) -> Any:
        t = clock()
        out = handle_frame(self, now, ifname, frame)
        elapsed = clock() - t  # before the part is named
        add(f"{receiver_kind(self)}:{frame_kind(frame)}", elapsed)
        return out

    in_timer = [False]

    def timed_fire_timer(self: World, node: Any, key: Any) -> None:
        t = clock()
        in_timer[0] = True
        try:
            fire_timer(self, node, key)
        finally:
            in_timer[0] = False
        elapsed = clock() - t  # before the part is named
        add(f"timer {receiver_kind(node)}:{timer_kind(key)}", elapsed)

    def timed_perform(self: World, node: Any, actions: list[Any]) -> None:
        if in_timer[0]:  # a timer's own actions: part of the timer
            perform(self, node, actions)
            return
        t = clock()
        perform(self, node, actions)
        elapsed = clock() - t  # before the part is named
        add(f"perform {receiver_kind(node)}", elapsed)

    Router.fast_forward = timed_fast_forward  # type: ignore[method-assign]
    IPv6Node.handle_frame = timed_handle_frame  # type: ignore[method-assign]
    World._fire_timer = timed_fire_timer  # type: ignore[method-assign]
    World.perform = timed_perform  # type: ignore[method-assign]
    try:
        lab = _scale_lab(n, trace=trace)
        if start > 0:
            lab.run(until=start)
        parts.clear()
        hops = _hops(lab)
        wall = time.perf_counter()
        lab.run(until=until)
        return time.perf_counter() - wall, _hops(lab) - hops, dict(parts)
    finally:
        Router.fast_forward, IPv6Node.handle_frame = fast_forward, handle_frame  # type: ignore[method-assign]
        World._fire_timer, World.perform = fire_timer, perform  # type: ignore[method-assign]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=100, help="mobile nodes")
    ap.add_argument("--start", type=float, default=0.0, help="simulated s run before timing starts")
    ap.add_argument("--until", type=float, default=15.0, help="simulated s to time to (bench: 15)")
    ap.add_argument("--trace", action="store_true", help="traces on (bench's trace cost: -n 50 --until 20)")
    args = ap.parse_args()
    wall, hops, parts = measure(args.n, args.start, args.until, args.trace)
    hops = max(hops, 1)
    print(f"N = {args.n}{', traced' if args.trace else ''}: {hops} hops, {wall / hops * 1e6:.1f} µs per hop")
    print(f"  {'part':16s} {'per hop':>8s} {'µs each':>8s} {'µs/hop':>7s}")
    shown = 0.0
    for name, (ns, count) in sorted(parts.items(), key=lambda kv: -kv[1][0]):
        shown += ns / hops / 1000
        print(f"  {name:16s} {count / hops:8.3f} {ns / count / 1000:8.2f} {ns / hops / 1000:7.2f}")
    print(f"  {'all the above':16s} {'':8s} {'':8s} {shown:7.2f}")
    print(f"  {'the rest':16s} {'':8s} {'':8s} {wall / hops * 1e6 - shown:7.2f}")


if __name__ == "__main__":
    main()
