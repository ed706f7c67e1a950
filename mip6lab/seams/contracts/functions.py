"""Rules for the small functions: sequence-number comparison, RR keys, home agent selection."""

from __future__ import annotations

import random
from typing import Any

from mip6lab.seams.contracts import Mismatch, expect, rule
from mip6lab.wire.ip import Addr

SEQ = ("mn.sequence_compare", "ha.sequence_compare", "cn.sequence_compare")
_HINT = "a > b iff 0 < (a - b) mod 2**16 < 2**15 (UMIP: (short)(a - b) > 0)"


def _reference(a: int, b: int) -> bool:
    return 0 < (a - b) % 65536 < 32768


def _pairs(compare: Any, pairs: list[tuple[int, int]]) -> None:
    for a, b in pairs:
        expect(f"a={a}, b={b}", _reference(a, b), bool(compare(a, b)))


@rule(*SEQ, rfc="§9.5.1", hint=_HINT)
def seq_simple(compare: Any) -> None:
    """greater, smaller and equal numbers far from the wrap"""
    _pairs(compare, [(5, 4), (4, 5), (4, 4), (1000, 10)])


@rule(*SEQ, rfc="§9.5.1", hint="0 comes after 65535: " + _HINT)
def seq_wrap(compare: Any) -> None:
    """wraps around at 2**16"""
    _pairs(compare, [(0, 65535), (65535, 0), (3, 65530)])


@rule(*SEQ, rfc="§9.5.1", hint="the RFC's window: the last number and the 32768 values before it are not greater")
def seq_window(compare: Any) -> None:
    """the window edge: last = 15 accepts 16 and 32782, rejects 15, 14, 0, 65535 and 32783"""
    _pairs(compare, [(16, 15), (32782, 15), (15, 15), (14, 15), (0, 15), (65535, 15), (32783, 15)])


@rule(*SEQ, rfc="§9.5.1", hint=_HINT)
def seq_random(compare: Any) -> None:
    """agrees with the RFC on 2000 random pairs"""
    rng = random.Random(6275)
    _pairs(compare, [(rng.randrange(65536), rng.randrange(65536)) for _ in range(2000)])


# --------------------------------------------------------------------------- RR keys
RR = ("mn.rr_keys", "cn.rr_keys")
KCN = bytes(range(20))
NONCE = bytes.fromhex("0102030405060708")
HOA = Addr("2001:db8:1::100")
COA = Addr("2001:db8:2::100")
CN = Addr("2001:db8:4::10")


def _lib() -> Any:
    from mip6lab.mobility import rr

    return rr


@rule(*RR, rfc="§5.2.5", hint="First(64, HMAC_SHA1(Kcn, home address (16 octets) | nonce | 0x00))")
def rr_home_token(keys: Any) -> None:
    """home keygen token"""
    expect(
        f"kcn={KCN.hex()}, home_address={HOA}, nonce={NONCE.hex()}",
        _lib().home_keygen_token(KCN, HOA, NONCE),
        bytes(keys.home_keygen_token(KCN, HOA, NONCE)),
    )


@rule(*RR, rfc="§5.2.5", hint="First(64, HMAC_SHA1(Kcn, care-of address (16 octets) | nonce | 0x01))")
def rr_careof_token(keys: Any) -> None:
    """care-of keygen token"""
    expect(
        f"kcn={KCN.hex()}, careof_address={COA}, nonce={NONCE.hex()}",
        _lib().careof_keygen_token(KCN, COA, NONCE),
        bytes(keys.careof_keygen_token(KCN, COA, NONCE)),
    )


@rule(*RR, rfc="§5.2.5", hint="Kbm = SHA1(home keygen token | care-of keygen token), 20 octets")
def rr_kbm(keys: Any) -> None:
    """Kbm from both tokens"""
    h, c = bytes(range(8)), bytes(range(8, 16))
    expect(f"home_token={h.hex()}, careof_token={c.hex()}", _lib().kbm(h, c), bytes(keys.kbm(h, c)))


@rule(*RR, rfc="§5.2.6", hint="de-registration (no care-of token): Kbm = SHA1(home keygen token)")
def rr_kbm_dereg(keys: Any) -> None:
    """Kbm for a de-registration (home token only)"""
    h = bytes(range(8))
    expect(f"home_token={h.hex()}, careof_token=None", _lib().kbm(h), bytes(keys.kbm(h, None)))
    expect(f"home_token={h.hex()} (one argument)", _lib().kbm(h), bytes(keys.kbm(h)))


@rule(
    *RR,
    rfc="§5.2.6, §6.2.7",
    hint="First(96, HMAC_SHA1(Kbm, care-of address | correspondent | MH data without the 12 octets at auth_offset))",
)
def rr_authenticator(keys: Any) -> None:
    """the Binding Authorization Data authenticator (over the MH data minus the authenticator itself)"""
    kbm = bytes(range(20))
    data = bytes(range(32))
    other = data[:16] + b"\xff" * 12 + data[28:]  # differs only inside the authenticator field
    inputs = f"kbm={kbm.hex()}, coa={COA}, cn={CN}, mh_data=00..1f, auth_offset=16"
    want = _lib().authenticator(kbm, COA, CN, data, 16)
    expect(inputs, want, bytes(keys.authenticator(kbm, COA, CN, data, 16)))
    expect(
        inputs + " (other octets in the authenticator field)", want, bytes(keys.authenticator(kbm, COA, CN, other, 16))
    )


# --------------------------------------------------------------------------- home agent selection
SEL = "mn.home_agent_selection"
A = [Addr(f"2001:db8:1::{i}") for i in range(1, 4)]


@rule(SEL, rfc="§11.4.1", hint="the reply lists home agents by preference: take the first")
def sel_first(select: Any) -> None:
    """the first address of the reply when none refused us"""
    expect(f"addresses={[str(a) for a in A]}, exclude=[]", A[0], select(list(A), []))


@rule(SEL, rfc="§11.4.1", hint="skip the home agents in exclude (they refused the registration), keep the order")
def sel_skip(select: Any) -> None:
    """skips home agents that refused us, keeping the reply's order"""
    expect(f"addresses={[str(a) for a in A]}, exclude=[{A[0]}]", A[1], select(list(A), [A[0]]))
    expect(f"addresses={[str(a) for a in A]}, exclude=[{A[0]}, {A[1]}]", A[2], select(list(A), [A[1], A[0]]))


@rule(SEL, rfc="§11.4.1", hint="return None when no home agent is left to try")
def sel_none(select: Any) -> None:
    """None when every home agent refused us, or the reply is empty"""
    expect("addresses=[], exclude=[]", None, select([], []))
    got = select(list(A), list(A))
    if got is not None:
        raise Mismatch(f"addresses={[str(a) for a in A]}, exclude=all of them", None, got)
