"""Decoding is total: any byte string gives a value or a DecodeError, never another exception."""

from __future__ import annotations

import contextlib
import struct
from ipaddress import IPv6Address

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wire_strategies import frames, packets

from mip6lab.wire import icmp as I
from mip6lab.wire import mh as M
from mip6lab.wire.codec import DecodeError, decode_frame, decode_ipv6, encode_frame, encode_ipv6
from mip6lab.wire.ip import (
    ESP,
    DestinationOptions,
    Ethernet,
    Fragment,
    HomeAddressOption,
    HopByHopOptions,
    IPv6,
    RawPayload,
    RoutingHeader,
    RoutingType2,
    UnknownOption,
)
from mip6lab.wire.transport import TCP, UDP

HOA = IPv6Address("2001:db8:1::100")
COA = IPv6Address("2001:db8:2::100")
HA = IPv6Address("2001:db8:1::1")
CN = IPv6Address("2001:db8:3::5")
HAO = DestinationOptions((HomeAddressOption(HOA),))
PIO = I.PrefixInformation(IPv6Address("2001:db8:1::"), R=True)

# One packet of every message kind (and every option kind somewhere).
KINDS: dict[str, IPv6] = {
    "BRR": IPv6(CN, COA, M.MobilityHeader(M.BindingRefreshRequest()), (RoutingType2(HOA),)),
    "HoTI": IPv6(HA, CN, IPv6(HOA, CN, M.MobilityHeader(M.HomeTestInit(b"12345678")))),
    "CoTI": IPv6(COA, CN, M.MobilityHeader(M.CareofTestInit(b"abcdefgh"))),
    "HoT": IPv6(CN, HOA, M.MobilityHeader(M.HomeTest(3, b"12345678", b"tokentok"))),
    "CoT": IPv6(CN, COA, M.MobilityHeader(M.CareofTest(4, b"abcdefgh", b"TOKENTOK"))),
    "BU": IPv6(
        COA,
        HA,
        M.MobilityHeader(M.BindingUpdate(1, 150, H=True, options=(M.AlternateCareofAddress(COA),))),
        (HAO,),
    ),
    "BU-CN": IPv6(
        COA,
        CN,
        M.MobilityHeader(
            M.BindingUpdate(
                2, 100, options=(M.NonceIndices(7, 9), M.BindingAuthorizationData(bytes(range(12))))
            )
        ),
        (HAO,),
    ),
    "BA": IPv6(
        HA,
        COA,
        M.MobilityHeader(M.BindingAcknowledgement(0, 1, 150, options=(M.BindingRefreshAdvice(75),))),
        (RoutingType2(HOA),),
    ),
    "BE": IPv6(CN, COA, M.MobilityHeader(M.BindingError(1, HOA))),
    "MH-unknown": IPv6(COA, CN, M.MobilityHeader(M.UnknownMobilityMessage(42, bytes(10)))),
    "MH-unknown-opt": IPv6(
        COA, CN, M.MobilityHeader(M.BindingRefreshRequest(options=(M.UnknownMobilityOption(99, b"xyz"),)))
    ),
    "Echo": IPv6(COA, CN, I.EchoRequest(1, 2, b"ping"), (HAO,)),
    "EchoReply": IPv6(CN, COA, I.EchoReply(1, 2, b"ping"), (RoutingType2(HOA),)),
    "DU": IPv6(HA, COA, I.DestinationUnreachable(3, bytes(48))),
    "PTB": IPv6(HA, COA, I.PacketTooBig(1280, bytes(48))),
    "TE": IPv6(HA, COA, I.TimeExceeded(0, bytes(48))),
    "PP": IPv6(HA, COA, I.ParameterProblem(0, 42, bytes(48))),
    "RS": IPv6(
        COA,
        IPv6Address("ff02::2"),
        I.RouterSolicitation((I.SourceLinkLayerAddress("00:00:5e:00:53:01"),)),
        hlim=255,
    ),
    "RA": IPv6(
        IPv6Address("fe80::1"),
        IPv6Address("ff02::1"),
        I.RouterAdvertisement(
            H=True,
            options=(
                PIO,
                I.MTUOption(1500),
                I.AdvertisementInterval(3000),
                I.HomeAgentInformation(-5, 1800),
                I.SourceLinkLayerAddress("00:00:5e:00:53:01"),
                I.UnknownNDOption(99, bytes(6)),
            ),
        ),
        hlim=255,
    ),
    "NS": IPv6(
        COA,
        IPv6Address("ff02::1:ff00:1"),
        I.NeighborSolicitation(HA, (I.SourceLinkLayerAddress("00:00:5e:00:53:02"),)),
    ),
    "NA": IPv6(
        HA,
        COA,
        I.NeighborAdvertisement(HA, R=True, S=True, options=(I.TargetLinkLayerAddress("00:00:5e:00:53:03"),)),
    ),
    "HAAD-Req": IPv6(
        COA, IPv6Address("2001:db8:1:0:fdff:ffff:ffff:fffe"), I.HomeAgentAddressDiscoveryRequest(7)
    ),
    "HAAD-Rep": IPv6(HA, COA, I.HomeAgentAddressDiscoveryReply(7, (HA, IPv6Address("2001:db8:1::2")))),
    "MPS": IPv6(COA, HA, I.MobilePrefixSolicitation(8), (HAO,)),
    "MPA": IPv6(HA, COA, I.MobilePrefixAdvertisement(8, M=True, options=(PIO,)), (RoutingType2(HOA),)),
    "ICMP-unknown": IPv6(COA, CN, I.UnknownICMPv6(200, 1, b"body")),
    "TCP": IPv6(CN, COA, TCP(80, 40001, 1, 2, 0x12, options=b"\x02\x04\x05\xb4"), (RoutingType2(HOA),)),
    "UDP": IPv6(COA, CN, UDP(40001, 40002, b"data"), (HAO,)),
    "ESP": IPv6(COA, HA, ESP(0x100, 1, bytes(28)), (HAO,)),
    "raw": IPv6(COA, CN, RawPayload(253, b"experiment")),
    "HBH+frag+RH0": IPv6(
        COA,
        CN,
        UDP(1, 2, b"x"),
        (HopByHopOptions((UnknownOption(5, b"\0\0"),)), Fragment(0, False, 9), RoutingHeader(0, 0, bytes(4))),
    ),
    "tunnel": IPv6(HA, COA, IPv6(CN, HOA, TCP(80, 40001, data=b"payload"))),
}
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
