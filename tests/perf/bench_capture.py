"""What a bench scale point's traffic figures must be, counted independently: the same scale lab with the capture
on (every frame sent is a capture record, a dropped one included; ``receivers`` names who accepted it)."""

from __future__ import annotations

from collections import Counter
from typing import Any


def capture_figures(n: int, until: float) -> dict[str, Any]:
    """``hops``, ``hops_by_link`` (links that carried a frame) and ``receptions`` of ``n`` mobile nodes' scale
    lab run to ``until``, from its capture, plus the records themselves (``records``) and the lab."""
    from mip6lab.bench import _scale_lab

    lab = _scale_lab(n, trace=False, capture=True)
    lab.run(until=until)
    records = list(lab.capture)
    assert lab.capture.first_kept == 0, "the capture kept every frame"
    links = lab.world.links
    # a frame is received one link delay after it was sent: one sent at the very end is still in flight
    delivered = [r for r in records if r.time + links[r.link].delay <= lab.now]
    return {
        "hops": len(records),
        "hops_by_link": dict(Counter(r.link for r in records)),
        "receptions": sum(len(r.receivers) for r in delivered),
        "records": records,
        "lab": lab,
    }


def assert_point_counts_its_traffic(point: dict[str, Any]) -> dict[str, Any]:
    """A scale point's figures equal the capture's counts of the same run; returns those counts."""
    want = capture_figures(int(point["mobile_nodes"]), float(point["simulated_s"]))
    assert point["hops"] == want["hops"] > 0
    assert {k: v for k, v in point["hops_by_link"].items() if v} == want["hops_by_link"]
    assert point["receptions"] == want["receptions"] > 0
    return want
