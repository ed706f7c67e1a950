"""The codec's verdicts read from a frame's octets (``frame_carries_transport``, ``frame_upper``) agree with
decoding it: a traced router relies on them instead of decoding every packet it forwards."""

from __future__ import annotations

import random

import pytest

from mip6lab.bench import sample_frames
from mip6lab.wire.codec import DecodeError, decode_frame, frame_carries_transport, frame_upper
from mip6lab.wire.ip import IPv6
from mip6lab.wire.transport import TCP, UDP


@pytest.fixture(scope="module")
def frames() -> list[bytes]:
    real = [f for f in sample_frames(n_mobile=3, until=12.0, limit=200) if f[12:14] == b"\x86\xdd"]
    rng = random.Random(7)
    mutated = []
    for f in real:
        for _ in range(3):  # one octet changed after the fixed header: some still decode, many do not
            i = rng.randrange(54, len(f)) if len(f) > 54 else 20
            mutated.append(f[:i] + bytes([rng.randrange(256)]) + f[i + 1 :])
        mutated.append(f[:-1])  # shorter than the Payload Length says
    return real + mutated


def _decoded_upper(frame: bytes) -> object:
    try:
        pkt = decode_frame(frame).payload
    except DecodeError:
        return DecodeError
    return pkt.payload if isinstance(pkt, IPv6) else None


def test_carries_transport_only_when_decoding_gives_udp_or_tcp(frames: list[bytes]) -> None:
    sure = 0
    for f in frames:
        if frame_carries_transport(f):
            sure += 1
            assert isinstance(_decoded_upper(f), (UDP, TCP)), f.hex()
    assert sure > len(frames) // 10  # the octets alone settle most real frames


def test_frame_upper_is_what_decoding_gives(frames: list[bytes]) -> None:
    for f in frames:
        want = _decoded_upper(f)
        try:
            got = frame_upper(f)
        except DecodeError:
            got = DecodeError
        assert got == want, f.hex()
