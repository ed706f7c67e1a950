"""Return routability crypto (RFC 6275 §5.2): worked vectors, Kbm, authenticator, nonces, tokens."""

from __future__ import annotations

import hashlib
import hmac
import random
import struct

import pytest

from mip6lab.mobility import rr
from mip6lab.mobility.constants import MAX_NONCE_LIFETIME, MAX_TOKEN_LIFETIME
from mip6lab.wire.checksum import internet_checksum
from mip6lab.wire.codec import encode_upper
from mip6lab.wire.ip import Addr
from mip6lab.wire.mh import (
    BindingAcknowledgement,
    BindingAuthorizationData,
    BindingUpdate,
    CareofTestInit,
    HomeTestInit,
    MobilityHeader,
    MobPadN,
    NonceIndices,
)

HOA = Addr("2001:db8:1::100")
COA = Addr("2001:db8:2::100")
HOME_NONCE = bytes.fromhex("0102030405060708")
CAREOF_NONCE = bytes.fromhex("1112131415161718")


def bu_mh(seq: int, authenticator: bytes, checksum: int = 0) -> bytes:
    """A BU (A=1, lifetime 100, Nonce Indices 7/9, BAD) laid out by hand, independent of the codec."""
    return (
        bytes([59, 3, 5, 0])
        + struct.pack("!H", checksum)
        + struct.pack("!HHH", seq, 0x8000, 100)
        + bytes([4, 4, 0, 7, 0, 9])
        + bytes([5, 12])
        + authenticator
    )


# --------------------------------------------------------------------------- the two worked vectors
# rfc6275-digest.md §1g: Kcn = 01..14, CN 2001:db8:3::5, seq 1000.
# wire-notes.md §5:      Kcn = 00..13, CN 2001:db8:3::10, seq 2000.
VECTORS = [
    pytest.param(
        bytes(range(1, 21)),
        Addr("2001:db8:3::5"),
        1000,
        "6c8cefc4021443fb",
        "c79a8a151905b049",
        "67d04654f22ff74783b988747bb8d6604fb19f24",
        "c1fa1b70240316a151391b78557ad32ea2238532",
        "22477cbb326798b52aea47b1",
        id="digest-1g",
    ),
    pytest.param(
        bytes(range(0, 20)),
        Addr("2001:db8:3::10"),
        2000,
        "37ef3c8eb202a6f2",
        "679d55df5ccf62c2",
        "3ead17bc8a6576c9dbce5c84dcffb363810e4774",
        "6c3b94a5418044de64b5849ee76347b0578e11c6",
        "cc9c0b1ae76b9b4065fa7298",
        id="wire-notes-5",
    ),
]


@pytest.mark.parametrize("kcn,cn,seq,home_tok,coa_tok,kbm_hex,dereg_hex,auth_hex", VECTORS)
def test_worked_vectors(kcn, cn, seq, home_tok, coa_tok, kbm_hex, dereg_hex, auth_hex):
    h = rr.home_keygen_token(kcn, HOA, HOME_NONCE)
    c = rr.careof_keygen_token(kcn, COA, CAREOF_NONCE)
    assert h.hex() == home_tok
    assert c.hex() == coa_tok
    assert rr.kbm(h, c).hex() == kbm_hex
    assert rr.kbm(h).hex() == dereg_hex
    mh = bu_mh(seq, bytes(12))
    assert rr.authenticator_offset(mh) == 20
    assert rr.authenticator(rr.kbm(h, c), COA, cn, mh, 20).hex() == auth_hex


def test_digest_mh_bytes_and_checksum():
    """The digest's full MH: the authenticator plus the checksum with pseudo-source = HoA."""
    mh = bu_mh(1000, bytes.fromhex("22477cbb326798b52aea47b1"))
    pseudo = HOA.packed + Addr("2001:db8:3::5").packed + struct.pack("!IxxxB", len(mh), 135)
    csum = internet_checksum(pseudo + mh)
    assert bu_mh(1000, bytes.fromhex("22477cbb326798b52aea47b1"), csum).hex() == (
        "3b030500f8b203e880000064040400070009050c22477cbb326798b52aea47b1"
    )


def test_keygen_octet_is_one_byte_and_tokens_differ():
    kcn = bytes(range(20))
    expected = hmac.new(kcn, HOA.packed + HOME_NONCE + b"\x00", hashlib.sha1).digest()[:8]
    assert rr.home_keygen_token(kcn, HOA, HOME_NONCE) == expected
    # same address and nonce, only the trailing octet differs
    assert rr.home_keygen_token(kcn, HOA, HOME_NONCE) != rr.careof_keygen_token(kcn, HOA, HOME_NONCE)


def test_deregistration_kbm_is_sha1_of_home_token():
    h = bytes.fromhex("6c8cefc4021443fb")
    assert rr.kbm(h) == hashlib.sha1(h).digest()
    assert rr.kbm(h, None) == rr.kbm(h)
    assert rr.kbm(h) != rr.kbm(h, bytes(8))


def test_exclusion_not_zeroing():
    """The 12 authenticator octets are removed from the MAC input; zeroing them gives another value."""
    kcn = bytes(range(20))
    key = rr.kbm(rr.home_keygen_token(kcn, HOA, HOME_NONCE), rr.careof_keygen_token(kcn, COA, CAREOF_NONCE))
    cn = Addr("2001:db8:3::10")
    mh = bu_mh(2000, bytes(12))
    zeroed = hmac.new(key, COA.packed + cn.packed + mh, hashlib.sha1).digest()[:12]
    assert zeroed.hex().startswith("ef892c79")
    assert rr.authenticator(key, COA, cn, mh, 20).hex() == "cc9c0b1ae76b9b4065fa7298"
    # the input really is 32 (addresses) + 32 - 12 octets, and the option header stays in
    data = rr.authenticator_input(COA, cn, mh, 20)
    assert len(data) == 32 + 20
    assert data.endswith(bytes([5, 12]))
    # whatever sits in the authenticator field does not matter
    assert rr.authenticator(key, COA, cn, bu_mh(2000, b"\xff" * 12), 20) == rr.authenticator(key, COA, cn, mh, 20)


def test_authenticator_offset_walks_options():
    # Pad1, PadN(2), then BAD
    mh = bytes(12) + b"\x00" + b"\x01\x02\x00\x00" + b"\x05\x0c" + bytes(12)
    assert rr.authenticator_offset(mh) == 12 + 1 + 4 + 2
    with pytest.raises(ValueError):
        rr.authenticator_offset(bytes(12) + b"\x01\x02\x00\x00")
    with pytest.raises(ValueError):
        rr.authenticator(bytes(20), COA, HOA, bytes(16), 10)


# --------------------------------------------------------------------------- nonces
def test_kcn_and_nonces_deterministic():
    a, b = rr.CorrespondentSecrets(random.Random(7)), rr.CorrespondentSecrets(random.Random(7))
    assert len(a.kcn) == rr.KCN_LENGTH and a.kcn == b.kcn
    assert a.current_nonce(0.0) == b.current_nonce(0.0)
    assert len(a.current_nonce(0.0).value) == rr.NONCE_LENGTH
    assert rr.CorrespondentSecrets(random.Random(8)).kcn != a.kcn


def test_nonce_regeneration_every_30s():
    assert rr.NONCE_REGENERATION_INTERVAL == 30.0
    s = rr.CorrespondentSecrets(random.Random(1))
    n0 = s.current_nonce(0.0)
    assert s.current_nonce(29.999) is n0
    n1 = s.current_nonce(30.0)
    assert n1.index == (n0.index + 1) % 65536 and n1.value != n0.value
    assert n1.generated_at == 30.0
    # lazily: nothing asked for a while -> one new nonce, stamped with the time it was made
    n2 = s.current_nonce(100.0)
    assert n2.index == n1.index + 1 and n2.generated_at == 100.0


def test_nonce_expiry_boundary_max_nonce_lifetime():
    s = rr.CorrespondentSecrets(random.Random(2))
    n0 = s.current_nonce(10.0)
    assert s.is_valid(n0.index, 10.0)
    assert s.is_valid(n0.index, 10.0 + MAX_NONCE_LIFETIME)  # "not beyond" 240 s: still accepted
    assert not s.is_valid(n0.index, 10.0 + MAX_NONCE_LIFETIME + 0.001)
    assert s.lookup(n0.index, 10.0 + MAX_NONCE_LIFETIME) == n0
    assert not s.is_valid(n0.index + 1, 10.0)  # never issued
    assert not s.is_valid(n0.index, 9.0)  # not yet made


def test_nonce_table_keeps_enough_and_forgets_old():
    s = rr.CorrespondentSecrets(random.Random(3))
    issued = [s.current_nonce(t * 30.0) for t in range(20)]  # one every 30 s up to t = 570
    now = 570.0
    kept = [n.index for n in s.nonces]
    # every nonce at most 240 s old is still recognised: 330, 360, ..., 570 -> 9 nonces
    assert kept == [n.index for n in issued if now - n.generated_at <= MAX_NONCE_LIFETIME]
    assert len(kept) == int(MAX_NONCE_LIFETIME // 30) + 1
    assert not s.is_valid(issued[0].index, now)


def test_token_issued_late_in_a_nonce_period_stays_usable_for_max_token_lifetime():
    """Why the CN regenerates every 240 - 210 s: a token is accepted for its whole lifetime."""
    s = rr.CorrespondentSecrets(random.Random(4))
    n0 = s.current_nonce(0.0)
    late = s.current_nonce(29.9)  # still n0, handed out just before the next regeneration
    assert late is n0
    received = 29.9
    assert rr.token_fresh(received, received + MAX_TOKEN_LIFETIME)
    assert s.is_valid(n0.index, received + MAX_TOKEN_LIFETIME)


def test_nonce_index_wraps():
    s = rr.CorrespondentSecrets(random.Random(5), first_index=65535)
    assert s.current_nonce(0.0).index == 65535
    assert s.current_nonce(30.0).index == 0


def test_token_fresh_boundary():
    assert rr.token_fresh(100.0, 100.0)
    assert rr.token_fresh(100.0, 100.0 + MAX_TOKEN_LIFETIME)
    assert not rr.token_fresh(100.0, 100.0 + MAX_TOKEN_LIFETIME + 0.001)
    assert not rr.token_fresh(100.0, 99.0)


def test_cookie():
    c = rr.new_cookie(random.Random(9))
    assert len(c) == 8 and c == rr.new_cookie(random.Random(9))


# --------------------------------------------------------------------------- stateless HoT / CoT
def test_home_and_careof_test_for():
    s = rr.CorrespondentSecrets(random.Random(11))
    hot = rr.home_test_for(s, 5.0, HOA, HomeTestInit(cookie=b"HOMECOOK"))
    cot = rr.careof_test_for(s, 6.0, COA, CareofTestInit(cookie=b"CAREOFCK"))
    assert hot.cookie == b"HOMECOOK" and cot.cookie == b"CAREOFCK"
    nonce = s.lookup(hot.nonce_index, 6.0)
    assert nonce is not None and cot.nonce_index == hot.nonce_index
    assert hot.keygen_token == rr.home_keygen_token(s.kcn, HOA, nonce.value)
    assert cot.keygen_token == rr.careof_keygen_token(s.kcn, COA, nonce.value)
    # stateless: asking again gives the same answer; 30 s later a new nonce index
    assert rr.home_test_for(s, 7.0, HOA, HomeTestInit(cookie=b"HOMECOOK")) == hot
    assert rr.careof_test_for(s, 40.0, COA, CareofTestInit(cookie=b"x" * 8)).nonce_index != cot.nonce_index


# --------------------------------------------------------------------------- typed sign / verify (codec)


def test_sign_binding_update_matches_vector():
    kcn = bytes(range(20))
    key = rr.kbm(rr.home_keygen_token(kcn, HOA, HOME_NONCE), rr.careof_keygen_token(kcn, COA, CAREOF_NONCE))
    cn = Addr("2001:db8:3::10")
    bu = BindingUpdate(seq=2000, lifetime=100, A=True, options=(NonceIndices(7, 9),))
    signed = rr.sign_binding_message(bu, key, COA, cn)
    assert isinstance(signed.options[-1], BindingAuthorizationData)
    assert signed.options[-1].authenticator.hex() == "cc9c0b1ae76b9b4065fa7298"
    assert rr.verify_binding_message(signed, key, COA, cn)
    # a placeholder already present is replaced in place
    again = rr.sign_binding_message(
        BindingUpdate(seq=2000, lifetime=100, options=(NonceIndices(7, 9), BindingAuthorizationData(bytes(12)))),
        key,
        COA,
        cn,
    )
    assert again == signed


def test_verify_rejects_tampering():
    key = bytes(range(20))
    cn = Addr("2001:db8:3::10")
    bu = rr.sign_binding_message(BindingUpdate(seq=1, lifetime=10, options=(NonceIndices(1, 2),)), key, COA, cn)
    assert rr.verify_binding_message(bu, key, COA, cn)
    assert not rr.verify_binding_message(BindingUpdate(seq=2, lifetime=10, options=bu.options), key, COA, cn)
    assert not rr.verify_binding_message(bu, key, HOA, cn)  # another care-of address
    assert not rr.verify_binding_message(bu, key, COA, HOA)  # another correspondent
    assert not rr.verify_binding_message(bu, bytes(20), COA, cn)  # another key
    assert not rr.verify_binding_message(BindingUpdate(seq=1, lifetime=10), key, COA, cn)  # no BAD


def test_sign_binding_ack_with_padding():
    key = bytes(range(1, 21))
    cn = Addr("2001:db8:3::5")
    ba = BindingAcknowledgement(status=0, seq=7, lifetime=105, options=(MobPadN(bytes(4)),))  # BAD lands at 18 = 8n+2
    signed = rr.sign_binding_message(ba, key, COA, cn)
    assert rr.verify_binding_message(signed, key, COA, cn)
    _, data = encode_upper(MobilityHeader(signed, checksum=0), COA, cn)
    off = rr.authenticator_offset(data)
    assert (off - 2) % 8 == 2  # §6.2.7 alignment 8n+2
    assert data[off : off + 12] == signed.options[-1].authenticator
    assert rr.authenticator(key, COA, cn, data, off) == signed.options[-1].authenticator
