"""Exercise 09: the correspondent's Binding Update checks and their status codes (RFC 6275 §9.5.1-§9.5.2)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from mip6lab.grading.checks._common import SEQ_MODULUS, seq_near_wrap
from mip6lab.grading.core import Case, Verdict, run_check

ACCEPTED = 0
INSUFFICIENT_RESOURCES = 130
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
    room_for_new_binding: bool = True  # False: the cache is full and this BU would need a new entry

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
    if not bu.deregistration and not bu.room_for_new_binding:
        return INSUFFICIENT_RESOURCES
    return ACCEPTED


HINTS = {
    DISCARD: "RFC 6275 §9.5.1: a BU that fails for any reason other than the sequence number, a registration type "
    "change or expired nonces is silently discarded (return None): H=0 needs a Nonce Indices option and "
    "Binding Authorization Data as the last option, and the authenticator must verify",
    ACCEPTED: "RFC 6275 §9.5.1-§9.5.2: every check passed: accept (status 0)",
    INSUFFICIENT_RESOURCES: "RFC 6275 §9.5.2: no room for the new Binding Cache entry: status 130 (a "
    "de-registration needs no room: it deletes)",
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
    Case((BUView(room_for_new_binding=False),)),
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


# ----------------------------------------------------------------------------- in the running system
def bu_checks_using(correspondent_bu_status: Callable[[BUView], int | None]) -> Callable[..., Any]:
    """A ``cn.bu_checks`` function whose decision is the reader's: mip6lab's correspondent works out what
    it knows about the Binding Update (nonces, authenticator, the existing binding) as a :class:`BUView`,
    asks ``correspondent_bu_status`` and answers the way it says."""
    from mip6lab.mobility import registration as R
    from mip6lab.wire.mh import BindingAuthorizationData, NonceIndices

    units = int(R.MAX_RR_BINDING_LIFETIME // R.LIFETIME_UNIT)

    def decide(
        bu: Any,
        *,
        home_address: Any,
        source_address: Any,
        correspondent_address: Any,
        secrets: Any,
        now: float,
        binding: Any,
        retired_seq: int | None = None,
        insufficient_resources: bool = False,
    ) -> Any:
        lib = R.check_correspondent_bu(
            bu,
            home_address=home_address,
            source_address=source_address,
            correspondent_address=correspondent_address,
            secrets=secrets,
            now=now,
            binding=binding,
            retired_seq=retired_seq,
            insufficient_resources=insufficient_resources,
        )
        nonce = next((o for o in bu.options if isinstance(o, NonceIndices)), None)
        checks = dict(lib.checks)
        view = BUView(
            H=bu.H,
            seq=bu.seq,
            deregistration=lib.deregistration
            or R.is_deregistration(bu, home_address, R.registered_careof_address(bu, source_address)),
            nonce_indices_present=nonce is not None,
            auth_data_last=bool(bu.options) and isinstance(bu.options[-1], BindingAuthorizationData),
            home_nonce_valid=nonce is None or secrets.lookup(nonce.home_nonce_index, now) is not None,
            careof_nonce_valid=nonce is None or secrets.lookup(nonce.careof_nonce_index, now) is not None,
            authenticator_valid=checks.get(R.CHK_AUTH, R.PASS) == R.PASS,
            last_seq=binding.sequence_number if binding is not None else retired_seq,
            existing_home_registration=binding is not None and binding.home_registration,
            room_for_new_binding=binding is not None or not insufficient_resources,
        )
        status = correspondent_bu_status(view)
        theirs = None if lib.outcome == R.DISCARD else lib.status
        if status == theirs:
            return lib
        why = f"your correspondent_bu_status said {status!r} for {view!r}"
        if status is None or (status == ACCEPTED and lib.kbm is None):
            return R.BUDecision(R.DISCARD, why, lib.checks, careof_address=lib.careof_address)
        if status == ACCEPTED:
            return R.BUDecision(
                R.ACCEPT,
                why,
                lib.checks,
                0,
                min(bu.lifetime, units),
                bu.seq,
                bu.A,
                lib.deregistration,
                lib.careof_address,
                lib.kbm,
            )
        return R.BUDecision(
            R.REJECT, why, lib.checks, int(status), 0, bu.seq, True, lib.deregistration, lib.careof_address, lib.kbm
        )

    decide.__name__ = getattr(correspondent_bu_status, "__name__", "correspondent_bu_status")
    return decide


def _cn_accepted(lab: Any) -> str | None:
    """the correspondent accepted the mobile node's Binding Update (BA status 0) after return routability"""
    from mip6lab.grading.system import ba_status

    bas = ba_status(lab, "cn")
    if not bas:
        return "the correspondent sent no Binding Acknowledgement: your checks discarded the Binding Update"
    if "status=0 " not in bas[0][1]:
        return f"the correspondent answered: {bas[0][1]}"
    return None


def check_plugged(correspondent_bu_status: Callable[[BUView], int | None], **kw: Any) -> Verdict:
    """The reader's decisions as the correspondent's Binding Update checks (seam cn.bu_checks)."""
    from mip6lab.grading.system import check_contract, check_in_system

    fn = bu_checks_using(correspondent_bu_status)
    verdict = check_contract("your checks in the seam", "cn.bu_checks", fn, **kw)
    if not verdict.passed:
        return verdict
    return check_in_system(
        "your checks in the running system",
        "return-routability",
        {"cn.bu_checks": fn},
        _cn_accepted,
        "RFC 6275 §9.5.1-§9.5.2: a fresh Binding Update after return routability (valid nonces, authenticator "
        "verifies, no binding yet) is accepted with status 0",
        **kw,
    )
