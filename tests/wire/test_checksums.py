"""Upper-layer checksums with RFC 6275's pseudo-header, checked by an implementation written here.

The reference below does not call mip6lab.wire.checksum: it sums 16-bit words in a loop (RFC 1071)
over a pseudo-header built by hand from the addresses the test *knows* should be used.
"""

from __future__ import annotations

import dataclasses
import struct
from ipaddress import IPv6Address

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mip6lab.wire import icmp as I
from mip6lab.wire import mh as M
from mip6lab.wire.codec import decode_ipv6, encode_ipv6, upper_checksum_ok
from mip6lab.wire.ip import DestinationOptions, HomeAddressOption, IPv6, PadN, RoutingType2
from mip6lab.wire.transport import TCP, UDP

HOA = IPv6Address("2001:db8:1::100")
COA = IPv6Address("2001:db8:2::100")
HA = IPv6Address("2001:db8:1::1")
HA2 = IPv6Address("2001:db8:1::2")
CN = IPv6Address("2001:db8:3::5")

CK_OFFSET = {6: 16, 17: 6, 58: 2, 135: 4}


def rfc1071(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = 0
    for i in range(0, len(data), 2):
        s += (data[i] << 8) | data[i + 1]
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def reference_checksum(src: IPv6Address, dst: IPv6Address, nh: int, upper: bytes) -> int:
    off = CK_OFFSET[nh]
    zeroed = upper[:off] + b"\0\0" + upper[off + 2 :]
    pseudo = src.packed + dst.packed + struct.pack("!I3xB", len(upper), nh)
    ck = rfc1071(pseudo + zeroed)
    return 0xFFFF if (nh == 17 and ck == 0) else ck


def upper_of(b: bytes, skip: int) -> tuple[int, bytes, int]:
    """(nh, upper bytes, wire checksum) for a packet whose upper layer starts at ``skip``."""
    nh = _last_nh(b)
    up = b[skip:]
    off = CK_OFFSET[nh]
    return nh, up, int.from_bytes(up[off : off + 2], "big")


def _last_nh(b: bytes) -> int:
    nh, pos = b[6], 40
    while nh in (0, 43, 60, 41):
        if nh == 41:
            nh, pos = b[pos + 6], pos + 40
            continue
        nh, pos = b[pos], pos + (b[pos + 1] + 1) * 8
    return nh


PAYLOADS = [
    TCP(40001, 80, 1, 0, 0x02, data=b""),
    TCP(40001, 80, 7, 9, 0x18, data=b"hello, home agent"),
    UDP(40001, 40002, b"odd length!"),
    I.EchoRequest(1, 2, b"ping"),
    I.MobilePrefixSolicitation(7),
    M.MobilityHeader(M.BindingUpdate(1, 150, A=True, H=True)),
    M.MobilityHeader(M.BindingAcknowledgement(0, 1, 150)),
]
HAO = DestinationOptions((HomeAddressOption(HOA),))


@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda p: type(p).__name__)
@pytest.mark.parametrize(
    "case",
    ["plain", "hao", "rh2", "rh2+hao", "rh2-sl0", "tunnel-hao", "tunnel-rh2"],
)
def test_pseudo_header_rule(payload: object, case: str) -> None:
    if case == "plain":
        pkt, src, dst, skip = IPv6(COA, CN, payload), COA, CN, 40
    elif case == "hao":  # §6.3: source = home address
        pkt, src, dst, skip = IPv6(COA, CN, payload, (HAO,)), HOA, CN, 64
    elif case == "rh2":  # §6.4: destination = home address (final destination)
        pkt, src, dst, skip = IPv6(CN, COA, payload, (RoutingType2(HOA),)), CN, HOA, 64
    elif case == "rh2+hao":  # MN to MN: both substitutions
        pkt, src, dst, skip = IPv6(COA, COA, payload, (RoutingType2(HOA), HAO)), HOA, HOA, 88
    elif case == "rh2-sl0":  # already processed by the MN: the IPv6 destination is final
        pkt, src, dst, skip = IPv6(CN, HOA, payload, (RoutingType2(COA, segments_left=0),)), CN, HOA, 64
    elif case == "tunnel-hao":  # outer header must not leak into the inner checksum
        inner = IPv6(COA, CN, payload, (HAO,))
        pkt, src, dst, skip = IPv6(HA, COA, inner), HOA, CN, 40 + 64
    else:
        inner = IPv6(CN, COA, payload, (RoutingType2(HOA),))
        pkt, src, dst, skip = IPv6(COA, HA, inner), CN, HOA, 40 + 64
    b = encode_ipv6(pkt)
    nh, up, wire = upper_of(b, skip)
    assert wire == reference_checksum(src, dst, nh, up)
    d = decode_ipv6(b)
    assert upper_checksum_ok(d)
    naive_src = pkt.src if not case.startswith("tunnel") else pkt.payload.src  # type: ignore[union-attr]
    naive_dst = pkt.dst if not case.startswith("tunnel") else pkt.payload.dst  # type: ignore[union-attr]
    if (naive_src, naive_dst) != (src, dst):
        # the checksum a node forgetting RFC 6275 would compute is rejected
        naive = reference_checksum(naive_src, naive_dst, nh, up)
        assert naive != wire
        bad = up[: CK_OFFSET[nh]] + naive.to_bytes(2, "big") + up[CK_OFFSET[nh] + 2 :]
        assert not upper_checksum_ok(decode_ipv6(b[:skip] + bad))


def _mh_checksum(b: bytes) -> int:
    return int.from_bytes(b[40 + 24 + 4 : 40 + 24 + 6], "big")


def test_digest_vectors_1i() -> None:
    """rfc6275-digest §1i: home BU CoA->HA with HAO 0x4ff5 (0x4ff4 with the CoA); BA HA->CoA with
    RH2 0x6051 (0x6050 with the CoA). The digest does not list the packets; they were reconstructed
    by searching natural parameters (HA 2001:db8:1::2, seq 5, lifetime 25 units; BU A H L + Alternate
    CoA, BA status 0 with K, scapy's default): the only hits, and the same parameters for both."""
    bu = M.BindingUpdate(5, 25, A=True, H=True, L=True, options=(M.AlternateCareofAddress(COA),))
    b = encode_ipv6(IPv6(COA, HA2, M.MobilityHeader(bu), (HAO,)))
    assert _mh_checksum(b) == 0x4FF5
    assert reference_checksum(HOA, HA2, 135, b[64:]) == 0x4FF5
    assert reference_checksum(COA, HA2, 135, b[64:]) == 0x4FF4
    ba = M.BindingAcknowledgement(0, 5, 25, K=True)
    b = encode_ipv6(IPv6(HA2, COA, M.MobilityHeader(ba), (RoutingType2(HOA),)))
    assert _mh_checksum(b) == 0x6051
    assert reference_checksum(HA2, HOA, 135, b[64:]) == 0x6051
    assert reference_checksum(HA2, COA, 135, b[64:]) == 0x6050


def test_wire_notes_vectors() -> None:
    """wire-notes §1 gotcha 1 (0xa158, scapy's wrong 0xa157) and §5 / digest §1g (0x9e84, 0xf8b2)."""
    bu = M.BindingUpdate(1, 150, A=True, H=True)
    b = encode_ipv6(IPv6(COA, HA, M.MobilityHeader(bu), (HAO,)))
    assert _mh_checksum(b) == 0xA158
    explicit = IPv6(COA, HA, M.MobilityHeader(bu), (DestinationOptions((PadN(b"\0\0"), HomeAddressOption(HOA))),))
    assert encode_ipv6(explicit) == b  # explicit padding does not change our checksum (it does scapy's)

    for cn, seq, auth, want in [
        (IPv6Address("2001:db8:3::10"), 2000, "cc9c0b1ae76b9b4065fa7298", 0x9E84),
        (CN, 1000, "22477cbb326798b52aea47b1", 0xF8B2),
    ]:
        opts = (M.NonceIndices(7, 9), M.BindingAuthorizationData(bytes.fromhex(auth)))
        b = encode_ipv6(IPv6(COA, cn, M.MobilityHeader(M.BindingUpdate(seq, 100, A=True, options=opts)), (HAO,)))
        assert _mh_checksum(b) == want


def test_scapy_explicit_pad_bug_is_real() -> None:
    """Documents why the identity tests hand scapy our checksum in that one situation."""
    from scapy.all import HAO as SHAO
    from scapy.all import MIP6MH_BU, IPv6ExtHdrDestOpt, raw
    from scapy.all import IPv6 as SIPv6
    from scapy.all import PadN as SPadN

    w = raw(
        SIPv6(src=str(COA), dst=str(HA))
        / IPv6ExtHdrDestOpt(autopad=0, options=[SPadN(optdata=b"\0\0"), SHAO(hoa=str(HOA))])
        / MIP6MH_BU(seq=1, flags="HA", mhtime=150, reserved=0)
    )
    assert _mh_checksum(w) == 0xA157  # scapy used the CoA
    assert not upper_checksum_ok(decode_ipv6(w))


def test_udp_zero_checksum_rules() -> None:
    base = IPv6(COA, CN, UDP(1, 2, b"\0\0"), (HAO,))
    b = encode_ipv6(base)
    c = int.from_bytes(b[64 + 6 : 64 + 8], "big")
    # choose data so the one's complement sum is all ones: the computed checksum is 0, sent as 0xffff
    pkt = dataclasses.replace(base, payload=UDP(1, 2, c.to_bytes(2, "big")))
    b2 = encode_ipv6(pkt)
    assert b2[64 + 6 : 64 + 8] == b"\xff\xff"
    assert upper_checksum_ok(decode_ipv6(b2))
    # a zero UDP checksum is not allowed in IPv6
    assert not upper_checksum_ok(dataclasses.replace(pkt, payload=UDP(1, 2, c.to_bytes(2, "big"), 0)))


def test_payloads_without_checksum_are_ok() -> None:
    from mip6lab.wire.ip import ESP, RawPayload

    assert upper_checksum_ok(IPv6(COA, CN, ESP(1, 2, b"x")))
    assert upper_checksum_ok(IPv6(COA, CN, RawPayload(59)))
    assert upper_checksum_ok(IPv6(COA, CN, UDP(1, 2)))  # None: not yet encoded


@settings(max_examples=100, deadline=None)
@given(
    st.binary(max_size=64),
    st.sampled_from(["hao", "rh2", "both"]),
    st.integers(0, 0xFFFF),
)
def test_any_corrupted_checksum_detected(data: bytes, case: str, delta: int) -> None:
    ext = {"hao": (HAO,), "rh2": (RoutingType2(HOA),), "both": (RoutingType2(HOA), HAO)}[case]
    pkt = IPv6(COA, CN, UDP(40001, 40002, data), ext)
    good = decode_ipv6(encode_ipv6(pkt))
    assert upper_checksum_ok(good)
    wrong = (good.payload.checksum + 1 + delta % 0xFFFE) & 0xFFFF  # type: ignore[union-attr]
    if {wrong, good.payload.checksum} == {0, 0xFFFF} or wrong == 0:  # type: ignore[union-attr]
        return  # equivalent one's complement representation / zero: covered elsewhere
    assert not upper_checksum_ok(dataclasses.replace(good, payload=dataclasses.replace(good.payload, checksum=wrong)))
