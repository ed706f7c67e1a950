"""Interned addresses (mip6lab.wire.addr) behave exactly like the standard library's, and the codec's
shortcuts built on them (decoded addresses interned, checksums checked on the received octets, encoded
extension headers reused) give the answers of the long way round."""

from __future__ import annotations

import pickle
from dataclasses import replace
from ipaddress import IPv6Address

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wire_strategies import packets, strip

from mip6lab.wire import codec
from mip6lab.wire.addr import FastAddress, from_packed, intern
from mip6lab.wire.checksum import verify_upper_layer
from mip6lab.wire.codec import (
    DecodeError,
    _encode_ext,
    _encode_ext_uncached,
    _upper_unchecked,
    decode_frame,
    decode_ipv6,
    encode_frame,
    encode_ipv6,
    pseudo_addresses,
    upper_checksum_ok,
)
from mip6lab.wire.ip import Ethernet, IPv6
from mip6lab.wire.transport import UDP

SPECIAL = [0, 1, (0xFE80 << 112) | 5, (0xFEBF << 112) | 1, (0xFEC0 << 112) | 1, 0xFF02 << 112 | 1, 0xFF << 120]
addresses = st.one_of(st.sampled_from(SPECIAL), st.integers(0, (1 << 128) - 1))


@given(addresses)
@settings(max_examples=200)
def test_fast_address_is_the_standard_address(n: int) -> None:
    plain = IPv6Address(n)
    fast = intern(n)
    assert isinstance(fast, IPv6Address) and type(fast) is FastAddress
    assert fast == plain and plain == fast
    assert (fast != plain) is False and (fast != IPv6Address(n ^ 1)) is True
    assert hash(fast) == hash(plain)
    assert {plain: 1}[fast] == 1 and {fast: 2}[plain] == 2
    assert str(fast) == str(plain) and f"{fast}" == f"{plain}" and f"{fast:X}" == f"{plain:X}"
    assert repr(fast) == repr(plain)
    assert fast.packed == plain.packed and int(fast) == n
    assert fast.is_multicast == plain.is_multicast
    assert fast.is_link_local == plain.is_link_local
    assert fast.is_unspecified == plain.is_unspecified
    assert sorted([fast, IPv6Address(n ^ 1)]) == sorted([plain, IPv6Address(n ^ 1)])
    back = pickle.loads(pickle.dumps(fast))
    assert back == plain and type(back) is IPv6Address


def test_one_object_per_address() -> None:
    a = intern("2001:db8::1")
    assert intern(IPv6Address("2001:db8::1")) is a
    assert intern(a) is a
    assert from_packed(a.packed) is a
    assert intern(int(a)) is a
    assert intern(FastAddress("2001:db8::1")) is a  # a stray instance is replaced by the kept one


def test_scoped_address_is_not_interned() -> None:
    s = intern("fe80::1%eth0")
    assert str(s) == "fe80::1%eth0" and s != intern("fe80::1")
    assert s == IPv6Address("fe80::1%eth0") and hash(s) == hash(IPv6Address("fe80::1%eth0"))


@given(packets(exact=True))
@settings(max_examples=60, deadline=None)
def test_decoded_addresses_are_interned(pkt: IPv6) -> None:
    d = decode_ipv6(encode_ipv6(pkt))
    assert d.src is intern(pkt.src) and d.dst is intern(pkt.dst)
    assert strip(d) == strip(pkt)


@given(packets(exact=True), st.integers(0, 0xFFFF))
@settings(max_examples=100, deadline=None)
def test_checksum_on_received_octets_is_the_reencoded_answer(pkt: IPv6, flip: int) -> None:
    """upper_checksum_ok checks a decoded payload on the octets it came from; the answer must be the
    one re-encoding the payload gives, for right and for wrong checksums."""
    frame = decode_frame(encode_frame(Ethernet("02:00:00:00:00:01", "02:00:00:00:00:02", pkt)))
    p = frame.payload
    assert isinstance(p, IPv6)
    inner = p
    while isinstance(inner.payload, IPv6):
        inner = inner.payload
    ck = getattr(inner.payload, "checksum", None)
    variants = [p]
    if ck is not None:  # the same packet with a wrong checksum, decoded from its octets
        wrong = replace(inner.payload, checksum=ck ^ (flip or 1))
        bad = _rebuild(p, wrong)
        variants.append(decode_ipv6(encode_ipv6(bad)))
    for v in variants:
        assert upper_checksum_ok(v) == _reencoded_check(v)


def _rebuild(p: IPv6, payload: object) -> IPv6:
    if isinstance(p.payload, IPv6):
        return replace(p, payload=_rebuild(p.payload, payload))
    return replace(p, payload=payload)


def _reencoded_check(pkt: IPv6) -> bool:
    """upper_checksum_ok the long way: encode the payload again, sum it under the pseudo-header."""
    p = pkt.payload
    if isinstance(p, IPv6):
        return _reencoded_check(p)
    ck = getattr(p, "checksum", None)
    if ck is None:
        return True
    nh, raw, off = _upper_unchecked(p)
    if off < 0:
        return True
    if nh == 17 and ck == 0:
        return False
    raw = raw[:off] + ck.to_bytes(2, "big") + raw[off + 2 :]
    src, dst = pseudo_addresses(pkt) if pkt.ext else (pkt.src, pkt.dst)
    return verify_upper_layer(src.packed, dst.packed, nh, raw)


@given(packets(exact=False))
@settings(max_examples=60, deadline=None)
def test_kept_extension_header_encodings_are_fresh_encodings(pkt: IPv6) -> None:
    out = encode_ipv6(pkt)
    again = encode_ipv6(pkt)  # the second time from the kept encodings
    assert out == again
    for h in pkt.ext:
        for nh in (6, 17, 59):
            assert _encode_ext(h, nh) == _encode_ext_uncached(h, nh)


@given(packets(exact=True), st.integers(1, 255))
@settings(max_examples=60, deadline=None)
def test_one_decoding_serves_every_hop(pkt: IPv6, hlim: int) -> None:
    """A packet decoded again with only its Hop Limit changed (the next hop) shares the decoded body,
    and is what decoding from scratch gives."""
    b = encode_ipv6(pkt)
    first = decode_ipv6(b)
    nxt = decode_ipv6(b[:7] + bytes((hlim,)) + b[8:])
    assert nxt.payload is first.payload and nxt.ext is first.ext and nxt.hlim == hlim
    codec._DECODED_BODIES.clear()
    fresh = decode_ipv6(b[:7] + bytes((hlim,)) + b[8:])
    assert fresh == nxt and fresh.payload is not first.payload


def test_large_and_malformed_bodies_are_not_kept() -> None:
    big = IPv6(intern("2001:db8::1"), intern("2001:db8::2"), UDP(1, 2, bytes(3000)))
    b = encode_ipv6(big)
    assert decode_ipv6(b).payload is not decode_ipv6(b).payload  # over _DECODED_BODY_MAX: decoded each time
    short = encode_ipv6(IPv6(intern("2001:db8::1"), intern("2001:db8::2"), UDP(1, 2, b"abcd")))
    bad = short[:4] + (len(short) - 40 - 1).to_bytes(2, "big") + short[6:-1]  # UDP Length now too long
    for _ in range(2):  # the error is found both times: nothing was kept
        with pytest.raises(DecodeError):
            decode_ipv6(bad)
