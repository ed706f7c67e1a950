"""Home registration at the home agent (RFC 6275 §10.3.1, §10.3.2; white paper Figures 20, 21, 28, 34).

:func:`~mip6lab.mobility.registration.check_home_bu` makes the protocol decision, in the RFC's
order (unicast routable addresses, no Nonce Indices, registration type, sequence number, "am I a
home agent" -> 131, "is the home address on my home link" -> 132, de-registration without a home
registration -> 133, lifetime clamp). This unit adds what needs the node:

* **IPsec first** (§10.3.1): the BU must arrive under the ESP SA the SPD names for its home address;
  one that arrives in clear (or under another SA) is discarded and traced - no BA;
* **local policy** after the RFC's checks: an administratively prohibited home address -> 129, a
  full Binding Cache for a new binding -> 130 (registrations still in DAD count: each will need an
  entry; and if the cache filled up meanwhile, the registration is answered 130 when DAD completes);
* **DAD before the first BA** (§10.3.1): with no binding yet, the home agent runs real Duplicate
  Address Detection for the home address (and the link-local address when L=1) on the home link -
  Neighbor Solicitations from ``::`` - and only then accepts (proxy ND starts, BA 0) or rejects with
  134. A refresh that newly sets L gets DAD for the link-local address before it is proxied; one that
  clears L stops proxying it. A *newer* BU that arrives while DAD runs (the mobile node retransmits
  with a new sequence number, §11.8, and accepts only a BA for its newest) does not restart DAD: the
  BA sent when DAD completes answers the newest BU (its sequence number, lifetime, care-of address).
  A de-registration (or a refused newer BU) during DAD cancels the pending registration and is
  answered at once; an older or repeated sequence number is ignored;
* the **Binding Acknowledgement** (Figure 21): from the address the BU was sent to, to the BU's
  source with a Type 2 Routing header carrying the home address (none when the mobile node is back
  home and sends from its home address), with a Binding Refresh Advice option when accepted, inside
  transport-mode ESP per the SPD. The home agent answers every home BU it does not discard, even
  with A=0 (rfc6275-digest §1e: TAHI and UMIP do);
* **de-registration** (lifetime 0 or care-of address = home address): delete the entry, stop proxy
  ND and leave the solicited-node groups, then answer. When the BU came from the home address on
  the home link, the home agent learns the mobile node's MAC from that frame, so the BA does not
  need address resolution for an address the mobile node is still not defending (§11.5.4).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from mip6lab.ipv6.addresses import solicited_node
from mip6lab.mobility.binding_cache import BindingCacheFull
from mip6lab.mobility.cn_mh import home_address_of, reply_destination
from mip6lab.mobility.constants import LOG_LIMIT
from mip6lab.mobility.registration import (
    ACCEPT,
    CHK_TYPE,
    DISCARD,
    FAIL,
    NEEDS_DAD,
    REJECT,
    BUDecision,
    check_home_bu,
    finalise_after_dad,
    link_local_for,
)
from mip6lab.mobility.seqno import seq_gt
from mip6lab.wire.ip import NH_MOBILITY, Addr
from mip6lab.wire.mh import (
    BA_ADMIN_PROHIBITED,
    BA_INSUFFICIENT_RESOURCES,
    BA_REGISTRATION_TYPE_CHANGE,
    MH_BU,
    BindingAcknowledgement,
    BindingRefreshAdvice,
    BindingUpdate,
)

if TYPE_CHECKING:
    from mip6lab.ipv6.upper import Delivery
    from mip6lab.mobility.ports import UnitPort

__all__ = ["HomeRegistrar", "PendingRegistration"]

CHK_ADMIN = "home address not administratively prohibited (§10.3.1, local policy)"
CHK_ROOM = "room for a new Binding Cache entry (§10.3.1)"


@dataclass
class PendingRegistration:
    """A home registration waiting for DAD on its addresses."""

    decision: BUDecision
    bu: BindingUpdate
    home_address: Addr
    source: Addr
    ha_address: Addr
    ifname: str
    waiting: list[Addr] = field(default_factory=list)
    unique: bool = True


class HomeRegistrar:
    """Home registrations and de-registrations for one home agent."""

    NEEDS = (
        "binding_removed",
        "cache",
        "dad",
        "ensure_sas",
        "home_ifname_for",
        "home_prefixes",
        "home_signalling_ok",
        "interfaces",
        "last_frame_source",
        "maintenance",
        "now",
        "prefix_discovery_needed",
        "prefixes",
        "proxy",
        "send_to_mobile_node",
        "start_dad",
        "trace_event",
    )
    """What this unit uses of its home agent role and router: all it sees (a
    :class:`~mip6lab.mobility.ports.UnitPort` over the role, read as ``self.ha``)."""

    def __init__(
        self,
        ha: UnitPort,
        *,
        is_home_agent: bool = True,
        max_lifetime: float | None = None,
        refresh_advice_fraction: float | None = 0.5,
        prohibited: Callable[[Addr, Addr], bool] | None = None,
        checks: Callable[..., BUDecision] | None = None,
        greater: Callable[[int, int], bool] | None = None,
    ) -> None:
        self.ha = ha
        self.greater = greater or seq_gt  # the ha.sequence_compare seam
        # the ha.bu_checks seam; the library's checks use ha.sequence_compare
        self.checks = checks if checks is not None else partial(check_home_bu, greater=greater)
        self.is_home_agent = is_home_agent
        self.max_lifetime = max_lifetime
        self.refresh_advice_fraction = refresh_advice_fraction
        self.prohibited_addresses: list[Addr] = []
        self.prohibited = prohibited
        self.pending: dict[Addr, PendingRegistration] = {}
        self.decisions: deque[tuple[float, Addr, BUDecision]] = deque(maxlen=LOG_LIMIT)  # the newest, for widgets

    # ------------------------------------------------------------------ policy knobs
    def is_prohibited(self, home_address: Addr, careof_address: Addr) -> bool:
        if home_address in self.prohibited_addresses:
            return True
        return self.prohibited is not None and self.prohibited(home_address, careof_address)

    # ------------------------------------------------------------------ the BU
    def home_binding_update(self, d: Delivery, bu: BindingUpdate, via_spi: int | None) -> BUDecision | None:
        ha = self.ha
        packet = d.packet
        hoa = home_address_of(packet)
        src = packet.src
        ha_addr = d.dst
        ha.ensure_sas(hoa)  # only if it has none: the BU is not verified yet (never re-keys)
        if not ha.home_signalling_ok(hoa, ha_addr, NH_MOBILITY, MH_BU, via_spi):
            ha.trace_event(
                "esp",
                f"home BU for {hoa} from {src} "
                + ("not protected by ESP" if via_spi is None else f"under the wrong SA {via_spi:#x}")
                + " although the SPD requires it: discarded (§10.3.1)",
                home_address=hoa,
            )
            return None
        p = self.pending.get(hoa)
        if p is not None and not self.greater(bu.seq, p.bu.seq):
            ha.trace_event(
                "ha",
                f"home BU seq {bu.seq} for {hoa}: not newer than seq {p.bu.seq}, whose DAD is running: ignored",
                home_address=hoa,
            )
            return None
        decision = self._decide(bu, hoa, src)
        coa = decision.careof_address or src
        self._record(hoa, bu, decision)
        if decision.outcome == DISCARD:
            return decision
        self._learn_mac_at_home(d, hoa, src)
        if p is not None:
            if decision.outcome == NEEDS_DAD:  # a retransmission (new seq) or a changed request
                self._supersede(p, decision, bu, src, ha_addr)
                return decision
            self._cancel_pending(p, f"superseded by seq {bu.seq} ({decision.outcome})")
        if decision.outcome == REJECT:
            self.send_ba(decision, hoa, src, ha_addr)
            return decision
        if decision.outcome == NEEDS_DAD:
            self._start_dad(decision, bu, hoa, src, ha_addr)
            return decision
        self._acknowledges_prefix_advertisement(hoa, src)
        if decision.deregistration:
            self._deregister(hoa)
        else:
            self._refresh(hoa, bu, coa, decision)
        self.send_ba(decision, hoa, src, ha_addr)
        return decision

    def _refresh(self, hoa: Addr, bu: BindingUpdate, coa: Addr, decision: BUDecision) -> None:
        """An accepted BU for an existing home registration, including a change of the L bit
        (§10.3.1): proxy the link-local address when L is newly set (its DAD has run by now), stop
        proxying it when L is cleared."""
        ha = self.ha
        e = ha.cache.lookup(hoa)
        assert e is not None
        was_l = e.link_local_compat
        ha.cache.update(
            ha.now,
            hoa,
            care_of_address=coa,
            lifetime=decision.lifetime_seconds,
            sequence_number=bu.seq,
            link_local_compat=bu.L,
        )
        ha.trace_event(
            "binding",
            f"home registration {hoa} -> {coa} refreshed for {decision.lifetime_seconds} s"
            + ("" if was_l == bu.L else f" (L {'set' if bu.L else 'cleared'})"),
            home_address=hoa,
            careof_address=coa,
        )
        ifname = ha.home_ifname_for(hoa)
        if bu.L and not was_l:
            ha.proxy.start(ifname, (link_local_for(hoa),))
        elif was_l and not bu.L:
            ha.proxy.stop(ifname, (link_local_for(hoa),))
        ha.maintenance.reschedule(hoa)

    def _decide(self, bu: BindingUpdate, hoa: Addr, src: Addr) -> BUDecision:
        """The RFC's checks (:func:`check_home_bu`), then local policy: 129, 130."""
        ha = self.ha
        binding = ha.cache.lookup_valid(self.ha.now, hoa)
        decision = self.checks(
            bu,
            home_address=hoa,
            source_address=src,
            binding=binding,
            is_home_agent=self.is_home_agent,
            home_prefixes=ha.home_prefixes(),
            max_lifetime=self.max_lifetime,
            prefix_discovery_needed=ha.prefix_discovery_needed(hoa),
        )
        coa = decision.careof_address or src
        if decision.outcome in (ACCEPT, NEEDS_DAD) and not decision.deregistration:
            if self.is_prohibited(hoa, coa):
                return self._local_reject(decision, bu, CHK_ADMIN, BA_ADMIN_PROHIBITED, "administratively prohibited")
            if binding is None and self._no_room(hoa):
                return self._local_reject(decision, bu, CHK_ROOM, BA_INSUFFICIENT_RESOURCES, "Binding Cache full")
        return decision

    def _no_room(self, hoa: Addr) -> bool:
        """§10.3.1 status 130: no room for one more entry, counting the other registrations whose DAD
        is still running (each will need an entry when it completes)."""
        cache = self.ha.cache
        limit = getattr(cache, "max_entries", None)  # a reader's cache (ha.binding_cache seam) has no limit
        if limit is None:
            return False
        others = len(self.pending) - (hoa in self.pending)  # counted, not scanned: O(1) per BU at any scale
        size = len(cache) if hasattr(cache, "__len__") else len(cache.entries())
        return size + others >= limit

    def _acknowledges_prefix_advertisement(self, hoa: Addr, src: Addr) -> None:
        """§10.6.2: the mobile node's Binding Update ends the unsolicited Mobile Prefix Advertisement
        retransmissions - only one that passed IPsec and was accepted, or a forged BU could silence
        them."""
        self.ha.prefixes.binding_update_seen(hoa, src)

    def _local_reject(self, decision: BUDecision, bu: BindingUpdate, check: str, status: int, why: str) -> BUDecision:
        checks = tuple(c for c in decision.checks) + ((check, FAIL),)
        return BUDecision(REJECT, f"§10.3.1: {why}", checks, status, 0, bu.seq, True, False, decision.careof_address)

    def _record(self, hoa: Addr, bu: BindingUpdate, decision: BUDecision) -> None:
        self.decisions.append((self.ha.now, hoa, decision))
        self.ha.trace_event(
            "binding",
            f"home BU seq {bu.seq} for {hoa}: {decision.describe()}",
            home_address=hoa,
            outcome=decision.outcome,
            status=decision.status,
            checks=decision.checks,
        )

    # ------------------------------------------------------------------ DAD (§10.3.1)
    def _start_dad(self, decision: BUDecision, bu: BindingUpdate, hoa: Addr, src: Addr, ha_addr: Addr) -> None:
        ifname = self.ha.home_ifname_for(hoa)
        p = PendingRegistration(decision, bu, hoa, src, ha_addr, ifname, list(decision.dad_addresses))
        self.pending[hoa] = p
        for a in decision.dad_addresses:
            self._run_dad(p, a)

    def _supersede(
        self, p: PendingRegistration, decision: BUDecision, bu: BindingUpdate, src: Addr, ha_addr: Addr
    ) -> None:
        """A newer BU while DAD runs (the mobile node retransmits with a new sequence number, §11.8,
        and accepts only a BA for its newest): DAD goes on, and its BA will answer this BU - its
        sequence number, lifetime and care-of address. Addresses it no longer needs checked (L
        cleared) stop being checked; new ones (L set) start."""
        done = [a for a in p.decision.dad_addresses if a not in p.waiting]
        p.decision, p.bu, p.source, p.ha_address = decision, bu, src, ha_addr
        for a in list(p.waiting):
            if a not in decision.dad_addresses:
                self._cancel_dad(p, a)
        for a in decision.dad_addresses:
            if a not in done and a not in p.waiting:
                p.waiting.append(a)
                self._run_dad(p, a)
        self.ha.trace_event(
            "ha",
            f"home BU seq {bu.seq} for {p.home_address}: DAD already running, it will answer this one",
            home_address=p.home_address,
        )
        if not p.waiting:
            self._finish(p)

    def _cancel_dad(self, p: PendingRegistration, addr: Addr) -> None:
        if addr in p.waiting:
            p.waiting.remove(addr)
        self.ha.dad.cancel(p.ifname, addr)
        self.ha.interfaces[p.ifname].leave(solicited_node(addr))  # joined by start_dad

    def _cancel_pending(self, p: PendingRegistration, why: str) -> None:
        """Drop a registration whose DAD is running (a de-registration or a refused newer BU came)."""
        for a in list(p.waiting):
            self._cancel_dad(p, a)
        self.pending.pop(p.home_address, None)
        self.ha.trace_event(
            "ha", f"pending home registration seq {p.bu.seq} for {p.home_address}: {why}", home_address=p.home_address
        )

    def _run_dad(self, p: PendingRegistration, a: Addr) -> None:
        hoa = p.home_address
        self.ha.trace_event("ha", f"DAD for {a} on {p.ifname} before accepting the home registration", address=a)
        self.ha.start_dad(p.ifname, a, lambda ifn, addr, unique, hoa=hoa: self._dad_done(hoa, addr, unique))

    def _dad_done(self, hoa: Addr, addr: Addr, unique: bool) -> None:
        p = self.pending.get(hoa)
        if p is None or addr not in p.waiting:
            return
        p.waiting.remove(addr)
        p.unique = p.unique and unique
        if not unique:
            for other in list(p.waiting):
                self._cancel_dad(p, other)
        if p.waiting:
            return
        self._finish(p)

    def _finish(self, p: PendingRegistration) -> None:
        """DAD is over for every address: accept (create, or refresh when L was newly set) or 134."""
        hoa = p.home_address
        del self.pending[hoa]
        final = finalise_after_dad(p.decision, p.unique)
        existing = self.ha.cache.lookup(hoa)
        if final.outcome == ACCEPT and existing is not None and existing.home_registration:
            self._record(hoa, p.bu, final)  # L newly set on a refresh: the binding exists
            self._acknowledges_prefix_advertisement(hoa, p.source)
            self._refresh(hoa, p.bu, final.careof_address or p.source, final)
            self.send_ba(final, hoa, p.source, p.ha_address)
            return
        if final.outcome == ACCEPT and existing is not None:  # a correspondent BU meanwhile
            final = self._local_reject(
                final, p.bu, CHK_TYPE, BA_REGISTRATION_TYPE_CHANGE, "a correspondent binding appeared during DAD"
            )
        elif final.outcome == ACCEPT and self.ha.cache.full:  # filled meanwhile (e.g. correspondent BUs)
            final = self._local_reject(final, p.bu, CHK_ROOM, BA_INSUFFICIENT_RESOURCES, "Binding Cache full")
        self._record(hoa, p.bu, final)
        if final.outcome == ACCEPT:
            try:
                self._create(p, final)
            except BindingCacheFull:  # never let it out of the DAD callback (and so out of the node)
                final = self._local_reject(final, p.bu, CHK_ROOM, BA_INSUFFICIENT_RESOURCES, "Binding Cache full")
                self._record(hoa, p.bu, final)
            else:
                self._acknowledges_prefix_advertisement(hoa, p.source)
        self.send_ba(final, hoa, p.source, p.ha_address)

    def _create(self, p: PendingRegistration, final: BUDecision) -> None:
        ha = self.ha
        coa = final.careof_address or p.source
        ha.cache.create(
            ha.now,
            p.home_address,
            coa,
            final.lifetime_seconds,
            sequence_number=p.bu.seq,
            home_registration=True,
            link_local_compat=p.bu.L,
        )
        ha.trace_event(
            "binding",
            f"home registration {p.home_address} -> {coa} for {final.lifetime_seconds} s",
            home_address=p.home_address,
            careof_address=coa,
        )
        ha.proxy.start(p.ifname, self.defended_addresses(p.home_address, p.bu.L))
        ha.maintenance.reschedule(p.home_address)

    @staticmethod
    def defended_addresses(hoa: Addr, link_local: bool) -> tuple[Addr, ...]:
        return (hoa, link_local_for(hoa)) if link_local else (hoa,)

    # ------------------------------------------------------------------ de-registration (§10.3.2)
    def _deregister(self, hoa: Addr) -> None:
        ha = self.ha
        e = ha.cache.delete(hoa)
        if e is not None:
            ha.binding_removed(e, "de-registered")
        ha.trace_event("binding", f"home registration for {hoa} deleted (de-registration)", home_address=hoa)
        ha.maintenance.reschedule(hoa)

    def _learn_mac_at_home(self, d: Delivery, hoa: Addr, src: Addr) -> None:
        """A BU from the home address on the home link (the mobile node is back home, §11.5.4): learn
        its MAC from the frame, so the BA - accept or reject - needs no Neighbor Solicitation for an
        address the mobile node is not defending yet."""
        ha = self.ha
        mac = ha.last_frame_source.get(d.ifname)
        if src == hoa and d.ifname == self.ha.home_ifname_for(hoa) and mac:
            ha.interfaces[d.ifname].neighbors.learned(hoa, mac, ha.now)

    # ------------------------------------------------------------------ the BA
    def send_ba(self, decision: BUDecision, hoa: Addr, src: Addr, ha_addr: Addr) -> bool:
        assert decision.status is not None and decision.ba_seq is not None
        options: tuple = ()
        if decision.status < 128 and decision.lifetime > 0 and self.refresh_advice_fraction is not None:
            options = (BindingRefreshAdvice(max(1, int(decision.lifetime * self.refresh_advice_fraction))),)
        ba = BindingAcknowledgement(decision.status, decision.ba_seq, decision.lifetime, options=options)
        dst, rh_home = reply_destination(src, hoa)
        self.ha.trace_event(
            "ha", f"BA status {decision.status} seq {decision.ba_seq} to {dst}", status=decision.status, to=dst
        )
        return self.ha.send_to_mobile_node(ha_addr, hoa, dst, ba, rh_home)
