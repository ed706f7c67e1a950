"""The hosts' fast paths (issue 13) give exactly what the general code gives.

A plain UDP datagram is encoded in one pack with its checksum summed from the fields; checksums are
summed without building the pseudo-header; a host reads the IPv6 packet of a frame without the
Ethernet value; the packet values are built through slot descriptors. Each is compared here with a
reference that does not take the shortcut.
"""

from __future__ import annotations

import dataclasses
import struct
from ipaddress import IPv6Address

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mip6lab.ipv6.upper import Delivery, new_delivery
from mip6lab.wire import codec
from mip6lab.wire.addr import intern
from mip6lab.wire.checksum import ones_complement_sum, udp_checksum, upper_layer_sum
from mip6lab.wire.ip import (
    DestinationOptions,
    Ethernet,
    Fragment,
    HomeAddressOption,
    IPv6,
    Pad1,
    PadN,
    RoutingHeader,
    RoutingType2,
)
from mip6lab.wire.transport import TCP, UDP
from mip6lab.wire.values import constructor

_PSEUDO = struct.Struct("!16s16sI3xB")
addresses = st.binary(min_size=16, max_size=16).map(IPv6Address)


def rfc1071(data: bytes) -> int:
    """The RFC 1071 checksum by its word loop (not mip6lab's arithmetic)."""
    if len(data) % 2:
        data += b"\0"
    s = 0
    for i in range(0, len(data), 2):
        s += (data[i] << 8) | data[i + 1]
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def _general_encoding(p: IPv6) -> bytes:
    """encode_ipv6's general path: the upper layer encoded by encode_upper under the RFC 6275 pseudo-header,
    each extension header in front of it, then the fixed header."""
    psrc, pdst = codec.pseudo_addresses(p) if p.ext else (p.src, p.dst)
    nh, body = codec.encode_upper(p.payload, psrc, pdst)
    for h in reversed(p.ext):
        body = codec._encode_ext_uncached(h, nh) + body
        nh = codec._EXT_NH[type(h)]
    return codec._IP6.pack(0x60000000 | (p.tc << 20) | p.fl, len(body), nh, p.hlim, p.src.packed, p.dst.packed) + body


@settings(max_examples=300, deadline=None)
@given(
    addresses,
    addresses,
    st.integers(0, 0xFFFF),
    st.integers(0, 0xFFFF),
    st.binary(max_size=300),
    st.one_of(st.none(), st.integers(0, 0xFFFF)),
    st.integers(0, 255),
    st.integers(0, 255),
    st.integers(0, 0xFFFFF),
    st.booleans(),
)
def test_plain_udp_encoding_is_the_general_one(src, dst, sport, dport, data, ck, hlim, tc, fl, interned) -> None:
    if interned:
        src, dst = intern(src), intern(dst)
    pkt = IPv6(src, dst, UDP(sport, dport, data, ck), (), hlim, tc, fl)
    octets = codec.encode_ipv6(pkt)
    assert octets == _general_encoding(pkt)
    wire_ck = int.from_bytes(octets[46:48], "big")
    if ck is None:
        zeroed = octets[40:46] + b"\0\0" + octets[48:]
        expect = rfc1071(src.packed + dst.packed + struct.pack("!I3xB", len(zeroed), 17) + zeroed)
        assert wire_ck == (expect or 0xFFFF)
        assert codec.upper_checksum_ok(codec.decode_ipv6(octets))
    else:
        assert wire_ck == ck


@settings(max_examples=200, deadline=None)
@given(
    addresses,
    addresses,
    addresses,
    st.binary(max_size=100),
    st.one_of(st.none(), st.integers(0, 0xFFFF)),
    st.sampled_from(["hao", "rh2", "both", "two-hao", "rh2-sl0", "padded-hao", "pad-only", "rh0", "rh0-sl0", "frag"]),
    st.sampled_from(["udp", "tcp"]),
)
def test_extension_headers_encoding_is_the_general_one(src, dst, home, data, ck, case, upper) -> None:
    hao = DestinationOptions((HomeAddressOption(home),))
    ext = {
        "hao": (hao,),
        "rh2": (RoutingType2(home),),
        "both": (RoutingType2(home), hao),
        "two-hao": (hao, DestinationOptions((HomeAddressOption(dst),))),
        "rh2-sl0": (RoutingType2(home, 0),),
        "padded-hao": (DestinationOptions((PadN(b"\0\0"), HomeAddressOption(home), Pad1(), PadN(b"\0\0\0"))),),
        "pad-only": (DestinationOptions((PadN(b"\0\0\0\0"),)),),
        "rh0": (RoutingHeader(0, 1, bytes(4) + home.packed),),
        "rh0-sl0": (RoutingHeader(0, 0, bytes(4) + home.packed),),
        "frag": (Fragment(0, False, 7),),
    }[case]
    payload = UDP(40000, 40001, data, ck) if upper == "udp" else TCP(1, 2, 3, 4, 0x10, data=data, checksum=ck)
    pkt = IPv6(src, dst, payload, ext)
    octets = codec.encode_ipv6(pkt)
    assert octets == _general_encoding(pkt)
    assert codec.encode_ipv6(pkt) == octets  # the header's octets now kept by identity: the same
    if len(ext) == 1:  # another packet with the very same header object (a mobile node's next datagram)
        again = IPv6(dst, src, dataclasses.replace(payload, data=data + b"!"), ext, hlim=7)
        assert codec.encode_ipv6(again) == _general_encoding(again)
    decoded = codec.decode_ipv6(octets)
    assert codec.encode_ipv6(decoded) == octets
    assert codec.decode_ipv6(octets) == decoded  # the second decoding (options from the table) is the same value
    if ck is None:
        assert codec.upper_checksum_ok(decoded)


def test_decoded_options_are_shared_only_for_the_same_octets() -> None:
    a, b = IPv6Address("2001:db8::1"), IPv6Address("2001:db8::2")
    first = codec.decode_ipv6(
        codec.encode_ipv6(IPv6(a, b, UDP(1, 2, b"x"), (DestinationOptions((HomeAddressOption(a),)),)))
    )
    same = codec.decode_ipv6(
        codec.encode_ipv6(IPv6(a, b, UDP(1, 2, b"y"), (DestinationOptions((HomeAddressOption(a),)),)))
    )
    other = codec.decode_ipv6(
        codec.encode_ipv6(IPv6(a, b, UDP(1, 2, b"y"), (DestinationOptions((HomeAddressOption(b),)),)))
    )
    assert same.ext == first.ext and same.ext[0] is first.ext[0]
    assert other.ext[0].home_address_option.home_address == b
    bad = bytearray(codec.encode_ipv6(IPv6(a, b, UDP(1, 2, b"z"), (DestinationOptions((HomeAddressOption(b),)),))))
    assert bad[46] == 201  # after a PadN of 4 octets (alignment 8n+6)
    bad[47] = 40  # the Home Address option's length now runs past its header
    with pytest.raises(codec.DecodeError):
        codec.decode_ipv6(bytes(bad))


def test_a_header_built_with_a_list_is_encoded_as_it_is_now() -> None:
    a, b = IPv6Address("2001:db8::1"), IPv6Address("2001:db8::2")
    options = [HomeAddressOption(a)]
    pkt = IPv6(a, b, UDP(1, 2, b"x"), (DestinationOptions(options),))  # type: ignore[arg-type]
    first = codec.encode_ipv6(pkt)
    options[0] = HomeAddressOption(b)  # unhashable, so never kept: the change is seen
    assert codec.encode_ipv6(pkt) == _general_encoding(pkt) != first


def test_received_checksum_under_one_destination_options_header() -> None:
    a, b, home = IPv6Address("2001:db8::1"), IPv6Address("2001:db8::2"), IPv6Address("2001:db8:1::9")
    hao = DestinationOptions((HomeAddressOption(home),))
    octets = codec.encode_ipv6(IPv6(a, b, UDP(1, 2, b"checked"), (hao,)))
    for _ in range(2):  # the header's pseudo-header source found, then kept
        assert codec.upper_checksum_ok(codec.decode_ipv6(octets))
    wrong = octets[:-1] + bytes([octets[-1] ^ 1])
    assert not codec.upper_checksum_ok(codec.decode_ipv6(wrong))
    # summed under the care-of address instead of the home address, the checksum is wrong
    plain = codec.encode_ipv6(IPv6(a, b, UDP(1, 2, b"checked")))
    unsubstituted = octets[:40] + octets[40:64] + plain[40:48] + octets[72:]
    assert not codec.upper_checksum_ok(codec.decode_ipv6(unsubstituted))


def test_plain_udp_computed_zero_is_sent_as_all_ones() -> None:
    src, dst = IPv6Address("2001:db8::1"), IPv6Address("2001:db8::2")
    probe = codec.encode_ipv6(IPv6(src, dst, UDP(1, 2, b"\0\0")))
    c = int.from_bytes(probe[46:48], "big")  # data equal to this checksum makes the sum all ones
    octets = codec.encode_ipv6(IPv6(src, dst, UDP(1, 2, c.to_bytes(2, "big"))))
    assert octets[46:48] == b"\xff\xff"
    assert octets == _general_encoding(IPv6(src, dst, UDP(1, 2, c.to_bytes(2, "big"))))


def test_out_of_range_checksum_takes_the_general_path() -> None:
    pkt = IPv6(IPv6Address("2001:db8::1"), IPv6Address("2001:db8::2"), UDP(1, 2, b"x", 0x10000))
    with pytest.raises(OverflowError):
        codec.encode_ipv6(pkt)


@settings(max_examples=300, deadline=None)
@given(addresses, addresses, st.sampled_from([0, 6, 17, 58, 135, 255]), st.binary(max_size=200))
def test_upper_layer_sum_is_the_sum_of_the_pseudo_header_and_data(src, dst, nh, upper) -> None:
    expect = ones_complement_sum(_PSEUDO.pack(src.packed, dst.packed, len(upper), nh) + upper)
    assert upper_layer_sum(int(src), int(dst), nh, upper) == expect


def test_upper_layer_sum_edge_values() -> None:
    assert upper_layer_sum(0, 0, 0, b"") == 0 == ones_complement_sum(bytes(40))
    assert (
        upper_layer_sum(0, 0, 0, b"\0\0\0")
        == 3
        == ones_complement_sum(_PSEUDO.pack(bytes(16), bytes(16), 3, 0) + bytes(3))
    )
    ones = (1 << 128) - 1
    assert upper_layer_sum(ones, ones, 255, b"\xff" * 7) == ones_complement_sum(
        _PSEUDO.pack(b"\xff" * 16, b"\xff" * 16, 7, 255) + b"\xff" * 7
    )


@settings(max_examples=200, deadline=None)
@given(addresses, addresses, st.integers(0, 0xFFFF), st.integers(0, 0xFFFF), st.binary(max_size=100))
def test_udp_checksum_is_the_general_one(src, dst, sport, dport, data) -> None:
    raw = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    ck = ~upper_layer_sum(int(src), int(dst), 17, raw) & 0xFFFF
    assert udp_checksum(int(src), int(dst), sport, dport, data) == (ck or 0xFFFF)


_FRAMES = [
    IPv6(IPv6Address("2001:db8::1"), IPv6Address("2001:db8::2"), UDP(1, 2, b"data")),
    IPv6(
        IPv6Address("2001:db8::1"),
        IPv6Address("2001:db8::2"),
        TCP(3, 4, 5, 6, 0x18, data=b"tcp"),
        (DestinationOptions((HomeAddressOption(IPv6Address("2001:db8:9::9")),)),),
    ),
]


@pytest.mark.parametrize("pkt", _FRAMES)
def test_decode_frame_ipv6_is_the_frames_payload(pkt: IPv6) -> None:
    frame = codec.encode_frame(Ethernet("02:00:00:00:00:01", "02:00:00:00:00:02", pkt))
    got = codec.decode_frame_ipv6(frame)
    assert got == codec.decode_frame(frame).payload == codec.decode_frame_ipv6(bytearray(frame))
    assert (got.src, got.dst, dataclasses.replace(got.payload, checksum=None)) == (pkt.src, pkt.dst, pkt.payload)
    assert codec.encode_ipv6(got) == frame[14:]


@pytest.mark.parametrize("cut", [20, 40, 54, 57])
def test_decode_frame_ipv6_raises_what_decode_frame_raises(cut: int) -> None:
    frame = codec.encode_frame(Ethernet("02:00:00:00:00:01", "02:00:00:00:00:02", _FRAMES[0]))[:cut]
    with pytest.raises(codec.DecodeError) as full:
        codec.decode_frame(frame)
    with pytest.raises(codec.DecodeError) as fast:
        codec.decode_frame_ipv6(frame)
    assert str(fast.value) == str(full.value)


def test_constructor_builds_what_the_class_builds() -> None:
    a, b = IPv6Address("2001:db8::1"), IPv6Address("2001:db8::2")
    for cls, values in (
        (UDP, (1, 2, b"x", None)),
        (IPv6, (a, b, UDP(1, 2), (), 64, 0, 0)),
        (Delivery, (a, b, UDP(1, 2), IPv6(a, b, UDP(1, 2)), "eth0", False, None)),
    ):
        make = constructor(cls)
        assert make is not cls
        made, built = make(*values), cls(*values)
        assert type(made) is cls
        assert made == built and hash(made) == hash(built) and repr(made) == repr(built)
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(made, dataclasses.fields(cls)[0].name, a)
    assert new_delivery(a, b, None, None, "eth0", True, None) == Delivery(a, b, None, None, "eth0", True, None)


def test_constructor_falls_back_to_the_class() -> None:
    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        x: int

        def __post_init__(self) -> None:
            assert self.x > 0

    @dataclasses.dataclass(frozen=True)
    class NoSlots:
        x: int

    @dataclasses.dataclass(slots=True)
    class Derived:
        x: int
        y: int = dataclasses.field(default=0, init=False)

    assert constructor(Checked) is Checked
    assert constructor(NoSlots) is NoSlots
    assert constructor(Derived) is Derived
    assert constructor(int) is int


def test_a_body_not_kept_is_still_looked_up() -> None:
    a, b = IPv6Address("2001:db8::1"), IPv6Address("2001:db8::2")
    frame = codec.encode_frame(Ethernet("02:00:00:00:00:01", "02:00:00:00:00:02", IPv6(a, b, UDP(1, 2, b"kept?"))))
    codec._DECODED_BODIES.clear()
    first = codec.decode_frame_ipv6(frame, keep=False)
    assert codec._DECODED_BODIES == {}
    kept = codec.decode_frame_ipv6(frame)
    assert len(codec._DECODED_BODIES) == 1 and kept == first and kept.payload is not first.payload
    again = codec.decode_frame_ipv6(frame, keep=False)
    assert again == kept and again.payload is kept.payload  # found among the bodies decoded before


def test_a_body_not_looked_up_is_decoded_to_the_same_value() -> None:
    a, b = IPv6Address("2001:db8::1"), IPv6Address("2001:db8::2")
    frame = codec.encode_frame(Ethernet("02:00:00:00:00:01", "02:00:00:00:00:02", IPv6(a, b, UDP(1, 2, b"looked?"))))
    codec._DECODED_BODIES.clear()
    kept = codec.decode_frame_ipv6(frame)
    fresh = codec.decode_frame_ipv6(frame, keep=False, look=False)
    assert fresh == kept and fresh.payload is not kept.payload  # decoded again, not found among those kept
    assert len(codec._DECODED_BODIES) == 1
    assert codec.upper_checksum_ok(fresh)
