"""NULL-encrypted ESP is readable without keys (as in Wireshark); AES is not."""

from __future__ import annotations

import random
from ipaddress import IPv6Address

from mip6lab.wire.codec import decode_upper, encode_upper
from mip6lab.wire.esp import SecurityAssociation, esp_protect, null_esp_peek
from mip6lab.wire.ip import IPv6
from mip6lab.wire.mh import BindingUpdate, MobilityHeader
from mip6lab.wire.summary import name, summary

HOA, HA = IPv6Address("2001:db8:1::100"), IPv6Address("2001:db8:1::1")
BU = MobilityHeader(BindingUpdate(seq=7, lifetime=150, A=True, H=True))


def _esp(enc: str) -> IPv6:
    key = bytes(16) if enc == "aes-cbc" else b""
    sa = SecurityAssociation(0x1001, None, HA, enc=enc, enc_key=key, auth_key=bytes(range(20)))
    nh, plain = encode_upper(BU, HOA, HA)
    return IPv6(HOA, HA, esp_protect(sa, nh, plain, random.Random(1)))


def test_null_esp_shows_the_message_inside() -> None:
    pkt = _esp("null")
    nh, plain = null_esp_peek(pkt.payload)  # type: ignore[arg-type,misc]
    assert nh == 135
    bu = decode_upper(nh, plain).message  # type: ignore[attr-defined]
    assert (bu.seq, bu.lifetime, bu.A, bu.H) == (7, 150, True, True)
    assert name(pkt) == "BU"
    assert summary(pkt).startswith("ESP[ BU seq=7 A H lifetime=600s")


def test_aes_esp_stays_opaque() -> None:
    pkt = _esp("aes-cbc")
    assert null_esp_peek(pkt.payload) is None  # type: ignore[arg-type]
    assert name(pkt) == "ESP"
    assert "(encrypted)" in summary(pkt)
