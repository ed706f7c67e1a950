"""Home registration (RFC 6275 §11.7.1), its retransmission (§11.8) and the Binding Acknowledgement
(§11.7.3); de-registration on returning home (§11.5.4). White paper Figures 20, 21, 28, 33, 34.

The Binding Update to the home agent:

* from the care-of address with a Home Address option (de-registration: from the home address,
  no option), an Alternate Care-of Address option (ESP does not cover the IPv6 header), A=1, H=1,
  L=1 when the link-local address has the home address's interface identifier;
* Lifetime no longer than the remaining valid lifetime of the home and the care-of address;
* ESP transport mode when the SPD says so;
* resent with a new Sequence Number while unanswered: first after InitialBindackTimeoutFirstReg (1.5 s)
  when the home agent holds no binding yet (it runs DAD first), else INITIAL_BINDACK_TIMEOUT (1 s),
  doubling to MAX_BINDACK_TIMEOUT and staying there; never more than MAX_UPDATE_RATE per second.

A Binding Acknowledgement goes through :func:`mip6lab.mobility.registration.process_ba_at_mn`; its
actions are carried out here: stop retransmitting, Mobile Prefix Solicitation (status 1), adopt the
sequence number (135), another home agent by DHAAD (132/133), give up the home address (134), stop
(other rejections). The binding is refreshed before it ends (at the Binding Refresh Advice if the BA
had one) and on a Binding Refresh Request from the home agent.

The unit's state is its machine (:data:`~mip6lab.mobility.machines.HOME_REGISTRATION`): each step fires
an event on it (``self.machine``), and the decisions that depend on what the exchange under way is (a
de-registration or not, anything under way at all) read the machine's state. The Sequence Number
counter is the Binding Update List's (:class:`~mip6lab.mobility.bul.SequenceNumbers`).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING

from mip6lab.mobility import registration as R
from mip6lab.mobility.backoff import RateLimiter, initial_timeout
from mip6lab.mobility.bul import BindingUpdateListEntry, SequenceNumbers, sequence_numbers_of
from mip6lab.mobility.constants import MAX_LIFETIME_UNITS
from mip6lab.mobility.machines import (
    HOME_REGISTRATION,
    BULEntryEvent,
    BULEntryState,
    HomeRegistrationEvent,
    HomeRegistrationState,
    Location,
    StateMachine,
)
from mip6lab.mobility.seqno import next_seq
from mip6lab.wire.ip import Addr, DestinationOptions, HomeAddressOption, IPv6
from mip6lab.wire.mh import (
    BA_NOT_HOME_AGENT,
    LIFETIME_UNIT,
    MH_BU,
    AlternateCareofAddress,
    BindingAcknowledgement,
    BindingRefreshAdvice,
    BindingUpdate,
    MobilityHeader,
)

if TYPE_CHECKING:
    from mip6lab.mobility.mobile_node import MobileNodeRole

__all__ = ["HomeRegistration"]

_IID = (1 << 64) - 1
H, HE = HomeRegistrationState, HomeRegistrationEvent
_UNDER_WAY = frozenset((H.REGISTERING, H.REFRESHING, H.DEREGISTERING))
_HOME = SequenceNumbers.HOME_REGISTRATION


class HomeRegistration:
    """The mobile node's registration with its home agent (one home address, one home agent)."""

    NEEDS = (
        "addresses",
        "bul",
        "cancel_timer",
        "care_of_address",
        "config",
        "deregistration_acknowledged",
        "discovery",
        "greater",
        "home_address",
        "home_address_valid_until",
        "home_agent_address",
        "home_registration_acknowledged",
        "hop_limit",
        "ipsec",
        "location",
        "machines",
        "now",
        "prefix_discovery",
        "process_ba",
        "register_timer_handler",
        "rng",
        "send_packet",
        "set_timer",
        "trace_event",
    )
    """What this unit uses of its mobile node: all it sees (a :class:`~mip6lab.mobility.ports.UnitPort`)."""

    def __init__(self, mn: MobileNodeRole) -> None:
        self.mn = mn
        # The sender's counter lives in the BUL's record (it outlives the entries: de-registration deletes
        # one, each home agent has its own); drawn from the node's RNG now, as the unit appears. (A reader's
        # BUL without such a record: the unit keeps one beside it.)
        self.counters: SequenceNumbers = sequence_numbers_of(mn.bul)
        self.counters.draw(_HOME, mn.rng)
        self.machine = StateMachine(HOME_REGISTRATION, mn.machines)  # the registration's state
        self.l_flag = False  # L bit of the last registration (the HA defends our link-local too)
        self.gave_up = False  # BA 134: this home address is not usable (blocks registering until a reset)
        self.sent: list[tuple[float, int, int]] = []  # (time, seq, lifetime units): every BU sent
        self.rate = RateLimiter()
        self._first_pending = False  # retransmission detail: the BU under way has not gone out yet
        self._initial = 0.0
        for kind, handler in (
            ("mn-bu-ha", self._retransmit_timer),
            ("mn-ha-refresh", self._refresh_timer),
            ("mn-ha-expiry", self._expiry_timer),
        ):
            mn.register_timer_handler(kind, handler)

    # ------------------------------------------------------------------ state
    @property
    def seq(self) -> int:
        """The last Sequence Number used (the next BU carries seq + 1), kept by the BUL."""
        return self.counters[_HOME]

    @seq.setter
    def seq(self, value: int) -> None:
        self.counters[_HOME] = value

    @property
    def state(self) -> HomeRegistrationState:
        return self.machine.state

    @property
    def under_way(self) -> bool:
        """A Binding Update is under way (sent and unanswered, or about to go out)."""
        return self.machine.state in _UNDER_WAY

    @property
    def outstanding_dereg(self) -> bool:
        """The BU under way is a de-registration (the machine is deregistering)."""
        return self.machine.state is H.DEREGISTERING

    @property
    def stopped(self) -> bool:
        """Rejected by a BA status (not 134) until the next movement."""
        return self.machine.state is H.REJECTED and not self.gave_up

    def _sending(self) -> bool:
        """The BUL entry awaits a BA, or the first send is still to do (rate limit)."""
        return self.outstanding is not None or self._first_pending

    def _ended(self) -> None:
        """The exchange under way ended without a new binding: the old one stands or there is none."""
        if self.machine.state in _UNDER_WAY:
            self.machine.fire(HE.KEPT if self.registered else HE.UNBOUND)

    def entry(self) -> BindingUpdateListEntry | None:
        mn = self.mn
        if mn.home_agent_address is None or mn.home_address is None:
            return None
        return mn.bul.get_or_add(mn.home_agent_address, mn.home_address, home_registration=True)

    def _home_entries(self) -> list[BindingUpdateListEntry]:
        return [e for e in self.mn.bul.entries() if e.home_registration]

    @property
    def outstanding(self) -> int | None:
        """Sequence Number awaiting a BA, read from the BUL entry (at most one home entry has one)."""
        return next((e.outstanding_seq for e in self._home_entries() if e.outstanding_seq is not None), None)

    @property
    def registered_coa(self) -> Addr | None:
        """The care-of address the home agent holds, read from the BUL entry (None: no binding)."""
        return next(
            (e.bound_care_of_address for e in self._home_entries() if e.bound_care_of_address is not None), None
        )

    @property
    def registered(self) -> bool:
        """The home agent holds a binding for our home address (the BUL entry says so)."""
        return self.registered_coa is not None

    def _set_outstanding(self, entry: BindingUpdateListEntry | None, seq: int | None) -> None:
        """Only ``entry`` (if any) awaits a BA: a new home agent's entry does not inherit the old one's."""
        for e in self._home_entries():
            e.outstanding_seq = None
        if entry is not None:
            entry.outstanding_seq = seq

    def _set_bound(self, entry: BindingUpdateListEntry | None, care_of_address: Addr | None) -> None:
        """Only ``entry`` (if any) holds the binding at the home agent."""
        for e in self._home_entries():
            e.bound_care_of_address = None
        if entry is not None:
            entry.bound_care_of_address = care_of_address

    @property
    def acknowledged(self) -> bool:
        """A home registration for the current care-of address is in place (HoTI may go out)."""
        return self.registered and self.outstanding is None and self.registered_coa == self.mn.care_of_address

    def reset(self, why: str) -> None:
        """Forget the binding (new home agent or new home address): the next BU is a first one."""
        self._stop_retransmitting()
        for key in (("mn-ha-refresh",), ("mn-ha-expiry",)):
            self.mn.cancel_timer(key)
        self._set_bound(None, None)
        self.gave_up = False
        if self.machine.state is not H.UNREGISTERED:
            self.machine.fire(HE.UNBOUND)
        self.mn.trace_event("binding", f"home registration state reset: {why}")

    # ------------------------------------------------------------------ sending
    def register(self, reason: str) -> None:
        """Send a home registration for the current care-of address."""
        mn = self.mn
        if mn.location != Location.FOREIGN or mn.care_of_address is None:
            mn.trace_event("binding", f"no home registration ({reason}): not on a foreign link with a care-of address")
            return
        if mn.home_agent_address is None:
            mn.trace_event("binding", f"home registration ({reason}) needs a home agent: DHAAD")
            mn.discovery.start()
            return
        if self.gave_up:
            mn.trace_event("binding", f"no home registration ({reason}): home address given up (BA 134)")
            return
        self._new_bu(False, reason)

    def deregister(self, reason: str) -> None:
        """Returning home (§11.5.4): delete the binding at the home agent."""
        if not (self.registered or self.outstanding is not None):
            self.mn.trace_event("binding", f"at home, no binding at the home agent: nothing to de-register ({reason})")
            self.mn.deregistration_acknowledged(had_binding=False)
            return
        self._new_bu(True, reason)

    def _new_bu(self, dereg: bool, reason: str) -> None:
        self._stop_retransmitting()
        self.machine.fire(HE.DEREGISTER if dereg else HE.REFRESH if self.registered else HE.REGISTER)
        self._initial = initial_timeout(not self.registered and not dereg)
        self._first_pending = True
        self.mn.trace_event("binding", f"home {'de-' if dereg else ''}registration: {reason}", reason=reason)
        self._attempt()

    def _attempt(self) -> None:
        """Send now if MAX_UPDATE_RATE allows, else when it will."""
        mn = self.mn
        key = (mn.home_agent_address, MH_BU)
        if not self.rate.try_send(mn.now, key):
            at = self.rate.next_allowed(mn.now, key)
            mn.trace_event("binding", f"MAX_UPDATE_RATE reached: home BU deferred to {at:.3f}")
            mn.set_timer(("mn-bu-ha",), at)
            return
        entry = self.entry()
        if entry is None:
            return
        self._transmit(entry)
        if self._first_pending:
            self._first_pending = False
            nxt = entry.retransmission.start(mn.now, self._initial)
        else:
            nxt = entry.retransmission.retransmitted(mn.now)
        mn.set_timer(("mn-bu-ha",), nxt)

    def lifetime_units(self) -> int:
        """Requested lifetime: configured, capped by the remaining valid lifetimes of HoA and CoA."""
        mn = self.mn
        limits = [mn.config.home_lifetime, MAX_LIFETIME_UNITS * LIFETIME_UNIT]
        for a in (mn.home_address, mn.care_of_address):
            e = mn.addresses.find(a) if a is not None else None
            if e is not None:
                limits.append(e.remaining_valid(mn.now))
        if mn.home_address_valid_until is not None:
            limits.append(mn.home_address_valid_until - mn.now)
        return max(int(min(limits) // LIFETIME_UNIT), 0)

    def link_local_compatible(self) -> bool:
        """L: our link-local address has the home address's interface identifier (§11.7.1)."""
        mn = self.mn
        ll = mn.addresses.link_local(mn.config.interface)
        hoa = mn.home_address
        return ll is not None and hoa is not None and (int(ll.addr) & _IID) == (int(hoa) & _IID)

    def build(self, seq: int, dereg: bool) -> IPv6:
        """The home BU packet (white paper Figure 20; at home Figure 34's form)."""
        mn = self.mn
        hoa, ha = mn.home_address, mn.home_agent_address
        assert hoa is not None and ha is not None
        coa = hoa if dereg else mn.care_of_address
        assert coa is not None
        lifetime = 0 if dereg else self.lifetime_units()
        bu = BindingUpdate(
            seq=seq,
            lifetime=lifetime,
            A=True,
            H=True,
            L=self.link_local_compatible(),
            options=(AlternateCareofAddress(coa),),
        )
        payload = mn.ipsec.protect(hoa, ha, MobilityHeader(bu), hoa, ha)
        if dereg:
            return IPv6(hoa, ha, payload, hlim=mn.hop_limit())
        return IPv6(coa, ha, payload, ext=(DestinationOptions((HomeAddressOption(hoa),)),), hlim=mn.hop_limit())

    def _transmit(self, entry: BindingUpdateListEntry) -> None:
        mn = self.mn
        self.seq = next_seq(self.seq)
        pkt = self.build(self.seq, self.outstanding_dereg)
        self._set_outstanding(entry, self.seq)
        if not self.outstanding_dereg:
            self.l_flag = self.l_flag or self.link_local_compatible()
        lifetime = 0 if self.outstanding_dereg else self.lifetime_units()
        coa = mn.home_address if self.outstanding_dereg else mn.care_of_address
        assert coa is not None
        entry.record_sent_bu(mn.now, self.seq, coa, lifetime * LIFETIME_UNIT, True, greater=mn.greater)
        mn.machines.fire_entry(entry, BULEntryEvent.BU_SENT)
        self.sent.append((mn.now, self.seq, lifetime))
        mn.trace_event(
            "binding",
            f"BU to home agent {entry.destination}: seq {self.seq}, lifetime {lifetime * LIFETIME_UNIT} s, "
            f"care-of address {coa}",
            seq=self.seq,
            lifetime=lifetime,
            care_of_address=coa,
            retransmission=entry.retransmission.pending,
        )
        mn.send_packet(pkt)

    def _retransmit_timer(self, key: Hashable) -> None:
        if not self.under_way:
            return
        if self.outstanding_dereg and self.mn.location != Location.HOME:
            self._stop_retransmitting()
            self._ended()
            return
        if not self.outstanding_dereg and (self.mn.location != Location.FOREIGN or self.mn.care_of_address is None):
            self._stop_retransmitting()
            self._ended()
            return
        self._attempt()

    def _stop_retransmitting(self) -> None:
        self._set_outstanding(None, None)
        self._first_pending = False
        self.mn.cancel_timer(("mn-bu-ha",))
        e = self.mn.bul.lookup_home_registration(self.mn.home_address) if self.mn.home_address else None
        if e is not None:
            e.retransmission.stop()

    # ------------------------------------------------------------------ receiving
    def on_ba(self, src: Addr, ba: BindingAcknowledgement) -> None:
        """A Binding Acknowledgement from ``src`` whose IPsec protection the caller has checked."""
        mn = self.mn
        if src != mn.home_agent_address:
            mn.trace_event("binding", f"BA from {src}, not our home agent: ignored")
            return
        entry = self.entry()
        assert entry is not None
        res = mn.process_ba(
            ba,
            outstanding_seq=self.outstanding,
            sent_lifetime=entry.lifetime_sent,
            remaining_lifetime=entry.remaining(mn.now),
            from_home_agent=True,
        )
        mn.trace_event(
            "binding",
            f"BA from home agent: status {ba.status}, seq {ba.seq}, lifetime {ba.lifetime_seconds} s: "
            f"{res.outcome} ({res.reason})",
            status=ba.status,
            seq=ba.seq,
            outcome=res.outcome,
            actions=res.actions,
            checks=res.checks,
        )
        if res.outcome == R.DISCARD:
            return
        dereg = self.outstanding_dereg
        if R.STOP_RETRANSMITTING in res.actions:
            self._stop_retransmitting()
        if dereg and ba.status == BA_NOT_HOME_AGENT:
            # §10.3.2: "no binding" -- e.g. we came home before our registration reached the home agent
            mn.trace_event("binding", "de-registration: the home agent holds no binding (133): nothing to delete")
            self._deregistered(entry)
            return
        if res.accepted:
            if dereg:
                self._deregistered(entry)
            else:
                self._registered(entry, ba, res.lifetime_remaining or 0.0)
                if R.SEND_MOBILE_PREFIX_SOLICITATION in res.actions:
                    mn.prefix_discovery.solicit("BA status 1: prefix discovery necessary")
            return
        if R.RESEND_WITH_NEW_SEQ in res.actions and res.next_seq is not None:
            self.seq = (res.next_seq - 1) % (1 << 16)  # the next BU carries res.next_seq
            self._new_bu(dereg, f"BA 135: home agent's last sequence number is {ba.seq}")
            return
        if R.DISCOVER_HOME_AGENT in res.actions:
            old = mn.home_agent_address
            mn.trace_event("binding", f"home agent {old} refused (status {ba.status}): discovering another")
            if not self._sending():
                self._ended()
            mn.discovery.start(exclude=[old] if old is not None else [])
        elif R.GIVE_UP_HOME_ADDRESS in res.actions or R.STOP_BINDING_UPDATES in res.actions:
            if R.GIVE_UP_HOME_ADDRESS in res.actions:
                self.gave_up = True
                mn.trace_event(
                    "binding", f"DAD for home address {mn.home_address} failed at the home agent: giving it up"
                )
            else:
                mn.trace_event("binding", f"home registration rejected with status {ba.status}: stopped")
            if not self._sending():
                self.machine.fire(HE.REJECTED)
        elif not self._sending():
            self._ended()

    def _registered(self, entry: BindingUpdateListEntry, ba: BindingAcknowledgement, remaining: float) -> None:
        mn = self.mn
        entry.expiry = mn.now + remaining
        entry.acknowledged = True
        mn.machines.fire_entry(entry, BULEntryEvent.ACCEPTED)
        self._set_bound(entry, entry.care_of_address if remaining > 0 else None)
        self.machine.fire(HE.ACCEPTED if self.registered else HE.UNBOUND)
        if not self.registered:
            mn.trace_event("binding", "home agent granted lifetime 0: no binding")
            return
        bra = next((o for o in ba.options if isinstance(o, BindingRefreshAdvice)), None)
        refresh = remaining * mn.config.refresh_fraction
        if bra is not None:
            refresh = min(bra.interval_seconds, remaining)
        mn.set_timer(("mn-ha-refresh",), mn.now + refresh)
        mn.set_timer(("mn-ha-expiry",), entry.expiry)
        mn.trace_event(
            "binding",
            f"home registration acknowledged: {remaining:g} s left, refresh at {mn.now + refresh:g} s",
            remaining=remaining,
            refresh_at=mn.now + refresh,
        )
        mn.home_registration_acknowledged()

    def _deregistered(self, entry: BindingUpdateListEntry) -> None:
        mn = self.mn
        self._set_bound(None, None)
        self.machine.fire(HE.UNBOUND)
        for key in (("mn-ha-refresh",), ("mn-ha-expiry",)):
            mn.cancel_timer(key)
        mn.bul.remove(entry.destination, entry.home_address)
        mn.machines.fire_entry(entry, BULEntryEvent.REMOVED)
        mn.trace_event("binding", "home agent deleted the binding (de-registration acknowledged)")
        mn.deregistration_acknowledged(had_binding=True)

    def on_brr(self, src: Addr) -> None:
        """§11.7.4: a Binding Refresh Request from the home agent is answered with a BU."""
        if src != self.mn.home_agent_address:
            return
        self.mn.trace_event("binding", "Binding Refresh Request from the home agent: refreshing")
        self.register("Binding Refresh Request")

    # ------------------------------------------------------------------ timers
    def _refresh_timer(self, key: Hashable) -> None:
        if self.registered and self.outstanding is None and self.mn.location == Location.FOREIGN:
            self.register("refresh before the binding expires")

    def _expiry_timer(self, key: Hashable) -> None:
        mn = self.mn
        e = mn.bul.lookup_home_registration(mn.home_address) if mn.home_address else None
        if e is None or not e.expired(mn.now):
            return
        self._set_bound(None, None)
        if e.state in (BULEntryState.SENT, BULEntryState.ACKNOWLEDGED):
            mn.machines.fire_entry(e, BULEntryEvent.EXPIRED)
        if self.machine.state in (H.REGISTERED, H.REFRESHING):
            self.machine.fire(HE.EXPIRED)
        mn.trace_event("binding", "home binding expired")
        if self.outstanding is None and mn.location == Location.FOREIGN:
            self.register("binding expired")
