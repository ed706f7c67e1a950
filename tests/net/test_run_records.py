"""The World stamps each receiving-algorithm run with the capture record whose delivery started it
(as a sending run's id travels on the frame it sends), so views never match runs by time."""

from __future__ import annotations

import pytest

from mip6lab.lab import Lab
from mip6lab.trace import Trace
from mip6lab.wire import icmp as I
from mip6lab.wire.codec import encode_frame
from mip6lab.wire.ip import Ethernet, IPv6


def test_every_receiving_run_names_the_frame_that_started_it() -> None:
    lab = Lab("ping")
    lab.run()
    receiving = [r for r in lab.trace.runs if r.algorithm == "receive"]
    assert receiving and all(r.record is not None for r in receiving)
    for run in receiving:
        rec = lab.capture[run.record]
        assert run.node in rec.receivers and run.time >= rec.time
        assert run in lab.trace.runs_for_record(rec.index)
    sent = [r for r in lab.trace.runs if r.algorithm == "send"]
    assert sent and all(r.record is None for r in sent)  # sending runs are found through trace_id


def test_identical_frames_close_in_time_keep_their_own_runs() -> None:
    """Two copies of the same packet 50 ms apart: each copy's runs are its own (a time window
    matching by packet value would give the first copy both runs)."""
    lab = Lab("ping")
    lab.run(3.0)
    cn = lab.nodes["cn"]
    iface = next(iter(cn.interfaces.values()))
    pkt = IPv6(lab.address_of("mn"), lab.address_of("cn"), I.EchoRequest(99, 1, b"twice"))
    link = lab.where("cn")
    assert link is not None
    octets = encode_frame(Ethernet(iface.mac, "02:00:00:00:99:01", pkt))
    first = len(lab.capture)
    lab.inject(link, octets)
    lab.run_for(0.05)
    second = len(lab.capture)
    lab.inject(link, octets)
    lab.run_for(0.5)
    a, b = lab.trace.runs_for_record(first), lab.trace.runs_for_record(second)
    assert [r.node for r in a] == ["cn"] and [r.node for r in b] == ["cn"]
    assert a[0] is not b[0] and a[0].packet == b[0].packet and a[0].packet.payload.data == b"twice"
    assert b[0].time - a[0].time == pytest.approx(0.05)


def test_no_record_outside_a_delivery() -> None:
    t = Trace()
    run = t.start_run("receive", "x", 0.0, None)
    assert run is not None and run.record is None and t.runs_for_record(0) == []
