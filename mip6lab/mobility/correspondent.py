"""The correspondent node role (RFC 6275 §9; white paper "Correspondent Registration").

A Mobile IPv6-capable correspondent is an ordinary IPv6 node plus:

* a **return routability responder** (:mod:`mip6lab.mobility.cn_rr`) answering HoTI/CoTI statelessly;
* **correspondent registration** (:mod:`mip6lab.mobility.cn_registration`): RR-authorised Binding
  Updates checked by :func:`~mip6lab.mobility.registration.check_correspondent_bu`, the Binding
  Cache, Binding Acknowledgements with Binding Authorization Data;
* the **sending algorithm's steps 3-4** (white paper Figure 35): a destination with a binding is
  sent to its care-of address with a Type 2 Routing header carrying the home address (Figure 19);
* the **receiving algorithm's step 8** (Figure 36): a Home Address option is accepted only if a
  binding exists whose care-of address is the packet's source - otherwise the packet is dropped and
  a Binding Error (status 1) goes back (not for a Binding Update, which is how a binding starts);
* Mobility Header input checks (:mod:`mip6lab.mobility.cn_mh`): Parameter Problem for a wrong
  Payload Proto or a too-short Header Len, Binding Error status 2 for an unknown MH Type;
* **binding maintenance** (:mod:`mip6lab.mobility.cn_maintenance`): Binding Refresh Requests for
  bindings in active use near expiry, expiry, deletion on ICMPv6 address unreachable.

A correspondent *without* Mobile IPv6 (``NodeSpec.options["mipv6"] = False``) is a plain
:class:`~mip6lab.ipv6.node.IPv6Node`: it knows no Next Header 135, so the receiving algorithm
answers every Mobility Header with ICMPv6 Parameter Problem code 1 (white paper "Detecting
Correspondent Nodes that are not Mobile IPv6-Capable").

:class:`CorrespondentRole` is attached to a plain :class:`~mip6lab.ipv6.node.IPv6Node` with
``node.attach_role(CorrespondentRole(node, ...))`` (:mod:`mip6lab.ipv6.role`); the home agent's role
extends it (a home agent is also a correspondent, §10), and a mobile node that is also a correspondent
owns one as its correspondent half.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from mip6lab.ipv6.role import NodeRole
from mip6lab.ipv6.upper import Delivery
from mip6lab.mobility import rr
from mip6lab.mobility.binding_cache import BindingCache, BindingCacheEntry
from mip6lab.mobility.cn_maintenance import BindingMaintenance, unreachable_destination
from mip6lab.mobility.cn_mh import (
    BindingErrorSender,
    answer_short_mobility_header,
    describe,
    mh_packet,
    payload_proto_problem,
)
from mip6lab.mobility.cn_registration import CorrespondentRegistration
from mip6lab.mobility.cn_rr import ReturnRoutabilityResponder
from mip6lab.mobility.constants import CN_BINDING_CACHE_LIMIT, MAX_NONCE_LIFETIME
from mip6lab.mobility.dispatch import Dispatch
from mip6lab.mobility.ports import unit_port
from mip6lab.mobility.registration import is_unicast_routable
from mip6lab.wire import icmp as I
from mip6lab.wire.codec import DecodeError
from mip6lab.wire.ip import NH_ICMPV6, NH_MOBILITY, Addr, HomeAddressOption, IPv6, RoutingType2
from mip6lab.wire.mh import (
    BE_UNKNOWN_BINDING,
    BE_UNRECOGNIZED_MH_TYPE,
    BindingAcknowledgement,
    BindingError,
    BindingRefreshRequest,
    BindingUpdate,
    CareofTest,
    CareofTestInit,
    HomeTest,
    HomeTestInit,
    MobilityHeader,
    UnknownMobilityMessage,
)

if TYPE_CHECKING:
    from mip6lab.ipv6.node import IPv6Node

__all__ = ["CorrespondentRole"]

_UNSPECIFIED = Addr("::")


class CorrespondentRole(NodeRole):
    """The correspondent node role (and the base of the home agent's role): attached to a plain node
    with ``node.attach_role``, it answers the algorithms' mobility steps (``node.mobility``), takes its
    input through its doors (:meth:`doors`) and their dispatch tables, and answers a too-short
    Mobility Header (refused by the codec) with ICMPv6 Parameter Problem (§9.2).

    Parameters are local policy: ``max_bindings`` (default 1024, §9.5.2; None: unbounded; a full cache answers new
    bindings with status 130), ``brr_before_expiry`` (seconds before expiry to send a Binding
    Refresh Request for a binding in active use; None: never).
    """

    kind = "correspondent"

    def __init__(
        self,
        node: IPv6Node,
        *,
        max_bindings: int | None = CN_BINDING_CACHE_LIMIT,
        brr_before_expiry: float | None = 60.0,
        brr_requires_use: bool = True,
        secrets: rr.CorrespondentSecrets | None = None,
        parts: Mapping[str, Any] | None = None,
    ) -> None:
        parts = parts or {}  # seams (mip6lab.seams): binding_cache, rr_keys, bu_checks, sequence_compare
        super().__init__(node)
        self.cache = parts["binding_cache"]() if "binding_cache" in parts else BindingCache(max_entries=max_bindings)
        self.secrets = secrets or rr.CorrespondentSecrets(random.Random(node.rng.getrandbits(64)))
        # each unit sees only what its NEEDS declare (mobility/ports.py), not the whole role or node
        self.binding_errors = BindingErrorSender(unit_port(self, BindingErrorSender))
        self.rr = ReturnRoutabilityResponder(
            unit_port(self, ReturnRoutabilityResponder), self.secrets, keys=parts.get("rr_keys")
        )
        self.maintenance = BindingMaintenance(
            unit_port(self, BindingMaintenance),
            self.cache,
            send_brr=self.send_binding_refresh_request,
            on_removed=self.on_binding_removed,
            brr_before_expiry=brr_before_expiry,
            require_active_use=brr_requires_use,
        )
        self.registration = CorrespondentRegistration(
            unit_port(self, CorrespondentRegistration),
            self.cache,
            self.secrets,
            self.maintenance.reschedule,
            checks=parts.get("bu_checks"),
            keys=parts.get("rr_keys"),
            greater=parts.get("sequence_compare"),
        )
        self.mh_dispatch = self._mh_table()
        self.icmp_dispatch = self._icmp_table()

    # ================================================================ the role's shape (mip6lab.ipv6.role)
    def doors(self) -> dict[int, Callable[[Delivery], None]]:
        """One door per protocol: Mobility Header and ICMPv6 (each then asks its table)."""
        return {NH_MOBILITY: self._mh_delivery, NH_ICMPV6: self._icmp_delivery}

    def on_decode_error(self, ifname: str, frame: bytes, error: DecodeError) -> None:
        """§9.2: a Mobility Header whose Header Len is below its type's minimum (the codec refused it)
        still gets ICMPv6 Parameter Problem."""
        answer_short_mobility_header(self, ifname, frame, error)

    # ================================================================ MobilityHooks: state
    @property
    def home_address(self) -> Addr | None:
        return None

    @property
    def care_of_address(self) -> Addr | None:
        return None

    @property
    def home_agent_address(self) -> Addr | None:
        return None

    # ================================================================ MobilityHooks: sending
    def binding_cache_lookup(self, dst: Addr) -> BindingCacheEntry | None:
        """Sending step 3: a valid binding for ``dst`` -> step 4 sends to its care-of address."""
        return self.cache.lookup_valid(self.node.now, dst)

    def is_mobile_node(self) -> bool:
        return False

    def away_from_home(self) -> bool:
        return False

    def bul_lookup(self, dst: Addr) -> Any | None:
        return None

    def is_mipv6_capable(self, addr: Addr) -> bool | None:
        return None

    def registration_initiated(self, addr: Addr) -> bool:
        return True  # a correspondent never initiates a registration itself

    def initiate_registration(self, addr: Addr) -> None:
        return None

    def tunnel_to_home_agent(self, packet: IPv6) -> IPv6 | None:
        return None

    # ================================================================ MobilityHooks: receiving
    def intercept(self, packet: IPv6, ifname: str) -> bool:
        return False

    def process_type2_routing(self, packet: IPv6, rh: RoutingType2) -> Addr | None:
        """§6.4 / §9.3.2: a Type 2 Routing header must name one of *our* home addresses; a node
        that is not a mobile node has none, so the packet is discarded (never forwarded)."""
        self.node.trace_event("mh", f"Type 2 Routing header for {rh.home_address}: not our home address, discarded")
        return None

    def tunneled_from_home_agent(self, packet: IPv6) -> bool:
        return False

    def strip_tunnel(self, packet: IPv6) -> IPv6 | None:
        return None

    def process_home_test(self, inner: IPv6) -> bool:
        return False

    def process_home_address_option(self, packet: IPv6, hao: HomeAddressOption) -> Addr | None:
        """Receiving step 8 (§9.3.1): accept the home address as the logical source only if a
        binding exists with the packet's source as care-of address, or the packet is a Binding
        Update (which is how a binding starts). Otherwise drop it and send Binding Error status 1."""
        node = self.node
        hoa = hao.home_address
        if not is_unicast_routable(hoa):
            node.trace_event("mh", f"Home Address option with non-routable {hoa}: dropped (§9.3.1)")
            return None
        p = packet.payload
        if isinstance(p, MobilityHeader):
            m = p.message
            if isinstance(m, (BindingUpdate, UnknownMobilityMessage)):
                return hoa  # BU: no binding needed; unknown type: answered with BE 2 further on
            node.trace_event("mh", f"{describe(m)} with a Home Address option: dropped (§6.1: only a BU may carry one)")
            return None
        if self.home_address_option_exempt(packet, hoa):
            return hoa
        b = self.cache.lookup_valid(node.now, hoa)
        if b is not None and (b.care_of_address is packet.src or b.care_of_address == packet.src):  # interned: same
            return hoa
        why = "no binding" if b is None else f"binding care-of address is {b.care_of_address}"
        node.trace_event("mh", f"Home Address option {hoa} from {packet.src}: {why}: dropped, Binding Error 1")
        self.binding_errors.send(BE_UNKNOWN_BINDING, hoa, packet.src, packet.dst)
        return None

    def home_address_option_exempt(self, packet: IPv6, hoa: Addr) -> bool:
        """Packets whose Home Address option needs no binding (the home agent extends this)."""
        return False

    def on_link_change(self, ifname: str, attached: bool) -> None:
        return None

    # ================================================================ Mobility Header input
    def _mh_delivery(self, d: Delivery) -> None:
        assert isinstance(d.payload, MobilityHeader)
        self.mh_input(d, d.payload)

    def mh_input(self, d: Delivery, mh: MobilityHeader, via_spi: int | None = None) -> None:
        """§9.2 checks, then dispatch on the MH Type. ``via_spi``: the ESP SA that carried it."""
        node = self.node
        pointer = payload_proto_problem(d.packet, mh) if via_spi is None else None
        if mh.payload_proto != 59:
            node.trace_event("mh", f"Mobility Header from {d.src} with Payload Proto {mh.payload_proto}: discarded")
            if pointer is not None:
                node.icmp_error(d.packet, I.PARAM_PROBLEM, I.PP_ERRONEOUS_HEADER, pointer)
            return
        m = mh.message
        node.trace_event("mh", f"{describe(m)} from {d.src}", mh_type=describe(m))
        self.mh_dispatch(d, m, via_spi)

    # -- the Mobility Header table's handlers (one per message type)
    def _hoti_input(self, d: Delivery, m: HomeTestInit, via_spi: int | None) -> None:
        self.rr.home_test_init(d, m)

    def _coti_input(self, d: Delivery, m: CareofTestInit, via_spi: int | None) -> None:
        self.rr.careof_test_init(d, m)

    def _unknown_mh_input(self, d: Delivery, m: UnknownMobilityMessage, via_spi: int | None) -> None:
        hao = d.packet.home_address_option
        hoa = hao.home_address if hao is not None else _UNSPECIFIED
        self.node.trace_event("mh", f"unknown MH Type {m.mh_type} from {d.packet.src}: Binding Error 2")
        self.binding_errors.send(BE_UNRECOGNIZED_MH_TYPE, hoa, d.packet.src, d.packet.dst)

    def _not_for_us(self, d: Delivery, m: Any, via_spi: int | None) -> None:
        self.node.trace_event("mh", f"{describe(m)} from {d.src}: not for a correspondent, ignored")

    def _mh_table(self) -> Dispatch:
        """Mobility Header message -> handler (the home agent's ``binding_update`` takes home registrations)."""
        return Dispatch(
            self.kind,
            {
                BindingUpdate: lambda d, m, spi: self.binding_update(d, m, spi),
                HomeTestInit: self._hoti_input,
                CareofTestInit: self._coti_input,
                UnknownMobilityMessage: self._unknown_mh_input,
                **{
                    cls: self._not_for_us
                    for cls in (BindingAcknowledgement, BindingRefreshRequest, HomeTest, CareofTest, BindingError)
                },
            },
        )

    def binding_update(self, d: Delivery, bu: BindingUpdate, via_spi: int | None) -> None:
        """A correspondent treats every BU as a correspondent registration (H=1 -> 131/139)."""
        self.registration.binding_update(d, bu)

    # ================================================================ ICMPv6 input
    def _icmp_delivery(self, d: Delivery) -> None:
        self.icmp_dispatch(d, d.payload)

    def _icmp_table(self) -> Dispatch:
        """ICMPv6 message -> handler (the home agent adds DHAAD and Mobile Prefix Solicitation)."""
        return Dispatch(self.kind, {I.DestinationUnreachable: self._unreachable_input})

    def _unreachable_input(self, d: Delivery, m: I.DestinationUnreachable) -> None:
        """§9.5.5 (local policy): an address unreachable for a mobile node's care-of address ends its binding."""
        if m.code == I.DU_ADDRESS_UNREACHABLE:
            dst = unreachable_destination(m)
            if dst is not None:
                self.maintenance.address_unreachable(dst)

    # ================================================================ maintenance callbacks
    def send_binding_refresh_request(self, e: BindingCacheEntry) -> bool:
        """§9.5.5: a BRR to the mobile node's home address, *without* a Type 2 Routing header.

        RFC 6275 §6.1: "Mobility Header messages MUST NOT be sent with a type 2 routing header, except
        as described in Section 9.5.4 for Binding Acknowledgement", and the Binding Cache "MUST NOT be
        used in sending Mobility Header messages". So the BRR goes where any packet to the home address
        goes without route optimization: to the home link, where the home agent intercepts it and
        tunnels it to the care-of address. (The white paper's Figure 23 draws a BRR with a Type 2
        Routing header; mip6lab follows the RFC.) The sending algorithm's step 3 skips the binding for
        a Mobility Header, so it does not add one either."""
        node = self.node
        src = self.registration.local_address.get(e.home_address) or node.source_address_for(e.home_address)
        if src is None:
            return False
        node.trace_event(
            "binding",
            f"BRR to {e.home_address} without a Type 2 Routing header: a Mobility Header other than a BA "
            "bypasses the binding (RFC 6275 §6.1); the home agent tunnels it",
            home_address=e.home_address,
        )
        return node.send_packet(mh_packet(src, e.home_address, BindingRefreshRequest()))

    def on_binding_removed(self, e: BindingCacheEntry, why: str) -> None:
        self.registration.local_address.pop(e.home_address, None)
        # §5.2.8, §9.5.1: an old BU stays valid while its nonces are (an ICMPv6 error is not authenticated):
        # remember the sequence number so that a replay cannot roll the binding back.
        self.registration.retired[e.home_address] = (e.sequence_number, self.node.now + MAX_NONCE_LIFETIME)

    # ================================================================ display
    def snapshot(self) -> dict[str, Any]:
        now = self.node.now
        return {
            "role": self.kind,
            "binding_cache": [
                {
                    "home_address": str(e.home_address),
                    "care_of_address": str(e.care_of_address),
                    "lifetime": e.lifetime,
                    "remaining": round(e.remaining(now), 3),
                    "home_registration": e.home_registration,
                    "sequence_number": e.sequence_number,
                }
                for e in self.cache.entries()
            ],
            "nonces": [{"index": n.index, "generated_at": n.generated_at} for n in self.secrets.nonces],
        }
