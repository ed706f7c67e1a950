"""Independent check of return routability on the wire: every Binding Update to a correspondent and
every Binding Acknowledgement from one, in each scenario's capture, carries the authenticator that
RFC 6275 §5.2 computes from the keygen tokens visible in the Home Test and Care-of Test of the same
capture.

Nothing from mip6lab's codec or rr module is used here: the octets are walked by hand (Ethernet,
IPv6, extension headers, IPv6-in-IPv6, NULL-encryption ESP in tunnel mode) and the crypto is
hashlib/hmac:

    Kbm = SHA1(home keygen token | care-of keygen token)    (home token only for a de-registration)
    Authenticator = First(96, HMAC_SHA1(Kbm, care-of address | correspondent | MH data))

where MH data is the Mobility Header with its Checksum zeroed and without the 12 authenticator octets.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from ipaddress import IPv6Address

import pytest
from ro_capture import run

ICV = 12  # HMAC-SHA1-96 after a NULL-encryption ESP payload


@dataclass(frozen=True)
class RawMH:
    time: float
    src: IPv6Address  # innermost IPv6 header
    dst: IPv6Address
    hao: IPv6Address | None
    rh2: IPv6Address | None
    mh: bytes

    @property
    def mh_type(self) -> int:
        return self.mh[2]


def innermost_mh(frame: bytes, time: float) -> RawMH | None:
    """Walk the octets of one Ethernet frame down to a Mobility Header (through tunnels)."""
    if len(frame) < 54 or frame[12:14] != b"\x86\xdd":
        return None
    ip = frame[14:]
    while True:
        nh, src, dst = ip[6], IPv6Address(ip[8:24]), IPv6Address(ip[24:40])
        pos, hao, rh2 = 40, None, None
        while nh in (0, 43, 60):
            length = (ip[pos + 1] + 1) * 8
            if nh == 43 and ip[pos + 2] == 2:
                rh2 = IPv6Address(ip[pos + 8 : pos + 24])
            if nh == 60:
                o = pos + 2
                while o < pos + length:
                    if ip[o] == 0:  # Pad1
                        o += 1
                        continue
                    if ip[o] == 201:  # Home Address option
                        hao = IPv6Address(ip[o + 2 : o + 18])
                    o += 2 + ip[o + 1]
            nh, pos = ip[pos], pos + length
        if nh == 41:
            ip = ip[pos:]
            continue
        if nh == 50:  # ESP: SPI, sequence number, payload | padding | pad length | next header, ICV
            body = ip[pos + 8 : len(ip) - ICV]
            if body[-1] != 41:
                return None  # transport mode (home registration): not ours to check
            ip = body[: len(body) - 2 - body[-2]]
            continue
        if nh != 135:
            return None
        length = (ip[pos + 1] + 1) * 8
        return RawMH(time, src, dst, hao, rh2, bytes(ip[pos : pos + length]))


def mobility_options(data: bytes) -> dict[int, bytes]:
    out, o = {}, 0
    while o < len(data):
        if data[o] == 0:
            o += 1
            continue
        out[data[o]] = data[o + 2 : o + 2 + data[o + 1]]
        o += 2 + data[o + 1]
    return out


def authenticator(kbm: bytes, careof: IPv6Address, correspondent: IPv6Address, mh: bytes) -> bytes:
    data = mh[:4] + b"\x00\x00" + mh[6:-12]
    return hmac.new(kbm, careof.packed + correspondent.packed + data, hashlib.sha1).digest()[:12]


def signalling(name: str) -> list[RawMH]:
    """Every distinct Mobility Header of the capture (the same octets seen on several links once)."""
    seen, out = set(), []
    for r in run(name).capture:
        m = innermost_mh(r.frame, r.time)
        if m is None:
            continue
        key = (m.src, m.dst, m.mh)
        if key not in seen:
            seen.add(key)
            out.append(m)
    return out


def check_capture(name: str) -> tuple[int, int]:
    """Verify every correspondent BU and BA; returns (BUs checked, BAs checked)."""
    msgs = signalling(name)
    hot: dict[tuple, bytes] = {}  # (CN, home address, nonce index) -> home keygen token
    cot: dict[tuple, bytes] = {}  # (CN, care-of address, nonce index) -> care-of keygen token
    sent: dict[tuple, list] = {}  # (CN, home address) -> [(seq, kbm, careof)] BUs in order
    n_bu = n_ba = 0
    for m in msgs:
        t = m.mh_type
        if t in (3, 4):  # HoT / CoT: Nonce Index 16, cookie 64, keygen token 64
            index, token = int.from_bytes(m.mh[6:8], "big"), m.mh[16:24]
            (hot if t == 3 else cot)[(m.src, m.dst, index)] = token
        elif t == 5 and not m.mh[8] & 0x40:  # BU with H=0
            seq, lifetime = int.from_bytes(m.mh[6:8], "big"), int.from_bytes(m.mh[10:12], "big")
            opts = mobility_options(m.mh[12:])
            assert m.mh[-14:-12] == b"\x05\x0c", "Binding Authorization Data must be the last option"
            home = m.hao or m.src
            careof = IPv6Address(opts[3]) if 3 in opts else m.src
            cn = m.dst
            hi, ci = int.from_bytes(opts[4][:2], "big"), int.from_bytes(opts[4][2:], "big")
            htoken = hot[(cn, home, hi)]
            if lifetime == 0 or careof == home:
                kbm = hashlib.sha1(htoken).digest()
                careof = home
            else:
                kbm = hashlib.sha1(htoken + cot[(cn, careof, ci)]).digest()
            assert authenticator(kbm, careof, cn, m.mh) == m.mh[-12:], f"BU seq {seq} at {m.time}"
            sent.setdefault((cn, home), []).append((seq, kbm, careof))
            n_bu += 1
        elif t == 6 and (m.src, m.rh2 or m.dst) in sent:  # BA from a correspondent
            status, seq = m.mh[6], int.from_bytes(m.mh[8:10], "big")
            bus = sent[(m.src, m.rh2 or m.dst)]
            match = [b for b in bus if b[0] == seq] if status != 135 else bus[-1:]
            assert match, f"BA seq {seq} answers no BU seen"
            _, kbm, careof = match[-1]
            if 136 <= status <= 138:
                assert 5 not in mobility_options(m.mh[12:])  # no Kbm exists: no authorization data
                continue
            assert authenticator(kbm, careof, m.src, m.mh) == m.mh[-12:], f"BA seq {seq} at {m.time}"
            n_ba += 1
    return n_bu, n_ba


@pytest.mark.parametrize(
    ("scenario", "bus", "bas"),
    [
        ("return-routability", 1, 1),
        ("mn-initiates", 1, 1),
        ("cn-initiates", 1, 1),
        ("route-optimized-data", 1, 1),
        ("cn-binding-maintenance", 4, 4),  # registration, own refresh, two BRR-driven
        ("lost-binding-update", 3, 2),  # first registration, the lost BU, its retransmission
        ("lost-binding-update-nud", 8, 2),
        ("lost-binding-update-expiry", 12, 2),  # first, 4 lost, 6 lost after the BRR, the one at ~99 s
        ("both-away", 2, 2),  # one registration each way, both ends mobile
    ],
)
def test_every_correspondent_bu_and_ba_authenticator(scenario: str, bus: int, bas: int) -> None:
    n_bu, n_ba = check_capture(scenario)
    assert (n_bu, n_ba) == (bus, bas)


def test_the_check_is_sensitive() -> None:
    """The recomputation would catch the classic mistakes (zeroing instead of excluding the
    authenticator, the tokens in the wrong order, the BU's checksum left in)."""
    msgs = signalling("return-routability")
    bu = next(m for m in msgs if m.mh_type == 5 and not m.mh[8] & 0x40)
    hot = next(m for m in msgs if m.mh_type == 3)
    cot = next(m for m in msgs if m.mh_type == 4)
    h, c = hot.mh[16:24], cot.mh[16:24]
    good = hashlib.sha1(h + c).digest()
    assert authenticator(good, bu.src, bu.dst, bu.mh) == bu.mh[-12:]
    assert authenticator(hashlib.sha1(c + h).digest(), bu.src, bu.dst, bu.mh) != bu.mh[-12:]
    zeroed = bu.mh[:4] + b"\x00\x00" + bu.mh[6:-12] + bytes(12)
    assert hmac.new(good, bu.src.packed + bu.dst.packed + zeroed, hashlib.sha1).digest()[:12] != bu.mh[-12:]
    with_sum = bu.mh[:-12]
    assert hmac.new(good, bu.src.packed + bu.dst.packed + with_sum, hashlib.sha1).digest()[:12] != bu.mh[-12:]
