"""Bounded memory chosen by the reader: ring buffer, streamed pcapng, filters, trace limits, app counters."""

from __future__ import annotations

from pathlib import Path

import pytest

from mip6lab import Lab, LabError
from mip6lab.net.capture import _NOKEEP
from mip6lab.net.pcapng import read_pcapng

SCENARIO, UNTIL = "route-optimized-data", 14.0


@pytest.fixture(scope="module")
def full() -> Lab:
    lab = Lab(SCENARIO, seed=2)
    lab.run(until=UNTIL)
    return lab


def _run(**memory: object) -> Lab:
    lab = Lab(SCENARIO, seed=2)
    lab.bound_memory(**memory)  # type: ignore[arg-type]
    lab.run(until=UNTIL)
    return lab


def test_ring_buffer_keeps_the_last_frames(full: Lab) -> None:
    lab = _run(capture=25)
    assert len(lab.capture.records) == 25 and len(lab.capture) == len(full.capture) == lab.capture.frames
    last = len(lab.capture) - 1
    assert lab.capture[last].frame == full.capture[last].frame
    assert [r.frame for r in lab.capture] == [r.frame for r in full.capture][-25:]
    with pytest.raises(IndexError, match="ring buffer"):
        lab.capture[0]


def test_streamed_capture_is_the_same_capture_read_back_from_the_file(full: Lab, tmp_path: Path) -> None:
    path = tmp_path / "run.pcapng"
    lab = _run(capture=str(path))
    assert len(lab.capture.records) == 0  # nothing kept in memory
    lab.capture.close()
    f = read_pcapng(path.read_bytes())
    assert [p.data for p in f.packets] == [r.frame for r in full.capture]
    assert [i.name for i in f.interfaces][: len(full.capture.links)] == full.capture.links
    for i in (0, len(full.capture) // 2, len(full.capture) - 1):  # any frame opens again, with its metadata
        a, b = lab.capture[i], full.capture[i]
        assert (a.index, a.link, a.sender, a.receivers, a.drop_reason, a.frame) == (
            b.index,
            b.link,
            b.sender,
            b.receivers,
            b.drop_reason,
            b.frame,
        )
        assert a.time == pytest.approx(b.time, abs=1e-6)
    assert [r.line() for r in lab.messages()] == [r.line() for r in full.messages()]


def test_filters_record_only_what_was_asked(full: Lab) -> None:
    lab = _run(capture={"only": {"node": "ha", "kind": ["BU", "BA"]}})
    kinds = {r.name for r in lab.messages()}
    assert kinds and kinds <= {"BU", "BA"}
    assert all(r.sender == "ha" or "ha" in r.receivers for r in lab.capture)
    assert lab.capture.frames == len(full.capture) > len(lab.capture)
    off = _run(capture="off")
    assert len(off.capture) == 0 and off.apps["down-rx"].received == full.apps["down-rx"].received


def test_decoded_views_on_demand_and_trace_and_app_limits(full: Lab) -> None:
    lab = _run(keep_decoded=False, trace_runs=5, trace_events=7, app_history=False)
    r = lab.capture[3]
    assert r.decoded is not None and r._decoded is _NOKEEP
    assert len(lab.trace.runs) == 5 and len(lab.trace.events) == 7
    assert [x.id for x in lab.trace.runs] == [x.id for x in full.trace.runs][-5:]
    rx, ref = lab.apps["down-rx"], full.apps["down-rx"]
    assert rx.history == [] and rx.received == ref.received > 0
    assert rx.max_gap == ref.max_gap > 0 and rx.last_arrival == ref.last_arrival
    with pytest.raises(LabError, match="capture must be"):
        Lab(SCENARIO).bound_memory(capture=2.5)
    with pytest.raises(LabError, match="keep_last"):
        Lab(SCENARIO).bound_memory(capture=0)
