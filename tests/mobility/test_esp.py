"""ESP (RFC 4303) with real crypto, the MN-HA SPD/SAD, and agreement with scapy and Wireshark."""

from __future__ import annotations

import hashlib
import hmac
import random
import shutil
import struct
import subprocess
from dataclasses import replace
from ipaddress import IPv6Address as A
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scapy.compat import raw
from scapy.layers.inet6 import HAO, MIP6MH_BU, IPv6, IPv6ExtHdrDestOpt, MIP6MH_HoTI
from scapy.layers.ipsec import ESP as ScapyESP
from scapy.layers.ipsec import SecurityAssociation as ScapySA
from scapy.layers.l2 import Ether
from scapy.packet import Raw
from scapy.utils import wrpcap

from mip6lab.mobility.ipsec import (
    SecurityPolicyDatabase,
    default_spi_base,
    manual_key,
    manual_sa_pair,
    wireshark_esp_sa_table,
)
from mip6lab.wire.esp import ESP_ICV_LEN, EspError, SecurityAssociation, esp_bytes, esp_open, esp_protect
from mip6lab.wire.icmp import MOBILE_PREFIX_ADVERT, MOBILE_PREFIX_SOLICIT
from mip6lab.wire.ip import ESP, NH_ICMPV6, NH_IPV6, NH_MOBILITY, NH_UDP
from mip6lab.wire.mh import MH_BA, MH_BU, MH_HOT, MH_HOTI

HOA, HA, COA, CN = A("2001:db8:1::100"), A("2001:db8:1::1"), A("2001:db8:2::100"), A("2001:db8:4::5")
AUTH_KEY = bytes(range(20))
AES_KEY = bytes(range(100, 116))


def make_sa(enc: str, spi: int = 0x1001, **kw: object) -> SecurityAssociation:
    return SecurityAssociation(
        spi, None, HA, enc=enc, enc_key=AES_KEY if enc == "aes-cbc" else b"", auth_key=AUTH_KEY, **kw
    )


def pair(enc: str) -> tuple[SecurityAssociation, SecurityAssociation]:
    return make_sa(enc), make_sa(enc)


# --------------------------------------------------------------------------- round trips, padding
@pytest.mark.parametrize("enc", ["null", "aes-cbc"])
@pytest.mark.parametrize("n", [0, 1, 2, 3, 13, 14, 15, 16, 17, 100])
def test_round_trip_and_padding(enc: str, n: int) -> None:
    out, inn = pair(enc)
    payload = bytes(range(n))
    esp = esp_protect(out, NH_MOBILITY, payload, random.Random(1))
    assert esp.spi == 0x1001 and esp.seq == 1 and out.seq == 1
    assert esp_open(inn, esp) == (NH_MOBILITY, payload)
    body = esp.data[:-ESP_ICV_LEN]
    if enc == "null":
        # clear text: payload, pad 1,2,3..., Pad Length, Next Header; 4-octet aligned, minimal padding
        pad = -(n + 2) % 4
        assert body == payload + bytes(range(1, pad + 1)) + bytes((pad, NH_MOBILITY))
        assert len(body) % 4 == 0
    else:
        assert len(body) % 16 == 0 and len(body) - 16 == n + 2 + (-(n + 2) % 16)  # IV + whole blocks
        assert payload[:8] not in body[16:] or n == 0  # encrypted
    # the ICV is HMAC-SHA1 truncated to 96 bits over SPI, Sequence Number and the body
    icv = hmac.new(AUTH_KEY, struct.pack("!II", esp.spi, esp.seq) + body, hashlib.sha1).digest()[:12]
    assert esp.data[-ESP_ICV_LEN:] == icv


def test_aes_iv_comes_from_the_given_rng() -> None:
    a = esp_protect(make_sa("aes-cbc"), NH_MOBILITY, b"x" * 20, random.Random(7))
    b = esp_protect(make_sa("aes-cbc"), NH_MOBILITY, b"x" * 20, random.Random(7))
    c = esp_protect(make_sa("aes-cbc"), NH_MOBILITY, b"x" * 20, random.Random(8))
    assert a == b and a.data[:16] == random.Random(7).randbytes(16) and c.data != a.data
    with pytest.raises(ValueError):
        esp_protect(make_sa("aes-cbc"), NH_MOBILITY, b"", None)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["null", "aes-cbc"]), st.integers(0, 255), st.binary(max_size=300))
def test_round_trip_property(enc: str, nh: int, payload: bytes) -> None:
    out, inn = pair(enc)
    for i in range(3):
        esp = esp_protect(out, nh, payload + bytes([i]), random.Random(i))
        assert esp_open(inn, esp) == (nh, payload + bytes([i]))


# --------------------------------------------------------------------------- refusals
@pytest.mark.parametrize("enc", ["null", "aes-cbc"])
def test_tamper_is_an_icv_error(enc: str) -> None:
    out, inn = pair(enc)
    esp = esp_protect(out, NH_MOBILITY, b"binding update!!", random.Random(1))
    for i in (0, len(esp.data) // 2, len(esp.data) - 1):
        bad = bytearray(esp.data)
        bad[i] ^= 0x01
        with pytest.raises(EspError) as ei:
            esp_open(inn, replace(esp, data=bytes(bad)))
        assert ei.value.reason == "icv"
    with pytest.raises(EspError, match="icv"):
        esp_open(inn, replace(esp, seq=2))  # the sequence number is covered too
    wrong_key = SecurityAssociation(0x1001, None, HA, enc=enc, enc_key=inn.enc_key, auth_key=b"\1" * 20)
    with pytest.raises(EspError, match="icv"):
        esp_open(wrong_key, esp)
    assert esp_open(inn, esp)[1] == b"binding update!!"  # failures did not move the replay window


def test_wrong_spi_and_short_packets() -> None:
    out, inn = pair("null")
    esp = esp_protect(out, NH_MOBILITY, b"abcd", None)
    with pytest.raises(EspError, match="spi"):
        esp_open(inn, replace(esp, spi=0x2002))
    with pytest.raises(EspError, match="short"):
        esp_open(inn, replace(esp, data=b"\0" * 5))


@pytest.mark.parametrize("enc", ["null", "aes-cbc"])
def test_replay_window(enc: str) -> None:
    out, inn = pair(enc)
    pkts = [esp_protect(out, NH_MOBILITY, b"m%d" % i, random.Random(i)) for i in range(1, 101)]
    esp_open(inn, pkts[0])
    with pytest.raises(EspError) as ei:
        esp_open(inn, pkts[0])  # exact replay
    assert ei.value.reason == "replay"
    esp_open(inn, pkts[79])  # seq 80 jumps ahead ...
    esp_open(inn, pkts[19])  # ... seq 20 is still inside the 64-packet window (80 - 20 < 64)
    with pytest.raises(EspError, match="replay"):
        esp_open(inn, pkts[19])
    with pytest.raises(EspError, match="replay"):
        esp_open(inn, pkts[15])  # seq 16 is left of the window: too old
    esp_open(inn, pkts[16])  # seq 17 = top - 63: the oldest still accepted
    with pytest.raises(EspError, match="replay"):
        esp_open(inn, replace(pkts[0], seq=0))  # sequence number 0 is never sent


def test_seq_counter_does_not_cycle() -> None:
    sa = make_sa("null", seq=0xFFFFFFFF)
    with pytest.raises(EspError, match="seq-overflow"):
        esp_protect(sa, NH_MOBILITY, b"", None)


def _forge(sa: SecurityAssociation, seq: int, plaintext: bytes) -> ESP:
    """A NULL-encrypted ESP with a *valid* ICV over an arbitrary (possibly wrong) trailer."""
    icv = hmac.new(sa.auth_key, struct.pack("!II", sa.spi, seq) + plaintext, hashlib.sha1).digest()[:12]
    return ESP(sa.spi, seq, plaintext + icv)


def test_bad_padding_and_length_are_refused() -> None:
    sa = make_sa("null")
    with pytest.raises(EspError, match="padding"):  # padding bytes must be 1, 2, ...
        esp_open(sa, _forge(sa, 1, b"abcd" + b"\x00\x00" + bytes((2, NH_MOBILITY))))
    with pytest.raises(EspError, match="padding"):  # Pad Length beyond the packet
        esp_open(sa, _forge(sa, 2, b"\x01\x02" + bytes((9, NH_MOBILITY))))
    with pytest.raises(EspError, match="length"):  # NULL: not 4-octet aligned
        esp_open(sa, _forge(sa, 3, b"abc" + bytes((0, NH_MOBILITY))))
    assert esp_open(sa, _forge(sa, 4, b"abcd" + b"\x01\x02" + bytes((2, NH_MOBILITY)))) == (
        NH_MOBILITY,
        b"abcd",
    )
    aes = make_sa("aes-cbc")
    icv = hmac.new(AUTH_KEY, struct.pack("!II", aes.spi, 1) + b"\0" * 24, hashlib.sha1).digest()[:12]
    with pytest.raises(EspError, match="length"):  # 16-octet IV + 8 octets: not whole AES blocks
        esp_open(aes, ESP(aes.spi, 1, b"\0" * 24 + icv))


def test_sa_parameter_checks() -> None:
    with pytest.raises(ValueError):
        SecurityAssociation(255, None, HA, auth_key=AUTH_KEY)  # SPIs 1-255 reserved
    with pytest.raises(ValueError):
        SecurityAssociation(0x1001, None, HA, enc="aes-cbc", enc_key=b"short", auth_key=AUTH_KEY)
    with pytest.raises(ValueError):
        SecurityAssociation(0x1001, None, HA, enc="null", enc_key=AES_KEY, auth_key=AUTH_KEY)
    with pytest.raises(ValueError):
        SecurityAssociation(0x1001, None, HA, auth_key=b"short")


# --------------------------------------------------------------------------- scapy agrees byte for byte
def _scapy_sa(sa: SecurityAssociation, tunnel_header: IPv6 | None = None) -> ScapySA:
    return ScapySA(
        ScapyESP,
        spi=sa.spi,
        crypt_algo="AES-CBC" if sa.enc == "aes-cbc" else "NULL",
        crypt_key=sa.enc_key or None,
        auth_algo="HMAC-SHA1-96",
        auth_key=sa.auth_key,
        tunnel_header=tunnel_header,
    )


@pytest.mark.parametrize("enc", ["null", "aes-cbc"])
@pytest.mark.parametrize("n", [0, 3, 14, 15, 16, 33])
def test_transport_mode_matches_scapy(enc: str, n: int) -> None:
    sa = make_sa(enc)
    payload = bytes(range(7, 7 + n))
    ours = esp_protect(sa, NH_MOBILITY, payload, random.Random(n))
    iv = random.Random(n).randbytes(16) if enc == "aes-cbc" else None
    theirs = _scapy_sa(sa).encrypt(IPv6(src=str(HOA), dst=str(HA), nh=NH_MOBILITY) / Raw(payload), 1, iv)
    assert raw(theirs[ScapyESP]) == esp_bytes(ours)
    # and scapy opens ours (it verifies the ICV and strips the padding)
    pkt = IPv6(src=str(COA), dst=str(HA)) / ScapyESP(spi=ours.spi, seq=ours.seq, data=ours.data)
    opened = _scapy_sa(sa).decrypt(IPv6(raw(pkt)))
    assert opened.nh == NH_MOBILITY and raw(opened.payload) == payload


@pytest.mark.parametrize("enc", ["null", "aes-cbc"])
def test_tunnel_mode_hoti_matches_scapy(enc: str) -> None:
    sa = make_sa(enc, mode="tunnel")
    inner = raw(IPv6(src=str(HOA), dst=str(CN)) / MIP6MH_HoTI(cookie=b"\x11" * 8))
    ours = esp_protect(sa, NH_IPV6, inner, random.Random(3))
    iv = random.Random(3).randbytes(16) if enc == "aes-cbc" else None
    outer = IPv6(src=str(COA), dst=str(HA))
    theirs = _scapy_sa(sa, tunnel_header=outer).encrypt(IPv6(inner), 1, iv)
    assert raw(theirs[ScapyESP]) == esp_bytes(ours)
    assert esp_open(make_sa(enc, mode="tunnel"), ours) == (NH_IPV6, inner)


# --------------------------------------------------------------------------- SPD / manual keying
def test_manual_sa_pair_policies_and_round_trips() -> None:
    mn, ha = manual_sa_pair(HOA, HA, "aes", random.Random(1))
    base = default_spi_base(HOA)
    assert base == 0x10001000 and [sa.spi for sa in mn.sas()] == [base + i for i in (1, 2, 3, 4)]
    assert [sa.spi for sa in ha.sas()] == [base + i for i in (1, 2, 3, 4)]
    # both ends derived the same keys, without any exchange
    for a, b in zip(mn.sas(), ha.sas()):
        assert (a.enc_key, a.auth_key, a.mode) == (b.enc_key, b.auth_key, b.mode) and len(a.enc_key) == 16
    assert mn.sa_for_spi(base + 1).auth_key == manual_key("auth MN->HA transport", base + 1, HOA, HA, 20)

    cases = [  # (sender, receiver, src, dst, proto, type, tunnel, spi)
        (mn, ha, HOA, HA, NH_MOBILITY, MH_BU, False, base + 1),
        (mn, ha, HOA, HA, NH_ICMPV6, MOBILE_PREFIX_SOLICIT, False, base + 1),
        (ha, mn, HA, HOA, NH_MOBILITY, MH_BA, False, base + 2),
        (ha, mn, HA, HOA, NH_ICMPV6, MOBILE_PREFIX_ADVERT, False, base + 2),
        (mn, ha, HOA, CN, NH_MOBILITY, MH_HOTI, True, base + 3),
        (ha, mn, CN, HOA, NH_MOBILITY, MH_HOT, True, base + 4),
    ]
    for snd, rcv, src, dst, proto, mtype, tunnel, spi in cases:
        sa = snd.outbound(src, dst, proto, mtype, tunnel=tunnel)
        assert sa is not None and sa.spi == spi
        nh = NH_IPV6 if tunnel else proto
        esp = snd.protect(sa, nh, b"message %d" % mtype)
        got_sa, got_nh, got = rcv.open(esp)
        assert (got_sa.spi, got_nh, got) == (spi, nh, b"message %d" % mtype)
        assert rcv.inbound_ok(src, dst, proto, mtype, spi, tunnel=tunnel)
        assert not rcv.inbound_ok(src, dst, proto, mtype, None, tunnel=tunnel)  # arrived in clear: drop
    # not covered: data, CoTI (direct from the CoA), a BU to a correspondent, a BA from the CN
    assert mn.outbound(HOA, CN, NH_UDP, None) is None
    assert mn.outbound(COA, CN, NH_MOBILITY, 2) is None
    assert mn.outbound(HOA, CN, NH_MOBILITY, MH_BU) is None
    assert mn.inbound_ok(CN, HOA, NH_MOBILITY, MH_BA, None)
    assert mn.outbound(HOA, CN, NH_MOBILITY, MH_HOTI) is None  # HoTI outside the tunnel: no policy
    with pytest.raises(EspError, match="spi"):
        mn.open(ESP(0x9999, 1, b"\0" * 40))


def test_manual_sa_pair_modes_and_determinism() -> None:
    mn, ha = manual_sa_pair(HOA, HA, "off", random.Random(1))
    assert not mn.enabled and not ha.enabled and mn.outbound(HOA, HA, NH_MOBILITY, MH_BU) is None
    assert mn.inbound_ok(HA, HOA, NH_MOBILITY, MH_BA, None)
    mn, _ = manual_sa_pair(HOA, HA, "null", random.Random(1))
    assert all(sa.enc == "null" and sa.enc_key == b"" for sa in mn.sas())
    with pytest.raises(ValueError):
        manual_sa_pair(HOA, HA, "des", random.Random(1))  # type: ignore[arg-type]

    def run(seed: int) -> bytes:
        m, _ = manual_sa_pair(HOA, HA, "aes", random.Random(seed))
        sa = m.outbound(HOA, HA, NH_MOBILITY, MH_BU)
        assert sa is not None
        return esp_bytes(m.protect(sa, NH_MOBILITY, b"bu"))

    assert run(5) == run(5) and run(5) != run(6)


def test_two_mobile_nodes_share_one_home_agent_database() -> None:
    hoa2 = A("2001:db8:1::200")
    mn1, ha = manual_sa_pair(HOA, HA, "null", random.Random(1))
    mn2, ha_again = manual_sa_pair(hoa2, HA, "null", random.Random(2), ha_sad=ha)
    assert ha_again is ha and len(ha.sas()) == 8
    sa2 = mn2.outbound(hoa2, HA, NH_MOBILITY, MH_BU)
    assert sa2 is not None and sa2.spi == 0x10002001
    assert ha.open(mn2.protect(sa2, NH_MOBILITY, b"x"))[0].spi == 0x10002001
    assert ha.outbound(HA, hoa2, NH_MOBILITY, MH_BA).spi == 0x10002002  # type: ignore[union-attr]
    with pytest.raises(ValueError):
        manual_sa_pair(HOA, HA, "null", random.Random(3), ha_sad=ha)  # same SPIs twice


def test_wireshark_table_lines() -> None:
    _, ha = manual_sa_pair(HOA, HA, "aes", random.Random(1))
    lines = wireshark_esp_sa_table(ha)
    assert len(lines) == 4
    sa = ha.sas()[0]
    assert lines[0] == (
        f'"IPv6","*","2001:db8:1::1","0x10001001","AES-CBC [RFC3602]","0x{sa.enc_key.hex()}",'
        f'"HMAC-SHA-1-96 [RFC2404]","0x{sa.auth_key.hex()}"'
    )
    assert lines[1].startswith('"IPv6","2001:db8:1::1","*","0x10001002"')
    _, ha_null = manual_sa_pair(HOA, HA, "null", random.Random(1))
    assert '"NULL",""' in wireshark_esp_sa_table(ha_null.sas())[0]
    assert wireshark_esp_sa_table(SecurityPolicyDatabase()) == []


# --------------------------------------------------------------------------- Wireshark decrypts it
@pytest.mark.tshark
@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark not installed")
@pytest.mark.parametrize("mode", ["null", "aes"])
def test_tshark_decrypts_with_the_sa_table(mode: str, tmp_path: Path) -> None:
    mn, ha = manual_sa_pair(HOA, HA, mode, random.Random(1))  # type: ignore[arg-type]
    bu_mh = raw(IPv6(src=str(HOA), dst=str(HA)) / MIP6MH_BU(seq=77, flags="HA", mhtime=100))[40:]
    sa_bu = mn.outbound(HOA, HA, NH_MOBILITY, MH_BU)
    sa_hoti = mn.outbound(HOA, CN, NH_MOBILITY, MH_HOTI, tunnel=True)
    assert sa_bu is not None and sa_hoti is not None
    esp_bu = mn.protect(sa_bu, NH_MOBILITY, bu_mh)
    hoti = raw(IPv6(src=str(HOA), dst=str(CN)) / MIP6MH_HoTI(cookie=bytes.fromhex("0102030405060708")))
    esp_hoti = mn.protect(sa_hoti, NH_IPV6, hoti)
    eth = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
    frames = [
        # BU: CoA -> HA, Home Address option, then ESP (transport mode) around the Mobility Header
        eth
        / IPv6(src=str(COA), dst=str(HA))
        / IPv6ExtHdrDestOpt(options=[HAO(hoa=str(HOA))])
        / ScapyESP(spi=esp_bu.spi, seq=esp_bu.seq, data=esp_bu.data),
        # HoTI in the reverse tunnel: CoA -> HA, ESP (tunnel mode) around HoA -> CN
        eth / IPv6(src=str(COA), dst=str(HA)) / ScapyESP(spi=esp_hoti.spi, seq=esp_hoti.seq, data=esp_hoti.data),
    ]
    pcap = tmp_path / "esp.pcap"
    wrpcap(str(pcap), frames)
    args = ["tshark", "-r", str(pcap), "-o", "esp.enable_encryption_decode:TRUE"]
    args += ["-o", "esp.enable_authentication_check:TRUE"]
    for line in wireshark_esp_sa_table(ha):
        args += ["-o", f"uat:esp_sa:{line}"]
    args += ["-T", "fields", "-E", "occurrence=l", "-e", "esp.spi", "-e", "esp.icv_good"]
    args += ["-e", "mip6.mhtype", "-e", "mip6.bu.seqnr", "-e", "mip6.hoti.cookie", "-e", "ipv6.dst"]
    out = subprocess.run(args, capture_output=True, text=True, timeout=60, check=True).stdout
    rows = [r.split("\t") for r in out.strip().splitlines()]
    assert rows[0][:4] == ["0x10001001", "1", "5", "77"]
    assert rows[1][:3] == ["0x10001003", "1", "1"]
    assert rows[1][4] == "0x0102030405060708" and rows[1][5] == str(CN)
