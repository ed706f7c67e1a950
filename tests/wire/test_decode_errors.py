"""Decoding is total: any byte string gives a value or a DecodeError, never another exception."""

from __future__ import annotations

import contextlib
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wire_samples import CN, COA, HA, KINDS
from wire_strategies import frames, packets

from mip6lab.wire import icmp as I
from mip6lab.wire import mh as M
from mip6lab.wire.codec import DecodeError, decode_frame, decode_ipv6, encode_frame, encode_ipv6
from mip6lab.wire.ip import (
    Ethernet,
    Fragment,
    IPv6,
    RawPayload,
    RoutingHeader,
)
from mip6lab.wire.transport import UDP

KIND_BYTES = {k: encode_ipv6(v) for k, v in KINDS.items()}


def assert_total(b: bytes) -> object:
    """decode_ipv6 returns a value or raises DecodeError with sane attributes."""
    try:
        v = decode_ipv6(b)
    except DecodeError as e:
        assert isinstance(e.layer, str) and isinstance(e.reason, str)
        assert 0 <= e.offset <= len(b)
        assert "internal" not in e.reason
        return e
    assert encode_ipv6(v) == b  # anything accepted re-encodes to the same octets
    return v


def with_plen(b: bytes) -> bytes:
    """``b`` with the IPv6 Payload Length rewritten to match its length (to reach inner layers)."""
    return b[:4] + struct.pack("!H", (len(b) - 40) & 0xFFFF) + b[6:]


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_round_trips(kind: str) -> None:
    b = KIND_BYTES[kind]
    assert encode_ipv6(decode_ipv6(b)) == b


@pytest.mark.parametrize("kind", list(KINDS))
def test_truncated(kind: str) -> None:
    b = KIND_BYTES[kind]
    for n in range(len(b)):
        with pytest.raises(DecodeError):
            decode_ipv6(b[:n])  # Payload Length no longer matches
        assert_total(with_plen(b[:n]) if n >= 40 else b[:n])


@pytest.mark.parametrize("kind", list(KINDS))
def test_over_long(kind: str) -> None:
    b = KIND_BYTES[kind]
    for tail in (b"\0", b"\xff" * 7, bytes(8), bytes(16)):
        with pytest.raises(DecodeError) as e:
            decode_ipv6(b + tail)
        assert e.value.layer == "IPv6" and e.value.offset == 4
        assert_total(with_plen(b + tail))


@pytest.mark.parametrize(
    "kind", ["BRR", "HoTI", "BU", "BA", "BE", "UDP", "HAAD-Req", "MPS", "RA", "NS", "MPA", "RS", "NA"]
)
def test_trailing_octets_rejected_where_format_forbids(kind: str) -> None:
    """No room for extra octets after a Mobility Header, UDP datagram, fixed-size or ND message."""
    b = KIND_BYTES[kind]
    for tail in (b"\0", b"\x01\x00", bytes(7)):
        with pytest.raises(DecodeError):
            decode_ipv6(with_plen(b + tail))


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_single_bit_flip(kind: str) -> None:
    b = KIND_BYTES[kind]
    for i in range(len(b)):
        for bit in (0x01, 0x80, 0x10):
            assert_total(b[:i] + bytes([b[i] ^ bit]) + b[i + 1 :])


def test_specific_errors() -> None:
    bu = KIND_BYTES["BU"]
    # Version
    with pytest.raises(DecodeError, match="Version"):
        decode_ipv6(b"\x40" + bu[1:])
    # MH Header Len below the minimum for a BU (§9.2 -> Parameter Problem pointing at Header Len)
    mh = IPv6(COA, HA, M.MobilityHeader(M.UnknownMobilityMessage(5, bytes(2))))
    with pytest.raises(DecodeError) as e:
        decode_ipv6(encode_ipv6(mh))
    assert e.value.layer == "MH" and e.value.offset == 41
    # ND option length 0
    ns = bytearray(KIND_BYTES["NS"])
    ns[40 + 24 + 1] = 0
    with pytest.raises(DecodeError, match="length 0"):
        decode_ipv6(bytes(ns))
    # HAO option length runs past the Destination Options header
    b = bytearray(bu)
    b[40 + 7] = 30  # the HAO's Opt Data Len (after the 2-octet header and a 4-octet PadN)
    with pytest.raises(DecodeError):
        decode_ipv6(bytes(b))
    # TCP Data Offset below 5 and beyond the segment
    t = bytearray(KIND_BYTES["TCP"])
    for off in (0x40, 0xF0):
        t[64 + 12] = off
        with pytest.raises(DecodeError):
            decode_ipv6(bytes(t))
    # HAAD Reply with a partial address
    with pytest.raises(DecodeError):
        decode_ipv6(with_plen(KIND_BYTES["HAAD-Rep"][:-1]))
    # Ethernet too short; Ethernet with a broken IPv6 packet
    with pytest.raises(DecodeError):
        decode_frame(bytes(13))
    frame = encode_frame(Ethernet("33:33:00:00:00:01", "00:00:5e:00:53:01", KINDS["RA"]))
    with pytest.raises(DecodeError) as e:
        decode_frame(frame[:-1])
    assert e.value.offset == 14 + 4


def test_lenient_but_exact_unknowns() -> None:
    """Known types with the wrong length or Code stay visible as Unknown*, never silently lost."""
    # Nonce Indices with scapy's wrong length 16 (wire-notes gotcha 3)
    bad_ni = M.MobilityHeader(M.BindingRefreshRequest(options=(M.UnknownMobilityOption(4, bytes(16)),)))
    d = decode_ipv6(encode_ipv6(IPv6(COA, CN, bad_ni)))
    assert M.UnknownMobilityOption(4, bytes(16)) in d.payload.message.options  # type: ignore[union-attr]
    # Echo Request with Code 1 is not an Echo Request
    b = bytearray(KIND_BYTES["Echo"])
    b[64 + 1] = 1
    assert isinstance(decode_ipv6(bytes(b)).payload, I.UnknownICMPv6)
    # Type 2 Routing header with Hdr Ext Len 4 is kept as a generic Routing header
    rh = IPv6(CN, COA, UDP(1, 2), (RoutingHeader(2, 1, bytes(36)),))
    assert isinstance(decode_ipv6(encode_ipv6(rh)).ext[0], RoutingHeader)
    # a non-first fragment keeps its piece of the upper layer as raw octets
    frag = IPv6(COA, CN, RawPayload(17, b"later bytes"), (Fragment(offset=10, more=True, identification=1),))
    assert decode_ipv6(encode_ipv6(frag)).payload == RawPayload(17, b"later bytes")


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.binary(max_size=200))
def test_fuzz_random_bytes(b: bytes) -> None:
    assert_total(b)
    with contextlib.suppress(DecodeError):
        decode_frame(b)


@FUZZ
@given(st.sampled_from([0, 6, 17, 41, 43, 44, 50, 58, 60, 135, 59, 253]), st.binary(max_size=160))
def test_fuzz_behind_valid_ipv6_header(nh: int, body: bytes) -> None:
    """Random octets after a correct fixed header, so that every upper-layer decoder is reached."""
    hdr = struct.pack("!IHBB", 0x60000000, len(body), nh, 64) + COA.packed + CN.packed
    assert_total(hdr + body)


@FUZZ
@given(packets(), st.data())
def test_fuzz_mutated_valid_packets(pkt: IPv6, data: st.DataObject) -> None:
    b = bytearray(encode_ipv6(pkt))
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(b) - 1))
        b[i] = data.draw(st.integers(0, 255))
    assert_total(bytes(b))
    assert_total(with_plen(bytes(b[: data.draw(st.integers(40, len(b)))])))


@settings(max_examples=100, deadline=None)
@given(frames, st.integers(0, 2000))
def test_fuzz_truncated_frames(frame: Ethernet, cut: int) -> None:
    b = encode_frame(frame)
    cut %= len(b) + 1
    if cut == len(b):
        assert encode_frame(decode_frame(b)) == b
    else:
        with pytest.raises(DecodeError):
            decode_frame(b[:cut])
