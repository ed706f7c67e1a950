"""Correspondent registration from the mobile node's side: return routability and the Binding Update
(RFC 6275 §5.2, §11.6, §11.7.2, §11.7.3; white paper Figures 13, 22, 23, 29-34).

Per correspondent the node runs (state in the Binding Update List entry, :mod:`mip6lab.mobility.bul`):

1. **Return routability.** A Home Test Init from the home address, which the sending algorithm reverse
   tunnels through the home agent (so only once the home registration is acknowledged), and a Care-of
   Test Init straight from the care-of address; each carries a fresh 64-bit cookie and is resent with
   back-off from INITIAL_BINDACK_TIMEOUT. A Home/Care-of Test is accepted only with the matching cookie.
   Keygen tokens are reused while younger than MAX_TOKEN_LIFETIME, so a move to a new foreign link
   needs only CoTI/CoT (Figure 33), a new home address only HoTI/HoT (Figure 32), and returning home
   only HoTI/HoT (Figure 34: Kbm = SHA1(home keygen token)).
2. **Binding Update** with A=1, a Home Address option, the Nonce Indices option and Binding Authorization
   Data (the authenticator over care-of address | correspondent | MH; the "care-of address" is the home
   address for a de-registration), resent with back-off until the Binding Acknowledgement, which must
   verify with the same Kbm.
3. **Afterwards** route optimization (sending step 9; receiving Type 2 Routing header). A Binding Refresh
   Request or Binding Error status 1 reruns registration; Binding Error status 2 stops that message type;
   ICMPv6 Parameter Problem code 1 (no Mobility Header support) marks "no future binding updates" and
   the node keeps tunnelling (optionally retrying RR later).

Who starts it (Figures 29/30): the sending algorithm (step 11) or the receiving algorithm (step 6) calls
``initiate_registration``, which only schedules :meth:`CorrespondentRegistrations.start` -- data goes on
through the tunnel meanwhile.

Each correspondent's registration is a machine (:data:`~mip6lab.mobility.machines.CORRESPONDENT_REGISTRATION`,
``CorrespondentState.machine``) the unit fires events on; whether the Home Test Init waits for the home
registration is its state. What stays beside it is intent: ``purpose`` (a registration or a
de-registration is wanted -- it spans the scheduled start, the wait for a care-of address, return
routability and the Binding Update, so no single state says it). The Sequence Number counters are the
Binding Update List's (:class:`~mip6lab.mobility.bul.SequenceNumbers`, one per correspondent).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from mip6lab.mobility import registration as R
from mip6lab.mobility import rr
from mip6lab.mobility.backoff import RateLimiter
from mip6lab.mobility.bul import BindingUpdateListEntry, BULEntryState, SequenceNumbers, sequence_numbers_of
from mip6lab.mobility.constants import (
    INITIAL_BINDACK_TIMEOUT,
    MAX_CONCURRENT_RR,
    MAX_RR_BINDING_LIFETIME,
    RR_MAX_RETRIES,
)
from mip6lab.mobility.machines import (
    BUSY_CORRESPONDENT_STATES,
    CORRESPONDENT_REGISTRATION,
    BULEntryEvent,
    CorrespondentEvent,
    CorrespondentRegistrationState,
    Location,
    StateMachine,
)
from mip6lab.mobility.seqno import next_seq
from mip6lab.wire import icmp as I
from mip6lab.wire.codec import DecodeError, decode_ipv6
from mip6lab.wire.ip import NH_MOBILITY, Addr, DestinationOptions, HomeAddressOption, IPv6
from mip6lab.wire.mh import (
    BE_UNKNOWN_BINDING,
    BE_UNRECOGNIZED_MH_TYPE,
    LIFETIME_UNIT,
    MH_BU,
    MH_COTI,
    MH_HOTI,
    BindingAcknowledgement,
    BindingError,
    BindingUpdate,
    CareofTest,
    CareofTestInit,
    HomeTest,
    HomeTestInit,
    MobilityHeader,
    NonceIndices,
)

if TYPE_CHECKING:
    from mip6lab.mobility.mobile_node import MobileNodeRole

__all__ = ["CorrespondentRegistrations", "CorrespondentState"]


class Purpose(StrEnum):
    """Why a correspondent registration is under way."""

    REGISTER = "register"
    DEREGISTER = "deregister"


REGISTER, DEREGISTER = Purpose.REGISTER, Purpose.DEREGISTER
C, CE = CorrespondentRegistrationState, CorrespondentEvent


@dataclass
class CorrespondentState:
    """What the mobile node keeps per correspondent beyond the BUL entry's §11.1 fields."""

    address: Addr
    machine: StateMachine  # the registration's state (CORRESPONDENT_REGISTRATION)
    purpose: Purpose | None = None  # intent: a registration / de-registration is wanted or under way
    reason: str = ""
    bu_first: bool = True
    last_mh_type: int | None = None  # for Binding Error status 2
    unsupported: list[int] = field(default_factory=list)  # MH types it does not know (BE 2)
    last_use: float | None = None  # last route-optimized packet (refresh only bindings in use)
    log: list[tuple[float, str]] = field(default_factory=list)  # (time, message) sent, for tests

    @property
    def waiting_home_registration(self) -> bool:
        """The HoTI is held back until the home BA (the machine's state says so)."""
        return self.machine.state is C.WAITING_HOME_REGISTRATION


class CorrespondentRegistrations:
    """All correspondent registrations of one mobile node."""

    NEEDS = (
        "addresses",
        "bul",
        "cancel_timer",
        "care_of_address",
        "config",
        "greater",
        "home_address",
        "home_agent_address",
        "home_registration",
        "hop_limit",
        "location",
        "machines",
        "now",
        "process_ba",
        "register_timer_handler",
        "rng",
        "rr_keys",
        "send_packet",
        "set_timer",
        "timer_pending",
        "trace_event",
    )
    """What this unit uses of its mobile node: all it sees (a :class:`~mip6lab.mobility.ports.UnitPort`)."""

    def __init__(self, mn: MobileNodeRole) -> None:
        self.mn = mn
        self.states: dict[Addr, CorrespondentState] = {}
        # the sender's counters, one per correspondent: the BUL's record (a reader's BUL without one: kept here)
        self.counters: SequenceNumbers = sequence_numbers_of(mn.bul)
        self.rate = RateLimiter()
        for kind, handler in (
            ("mn-cn-start", self._start_timer),
            ("mn-hoti", self._hoti_timer),
            ("mn-coti", self._coti_timer),
            ("mn-bu-cn", self._bu_timer),
            ("mn-cn-refresh", self._refresh_timer),
            ("mn-cn-expiry", self._expiry_timer),
            ("mn-rr-retry", self._retry_timer),
        ):
            mn.register_timer_handler(kind, handler)

    # ------------------------------------------------------------------ queries (sending/receiving steps)
    def state(self, cn: Addr) -> CorrespondentState:
        st = self.states.get(cn)
        if st is None:
            self.counters.draw(cn, self.mn.rng)  # the sender's counter starts now, in the BUL's record
            machine = StateMachine(CORRESPONDENT_REGISTRATION, self.mn.machines, str(cn))
            st = self.states[cn] = CorrespondentState(cn, machine)
        return st

    def _bound(self, e: BindingUpdateListEntry | None) -> bool:
        """The correspondent holds a binding of ours (acknowledged, with a lifetime, not expired)."""
        return e is not None and e.acknowledged and e.lifetime_sent > 0 and not e.expired(self.mn.now)

    def _remove(self, e: BindingUpdateListEntry) -> None:
        self.mn.bul.remove(e.destination, e.home_address)
        self.mn.machines.fire_entry(e, BULEntryEvent.REMOVED)

    def entry(self, cn: Addr) -> BindingUpdateListEntry | None:
        mn = self.mn  # one read of the port per name (the sending algorithm asks per packet)
        hoa = mn.home_address
        if hoa is None:
            return None
        e = mn.bul.lookup(cn, hoa)
        return None if e is None or e.home_registration else e

    def outstanding(self, cn: Addr) -> int | None:
        """Sequence Number of the BU to ``cn`` awaiting its BA: the BUL entry's ``outstanding_seq``."""
        e = self.entry(cn)
        return None if e is None else e.outstanding_seq

    def _eligible(self, cn: Addr) -> bool:
        mn = self.mn
        return (
            mn.config.route_optimization
            and R.is_unicast_routable(cn)
            and cn != mn.home_agent_address
            and cn != mn.home_address
            and not mn.addresses.is_assigned(cn)
        )

    def capable(self, cn: Addr) -> bool | None:
        """Steps S10/R5: False after "no future binding updates", True once a binding was accepted."""
        e = self.entry(cn)
        if e is not None and e.no_future_updates:
            return False
        if e is not None and e.acknowledged:
            return True
        return None

    def initiated(self, cn: Addr) -> bool:
        """Steps S11/R6. Addresses we never register with count as "already handled"."""
        if not self._eligible(cn):
            return True
        st = self.states.get(cn)
        e = self.entry(cn)
        return (
            (st is not None and st.purpose is not None)
            or self.mn.timer_pending(("mn-cn-start", cn))
            or (e is not None and (e.acknowledged or e.no_future_updates))
        )

    def schedule_start(self, cn: Addr) -> None:
        """Steps S11/R6: only schedule; the packet in hand continues through the tunnel."""
        if not self._eligible(cn):
            return
        busy = sum(1 for c, s in self.states.items() if c != cn and s.purpose is not None)
        if busy >= MAX_CONCURRENT_RR:  # spoofed tunnelled sources must not each start return routability
            self.mn.trace_event("rr", f"{cn}: {busy} correspondent registrations in progress: not started, tunnelled")
            return
        self.state(cn).purpose = REGISTER
        self.state(cn).reason = "correspondent registration initiated by the sending/receiving algorithm"
        self.mn.set_timer(("mn-cn-start", cn), self.mn.now)

    def usable_binding(self, cn: Addr) -> BindingUpdateListEntry | None:
        """Step S8: the correspondent holds a binding for our current care-of address. Asked for every
        packet sent from the home address, so each name is read from the port once."""
        mn = self.mn
        hoa = mn.home_address
        if hoa is None:
            return None
        e = mn.bul.lookup(cn, hoa)
        if e is None or e.home_registration or not e.acknowledged or e.no_future_updates or e.lifetime_sent <= 0:
            return None
        now = mn.now
        if e.expired(now):
            return None
        coa = mn.care_of_address
        if coa is None or (e.care_of_address is not coa and e.care_of_address != coa):  # (interned: usually the same)
            return None
        st = self.states.get(cn)
        if st is None:
            st = self.state(cn)
        st.last_use = now
        return e

    # ------------------------------------------------------------------ starting
    def _start_timer(self, key: Hashable) -> None:
        cn = key[1]  # type: ignore[index]
        st = self.state(cn)
        self.start(cn, st.reason or "initiated", st.purpose or REGISTER)

    def start(self, cn: Addr, reason: str, purpose: str = REGISTER) -> None:
        """Return routability (only the tests whose tokens are stale), then the Binding Update."""
        mn = self.mn
        hoa = mn.home_address
        if hoa is None or not self._eligible(cn):
            return
        e = mn.bul.get_or_add(cn, hoa)
        st = self.state(cn)
        if e.no_future_updates:
            mn.trace_event("rr", f"{cn}: no future binding updates (not Mobile IPv6-capable): keep tunnelling")
            st.purpose = None
            return
        if any(t in st.unsupported for t in (MH_HOTI, MH_COTI, MH_BU)):
            st.purpose = None
            return
        st.purpose, st.reason = purpose, reason
        self._cancel_exchanges(cn)
        if purpose == REGISTER and (mn.location != Location.FOREIGN or mn.care_of_address is None):
            mn.trace_event("rr", f"{cn}: registration pending until a care-of address is registered ({reason})")
            return
        if purpose == DEREGISTER:
            need_home, need_careof = True, False  # Figure 34: HoTI/HoT only
        else:
            need_home = not e.rr.home_token_fresh(mn.now)
            need_careof = not e.rr.careof_token_fresh(mn.now, mn.care_of_address)
        tests = [n for n, need in (("HoTI", need_home), ("CoTI", need_careof)) if need]
        mn.trace_event(
            "rr",
            f"{cn}: correspondent {'de-' if purpose == DEREGISTER else ''}registration ({reason}): "
            + (f"return routability with {' + '.join(tests)}" if tests else "keygen tokens still fresh: BU at once"),
            correspondent=cn,
            tests=tests,
            reason=reason,
        )
        waiting = False
        if need_home:
            e.rr.home_keygen_token = None
            if purpose == REGISTER and not mn.home_registration.acknowledged:
                waiting = True
                st.machine.fire(CE.WAIT_HOME)
                mn.trace_event("rr", f"{cn}: HoTI waits for the home registration to be acknowledged")
            else:
                self._send_hoti(cn, first=True)
        if need_careof:
            e.rr.careof_keygen_token = None
            self._send_coti(cn, first=True)
        if tests and not waiting:
            st.machine.fire(CE.TESTS_SENT)
        if not tests:
            self._send_bu(cn, first=True)

    def _cancel_exchanges(self, cn: Addr) -> None:
        """Stop whatever is under way with ``cn``; its machine leaves the busy state (the old binding,
        if one stands, is what remains)."""
        st = self.state(cn)
        if st.machine.state in BUSY_CORRESPONDENT_STATES:
            st.machine.fire(CE.CANCELLED_BOUND if self._bound(self.entry(cn)) else CE.CANCELLED)
        for kind in ("mn-hoti", "mn-coti", "mn-bu-cn", "mn-cn-start"):
            self.mn.cancel_timer((kind, cn))
        e = self.entry(cn)
        if e is not None:
            e.rr.hoti_retx.stop()
            e.rr.coti_retx.stop()
            e.retransmission.stop()
            e.outstanding_seq = None

    # ------------------------------------------------------------------ return routability
    def _rate_ok(self, cn: Addr, mtype: int, timer: tuple) -> bool:
        if self.rate.try_send(self.mn.now, (cn, mtype)):
            return True
        at = self.rate.next_allowed(self.mn.now, (cn, mtype))
        self.mn.trace_event("rr", f"{cn}: MAX_UPDATE_RATE reached, message type {mtype} deferred to {at:.3f}")
        self.mn.set_timer(timer, at)
        return False

    def _send_hoti(self, cn: Addr, first: bool) -> None:
        mn = self.mn
        e, st = self.entry(cn), self.state(cn)
        hoa = mn.home_address
        if e is None or hoa is None or not self._rate_ok(cn, MH_HOTI, ("mn-hoti", cn)):
            return
        if first or e.rr.home_init_cookie is None:
            e.rr.home_init_cookie = rr.new_cookie(mn.rng)
        e.rr.hoti_last_sent = mn.now
        nxt = e.rr.hoti_retx.start(mn.now, INITIAL_BINDACK_TIMEOUT) if first else e.rr.hoti_retx.retransmitted(mn.now)
        mn.set_timer(("mn-hoti", cn), nxt)
        st.last_mh_type = MH_HOTI
        st.log.append((mn.now, "HoTI"))
        mn.trace_event(
            "rr",
            f"HoTI to {cn} from home address {hoa} (cookie {e.rr.home_init_cookie.hex()})"
            + (" through the reverse tunnel" if mn.location == Location.FOREIGN else ""),
            correspondent=cn,
            cookie=e.rr.home_init_cookie,
        )
        mn.send_packet(IPv6(hoa, cn, MobilityHeader(HomeTestInit(e.rr.home_init_cookie)), hlim=mn.hop_limit()))

    def _send_coti(self, cn: Addr, first: bool) -> None:
        mn = self.mn
        e, st = self.entry(cn), self.state(cn)
        coa = mn.care_of_address
        if e is None or coa is None or not self._rate_ok(cn, MH_COTI, ("mn-coti", cn)):
            return
        if first or e.rr.careof_init_cookie is None:
            e.rr.careof_init_cookie = rr.new_cookie(mn.rng)
        e.rr.coti_last_sent = mn.now
        e.rr.coti_source = coa
        nxt = e.rr.coti_retx.start(mn.now, INITIAL_BINDACK_TIMEOUT) if first else e.rr.coti_retx.retransmitted(mn.now)
        mn.set_timer(("mn-coti", cn), nxt)
        st.last_mh_type = MH_COTI
        st.log.append((mn.now, "CoTI"))
        mn.trace_event(
            "rr",
            f"CoTI to {cn} directly from care-of address {coa} (cookie {e.rr.careof_init_cookie.hex()})",
            correspondent=cn,
            cookie=e.rr.careof_init_cookie,
        )
        mn.send_packet(IPv6(coa, cn, MobilityHeader(CareofTestInit(e.rr.careof_init_cookie)), hlim=mn.hop_limit()))

    def _hoti_timer(self, key: Hashable) -> None:
        cn = key[1]  # type: ignore[index]
        e, st = self.entry(cn), self.states.get(cn)
        if e is None or st is None or st.purpose is None:
            return
        if e.rr.hoti_retx.pending and e.rr.hoti_retx.retries >= RR_MAX_RETRIES:
            self._no_route_optimization(cn, f"no Home Test after {RR_MAX_RETRIES} retransmissions")
            return
        self._send_hoti(cn, first=not e.rr.hoti_retx.pending)

    def _coti_timer(self, key: Hashable) -> None:
        cn = key[1]  # type: ignore[index]
        e, st = self.entry(cn), self.states.get(cn)
        if e is None or st is None or st.purpose is None:
            return
        if e.rr.coti_retx.pending and e.rr.coti_retx.retries >= RR_MAX_RETRIES:
            self._no_route_optimization(cn, f"no Care-of Test after {RR_MAX_RETRIES} retransmissions")
            return
        self._send_coti(cn, first=not e.rr.coti_retx.pending)

    def home_registration_acknowledged(self) -> None:
        """The HoTIs that waited for the home BA go out now."""
        for cn, st in list(self.states.items()):
            if st.waiting_home_registration and st.purpose == REGISTER:
                st.machine.fire(CE.HOME_REGISTERED)
                self._send_hoti(cn, first=True)

    def on_home_test(self, cn: Addr, hot: HomeTest) -> None:
        mn = self.mn
        e, st = self.entry(cn), self.states.get(cn)
        if e is None or st is None or not e.rr.hoti_retx.pending or hot.cookie != e.rr.home_init_cookie:
            mn.trace_event("rr", f"HoT from {cn} without a matching outstanding HoTI cookie: ignored")
            return
        e.rr.home_keygen_token = hot.keygen_token
        e.rr.home_nonce_index = hot.nonce_index
        e.rr.home_token_received = mn.now
        e.rr.hoti_retx.stop()
        mn.cancel_timer(("mn-hoti", cn))
        mn.trace_event(
            "rr",
            f"HoT from {cn}: home keygen token {hot.keygen_token.hex()}, nonce index {hot.nonce_index}",
            correspondent=cn,
            token=hot.keygen_token,
            nonce_index=hot.nonce_index,
        )
        self._maybe_send_bu(cn)

    def on_careof_test(self, cn: Addr, cot: CareofTest) -> None:
        mn = self.mn
        e, st = self.entry(cn), self.states.get(cn)
        if e is None or st is None or not e.rr.coti_retx.pending or cot.cookie != e.rr.careof_init_cookie:
            mn.trace_event("rr", f"CoT from {cn} without a matching outstanding CoTI cookie: ignored")
            return
        e.rr.careof_keygen_token = cot.keygen_token
        e.rr.careof_nonce_index = cot.nonce_index
        e.rr.careof_token_received = mn.now
        e.rr.careof_token_for = e.rr.coti_source
        e.rr.coti_retx.stop()
        mn.cancel_timer(("mn-coti", cn))
        mn.trace_event(
            "rr",
            f"CoT from {cn}: care-of keygen token {cot.keygen_token.hex()}, nonce index {cot.nonce_index}",
            correspondent=cn,
            token=cot.keygen_token,
            nonce_index=cot.nonce_index,
        )
        self._maybe_send_bu(cn)

    def _maybe_send_bu(self, cn: Addr) -> None:
        e, st = self.entry(cn), self.states.get(cn)
        if e is None or st is None or st.purpose is None or st.waiting_home_registration:
            return
        if e.rr.hoti_retx.pending or e.rr.coti_retx.pending:
            return  # Figure 13: both answers are needed, in whatever order they come
        self._send_bu(cn, first=True)

    # ------------------------------------------------------------------ binding update
    def build_bu(self, cn: Addr, seq: int, dereg: bool) -> tuple[IPv6, bytes, Addr] | None:
        """(packet, Kbm, care-of address used in the authenticator), or None if a token is missing
        or stale (then return routability must run again)."""
        mn = self.mn
        e = self.entry(cn)
        hoa, coa = mn.home_address, mn.care_of_address
        if e is None or hoa is None or not e.rr.home_token_fresh(mn.now) or e.rr.home_nonce_index is None:
            return None
        assert e.rr.home_keygen_token is not None
        if dereg:
            key = mn.rr_keys.kbm(e.rr.home_keygen_token)
            src, lifetime = hoa, 0
            careof_index = e.rr.careof_nonce_index or 0  # ignored by the correspondent (§9.5.1)
        else:
            if coa is None or not e.rr.careof_token_fresh(mn.now, coa) or e.rr.careof_nonce_index is None:
                return None
            assert e.rr.careof_keygen_token is not None
            key = mn.rr_keys.kbm(e.rr.home_keygen_token, e.rr.careof_keygen_token)
            src, careof_index = coa, e.rr.careof_nonce_index
            limits = [MAX_RR_BINDING_LIFETIME, mn.home_registration.lifetime_units() * LIFETIME_UNIT]
            home = mn.bul.lookup_home_registration(hoa)
            if home is not None and home.acknowledged:
                limits.append(home.remaining(mn.now))
            lifetime = max(int(min(limits) // LIFETIME_UNIT), 0)
        bu = BindingUpdate(
            seq=seq, lifetime=lifetime, A=True, options=(NonceIndices(e.rr.home_nonce_index, careof_index),)
        )
        auth_coa = R.authenticator_careof_address(bu, hoa, src)
        signed = rr.sign_binding_message(bu, key, auth_coa, cn, keys=mn.rr_keys)
        ext = () if dereg else (DestinationOptions((HomeAddressOption(hoa),)),)
        return IPv6(src, cn, MobilityHeader(signed), ext=ext, hlim=mn.hop_limit()), key, auth_coa

    def _send_bu(self, cn: Addr, first: bool) -> None:
        mn = self.mn
        e, st = self.entry(cn), self.state(cn)
        if e is None or st.purpose is None:
            return
        dereg = st.purpose == DEREGISTER
        seq = next_seq(self.counters[cn])
        built = self.build_bu(cn, seq, dereg)
        if built is None:
            mn.trace_event("rr", f"{cn}: keygen tokens stale: return routability again")
            self.start(cn, "tokens expired", st.purpose)
            return
        if not self._rate_ok(cn, MH_BU, ("mn-bu-cn", cn)):
            st.bu_first = first
            return
        pkt, key, auth_coa = built
        self.counters[cn] = seq
        e.outstanding_seq, e.kbm = seq, key
        bu = pkt.payload.message  # type: ignore[union-attr]
        e.record_sent_bu(mn.now, seq, auth_coa, bu.lifetime_seconds, True, greater=mn.greater)
        mn.machines.fire_entry(e, BULEntryEvent.BU_SENT)
        if first:
            st.machine.fire(CE.DEREGISTRATION_SENT if dereg else CE.BU_SENT)
        nxt = (
            e.retransmission.start(mn.now, INITIAL_BINDACK_TIMEOUT) if first else e.retransmission.retransmitted(mn.now)
        )
        mn.set_timer(("mn-bu-cn", cn), nxt)
        st.last_mh_type = MH_BU
        st.log.append((mn.now, "BU"))
        mn.trace_event(
            "binding",
            f"BU to correspondent {cn}: seq {seq}, lifetime {bu.lifetime_seconds} s, care-of address {auth_coa}"
            + (" (de-registration)" if dereg else ""),
            correspondent=cn,
            seq=seq,
            lifetime=bu.lifetime,
            care_of_address=auth_coa,
        )
        mn.send_packet(pkt)

    def _bu_timer(self, key: Hashable) -> None:
        cn = key[1]  # type: ignore[index]
        st, e = self.states.get(cn), self.entry(cn)
        if st is None or e is None or st.purpose is None:
            return
        first = e.outstanding_seq is None and st.bu_first
        st.bu_first = False
        self._send_bu(cn, first=first)

    def on_ba(self, cn: Addr, ba: BindingAcknowledgement) -> None:
        mn = self.mn
        e, st = self.entry(cn), self.states.get(cn)
        if e is None or st is None:
            mn.trace_event("binding", f"BA from {cn}: no Binding Update List entry: ignored")
            return
        dereg = st.purpose == DEREGISTER
        res = mn.process_ba(
            ba,
            outstanding_seq=e.outstanding_seq,
            sent_lifetime=e.lifetime_sent,
            remaining_lifetime=e.remaining(mn.now),
            from_home_agent=False,
            kbm=e.kbm,
            careof_address=e.care_of_address,  # record_sent_bu stored the authenticator's care-of address
            correspondent_address=cn,
        )
        mn.trace_event(
            "binding",
            f"BA from correspondent {cn}: status {ba.status}, seq {ba.seq}: {res.outcome} ({res.reason})",
            correspondent=cn,
            status=ba.status,
            outcome=res.outcome,
            checks=res.checks,
        )
        if res.outcome == R.DISCARD:
            return
        if R.STOP_RETRANSMITTING in res.actions:
            e.outstanding_seq = None
            e.retransmission.stop()
            mn.cancel_timer(("mn-bu-cn", cn))
        if res.accepted:
            st.purpose = None
            if dereg or (res.lifetime_remaining or 0) <= 0:
                st.machine.fire(CE.DELETED)
                self._remove(e)
                for k in ("mn-cn-refresh", "mn-cn-expiry"):
                    mn.cancel_timer((k, cn))
                mn.trace_event("binding", f"{cn} deleted our binding")
                return
            remaining = res.lifetime_remaining or 0.0
            e.expiry = mn.now + remaining
            e.acknowledged = True
            mn.machines.fire_entry(e, BULEntryEvent.ACCEPTED)
            st.machine.fire(CE.ACCEPTED)
            mn.set_timer(("mn-cn-refresh", cn), mn.now + remaining * mn.config.refresh_fraction)
            mn.set_timer(("mn-cn-expiry", cn), e.expiry)
            mn.trace_event(
                "binding",
                f"{cn} holds our binding ({remaining:g} s): route optimization from now on",
                correspondent=cn,
                remaining=remaining,
            )
            return
        if R.RESEND_WITH_NEW_SEQ in res.actions and res.next_seq is not None:
            self.counters[cn] = (res.next_seq - 1) % (1 << 16)
            self._send_bu(cn, first=True)
            return
        rerun_home = R.RERUN_HOME_TEST in res.actions
        rerun_careof = R.RERUN_CAREOF_TEST in res.actions
        if rerun_home or rerun_careof:
            if rerun_home:
                e.rr.home_keygen_token = e.rr.home_token_received = None
            if rerun_careof:
                e.rr.careof_keygen_token = e.rr.careof_token_received = None
            self.start(cn, f"BA {ba.status}: nonce expired", st.purpose or REGISTER)
            return
        st.purpose = None
        if st.machine.state in BUSY_CORRESPONDENT_STATES:
            st.machine.fire(CE.CANCELLED)
        e.no_future_updates = True
        mn.trace_event("binding", f"{cn} rejected our binding (status {ba.status}): no further Binding Updates")

    # ------------------------------------------------------------------ maintenance and errors
    def on_brr(self, cn: Addr) -> None:
        """§11.7.4: a Binding Refresh Request -> return routability (fresh tokens reused) + BU."""
        if self.mn.location != Location.FOREIGN:
            return
        if self.entry(cn) is None:  # §11.7.4 refreshes a binding we have: a stranger's BRR starts nothing
            self.mn.trace_event("binding", f"Binding Refresh Request from {cn}: no Binding Update List entry: ignored")
            return
        self.mn.trace_event("binding", f"Binding Refresh Request from {cn}")
        self.start(cn, "Binding Refresh Request")

    def on_binding_error(self, cn: Addr, be: BindingError) -> None:
        mn = self.mn
        if self.entry(cn) is None:  # §11.3.6: only from a node we sent a binding update to
            mn.trace_event("binding", f"Binding Error {be.status} from {cn}: no Binding Update List entry: ignored")
            return
        st = self.state(cn)
        if be.status == BE_UNKNOWN_BINDING:
            mn.trace_event(
                "binding", f"Binding Error 1 from {cn}: it has no binding for {be.home_address}: re-register"
            )
            e = self.entry(cn)
            if e is not None:
                e.acknowledged = False
            if st.machine.state is C.BOUND:
                st.machine.fire(CE.ENDED)
            if mn.location == Location.FOREIGN:
                self.start(cn, "Binding Error status 1")
        elif be.status == BE_UNRECOGNIZED_MH_TYPE:
            t = st.last_mh_type
            if t is not None and t not in st.unsupported:
                st.unsupported.append(t)
            mn.trace_event("binding", f"Binding Error 2 from {cn}: MH type {t} not understood: not sent again")
            if t in (MH_HOTI, MH_COTI, MH_BU):
                self._no_route_optimization(cn, "Binding Error status 2")

    def on_parameter_problem(self, pp: I.ParameterProblem) -> None:
        """ICMPv6 Parameter Problem code 1 for our HoTI/CoTI/BU: the correspondent lacks MIPv6.
        Code 2 for a Home Address option: RFC 6275 §11.3.6 says log the error and discard the message."""
        hao = pp.pointer < len(pp.invoking) and pp.invoking[pp.pointer] == 201  # the option's type
        if pp.code == I.PP_UNRECOGNIZED_OPTION and hao:
            self.mn.trace_event("rr", "ICMPv6 Parameter Problem code 2: Home Address option not supported (logged)")
            return
        if pp.code != I.PP_UNRECOGNIZED_NEXT_HEADER:
            return
        try:
            inv = decode_ipv6(pp.invoking)
            cn, is_mh = inv.dst, isinstance(inv.payload, MobilityHeader)
        except DecodeError:
            data = pp.invoking
            if len(data) < 40:
                return
            cn = Addr(data[24:40])
            is_mh = pp.pointer < len(data) and data[pp.pointer] == NH_MOBILITY
        if not is_mh or cn not in self.states:
            return
        self._no_route_optimization(cn, "ICMPv6 Parameter Problem (unrecognized Next Header 135)")

    def _no_route_optimization(self, cn: Addr, why: str) -> None:
        mn = self.mn
        self._cancel_exchanges(cn)
        st = self.state(cn)
        st.purpose = None
        hoa = mn.home_address
        if hoa is None:
            return
        e = mn.bul.get_or_add(cn, hoa)
        e.no_future_updates = True
        mn.trace_event("rr", f"{cn} is not Mobile IPv6-capable ({why}): no future binding updates, keep tunnelling")
        if mn.config.rr_retry_interval > 0:
            mn.set_timer(("mn-rr-retry", cn), mn.now + mn.config.rr_retry_interval)

    def _retry_timer(self, key: Hashable) -> None:
        cn = key[1]  # type: ignore[index]
        e = self.entry(cn)
        if e is None or not e.no_future_updates:
            return
        e.no_future_updates = False
        st = self.state(cn)
        st.unsupported.clear()
        if self.mn.location == Location.FOREIGN:
            self.start(cn, "periodic retry: is it Mobile IPv6-capable now?")

    def _refresh_timer(self, key: Hashable) -> None:
        cn = key[1]  # type: ignore[index]
        e, st = self.entry(cn), self.states.get(cn)
        if e is None or st is None or self.mn.location != Location.FOREIGN:
            return
        used = st.last_use is not None and self.mn.now - st.last_use < e.lifetime_sent
        if used and st.purpose is None:
            self.start(cn, "binding in use, refresh before it expires")

    def _expiry_timer(self, key: Hashable) -> None:
        cn = key[1]  # type: ignore[index]
        e, st = self.entry(cn), self.states.get(cn)
        if e is None or not e.expired(self.mn.now):
            return
        if e.state in (BULEntryState.SENT, BULEntryState.ACKNOWLEDGED):
            self.mn.machines.fire_entry(e, BULEntryEvent.EXPIRED)
        if st is None or st.purpose is None:
            if st is not None and st.machine.state is C.BOUND:
                st.machine.fire(CE.ENDED)
            self._remove(e)
            self.mn.trace_event("binding", f"binding at {cn} expired: Binding Update List entry deleted")

    # ------------------------------------------------------------------ movement (Figures 32-34)
    def attachment_changed(self) -> None:
        """Link-layer change: every exchange in flight is void (its addresses may be gone)."""
        for cn, st in self.states.items():
            if st.purpose is not None:
                self._cancel_exchanges(cn)

    def care_of_address_registered(self) -> None:
        """The home agent acknowledged our care-of address: Figure 33 step 5 (CoTI only while the home
        token is fresh) for bindings made with an older care-of address, and the registrations that
        were waiting for a care-of address (Figure 28's "pending" ones, Figure 32's new home address)."""
        mn = self.mn
        for cn, st in list(self.states.items()):
            e = self.entry(cn)
            if e is None or e.no_future_updates:
                continue
            if st.waiting_home_registration:
                continue  # home_registration_acknowledged sends its HoTI
            busy = e.rr.hoti_retx.pending or e.rr.coti_retx.pending or e.outstanding_seq is not None
            if st.purpose == REGISTER and not busy:
                self.start(cn, st.reason or "care-of address registered")
            elif st.purpose is None and e.acknowledged and e.care_of_address != mn.care_of_address:
                self.start(cn, "new care-of address")

    def returned_home(self) -> None:
        """Figure 34 steps 6-7: HoTI/HoT, then a de-registration BU to each correspondent."""
        for cn, st in list(self.states.items()):
            e = self.entry(cn)
            self._cancel_exchanges(cn)
            if e is not None and e.acknowledged and not e.expired(self.mn.now) and not e.no_future_updates:
                self.start(cn, "returned home", DEREGISTER)
            else:
                st.purpose = None
                if st.machine.state is C.BOUND:
                    st.machine.fire(CE.ENDED)
                if e is not None and not e.no_future_updates:
                    self._remove(e)

    def home_address_changed(self, old: Addr, new: Addr) -> None:
        """Figure 32: the care-of keygen token stays valid, the home test is redone for the new address."""
        mn = self.mn
        for e in list(mn.bul.correspondents()):
            if e.home_address != old:
                continue
            self._remove(e)
            n = mn.bul.get_or_add(e.destination, new)
            n.no_future_updates = e.no_future_updates
            n.rr.careof_keygen_token = e.rr.careof_keygen_token
            n.rr.careof_token_received = e.rr.careof_token_received
            n.rr.careof_nonce_index = e.rr.careof_nonce_index
            n.rr.careof_token_for = e.rr.careof_token_for
            st = self.state(e.destination)
            if e.acknowledged or st.purpose is not None:
                st.purpose = REGISTER
                st.reason = "new home address"
                self._cancel_exchanges(e.destination)
            if st.machine.state is C.BOUND:
                st.machine.fire(CE.ENDED)  # the new home address has no binding there yet
