"""How many host sending / receiving algorithm decisions (white paper Figures 35 and 36) mip6lab makes
per wall-clock second, with decision traces on and off.

Scenario: ``route-optimized-data`` (Figure 1, the mobile node away from home, route optimization with
the correspondent), plus UDP floods both ways once the bindings exist - every data packet then runs
the sending algorithm at its source (steps 3-4 at the correspondent, 8-9 at the mobile node), the
receiving algorithm at each router on the way (step 1: forward) and at its destination (2 or 8, 9, 11,
12). Each node's ``send_algorithm`` / ``receive_algorithm`` seam is wrapped with a counter, so the
number of runs is known with tracing off too; steps are counted from the trace when it is on (the run
is deterministic, so the same runs happen either way).

A script, not a test: ``.venv/bin/python benchmarks/algorithms.py [seconds]``. It prints figures and
asserts nothing about speed.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

from mip6lab.lab import Lab

WARM_UP = 10.0  # simulated seconds: movement, home registration, return routability, correspondent BU


def _count(lab: Lab, counts: dict[str, int]) -> None:
    """Wrap every node's algorithm seams with counters (the attribute a reader's version would replace)."""

    def wrap(fn: Callable[..., Any], key: str) -> Callable[..., Any]:
        def counted(*args: Any, **kw: Any) -> Any:
            counts[key] += 1
            return fn(*args, **kw)

        return counted

    for node in lab.nodes.values():
        node.send_algorithm = wrap(node.send_algorithm, "send")
        node.receive_algorithm = wrap(node.receive_algorithm, "receive")


def measure(trace: bool, seconds: float, rate: float) -> dict[str, float]:
    lab = Lab("route-optimized-data", trace=trace)
    lab.run(WARM_UP)
    assert lab.role("cn").cache.lookup(lab.role("mn").home_address) is not None, "RO not set up"
    lab.udp_flood("cn", "mn", rate=rate, size=200, duration=seconds, name="flood-down")
    lab.udp_flood("mn", "cn", rate=rate, size=200, duration=seconds, port=40003, name="flood-up")
    counts = {"send": 0, "receive": 0}
    _count(lab, counts)
    runs_before = len(lab.trace.runs)
    start = time.perf_counter()
    lab.run(WARM_UP + seconds + 1.0)
    wall = time.perf_counter() - start
    new_runs = lab.trace.runs[runs_before:]
    steps = sum(len(r.steps) for r in new_runs)
    return {
        "wall": wall,
        "send": counts["send"],
        "receive": counts["receive"],
        "runs_per_s": (counts["send"] + counts["receive"]) / wall,
        "steps": steps,
        "steps_per_s": steps / wall if trace else 0.0,
        "received": lab.apps["flood-down-rx"].received + lab.apps["flood-up-rx"].received,
    }


def main(seconds: float = 10.0, rate: float = 500.0) -> int:
    print(f"route-optimized-data + UDP {rate:g} packets/s each way for {seconds:g} simulated s (after {WARM_UP:g} s)")
    results = {}
    for trace in (False, True):
        best = min((measure(trace, seconds, rate) for _ in range(3)), key=lambda r: r["wall"])
        results[trace] = best
        label = "traces on " if trace else "traces off"
        print(
            f"  {label}: {best['send']:,} sending + {best['receive']:,} receiving algorithm runs "
            f"in {best['wall']:.3f} s wall = {best['runs_per_s']:,.0f} runs/s"
            + (f"; {best['steps']:,} steps = {best['steps_per_s']:,.0f} steps/s" if trace else "")
            + f"  ({best['received']:,} datagrams delivered)"
        )
    on, off = results[True], results[False]
    assert on["send"] == off["send"] and on["receive"] == off["receive"], "runs differ with tracing"
    per_run = on["steps"] / (on["send"] + on["receive"])
    print(f"  steps per run: {per_run:.2f}; traces-off equivalent {off['runs_per_s'] * per_run:,.0f} steps/s")
    print(f"  tracing costs {100 * (on['wall'] / off['wall'] - 1):.0f}% wall time")
    return 0


if __name__ == "__main__":
    sys.exit(main(*(float(a) for a in sys.argv[1:3])))
