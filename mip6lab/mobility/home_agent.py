"""The home agent role (RFC 6275 §10; white paper "Home agent", Figures 14-17, 20-21, 24-28, 31-34).

A home agent is a router on the home link (in Figure 1 it is *the* home link's router) that is also
a correspondent node (§10 builds on §9), plus:

====================================  ===========================================================
unit (a workbook chapter each)        what it does
====================================  ===========================================================
:mod:`.ha_registration`               home registration / de-registration, DAD before the first
                                      BA, every BA status, Binding Refresh Advice
:mod:`.ha_proxy`                      proxy ND for registered home addresses (two variants)
:mod:`.ha_tunnel`                     interception + IPv6-in-IPv6 tunnel to the care-of address
                                      (also the home agent's own BRR, §6.1), reverse tunnel with
                                      the care-of address check
:mod:`.ha_discovery`                  home agents list from RAs (H flag), DHAAD, Mobile Prefix
                                      Discovery and unsolicited advertisements
:mod:`.ha_ipsec`                      the SAD/SPD for the mobile nodes it serves (manual keying)
:mod:`.cn_maintenance`                Binding Refresh Requests before expiry, expiry
====================================  ===========================================================

The home link's Router Advertisements carry the H flag, a Prefix Information option with the R flag
holding the home agent's full address (§7.2), the Advertisement Interval option and the Home Agent
Information option (preference, lifetime); the home agent also receives on the Home-Agents anycast
address of each home prefix (RFC 2526).

:class:`HomeAgentRole` is attached to a plain :class:`~mip6lab.ipv6.node.Router` with
``router.attach_role(HomeAgentRole(router, ...))`` (:mod:`mip6lab.ipv6.role`). Its input goes through
one dispatch table per door (:mod:`.dispatch`): Mobility Header (the correspondent's table, whose
Binding Update handler also takes home registrations), ICMPv6 (DHAAD Request, Mobile Prefix
Solicitation, Destination Unreachable), ESP (by what the opened payload is: a tunnelled packet, a
Mobility Header, a Mobile Prefix Solicitation) and IPv6-in-IPv6 (the reverse tunnel). Its units
(registrar, tunnel, proxy ND, discovery, prefixes) see it through a
:class:`~mip6lab.mobility.ports.UnitPort` reading only the names in their ``NEEDS``.

In a Lab the role "home-agent" is built by :func:`mip6lab.roles.make_home_agent`; its configuration
step (:func:`mip6lab.roles.configure_home_agent`) finds the home link(s) - the Ethernet links where it
has a manual address and a mobile node is attached - and installs ESP SAs for those mobile nodes (Lab
``esp=`` mode; see :mod:`.ha_ipsec` for how the home addresses are known). ``spec.options`` may set
``proxy_nd``, ``is_home_agent``, ``ha_preference``, ``ha_lifetime``, ``max_bindings``,
``max_lifetime``, ``brr_before_expiry``, ``refresh_advice_fraction``. This module never imports the
Lab, the topology or the scenarios.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from ipaddress import IPv6Network
from typing import Any

from mip6lab.ipv6.addresses import address_from_prefix
from mip6lab.ipv6.node import Router
from mip6lab.ipv6.router_adv import prefix_option
from mip6lab.ipv6.router_discovery import prefix_network
from mip6lab.ipv6.upper import Delivery
from mip6lab.mobility.binding_cache import BindingCacheEntry
from mip6lab.mobility.correspondent import CorrespondentRole
from mip6lab.mobility.dispatch import Dispatch
from mip6lab.mobility.ha_discovery import HomeAgentDiscovery, MobilePrefixAgent
from mip6lab.mobility.ha_ipsec import HomeAgentIPsec
from mip6lab.mobility.ha_proxy import UNSOLICITED_NA, ProxyND
from mip6lab.mobility.ha_registration import HomeRegistrar
from mip6lab.mobility.ha_tunnel import HomeTunnel, inner_selector
from mip6lab.mobility.ipsec import EspError, EspMode
from mip6lab.mobility.ports import unit_port
from mip6lab.mobility.registration import HomePrefix, link_local_for
from mip6lab.wire import icmp as I
from mip6lab.wire.addr import intern
from mip6lab.wire.codec import DecodeError, decode_ipv6, encode_ipv6, ha_anycast, upper_checksum_ok
from mip6lab.wire.ip import ESP, NH_ESP, NH_IPV6, Addr, HomeAddressOption, IPv6, RawPayload, RoutingType2
from mip6lab.wire.mh import BindingRefreshRequest, BindingUpdate, MobilityHeader, MobilityMessage

__all__ = [
    "HomeAgentRole",
    "HomeLink",
    "HomePrefixState",
]


@dataclass
class HomePrefixState:
    """One prefix of a home link's Prefix List, with absolute end times (simulated seconds)."""

    network: IPv6Network
    valid_until: float = math.inf
    preferred_until: float = math.inf


@dataclass
class HomeLink:
    """A link on which this node is a home agent."""

    ifname: str
    address: Addr  # the home agent's global address on the current prefix
    prefixes: list[HomePrefixState] = field(default_factory=list)  # current prefix first
    preference: int = 0
    lifetime: int | None = None  # Home Agent Lifetime (None: the router lifetime)
    ra_timing: dict[str, float] = field(default_factory=dict)
    anycast: list[Addr] = field(default_factory=list)

    @property
    def current(self) -> HomePrefixState:
        return self.prefixes[0]


class HomeAgentRole(CorrespondentRole):
    """The home agent role (composition of the units in the module table), attached to a plain
    :class:`~mip6lab.ipv6.node.Router`. It remembers each interface's last frame source MAC (for the
    BA of a de-registration from the home link), answers too-short Mobility Headers with Parameter
    Problem, and receives on its Home-Agents anycast addresses."""

    kind = "home-agent"

    def __init__(
        self,
        node: Router,
        *,
        esp: EspMode = EspMode.OFF,
        proxy_nd: str = UNSOLICITED_NA,
        is_home_agent: bool = True,
        ha_preference: int = 0,
        ha_lifetime: int | None = None,
        max_bindings: int | None = None,
        max_lifetime: float | None = None,
        brr_before_expiry: float | None = 60.0,
        refresh_advice_fraction: float | None = 0.5,
        parts: Mapping[str, Any] | None = None,
    ) -> None:
        # seams (mip6lab.seams): binding_cache, home_agents_list, bu_checks, sequence_compare; the home
        # agent's correspondent half shares its Binding Cache and keeps the library's other parts
        parts = parts or {}
        cache_part = {"binding_cache": parts["binding_cache"]} if "binding_cache" in parts else {}
        super().__init__(node, max_bindings=max_bindings, brr_before_expiry=brr_before_expiry, parts=cache_part)
        self.router = node
        self._frame_sources: dict[str, bytes] = {}  # interface -> source MAC octets of the last frame on it
        self.home_links: dict[str, HomeLink] = {}
        self.ha_preference = ha_preference
        self.ha_lifetime = ha_lifetime
        self.ipsec = HomeAgentIPsec(esp, random.Random(node.rng.getrandbits(64)), name=f"HA {node.name}")
        # each unit sees only the names its NEEDS declare, of this role and its router (mobility/ports.py)
        self.proxy = ProxyND(unit_port(self, ProxyND), proxy_nd)
        self.tunnel = HomeTunnel(unit_port(self, HomeTunnel))
        self.registrar = HomeRegistrar(
            unit_port(self, HomeRegistrar),
            is_home_agent=is_home_agent,
            max_lifetime=max_lifetime,
            refresh_advice_fraction=refresh_advice_fraction,
            checks=parts.get("bu_checks"),
            greater=parts.get("sequence_compare"),
        )
        self.discovery = HomeAgentDiscovery(
            unit_port(self, HomeAgentDiscovery),
            parts["home_agents_list"]() if "home_agents_list" in parts else None,
        )
        self.prefixes = MobilePrefixAgent(unit_port(self, MobilePrefixAgent))
        self.esp_dispatch = self._esp_table()
        self.tunnel_dispatch = self._tunnel_table()

    # ================================================================ the role's shape (mip6lab.ipv6.role)
    def doors(self) -> dict[int, Callable[[Delivery], None]]:
        """Mobility Header and ICMPv6 (the correspondent's doors, larger tables), ESP, IPv6-in-IPv6."""
        return {**super().doors(), NH_IPV6: self._tunnel_delivery, NH_ESP: self._esp_delivery}

    def router_advertisement(self, ifname: str, src: Addr, ra: I.RouterAdvertisement) -> None:
        """Other home agents' RAs on a home link fill the home agents list (§10.5.1)."""
        self.discovery.router_advertisement(ifname, src, ra)

    def frame_received(self, ifname: str, frame: bytes) -> None:
        if len(frame) >= 12:
            self._frame_sources[ifname] = frame[6:12]  # every frame: the text only when asked

    @property
    def last_frame_source(self) -> dict[str, str]:
        """Interface -> source MAC (text) of the last frame received on it."""
        return {ifname: mac.hex(":") for ifname, mac in self._frame_sources.items()}

    def is_local_destination(self, dst: Addr) -> bool:
        """The Home-Agents anycast address of each home prefix (RFC 2526) is ours to receive on."""
        return self.is_anycast(dst)

    def security_databases(self) -> list[Any]:
        """The ESP security associations this home agent holds, for all the mobile nodes it serves."""
        return [self.ipsec.db] if self.ipsec.enabled else []

    # ================================================================ home link configuration
    def configure_home_link(
        self,
        ifname: str,
        prefix: IPv6Network | str,
        address: Addr | str | None = None,
        *,
        ra_timing: dict[str, float] | None = None,
        preference: int | None = None,
        lifetime: int | None = None,
    ) -> HomeLink:
        """Act as home agent on ``ifname`` for ``prefix``: address (added if missing), RA with the H
        flag, R-flag Prefix Information, Advertisement Interval and Home Agent Information options,
        the Home-Agents anycast address, our own home agents list entry."""
        node = self.router
        net = IPv6Network(prefix) if isinstance(prefix, str) else prefix
        net = prefix_network(net.network_address, net.prefixlen)  # every home BU tests its home address in it
        addr = intern(Addr(address) if address is not None else net[1])  # compared with packets' addresses
        if node.addresses.get(ifname, addr) is None:
            node.add_address(ifname, addr, net.prefixlen, dad=False)
        link = HomeLink(
            ifname,
            addr,
            [HomePrefixState(net)],
            self.ha_preference if preference is None else preference,
            self.ha_lifetime if lifetime is None else lifetime,
            dict(ra_timing or {}),
            [intern(ha_anycast(net))],
        )
        self.home_links[ifname] = link
        self._configure_ra(link)
        self.refresh_own_entry(link)
        node.trace_event("ha", f"home agent on {ifname} for {net} ({addr}), anycast {link.anycast[0]}")
        return link

    def _configure_ra(self, link: HomeLink) -> None:
        now = self.node.now
        pios = []
        for i, p in enumerate(link.prefixes):
            valid = _lifetime(p.valid_until, now)
            preferred = min(_lifetime(p.preferred_until, now), valid)
            if i == 0:  # §7.2: R flag, the Prefix field holds our full address
                pios.append(I.PrefixInformation(link.address, p.network.prefixlen, True, True, True, valid, preferred))
            else:
                pios.append(prefix_option(p.network, valid=valid, preferred=preferred))
        self.router.configure_ra(
            link.ifname,
            pios,
            H=True,
            ha_preference=link.preference,
            ha_lifetime=link.lifetime,
            **link.ra_timing,
        )

    def refresh_own_entry(self, link: HomeLink) -> None:
        """Our own entry in the home agents list (we never hear our own RAs)."""
        ll = self.router.addresses.link_local(link.ifname)
        cfg = self.router.ra_configs.get(link.ifname)
        if ll is None or cfg is None:
            return
        life = link.lifetime if link.lifetime is not None else (cfg.router_lifetime or 0)
        e = self.discovery.ha_list.lookup(ll.addr)
        if e is not None and e.global_addresses[:1] != [link.address]:
            self.discovery.ha_list.remove(ll.addr)
        self.discovery.ha_list.update_from_ra(self.node.now, ll.addr, [link.address], life or 1, link.preference)

    # ================================================================ prefix queries
    def _live_prefixes(self) -> list[tuple[HomeLink, HomePrefixState]]:
        now = self.node.now
        out = []
        for link in self.home_links.values():
            keep = [p for p in link.prefixes if p.valid_until > now]
            if len(keep) != len(link.prefixes):
                link.prefixes[:] = keep
            out.extend((link, p) for p in keep)
        return out

    def link_of(self, hoa: Addr) -> HomeLink | None:
        return next((lk for lk, p in self._live_prefixes() if hoa in p.network), None)

    def serves(self, hoa: Addr) -> bool:
        """Is ``hoa`` on one of our home links' prefixes (a home address we could serve)?"""
        return self.link_of(hoa) is not None

    def home_prefixes(self) -> list[HomePrefix]:
        now = self.node.now
        return [
            HomePrefix(p.network, None if math.isinf(p.valid_until) else p.valid_until - now)
            for _, p in self._live_prefixes()
        ]

    def home_ifname_for(self, hoa: Addr) -> str:
        link = self.link_of(hoa)
        return link.ifname if link is not None else next(iter(self.home_links))

    def ha_address_for(self, hoa: Addr) -> Addr:
        """Our address on the home address's prefix (the old one after renumbering), else the current."""
        link = self.link_of(hoa) or next(iter(self.home_links.values()))
        for e in self.router.addresses.for_interface(link.ifname):
            if not e.addr.is_link_local and e.addr in prefix_network(hoa, e.prefix_len):
                return e.addr
        return link.address

    # ================================================================ security associations
    def ensure_sas(self, hoa: Addr) -> bool:
        """SAs for a home address named by a packet not yet verified (its BU, its MPS, ESP with an
        unknown SPI): only for a home address on our home prefixes that has none yet, keyed with our
        own address for it (:meth:`ha_address_for`), never the packet's destination. Nothing that
        exists is replaced (:meth:`~mip6lab.mobility.ha_ipsec.HomeAgentIPsec.ensure`)."""
        # RFC 6275 §5.1, §10.3.1, RFC 4301 §4.4: only configuration creates SAs. A packet naming a new home
        # address proves nothing, and installing for each one let a flood grow the SAD and SPD without bound.
        if self.ipsec.enabled and self.serves(hoa) and hoa not in self.ipsec.served:
            self.node.trace_event("esp", f"no SAs configured for home address {hoa}: none created", home_address=hoa)
        return False

    def home_signalling_ok(self, hoa: Addr, dst: Addr, protocol: int, msg_type: int, via_spi: int | None) -> bool:
        """§10.3.1 / §10.6: a BU or MPS for ``hoa`` arrived as the SPD requires. With IPsec on, a home
        address on our prefixes that has no SAs (its SPIs taken by another) cannot be verified: refused."""
        if self.ipsec.enabled and self.serves(hoa) and hoa not in self.ipsec.served:
            return False
        if self.ipsec.enabled and via_spi is None and hoa not in self.ipsec.served:
            return False  # policy requires ESP for home registration: no BA (132...) to a spoofable source
        return self.ipsec.home_inbound_ok(hoa, dst, protocol, msg_type, via_spi)

    def prefix_discovery_needed(self, hoa: Addr) -> bool:
        """BA status 1 (§10.3.1): the home address is on a prefix that is being retired."""
        link = self.link_of(hoa)
        return link is not None and hoa not in link.current.network

    def prefix_options(self, hoa: Addr) -> list[I.PrefixInformation]:
        link = self.link_of(hoa) or next(iter(self.home_links.values()))
        now = self.node.now
        return [
            prefix_option(
                p.network,
                valid=_lifetime(p.valid_until, now),
                preferred=min(_lifetime(p.preferred_until, now), _lifetime(p.valid_until, now)),
            )
            for p in link.prefixes
        ]

    def link_for_anycast(self, addr: Addr) -> HomeLink | None:
        return next((lk for lk in self.home_links.values() if addr in lk.anycast), None)

    def is_anycast(self, addr: Addr) -> bool:
        return self.link_for_anycast(addr) is not None

    # ================================================================ bindings
    def binding_for_intercept(self, dst: Addr) -> BindingCacheEntry | None:
        """The home registration that ``dst`` (a home address, or its link-local twin with L=1) belongs to."""
        now = self.node.now
        b = self.cache.lookup_valid(now, dst)
        if b is not None:
            return b if b.home_registration else None
        if dst.is_link_local:
            for e in self.cache.entries():
                if e.home_registration and e.link_local_compat and link_local_for(e.home_address) == dst:
                    return None if e.expired(now) else e
        return None

    def binding_removed(self, e: BindingCacheEntry, why: str) -> None:
        """A home registration ended (de-registration, expiry): stop defending and advertising."""
        if not e.home_registration:
            return
        ifname = self.home_ifname_for(e.home_address)
        self.proxy.stop(ifname, self.registrar.defended_addresses(e.home_address, e.link_local_compat))
        self.prefixes.stop(e.home_address, why)

    def on_binding_removed(self, e: BindingCacheEntry, why: str) -> None:
        self.binding_removed(e, why)
        super().on_binding_removed(e, why)

    def send_binding_refresh_request(self, e: BindingCacheEntry) -> bool:
        """A BRR for a home registration goes to the home address through the tunnel, not with a Type 2
        Routing header. RFC 6275 §6.1: "Mobility Header messages MUST NOT be sent with a type 2 routing
        header, except as described in Section 9.5.4 for Binding Acknowledgement", and Binding Cache
        information "MUST NOT be used in sending Mobility Header messages". A packet to the home address
        reaches the home agent itself, which intercepts packets for a registered home address and
        tunnels them to the care-of address (§10.4.1-§10.4.2), so that is the path it takes here;
        tunnel-mode ESP if the SPD has a policy for it (RFC 6275 §5.1 and RFC 4877 list none for BRR).
        (The white paper's Figure 21 draws it with a Type 2 Routing header; mip6lab follows the RFC.)"""
        if not e.home_registration:
            return super().send_binding_refresh_request(e)
        src = self.ha_address_for(e.home_address)
        inner = IPv6(src, e.home_address, MobilityHeader(BindingRefreshRequest()), hlim=self.hop_limit())
        return self.tunnel.encapsulate(
            e, inner, f"BRR to {e.home_address}: no Type 2 Routing header for a Mobility Header other than a BA (§6.1)"
        )

    def send_to_mobile_node(
        self, src: Addr, hoa: Addr, dst: Addr, message: MobilityMessage | I.ICMPv6Message, rh_home: Addr | None
    ) -> bool:
        """A signalling packet to a mobile node (BA, MPA): to ``dst`` with a Type 2 Routing
        header carrying ``rh_home`` (unless it is the destination), ESP per the SPD."""
        payload: Any = message if isinstance(message, I.MobilePrefixAdvertisement) else MobilityHeader(message)
        proto, mtype = inner_selector(IPv6(src, hoa, payload))
        protected = self.ipsec.protect_transport(src, hoa, payload, mtype) if self.ipsec.enabled else payload
        del proto
        ext = (RoutingType2(rh_home),) if rh_home is not None and rh_home != dst else ()
        return self.node.send_packet(IPv6(src, dst, protected, ext, hlim=self.hop_limit()))  # type: ignore[arg-type]

    # ================================================================ the correspondent role, refined
    def binding_update(self, d: Delivery, bu: BindingUpdate, via_spi: int | None) -> None:
        if bu.H:
            self.registrar.home_binding_update(d, bu, via_spi)
        else:
            super().binding_update(d, bu, via_spi)

    def home_address_option_exempt(self, packet: IPv6, hoa: Addr) -> bool:
        """A packet under IPsec for a home address we could serve needs no binding (§10.3.1: the BU
        itself, or an MPS, arrives inside ESP and cannot be recognised before decryption)."""
        return isinstance(packet.payload, ESP) and self.serves(hoa)

    def intercept(self, packet: IPv6, ifname: str) -> bool:
        return self.tunnel.intercept(packet, ifname)

    # ================================================================ deliveries
    def reenter(self, inner: IPv6, ifname: str) -> None:
        """A reverse-tunnelled packet, decapsulated, goes through this node's receiving algorithm again
        (normally forwarded to the correspondent): the tunnel's one way back into the node."""
        node = self.node
        node.receive_algorithm(node, inner, ifname, link_multicast=False, depth=1)

    def _tunnel_delivery(self, d: Delivery) -> None:
        """The IPv6-in-IPv6 door: its table has one entry (an inner IPv6 packet: the reverse tunnel)."""
        self.tunnel_dispatch(d, d.payload, None)

    def _tunnel_table(self) -> Dispatch:
        """IPv6-in-IPv6 (and tunnel-mode ESP, opened) -> the reverse tunnel's checks (§10.4.5)."""
        return Dispatch(self.kind, {IPv6: self._reverse_tunnel_input})

    def _reverse_tunnel_input(self, d: Delivery, inner: IPv6, via_spi: int | None) -> None:
        self.tunnel.decapsulate(d, inner, via_spi=via_spi)

    def _esp_table(self) -> Dispatch:
        """What an opened ESP packet carries -> handler; anything else has no policy here."""
        return Dispatch(
            self.kind,
            {
                IPv6: self._esp_tunnel_input,
                MobilityHeader: self._esp_mh_input,
                I.MobilePrefixSolicitation: self._esp_mps_input,
            },
            otherwise=self._esp_no_policy,
        )

    def _esp_tunnel_input(self, d: Delivery, inner: IPv6, sa: Any, logical: IPv6 | None) -> None:
        self.tunnel_dispatch(d, inner, sa.spi)

    def _esp_mh_input(self, d: Delivery, mh: MobilityHeader, sa: Any, logical: IPv6) -> None:
        """A protected Mobility Header: the SPD check (a home BU's is the registrar's, §10.3.1), then the
        Mobility Header table."""
        if not (isinstance(mh.message, BindingUpdate) and mh.message.H):
            proto, mtype = inner_selector(logical)
            if not self.ipsec.inbound_ok(d.src, d.dst, proto, mtype, sa.spi):
                self.node.trace_event("esp", f"{mtype} from {d.src} under SA {sa.spi:#x}: not what the SPD says")
                return
        self.mh_input(d, mh, via_spi=sa.spi)

    def _esp_mps_input(self, d: Delivery, mps: I.MobilePrefixSolicitation, sa: Any, logical: IPv6) -> None:
        self.prefixes.solicitation(d, mps, sa.spi)

    def _esp_no_policy(self, d: Delivery, payload: Any, sa: Any, logical: IPv6 | None) -> None:
        self.node.trace_event("esp", f"ESP from {d.src} carried {type(payload).__name__}: no policy, discarded")

    def _esp_delivery(self, d: Delivery) -> None:
        """The ESP door: open it (installing a mobile node's SAs on first sight), decode what it
        protects, and ask the ESP table."""
        node = self.node
        esp = d.payload
        assert isinstance(esp, ESP)
        if self.ipsec.sa_for_spi(esp.spi) is None:
            self._learn_sas_for(d)
        try:
            sa, nh, plain = self.ipsec.db.open(esp)
        except EspError as e:
            node.trace_event("esp", f"ESP from {d.packet.src} refused: {e}", reason=e.reason)
            return
        if nh == NH_IPV6:
            try:
                inner = decode_ipv6(plain)
            except DecodeError as e:
                node.trace_event("esp", f"ESP tunnel from {d.packet.src}: inner packet undecodable: {e}")
                return
            self.esp_dispatch(d, inner, sa, None)
            return
        try:
            logical = decode_ipv6(encode_ipv6(IPv6(d.src, d.dst, RawPayload(nh, plain))))
        except DecodeError as e:
            node.trace_event("esp", f"ESP from {d.packet.src}: payload undecodable: {e}")
            return
        if not upper_checksum_ok(logical):
            node.trace_event("esp", f"ESP from {d.packet.src}: upper-layer checksum wrong, discarded")
            return
        inner_d = Delivery(d.src, d.dst, logical.payload, d.packet, d.ifname, d.tunneled, d.outer)
        self.esp_dispatch(inner_d, logical.payload, sa, logical)

    def _learn_sas_for(self, d: Delivery) -> None:
        """ESP with an SPI we do not know: SAs for the home address it names, if it has none yet
        (:meth:`ensure_sas`; the packet is not verified, so nothing existing changes)."""
        hao: HomeAddressOption | None = d.packet.home_address_option
        if hao is not None and self.serves(hao.home_address):
            self.ensure_sas(hao.home_address)
            return
        for e in self.cache.entries():  # tunnel mode: the outer source is a registered care-of address
            if e.home_registration and e.care_of_address == d.packet.src:
                self.ensure_sas(e.home_address)

    def _icmp_table(self) -> Dispatch:
        """The correspondent's ICMPv6 table plus DHAAD Request (§10.5.1) and Mobile Prefix Solicitation
        (§10.6.1; an unprotected one is refused by the SPD check in the unit)."""
        table = super()._icmp_table()
        table.table[I.HomeAgentAddressDiscoveryRequest] = self._dhaad_request_input
        table.table[I.MobilePrefixSolicitation] = self._mps_input
        return table

    def _dhaad_request_input(self, d: Delivery, m: I.HomeAgentAddressDiscoveryRequest) -> None:
        self.discovery.request(d, m)

    def _mps_input(self, d: Delivery, m: I.MobilePrefixSolicitation) -> None:
        self.prefixes.solicitation(d, m, None)

    # ================================================================ renumbering (Figure 32)
    def change_home_prefix(
        self,
        new_prefix: IPv6Network | str,
        *,
        ifname: str | None = None,
        old_valid_lifetime: float = 600.0,
    ) -> Addr:
        """Renumber a home link: the new prefix becomes the current one (our address on it keeps the
        interface identifier), the old one is advertised deprecated (preferred lifetime 0) for
        ``old_valid_lifetime`` seconds, the RA changes at once, and every mobile node registered
        with an old-prefix home address gets unsolicited Mobile Prefix Advertisements (§10.6.2).
        Routers elsewhere must learn to route the new prefix to us: see :func:`mip6lab.roles.renumber_home_link`."""
        node = self.router
        link = self.home_links[ifname] if ifname is not None else next(iter(self.home_links.values()))
        net = IPv6Network(new_prefix) if isinstance(new_prefix, str) else new_prefix
        net = prefix_network(net.network_address, net.prefixlen)
        old = link.current
        now = node.now
        iid = int(link.address) & ((1 << (128 - old.network.prefixlen)) - 1)
        new_addr = address_from_prefix(net, iid)
        if node.addresses.get(link.ifname, new_addr) is None:
            node.add_address(link.ifname, new_addr, net.prefixlen, dad=False)
        old.valid_until = min(old.valid_until, now + old_valid_lifetime)
        old.preferred_until = now
        link.prefixes.insert(0, HomePrefixState(net))
        link.address = new_addr
        link.anycast.append(intern(ha_anycast(net)))
        self._configure_ra(link)
        self.refresh_own_entry(link)
        node.trace_event("ha", f"home prefix of {link.ifname} changed: {old.network} -> {net}; HA address {new_addr}")
        self._renumber_sas(old.network, net)
        affected = [
            e.home_address for e in self.cache.entries() if e.home_registration and e.home_address in old.network
        ]
        self.prefixes.prefix_changed(affected)
        return new_addr

    def _renumber_sas(self, old: IPv6Network, new: IPv6Network) -> None:
        """Our own (trusted) renumbering: each served home address on the old prefix gets SAs for its
        twin on the new prefix (same interface identifier, which is what the mobile node forms from the
        Mobile Prefix Advertisement), keyed with the same home agent address as the old pair - the
        address the mobile node keeps talking to."""
        iid_mask = (1 << (128 - old.prefixlen)) - 1
        for hoa, ha_addr in list(self.ipsec.served.items()):
            if hoa not in old:
                continue
            twin = address_from_prefix(new, int(hoa) & iid_mask)
            if self.ipsec.install(twin, ha_addr):
                self.node.trace_event(
                    "esp", f"SAs installed for renumbered home address {twin} (was {hoa})", home_address=twin
                )

    # ================================================================ display
    def snapshot(self) -> dict[str, Any]:
        snap = super().snapshot()
        snap["home_links"] = [
            {
                "interface": lk.ifname,
                "address": str(lk.address),
                "prefixes": [str(p.network) for p in lk.prefixes],
                "anycast": [str(a) for a in lk.anycast],
            }
            for lk in self.home_links.values()
        ]
        snap["home_agents_list"] = [
            {
                "link_local": str(e.link_local_address),
                "addresses": [str(a) for a in e.global_addresses],
                "preference": e.preference,
                "remaining": round(e.remaining(self.node.now), 3),
            }
            for e in self.discovery.current_list().ordered()
        ]
        snap["proxy_nd"] = [str(a) for (_, a) in self.router.proxies]
        snap["pending_dad"] = [str(h) for h in self.registrar.pending]
        return snap


def _lifetime(until: float, now: float) -> int:
    if math.isinf(until):
        return 0xFFFFFFFF
    return max(int(until - now), 0)
