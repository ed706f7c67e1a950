"""Exercise 09: the correspondent's Binding Update checks and their status codes (RFC 6275 §9.5.1-§9.5.2)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from mip6lab.grading.checks._common import SEQ_MODULUS, seq_near_wrap
from mip6lab.grading.core import Case, Verdict, run_check

ACCEPTED = 0
HOME_REGISTRATION_NOT_SUPPORTED = 131
SEQUENCE_NUMBER_OUT_OF_WINDOW = 135
EXPIRED_HOME_NONCE_INDEX = 136
EXPIRED_CAREOF_NONCE_INDEX = 137
EXPIRED_NONCES = 138
REGISTRATION_TYPE_CHANGE_DISALLOWED = 139
DISCARD = None  # silently discarded: no Binding Acknowledgement at all


@dataclass(frozen=True)
class BUView:
    """What the correspondent knows when a Binding Update arrives (already decoded, checksum verified).

    ``last_seq`` is the Sequence Number in the existing Binding Cache entry (None: no entry);
    ``existing_home_registration`` says whether that entry was made by a home registration (H=1).
    """

    H: bool = False
    seq: int = 0
    deregistration: bool = False  # lifetime 0 or care-of address == home address
    nonce_indices_present: bool = True
    auth_data_last: bool = True  # Binding Authorization Data present and the last option
    home_nonce_valid: bool = True  # the Home Nonce Index still names a nonce the CN remembers
    careof_nonce_valid: bool = True
    authenticator_valid: bool = True
    last_seq: int | None = None
    existing_home_registration: bool = False

    def __repr__(self) -> str:
        default = BUView.__new__(BUView)
        for f in fields(BUView):
            object.__setattr__(default, f.name, f.default)
        diff = [f"{f.name}={getattr(self, f.name)!r}" for f in fields(self) if getattr(self, f.name) != f.default]
        return f"BUView({', '.join(diff)})"


def _seq_gt(a: int, b: int) -> bool:
    return 1 <= (a - b) % SEQ_MODULUS < SEQ_MODULUS // 2


def reference(bu: BUView) -> int | None:
    """§9.5.1's order, as mip6lab's correspondent applies it (mobility/registration.py)."""
    if bu.H:
        if bu.nonce_indices_present:
            return DISCARD
        if bu.last_seq is not None and not bu.existing_home_registration:
            return REGISTRATION_TYPE_CHANGE_DISALLOWED
        return HOME_REGISTRATION_NOT_SUPPORTED
    if not bu.nonce_indices_present or not bu.auth_data_last:
        return DISCARD
    home_ok = bu.home_nonce_valid
    careof_ok = True if bu.deregistration else bu.careof_nonce_valid
    if not (home_ok and careof_ok):
        if home_ok:
            return EXPIRED_CAREOF_NONCE_INDEX
        if careof_ok:
            return EXPIRED_HOME_NONCE_INDEX
        return EXPIRED_NONCES
    if not bu.authenticator_valid:
        return DISCARD
    if bu.last_seq is not None and bu.existing_home_registration:
        return REGISTRATION_TYPE_CHANGE_DISALLOWED
    if bu.last_seq is not None and not _seq_gt(bu.seq, bu.last_seq):
        return SEQUENCE_NUMBER_OUT_OF_WINDOW
    return ACCEPTED


HINTS = {
    DISCARD: "RFC 6275 §9.5.1: a BU that fails for any reason other than the sequence number, a registration type "
    "change or expired nonces is silently discarded (return None): H=0 needs a Nonce Indices option and "
    "Binding Authorization Data as the last option, and the authenticator must verify",
    ACCEPTED: "RFC 6275 §9.5.1-§9.5.2: every check passed: accept (status 0)",
    HOME_REGISTRATION_NOT_SUPPORTED: "RFC 6275 §9.5.1/§9.5.2: H=1 asks the correspondent to be a home agent: "
    "status 131 (H=1 with a Nonce Indices option is discarded instead)",
    SEQUENCE_NUMBER_OUT_OF_WINDOW: "RFC 6275 §9.5.1: the Sequence Number must be greater than the cached one, "
    "modulo 2^16, else status 135 (checked after authentication: a BU that does not verify is discarded)",
    EXPIRED_HOME_NONCE_INDEX: "RFC 6275 §9.5.1: only the home nonce index expired: status 136",
    EXPIRED_CAREOF_NONCE_INDEX: "RFC 6275 §9.5.1: only the care-of nonce index expired: status 137 (a "
    "de-registration has no care-of nonce to check)",
    EXPIRED_NONCES: "RFC 6275 §9.5.1: both nonce indices expired: status 138 (checked before the authenticator: "
    "no Kbm can be derived from forgotten nonces)",
    REGISTRATION_TYPE_CHANGE_DISALLOWED: "RFC 6275 §9.5.1: an existing entry of the other kind (home registration "
    "vs correspondent registration) cannot be changed: status 139",
}


def _hint(case: Case, expected: Any, got: Any) -> str:
    return HINTS.get(expected, "return a status code (int) or None to discard")


VISIBLE = [
    Case((BUView(seq=5),)),
    Case((BUView(seq=5, last_seq=4),)),
    Case((BUView(seq=4, last_seq=4),)),
    Case((BUView(seq=0, last_seq=65535),)),
    Case((BUView(home_nonce_valid=False),)),
    Case((BUView(careof_nonce_valid=False),)),
    Case((BUView(home_nonce_valid=False, careof_nonce_valid=False),)),
    Case((BUView(deregistration=True, careof_nonce_valid=False),)),
    Case((BUView(authenticator_valid=False),)),
    Case((BUView(authenticator_valid=False, seq=3, last_seq=9),)),
    Case((BUView(auth_data_last=False),)),
    Case((BUView(nonce_indices_present=False),)),
    Case((BUView(H=True, nonce_indices_present=False),)),
    Case((BUView(H=True),)),
    Case((BUView(seq=9, last_seq=3, existing_home_registration=True),)),
]


def _hidden(rng: random.Random) -> list[Case]:
    out = []
    for _ in range(80):
        last = rng.choice([None, seq_near_wrap(rng)])
        seq = seq_near_wrap(rng) if last is None else (last + rng.choice([1, 2, 0, -1, 32767, 32768])) % SEQ_MODULUS
        out.append(
            Case(
                (
                    BUView(
                        H=rng.random() < 0.1,
                        seq=seq,
                        deregistration=rng.random() < 0.2,
                        nonce_indices_present=rng.random() < 0.93,
                        auth_data_last=rng.random() < 0.93,
                        home_nonce_valid=rng.random() < 0.8,
                        careof_nonce_valid=rng.random() < 0.8,
                        authenticator_valid=rng.random() < 0.85,
                        last_seq=last,
                        existing_home_registration=last is not None and rng.random() < 0.15,
                    ),
                )
            )
        )
    return out


def check_bu_checks(correspondent_bu_status: Callable[[BUView], int | None], **kw: Any) -> Verdict:
    """correspondent_bu_status(bu) -> the Binding Acknowledgement status, or None to discard silently."""
    return run_check("correspondent_bu_status", correspondent_bu_status, reference, VISIBLE, _hidden, _hint, **kw)
