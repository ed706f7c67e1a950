"""Correspondent registration at the correspondent node (RFC 6275 §9.5; white paper "Correspondent
Registration"): a Binding Update authorised by return routability, the Binding Cache, the BA.

The decision itself is :func:`mip6lab.mobility.registration.check_correspondent_bu` (pure, tested
on its own). This unit feeds it what the node knows, applies the outcome to the Binding Cache and
builds the Binding Acknowledgement:

* silently discarded BUs change nothing and get no answer (bad authenticator, missing Nonce Indices
  or Binding Authorization Data, H=1 with Nonce Indices, a non-routable address);
* rejected BUs (131, 139, 135, 136-138, 130) get a BA and change nothing;
* an accepted BU creates or refreshes the entry (lifetime capped at MAX_RR_BINDING_LIFETIME) or,
  with lifetime 0 / care-of address = home address, deletes it (§9.5.3). After a deletion the
  sequence number is remembered until every nonce that could authorise a replay has expired
  (``retired``), so an old BU cannot re-create the binding;
* the BA (§9.5.4) goes when A=1 or the BU was rejected, to the BU's source with a Type 2 Routing
  header carrying the home address (no routing header when the source is the home address), with
  Binding Authorization Data computed with Kbm - except 136-138, where no Kbm exists.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from mip6lab.mobility import rr
from mip6lab.mobility.binding_cache import BindingCache
from mip6lab.mobility.cn_mh import home_address_of, mh_packet, reply_destination
from mip6lab.mobility.constants import LOG_LIMIT
from mip6lab.mobility.registration import (
    ACCEPT,
    DISCARD,
    BUDecision,
    authenticator_careof_address,
    check_correspondent_bu,
)
from mip6lab.wire.ip import Addr
from mip6lab.wire.mh import BindingAcknowledgement, BindingUpdate

if TYPE_CHECKING:
    from mip6lab.ipv6.node import IPv6Node
    from mip6lab.ipv6.upper import Delivery

__all__ = ["CorrespondentRegistration"]


class CorrespondentRegistration:
    """Processes Binding Updates with H=0 (and answers H=1 ones with 131/139) at a correspondent."""

    NEEDS = ("now", "send_packet", "trace_event")
    """What this unit uses of its node: all it sees (a :class:`~mip6lab.mobility.ports.UnitPort`)."""

    def __init__(
        self,
        node: IPv6Node,
        cache: BindingCache,
        secrets: rr.CorrespondentSecrets,
        on_change: Callable[..., None] = lambda *_: None,  # called with the home address that changed
        *,
        checks: Callable[..., BUDecision] | None = None,
        keys: Any = None,
        greater: Callable[[int, int], bool] | None = None,
    ) -> None:
        self.node = node
        self.cache = cache
        self.secrets = secrets
        self.keys = keys  # the cn.rr_keys seam (None: mip6lab.mobility.rr)
        # the cn.bu_checks seam; the library's checks use the cn.rr_keys and cn.sequence_compare seams
        self.checks = checks if checks is not None else partial(check_correspondent_bu, keys=keys, greater=greater)
        self.on_change = on_change
        self.insufficient_resources = False  # force status 130 for new bindings (a lab knob)
        self.retired: dict[Addr, tuple[int, float]] = {}  # home address -> (last seq, until)
        self.local_address: dict[Addr, Addr] = {}  # home address -> our address the MN registered with
        self.decisions: deque[tuple[float, Addr, BUDecision]] = deque(maxlen=LOG_LIMIT)  # the newest, for widgets

    def retired_seq(self, home_address: Addr) -> int | None:
        """The last sequence number of a deleted binding while its nonces could still be replayed."""
        r = self.retired.get(home_address)
        if r is None:
            return None
        if self.node.now >= r[1]:
            del self.retired[home_address]
            return None
        return r[0]

    def binding_update(self, d: Delivery, bu: BindingUpdate) -> BUDecision:
        node, now = self.node, self.node.now
        packet = d.packet
        hoa = home_address_of(packet)
        src = packet.src
        correspondent = d.dst
        binding = self.cache.lookup_valid(now, hoa)
        decision = self.checks(
            bu,
            home_address=hoa,
            source_address=src,
            correspondent_address=correspondent,
            secrets=self.secrets,
            now=now,
            binding=binding,
            retired_seq=self.retired_seq(hoa),
            insufficient_resources=self.insufficient_resources or (binding is None and self.cache.full),
        )
        self.decisions.append((now, hoa, decision))
        node.trace_event(
            "binding",
            f"BU seq {bu.seq} for {hoa}: {decision.describe()}",
            home_address=hoa,
            outcome=decision.outcome,
            status=decision.status,
            checks=decision.checks,
        )
        if decision.outcome == DISCARD:
            return decision
        if decision.outcome == ACCEPT:
            if decision.deregistration:
                self.cache.delete(hoa)
                self.local_address.pop(hoa, None)
                if decision.retire_nonces_until is not None:
                    self.retired[hoa] = (bu.seq, decision.retire_nonces_until)
                node.trace_event("binding", f"binding for {hoa} deleted (de-registration)", home_address=hoa)
            else:
                coa = decision.careof_address or src
                self.cache.create_or_update(
                    now, hoa, coa, decision.lifetime_seconds, sequence_number=bu.seq, home_registration=False
                )
                self.retired.pop(hoa, None)
                self.local_address[hoa] = correspondent
                node.trace_event(
                    "binding",
                    f"binding {hoa} -> {coa} for {decision.lifetime_seconds} s",
                    home_address=hoa,
                    careof_address=coa,
                    lifetime=decision.lifetime_seconds,
                )
            self.on_change(hoa)
        if decision.send_ba:
            self.send_ba(decision, bu, hoa, src, correspondent)
        return decision

    def send_ba(self, decision: BUDecision, bu: BindingUpdate, hoa: Addr, src: Addr, correspondent: Addr) -> bool:
        assert decision.status is not None and decision.ba_seq is not None
        ba = BindingAcknowledgement(decision.status, decision.ba_seq, decision.lifetime)
        if decision.ba_authenticated:
            assert decision.kbm is not None
            mac_coa = authenticator_careof_address(bu, hoa, src)
            ba = rr.sign_binding_message(ba, decision.kbm, mac_coa, correspondent, keys=self.keys)
        dst, rh_home = reply_destination(src, hoa)
        self.node.trace_event(
            "binding", f"BA status {decision.status} seq {decision.ba_seq} to {dst}", status=decision.status
        )
        return self.node.send_packet(mh_packet(correspondent, dst, ba, home_address=rh_home))
