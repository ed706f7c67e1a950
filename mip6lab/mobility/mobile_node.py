"""The mobile node (RFC 6275 §11; white paper "Mobile IPv6 Processes").

:class:`MobileNodeRole` is the mobile node role, attached to a plain
:class:`~mip6lab.ipv6.node.IPv6Node` with ``node.attach_role(MobileNodeRole(node, ...))``
(:mod:`mip6lab.ipv6.role`). It answers the mobile-node steps of the sending (Figure 35) and receiving
(Figure 36) algorithms (``node.mobility``) and the node's Neighbor Discovery policy (``node.role``).
The protocol work is split into small units, one workbook chapter each, that a reader can replace:

=============================================  ==============================================================
``config`` (:mod:`.mn_config`)                  the three ways to know the home link (manual, pseudo-, automatic)
``movement`` (:mod:`.mn_movement`)              movement detection, home vs foreign, care-of address (§11.5)
``discovery`` (:mod:`.mn_discovery`)            DHAAD (§11.4.1)
``prefix_discovery`` (:mod:`.mn_discovery`)     Mobile Prefix Solicitation / Advertisement (§11.4.2-3)
``home_registration`` (:mod:`.mn_home_registration`)  BU/BA with the home agent, refresh, returning home
``correspondents`` (:mod:`.mn_correspondents`)  return routability, correspondent BU/BA, route optimization
``ipsec`` (:mod:`.mn_ipsec`)                    ESP with the home agent as the SPD requires
``bul``                                          the Binding Update List (:mod:`mip6lab.mobility.bul`)
=============================================  ==============================================================

This module wires them to the node: Router Advertisements and DAD results in, Mobility Header / ESP /
ICMPv6 messages in (one door per protocol, one dispatch table each), and the node-level reactions
(attached home / foreign, care-of address ready, home registration acknowledged, returned home). It
also keeps the home address quiet on the home link while the home agent still defends it (§11.5.4): no
answers to Neighbor Solicitations for it except the home agent's, and the home agent's proxy
advertisements for our addresses are ignored.

A mobile node that is also a correspondent (:func:`add_correspondent_role`) owns a
:class:`~mip6lab.mobility.correspondent.CorrespondentRole` as its correspondent half: the half
answers sending step 3 and receiving step 8 and takes the correspondent's messages (BU, HoTI, CoTI,
an unknown MH Type, Destination Unreachable) through the mobile node's tables; one role per node.

The Lab builds role "mobile-node" with :func:`mip6lab.roles.make_mobile_node`; this module
never imports the Lab.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping
from functools import partial
from ipaddress import IPv6Network
from random import Random
from typing import TYPE_CHECKING, Any

from mip6lab.ipv6.addresses import AddrState, Origin, address_from_prefix, interface_id_from_mac, solicited_node
from mip6lab.ipv6.node import _InSeldom
from mip6lab.ipv6.role import NodeRole, TimerHandler
from mip6lab.ipv6.router_discovery import prefix_network
from mip6lab.ipv6.upper import Delivery
from mip6lab.mobility import rr
from mip6lab.mobility.backoff import RateLimiter
from mip6lab.mobility.bul import BindingUpdateList, BindingUpdateListEntry
from mip6lab.mobility.dispatch import Dispatch
from mip6lab.mobility.ipsec import EspMode
from mip6lab.mobility.machines import (
    BUL_ENTRY,
    CORRESPONDENT_REGISTRATION,
    HOME_REGISTRATION,
    LOCATION,
    Location,
    LocationEvent,
    MachineRecorder,
    StateMachine,
    TransitionRecord,
)
from mip6lab.mobility.mn_config import HomeAgentSelector, MobileNodeConfig
from mip6lab.mobility.mn_correspondents import CorrespondentRegistrations
from mip6lab.mobility.mn_discovery import HomeAgentDiscovery, MobilePrefixDiscovery, first_home_agent
from mip6lab.mobility.mn_home_registration import HomeRegistration
from mip6lab.mobility.mn_ipsec import EspError, MobileNodeIPsec, safe_decode_opened
from mip6lab.mobility.mn_movement import MovementDetector
from mip6lab.mobility.ports import unit_port
from mip6lab.mobility.registration import BAResult, is_unicast_routable, process_ba_at_mn
from mip6lab.mobility.seqno import seq_gt
from mip6lab.sim.kernel import LazyRandom
from mip6lab.wire import icmp as I
from mip6lab.wire.codec import upper_checksum_ok
from mip6lab.wire.ip import (
    ESP,
    NH_ESP,
    NH_ICMPV6,
    NH_IPV6,
    NH_MOBILITY,
    Addr,
    HomeAddressOption,
    IPv6,
    RoutingType2,
)
from mip6lab.wire.mh import (
    MH_BE,
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
    from mip6lab.mobility.correspondent import CorrespondentRole

__all__ = ["MobileNodeRole", "MovementPort", "add_correspondent_role"]

_IID = (1 << 64) - 1
_HOME, _FOREIGN = Location.HOME, Location.FOREIGN


class MovementPort:
    """What the movement detector may read and call on its mobile node, and nothing else (the
    :class:`mip6lab.seams.protocols.MovementPort` of the ``mn.movement_detection`` seam)."""

    __slots__ = ("_mn",)

    def __init__(self, mn: MobileNodeRole) -> None:
        self._mn = mn

    @property
    def now(self) -> float:
        return self._mn.now

    @property
    def home_prefix(self) -> IPv6Network | None:
        return self._mn.home_prefix

    @property
    def location(self) -> Location:
        return self._mn.location

    @property
    def current_foreign_prefix(self) -> IPv6Network | None:
        return self._mn.current_foreign_prefix

    def trace_event(self, category: str, message: str, **details: Any) -> None:
        self._mn.trace_event(category, message, **details)

    def set_timer(self, key: Hashable, at: float) -> None:
        self._mn.set_timer(key, at)

    def cancel_timer(self, key: Hashable) -> None:
        self._mn.cancel_timer(key)

    def register_timer_handler(self, kind: str, handler: Callable[[Hashable], None]) -> None:
        self._mn.register_timer_handler(kind, handler)

    def attachment_changed(self, ifname: str, attached: bool) -> None:
        self._mn.attachment_changed(ifname, attached)

    def attached_home(self, ifname: str, router: Addr) -> None:
        self._mn.attached_home(ifname, router)

    def attached_foreign(self, ifname: str, prefix: IPv6Network, router: Addr) -> None:
        self._mn.attached_foreign(ifname, prefix, router)

    def start_router_solicitation(self, ifname: str) -> None:
        self._mn.node.start_router_solicitation(ifname)

    def drop_onlink_route(self, ifname: str, prefix: IPv6Network) -> None:
        self._mn.node.routes.remove_where(lambda r: r.prefix == prefix and r.ifname == ifname and r.next_hop is None)


class _Seldom:
    """The role's state that only signalling touches (the seams' RR keys, BA processing and home agent
    choice, the home agent list, the Binding Error rate, a prefix advertisement's deadline), out of the
    role's own attributes: CPython 3.11 keeps those compact (shared keys) only up to 29 names, and the role
    had 33, so each mobile node carried a ~1.5 KB dictionary that every packet's attribute reads went through."""

    __slots__ = ("rr_keys", "process_ba", "select_home_agent", "ha_selector", "be_rate", "home_address_valid_until")


class MobileNodeRole(NodeRole):
    """The mobile node role: makes a plain IPv6 host keep its home address wherever it attaches."""

    kind = "mobile-node"
    rr_keys: Any = _InSeldom("rr_keys")
    process_ba: Callable[..., BAResult] = _InSeldom("process_ba")  # type: ignore[assignment]
    select_home_agent: Callable[..., Addr | None] = _InSeldom("select_home_agent")  # type: ignore[assignment]
    ha_selector: HomeAgentSelector = _InSeldom("ha_selector")  # type: ignore[assignment]
    be_rate: RateLimiter = _InSeldom("be_rate")  # type: ignore[assignment]
    home_address_valid_until: float | None = _InSeldom("home_address_valid_until")  # type: ignore[assignment]

    def __init__(
        self,
        node: IPv6Node,
        *,
        config: MobileNodeConfig | None = None,
        esp: EspMode = EspMode.OFF,
        esp_rng: Random | None = None,
        parts: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(node)
        # seams (mip6lab.seams): binding_update_list, movement_detection, home_agent_selection,
        # ba_processing, rr_keys, sequence_compare; absent ones are the library's
        parts = parts or {}
        self._seldom = _Seldom()
        self.rr_keys: Any = parts.get("rr_keys", rr)
        self.greater: Callable[[int, int], bool] = parts.get("sequence_compare", seq_gt)
        self.process_ba: Callable[..., BAResult] = parts.get(
            "ba_processing", partial(process_ba_at_mn, keys=parts.get("rr_keys"))
        )
        self.select_home_agent: Callable[..., Addr | None] = parts.get("home_agent_selection", first_home_agent)
        self.config = config if config is not None else MobileNodeConfig()
        self.home_prefix: IPv6Network | None = self.config.home_prefix
        self._home_address: Addr | None = self.config.home_address
        self.home_agent: Addr | None = self.config.home_agent
        self.home_address_valid_until: float | None = None  # from a Mobile Prefix Advertisement
        # the machines of mobility/machines.py report here (transitions while the trace is on, refusals always)
        self.machines = MachineRecorder(
            emit=self._trace_transition,
            refuse=self._trace_refused,
            recording=lambda: self.node.trace.enabled,
            clock=lambda: self.now,
            view=self.machine_states,
        )
        # Location: home | foreign | unknown (attached, no RA yet) | detached; changed by LocationEvents
        self.location_machine = StateMachine(
            LOCATION, self.machines, state=Location.HOME if self.config.method == "manual" else Location.UNKNOWN
        )
        self.last_known = self.location
        self.coa: Addr | None = None
        self.current_foreign_prefix: IPv6Network | None = None
        self._pending_coa: Addr | None = None
        self._awaiting_home_agent = False
        self.bul = parts["binding_update_list"]() if "binding_update_list" in parts else BindingUpdateList()
        self.ipsec = MobileNodeIPsec(esp, esp_rng if esp_rng is not None else LazyRandom(f"esp/{node.name}"))  # type: ignore[arg-type]
        self.ha_selector = HomeAgentSelector()
        port = MovementPort(self)  # the detector sees only this, not the node
        self.movement = parts["movement_detection"](port) if "movement_detection" in parts else MovementDetector(port)
        # each unit sees only what its NEEDS declare (mobility/ports.py), not the whole node
        self.discovery = HomeAgentDiscovery(unit_port(self, HomeAgentDiscovery))  # type: ignore[arg-type]
        self.prefix_discovery = MobilePrefixDiscovery(
            unit_port(self, MobilePrefixDiscovery)  # type: ignore[arg-type]
        )
        self.home_registration = HomeRegistration(unit_port(self, HomeRegistration))  # type: ignore[arg-type]
        self.correspondents = CorrespondentRegistrations(
            unit_port(self, CorrespondentRegistrations)  # type: ignore[arg-type]
        )
        self.be_rate = RateLimiter()
        self.tunnel_spi: int | None = None  # the ESP SA that carried the packet strip_tunnel opened
        # a mobile node that is also a correspondent owns its correspondent half (add_correspondent_role)
        self.correspondent: CorrespondentRole | None = None
        self.mh_dispatch, self.icmp_dispatch = self._dispatch_tables()
        self.esp_dispatch = self._esp_table()

    # ================================================================= the role's shape (mip6lab.ipv6.role)
    def doors(self) -> dict[int, Callable[[Delivery], None]]:
        """One door per protocol: Mobility Header, ESP (from the home agent), ICMPv6; each asks its table
        (a correspondent half's messages are in the same tables)."""
        return {NH_MOBILITY: self._mh_input, NH_ESP: self._esp_input, NH_ICMPV6: self._icmp_input}

    def timer_handlers(self) -> dict[str, TimerHandler]:
        """The units' timers, and the correspondent half's."""
        half = self.correspondent.timer_handlers() if self.correspondent is not None else {}
        return {**super().timer_handlers(), **half}

    def attached(self) -> None:
        super().attached()
        if self.correspondent is not None:
            self.correspondent.attached()

    # ================================================================= state
    @property
    def location(self) -> Location:
        """The location machine's state: only :meth:`location_event` changes it."""
        return self.location_machine.state

    def location_event(self, event: LocationEvent) -> Location:
        """Movement detection's news: the location machine's table says where the node is now."""
        return self.location_machine.fire(event)

    @property
    def last_known(self) -> Location:
        """The last of home / foreign the node knew (kept while it is detached or unknown)."""
        return self._last_known

    @last_known.setter
    def last_known(self, value: str) -> None:
        self._last_known = Location(value)

    # ================================================================= state machines
    def machine_states(self) -> list[tuple[str, Any, Any]]:
        """(machine, instance, state) of every running machine of :mod:`mip6lab.mobility.machines`."""
        out: list[tuple[str, Any, Any]] = [
            (LOCATION.name, "", self.location_machine.state),
            (HOME_REGISTRATION.name, "", self.home_registration.machine.state),
        ]
        for cn, st in self.correspondents.states.items():
            out.append((CORRESPONDENT_REGISTRATION.name, str(cn), st.machine.state))
        for e in self.bul.entries():
            out.append((BUL_ENTRY.name, f"{e.destination} / {e.home_address}", e.state))
        return out

    def _trace_transition(self, r: TransitionRecord) -> None:
        where = f" {r.instance}" if r.instance else ""
        self.trace_event(
            "state",
            f"{r.machine}{where}: {r.source} -> {r.target} ({r.event})",
            machine=r.machine,
            instance=r.instance,
            source=str(r.source),
            target=str(r.target),
            event=str(r.fired),
            known=r.known,
        )

    def _trace_refused(self, r: TransitionRecord) -> None:
        where = f" {r.instance}" if r.instance else ""
        self.trace_event(
            "error",
            f"{r.machine}{where}: event {r.fired!s} is not in the transition table for state {r.source}",
            machine=r.machine,
            instance=r.instance,
            source=str(r.source),
            event=str(r.fired),
        )

    @property
    def home_address(self) -> Addr | None:
        """Manual, or home prefix + the interface's EUI-64 identifier (what SLAAC forms at home)."""
        if self._home_address is None and self.home_prefix is not None:
            iface = self.node.interfaces.get(self.config.interface)
            if iface is not None:
                self._home_address = address_from_prefix(self.home_prefix, interface_id_from_mac(iface.mac))
        return self._home_address

    @property
    def care_of_address(self) -> Addr | None:
        # the location machine's states are Location members: identity is the cheap test (read per packet)
        return self.coa if self.location_machine.state is _FOREIGN else None

    @property
    def home_agent_address(self) -> Addr | None:
        return self.home_agent

    def away_from_home(self) -> bool:
        where = self.location_machine.state
        return where is _FOREIGN or (where is not _HOME and self._last_known is _FOREIGN)

    def assign_manual_home_address(self) -> None:
        """A manually configured home address that SLAAC would not form is assigned by hand (run once
        the interfaces exist)."""
        hoa = self.home_address
        ifname = self.config.interface
        if hoa is None or ifname not in self.node.interfaces or self.home_prefix is None:
            return
        slaac = address_from_prefix(self.home_prefix, interface_id_from_mac(self.node.interfaces[ifname].mac))
        if hoa != slaac and self.node.addresses.find(hoa) is None:
            # on_link=False: the home link's RAs say the prefix is on-link (and that is forgotten when the node
            # moves); a connected route would send home registrations to address resolution abroad (hole 7)
            self.node.add_address(ifname, hoa, self.home_prefix.prefixlen, on_link=False)

    # ================================================================= home link configuration
    def at_home_now(self, ifname: str | None = None) -> None:
        """Pseudo-automatic configuration: the user says "this is my home link"."""
        ifname = ifname or self.config.interface
        nets = [n for n in self.movement.prefixes_on(ifname) if n.prefixlen == 64]
        if not nets:
            self.trace_event("config", "'this is my home link': no prefix heard on this link yet, ignored")
            return
        self.home_prefix = nets[0]
        self._home_address = address_from_prefix(nets[0], interface_id_from_mac(self.node.interfaces[ifname].mac))
        self.home_agent = self.ha_selector.best(self.now)
        self._awaiting_home_agent = self.home_agent is None
        self.trace_event(
            "config",
            f"pseudo-automatic configuration: home prefix {self.home_prefix}, home address {self._home_address}, "
            f"home agent {self.home_agent or '(waiting for an RA with H=1)'}",
            home_prefix=str(self.home_prefix),
            home_address=self._home_address,
            home_agent=self.home_agent,
        )
        self.location_event(LocationEvent.HOME_PREFIX)
        self.last_known = Location.HOME
        self.coa = None
        self.current_foreign_prefix = None

    def _automatic(self, ifname: str, src: Addr, ra: I.RouterAdvertisement) -> None:
        """Automatic configuration: the first link with a home agent becomes home, once a security
        relationship with the most preferred one exists (manual keys: it does)."""
        nets = [
            prefix_network(o.prefix, o.prefix_len)
            for o in ra.options
            if isinstance(o, I.PrefixInformation) and o.A and o.prefix_len == 64
        ]
        ha = self.ha_selector.best(self.now)
        if not nets or ha is None:
            return
        self.home_prefix = nets[0]
        self._home_address = address_from_prefix(nets[0], interface_id_from_mac(self.node.interfaces[ifname].mac))
        self.home_agent = ha
        self.ipsec.database(self._home_address, ha)
        self.trace_event(
            "config",
            f"automatic configuration: RA with H=1 from {src}; security relationship with home agent {ha} "
            f"established ({self.ipsec.mode} ESP, manual keys): home prefix {self.home_prefix}, "
            f"home address {self._home_address}",
            home_prefix=str(self.home_prefix),
            home_address=self._home_address,
            home_agent=ha,
        )

    # ================================================================= inputs from the plain node
    def router_advertisement(self, ifname: str, src: Addr, ra: I.RouterAdvertisement) -> None:
        if ifname != self.config.interface:
            return
        is_ha = self.ha_selector.heard(self.now, src, ra)
        if is_ha and self.config.method == "automatic" and self.home_prefix is None:
            self._automatic(ifname, src, ra)
        if is_ha and self._awaiting_home_agent:
            best = self.ha_selector.best(self.now)
            if best is not None:
                self.home_agent, self._awaiting_home_agent = best, False
                self.trace_event("config", f"home agent chosen from RAs with H=1: {best}", home_agent=best)
        self._learn_home_agent_mac(ifname, src, ra, is_ha)
        self.movement.on_ra(ifname, src, ra)

    def _learn_home_agent_mac(self, ifname: str, src: Addr, ra: I.RouterAdvertisement, is_ha: bool) -> None:
        """White paper, returning home: the home agent's link-layer address comes from the SLLA option
        of its RA (R-flag prefix = its global address), so no address resolution from a home address
        or link-local address the home agent may still be defending."""
        ha = self.home_agent
        sll = next((o for o in ra.options if isinstance(o, I.SourceLinkLayerAddress)), None)
        if ha is None or sll is None:
            return
        r_addrs = [o.prefix for o in ra.options if isinstance(o, I.PrefixInformation) and o.R]
        if ha in r_addrs or (is_ha and not r_addrs and len(self.ha_selector.link_locals()) == 1):
            nbrs = self.node.interfaces[ifname].neighbors
            e = nbrs.get(ha)
            if e is None or e.mac != sll.mac:
                nbrs.learned(ha, sll.mac, self.now, is_router=True)

    def dad_result(self, ifname: str, addr: Addr, unique: bool) -> None:
        if addr != self._pending_coa or self.location != Location.FOREIGN:
            return
        self._pending_coa = None
        if unique:
            self.care_of_address_ready(addr)
        else:
            self.trace_event("movement", f"care-of address {addr} is a duplicate: cannot register", address=addr)

    # ================================================================= node-level reactions
    def attachment_changed(self, ifname: str, attached: bool) -> None:
        if ifname != self.config.interface:
            return
        if self.location in (Location.HOME, Location.FOREIGN):
            self.last_known = self.location
        self.location_event(LocationEvent.ATTACHED if attached else LocationEvent.DETACHED)
        self.coa, self._pending_coa = None, None
        self.ha_selector.clear()
        self.correspondents.attachment_changed()

    def attached_foreign(self, ifname: str, prefix: IPv6Network, router: Addr) -> None:
        """§11.5.2: on a foreign link; the care-of address is the SLAAC address of ``prefix``."""
        self.location_event(LocationEvent.FOREIGN_PREFIX)
        self.last_known = Location.FOREIGN
        self.current_foreign_prefix = prefix
        self._forget_other_links(ifname, keep=prefix)
        coa = address_from_prefix(prefix, interface_id_from_mac(self.node.interfaces[ifname].mac))  # SLAAC's
        e = self.node.addresses.get(ifname, coa)
        if self.home_prefix is None:
            self.trace_event("movement", "no home link configured: an ordinary host here")
            return
        if e is None:
            self.trace_event("movement", f"no address formed from {prefix} (not autonomous?): no care-of address")
            return
        if e.usable:
            self.care_of_address_ready(coa)
        else:
            self._pending_coa = coa
            self.trace_event("movement", f"care-of address {coa} tentative: waiting for DAD", address=coa)

    def care_of_address_ready(self, coa: Addr) -> None:
        self.coa = coa
        self.trace_event("movement", f"primary care-of address {coa}", care_of_address=coa)
        if self.home_agent is None:
            if self.config.discover_home_agent or self.config.method != "manual":
                self.discovery.start()
            else:
                self.trace_event("movement", "no home agent configured")
            return
        self.home_registration.register("new care-of address")

    def home_agent_found(self, ha: Addr) -> None:
        if ha != self.home_agent:
            self.home_agent = ha
            self.home_registration.reset(f"new home agent {ha}")
        self.home_registration.register("home agent discovered")

    def attached_home(self, ifname: str, router: Addr) -> None:
        """§11.5.4 / Figure 34: back on the home link: de-register with the home agent first."""
        was = self.last_known if self.location != Location.HOME else Location.HOME
        self.location_event(LocationEvent.HOME_PREFIX)
        self.last_known = Location.HOME
        self.coa, self._pending_coa = None, None
        self.current_foreign_prefix = None
        self._forget_other_links(ifname, keep=self.home_prefix)
        if (
            was == Location.HOME
            and not self.home_registration.registered
            and self.home_registration.outstanding is None
        ):
            return
        self.home_registration.deregister("returned home")

    def deregistration_acknowledged(self, had_binding: bool) -> None:
        """After the home agent's BA (Figure 34 step 5): announce our home address again."""
        ifname = self.config.interface
        hoa = self.home_address
        if had_binding and hoa is not None and ifname in self.node.interfaces:
            iface = self.node.interfaces[ifname]
            if not iface.in_group(solicited_node(hoa)):
                iface.join(solicited_node(hoa))
            e = self.node.addresses.find(hoa)
            if e is None:
                self.node.add_address(ifname, hoa, 64, dad=False, on_link=False)
            elif e.state == AddrState.TENTATIVE:
                self.node.dad.cancel(ifname, hoa)
                e.state = AddrState.PREFERRED
            self.trace_event("nd", f"unsolicited NA (O=1) to ff02::1 for home address {hoa}", address=hoa)
            self.node.send_unsolicited_na(ifname, hoa)
            ll = self.node.addresses.link_local(ifname)
            if self.home_registration.l_flag and ll is not None:
                self.trace_event("nd", f"unsolicited NA (O=1) for link-local {ll.addr} (L was set)", address=ll.addr)
                self.node.send_unsolicited_na(ifname, ll.addr)
        self.home_registration.l_flag = False
        self.correspondents.returned_home()

    def home_registration_acknowledged(self) -> None:
        self.correspondents.home_registration_acknowledged()
        self.correspondents.care_of_address_registered()

    def refresh_home_address_lifetimes(self, valid: int, preferred: int) -> None:
        hoa = self.home_address
        self.home_address_valid_until = math.inf if valid == 0xFFFFFFFF else self.now + valid
        e = self.node.addresses.find(hoa) if hoa is not None else None
        if e is not None:
            e.valid_until = self.home_address_valid_until
            e.preferred_until = math.inf if preferred == 0xFFFFFFFF else self.now + preferred
            self.node.schedule_expiry()
        self.trace_event("mpd", f"home address {hoa} lifetimes refreshed (valid {valid} s)", valid=valid)

    def change_home_address(self, prefix: IPv6Network, valid: int, preferred: int) -> None:
        """Figure 32: a new home prefix -> a new home address, registered anew everywhere."""
        old = self.home_address
        if old is None:
            return
        new = address_from_prefix(prefix, int(old) & _IID)
        ifname = self.config.interface
        self.trace_event("mpd", f"home prefix changed to {prefix}: new home address {new}", old=old, new=new)
        self.home_registration.reset("home address changed")
        if self.node.addresses.find(old) is not None:
            e = self.node.addresses.find(old)
            assert e is not None
            self.node.remove_address(e.ifname, old)
        self.home_prefix, self._home_address = prefix, new
        self.home_address_valid_until = math.inf if valid == 0xFFFFFFFF else self.now + valid
        self.node.add_address(
            ifname,
            new,
            prefix.prefixlen,
            dad=False,
            on_link=False,
            valid_lifetime=math.inf if valid == 0xFFFFFFFF else valid,
            preferred_lifetime=math.inf if preferred == 0xFFFFFFFF else preferred,
        )
        self.correspondents.home_address_changed(old, new)
        self.home_registration.register("new home address")

    def _forget_other_links(self, ifname: str, keep: IPv6Network | None) -> None:
        """Addresses autoconfigured on links we left are gone with the link (old care-of addresses)."""
        hoa = self.home_address
        for e in self.node.addresses.for_interface(ifname):
            if e.origin != Origin.SLAAC or e.addr == hoa or (keep is not None and e.addr in keep):
                continue
            self.node.remove_address(ifname, e.addr)

    # ================================================================= proxy-defended addresses
    def ha_defends(self, target: Addr) -> bool:
        """Does the home agent still defend ``target`` (our home address, or link-local with L=1)?"""
        hr = self.home_registration
        if not (hr.registered or hr.outstanding_dereg and hr.outstanding is not None):
            return False
        if target == self.home_address:
            return True
        ll = self.node.addresses.link_local(self.config.interface)
        return hr.l_flag and ll is not None and target == ll.addr

    def is_home_agent_tunnel_source(self, src: Addr) -> bool:
        """Our home agent's address, or - after the home link was renumbered (Figure 32) while we
        still register with its address on the old prefix - its address on the new home prefix
        (same interface identifier), which is where it now tunnels from."""
        ha, prefix = self.home_agent, self.home_prefix
        if ha is None or src == ha:
            return ha is not None
        return prefix is not None and ha not in prefix and src == address_from_prefix(prefix, int(ha) & _IID)

    def _from_home_agent(self, src: Addr) -> bool:
        return src == self.home_agent or src in self.ha_selector.link_locals()

    def should_answer_ns(self, ifname: str, target: Addr, src: Addr) -> bool:
        """§11.5.4: back home, the home address stays silent while the home agent defends it
        (only the home agent's own solicitations are answered)."""
        if self.location == Location.HOME and self.ha_defends(target) and not self._from_home_agent(src):
            self.trace_event(
                "nd",
                f"NS for {target} from {src} not answered: the home agent still defends it (§11.5.4)",
                target=target,
            )
            return False
        return True

    def accept_na(self, ifname: str, target: Addr, src: Addr) -> bool:
        """The home agent's proxy advertisements for our own addresses are not a conflict."""
        if self.ha_defends(target):
            self.trace_event(
                "nd",
                f"NA for our {target} from {src}: the home agent's proxy defence, ignored",
                target=target,
            )
            return False
        return True

    # ================================================================= message inputs
    def _esp_input(self, d: Delivery) -> None:
        """ESP from the home agent: BA / MPA (transport mode), HoT (tunnel mode, RFC 3776 §4.2)."""
        hoa, ha = self.home_address, self.home_agent
        esp = d.payload
        if hoa is None or ha is None or not isinstance(esp, ESP):
            self._discard(d, "ESP without a home agent security association")
            return
        try:
            sa, nh, data = self.ipsec.open(hoa, ha, esp)
        except EspError as e:
            self._discard(d, f"ESP refused: {e}")
            return
        if nh == NH_IPV6:
            # Tunnel-mode ESP from the home agent is opened by receiving step 3 (strip_tunnel); here
            # it came some other way (not from the home agent, or not to our care-of address).
            self._discard(d, "ESP tunnel mode outside the home agent's tunnel")
            return
        pkt = safe_decode_opened(d.src, d.dst, nh, data)
        if pkt is None or not upper_checksum_ok(pkt):
            self._discard(d, "ESP: protected message undecodable or bad checksum")
            return
        if not self.ipsec.inbound_ok(hoa, ha, pkt, sa.spi):
            self._discard(d, "ESP: SA does not match the policy for this message")
            return
        self.trace_event("esp", f"ESP SPI {sa.spi:#x} opened: {type(pkt.payload).__name__} from {d.src}")
        self.esp_dispatch(d, pkt.payload)

    def _esp_table(self) -> Dispatch:
        """What a transport-mode ESP packet from the home agent protects -> handler (the SPD check is done)."""
        return Dispatch(
            self.kind,
            {MobilityHeader: self._esp_mh_input, I.MobilePrefixAdvertisement: self._esp_mpa_input},
            otherwise=self._esp_not_taken,
        )

    def _esp_mh_input(self, d: Delivery, mh: MobilityHeader) -> None:
        self._mobility_message(d, mh, protected=True)

    def _esp_mpa_input(self, d: Delivery, m: I.MobilePrefixAdvertisement) -> None:
        self.prefix_discovery.on_advertisement(d.src, m)

    def _esp_not_taken(self, d: Delivery, m: Any) -> None:
        """(Nothing else has a policy: the SPD check above refuses it first.)"""

    def _discard(self, d: Delivery, why: str) -> None:
        self.trace_event("mobility", f"packet from {d.src} discarded: {why}")
        if self.node.current_run is not None:
            self.node.current_run.result = f"discarded: {why}"

    def _mh_input(self, d: Delivery) -> None:
        if isinstance(d.payload, MobilityHeader):
            self._mobility_message(d, d.payload, protected=False)

    def _needs_esp(self, d: Delivery, mh: MobilityHeader) -> bool:
        hoa, ha = self.home_address, self.home_agent
        if hoa is None or ha is None or d.src != ha:
            return False
        return self.ipsec.requires_esp(hoa, ha, IPv6(d.src, d.dst, mh))

    def _mobility_message(self, d: Delivery, mh: MobilityHeader, *, protected: bool) -> None:
        m = mh.message
        if not protected and self._needs_esp(d, mh):
            self._discard(d, f"{type(m).__name__} from the home agent without the ESP its policy requires")
            return
        self.mh_dispatch(d, m)

    # -- the Mobility Header table's handlers (one per message type, :meth:`_dispatch_tables`)
    def _ba_input(self, d: Delivery, m: BindingAcknowledgement) -> None:
        if d.src == self.home_agent:
            self.home_registration.on_ba(d.src, m)
        else:
            self.correspondents.on_ba(d.src, m)

    def _brr_input(self, d: Delivery, m: BindingRefreshRequest) -> None:
        if d.src == self.home_agent:
            self.home_registration.on_brr(d.src)
        else:
            self.correspondents.on_brr(d.src)

    def _hot_input(self, d: Delivery, m: HomeTest) -> None:
        """The one handler of a Home Test. Away from home a HoT comes through the home agent's tunnel:
        receiving step 4 (``process_home_test``) checks the tunnel's ESP and the checksum and hands it
        here marked ``tunneled``; at home (de-registration, §11.5.4 / §5.2.6) it arrives directly."""
        if d.tunneled or self.location == Location.HOME:
            self.correspondents.on_home_test(d.src, m)
        else:
            self._discard(d, "Home Test away from home: only through the home agent's tunnel (receiving step 4)")

    def _cot_input(self, d: Delivery, m: CareofTest) -> None:
        self.correspondents.on_careof_test(d.src, m)

    def _be_input(self, d: Delivery, m: BindingError) -> None:
        if m.home_address == self.home_address:
            self.correspondents.on_binding_error(d.src, m)

    def _unknown_mh_input(self, d: Delivery, m: UnknownMobilityMessage) -> None:
        # (a node that is also a correspondent answers it in its correspondent half: see _correspondent_input)
        self._send_binding_error(d.packet.src, d.dst, 2, self.home_address or d.dst, MH_BE)

    def _correspondent_input(self, d: Delivery, m: Any) -> None:
        """A message for the correspondent half (BU, HoTI, CoTI, unknown MH Type): its Mobility Header
        input (§9.2 checks, then its own table)."""
        assert self.correspondent is not None
        mh = d.payload if isinstance(d.payload, MobilityHeader) else MobilityHeader(m)
        self.correspondent.mh_input(d, mh)

    def _not_taken(self, d: Delivery, m: Any) -> None:
        self.trace_event("mobility", f"{type(m).__name__} from {d.src}: not a message a mobile node takes")

    def _dispatch_tables(self) -> tuple[Dispatch, Dispatch]:
        """The mobile node's input tables: Mobility Header message -> handler, ICMPv6 message -> handler."""
        mh = Dispatch(
            self.kind,
            {
                BindingAcknowledgement: self._ba_input,
                BindingRefreshRequest: self._brr_input,
                HomeTest: self._hot_input,
                CareofTest: self._cot_input,
                BindingError: self._be_input,
                UnknownMobilityMessage: self._unknown_mh_input,
            },
            otherwise=self._not_taken,
        )
        icmp = Dispatch(
            self.kind,
            {
                I.HomeAgentAddressDiscoveryReply: self._dhaad_reply_input,
                I.MobilePrefixAdvertisement: self._mpa_input,
                I.ParameterProblem: self._param_problem_input,
            },
        )
        return mh, icmp

    def add_correspondent_half(self, half: CorrespondentRole) -> None:
        """Own ``half`` (a correspondent role built for the same node, not attached itself): its
        messages join this role's tables, its timers this role's, and it answers sending step 3 and
        receiving step 8. Before ``attach_role``, which installs what the tables and timers name."""
        if self._attached:
            raise ValueError(f"{self.node.name}: add the correspondent half before attach_role")
        if half.node is not self.node:
            raise ValueError(f"{half!r} was built for another node, not {self.node.name}")
        self.correspondent = half
        for cls in (BindingUpdate, HomeTestInit, CareofTestInit, UnknownMobilityMessage):
            self.mh_dispatch.table[cls] = self._correspondent_input
        self.icmp_dispatch.table.update(half.icmp_dispatch.table)

    def _icmp_input(self, d: Delivery) -> None:
        self.icmp_dispatch(d, d.payload)

    def _dhaad_reply_input(self, d: Delivery, m: I.HomeAgentAddressDiscoveryReply) -> None:
        self.discovery.on_reply(d.src, m)

    def _mpa_input(self, d: Delivery, m: I.MobilePrefixAdvertisement) -> None:
        hoa, ha = self.home_address, self.home_agent
        if hoa is not None and ha is not None and self.ipsec.requires_esp(hoa, ha, IPv6(d.src, d.dst, m)):
            self._discard(d, "Mobile Prefix Advertisement without ESP")
            return
        self.prefix_discovery.on_advertisement(d.src, m)

    def _param_problem_input(self, d: Delivery, m: I.ParameterProblem) -> None:
        self.correspondents.on_parameter_problem(m)

    def _send_binding_error(self, to: Addr, src: Addr, status: int, home: Addr, key_type: int) -> None:
        if not is_unicast_routable(to) or not self.be_rate.try_send(self.now, key_type):
            return
        self.trace_event("binding", f"Binding Error {status} to {to}")
        self.send_packet(IPv6(src, to, MobilityHeader(BindingError(status, home)), hlim=self.hop_limit()))

    # ================================================================= reading
    def security_databases(self) -> list[Any]:
        """The ESP security associations this node holds (for readers and the packet inspector)."""
        return self.ipsec.databases()

    def snapshot(self) -> dict[str, Any]:
        """Plain data for ``Lab.state``/widgets."""

        def bul_row(e: BindingUpdateListEntry) -> dict[str, Any]:
            return {
                "destination": str(e.destination),
                "home_address": str(e.home_address),
                "care_of_address": str(e.care_of_address) if e.care_of_address else "",
                "home_registration": e.home_registration,
                "lifetime": e.lifetime_sent,
                "remaining": round(e.remaining(self.now), 3),
                "seq": e.max_seq_sent,
                "acknowledged": e.acknowledged,
                "no_future_updates": e.no_future_updates,
                "rr": e.rr.state.value,
            }

        return {
            "role": "mobile node",
            "config": self.config.method,
            "location": self.location,
            "home_prefix": str(self.home_prefix) if self.home_prefix else "",
            "home_address": str(self.home_address) if self.home_address else "",
            "care_of_address": str(self.care_of_address) if self.care_of_address else "",
            "home_agent": str(self.home_agent) if self.home_agent else "",
            "registered": self.home_registration.registered,
            "binding_update_list": [bul_row(e) for e in self.bul.entries()],
            **({} if self.correspondent is None else {"binding_cache": self.correspondent.snapshot()["binding_cache"]}),
        }

    # ================================================================= the algorithms' mobility steps (Figures 35, 36)
    def binding_cache_lookup(self, dst: Addr) -> Any:
        """Step 3: a mobile node keeps no binding cache; its correspondent half (if any) does."""
        return None if self.correspondent is None else self.correspondent.binding_cache_lookup(dst)

    def is_mobile_node(self) -> bool:
        return self._home_address is not None or self.home_address is not None

    def bul_lookup(self, dst: Addr) -> Any:
        return self.correspondents.usable_binding(dst)

    def is_mipv6_capable(self, addr: Addr) -> bool | None:
        return self.correspondents.capable(addr)

    def registration_initiated(self, addr: Addr) -> bool:
        return self.correspondents.initiated(addr)

    def initiate_registration(self, addr: Addr) -> None:
        self.correspondents.schedule_start(addr)

    def tunnel_to_home_agent(self, packet: IPv6) -> IPv6 | None:
        """Step 12 / Figure 16: outer header care-of address -> home agent (ESP for a HoTI)."""
        coa, ha, hoa = self.care_of_address, self.home_agent, self.home_address
        if coa is None or ha is None or hoa is None:
            return None
        return IPv6(coa, ha, self.ipsec.tunnel_payload(hoa, ha, packet), hlim=self.hop_limit())

    def intercept(self, packet: IPv6, ifname: str) -> bool:
        return False

    def process_type2_routing(self, packet: IPv6, rh: RoutingType2) -> Addr | None:
        """§6.4/§11.3.3: exactly one address, Segments Left 1, our home address, sent to one of our
        (care-of) addresses, scope not smaller -- else discard (never forwarded)."""
        why = ""
        if rh.segments_left != 1:
            why = f"Segments Left {rh.segments_left} (must be 1)"
        elif rh.home_address != self.home_address:
            why = f"{rh.home_address} is not our home address"
        elif not self.node.addresses.is_assigned(packet.dst):
            why = f"destination {packet.dst} is not one of our addresses"
        elif rh.home_address.is_link_local and not packet.dst.is_link_local:
            why = "home address scope smaller than the care-of address scope"
        if why:
            self.trace_event("mobility", f"Type 2 Routing header from {packet.src} rejected: {why}")
            return None
        return rh.home_address

    def tunneled_from_home_agent(self, packet: IPv6) -> bool:
        """IPv6-in-IPv6 from the home agent, or ESP from it under a tunnel-mode SA (the HoT, RFC
        3776 §4.2): the SA's mode is known from the SPI without opening anything."""
        hoa, ha = self.home_address, self.home_agent
        if ha is None or hoa is None or not self.is_home_agent_tunnel_source(packet.src):
            return False
        if not self.node.addresses.is_assigned(packet.dst):
            return False
        p = packet.payload
        if isinstance(p, ESP):
            sa = self.ipsec.database(hoa, ha).sa_for_spi(p.spi)
            return sa is not None and sa.mode == "tunnel"
        return isinstance(p, IPv6)

    def strip_tunnel(self, packet: IPv6) -> IPv6 | None:
        hoa, ha = self.home_address, self.home_agent
        self.tunnel_spi = None
        inner = packet.payload
        if isinstance(inner, ESP):
            if hoa is None or ha is None:
                return None
            try:
                sa, nh, data = self.ipsec.open(hoa, ha, inner)
            except EspError as e:
                self.trace_event("esp", f"ESP tunnel from {packet.src} refused: {e}")
                return None
            opened = safe_decode_opened(packet.src, packet.dst, nh, data) if nh == NH_IPV6 else None
            if opened is None or not upper_checksum_ok(opened):
                self.trace_event("esp", "ESP tunnel: inner packet undecodable or with a bad checksum: discarded")
                return None
            if not self.ipsec.inbound_ok(hoa, ha, opened, sa.spi, tunnel=True):
                self.trace_event("esp", f"ESP tunnel SPI {sa.spi:#x} does not match the policy: discarded")
                return None
            self.trace_event("esp", f"ESP tunnel SPI {sa.spi:#x} opened: inner {opened.src} -> {opened.dst}")
            self.tunnel_spi = sa.spi
            inner = opened
        if not isinstance(inner, IPv6) or inner.dst != hoa:
            self.trace_event("mobility", "tunnelled packet not for our home address: discarded")
            return None
        return inner

    def process_home_test(self, inner: IPv6) -> bool:
        p = inner.payload
        if not (isinstance(p, MobilityHeader) and isinstance(p.message, HomeTest)):
            return False
        hoa, ha = self.home_address, self.home_agent
        spi = self.tunnel_spi
        if hoa is not None and ha is not None and not self.ipsec.inbound_ok(hoa, ha, inner, spi, tunnel=True):
            self.trace_event("rr", f"HoT from {inner.src} tunnelled without the ESP its policy requires: discarded")
            return True
        if not upper_checksum_ok(inner):
            self.trace_event("rr", f"HoT from {inner.src} with a bad checksum: discarded")
            return True
        # the tunnel is checked: the Mobility Header table's HoT handler takes it (one door per message)
        self.mh_dispatch(Delivery(inner.src, inner.dst, p, inner, "", tunneled=True), p.message)
        return True

    def process_home_address_option(self, packet: IPv6, hao: HomeAddressOption) -> Addr | None:
        """A mobile node keeps no binding cache: a Home Address option is answered with Binding Error
        status 1 (§9.3.1) and the packet dropped; never for a Binding Update (not ours to take). A
        mobile node that is also a correspondent asks its correspondent half (its binding cache)."""
        if self.correspondent is not None:
            return self.correspondent.process_home_address_option(packet, hao)
        p = packet.payload
        if isinstance(p, MobilityHeader) and isinstance(p.message, BindingUpdate):
            return None
        self._send_binding_error(packet.src, packet.dst, 1, hao.home_address, 1)
        return None

    def on_link_change(self, ifname: str, attached: bool) -> None:
        self.movement.on_link_change(ifname, attached)


def add_correspondent_role(mn: MobileNodeRole, **options: Any) -> CorrespondentRole:
    """Give the mobile node role ``mn`` the correspondent node's functions too (white paper notes
    under Figures 18, 19, 22, 23: "if the correspondent node is also a mobile node that is away from
    home"): a :class:`~mip6lab.mobility.correspondent.CorrespondentRole` for the same node becomes its
    correspondent half (:meth:`MobileNodeRole.add_correspondent_half`; call before ``attach_role``).

    The half (return routability responder, Binding Cache, correspondent registration, maintenance)
    answers sending step 3 and receiving step 8; everything else is the mobile node's. A packet to a
    peer with a binding then gets both forms: step 4 puts the peer's care-of address and a Type 2
    Routing header, step 9 our care-of address and a Destination Options header with the Home Address
    option *after* it. Its own Mobility Header messages (HoT, CoT, BA, BRR) are sent from the home
    address and so go through the reverse tunnel (RFC 6275 §6.1: they bypass the Binding Update List)."""
    from mip6lab.mobility.correspondent import CorrespondentRole

    half = CorrespondentRole(mn.node, **options)
    mn.add_correspondent_half(half)
    return half
