"""Exercises 07 and 11: return routability's keygen tokens, Kbm and the Binding Update's authenticator
(RFC 6275 §5.2.5, §5.2.6, §6.2.7), checked against a real capture and against random keys and nonces."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from mip6lab.grading.checks._common import hexs, rand_addr
from mip6lab.grading.core import Case, Verdict, run_check


def _packed(a: str) -> bytes:
    return ipaddress.IPv6Address(str(a)).packed


def ref_home_token(kcn: bytes, home_address: str, nonce: bytes) -> bytes:
    return hmac.new(kcn, _packed(home_address) + nonce + b"\x00", hashlib.sha1).digest()[:8]


def ref_careof_token(kcn: bytes, careof_address: str, nonce: bytes) -> bytes:
    return hmac.new(kcn, _packed(careof_address) + nonce + b"\x01", hashlib.sha1).digest()[:8]


def ref_kbm(home_token: bytes, careof_token: bytes | None = None) -> bytes:
    return hashlib.sha1(home_token + (careof_token or b"")).digest()


def ref_authenticator(kbm: bytes, careof_address: str, correspondent: str, mh_data: bytes) -> bytes:
    data = _packed(careof_address) + _packed(correspondent) + mh_data[:-12]
    return hmac.new(kbm, data, hashlib.sha1).digest()[:12]


@dataclass(frozen=True)
class CapturedRR:
    """What one return-routability run put on the wire, plus the correspondent's secret (for the check)."""

    kcn: bytes
    home_address: str
    careof_address: str
    correspondent: str
    home_nonce: bytes
    careof_nonce: bytes
    home_token: bytes  # from the captured Home Test
    careof_token: bytes  # from the captured Care-of Test
    bu_mh_data: bytes  # the captured Binding Update's Mobility Header, Checksum set to 0
    bu_authenticator: bytes  # its Binding Authorization Data


@lru_cache(maxsize=4)
def captured(seed: int = 0) -> CapturedRR:
    """Run the ``return-routability`` scenario and pick HoT, CoT and the correspondent BU out of its capture."""
    from mip6lab.lab import Lab
    from mip6lab.wire.codec import encode_upper
    from mip6lab.wire.ip import IPv6
    from mip6lab.wire.mh import BindingAuthorizationData, BindingUpdate, CareofTest, HomeTest, MobilityHeader

    lab = Lab("return-routability", seed=seed)
    lab.run(until=lab.scenario.duration)
    secrets = lab.role("cn").secrets
    cn_addr = lab.address_of("cn")
    hot = cot = bu = None
    for rec in lab.records():
        frame = rec.decoded
        pkt = getattr(frame, "payload", None)
        if not isinstance(pkt, IPv6) or not isinstance(pkt.payload, MobilityHeader):
            continue
        msg = pkt.payload.message
        if isinstance(msg, HomeTest) and hot is None:
            hot = (pkt, msg)
        elif isinstance(msg, CareofTest) and cot is None:
            cot = (pkt, msg)
        elif isinstance(msg, BindingUpdate) and not msg.H and pkt.dst == cn_addr and bu is None:
            bu = (pkt, msg)
    assert hot and cot and bu, "the return-routability scenario did not capture HoT, CoT and a BU"
    nonces = {n.index: n.value for n in secrets.nonces}
    _, data = encode_upper(MobilityHeader(bu[1], checksum=0), bu[0].src, bu[0].dst)
    bad = next(o for o in bu[1].options if isinstance(o, BindingAuthorizationData))
    return CapturedRR(
        kcn=secrets.kcn,
        home_address=str(hot[0].dst),
        careof_address=str(cot[0].dst),
        correspondent=str(cn_addr),
        home_nonce=nonces[hot[1].nonce_index],
        careof_nonce=nonces[cot[1].nonce_index],
        home_token=hot[1].keygen_token,
        careof_token=cot[1].keygen_token,
        bu_mh_data=data,
        bu_authenticator=bad.authenticator,
    )


def _token_hint(which: str) -> Callable[[Case, Any, Any], str]:
    octet = "0" if which == "home" else "1"

    def hint(case: Case, expected: Any, got: Any) -> str:
        if isinstance(got, bytes | bytearray) and len(got) != 8:
            return f"RFC 6275 §5.2.5: a keygen token is First(64, ...): the HMAC-SHA1's first 8 octets, not {len(got)}"
        return (
            f"RFC 6275 §5.2.5 / white paper 'Return routability': {which} keygen token = First(64, "
            f"HMAC_SHA1(Kcn, {which} address | nonce | {octet})) -- the address as its 16 packed octets "
            f"(ipaddress.IPv6Address(a).packed) and the final {octet} as ONE octet (b'\\x0{octet}')"
        )

    return hint


def _rand_token_case(rng: random.Random) -> Case:
    kcn, nonce, addr = rng.randbytes(20), rng.randbytes(8), rand_addr(rng)
    return Case((kcn, addr, nonce), f"Kcn={kcn.hex()}, address={addr}, nonce={nonce.hex()}")


def check_home_token(home_keygen_token: Callable[[bytes, str, bytes], bytes], **kw: Any) -> Verdict:
    """home_keygen_token(kcn, home_address, nonce) against the Home Test in the capture, then random keys."""
    c = captured()
    visible = [
        Case(
            (c.kcn, c.home_address, c.home_nonce),
            f"the captured Home Test: Kcn={c.kcn.hex()}, home address={c.home_address}, "
            f"nonce={c.home_nonce.hex()} (the HoT carried token {c.home_token.hex()})",
        )
    ]
    assert ref_home_token(*visible[0].args) == c.home_token

    def hidden(rng: random.Random) -> list[Case]:
        return [_rand_token_case(rng) for _ in range(10)]

    return run_check(
        "home_keygen_token", home_keygen_token, ref_home_token, visible, hidden, _token_hint("home"), show=hexs, **kw
    )


def check_careof_token(careof_keygen_token: Callable[[bytes, str, bytes], bytes], **kw: Any) -> Verdict:
    """careof_keygen_token(kcn, careof_address, nonce) against the Care-of Test in the capture."""
    c = captured()
    visible = [
        Case(
            (c.kcn, c.careof_address, c.careof_nonce),
            f"the captured Care-of Test: Kcn={c.kcn.hex()}, care-of address={c.careof_address}, "
            f"nonce={c.careof_nonce.hex()} (the CoT carried token {c.careof_token.hex()})",
        )
    ]
    assert ref_careof_token(*visible[0].args) == c.careof_token

    def hidden(rng: random.Random) -> list[Case]:
        return [_rand_token_case(rng) for _ in range(10)]

    return run_check(
        "careof_keygen_token",
        careof_keygen_token,
        ref_careof_token,
        visible,
        hidden,
        _token_hint("care-of"),
        show=hexs,
        **kw,
    )


def _kbm_hint(case: Case, expected: Any, got: Any) -> str:
    if case.args[1] is None:
        return (
            "RFC 6275 §5.2.6: returning home (de-registration) there is no care-of token: "
            "Kbm = SHA1(home keygen token) alone"
        )
    if isinstance(got, bytes | bytearray) and len(got) != 20:
        return "RFC 6275 §5.2.5: Kbm is a whole SHA-1 digest: 20 octets"
    return "RFC 6275 §5.2.5: Kbm = SHA1(home keygen token | care-of keygen token), in that order (| = concatenate)"


def check_kbm(kbm: Callable[..., bytes], **kw: Any) -> Verdict:
    """kbm(home_token, careof_token=None): with the captured tokens, then random ones, then de-registration."""
    c = captured()
    visible = [
        Case(
            (c.home_token, c.careof_token),
            f"the captured tokens: home {c.home_token.hex()}, care-of {c.careof_token.hex()}",
        ),
        Case((c.home_token, None), "de-registration: home token only"),
    ]

    def hidden(rng: random.Random) -> list[Case]:
        out = []
        for _ in range(10):
            h, co = rng.randbytes(8), rng.choice([rng.randbytes(8), None])
            out.append(Case((h, co), f"home {h.hex()}, care-of {co.hex() if co else None}"))
        return out

    return run_check("kbm", kbm, ref_kbm, visible, hidden, _kbm_hint, show=hexs, **kw)


def _auth_hint(case: Case, expected: Any, got: Any) -> str:
    if isinstance(got, bytes | bytearray) and len(got) != 12:
        return f"RFC 6275 §6.2.7: the authenticator is First(96, ...): 12 octets, not {len(got)}"
    return (
        "RFC 6275 §6.2.7: Authenticator = First(96, HMAC_SHA1(Kbm, care-of address | correspondent | MH Data)); "
        "MH Data is the Mobility Header with the 12 authenticator octets left OUT (they are the last 12, "
        "since Binding Authorization Data is the last option) -- removed, not zeroed"
    )


def _rand_bu(rng: random.Random) -> tuple[bytes, str, str, bytes]:
    from mip6lab.mobility.rr import sign_binding_message
    from mip6lab.wire.codec import encode_upper
    from mip6lab.wire.ip import Addr
    from mip6lab.wire.mh import BindingUpdate, MobilityHeader, NonceIndices

    key, coa, cn = rng.randbytes(20), rand_addr(rng), rand_addr(rng)
    bu = BindingUpdate(
        seq=rng.randrange(1 << 16),
        lifetime=rng.randrange(1, 106),
        A=rng.random() < 0.5,
        options=(NonceIndices(rng.randrange(1 << 16), rng.randrange(1 << 16)),),
    )
    signed = sign_binding_message(bu, key, Addr(coa), Addr(cn))
    _, data = encode_upper(MobilityHeader(signed, checksum=0), Addr(coa), Addr(cn))
    return key, coa, cn, data


def check_authenticator(authenticator: Callable[[bytes, str, str, bytes], bytes], **kw: Any) -> Verdict:
    """authenticator(kbm, careof_address, correspondent, mh_data) against the captured Binding Update."""
    c = captured()
    key = ref_kbm(c.home_token, c.careof_token)
    visible = [
        Case(
            (key, c.careof_address, c.correspondent, c.bu_mh_data),
            f"the captured BU: Kbm={key.hex()}, care-of {c.careof_address}, correspondent {c.correspondent}, "
            f"MH data {c.bu_mh_data.hex()} (it carried authenticator {c.bu_authenticator.hex()})",
        )
    ]
    assert ref_authenticator(*visible[0].args) == c.bu_authenticator

    def hidden(rng: random.Random) -> list[Case]:
        out = []
        for _ in range(8):
            key, coa, cn, data = _rand_bu(rng)
            out.append(
                Case((key, coa, cn, data), f"Kbm={key.hex()}, care-of {coa}, correspondent {cn}, MH {data.hex()}")
            )
        return out

    return run_check("authenticator", authenticator, ref_authenticator, visible, hidden, _auth_hint, show=hexs, **kw)


# ----------------------------------------------------------------------------- in the running system
def _cn_accepted(lab: Any) -> str | None:
    """the correspondent verified the mobile node's Binding Update and accepted it (BA status 0)"""
    from mip6lab.grading.system import ba_status

    bas = ba_status(lab, "cn")
    if not bas:
        return "the correspondent sent no Binding Acknowledgement: it discarded the Binding Update (§9.5.1)"
    if "status=0 " not in bas[0][1]:
        return f"the correspondent answered: {bas[0][1]}"
    return None


def keys_namespace(**mine: Callable[..., bytes]) -> Any:
    """A ``mn.rr_keys``/``cn.rr_keys`` namespace: the reader's functions, the library's for the rest."""
    from types import SimpleNamespace

    from mip6lab.mobility import rr

    ns = SimpleNamespace(
        home_keygen_token=rr.home_keygen_token,
        careof_keygen_token=rr.careof_keygen_token,
        kbm=rr.kbm,
        authenticator=rr.authenticator,
    )
    for name, fn in mine.items():
        setattr(ns, name, fn)
    return ns


def check_plugged_tokens(
    home_keygen_token: Callable[..., bytes],
    careof_keygen_token: Callable[..., bytes],
    kbm: Callable[..., bytes],
    **kw: Any,
) -> Verdict:
    """The reader's tokens at the correspondent and Kbm at the mobile node, in return-routability."""
    from mip6lab.grading.system import check_contract, check_in_system

    ns = keys_namespace(home_keygen_token=home_keygen_token, careof_keygen_token=careof_keygen_token, kbm=kbm)
    verdict = check_contract("your RR keys in the seam", "cn.rr_keys", ns, **kw)
    if not verdict.passed:
        return verdict
    return check_in_system(
        "your RR keys in the running system",
        "return-routability",
        {
            "cn.rr_keys": keys_namespace(home_keygen_token=home_keygen_token, careof_keygen_token=careof_keygen_token),
            "mn.rr_keys": keys_namespace(kbm=kbm),
        },
        _cn_accepted,
        "RFC 6275 §5.2.5: the mobile node's Kbm (your kbm, from the tokens in HoT and CoT) must equal the one the "
        "correspondent derives, or the Binding Update's authenticator does not verify",
        **kw,
    )


def check_plugged_authenticator(authenticator: Callable[..., bytes], **kw: Any) -> Verdict:
    """The reader's authenticator signs the mobile node's Binding Update; the correspondent verifies it."""
    from mip6lab.grading.system import check_in_system

    def seam_authenticator(kbm: bytes, coa: Any, cn: Any, mh_data: bytes, auth_offset: int) -> bytes:
        # the seam names where the 12 octets are; in a BU they are the last 12 (the option is last, §6.2.7)
        return authenticator(kbm, str(coa), str(cn), mh_data[: auth_offset + 12] + mh_data[auth_offset + 12 :])

    return check_in_system(
        "your authenticator in the running system",
        "return-routability",
        {"mn.rr_keys": keys_namespace(authenticator=seam_authenticator)},
        _cn_accepted,
        "RFC 6275 §6.2.7: the correspondent recomputes the authenticator over care-of address | correspondent | "
        "MH Data (checksum 0, the 12 authenticator octets left out) and silently discards the BU if it differs",
        **kw,
    )
