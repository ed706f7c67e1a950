"""The fast hop (routers forwarding on the fixed header when tracing is off) sends exactly the bytes the
full path sends: every scenario's capture with traces off matches the recorded digest (made with traces
on, through the full path)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from mip6lab import SCENARIOS, Lab
from mip6lab.ipv6.node import Router

RECORDED = json.loads((Path(__file__).parents[1] / "scenarios" / "capture_digests.json").read_text())


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_traces_off_capture_is_byte_identical(scenario: str, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"fast": 0}
    original = Router.fast_forward

    def counting(self, now, ifname, frame):  # type: ignore[no-untyped-def]
        out = original(self, now, ifname, frame)
        calls["fast"] += out is not None
        return out

    monkeypatch.setattr(Router, "fast_forward", counting)
    lab = Lab(scenario, seed=1, trace=False)
    lab.run()
    assert hashlib.sha256(lab.capture.to_bytes_pcapng()).hexdigest() == RECORDED[scenario]["1"]
    if scenario in ("scale", "route-optimized-data", "tunneled-data"):
        assert calls["fast"] > 0  # the fast path really carried traffic


def _trace_and_capture(scenario: str, until: float) -> tuple[list[str], list[str], str, int]:
    lab = Lab(scenario, seed=1, trace=True)
    lab.run(until=until)
    runs = [repr(r) for r in lab.trace.runs]  # every field, every step (Step values), the output
    events = [repr(e) for e in lab.trace.events]
    forwarded = sum(r.result == "forwarded" for r in lab.trace.runs)
    return runs, events, hashlib.sha256(lab.capture.to_bytes_pcapng()).hexdigest(), forwarded


@pytest.mark.parametrize("scenario", ["route-optimized-data", "tunneled-data", "returning-home"])
def test_traced_fast_hop_records_what_the_full_path_records(scenario: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """With tracing on, a router forwarding on the fast path records the very receiving run (same id,
    steps, inputs, result, output, capture record), events and frames as the full path."""
    calls = {"traced": 0}
    original = Router.fast_forward

    def counting(self, now, ifname, frame, traced=False):  # type: ignore[no-untyped-def]
        out = original(self, now, ifname, frame, traced)
        calls["traced"] += out is not None and traced
        return out

    monkeypatch.setattr(Router, "fast_forward", counting)
    fast = _trace_and_capture(scenario, 20.0)
    assert calls["traced"] > 0  # the traced fast hop really carried traffic
    monkeypatch.setattr(Router, "fast_forward", lambda self, now, ifname, frame, traced=False: None)
    full = _trace_and_capture(scenario, 20.0)
    assert full[3] > 0
    assert fast == full
