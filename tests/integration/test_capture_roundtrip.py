"""encode(decode(b)) == b for every frame of every scenario's capture, and the MH checksum (which
tshark does not validate) is right on every Mobility Header frame mip6lab sends."""

from __future__ import annotations

import pytest

from mip6lab.lab import Lab
from mip6lab.scenarios import SCENARIOS
from mip6lab.wire.codec import decode_frame, encode_frame, upper_checksum_ok
from mip6lab.wire.ip import ESP, IPv6
from mip6lab.wire.mh import MobilityHeader

# Long scenarios are cut short: the first 40 s hold every message kind they show.
UNTIL = 40.0


def _packets(pkt: IPv6):  # type: ignore[no-untyped-def]
    while True:
        yield pkt
        if not isinstance(pkt.payload, IPv6):
            return
        pkt = pkt.payload


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_captured_frame_round_trips(name: str) -> None:
    lab = Lab(name)
    lab.run(until=min(UNTIL, lab.scenario.duration))
    mh_frames = 0
    for r in lab.capture:
        frame = decode_frame(r.frame)
        assert encode_frame(frame) == r.frame, (name, r.index)
        if isinstance(frame.payload, IPv6):
            for p in _packets(frame.payload):
                if isinstance(p.payload, (MobilityHeader, ESP)) or not isinstance(p.payload, IPv6):
                    assert upper_checksum_ok(p), (name, r.index)
                mh_frames += isinstance(p.payload, (MobilityHeader, ESP))
    assert len(lab.capture) > 0
    if SCENARIOS[name].mobility and name not in ("home",):
        assert mh_frames > 0, "a mobility scenario shows Mobility Header (or ESP-protected) messages"
