"""Quick, repeatable timing of the hosts' hot path and of tracing (issue 13).

Runs the ``scale`` scenario (N mobile nodes, traces off, then on) ``--rounds`` times, alternating, and
prints packet-hops per wall second for each and the traces-on / traces-off wall ratio. To compare two
versions of the code on a busy machine, run this script for both *interleaved* (``--compare DIR``
runs the same measurement with ``DIR`` first on ``sys.path`` in a child process between rounds) and
read the ratios, not the absolute figures. Times are CPU seconds of the measuring process
(``time.process_time``), which a busy machine disturbs much less than wall time.

    PYTHONPATH=$PWD python scripts/perf_host.py [-n 100] [--start 2] [--until 8] [--rounds 3] [--compare /path/to/old]

``-n 50 --start 0 --until 20`` is the setting of ``mip6lab bench``'s trace cost.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time


def measure(n: int, until: float, start: float = 2.0) -> dict[str, float]:
    """CPU time and hops of one scale run with traces off and one with traces on (from ``start``)."""
    from mip6lab.bench import _hops, _scale_lab

    out: dict[str, float] = {}
    for trace in (False, True):
        lab = _scale_lab(n, trace=trace)
        lab.run(until=start)
        before, t0 = _hops(lab), time.process_time()
        lab.run(until=until)
        wall = time.process_time() - t0
        key = "on" if trace else "off"
        out[f"wall_{key}"] = wall
        out[f"hops_{key}"] = _hops(lab) - before
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-n", type=int, default=100, help="mobile nodes (default 100)")
    p.add_argument("--start", type=float, default=2.0, help="measure from this simulated time (default 2)")
    p.add_argument("--until", type=float, default=8.0, help="... to this one (default 8)")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--compare", help="a directory holding another mip6lab package, measured interleaved")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child:
        print(json.dumps(measure(a.n, a.until, a.start)))
        return 0
    rows: dict[str, list[dict[str, float]]] = {"this": [], "other": []}
    for _ in range(a.rounds):
        rows["this"].append(measure(a.n, a.until, a.start))
        if a.compare:
            env_cmd = [sys.executable, __file__, "--child", "-n", str(a.n), "--until", str(a.until)]
            env_cmd += ["--start", str(a.start)]
            import os

            env = dict(os.environ, PYTHONPATH=a.compare)
            res = subprocess.run(env_cmd, capture_output=True, text=True, env=env, check=True)
            rows["other"].append(json.loads(res.stdout.strip().splitlines()[-1]))

    def summary(rs: list[dict[str, float]]) -> dict[str, float]:
        off = sum(r["wall_off"] for r in rs)
        on = sum(r["wall_on"] for r in rs)
        return {
            "hops_per_s_off": sum(r["hops_off"] for r in rs) / off,
            "hops_per_s_on": sum(r["hops_on"] for r in rs) / on,
            "trace_cost": on / off,
        }

    this = summary(rows["this"])
    print(
        f"this : {this['hops_per_s_off']:9,.0f} hops/s off, {this['hops_per_s_on']:9,.0f} on, "
        f"trace cost {this['trace_cost']:.2f}"
    )
    if a.compare:
        other = summary(rows["other"])
        print(
            f"other: {other['hops_per_s_off']:9,.0f} hops/s off, {other['hops_per_s_on']:9,.0f} on, "
            f"trace cost {other['trace_cost']:.2f}"
        )
        print(
            f"speed-up (this / other): traces off {this['hops_per_s_off'] / other['hops_per_s_off']:.2f}x, "
            f"on {this['hops_per_s_on'] / other['hops_per_s_on']:.2f}x"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
