"""Rules for the registration decisions: the correspondent's and the home agent's Binding Update checks
and the mobile node's Binding Acknowledgement processing.

Each rule feeds the candidate one situation and compares what it decides (outcome, status, lifetime,
sequence number, follow-up actions) with what RFC 6275 asks, as the library's own procedure computes it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv6Network
from typing import Any

from mip6lab.seams.contracts import expect, rule
from mip6lab.wire.ip import Addr

HOA = Addr("2001:db8:1::100")
COA = Addr("2001:db8:2::100")
CN = Addr("2001:db8:4::10")
OTHER = Addr("2001:db8:9::100")
HOME = IPv6Network("2001:db8:1::/64")


def _decision(d: Any) -> dict[str, Any]:
    """The parts of a BUDecision that reach the wire or the tables."""
    return {
        "outcome": str(getattr(d, "outcome", "<missing>")),
        "status": getattr(d, "status", "<missing>"),
        "lifetime": getattr(d, "lifetime", "<missing>"),
        "ba_seq": getattr(d, "ba_seq", "<missing>"),
        "deregistration": getattr(d, "deregistration", "<missing>"),
    }


def _entry(seq: int, home_registration: bool, link_local_compat: bool = False) -> Any:
    from mip6lab.mobility.binding_cache import BindingCacheEntry

    return BindingCacheEntry(HOA, COA, 100.0, 100.0, home_registration, seq, link_local_compat)


# --------------------------------------------------------------------------- correspondent
@dataclass
class _CN:
    """A correspondent's secrets at time 0 and a mobile node that ran return routability with it."""

    secrets: Any
    index: int
    kbm: bytes
    kbm_dereg: bytes

    @classmethod
    def make(cls) -> _CN:
        from mip6lab.mobility import rr

        secrets = rr.CorrespondentSecrets(random.Random(6275))
        n = secrets.current_nonce(0.0)
        home = rr.home_keygen_token(secrets.kcn, HOA, n.value)
        careof = rr.careof_keygen_token(secrets.kcn, COA, n.value)
        return cls(secrets, n.index, rr.kbm(home, careof), rr.kbm(home))

    def bu(
        self,
        seq: int = 10,
        lifetime: int = 200,
        *,
        sign: bool = True,
        nonces: bool = True,
        H: bool = False,
        kbm: bytes | None = None,
    ) -> Any:
        from mip6lab.mobility import rr
        from mip6lab.wire.mh import BindingUpdate, NonceIndices

        opts = (NonceIndices(self.index, self.index),) if nonces else ()
        bu = BindingUpdate(seq=seq, lifetime=lifetime, A=True, H=H, options=opts)
        if not sign:
            return bu
        dereg = lifetime == 0
        key = kbm if kbm is not None else self.kbm_dereg if dereg else self.kbm
        return rr.sign_binding_message(bu, key, HOA if dereg else COA, CN)


def _cn_case(
    inputs: str, bu: Callable[[_CN], Any], *, now: float = 10.0, binding: Any = None, source: Addr = COA, **kw: Any
) -> Callable[[Any], None]:
    def test(checks: Any) -> None:
        from mip6lab.mobility.registration import check_correspondent_bu

        world = _CN.make()
        message = bu(world)
        args = dict(
            home_address=HOA,
            source_address=source,
            correspondent_address=CN,
            secrets=world.secrets,
            now=now,
            binding=binding,
            **kw,
        )
        want = check_correspondent_bu(message, **args)
        got = checks(message, **args)
        expect(inputs, _decision(want), _decision(got))

    return test


_CASES_CN: list[tuple[str, str, str, Callable[[Any], None]]] = [
    (
        "a valid, authenticated BU is accepted (lifetime capped at MAX_RR_BINDING_LIFETIME)",
        "§9.5.1, §9.5.2",
        "run the checks in order; accept with lifetime min(requested, 420 s) in 4-second units",
        _cn_case(
            "BU seq 10, lifetime 200 units (800 s), Nonce Indices, valid authenticator, no binding", lambda w: w.bu()
        ),
    ),
    (
        "a BU whose authenticator does not verify is silently discarded",
        "§9.5.1",
        "derive Kbm from the tokens for the named nonces and compare the authenticator; no BA when it fails",
        _cn_case(
            "BU signed with another Kbm",
            lambda w: w.bu(kbm=bytes(20)),
        ),
    ),
    (
        "a BU without Nonce Indices is silently discarded",
        "§9.5.1",
        "H=0 needs a Nonce Indices option; without it discard (no BA)",
        _cn_case("BU without Nonce Indices, not signed", lambda w: w.bu(sign=False, nonces=False)),
    ),
    (
        "a home registration (H=1) is refused with status 131",
        "§9.5.1, §9.5.2",
        "a correspondent is no home agent: BA 131 (139 if a correspondent binding exists)",
        _cn_case("BU with H=1, no Nonce Indices", lambda w: w.bu(sign=False, nonces=False, H=True)),
    ),
    (
        "nonces that expired get status 136/137/138",
        "§9.5.1, §5.2.7",
        "a nonce index the correspondent no longer holds: 136 home, 137 care-of, 138 both",
        _cn_case("valid BU, checked 1000 s later (nonces expired)", lambda w: w.bu(), now=1000.0),
    ),
    (
        "a sequence number not greater than the binding's gets status 135 with the last accepted one",
        "§9.5.1",
        "compare modulo 2**16 with the binding's sequence number; BA 135 carries the last accepted number",
        _cn_case("BU seq 10; binding has seq 20", lambda w: w.bu(seq=10), binding=_entry(20, False)),
    ),
    (
        "a de-registration (lifetime 0) signed with the home token only is accepted",
        "§9.5.3, §5.2.6",
        "lifetime 0 or care-of = home address: Kbm = SHA1(home token), the care-of nonce is ignored",
        _cn_case(
            "BU lifetime 0 from the home address, binding seq 5",
            lambda w: w.bu(seq=6, lifetime=0),
            binding=_entry(5, False),
            source=HOA,
        ),
    ),
    (
        "no room for a new binding gives status 130",
        "§9.5.2",
        "insufficient_resources=True and no binding yet: BA 130",
        _cn_case("valid BU, insufficient_resources=True", lambda w: w.bu(), insufficient_resources=True),
    ),
    (
        "a BU for a home registration binding gets status 139",
        "§9.5.1",
        "an existing binding that is a home registration cannot become a correspondent one: 139",
        _cn_case("valid BU; binding is a home registration", lambda w: w.bu(seq=30), binding=_entry(20, True)),
    ),
]
for _name, _rfc, _hint, _test in _CASES_CN:
    _test.__doc__ = _name
    rule("cn.bu_checks", rfc=_rfc, hint=_hint)(_test)


# --------------------------------------------------------------------------- home agent
def _ha_case(
    inputs: str,
    bu: Callable[[], Any],
    *,
    binding: Any = None,
    source: Addr = COA,
    home_address: Addr = HOA,
    is_home_agent: bool = True,
    **kw: Any,
) -> Callable[[Any], None]:
    def test(checks: Any) -> None:
        from mip6lab.mobility.registration import HomePrefix, check_home_bu

        message = bu()
        args = dict(
            home_address=home_address,
            source_address=source,
            binding=binding,
            is_home_agent=is_home_agent,
            home_prefixes=[HomePrefix(HOME, None)],
            **kw,
        )
        want = check_home_bu(message, **args)
        got = checks(message, **args)
        expect(inputs, _decision(want), _decision(got))

    return test


def _home_bu(seq: int = 10, lifetime: int = 100, L: bool = False) -> Callable[[], Any]:
    def make() -> Any:
        from mip6lab.wire.mh import BindingUpdate

        return BindingUpdate(seq=seq, lifetime=lifetime, A=True, H=True, L=L)

    return make


_CASES_HA: list[tuple[str, str, str, Callable[[Any], None]]] = [
    (
        "a first home registration waits for DAD on the home address",
        "§10.3.1",
        "no binding yet: outcome needs_dad (defend the home address only after DAD), status 0",
        _ha_case("BU H=1 seq 10 lifetime 100 units, no binding", _home_bu()),
    ),
    (
        "a refresh of an existing home registration is accepted",
        "§10.3.1",
        "binding exists and the sequence number is greater: accept, lifetime = least of the limits",
        _ha_case("BU H=1 seq 11, binding seq 10 (home registration)", _home_bu(11), binding=_entry(10, True)),
    ),
    (
        "the granted lifetime is capped by the home agent's maximum",
        "§10.3.1",
        "lifetime = min(requested, prefix valid lifetime, max_lifetime), in 4-second units (rounded down)",
        _ha_case(
            "BU seq 11 lifetime 100 units (400 s), max_lifetime=60 s",
            _home_bu(11),
            binding=_entry(10, True),
            max_lifetime=60.0,
        ),
    ),
    (
        "a sequence number not greater than the binding's gets status 135 with the last accepted one",
        "§9.5.1",
        "compare modulo 2**16; BA 135 carries the binding's sequence number",
        _ha_case("BU seq 10, binding seq 10", _home_bu(10), binding=_entry(10, True)),
    ),
    (
        "a node that is not a home agent answers 131",
        "§10.3.1",
        "is_home_agent=False: BA 131 (home registration not supported)",
        _ha_case("BU H=1, is_home_agent=False", _home_bu(), is_home_agent=False),
    ),
    (
        "a home address off the home prefix gets status 132",
        "§10.3.1",
        "the home address must be on-link for a prefix of the home link's Prefix List: BA 132",
        _ha_case("BU H=1 for 2001:db8:9::100, home prefix 2001:db8:1::/64", _home_bu(), home_address=OTHER),
    ),
    (
        "a de-registration without a home registration gets status 133",
        "§10.3.2",
        "lifetime 0 and no home registration entry for the home address: BA 133",
        _ha_case("BU H=1 lifetime 0 from the home address, no binding", _home_bu(10, 0), source=HOA),
    ),
    (
        "a de-registration of an existing home registration is accepted",
        "§10.3.2",
        "lifetime 0 (or care-of = home address) with a home registration entry: accept, lifetime 0",
        _ha_case(
            "BU H=1 seq 11 lifetime 0 from the home address", _home_bu(11, 0), binding=_entry(10, True), source=HOA
        ),
    ),
    (
        "a home registration over a correspondent binding gets status 139",
        "§9.5.1",
        "an existing binding that is not a home registration: BA 139 (registration type change)",
        _ha_case("BU H=1 seq 11, binding seq 10 not a home registration", _home_bu(11), binding=_entry(10, False)),
    ),
]
for _name, _rfc, _hint, _test in _CASES_HA:
    _test.__doc__ = _name
    rule("ha.bu_checks", rfc=_rfc, hint=_hint)(_test)


# --------------------------------------------------------------------------- mobile node: BA processing
def _result(r: Any) -> dict[str, Any]:
    return {
        "outcome": str(getattr(r, "outcome", "<missing>")),
        "status": getattr(r, "status", "<missing>"),
        "actions": sorted(str(a) for a in getattr(r, "actions", ())),
        "lifetime_remaining": getattr(r, "lifetime_remaining", "<missing>"),
        "next_seq": getattr(r, "next_seq", "<missing>"),
    }


def _ba_case(inputs: str, ba: Callable[[], Any], **kw: Any) -> Callable[[Any], None]:
    def test(process: Any) -> None:
        from mip6lab.mobility.registration import process_ba_at_mn

        args = dict(outstanding_seq=10, sent_lifetime=400.0, remaining_lifetime=390.0, from_home_agent=True) | kw
        message = ba()
        expect(inputs, _result(process_ba_at_mn(message, **args)), _result(process(message, **args)))

    return test


def _ba(status: int = 0, seq: int = 10, lifetime: int = 50, signed_with: bytes | None = None) -> Callable[[], Any]:
    def make() -> Any:
        from mip6lab.mobility import rr
        from mip6lab.wire.mh import BindingAcknowledgement

        ba = BindingAcknowledgement(status, seq, lifetime)
        return ba if signed_with is None else rr.sign_binding_message(ba, signed_with, COA, CN)

    return make


_KBM = bytes(range(20))
_CN_KW = dict(from_home_agent=False, kbm=_KBM, careof_address=COA, correspondent_address=CN)
_CASES_BA: list[tuple[str, str, str, Callable[[Any], None]]] = [
    (
        "an accepted BA stops retransmission and sets the remaining lifetime",
        "§11.7.3",
        "remaining = max(L_remain - (L_update - L_ack), 0): here 390 - (400 - 200) = 190 s",
        _ba_case("BA status 0 seq 10 lifetime 50 units; outstanding seq 10, sent 400 s, 390 s left", _ba()),
    ),
    (
        "a BA when no BU is outstanding is discarded",
        "§11.7.3",
        "no outstanding Binding Update: silently discard",
        _ba_case("BA seq 10; outstanding_seq=None", _ba(), outstanding_seq=None),
    ),
    (
        "a BA whose sequence number does not match is discarded",
        "§11.7.3",
        "the BA's sequence number must equal the outstanding BU's (except status 135)",
        _ba_case("BA seq 9; outstanding seq 10", _ba(seq=9)),
    ),
    (
        "status 135 adopts the receiver's sequence number and resends",
        "§11.7.3, §9.5.1",
        "reject: stop retransmitting, resend with next_seq = BA seq + 1 (mod 2**16)",
        _ba_case("BA status 135 seq 65535; outstanding seq 10", _ba(135, 65535, 0)),
    ),
    (
        "status 1 asks for a Mobile Prefix Solicitation",
        "§11.7.3, §10.6",
        "accepted with status 1: also send a Mobile Prefix Solicitation",
        _ba_case("BA status 1 seq 10 lifetime 50", _ba(1)),
    ),
    (
        "statuses 132/133 make the node try another home agent",
        "§11.7.3",
        "reject: stop retransmitting and run Dynamic Home Agent Address Discovery",
        _ba_case("BA status 133 seq 10", _ba(133, lifetime=0)),
    ),
    (
        "a correspondent's BA without Binding Authorization Data is discarded",
        "§11.7.3, §6.1.8",
        "a correspondent's BA must carry an authenticator that verifies with Kbm (except 136-138)",
        _ba_case("BA from a correspondent, status 0, no authenticator", _ba(), **_CN_KW),
    ),
    (
        "a correspondent's BA with the right authenticator is accepted",
        "§11.7.3",
        "verify the authenticator with Kbm over care-of address | correspondent | MH data",
        _ba_case("BA from a correspondent, status 0, signed with Kbm", _ba(signed_with=_KBM), **_CN_KW),
    ),
    (
        "status 136 (expired home nonce) reruns the home test, even without an authenticator",
        "§11.7.3, §9.5.1",
        "136-138 come without Binding Authorization Data; rerun HoTI/HoT (137: CoTI/CoT, 138: both)",
        _ba_case("BA from a correspondent, status 136, not signed", _ba(136, lifetime=0), **_CN_KW),
    ),
]
for _name, _rfc, _hint, _test in _CASES_BA:
    _test.__doc__ = _name
    rule("mn.ba_processing", rfc=_rfc, hint=_hint)(_test)
