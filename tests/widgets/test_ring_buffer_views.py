"""Views over a ring-buffer capture (``Lab.bound_memory(capture=N)``): frames that left the buffer
are reported, never raised (issue 13)."""

from __future__ import annotations

from mip6lab.lab import Lab
from mip6lab.messages import MessageIndex, messages
from mip6lab.widgets.inspector import PacketInspector
from mip6lab.widgets.tracer import AlgorithmTracer

KEEP = 40


def _ring_lab() -> Lab:
    lab = Lab("first-foreign-link")
    lab.bound_memory(capture=KEEP)
    return lab


def test_the_inspector_shows_what_is_kept_and_says_what_was_dropped() -> None:
    lab = _ring_lab()
    p = PacketInspector(lab)
    lab.run()
    total, first = len(lab.capture), lab.capture.first_kept
    assert first == total - KEEP > 0  # frames really left the buffer
    p.hide_nd.value = False
    p.refresh()
    assert [i for _, i in p.list.options] == list(range(first, total))
    assert f"{first} older frames left the ring buffer" in p.count.value
    p.select_record(0)  # gone: no exception, and the reason is on screen
    assert "left the ring buffer" in p.title.value and f"{first} older ones were dropped" in p.title.value
    assert p.layers == [] and p.hexdump.value == ""
    p.list.value = None
    p.select_record(total - 1)  # kept: shown as usual
    assert p.record is not None and p.record.index == total - 1 and p.layers
    p.select_record(total + 5)
    assert "no frame" in p.title.value
    t = AlgorithmTracer(lab)
    t.select_record(0)  # a frame that left the buffer has no runs to show, and no error
    assert t.runs == []


def test_the_message_table_keeps_up_with_the_ring_and_counts_what_it_missed() -> None:
    lab = _ring_lab()
    index = MessageIndex(lab)
    seen: set[int] = set()
    for until in (2.0, 4.0, 6.0, 8.0, 10.0):  # incremental, as a widget refreshing during a run
        lab.run(until=until)
        for m in index.update():
            seen.update(r.index for r in m.records)
        kept = lab.capture.first_kept
        assert all(m.records[-1].index >= kept for m in index.messages)  # only messages still in the buffer
    total = len(lab.capture)
    assert max(seen) == total - 1  # the newest frames are folded in (they used to stop at the ring size)
    assert index.missed + len(seen) == total  # every frame is either in a message or counted as missed
    assert index.pruned > 0 and len(index.messages) <= KEEP
    assert [m.index for m in index.messages] == sorted(m.index for m in index.messages)
    assert messages(lab)  # the cached table works on a ring too
    assert lab.messages()[-1].index == total - 1
