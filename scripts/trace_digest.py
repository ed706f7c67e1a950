"""A digest of every scenario's trace as a reader sees it: to prove that a speed-up changed no trace.

Each algorithm run (number, algorithm, node, time, packet, every step's number, label, decision and
inputs, result, output, capture record) and each trace event is hashed through its ``repr``, per
scenario, with traces on, for ``--until`` simulated seconds or the scenario's duration if shorter
(``scale`` with 6 mobile nodes). Run it for two trees and compare the lines:

    PYTHONPATH=/path/to/old python scripts/trace_digest.py > /tmp/old.txt
    PYTHONPATH=$PWD         python scripts/trace_digest.py > /tmp/new.txt
    diff /tmp/old.txt /tmp/new.txt && echo "traces identical"
"""

from __future__ import annotations

import argparse
import hashlib

from mip6lab import SCENARIOS, Lab


def digest(name: str, until: float) -> tuple[int, str]:
    """(runs, digest) of scenario ``name``'s trace after ``until`` simulated seconds."""
    scenario = SCENARIOS[name]
    if name == "scale":
        scenario = scenario.with_parameters(mobile_nodes=6)
    lab = Lab(scenario, trace=True)
    lab.run(until=min(getattr(scenario, "duration", None) or until, until))
    h = hashlib.sha256()
    for r in lab.trace.runs:
        steps = [(s.number, s.name, s.decision, repr(sorted(s.inputs.items()))) for s in r.steps]
        h.update(repr((r.id, r.algorithm, r.node, r.time, r.packet, steps, r.result, r.output, r.record)).encode())
    for e in lab.trace.events:
        h.update(repr((e.time, e.node, e.category, e.message, sorted(e.details.items()))).encode())
    return len(lab.trace.runs), h.hexdigest()[:16]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("scenarios", nargs="*", help="scenario names (default: all)")
    p.add_argument("--until", type=float, default=30.0, help="simulated seconds (default 30)")
    a = p.parse_args()
    for name in a.scenarios or list(SCENARIOS):
        runs, d = digest(name, a.until)
        print(f"{name} {runs} {d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
