"""IPv6 hosts and routers as sans-IO nodes (RFC 8200, 4861, 4862, 4443).

:class:`IPv6Node` is a host: interfaces with link-local addresses, Duplicate Address Detection,
router discovery and SLAAC, the neighbor cache with NUD, a routing table and destination cache,
ICMPv6 errors and echo, and the two algorithms of the white paper - every packet it originates
runs :func:`mip6lab.ipv6.sending.send` (Figure 35), every packet it receives runs
:func:`mip6lab.ipv6.receiving.receive` (Figure 36). Both are attributes (``send_algorithm``,
``receive_algorithm``) so a reader can plug in their own.

:class:`Router` adds forwarding between interfaces (hop limit, Time Exceeded, Destination
Unreachable) and Router Advertisements (:mod:`mip6lab.ipv6.router_adv`).

A Mobile IPv6 role (mobile node, home agent, correspondent node) is an object attached to a plain
node by :meth:`IPv6Node.attach_role` (:mod:`mip6lab.ipv6.role`); it answers the algorithms' mobility
steps as ``node.mobility`` (:mod:`mip6lab.ipv6.mobility_hooks`) and the node's policy questions as
``node.role``. Upper layers plug in through ``register_upper`` / ``send_upper`` (:mod:`mip6lab.ipv6.upper`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from dataclasses import fields, replace
from ipaddress import IPv6Network
from random import Random
from typing import Any

from mip6lab.ipv6 import constants as C
from mip6lab.ipv6 import mld, receiving, router_discovery, sending
from mip6lab.ipv6.addresses import (
    ALL_NODES,
    ALL_ROUTERS,
    CONFIG_EPOCH,
    UNSPECIFIED,
    AddressEntry,
    AddressTable,
    AddrState,
    Origin,
    link_local_from_mac,
    multicast_mac,
    solicited_node,
)
from mip6lab.ipv6.dad import DadCallback, DuplicateAddressDetector
from mip6lab.ipv6.dest_cache import DestinationCache
from mip6lab.ipv6.icmp import TokenBucket, error_allowed, error_name, make_error
from mip6lab.ipv6.interface import Interface
from mip6lab.ipv6.mobility_hooks import MobilityHooks
from mip6lab.ipv6.neighbor_cache import NeighborCache, NeighborEntry, NudState
from mip6lab.ipv6.role import NodeRole
from mip6lab.ipv6.router_adv import RAConfig, RouterAdvertiser, build_ra, prefix_option
from mip6lab.ipv6.router_discovery import RouterSolicitor
from mip6lab.ipv6.routing import Route, RouteOrigin, RoutingTable
from mip6lab.ipv6.sending import NO_RUN
from mip6lab.ipv6.steps import RECEIVE, receive_step, send_step
from mip6lab.ipv6.upper import Delivery, UpperHandler
from mip6lab.sansio import Action, SansIONode, Transmit
from mip6lab.trace import Trace
from mip6lab.wire import icmp as I
from mip6lab.wire.addr import FastAddress, from_packed
from mip6lab.wire.addr import intern as intern_address
from mip6lab.wire.codec import (
    ETHERTYPE_IPV6,
    DecodeError,
    decode_frame,
    decode_frame_ipv6,
    decode_frame_transit,
    encode_frame,
    encode_ipv6,
    frame_carries_transport,
    frame_upper,
    mac_to_bytes,
    upper_checksum_ok,
    with_hop_limit,
)
from mip6lab.wire.ip import NH_ICMPV6, NH_TCP, NH_UDP, Addr, Ethernet, IPv6
from mip6lab.wire.transport import ACK, FIN, RST, SYN, TCP
from mip6lab.wire.values import constructor

ND_TYPES = (
    I.RouterSolicitation,
    I.RouterAdvertisement,
    I.NeighborSolicitation,
    I.NeighborAdvertisement,
)

_NOT_CACHED: Any = object()
_SHORT_PATH_TYPES = (*ND_TYPES, I.UnknownICMPv6)  # what handle_frame may answer without Figure 36

LinkChangeListener = Callable[[str, bool], None]
RAListener = Callable[[str, Addr, I.RouterAdvertisement], None]


_ETHERTYPE_IPV6 = ETHERTYPE_IPV6.to_bytes(2, "big")
_new_ipv6 = constructor(IPv6)  # IPv6(src, dst, payload, ext, hlim, tc, fl), built faster (every packet sent)
# Transmit(ifname, frame, trace_id), built faster (every frame sent) while those are its fields
_new_transmit = (
    constructor(Transmit) if [f.name for f in fields(Transmit)] == ["ifname", "frame", "trace_id"] else Transmit
)


def _addr(a: Addr | str) -> Addr:
    """The interned address (:mod:`mip6lab.wire.addr`): what the node sends carries it, and the tables
    keyed by it (bindings, registrations, caches) then hit on identity."""
    return a if type(a) is FastAddress else intern_address(a)


_OWN_MAC_OCTETS: dict[str, bytes | None] = {}


def _own_mac_octets(mac: str) -> bytes | None:
    """The 6 octets a frame to ``mac`` starts with, if ``mac`` is in the form decoding gives (lower case, colons):
    then those octets match exactly when ``Interface.accepts`` matches the decoded text to ``mac``."""
    b = _OWN_MAC_OCTETS.get(mac, b"")
    if b == b"":
        try:
            b = mac_to_bytes(mac)
        except ValueError:
            b = None
        if b is not None and b.hex(":") != mac:
            b = None
        if len(_OWN_MAC_OCTETS) >= 65536:
            _OWN_MAC_OCTETS.clear()
        _OWN_MAC_OCTETS[mac] = b
    return b


def _option(options: tuple, kind: type) -> Any:
    for o in options:
        if isinstance(o, kind):
            return o
    return None


class _Seldom:
    """The node state that few events touch (listeners, ping replies, proxy ND, RS and unsolicited-NA
    bookkeeping, MLD, the ICMP error limiter, DAD, SLAAC's switch, the random generator), kept out of the
    node's own attributes: CPython 3.11 keeps an object's attributes in a compact shared-key array only up
    to 29 names; past that each node (32) and router (40) had a dictionary of its own (~1.6 KB), and every
    attribute read on a packet's path went through it. Now 21 and 29."""

    __slots__ = (
        "link_change_listeners",
        "ra_listeners",
        "dad_listeners",
        "echo_replies",
        "proxies",
        "solicitors",
        "mld_up",
        "una_left",
        "icmp_limiter",
        "dad",
        "autoconfigure",
        "rng",
    )

    def __init__(self) -> None:
        self.link_change_listeners: list[LinkChangeListener] = []
        self.ra_listeners: list[RAListener] = []
        self.dad_listeners: list[DadCallback] = []
        self.echo_replies: list[tuple[float, Addr, int, int]] = []  # (time, from, ident, seq)
        self.proxies: dict[tuple[str, Addr], bool] = {}  # proxy ND (a home agent's home addresses)
        self.solicitors: dict[str, RouterSolicitor] = {}
        self.mld_up: dict[str, bool] = {}  # interfaces whose memberships were reported since link up
        self.una_left: dict[tuple[str, Addr], int] = {}
        self.icmp_limiter = TokenBucket()


class _InSeldom:
    """A node attribute kept in its :class:`_Seldom` (read and set as if it were the node's own)."""

    __slots__ = ("field",)

    def __init__(self, field: str) -> None:
        self.field = field

    def __get__(self, node: Any, owner: type | None = None) -> Any:
        if node is None:
            return self
        return getattr(node._seldom, self.field)

    def __set__(self, node: Any, value: Any) -> None:
        setattr(node._seldom, self.field, value)


class IPv6Node(SansIONode):
    """An IPv6 host (a :class:`Router` when ``is_router``)."""

    is_router = False
    link_change_listeners: list[LinkChangeListener] = _InSeldom("link_change_listeners")  # type: ignore[assignment]
    ra_listeners: list[RAListener] = _InSeldom("ra_listeners")  # type: ignore[assignment]
    dad_listeners: list[DadCallback] = _InSeldom("dad_listeners")  # type: ignore[assignment]
    echo_replies: list[tuple[float, Addr, int, int]] = _InSeldom("echo_replies")  # type: ignore[assignment]
    proxies: dict[tuple[str, Addr], bool] = _InSeldom("proxies")  # type: ignore[assignment]
    _solicitors: dict[str, RouterSolicitor] = _InSeldom("solicitors")  # type: ignore[assignment]
    _mld_up: dict[str, bool] = _InSeldom("mld_up")  # type: ignore[assignment]
    _una_left: dict[tuple[str, Addr], int] = _InSeldom("una_left")  # type: ignore[assignment]
    icmp_limiter: TokenBucket = _InSeldom("icmp_limiter")  # type: ignore[assignment]
    dad: DuplicateAddressDetector = _InSeldom("dad")  # type: ignore[assignment]
    autoconfigure: bool = _InSeldom("autoconfigure")  # type: ignore[assignment]
    rng: Random = _InSeldom("rng")  # type: ignore[assignment]

    def __init__(self, name: str, rng: Random | None = None, trace: Trace | None = None) -> None:
        super().__init__(name)
        # listeners, echo replies, proxies, RS/UNA/MLD bookkeeping, the ICMP limiter, DAD, SLAAC's switch and
        # the generator: see _Seldom
        self._seldom = _Seldom()
        self.rng = rng if rng is not None else Random(name)
        self.trace = trace if trace is not None else Trace()
        self.interfaces: dict[str, Interface] = {}
        self.addresses = AddressTable()
        self.routes = RoutingTable()
        self.dest_cache = DestinationCache()
        self._source_cache: dict[Addr, Addr | None] = {}  # dst -> source address selection's answer
        self._source_epoch = -1  # the CONFIG_EPOCH the cache was filled under
        self.mobility: MobilityHooks | None = None
        self.role: NodeRole | None = None  # attach_role; None: a plain node (the default policy answers)
        self.upper: dict[int, list[UpperHandler]] = {}
        self.send_algorithm: Callable[[IPv6Node, IPv6], bool] = sending.send
        self.receive_algorithm: Callable[..., Any] = receiving.receive
        self.autoconfigure = not self.is_router  # SLAAC from RAs (RFC 4862 §5.5)
        self.current_run: Any = None  # the receive run whose upper layer is running (step 11)
        self.received: tuple[IPv6, bytes] | None = None  # the packet being received, and its frame
        self._mld_on = False
        self.dad = DuplicateAddressDetector(
            self.rng,
            send_probe=self._send_dad_probe,
            set_timer=self.set_timer,
            cancel_timer=self.cancel_timer,
            on_result=self._dad_result,
        )
        for kind, handler in (
            ("nud", self._nud_timer),
            ("dad", self._dad_timer),
            ("rs", self._rs_timer),
            ("expiry", self._expiry_timer),
            ("una", self._una_timer),
        ):
            self.register_timer_handler(kind, handler)

    # ================================================================= MLD (mip6lab.ipv6.mld)
    @property
    def mld(self) -> bool:
        """Whether the node sends MLDv2 reports for the groups it joins and leaves."""
        return self._mld_on

    @mld.setter
    def mld(self, on: bool) -> None:
        self._mld_on = bool(on)
        for iface in self.interfaces.values():
            iface.record_changes = on
            iface.group_changes.clear()
        self._mld_up.clear()

    def drain(self) -> list[Action]:
        """After every event: MLD reports for what changed, then the actions."""
        if self._mld_on:
            self._mld_reports()
        return super().drain()

    def _mld_reports(self) -> None:
        """Report what changed since the last drain, first in the outbox (the join precedes the probe
        it enables); on link up, every group of the interface."""
        reports = []
        for ifname, iface in self.interfaces.items():
            if not iface.attached:
                self._mld_up.pop(ifname, None)
                iface.group_changes.clear()
                continue
            if ifname not in self._mld_up:
                self._mld_up[ifname] = True
                changes = [(g, True) for g in iface.groups]
            else:
                changes = iface.group_changes
            iface.group_changes = []
            changes = [(g, j) for g, j in changes if mld.reportable(g)]
            if not changes:
                continue
            ll = self.addresses.link_local(ifname)
            src = ll.addr if ll is not None and ll.usable else UNSPECIFIED
            pkt = mld.report(src, changes)
            frame = encode_frame(Ethernet(multicast_mac(pkt.dst), iface.mac, pkt))
            reports.append(Transmit(ifname, frame))
            listed = ", ".join(f"{'+' if j else '-'}{g}" for g, j in changes)
            self.trace_event("mld", f"{ifname}: MLDv2 report {listed}")
        if reports:
            self._outbox[:0] = reports

    # ================================================================= configuration
    def add_interface(self, name: str, mac: str) -> Interface:
        """A new interface, down until ``handle_link_change(attached=True)``; its link-local address
        (fe80::/64 + EUI-64 from ``mac``) is tentative and DAD runs when the link comes up."""
        iface = Interface(name, mac)
        iface.neighbors = NeighborCache(
            name,
            self.rng,
            send_ns=self._send_ns,
            set_timer=self.set_timer,
            cancel_timer=self.cancel_timer,
            on_resolved=self._nud_resolved,
            on_failure=self._nud_failed,
            on_event=lambda msg, **d: self.trace_event("nud", f"{name}: {msg}", ifname=name, **d),
        )
        self.interfaces[name] = iface
        if self.is_router:
            iface.join(ALL_ROUTERS)
        ll = link_local_from_mac(iface.mac)
        self.assign(AddressEntry(ll, 64, name, AddrState.TENTATIVE, Origin.LINK_LOCAL))
        self.routes.add(IPv6Network("fe80::/64"), None, name, 256, RouteOrigin.LINK_LOCAL)
        return iface

    def add_address(
        self,
        ifname: str,
        addr: Addr | str,
        prefix_len: int = 64,
        *,
        preferred_lifetime: float = math.inf,
        valid_lifetime: float = math.inf,
        dad: bool = True,
        on_link: bool = True,
    ) -> AddressEntry:
        """Configure an address by hand. With ``dad`` it is tentative until DAD passes (when the
        interface is up); ``on_link`` adds an on-link route for its prefix."""
        a = _addr(addr)
        now = self.now
        entry = AddressEntry(
            a,
            prefix_len,
            ifname,
            AddrState.TENTATIVE if dad else AddrState.PREFERRED,
            Origin.LINK_LOCAL if a.is_link_local else Origin.MANUAL,
            now + preferred_lifetime,
            now + valid_lifetime,
        )
        self.assign(entry)
        if on_link and prefix_len < 128 and not a.is_link_local:
            self.routes.add(entry.network, None, ifname, 0, RouteOrigin.CONNECTED)
        self.schedule_expiry()
        return entry

    def assign(self, entry: AddressEntry) -> AddressEntry:
        """Put ``entry`` in the address table, join its solicited-node group, start DAD if due."""
        self.addresses.add(entry)
        iface = self.interfaces[entry.ifname]
        iface.join(solicited_node(entry.addr))
        if entry.state == AddrState.TENTATIVE and iface.attached:
            self.dad.start(entry.ifname, entry.addr, self.now, delay_first=False)
        self.schedule_expiry()
        return entry

    def remove_address(self, ifname: str, addr: Addr | str) -> AddressEntry | None:
        a = _addr(addr)
        e = self.addresses.remove(ifname, a)
        if e is not None:
            self.dad.cancel(ifname, a)
            self.interfaces[ifname].leave(solicited_node(a))
            self.routes.remove_where(
                lambda r: (
                    r.origin == RouteOrigin.CONNECTED
                    and r.prefix == e.network
                    and r.ifname == ifname
                    and not any(x.network == e.network for x in self.addresses.for_interface(ifname))
                )
            )
            self.trace_event("addr", f"{a} removed from {ifname}", address=a)
        return e

    def add_route(
        self, prefix: Addr | str, prefix_len: int, next_hop: Addr | str | None, ifname: str, metric: int = 0
    ) -> Route:
        net = IPv6Network(f"{prefix}/{prefix_len}", strict=False)
        return self.routes.add(
            net, _addr(next_hop) if next_hop is not None else None, ifname, metric, RouteOrigin.MANUAL
        )

    # ================================================================= entry points
    def handle_frame(self, now: float, ifname: str, frame: bytes) -> list[Action]:
        """A frame arrived on ``ifname``: Ethernet filter, decode, ND short path or Figure 36."""
        self.now = now
        if self.role is not None:
            self.role.frame_received(ifname, frame)
        iface = self.interfaces.get(ifname)
        if iface is None or not iface.attached:
            return self.drain()
        if type(frame) is bytes and frame[12:14] == _ETHERTYPE_IPV6 and frame[:6] == _own_mac_octets(iface.mac):
            # The common frame - IPv6 to this interface's own MAC, not Neighbor Discovery - read from the octets
            # without building the Ethernet value; anything else, an undecodable packet included, takes the
            # full path below (which decodes it again: the same packet, the same error). A host is the packet's
            # last reader: its body is not kept for later decodings (a router's is, for the next traced hop), and
            # looked up among them only when traced (untraced routers forward without decoding: nothing to find).
            router = self.is_router
            try:
                pkt = decode_frame_ipv6(frame, router, router or self.trace.enabled)
            except DecodeError:
                pkt = None
            if pkt is not None and not isinstance(pkt.payload, _SHORT_PATH_TYPES):
                self.received = (pkt, frame)
                try:
                    self.receive_algorithm(self, pkt, ifname, link_multicast=bool(frame[0] & 1))
                finally:
                    self.received = None
                return self.drain()
        try:
            eth = decode_frame(frame)
        except DecodeError as e:
            transit = self.transit_frame(ifname, frame, e)
            if transit is None:
                self.trace_event("decode", f"{ifname}: undecodable frame discarded: {e}", ifname=ifname, error=str(e))
                self.on_decode_error(ifname, frame, e)
                return self.drain()
            eth = transit
        if not iface.accepts(eth.dst) or not isinstance(eth.payload, IPv6):
            return self.drain()
        pkt = eth.payload
        if isinstance(pkt.payload, ND_TYPES) and not pkt.ext:
            self._nd_input(ifname, eth, pkt)
        elif isinstance(pkt.payload, I.UnknownICMPv6) and pkt.payload.type == I.REDIRECT:
            self.trace_event("nd", f"{ifname}: Redirect from {pkt.src} ignored")
        else:
            self.received = (pkt, frame)  # lets Router.forward send the octets on as they came
            try:
                self.receive_algorithm(self, pkt, ifname, link_multicast=bool(int(eth.dst[:2], 16) & 1))
            finally:
                self.received = None
        return self.drain()

    def transit_frame(self, ifname: str, frame: bytes, error: DecodeError) -> Ethernet | None:
        """A frame that did not decode whole, as a node may still pass it on: None for a host (every
        packet it accepts is for itself, so the error stands). :class:`Router` overrides this."""
        return None

    def on_decode_error(self, ifname: str, frame: bytes, error: DecodeError) -> None:
        """A frame on ``ifname`` could not be decoded (already traced and discarded). The role may
        still answer some malformed packets, e.g. a Mobility Header whose Header Len is below its
        type's minimum gets ICMPv6 Parameter Problem (RFC 6275 §9.2). ``frame`` is the raw Ethernet
        frame; the MAC filter has not been applied yet. A plain node does nothing."""
        if self.role is not None:
            self.role.on_decode_error(ifname, frame, error)

    def handle_link_change(self, now: float, ifname: str, attached: bool) -> list[Action]:
        """Media change. Up: forget the old link's neighbors and routers, redo DAD for the
        link-local (and any tentative) address, solicit routers (hosts) or advertise (routers).
        Down: stop. Either way ``on_link_change`` tells movement detection."""
        self.now = now
        iface = self.interfaces.get(ifname)
        if iface is None:
            return self.drain()
        iface.attached = attached
        for e in iface.neighbors.clear():
            for _packet, run, _steps in e.queue:
                run.result = "discarded: link changed during address resolution"
        gone = self.routes.remove_where(
            lambda r: r.ifname == ifname and r.origin in (RouteOrigin.RA_DEFAULT, RouteOrigin.RA_PREFIX)
        )
        for r in gone:
            self.trace_event("nd", f"{ifname}: forgot {r} (link change)")
        self.dest_cache.invalidate()
        for e in self.addresses.for_interface(ifname):
            self.dad.cancel(ifname, e.addr)
        if attached:
            for e in self.addresses.for_interface(ifname):
                if e.origin == Origin.LINK_LOCAL and e.state != AddrState.DUPLICATE:
                    e.state = AddrState.TENTATIVE
                if e.state == AddrState.TENTATIVE:
                    self.dad.start(ifname, e.addr, now, delay_first=True)
            self._link_up(ifname)
        else:
            self._link_down(ifname)
        self.on_link_change(ifname, attached)
        return self.drain()

    def _link_up(self, ifname: str) -> None:
        if not self.is_router:
            self.start_router_solicitation(ifname)

    def _link_down(self, ifname: str) -> None:
        self.stop_router_solicitation(ifname)

    def on_link_change(self, ifname: str, attached: bool) -> None:
        """Hook for movement detection (RFC 6275 §11.5.1): mobility hooks, then listeners."""
        self.trace_event("link", f"{ifname} {'up' if attached else 'down'}", ifname=ifname, attached=attached)
        if self.mobility is not None:
            self.mobility.on_link_change(ifname, attached)
        for cb in list(self.link_change_listeners):
            cb(ifname, attached)

    # ================================================================= upper-layer contract
    def attach_role(self, role: NodeRole) -> None:
        """The one entry point for a Mobile IPv6 role (:mod:`mip6lab.ipv6.role`): install what it
        declares - its upper-layer doors, timer handlers and Neighbor Discovery listeners - and make it
        the answer to the algorithms' mobility steps (``node.mobility``) and the node's policy questions
        (``node.role``). One role per node (a mobile node that is also a correspondent owns its
        correspondent half)."""
        if self.role is not None:
            raise ValueError(f"{self.name} already has a role ({self.role.kind})")
        if role.node is not self:
            raise ValueError(f"{role!r} was built for another node, not {self.name}")
        self.role = role
        self.mobility = role  # type: ignore[assignment]
        for nh, door in role.doors().items():
            self.register_upper(nh, door)
        for kind, handler in role.timer_handlers().items():
            self.register_timer_handler(kind, handler)
        ra = getattr(role, "router_advertisement", None)
        if ra is not None:
            self.ra_listeners.append(ra)
        dad = getattr(role, "dad_result", None)
        if dad is not None:
            self.dad_listeners.append(dad)
        role.attached()

    def register_upper(self, nh: int, handler: UpperHandler) -> None:
        """Deliver packets with Next Header ``nh`` to ``handler`` (several may share one value)."""
        self.upper.setdefault(nh, []).append(handler)

    def send_upper(self, payload: Any, dst: Addr, src: Addr | None = None, hlim: int | None = None) -> bool:
        """Originate ``payload`` to ``dst``: source selection, then the sending algorithm.
        True if sent or queued for address resolution."""
        if type(dst) is not FastAddress:  # _addr(dst)
            dst = intern_address(dst)
        if dst._packed[0] == 0xFF:  # dst.is_multicast, without the property call (every packet a host sends)
            return self._send_multicast(payload, dst, src, hlim)
        if src is None:
            src = self.source_address_for(dst)
            if src is None:
                self.trace_event("send", f"no source address for {dst}: not sent", destination=dst)
                return False
        if type(src) is not FastAddress:
            src = intern_address(src)
        return self.send_packet(_new_ipv6(src, dst, payload, (), hlim if hlim is not None else self._hop_limit(), 0, 0))

    def send_packet(self, packet: IPv6) -> bool:
        """Run the sending algorithm (Figure 35) for a fully built unicast/anycast packet."""
        return self.send_algorithm(self, packet)

    def source_address_for(self, dst: Addr) -> Addr | None:
        """RFC 6724, in short: same scope, a mobile node's home address (rule 4), the outgoing
        interface (rule 5), preferred over deprecated (rule 3), longest matching prefix (rule 8)."""
        if type(dst) is not FastAddress:  # _addr(dst)
            dst = intern_address(dst)
        hooks = self.mobility
        if hooks is not None:
            # link scope (is_link_local, or a multicast scope <= 2) from the interned fields, without property calls
            octets = dst._packed
            link_scope = dst._ip >> 118 == 0x3FA or (octets[0] == 0xFF and (octets[1] & 0x0F) <= 2)
            if not link_scope and hooks.is_mobile_node():
                home = hooks.home_address
                if home is not None:
                    return home  # rule 4 decides before any route lookup (the common case, cheaply)
        # What follows rule 4 reads only the address table, the routes and the interfaces' carrier (route_usable),
        # all of which bump CONFIG_EPOCH when they change: cache per destination while it stands still (issue 13).
        # A route_usable overridden by a subclass or an instance may read other state: then nothing is cached.
        cacheable = type(self).route_usable is IPv6Node.route_usable and "route_usable" not in self.__dict__
        if hooks is None and cacheable and self._source_epoch == CONFIG_EPOCH[0]:
            known = self._source_cache.get(dst, _NOT_CACHED)  # a plain node: no rule 4, the cached answer at once
            if known is not _NOT_CACHED:
                return known
        link_scope = dst.is_link_local or (dst.is_multicast and (dst.packed[1] & 0x0F) <= 2)
        if cacheable:
            if self._source_epoch != CONFIG_EPOCH[0]:
                self._source_cache.clear()
                self._source_epoch = CONFIG_EPOCH[0]
            else:
                known = self._source_cache.get(dst, _NOT_CACHED)
                if known is not _NOT_CACHED:
                    return known
            if len(self._source_cache) >= 4096:  # bounded: a node talking to very many destinations
                self._source_cache.clear()
        src = self._select_source(dst, link_scope)
        if cacheable:
            self._source_cache[dst] = src
        return src

    def _select_source(self, dst: Addr, link_scope: bool) -> Addr | None:
        """The uncached part of :meth:`source_address_for` (rules 5, 3 and 8 after a route lookup)."""
        route = self.routes.lookup(dst, usable=self.route_usable)
        out = route.ifname if route else None
        if link_scope:
            names = [out] if out else [n for n, i in self.interfaces.items() if i.attached]
            for n in names:
                ll = self.addresses.link_local(n)
                if ll is not None and ll.usable:
                    return ll.addr
            return None
        cands = [e for e in self.addresses.all() if e.usable and not e.addr.is_link_local]
        if not cands:
            return None

        def rank(e: AddressEntry) -> tuple:
            common = 128 - (int(e.addr) ^ int(dst)).bit_length()
            return (e.ifname != out, e.state != AddrState.PREFERRED, -common)

        return min(cands, key=rank).addr

    def own_source_for(self, dst: Addr) -> Addr | None:
        """:meth:`source_address_for` ``dst`` if :meth:`has_address` accepts it, else None: what a transport asks
        before every datagram from an unbound socket. A mobile node's home address chosen by rule 4 is its own by
        :meth:`has_address`'s own test (``home is a``), answered without the address table (issue 13)."""
        src = self.source_address_for(dst)
        if src is None:
            return None
        hooks = self.mobility
        if (
            hooks is not None
            and src is hooks.home_address
            and type(self).has_address is IPv6Node.has_address
            and "has_address" not in self.__dict__  # an instance's own has_address is asked, as a subclass's is
        ):
            return src
        return src if self.has_address(src) else None

    def has_address(self, addr: Addr) -> bool:
        a = addr if type(addr) is FastAddress else intern_address(addr)
        if self.addresses.is_assigned(a):
            return True
        hooks = self.mobility
        if hooks is None:
            return False
        home = hooks.home_address
        return home is a or home == a

    def is_local_destination(self, dst: Addr) -> bool:
        """Receiving step 1: an address assigned to one of our interfaces (weak host model), or one
        the role receives on (a home agent's Home-Agents anycast addresses)."""
        return self.has_address(dst) or (self.role is not None and self.role.is_local_destination(dst))

    def confirm_reachable(self, addr: Addr, ifname: str | None = None) -> None:
        """Upper-layer reachability hint for NUD (e.g. TCP got an ACK for new data)."""
        for n, iface in self.interfaces.items():
            if ifname is None or n == ifname:
                iface.neighbors.confirm_reachable(_addr(addr), self.now)

    def ping(self, dst: Addr | str, ident: int = 0, seq: int = 0, data: bytes = b"") -> bool:
        return self.send_upper(I.EchoRequest(ident, seq, data), _addr(dst))

    # ================================================================= ICMPv6
    def icmp_error(
        self,
        packet: IPv6,
        icmp_type: int,
        code: int,
        pointer: int = 0,
        *,
        mtu: int = 0,
        link_multicast: bool = False,
        option_type: int | None = None,
    ) -> bool:
        """Send an ICMPv6 error about ``packet`` back to its source, within RFC 4443 §2.4's rules."""
        name = error_name(icmp_type, code)
        if self.current_run is not None and icmp_type == I.DEST_UNREACH and code == I.DU_PORT_UNREACHABLE:
            self.report_no_listener("ICMPv6 port unreachable")
        ok, why = error_allowed(packet, icmp_type, code, link_multicast=link_multicast, option_type=option_type)
        if not ok:
            self.trace_event("icmp", f"{name} not sent to {packet.src}: {why}")
            return False
        if not self.icmp_limiter.take(self.now):
            self.trace_event("icmp", f"{name} not sent to {packet.src}: rate limited")
            return False
        msg = make_error(icmp_type, code, encode_ipv6(packet), pointer=pointer, mtu=mtu)
        src = packet.dst if self.addresses.is_assigned(packet.dst) else self.source_address_for(packet.src)
        if src is None:
            self.trace_event("icmp", f"{name} not sent to {packet.src}: no source address")
            return False
        self.trace_event("icmp", f"sending {name} to {packet.src}", type=icmp_type, code=code, pointer=pointer)
        return self.send_packet(IPv6(src, packet.src, msg, hlim=self._hop_limit()))

    def report_no_listener(self, result: str) -> None:
        """Called by a transport during delivery: no application on the port (receiving step 11)."""
        run = self.current_run
        if run is not None and not run.result:
            if run.steps and run.steps[-1].number == 11:  # step 11 already opened by the algorithm
                run.steps[-1].decision += f"; no listener: {result}"
            else:
                receive_step(run, 11, f"no listener: {result}")
            run.result = result

    def icmp_input(self, d: Delivery, run: Any) -> None:
        """Receiving step 10 for ICMPv6 (ND messages never get here)."""
        m = d.payload
        if isinstance(m, I.EchoRequest):
            src = d.dst if not d.dst.is_multicast else self.source_address_for(d.src)
            run.result = "ICMPv6 echo reply sent"
            if src is not None:
                self.send_packet(IPv6(src, d.src, I.EchoReply(m.ident, m.seq, m.data), hlim=self._hop_limit()))
            return
        if isinstance(m, I.EchoReply):
            self.echo_replies.append((self.now, d.src, m.ident, m.seq))
        self.dispatch(self.upper.get(NH_ICMPV6, []), d, run)
        if not run.result:
            run.result = f"delivered to ICMPv6 ({type(m).__name__})"

    def dispatch(self, handlers: list[UpperHandler], d: Delivery, run: Any) -> None:
        prev, self.current_run = self.current_run, (run if run is not NO_RUN else None)
        try:
            if len(handlers) == 1:  # the usual case (one transport); the loop below copies the list first
                handlers[0](d)
            else:
                for h in list(handlers):
                    h(d)
        finally:
            self.current_run = prev

    def no_transport(self, d: Delivery, nh: int, run: Any) -> None:
        """No transport registered for UDP/TCP: answer as if no port had a listener (step 11)."""
        prev, self.current_run = self.current_run, (run if run is not NO_RUN else None)
        try:
            if nh == NH_UDP:
                self.icmp_error(d.packet, I.DEST_UNREACH, I.DU_PORT_UNREACHABLE)
            elif nh == NH_TCP:
                t: TCP = d.payload
                if t.flags & RST:
                    self.report_no_listener("discarded: reset for no connection")
                    return
                if t.flags & ACK:
                    rst = TCP(t.dport, t.sport, seq=t.ack, flags=RST)
                else:
                    n = len(t.data) + (1 if t.flags & SYN else 0) + (1 if t.flags & FIN else 0)
                    rst = TCP(t.dport, t.sport, seq=0, ack=(t.seq + n) & 0xFFFFFFFF, flags=RST | ACK)
                self.report_no_listener("TCP reset sent")
                self.send_upper(rst, d.src, src=d.dst)
        finally:
            self.current_run = prev

    # ================================================================= forwarding (routers)
    def forward(self, packet: IPv6, in_ifname: str, run: Any, *, link_multicast: bool = False) -> None:
        run.result = "discarded: not for us"

    # ================================================================= link-layer output
    def transmit(self, ifname: str, mac: str, packet: IPv6, trace_id: int = 0, octets: bytes | None = None) -> bool:
        """Frame ``packet`` to ``mac`` on ``ifname``; ``octets``, when given, are ``packet`` already
        encoded (a router forwarding what it received, :meth:`Router.forwarded_octets`)."""
        iface = self.interfaces[ifname]
        if not iface.attached:
            return False
        # the Ethernet II header written directly (what encode_frame(Ethernet(...)) gives, without the value)
        frame = (
            mac_to_bytes(mac)
            + mac_to_bytes(iface.mac)
            + _ETHERTYPE_IPV6
            + (encode_ipv6(packet) if octets is None else octets)
        )
        if len(frame) - 14 > iface.mtu:
            self.trace_event("send", f"{ifname}: {len(frame) - 14}-octet packet exceeds MTU {iface.mtu}: dropped")
            return False
        self._emit(_new_transmit(ifname, frame, trace_id))
        return True

    def send_on_link(
        self, ifname: str, dst: Addr, dst_mac: str, src: Addr, msg: Any, hlim: int = C.ND_HOP_LIMIT
    ) -> bool:
        """The short path: a packet to a known link-layer address on a named interface (ND
        messages, multicast) - no routing, no address resolution, no algorithm run."""
        return self.transmit(ifname, dst_mac, IPv6(src, dst, msg, hlim=hlim))

    def _send_multicast(self, payload: Any, dst: Addr, src: Addr | None, hlim: int | None) -> bool:
        for n, iface in self.interfaces.items():
            if iface.attached:
                s = src or self.source_address_for(dst) or UNSPECIFIED
                return self.send_on_link(n, dst, multicast_mac(dst), s, payload, hlim if hlim is not None else 1)
        return False

    def _hop_limit(self) -> int:
        for iface in self.interfaces.values():
            if iface.attached:
                return iface.cur_hop_limit
        return C.CUR_HOP_LIMIT

    # ================================================================= routing helpers
    def route_usable(self, route: Route) -> bool:
        iface = self.interfaces.get(route.ifname)
        return iface is not None and iface.attached

    def next_hop_reachable(self, route: Route) -> bool:
        if route.next_hop is None:
            return True
        st = self.interfaces[route.ifname].neighbors.state_of(route.next_hop)
        return st is not None and st != NudState.INCOMPLETE

    # ================================================================= neighbor discovery
    def _nd_input(self, ifname: str, eth: Ethernet, pkt: IPv6) -> None:
        m = pkt.payload
        if pkt.hlim != C.ND_HOP_LIMIT or not upper_checksum_ok(pkt):
            self.trace_event(
                "nd", f"{ifname}: invalid {type(m).__name__} from {pkt.src} discarded (hop limit/checksum)"
            )
            return
        if isinstance(m, I.NeighborSolicitation):
            self._ns_input(ifname, eth, pkt, m)
        elif isinstance(m, I.NeighborAdvertisement):
            self._na_input(ifname, pkt, m)
        elif isinstance(m, I.RouterAdvertisement):
            if not pkt.src.is_link_local:
                return
            sll = _option(m.options, I.SourceLinkLayerAddress)
            iface = self.interfaces[ifname]
            if sll is not None:
                iface.neighbors.learned(pkt.src, sll.mac, self.now, is_router=True)
            if not self.is_router:
                router_discovery.process_ra(self, ifname, pkt.src, m)
            for cb in list(self.ra_listeners):
                cb(ifname, pkt.src, m)
        elif isinstance(m, I.RouterSolicitation):
            self._rs_input(ifname, pkt, m)

    def should_answer_ns(self, ifname: str, target: Addr, src: Addr) -> bool:
        """ND policy, asked of the role: may a Neighbor Solicitation from ``src`` for ``target`` be
        processed? A mobile node back home says no for its home address while the home agent still
        defends it (RFC 6275 §11.5.4). A plain node: yes."""
        return self.role is None or self.role.should_answer_ns(ifname, target, src)

    def accept_na(self, ifname: str, target: Addr, src: Addr) -> bool:
        """ND policy, asked of the role: may a Neighbor Advertisement from ``src`` for ``target`` be
        processed? A mobile node ignores the home agent's proxy advertisements for its own addresses.
        A plain node: yes."""
        return self.role is None or self.role.accept_na(ifname, target, src)

    def _ns_input(self, ifname: str, eth: Ethernet, pkt: IPv6, m: I.NeighborSolicitation) -> None:
        iface = self.interfaces[ifname]
        target = m.target
        if not self.should_answer_ns(ifname, target, pkt.src):
            return
        entry = self.addresses.get(ifname, target)
        proxied = (ifname, target) in self.proxies
        from_dad = pkt.src.is_unspecified
        if entry is not None and entry.state == AddrState.TENTATIVE:
            if from_dad and self.dad.conflict(ifname, target):
                self.trace_event("dad", f"{ifname}: NS from :: for tentative {target}: someone else is checking it")
            return  # §5.4.3: a solicitation from a unicast source for a tentative address is ignored
        if not ((entry is not None and entry.usable) or proxied):
            return
        sll = _option(m.options, I.SourceLinkLayerAddress)
        if not from_dad and sll is not None:
            iface.neighbors.learned(pkt.src, sll.mac, self.now)
        if from_dad:
            dst, mac = ALL_NODES, multicast_mac(ALL_NODES)
        else:
            dst, mac = pkt.src, (sll.mac if sll is not None else eth.src)
        src = target if not proxied else self._interface_source(ifname)
        na = I.NeighborAdvertisement(
            target,
            R=self.is_router and not proxied,
            S=not from_dad,
            O=True,
            options=(I.TargetLinkLayerAddress(iface.mac),),
        )
        if src is not None:
            self.send_on_link(ifname, dst, mac, src, na)

    def _na_input(self, ifname: str, pkt: IPv6, m: I.NeighborAdvertisement) -> None:
        iface = self.interfaces[ifname]
        target = m.target
        if not self.accept_na(ifname, target, pkt.src):
            return
        entry = self.addresses.get(ifname, target)
        if entry is not None:
            if self.dad.conflict(ifname, target):
                self.trace_event("dad", f"{ifname}: NA for tentative {target} from {pkt.src}")
            elif entry.usable:
                self.trace_event("dad", f"{ifname}: another node advertises our address {target}", address=target)
            return
        if self.dad.running(ifname, target):  # proxy DAD (an address we do not hold yet)
            self.dad.conflict(ifname, target)
            return
        tll = _option(m.options, I.TargetLinkLayerAddress)
        before = iface.neighbors.get(target)
        was_router = before.is_router if before else False
        e = iface.neighbors.advertisement(
            target, tll.mac if tll else None, self.now, solicited=m.S, override=m.O, router=m.R
        )
        if e is not None and was_router and not e.is_router:
            # §7.2.5: a router that stopped being one leaves the default router list.
            self.routes.remove_where(lambda r: r.next_hop == target and r.origin == RouteOrigin.RA_DEFAULT)

    def _rs_input(self, ifname: str, pkt: IPv6, m: I.RouterSolicitation) -> None:
        pass  # hosts ignore solicitations (§6.2.6 is for routers)

    def _interface_source(self, ifname: str) -> Addr | None:
        ll = self.addresses.link_local(ifname)
        if ll is not None and ll.usable:
            return ll.addr
        for e in self.addresses.for_interface(ifname):
            if e.usable:
                return e.addr
        return None

    def _send_ns(self, ifname: str, target: Addr, mac: str | None) -> None:
        """Address resolution (multicast, ``mac`` None) or a NUD probe (unicast)."""
        src = self._interface_source(ifname)
        if src is None:
            self.trace_event("nd", f"{ifname}: no usable address to solicit {target} from")
            return
        iface = self.interfaces[ifname]
        ns = I.NeighborSolicitation(target, options=(I.SourceLinkLayerAddress(iface.mac),))
        if mac is None:
            group = solicited_node(target)
            self.send_on_link(ifname, group, multicast_mac(group), src, ns)
        else:
            self.send_on_link(ifname, target, mac, src, ns)

    def _nud_timer(self, key: Hashable) -> None:
        _, ifname, addr = key  # type: ignore[misc]
        iface = self.interfaces.get(ifname)
        if iface is not None:
            iface.neighbors.timer_expired(addr, self.now)

    def _nud_resolved(self, entry: NeighborEntry, queued: list[Any]) -> None:
        for packet, run, steps in queued:
            self.transmit(entry.ifname, entry.mac or "", packet, run.id)
            if steps:
                send_step(
                    run,
                    19,
                    f"address resolution succeeded: to {entry.mac}",
                    mac=entry.mac,
                    interface=entry.ifname,
                )
                run.result = "sent after address resolution"
            else:
                run.result = "forwarded after address resolution"

    def _nud_failed(self, entry: NeighborEntry, queued: list[Any]) -> None:
        self.dest_cache.invalidate(next_hop=entry.addr)
        for packet, run, steps in queued:
            if steps:
                send_step(run, 18, f"failed: no answer from {entry.addr}")
            run.result = "address resolution failed"
            if self.addresses.is_assigned(packet.src) or self.has_address(packet.src):
                self.trace_event("nd", f"address resolution for {entry.addr} failed: packet to {packet.dst} dropped")
            else:
                self.icmp_error(packet, I.DEST_UNREACH, I.DU_ADDRESS_UNREACHABLE)

    # ---------------------------------------------------------------- DAD
    def start_dad(self, ifname: str, addr: Addr | str, callback: DadCallback | None = None) -> None:
        """DAD for an address this node does not hold (e.g. a home agent checking a mobile node's
        home address before the first Binding Acknowledgement, RFC 6275 §10.4.1)."""
        a = _addr(addr)
        self.interfaces[ifname].join(solicited_node(a))

        def done(ifn: str, ad: Addr, unique: bool) -> None:
            self.interfaces[ifn].leave(solicited_node(ad))
            if callback is not None:
                callback(ifn, ad, unique)

        self.dad.start(ifname, a, self.now, delay_first=False, callback=done)

    def _send_dad_probe(self, ifname: str, addr: Addr) -> None:
        group = solicited_node(addr)
        self.send_on_link(ifname, group, multicast_mac(group), UNSPECIFIED, I.NeighborSolicitation(addr))
        self.trace_event("dad", f"{ifname}: DAD probe for {addr}", address=addr)

    def _dad_timer(self, key: Hashable) -> None:
        _, ifname, addr = key  # type: ignore[misc]
        self.dad.timer_expired(ifname, addr, self.now)

    def _dad_result(self, ifname: str, addr: Addr, unique: bool) -> None:
        e = self.addresses.get(ifname, addr)
        if e is not None:
            if unique:
                e.state = AddrState.PREFERRED if e.preferred_until > self.now else AddrState.DEPRECATED
                self.trace_event("dad", f"{ifname}: {addr} is unique: assigned", address=addr, unique=True)
            else:
                e.state = AddrState.DUPLICATE
                self.interfaces[ifname].leave(solicited_node(addr))
                self.trace_event("dad", f"{ifname}: DAD failed: {addr} is a duplicate", address=addr, unique=False)
        self.schedule_expiry()
        for cb in list(self.dad_listeners):
            cb(ifname, addr, unique)

    # ---------------------------------------------------------------- router solicitation
    def start_router_solicitation(self, ifname: str) -> None:
        sol = self._solicitors.setdefault(ifname, RouterSolicitor(self.rng))
        self.set_timer(("rs", ifname), sol.start(self.now))

    def stop_router_solicitation(self, ifname: str) -> None:
        sol = self._solicitors.get(ifname)
        if sol is not None and sol.active:
            sol.stop()
            self.cancel_timer(("rs", ifname))

    def _rs_timer(self, key: Hashable) -> None:
        ifname = key[1]  # type: ignore[index]
        sol = self._solicitors.get(ifname)
        if sol is None:
            return
        send, nxt = sol.fire(self.now)
        if send:
            iface = self.interfaces[ifname]
            ll = self.addresses.link_local(ifname)
            if ll is not None and ll.usable:
                src, opts = ll.addr, (I.SourceLinkLayerAddress(iface.mac),)
            else:
                src, opts = UNSPECIFIED, ()  # §6.3.7: no SLLA option from ::
            self.send_on_link(ifname, ALL_ROUTERS, multicast_mac(ALL_ROUTERS), src, I.RouterSolicitation(opts))
            self.trace_event("nd", f"{ifname}: Router Solicitation {sol.sent} from {src}")
        if nxt is not None:
            self.set_timer(key, nxt)

    # ---------------------------------------------------------------- unsolicited NA, proxy ND
    def send_unsolicited_na(self, ifname: str, target: Addr | str, count: int = C.MAX_NEIGHBOR_ADVERTISEMENT) -> None:
        """Multicast ``count`` unsolicited NAs (O=1) for ``target``, RetransTimer apart (§7.2.6)."""
        t = _addr(target)
        self._una_left[(ifname, t)] = count
        self._una_timer(("una", ifname, t))

    def _una_timer(self, key: Hashable) -> None:
        _, ifname, target = key  # type: ignore[misc]
        left = self._una_left.get((ifname, target), 0)
        iface = self.interfaces.get(ifname)
        src = self._interface_source(ifname)
        if left <= 0 or iface is None or src is None:
            self._una_left.pop((ifname, target), None)
            return
        proxied = (ifname, target) in self.proxies
        na = I.NeighborAdvertisement(
            target,
            R=self.is_router and not proxied,
            S=False,
            O=True,
            options=(I.TargetLinkLayerAddress(iface.mac),),
        )
        self.send_on_link(ifname, ALL_NODES, multicast_mac(ALL_NODES), src, na)
        self._una_left[(ifname, target)] = left - 1
        if left > 1:
            self.set_timer(key, self.now + iface.neighbors.retrans_timer)

    def add_proxy(self, ifname: str, addr: Addr | str, announce: bool = True) -> None:
        """Answer Neighbor Solicitations for ``addr`` with our MAC (a home agent defending a home
        address, RFC 6275 §10.4.1); ``announce`` multicasts unsolicited NAs first."""
        a = _addr(addr)
        if (ifname, a) not in self.proxies:
            self.proxies[(ifname, a)] = True
            self.interfaces[ifname].join(solicited_node(a))
        if announce:
            self.send_unsolicited_na(ifname, a)

    def remove_proxy(self, ifname: str, addr: Addr | str) -> None:
        a = _addr(addr)
        if self.proxies.pop((ifname, a), None):
            self.interfaces[ifname].leave(solicited_node(a))
            self._una_left.pop((ifname, a), None)

    # ---------------------------------------------------------------- lifetimes
    def schedule_expiry(self) -> None:
        """One timer for the next address or route lifetime event."""
        # the earliest of AddressTable.next_deadline for every address and every route's expiry still ahead,
        # in one loop (every RA a host hears reschedules)
        after = self.now - 1e-9
        nxt = math.inf
        preferred = AddrState.PREFERRED
        for e in self.addresses.all():
            t = e.preferred_until
            if e.state is not preferred or t >= e.valid_until:
                t = e.valid_until
            if after < t < nxt:
                nxt = t
        for r in self.routes.routes:
            t = r.expires
            if after < t < nxt:
                nxt = t
        if math.isinf(nxt):
            self.cancel_timer(("expiry",))
        elif self.timers.get(("expiry",)) != nxt:
            self.set_timer(("expiry",), nxt)

    def _expiry_timer(self, key: Hashable) -> None:
        deprecated, removed = self.addresses.update_lifetimes(self.now)
        for e in deprecated:
            self.trace_event("addr", f"{e.addr} deprecated (preferred lifetime over)", address=e.addr)
        for e in removed:
            self.dad.cancel(e.ifname, e.addr)
            self.interfaces[e.ifname].leave(solicited_node(e.addr))
            self.trace_event("addr", f"{e.addr} removed (valid lifetime over)", address=e.addr)
        for r in self.routes.expired(self.now):
            self.trace_event("route", f"{r} expired")
        self.schedule_expiry()

    # ---------------------------------------------------------------- trace
    def trace_event(self, category: str, message: str, **details: Any) -> None:
        self.trace.event(self.now, self.name, category, message, **details)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, {list(self.interfaces)})"


_UNSPECIFIED_OCTETS = bytes(16)
_HOP_LIMIT_OCTET = tuple(bytes((h,)) for h in range(256))
_FAST_HOP_LIMIT = 4 * C.DEST_CACHE_LIMIT  # headers a router's fast hop remembers (flows through it)
_INCOMPLETE, _STALE = NudState.INCOMPLETE, NudState.STALE
_FORWARDS_LABEL = RECEIVE[1].short  # what receive_step records step 1 under


class Router(IPv6Node):
    """An IPv6 router: forwards between interfaces and sends Router Advertisements."""

    is_router = True

    def __init__(self, name: str, rng: Random | None = None, trace: Trace | None = None) -> None:
        super().__init__(name, rng, trace)
        self.ra_configs: dict[str, RAConfig] = {}
        self._advertisers: dict[str, RouterAdvertiser] = {}
        self._ra_reply_to: dict[tuple[str, Addr], str] = {}
        self.register_timer_handler("ra", self._ra_timer)
        self.register_timer_handler("ra-reply", self._ra_reply_timer)
        self._mac_octets: dict[str, bytes] = {}
        # fast_forward's memos: the frame's first 54 octets -> what _fast_hop_entry lists; the destination's
        # 16 octets -> what _fast_hop_route lists (flows from many sources share one)
        self._forwarding: dict[bytes, list[Any]] = {}
        self._forwarding_routes: dict[bytes, list[Any]] = {}
        self._local_table: Any = None
        self._local_octets: frozenset[bytes] = frozenset()

    # ---------------------------------------------------------------- the fast hop
    def handle_frame(self, now: float, ifname: str, frame: bytes) -> list[Action]:
        """Transit traffic goes through :meth:`fast_forward` (the fixed header only); everything else,
        and anything it is not sure about, takes the full path. With tracing on the frame's body is checked
        first, from the bodies decoded before when it can be (a frame the full path could not decode, or an
        ICMPv6 Redirect, takes the full path and its trace) and the fast hop records the very receiving run
        the full path would."""
        if self.role is None and self.receive_algorithm is receiving.receive:
            if not self.trace.enabled:
                out = self.fast_forward(now, ifname, frame)
            elif (
                "forward" in self.__dict__ or len(frame) < 54 or frame[12:14] != _ETHERTYPE_IPV6 or frame[20] in (0, 58)
            ):
                out = None  # not for the fast hop (Hop-by-Hop options and ICMPv6 never are): no need to decode
            else:
                # what the full path would decode, for its verdict only: from the octets (a datagram or a
                # segment behind headers like those decoded before), else from the bodies decoded before (the
                # hop that sent it here may have decoded the same one), else decoded now
                try:
                    upper = None if frame_carries_transport(frame) else frame_upper(frame)
                except DecodeError:
                    out = None
                else:
                    if isinstance(upper, I.UnknownICMPv6) and upper.type == I.REDIRECT:
                        out = None
                    else:
                        out = self.fast_forward(now, ifname, frame, True)
            if out is not None:
                return out
        return super().handle_frame(now, ifname, frame)

    def _octets_of(self, mac: str) -> bytes:
        b = self._mac_octets.get(mac)
        if b is None:
            b = self._mac_octets[mac] = bytes.fromhex(mac.replace(":", ""))
        return b

    def fast_forward(self, now: float, ifname: str, frame: bytes, traced: bool = False) -> list[Action] | None:
        """Forward a unicast transit packet on its fixed header alone: the Hop Limit octet rewritten,
        the rest as it came - what the full path sends (:meth:`forwarded_octets`), without decoding
        the packet or running Figure 36 on it. None (take the full path) for anything else: ICMPv6,
        Hop-by-Hop options, link-scoped or multicast addresses, a Hop Limit about to run out, our own
        addresses, a length that does not add up, no route, an unresolved neighbor, a too-big packet.

        Per header (the frame's first 54 octets: Ethernet header and IPv6 fixed header, the same for
        every packet of a flow) the router keeps the verdict of the checks on it and the outgoing first
        54 octets (:meth:`_fast_hop_entry`), and per destination what the lookups found: the destination
        cache entry, the route, the outgoing interface and the neighbor entry (:meth:`_fast_hop_route`).
        It uses them only while the interface, its MAC and our address table are those it checked
        against and the destination cache and the neighbor cache still hold those very entries (any
        route, link or neighbor change replaces or drops them).

        ``traced``: tracing is on and the frame decodes (the caller checked): the hop then records its
        receiving run (:meth:`_record_fast_hop`) and stamps the frame with it, as :meth:`forward` would."""
        key = frame[:54]
        hit = self._forwarding.get(key)
        iface = self.interfaces.get(ifname)
        if hit is None or hit[0] is not iface or hit[1] is not iface.mac or hit[2] is not self.addresses._first:
            hit = self._fast_hop_entry(iface, frame, key)
            if hit is None:
                return None
        if not iface.attached or len(frame) != hit[3] or self.mobility is not None:  # type: ignore[union-attr]
            return None
        self.now = now
        dc = self.dest_cache
        version = self.routes.version
        if dc.routes_version != version:
            dc.sync(version)
        route = hit[4]
        if route is None or dc.entries.get(route[0]) is not route[1] or route[3].get(route[4]) is not route[5]:
            route = hit[4] = self._fast_hop_route(key[38:54])
            if route is None:
                return None
        out_iface = route[2]
        e = route[5]
        if not out_iface.attached or len(frame) - 14 > out_iface.mtu:
            return None
        state = e.state
        if state is _INCOMPLETE or not e.mac:
            return None
        if state is _STALE:
            out_iface.neighbors.resolve(route[4], None, now)  # STALE -> DELAY starts NUD, as on the full path
        if hit[5] is not e.mac or hit[6] is not out_iface.mac:
            hit[5], hit[6] = e.mac, out_iface.mac
            head = self._octets_of(e.mac) + self._octets_of(out_iface.mac) + b"\x86\xdd"
            hit[7] = head + key[14:21] + _HOP_LIMIT_OCTET[key[21] - 1] + key[22:54]  # Hop Limit one less
        trace_id = self._record_fast_hop(route[0], frame, route[1].route) if traced else 0
        out = _new_transmit(out_iface.name, hit[7] + frame[54:], trace_id)
        if self._outbox:
            self._emit(out)
            return self.drain()
        return [out]

    def _fast_hop_entry(self, iface: Interface | None, frame: bytes, key: bytes) -> list[Any] | None:
        """The fast hop's memo entry for a frame with header ``key`` received on ``iface``, or None when
        the header is not for the fast hop. Its fields: [0] the interface, [1] its MAC, [2] our address
        table, [3] the frame length the header announces, [4] the destination's route record
        (:meth:`_fast_hop_route`), [5] and [6] the neighbor's and the outgoing interface's MACs [7] was
        made with, [7] the frame's new first 54 octets."""
        n = len(frame)
        if (
            iface is None
            or n < 54
            or frame[12] != 0x86
            or frame[13] != 0xDD
            or frame[14] >> 4 != 6
            or frame[20] in (0, 58)  # Hop-by-Hop options; ICMPv6 (ND, errors) is never fast
            or frame[21] <= 1
            or n != 54 + (frame[18] << 8 | frame[19])
            or not frame.startswith(self._octets_of(iface.mac))
        ):
            return None
        if (
            frame[38] == 0xFF  # multicast destination or source
            or frame[22] == 0xFF
            or (frame[38] == 0xFE and frame[39] & 0xC0 == 0x80)  # link-local destination or source
            or (frame[22] == 0xFE and frame[23] & 0xC0 == 0x80)
            or (frame[22] == 0 and frame[22:38] == _UNSPECIFIED_OCTETS)
        ):
            return None
        table = self.addresses._first  # replaced (not changed) whenever an address is added or removed
        if table is not self._local_table:
            self._local_table = table
            self._local_octets = frozenset(a.packed for a in table)
        if frame[38:54] in self._local_octets:
            return None  # one of ours (in any state): the full path decides
        if len(self._forwarding) >= _FAST_HOP_LIMIT:
            self._forwarding.clear()
        hit = self._forwarding[key] = [iface, iface.mac, table, n, None, None, None, b""]
        return hit

    def _fast_hop_route(self, dst_octets: bytes) -> list[Any] | None:
        """The route record for destination ``dst_octets``: [0] the destination, [1] its destination
        cache entry, [2] the outgoing interface, [3] its neighbor cache's entries, [4] the next hop,
        [5] its neighbor entry - the last one found while both caches still hold those entries, else
        the destination cache and the routing table consulted as the full path does. None when there
        is no route or no neighbor entry for the next hop (the full path decides)."""
        dc = self.dest_cache
        memo = self._forwarding_routes
        rec = memo.get(dst_octets)
        if rec is not None and dc.entries.get(rec[0]) is rec[1] and rec[3].get(rec[4]) is rec[5]:
            return rec
        dst = from_packed(dst_octets)  # interned: the very key the destination cache holds it under
        cached = dc.lookup(dst)
        if cached is None or cached.route is None:
            route = self.routes.lookup(dst, usable=self.route_usable, reachable=self.next_hop_reachable)
            if route is None:
                return None
            cached = dc.update(dst, route.next_hop if route.next_hop is not None else dst, route.ifname, route)
        route = cached.route
        out_iface = self.interfaces.get(route.ifname)
        if out_iface is None:
            return None
        e = out_iface.neighbors.get(route.next_hop if route.next_hop is not None else dst)
        if e is None:
            return None
        if len(memo) >= dc.limit:
            memo.clear()
        # the neighbor entry's own address: the key its cache holds it under, so checks hit on identity
        rec = memo[dst_octets] = [dst, cached, out_iface, out_iface.neighbors.entries, e.addr, e]
        return rec

    def _record_fast_hop(self, dst: Addr, frame: bytes, route: Route) -> int:
        """The receiving run of a forwarded packet to ``dst``, step for step what :func:`receiving.receive`,
        :meth:`forward` and ``resolve_and_send`` record on the full path (step 1 with the route, the
        result, the packet as sent); returns its id for the frame's capture record. The run keeps
        ``frame`` (bytes, which the garbage collector never walks) and decodes it when read."""
        run = self.trace.start_run("receive", self.name, self.now, frame)
        if run is None:
            return 0
        next_hop = route.next_hop
        run.record_step(
            1,
            _FORWARDS_LABEL,
            "no: router forwards",
            {
                "destination": dst,
                "route": route,
                "next_hop": dst if next_hop is None else next_hop,
                "interface": route.ifname,
            },
        )
        run.forwarded()
        return run.id

    # ---------------------------------------------------------------- RA configuration
    def configure_ra(
        self,
        ifname: str,
        prefixes: list[Any] | tuple[Any, ...] = (),
        *,
        H: bool = False,
        adv_interval: bool = True,
        min_interval: float | None = None,
        max_interval: float = C.MAX_RTR_ADV_INTERVAL,
        router_lifetime: int | None = None,
        mtu: int | None = None,
        ha_preference: int | None = None,
        ha_lifetime: int | None = None,
        min_delay_between_ras: float | None = None,
        enabled: bool = True,
        **extra: Any,
    ) -> RAConfig:
        """Advertise on ``ifname``. ``prefixes``: "2001:db8:1::/64" strings (L=1, A=1) or
        ``PrefixInformation`` values (e.g. with R=1 and the home agent's address)."""
        cfg = RAConfig(
            [prefix_option(p) for p in prefixes],
            H=H,
            adv_interval=adv_interval,
            min_interval=min_interval,
            max_interval=max_interval,
            router_lifetime=router_lifetime,
            mtu=mtu,
            ha_preference=ha_preference,
            ha_lifetime=ha_lifetime,
            min_delay_between_ras=min_delay_between_ras,
            enabled=enabled,
            **extra,
        )
        self.ra_configs[ifname] = cfg
        self._advertisers[ifname] = RouterAdvertiser(cfg, self.rng)
        if self.interfaces[ifname].attached:
            self._start_advertising(ifname)
        return cfg

    def _start_advertising(self, ifname: str) -> None:
        cfg = self.ra_configs.get(ifname)
        if cfg is None or not cfg.enabled:
            return
        self.set_timer(("ra", ifname), self._advertisers[ifname].start(self.now))

    def _link_up(self, ifname: str) -> None:
        self._start_advertising(ifname)

    def _link_down(self, ifname: str) -> None:
        self.cancel_timer(("ra", ifname))

    def _dad_result(self, ifname: str, addr: Addr, unique: bool) -> None:
        super()._dad_result(ifname, addr, unique)
        key = ("ra", ifname)
        if unique and addr.is_link_local and self.timers.get(key, -1.0) > self.now:
            self.set_timer(key, self.now)  # the link-local source now exists: advertise at once

    def _ra_timer(self, key: Hashable) -> None:
        ifname = key[1]  # type: ignore[index]
        cfg = self.ra_configs.get(ifname)
        iface = self.interfaces[ifname]
        if cfg is None or not cfg.enabled or not iface.attached:
            return
        ll = self.addresses.link_local(ifname)
        if ll is None or not ll.usable:
            self.set_timer(key, self.now + iface.neighbors.retrans_timer)  # §6.2.2 needs a link-local source
            return
        self.send_on_link(ifname, ALL_NODES, multicast_mac(ALL_NODES), ll.addr, build_ra(cfg, iface.mac))
        self.set_timer(key, self._advertisers[ifname].multicast_sent(self.now))

    def _rs_input(self, ifname: str, pkt: IPv6, m: I.RouterSolicitation) -> None:
        cfg = self.ra_configs.get(ifname)
        sll = _option(m.options, I.SourceLinkLayerAddress)
        if pkt.src.is_unspecified and sll is not None:
            return  # §6.1.1: invalid
        iface = self.interfaces[ifname]
        if not pkt.src.is_unspecified and sll is not None:
            iface.neighbors.learned(pkt.src, sll.mac, self.now, is_router=False)
        if cfg is None or not cfg.enabled:
            return
        adv = self._advertisers[ifname]
        unicast = not pkt.src.is_unspecified and sll is not None
        at, reschedule = adv.solicited(self.now, multicast=not unicast)
        if unicast:
            self._ra_reply_to[(ifname, pkt.src)] = sll.mac
            self.set_timer(("ra-reply", ifname, pkt.src), at)
        elif reschedule:
            self.set_timer(("ra", ifname), at)

    def _ra_reply_timer(self, key: Hashable) -> None:
        _, ifname, dst = key  # type: ignore[misc]
        mac = self._ra_reply_to.pop((ifname, dst), None)
        cfg = self.ra_configs.get(ifname)
        ll = self.addresses.link_local(ifname)
        if mac is None or cfg is None or ll is None or not ll.usable:
            return
        self.send_on_link(ifname, dst, mac, ll.addr, build_ra(cfg, self.interfaces[ifname].mac))

    # ---------------------------------------------------------------- forwarding
    def transit_frame(self, ifname: str, frame: bytes, error: DecodeError) -> Ethernet | None:
        """RFC 8200 §4: a router in transit reads the IPv6 header and Hop-by-Hop options only. A packet
        that failed to decode deeper (a malformed Mobility Header, Destination Options, ...) and is not
        addressed to this router is forwarded with its payload opaque; the destination will judge it."""
        try:
            eth = decode_frame_transit(frame)
        except DecodeError:
            return None
        pkt = eth.payload
        if not isinstance(pkt, IPv6) or pkt.dst.is_multicast or self.is_local_destination(pkt.dst):
            return None
        self.trace_event(
            "decode",
            f"{ifname}: {error.layer} malformed, but not ours to read (RFC 8200 §4): forwarded as it came",
            ifname=ifname,
            error=str(error),
        )
        return eth

    def forward(self, packet: IPv6, in_ifname: str, run: Any, *, link_multicast: bool = False) -> None:
        """RFC 8200 forwarding: scope, hop limit, route, MTU, then steps 16-19 of the sending side."""
        dst = packet.dst
        if link_multicast or packet.src.is_multicast or packet.src.is_unspecified or dst.is_link_local:
            run.result = "discarded: not forwardable (link-scoped or multicast)"
            return
        if packet.hlim <= 1:
            self.icmp_error(packet, I.TIME_EXCEEDED, I.TE_HOP_LIMIT)
            run.result = "ICMPv6 time exceeded"
            return
        # The destination cache serves forwarding too: one route lookup per destination until the
        # routing table or an interface changes (both flush it).
        self.dest_cache.sync(self.routes.version)
        cached = self.dest_cache.lookup(dst)
        if cached is not None and cached.route is not None:
            route = cached.route
        else:
            route = self.routes.lookup(dst, usable=self.route_usable, reachable=self.next_hop_reachable)
            if route is not None:
                hop = route.next_hop if route.next_hop is not None else dst
                self.dest_cache.update(dst, hop, route.ifname, route)
        if route is None:
            self.icmp_error(packet, I.DEST_UNREACH, I.DU_NO_ROUTE)
            run.result = "ICMPv6 destination unreachable: no route"
            return
        if packet.src.is_link_local and route.ifname != in_ifname:
            self.icmp_error(packet, I.DEST_UNREACH, I.DU_BEYOND_SCOPE)
            run.result = "ICMPv6 destination unreachable: beyond scope of source address"
            return
        out = replace(packet, hlim=packet.hlim - 1)
        octets = self.forwarded_octets(packet, out)
        mtu = self.interfaces[route.ifname].mtu
        if len(octets) > mtu:
            self.icmp_error(packet, I.PACKET_TOO_BIG, 0, mtu=mtu)
            run.result = "ICMPv6 packet too big"
            return
        next_hop = route.next_hop if route.next_hop is not None else dst
        if run is not NO_RUN and run.steps:
            run.steps[-1].inputs.update(route=route, next_hop=next_hop, interface=route.ifname)
        sending.resolve_and_send(self, out, next_hop, route.ifname, run, steps=False, octets=octets)

    def forwarded_octets(self, packet: IPv6, out: IPv6) -> bytes:
        """The octets of ``out``: ``packet`` as forwarded, its Hop Limit one less.

        Fast path: when ``packet`` is the one decoded from the frame being handled, they are that
        frame's IPv6 octets with the Hop Limit octet rewritten - byte for byte what encoding ``out``
        gives, since the codec round-trips exactly (``encode_ipv6(decode_ipv6(b)) == b``) and no
        checksum covers the Hop Limit; it saves encoding the packet again. Any other packet (one
        built or decapsulated here) is encoded.
        """
        received = self.received
        if received is not None and received[0] is packet:
            return with_hop_limit(received[1][14:], out.hlim)  # after the Ethernet header
        return encode_ipv6(out)
