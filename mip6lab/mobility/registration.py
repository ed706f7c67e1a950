"""The RFC's decision procedures for Binding Updates and Acknowledgements, as pure functions.

Each function takes the message and everything the node knows about it, and returns a typed result:
what to do (accept / reject with a BA status / silently discard), why (the RFC rule, in words), and
every check it made, in the RFC's order, as ``(check name, "pass" | "fail")`` pairs, so that a trace or
a widget can show the reader exactly where a Binding Update was stopped. The node roles (home agent,
correspondent node, mobile node) call these, then change their tables and build the packets.

* :func:`check_home_bu` -- a home agent receiving a home registration (H=1): §9.5.1, §10.3.1, §10.3.2.
* :func:`check_correspondent_bu` -- a correspondent receiving an RR-authorised BU: §9.5.1-§9.5.4.
* :func:`process_ba_at_mn` -- a mobile node receiving a Binding Acknowledgement: §11.7.3.

The order of the checks is a teaching decision as much as a protocol one; where RFC 6275 leaves it
open, the docstrings say which order was chosen and why.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from ipaddress import IPv6Network
from typing import Any, Protocol

from mip6lab.mobility import rr
from mip6lab.mobility.constants import MAX_LIFETIME_UNITS, MAX_NONCE_LIFETIME, MAX_RR_BINDING_LIFETIME
from mip6lab.mobility.seqno import next_seq, seq_acceptable
from mip6lab.wire.ip import Addr
from mip6lab.wire.mh import (
    BA_ACCEPTED,
    BA_ACCEPTED_PREFIX_DISCOVERY,
    BA_DAD_FAILED,
    BA_EXPIRED_COA_NONCE,
    BA_EXPIRED_HOME_NONCE,
    BA_EXPIRED_NONCES,
    BA_HOME_REGISTRATION_NOT_SUPPORTED,
    BA_INSUFFICIENT_RESOURCES,
    BA_NOT_HOME_AGENT,
    BA_NOT_HOME_SUBNET,
    BA_REGISTRATION_TYPE_CHANGE,
    BA_SEQUENCE_OUT_OF_WINDOW,
    LIFETIME_UNIT,
    AlternateCareofAddress,
    BindingAcknowledgement,
    BindingAuthorizationData,
    BindingUpdate,
    NonceIndices,
)

__all__ = [
    "BAAction",
    "CheckResult",
    "Outcome",
    "ACCEPT",
    "DISCARD",
    "NEEDS_DAD",
    "REJECT",
    "PASS",
    "FAIL",
    "DISCOVER_HOME_AGENT",
    "GIVE_UP_HOME_ADDRESS",
    "RERUN_CAREOF_TEST",
    "RERUN_HOME_TEST",
    "RESEND_WITH_NEW_SEQ",
    "SEND_MOBILE_PREFIX_SOLICITATION",
    "STOP_BINDING_UPDATES",
    "STOP_RETRANSMITTING",
    "BAResult",
    "BUDecision",
    "BindingState",
    "HomePrefix",
    "NONCE_EXPIRY_STATUSES",
    "authenticator_careof_address",
    "check_correspondent_bu",
    "check_home_bu",
    "finalise_after_dad",
    "is_deregistration",
    "is_unicast_routable",
    "link_local_for",
    "process_ba_at_mn",
    "registered_careof_address",
]


class Outcome(StrEnum):
    """What to do with a Binding Update or Acknowledgement (str-valued: ``outcome == "accept"`` holds)."""

    ACCEPT = "accept"
    REJECT = "reject"  # answer with a Binding Acknowledgement carrying ``status`` >= 128
    DISCARD = "discard"  # silently: no BA, no Binding Error (§9.5.1 last paragraph)
    NEEDS_DAD = "needs_dad"  # home agent: run DAD for ``dad_addresses``, then :func:`finalise_after_dad`


class CheckResult(StrEnum):
    PASS = "pass"
    FAIL = "fail"


class BAAction(StrEnum):
    """The mobile node's follow-up actions after a Binding Acknowledgement (§11.7.3)."""

    STOP_RETRANSMITTING = "stop retransmitting the Binding Update"
    SEND_MOBILE_PREFIX_SOLICITATION = "send a Mobile Prefix Solicitation"
    RESEND_WITH_NEW_SEQ = "resend the Binding Update with the next sequence number"
    RERUN_HOME_TEST = "rerun the home test (HoTI/HoT), then resend the Binding Update"
    RERUN_CAREOF_TEST = "rerun the care-of test (CoTI/CoT), then resend the Binding Update"
    DISCOVER_HOME_AGENT = "try another home agent (Dynamic Home Agent Address Discovery)"
    GIVE_UP_HOME_ADDRESS = "stop using this home address"
    STOP_BINDING_UPDATES = "stop sending Binding Updates to this node"


# The members under their short names (what the roles and the tests write).
ACCEPT, REJECT, DISCARD, NEEDS_DAD = Outcome.ACCEPT, Outcome.REJECT, Outcome.DISCARD, Outcome.NEEDS_DAD
PASS, FAIL = CheckResult.PASS, CheckResult.FAIL
STOP_RETRANSMITTING = BAAction.STOP_RETRANSMITTING
SEND_MOBILE_PREFIX_SOLICITATION = BAAction.SEND_MOBILE_PREFIX_SOLICITATION
RESEND_WITH_NEW_SEQ = BAAction.RESEND_WITH_NEW_SEQ
RERUN_HOME_TEST = BAAction.RERUN_HOME_TEST
RERUN_CAREOF_TEST = BAAction.RERUN_CAREOF_TEST
DISCOVER_HOME_AGENT = BAAction.DISCOVER_HOME_AGENT
GIVE_UP_HOME_ADDRESS = BAAction.GIVE_UP_HOME_ADDRESS
STOP_BINDING_UPDATES = BAAction.STOP_BINDING_UPDATES

NONCE_EXPIRY_STATUSES = (BA_EXPIRED_HOME_NONCE, BA_EXPIRED_COA_NONCE, BA_EXPIRED_NONCES)
_LINK_LOCAL_PREFIX = int(Addr("fe80::"))
_IID_MASK = (1 << 64) - 1
_MAX_RR_UNITS = int(MAX_RR_BINDING_LIFETIME // LIFETIME_UNIT)

Check = tuple[str, str]


class BindingState(Protocol):
    """What the checks need from an existing Binding Cache entry (binding_cache.BindingCacheEntry fits)."""

    @property
    def home_registration(self) -> bool: ...

    @property
    def sequence_number(self) -> int: ...

    @property
    def link_local_compat(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class HomePrefix:
    """One prefix of the home agent's Prefix List on the home link, with what is left of its valid
    lifetime at ``now`` (seconds; ``None`` = infinite)."""

    network: IPv6Network
    valid_lifetime: float | None = None


@dataclass(frozen=True, slots=True)
class BUDecision:
    """What a home agent or correspondent does with one Binding Update.

    ``lifetime`` is the granted lifetime in 4-second units (the BA Lifetime field). ``ba_seq`` is the
    Sequence Number for the BA: the BU's own, or the last accepted one for status 135 (§9.5.1).
    ``kbm`` (correspondent only) is the key to put Binding Authorization Data in the BA; ``None``
    means the BA goes without it (status 136-138, or no key could be derived).
    """

    outcome: Outcome
    reason: str
    checks: tuple[Check, ...]
    status: int | None = None
    lifetime: int = 0
    ba_seq: int | None = None
    send_ba: bool = False
    deregistration: bool = False
    careof_address: Addr | None = None
    kbm: bytes | None = None
    dad_addresses: tuple[Addr, ...] = ()
    retire_nonces_until: float | None = None  # correspondent de-registration: see check_correspondent_bu

    @property
    def lifetime_seconds(self) -> int:
        return self.lifetime * LIFETIME_UNIT

    @property
    def accepted(self) -> bool:
        return self.outcome == ACCEPT

    @property
    def ba_authenticated(self) -> bool:
        """Whether the BA must carry Binding Authorization Data (§9.5.4)."""
        return self.kbm is not None and self.status not in NONCE_EXPIRY_STATUSES

    def describe(self) -> str:
        """The decision in one line for traces: outcome, status if any, and the reason."""
        status = f" (status {self.status})" if self.status is not None else ""
        return f"{self.outcome}{status}: {self.reason}"


@dataclass(frozen=True, slots=True)
class BAResult:
    """What a mobile node does with one Binding Acknowledgement (§11.7.3).

    ``lifetime_remaining`` (seconds) replaces the Binding Update List entry's remaining lifetime when
    the BA accepted the binding. ``next_seq`` is set for status 135.
    """

    outcome: Outcome
    reason: str
    checks: tuple[Check, ...]
    actions: tuple[BAAction, ...] = ()
    status: int | None = None
    lifetime_remaining: float | None = None
    next_seq: int | None = None

    @property
    def accepted(self) -> bool:
        return self.outcome == ACCEPT


# --------------------------------------------------------------------------- shared helpers
def is_unicast_routable(addr: Addr) -> bool:
    """§9.3.1 / §9.5.1: a home (or care-of) address must be unicast and routable beyond the link:
    not multicast, unspecified, loopback or link-local."""
    if addr._ip >> 125 == 1:  # global unicast 2000::/3 is none of those (the common case, asked per packet)
        return True
    return not (addr.is_multicast or addr.is_unspecified or addr.is_loopback or addr.is_link_local)


def registered_careof_address(bu: BindingUpdate, source_address: Addr) -> Addr:
    """§9.5.1: the care-of address is the Alternate Care-of Address option's, else the packet source."""
    for o in bu.options:
        if isinstance(o, AlternateCareofAddress):
            return o.address
    return source_address


def is_deregistration(bu: BindingUpdate, home_address: Addr, careof_address: Addr) -> bool:
    """§9.5.1 / §9.5.3: lifetime 0, or a care-of address equal to the home address, deletes the binding."""
    return bu.lifetime == 0 or careof_address == home_address


def authenticator_careof_address(bu: BindingUpdate, home_address: Addr, source_address: Addr) -> Addr:
    """The "care-of address" that goes into the authenticator (§6.2.7): "the care-of address that will
    be registered ..., or the home address of the mobile node if this option is used in
    de-registration" -- which the RFC notes may differ from the source "when the lifetime of the
    binding is set to zero". Mobile node and correspondent must both call this, so they agree."""
    coa = registered_careof_address(bu, source_address)
    return home_address if is_deregistration(bu, home_address, coa) else coa


def link_local_for(home_address: Addr) -> Addr:
    """fe80:: plus the home address's interface identifier: what L=1 asks the home agent to defend."""
    return Addr(_LINK_LOCAL_PREFIX | (int(home_address) & _IID_MASK))


def _seconds_to_units(seconds: float) -> int:
    return max(int(seconds // LIFETIME_UNIT), 0)


class _Checks:
    """Collects (name, result) pairs and builds decisions that carry them."""

    def __init__(self) -> None:
        self.items: list[Check] = []

    def ok(self, name: str) -> None:
        self.items.append((name, PASS))

    def test(self, name: str, passed: bool) -> bool:
        self.items.append((name, PASS if passed else FAIL))
        return passed

    def frozen(self) -> tuple[Check, ...]:
        return tuple(self.items)


# --------------------------------------------------------------------------- home agent
# Check names (stable strings: tests and traces refer to them).
CHK_HOA_ROUTABLE = "home address is unicast routable (§9.5.1)"
CHK_COA_ROUTABLE = "care-of address is unicast routable (§9.5.1)"
CHK_H_NO_NONCE = "H=1 carries no Nonce Indices option (§9.5.1)"
CHK_TYPE = "registration type unchanged (§9.5.1)"
CHK_SEQ = "sequence number greater than last accepted (§9.5.1)"
CHK_IS_HA = "configured as home agent (§10.3.1)"
CHK_ON_LINK = "home address on-link w.r.t. the Prefix List (§10.3.1)"
CHK_HOME_ENTRY = "home registration entry exists for de-registration (§10.3.2)"
CHK_LIFETIME = "lifetime within prefix valid lifetime and configured maximum (§10.3.1)"
CHK_DAD_NEEDED = "binding already exists, no DAD needed (§10.3.1)"
CHK_DAD = "Duplicate Address Detection succeeded (§10.3.1)"
CHK_LL_DEFENDED = "L=1: link-local address already defended for this binding, no DAD needed (§10.3.1)"


def check_home_bu(
    bu: BindingUpdate,
    *,
    home_address: Addr,
    source_address: Addr,
    binding: BindingState | None,
    is_home_agent: bool,
    home_prefixes: Sequence[HomePrefix],
    max_lifetime: float | None = None,
    link_local_valid_lifetime: float | None = None,
    prefix_discovery_needed: bool = False,
    greater: Callable[[int, int], bool] | None = None,
) -> BUDecision:
    """A home agent's checks on a home registration BU (H=1), in the order §9.5.1 then §10.3.1/§10.3.2.

    ``home_address`` is the Home Address option's (or the source if there is none), ``source_address``
    the IPv6 source; ``binding`` the existing Binding Cache entry for the home address. The IPsec
    check (§10.3.1: the BU MUST be protected by ESP) is the caller's, before this.

    Outcomes: discard; reject 139, 135 (``ba_seq`` = last accepted), 131, 132, 133; accept of a
    de-registration (lifetime 0) or of a refresh of an existing binding; or :data:`NEEDS_DAD` when no
    binding exists yet, or when a refresh newly sets L (DAD for the link-local address only) -- the
    caller runs DAD on ``dad_addresses`` and calls :func:`finalise_after_dad`. A refresh that clears L
    is accepted; the caller stops defending the link-local address.
    The granted lifetime is the least of the requested one, the home prefix's remaining valid
    lifetime, the link-local prefix's (L=1), and ``max_lifetime`` (seconds), in 4-second units.
    A home agent answers every home BU it does not discard (TAHI and UMIP send a BA even with A=0,
    see rfc6275-digest §1e), so ``send_ba`` is True for every reject and accept.
    """
    if not bu.H:
        raise ValueError("check_home_bu is for home registrations (H=1); use check_correspondent_bu")
    c = _Checks()
    coa = registered_careof_address(bu, source_address)

    def discard(reason: str) -> BUDecision:
        return BUDecision(DISCARD, reason, c.frozen(), careof_address=coa)

    def reject(status: int, reason: str, ba_seq: int | None = None) -> BUDecision:
        seq = bu.seq if ba_seq is None else ba_seq
        return BUDecision(REJECT, reason, c.frozen(), status, 0, seq, True, careof_address=coa)

    if not c.test(CHK_HOA_ROUTABLE, is_unicast_routable(home_address)):
        return discard("§9.5.1/§9.3.1: home address is not a unicast routable address")
    if not c.test(CHK_COA_ROUTABLE, is_unicast_routable(coa)):
        return discard("§9.5.1: care-of address is not a unicast routable address")
    if not c.test(CHK_H_NO_NONCE, not any(isinstance(o, NonceIndices) for o in bu.options)):
        return discard("§9.5.1: H=1 and a Nonce Indices option is present")
    if not c.test(CHK_TYPE, binding is None or binding.home_registration == bu.H):
        return reject(BA_REGISTRATION_TYPE_CHANGE, "§9.5.1: existing binding is not a home registration")
    last = None if binding is None else binding.sequence_number
    if not c.test(CHK_SEQ, seq_acceptable(bu.seq, last, greater)):
        return reject(BA_SEQUENCE_OUT_OF_WINDOW, f"§9.5.1: sequence {bu.seq} not greater than {last}", last)
    if not c.test(CHK_IS_HA, is_home_agent):
        return reject(BA_HOME_REGISTRATION_NOT_SUPPORTED, "§10.3.1: not configured as a home agent")
    prefix = next((p for p in home_prefixes if home_address in p.network), None)
    if not c.test(CHK_ON_LINK, prefix is not None):
        return reject(BA_NOT_HOME_SUBNET, "§10.3.1: home address not on-link w.r.t. the Prefix List")
    assert prefix is not None
    dereg = is_deregistration(bu, home_address, coa)
    if dereg:
        if not c.test(CHK_HOME_ENTRY, binding is not None and binding.home_registration):
            return reject(BA_NOT_HOME_AGENT, "§10.3.2: de-registration without a home registration entry")
        return BUDecision(
            ACCEPT, "§10.3.2: home registration deleted", c.frozen(), BA_ACCEPTED, 0, bu.seq, True, True, coa
        )

    limits = [bu.lifetime_seconds, MAX_LIFETIME_UNITS * LIFETIME_UNIT]
    if prefix.valid_lifetime is not None:
        limits.append(prefix.valid_lifetime)
    if bu.L and link_local_valid_lifetime is not None:
        limits.append(link_local_valid_lifetime)
    if max_lifetime is not None:
        limits.append(max_lifetime)
    granted = _seconds_to_units(min(limits))
    c.ok(CHK_LIFETIME)
    status = BA_ACCEPTED_PREFIX_DISCOVERY if prefix_discovery_needed else BA_ACCEPTED

    if not c.test(CHK_DAD_NEEDED, binding is not None):
        dad = (home_address, link_local_for(home_address)) if bu.L else (home_address,)
        return BUDecision(
            NEEDS_DAD,
            "§10.3.1: no binding yet: defend the home address only after DAD",
            c.frozen(),
            status,
            granted,
            bu.seq,
            False,
            False,
            coa,
            dad_addresses=dad,
        )
    assert binding is not None
    if bu.L and not c.test(CHK_LL_DEFENDED, binding.link_local_compat):
        return BUDecision(
            NEEDS_DAD,
            "§10.3.1: L newly set on a refresh: defend the link-local address only after DAD",
            c.frozen(),
            status,
            granted,
            bu.seq,
            False,
            False,
            coa,
            dad_addresses=(link_local_for(home_address),),
        )
    return BUDecision(
        ACCEPT, "§10.3.1: home registration refreshed", c.frozen(), status, granted, bu.seq, True, False, coa
    )


def finalise_after_dad(decision: BUDecision, dad_succeeded: bool) -> BUDecision:
    """Complete a :data:`NEEDS_DAD` decision: accept with the status and lifetime already chosen, or
    reject the whole BU with status 134 (§10.3.1)."""
    if decision.outcome != NEEDS_DAD:
        raise ValueError(f"decision is {decision.outcome!r}, not {NEEDS_DAD!r}")
    checks = (*decision.checks, (CHK_DAD, PASS if dad_succeeded else FAIL))
    if dad_succeeded:
        return BUDecision(
            ACCEPT,
            "§10.3.1: DAD succeeded, home registration accepted",
            checks,
            decision.status,
            decision.lifetime,
            decision.ba_seq,
            True,
            False,
            decision.careof_address,
        )
    return BUDecision(
        REJECT,
        "§10.3.1: Duplicate Address Detection failed",
        checks,
        BA_DAD_FAILED,
        0,
        decision.ba_seq,
        True,
        False,
        decision.careof_address,
    )


# --------------------------------------------------------------------------- correspondent node
CHK_NONCE_PRESENT = "Nonce Indices option present (§9.5.1)"
CHK_BAD_LAST = "Binding Authorization Data present, last, no trailing padding (§9.5.1)"
CHK_HOME_NONCE = "home nonce index recognised (§9.5.1)"
CHK_COA_NONCE = "care-of nonce index recognised (§9.5.1)"
CHK_AUTH = "authenticator verifies with Kbm (§5.2.6, §9.5.1)"
CHK_HOME_REG_SUPPORTED = "home registration supported (§9.5.1)"
CHK_RESOURCES = "room for a Binding Cache entry (§9.5.2)"
CHK_RR_LIFETIME = "lifetime capped at MAX_RR_BINDING_LIFETIME (§9.5.2, §5.2.6)"


def check_correspondent_bu(
    bu: BindingUpdate,
    *,
    home_address: Addr,
    source_address: Addr,
    correspondent_address: Addr,
    secrets: rr.CorrespondentSecrets,
    now: float,
    binding: BindingState | None,
    retired_seq: int | None = None,
    insufficient_resources: bool = False,
    keys: Any = None,
    greater: Callable[[int, int], bool] | None = None,
) -> BUDecision:
    """A correspondent's checks on a Binding Update (§9.5.1, §9.5.2, §9.5.3; BA rule §9.5.4).

    ``correspondent_address`` is this node's address the BU was sent to (its home address if it is
    itself a mobile node). Order:

    1. home and care-of address unicast routable, else discard;
    2. H=1: Nonce Indices present -> discard; existing entry -> 139; none -> 131 (no key, so these
       BAs carry no Binding Authorization Data);
    3. Nonce Indices present; Binding Authorization Data present, last, no padding after it -- else discard;
    4. nonce indices recognised -> else 136 / 137 / 138 (a de-registration ignores the care-of index);
    5. tokens regenerated, Kbm derived (home token only for a de-registration), authenticator
       verified -> else discard;
    6. existing entry is a home registration -> 139; sequence not greater -> 135 (``ba_seq`` = last);
    7. de-registration -> accept (lifetime 0); otherwise out of room -> 130, else accept with the
       lifetime capped at MAX_RR_BINDING_LIFETIME.

    Authentication (5) comes before the sequence test (6), as in UMIP: a BU that fails to
    authenticate "fails for a reason other than" the sequence number and must be silently
    discarded, and a 135 BA has to carry Binding Authorization Data, which needs a valid Kbm anyway.
    Expired nonces (4) are reported before authentication because no Kbm can be derived from them.

    Replay after de-registration (§9.5.3): once an RR-authorised binding is deleted, nothing stops an
    old BU from re-creating it while its nonces are still valid. The correspondent must remember such
    BUs as illegal: ``retire_nonces_until`` on an accepted de-registration says until when; meanwhile
    pass the deleted entry's last sequence number as ``retired_seq`` and it is used for the window
    test when ``binding`` is None.
    """
    c = _Checks()
    coa = registered_careof_address(bu, source_address)

    def discard(reason: str) -> BUDecision:
        return BUDecision(DISCARD, reason, c.frozen(), careof_address=coa)

    def reject(status: int, reason: str, key: bytes | None, ba_seq: int | None = None) -> BUDecision:
        seq = bu.seq if ba_seq is None else ba_seq
        return BUDecision(REJECT, reason, c.frozen(), status, 0, seq, True, dereg, coa, key)

    dereg = is_deregistration(bu, home_address, coa)
    if not c.test(CHK_HOA_ROUTABLE, is_unicast_routable(home_address)):
        return discard("§9.5.1/§9.3.1: home address is not a unicast routable address")
    if not c.test(CHK_COA_ROUTABLE, is_unicast_routable(coa)):
        return discard("§9.5.1: care-of address is not a unicast routable address")

    nonce_opt = next((o for o in bu.options if isinstance(o, NonceIndices)), None)
    if bu.H:
        if not c.test(CHK_H_NO_NONCE, nonce_opt is None):
            return discard("§9.5.1: H=1 and a Nonce Indices option is present")
        if not c.test(CHK_TYPE, binding is None or binding.home_registration):
            return reject(BA_REGISTRATION_TYPE_CHANGE, "§9.5.1: existing binding is not a home registration", None)
        c.test(CHK_HOME_REG_SUPPORTED, False)
        return reject(BA_HOME_REGISTRATION_NOT_SUPPORTED, "§9.5.2: correspondent cannot act as home agent", None)

    if not c.test(CHK_NONCE_PRESENT, nonce_opt is not None):
        return discard("§9.5.1: H=0 and no Nonce Indices option")
    assert nonce_opt is not None
    bad_last = bool(bu.options) and isinstance(bu.options[-1], BindingAuthorizationData)
    if not c.test(CHK_BAD_LAST, bad_last):
        return discard("§9.5.1: Binding Authorization Data missing, not last, or followed by padding")

    home_nonce = secrets.lookup(nonce_opt.home_nonce_index, now)
    careof_nonce = None if dereg else secrets.lookup(nonce_opt.careof_nonce_index, now)
    home_ok = c.test(CHK_HOME_NONCE, home_nonce is not None)
    careof_ok = True if dereg else c.test(CHK_COA_NONCE, careof_nonce is not None)
    if not (home_ok and careof_ok):
        status = BA_EXPIRED_NONCES
        if home_ok:
            status = BA_EXPIRED_COA_NONCE
        elif careof_ok:
            status = BA_EXPIRED_HOME_NONCE
        return reject(status, "§9.5.1: nonce index no longer recognised", None)
    assert home_nonce is not None

    k = rr if keys is None else keys  # the cn.rr_keys seam
    home_token = k.home_keygen_token(secrets.kcn, home_address, home_nonce.value)
    if dereg:
        key = k.kbm(home_token)
    else:
        assert careof_nonce is not None
        key = k.kbm(home_token, k.careof_keygen_token(secrets.kcn, coa, careof_nonce.value))
    mac_coa = authenticator_careof_address(bu, home_address, source_address)
    if not c.test(CHK_AUTH, rr.verify_binding_message(bu, key, mac_coa, correspondent_address, keys=keys)):
        return discard("§9.5.1: authenticator does not verify")

    if not c.test(CHK_TYPE, binding is None or not binding.home_registration):
        return reject(BA_REGISTRATION_TYPE_CHANGE, "§9.5.1: existing binding is a home registration", key)
    last = binding.sequence_number if binding is not None else retired_seq
    if not c.test(CHK_SEQ, seq_acceptable(bu.seq, last, greater)):
        return reject(BA_SEQUENCE_OUT_OF_WINDOW, f"§9.5.1: sequence {bu.seq} not greater than {last}", key, last)

    if dereg:
        # §9.5.3: BUs authorised by nonces still valid must not re-create the binding; every nonce
        # recognised now is too old by now + MAX_NONCE_LIFETIME.
        until = now + MAX_NONCE_LIFETIME
        return BUDecision(
            ACCEPT,
            "§9.5.3: binding deleted",
            c.frozen(),
            BA_ACCEPTED,
            0,
            bu.seq,
            bu.A,
            True,
            coa,
            key,
            retire_nonces_until=until,
        )
    if not c.test(CHK_RESOURCES, binding is not None or not insufficient_resources):
        return reject(BA_INSUFFICIENT_RESOURCES, "§9.5.2: no room for a new Binding Cache entry", key)
    granted = min(bu.lifetime, _MAX_RR_UNITS)
    c.ok(CHK_RR_LIFETIME)
    # §9.5.4: a BA is sent when A=1 or the BU was rejected; not for an accepted BU with A=0.
    return BUDecision(ACCEPT, "§9.5.2: binding cached", c.frozen(), BA_ACCEPTED, granted, bu.seq, bu.A, False, coa, key)


# --------------------------------------------------------------------------- mobile node
CHK_OUTSTANDING = "a Binding Update is outstanding (§11.7.3)"
CHK_BA_SEQ = "sequence number matches the outstanding Binding Update, or status 135 (§11.7.3)"
CHK_BA_AUTH = "Binding Authorization Data present, last, and verifies (§11.7.3)"


def process_ba_at_mn(
    ba: BindingAcknowledgement,
    *,
    outstanding_seq: int | None,
    sent_lifetime: float,
    remaining_lifetime: float,
    from_home_agent: bool,
    kbm: bytes | None = None,
    careof_address: Addr | None = None,
    correspondent_address: Addr | None = None,
    keys: Any = None,
) -> BAResult:
    """A mobile node's handling of a Binding Acknowledgement (§11.7.3).

    ``outstanding_seq`` is the Sequence Number of the BU awaiting an answer (None: none is);
    ``sent_lifetime`` (L_update) the lifetime that BU asked for and ``remaining_lifetime`` (L_remain)
    what is left of it in the Binding Update List, both in seconds. A home agent's BA is authenticated
    by IPsec (the caller's check); a correspondent's must carry Binding Authorization Data verifying
    with ``kbm`` over ``careof_address`` (as given to :func:`authenticator_careof_address` for the BU)
    and ``correspondent_address`` -- except status 136-138, which a correspondent sends without it
    because it could not derive Kbm.

    An accepted BA gives ``lifetime_remaining = max(L_remain - (L_update - L_ack), 0)``: the BA's
    lifetime counted from when the BU was sent.
    """
    c = _Checks()

    def discard(reason: str) -> BAResult:
        return BAResult(DISCARD, reason, c.frozen())

    if not c.test(CHK_OUTSTANDING, outstanding_seq is not None):
        return discard("§11.7.3: no Binding Update awaits an acknowledgement")
    if not c.test(CHK_BA_SEQ, ba.seq == outstanding_seq or ba.status == BA_SEQUENCE_OUT_OF_WINDOW):
        return discard(f"§11.7.3: sequence {ba.seq} does not match the outstanding {outstanding_seq}")
    if not from_home_agent and ba.status not in NONCE_EXPIRY_STATUSES:
        bad_last = bool(ba.options) and isinstance(ba.options[-1], BindingAuthorizationData)
        ok = (
            bad_last
            and kbm is not None
            and careof_address is not None
            and correspondent_address is not None
            and rr.verify_binding_message(ba, kbm, careof_address, correspondent_address, keys=keys)
        )
        if not c.test(CHK_BA_AUTH, ok):
            return discard("§11.7.3: Binding Authorization Data missing, misplaced or wrong")

    status = ba.status
    if ba.accepted:
        remaining = max(remaining_lifetime - (sent_lifetime - ba.lifetime_seconds), 0.0)
        actions: tuple[BAAction, ...] = (STOP_RETRANSMITTING,)
        if status == BA_ACCEPTED_PREFIX_DISCOVERY:
            actions += (SEND_MOBILE_PREFIX_SOLICITATION,)
        return BAResult(ACCEPT, "§11.7.3: binding acknowledged", c.frozen(), actions, status, remaining)
    if status == BA_SEQUENCE_OUT_OF_WINDOW:
        return BAResult(
            REJECT,
            "§11.7.3: adopt the receiver's last sequence number and resend",
            c.frozen(),
            (STOP_RETRANSMITTING, RESEND_WITH_NEW_SEQ),
            status,
            next_seq=next_seq(ba.seq),
        )
    follow_up = {
        BA_EXPIRED_HOME_NONCE: (RERUN_HOME_TEST,),
        BA_EXPIRED_COA_NONCE: (RERUN_CAREOF_TEST,),
        BA_EXPIRED_NONCES: (RERUN_HOME_TEST, RERUN_CAREOF_TEST),
        BA_NOT_HOME_SUBNET: (DISCOVER_HOME_AGENT,),
        BA_NOT_HOME_AGENT: (DISCOVER_HOME_AGENT,),
        BA_DAD_FAILED: (GIVE_UP_HOME_ADDRESS,),
    }.get(status, (STOP_BINDING_UPDATES,))
    return BAResult(
        REJECT,
        f"§11.7.3: rejected with status {status}",
        c.frozen(),
        (STOP_RETRANSMITTING, *follow_up),
        status,
    )
