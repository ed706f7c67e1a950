"""The Mobile IPv6 host sending algorithm: white paper Figure 35, steps 1-19.

Every unicast or anycast packet a node originates goes through :func:`send` (multicast and
Neighbor Discovery messages take the short path in ``IPv6Node.send_on_link``: they name their
interface and link-layer address themselves, and address resolution cannot depend on itself).

Each run is recorded as a ``mip6lab.trace.AlgorithmRun`` with the white paper's step numbers, each
step under its label from :mod:`mip6lab.ipv6.steps` (:func:`~mip6lab.ipv6.steps.send_step`), the one
definition of Figure 35 that the flowchart widget draws too; this module adds the decisions and inputs.
How the steps connect (the figure's arrows, which the numbered text only implies):

* 1 -> 2 -> 3 when the destination cache has an entry; 1 -> 2 -> 13 -> 14 -> 15 -> 3 when not
  (after the destination cache is updated the figure goes back to "does the entry contain a
  pointer to a binding cache entry?": the mobility checks apply to a first packet too);
* 3 -> 4 (pointer: care-of address + Type 2 Routing header) or 3 -> 5 (next hop from the entry);
* 6 -> 16 for the outer packet of a reverse tunnel; 7 -> 16 unless a mobile node away from home
  sends from its home address; 8 -> 9 -> 16 (route optimization) or 8 -> 10 (-> 11) -> 12 -> 1
  (reverse tunnel: the outer packet runs the algorithm again, in the same run);
* 16 -> 17 -> 19 (link-layer address known) or 16 -> 18 (address resolution; the packet waits,
  and 19 is recorded in the same run when resolution succeeds).

The mobility steps ask ``node.mobility`` (see :mod:`mip6lab.ipv6.mobility_hooks`); for a plain
node they are recorded as checked and not applicable.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from mip6lab.ipv6.dest_cache import DestinationEntry
from mip6lab.ipv6.neighbor_cache import NudState
from mip6lab.ipv6.steps import send_step
from mip6lab.trace import NO_RUN, AlgorithmRun
from mip6lab.wire.addr import FastAddress
from mip6lab.wire.ip import (
    Addr,
    DestinationOptions,
    ExtHeader,
    HomeAddressOption,
    HopByHopOptions,
    IPv6,
    RoutingHeader,
    RoutingType2,
)
from mip6lab.wire.mh import MobilityHeader
from mip6lab.wire.values import constructor

if TYPE_CHECKING:
    from mip6lab.ipv6.node import IPv6Node


def insert_ext(ext: tuple[ExtHeader, ...], header: ExtHeader) -> tuple[ExtHeader, ...]:
    """Put a Type 2 Routing header after Hop-by-Hop Options, and a Destination Options header with
    the Home Address option after any routing header (RFC 6275 §6.3, §6.4; RFC 8200 §4.1 order)."""
    if not ext:
        return (header,)
    skip: tuple[type, ...] = (HopByHopOptions,)
    if isinstance(header, DestinationOptions):
        skip = (HopByHopOptions, RoutingType2, RoutingHeader)
    i = 0
    while i < len(ext) and isinstance(ext[i], skip):
        i += 1
    return ext[:i] + (header,) + ext[i:]


def _readdressed(packet: IPv6, src: Addr, dst: Addr, ext: tuple[ExtHeader, ...]) -> IPv6:
    """``packet`` with new addresses and extension headers: ``dataclasses.replace`` without its
    per-call look at the fields (it runs for every route-optimized packet)."""
    if type(packet) is not IPv6:
        return replace(packet, src=src, dst=dst, ext=ext)
    return _new_ipv6(src, dst, packet.payload, ext, packet.hlim, packet.tc, packet.fl)


_new_ipv6 = constructor(IPv6)
_STATE_TEXT = {s: f"{s.value}" for s in NudState}  # step 16's decision (Enum.value is a property call)
_HAO_HEADERS: dict[Addr | bytes, DestinationOptions] = {}
_HAO_HEADERS_LIMIT = 1 << 16  # a home address per mobile node: 4,096 was emptied over and over at N = 10,000


def home_address_header(home: Addr) -> DestinationOptions:
    """The Destination Options header carrying ``home`` in a Home Address option (step 9). One value per
    home address serves every packet: it is immutable, and equal to a new one (the same octets, the same trace)."""
    # keyed by an interned address's octets: bytes keep their hash (an address's is a Python call) - every packet
    key = home._packed if type(home) is FastAddress else home
    h = _HAO_HEADERS.get(key)
    if h is None:
        if len(_HAO_HEADERS) >= _HAO_HEADERS_LIMIT:
            _HAO_HEADERS.clear()
        h = _HAO_HEADERS[key] = DestinationOptions((HomeAddressOption(home),))
    return h


def route_to(node: IPv6Node, dst: Addr, run: Any) -> DestinationEntry | None:
    """Steps 13-15: routing table -> next hop and interface -> destination cache."""
    route = node.routes.lookup(dst, usable=node.route_usable, reachable=node.next_hop_reachable)
    if run is not NO_RUN:  # trace text only when tracing
        send_step(run, 13, f"route {route}" if route else "no matching route", destination=dst, route=route)
    if route is not None:
        next_hop = route.next_hop if route.next_hop is not None else dst
        ifname = route.ifname
        decision = "on-link: next hop is the destination" if route.next_hop is None else "via"
        if run is not NO_RUN and route.next_hop is not None:
            decision = f"via {next_hop!s}"
    else:
        # "If no route is found, IPv6 assumes that the destination is directly reachable" - but
        # only when the node has exactly one way to guess the interface (RFC 4861 §5.2 dropped
        # this rule for global destinations; we keep it for the single-interface link-local case).
        up = [i for i in node.interfaces.values() if i.attached]
        if dst.is_link_local and len(up) == 1:
            next_hop, ifname = dst, up[0].name
            decision = "no route: assumed on-link on the only interface"
        else:
            if run is not NO_RUN:
                send_step(run, 14, "no route: cannot send")
            return None
    if run is not NO_RUN:
        send_step(run, 14, decision, next_hop=next_hop, interface=ifname)
    entry = node.dest_cache.update(dst, next_hop, ifname, route)
    if run is not NO_RUN:  # trace text only when tracing
        send_step(run, 15, f"{dst!s} -> {next_hop!s} on {ifname}", entry=entry)
    return entry


def send(node: IPv6Node, packet: IPv6) -> bool:
    """Run Figure 35 for ``packet``. True if it was sent or is waiting for address resolution."""
    trace = node.trace
    run: Any = (trace.start_run("send", node.name, node.now, packet) or NO_RUN) if trace.enabled else NO_RUN
    hooks = node.mobility
    tunneled = False
    version = node.routes.version
    if node.dest_cache.routes_version != version:  # DestinationCache.sync, asked only when it has work
        node.dest_cache.sync(version)
    if hooks is None and run is NO_RUN:
        # A plain node, untraced: what the loop below does for it (steps 1-2, 13-15, 5, then 16), without the
        # mobility questions it never asks and the step records it does not keep.
        entry = node.dest_cache.lookup(packet.dst) or route_to(node, packet.dst, run)
        if entry is None:
            return _finish(run, packet, "discarded: no route to destination", False)
        return resolve_and_send(node, packet, entry.next_hop, entry.ifname, run)
    if run is NO_RUN:
        return _send_untraced(node, packet, hooks)
    while True:
        dst = packet.dst
        entry = node.dest_cache.lookup(dst)
        if run is not NO_RUN:
            send_step(run, 1, "entry found" if entry else "no entry", destination=dst, entry=entry)
        if entry is None:
            if run is not NO_RUN:
                send_step(run, 2, "no -> step 13")
            entry = route_to(node, dst, run)
            if entry is None:
                return _finish(run, packet, "discarded: no route to destination", False)
        else:
            if run is not NO_RUN:
                send_step(run, 2, "yes -> step 3")

        # Step 3: a pointer to a binding cache entry (the destination is a mobile node away from home).
        binding = None
        if hooks is None:
            if run is not NO_RUN:
                send_step(run, 3, "no binding cache pointer (no mobility)")
        elif isinstance(packet.payload, MobilityHeader):
            if run is not NO_RUN:
                send_step(run, 3, "Mobility Header bypasses the binding cache (RFC 6275 §6.1)")
        elif packet.routing_type2 is not None or tunneled:
            if run is not NO_RUN:
                send_step(run, 3, "not for this packet (already routed)")
        else:
            binding = hooks.binding_cache_lookup(dst)
            entry.binding = binding
            if run is not NO_RUN:
                send_step(
                    run,
                    3,
                    "pointer to binding cache entry" if binding is not None else "no binding cache pointer",
                    binding=binding,
                )

        if binding is not None:
            coa = binding.care_of_address
            packet = _readdressed(packet, packet.src, coa, insert_ext(packet.ext, RoutingType2(dst)))
            coa_entry = node.dest_cache.lookup(coa) or route_to(node, coa, run)
            if coa_entry is None:
                return _finish(run, packet, "discarded: no route to care-of address", False)
            if run is not NO_RUN:  # trace text only when tracing
                send_step(
                    run,
                    4,
                    f"destination {coa!s}, home address {dst!s} in the Type 2 Routing header",
                    care_of_address=coa,
                    home_address=dst,
                    next_hop=coa_entry.next_hop,
                    interface=coa_entry.ifname,
                )
            next_hop, ifname = coa_entry.next_hop, coa_entry.ifname
            use = getattr(binding, "note_use", None)
            if use is not None:
                use(node.now)
        else:
            next_hop, ifname = entry.next_hop, entry.ifname
            if run is not NO_RUN:  # formatting an address costs more than the step itself
                send_step(run, 5, f"{next_hop!s} on {ifname}", next_hop=next_hop, interface=ifname)

        # Step 6: the outer packet of a reverse tunnel goes straight to the neighbor cache.
        if tunneled:
            if run is not NO_RUN:
                send_step(run, 6, "yes -> step 16")
            break
        if run is not NO_RUN:
            send_step(run, 6, "no")

        # Step 7: only a mobile node away from home, sending from its home address, goes on. The
        # decisions start with the label of the edge they take (Figure 35's "at home" arrow; RFC 6275
        # adds: a packet the mobility code already sends from the care-of address needs nothing more).
        if hooks is None or not hooks.is_mobile_node():
            if run is not NO_RUN:
                send_step(run, 7, "not MN: an ordinary host -> step 16")
            break
        if not hooks.away_from_home():
            if run is not NO_RUN:
                send_step(run, 7, "at home: a mobile node at home sends like any host -> step 16")
            break
        home = hooks.home_address
        if packet.src is not home and packet.src != home:
            if run is not NO_RUN:
                send_step(
                    run,
                    7,
                    "source not HoA: away, but the packet is sent from the care-of address as built -> step 16",
                    source=packet.src,
                )
            break
        if run is not NO_RUN:
            send_step(run, 7, "away: from the home address -> step 8")

        # Step 8: the binding update list.
        is_mh = isinstance(packet.payload, MobilityHeader)
        bul = None
        if is_mh:
            if run is not NO_RUN:
                send_step(run, 8, "Mobility Header from the home address: reverse tunnel (RFC 6275 §6.1)")
        else:
            bul = hooks.bul_lookup(dst)
            if run is not NO_RUN:
                send_step(run, 8, "found" if bul is not None else "not found", entry=bul)
        if bul is not None:
            coa = hooks.care_of_address
            hao = home_address_header(home)
            packet = _readdressed(packet, coa, packet.dst, insert_ext(packet.ext, hao))
            if run is not NO_RUN:  # trace text only when tracing
                send_step(run, 9, f"source {coa!s}, home address {home!s}", care_of_address=coa, home_address=home)
            break

        if not is_mh:
            capable = hooks.is_mipv6_capable(dst)
            if run is not NO_RUN:
                send_step(
                    run,
                    10,
                    {True: "yes", None: "not determined (assumed capable)", False: "no -> step 12"}[capable],
                    capable=capable,
                )
            if capable is not False:
                started = hooks.registration_initiated(dst)
                if not started:
                    hooks.initiate_registration(dst)
                if run is not NO_RUN:
                    send_step(run, 11, "yes" if started else "no: initiated now", initiated=started)
        outer = hooks.tunnel_to_home_agent(packet)
        if outer is None:
            if run is not NO_RUN:
                send_step(run, 12, "no home agent: cannot tunnel")
            return _finish(run, packet, "discarded: no home agent to tunnel to", False)
        if run is not NO_RUN:  # trace text only when tracing
            send_step(
                run,
                12,
                f"encapsulated {outer.src!s} -> {outer.dst!s}; go to step 1",
                home_agent=outer.dst,
                care_of_address=outer.src,
            )
        packet = outer
        tunneled = True

    return resolve_and_send(node, packet, next_hop, ifname, run)


def _send_untraced(node: IPv6Node, packet: IPv6, hooks: Any) -> bool:
    """:func:`send`'s loop for a node with mobility when nothing is traced: the same questions to the same hooks in
    the same order, the same packets and results, without the step records (every data packet a mobile node or a
    correspondent sends passes here)."""
    tunneled = False
    dest_cache = node.dest_cache
    entries = dest_cache.entries  # DestinationCache.lookup, inline
    while True:
        dst = packet.dst
        entry = entries.get(dst)
        if entry is None:
            entry = route_to(node, dst, NO_RUN)
            if entry is None:
                return _finish(NO_RUN, packet, "discarded: no route to destination", False)

        # Step 3
        binding = None
        payload_is_mh = isinstance(packet.payload, MobilityHeader)
        if not payload_is_mh and not tunneled and (not packet.ext or packet.routing_type2 is None):
            binding = hooks.binding_cache_lookup(dst)
            entry.binding = binding
        if binding is not None:
            coa = binding.care_of_address
            packet = _readdressed(packet, packet.src, coa, insert_ext(packet.ext, RoutingType2(dst)))
            coa_entry = dest_cache.lookup(coa) or route_to(node, coa, NO_RUN)
            if coa_entry is None:
                return _finish(NO_RUN, packet, "discarded: no route to care-of address", False)
            next_hop, ifname = coa_entry.next_hop, coa_entry.ifname
            use = getattr(binding, "note_use", None)
            if use is not None:
                use(node.now)
        else:
            next_hop, ifname = entry.next_hop, entry.ifname

        # Steps 6-7
        if tunneled or not hooks.is_mobile_node() or not hooks.away_from_home():
            break
        home = hooks.home_address
        if packet.src is not home and packet.src != home:
            break

        # Steps 8-9
        bul = None if payload_is_mh else hooks.bul_lookup(dst)
        if bul is not None:
            packet = _readdressed(
                packet, hooks.care_of_address, packet.dst, insert_ext(packet.ext, home_address_header(home))
            )
            break

        # Steps 10-12
        if not payload_is_mh:
            capable = hooks.is_mipv6_capable(dst)
            if capable is not False and not hooks.registration_initiated(dst):
                hooks.initiate_registration(dst)
        outer = hooks.tunnel_to_home_agent(packet)
        if outer is None:
            return _finish(NO_RUN, packet, "discarded: no home agent to tunnel to", False)
        packet = outer
        tunneled = True

    return resolve_and_send(node, packet, next_hop, ifname, NO_RUN)


def resolve_and_send(
    node: IPv6Node,
    packet: IPv6,
    next_hop: Addr,
    ifname: str,
    run: Any,
    *,
    steps: bool = True,
    octets: bytes | None = None,
) -> bool:
    """Steps 16-19: the neighbor cache, address resolution if needed, and the frame.

    ``steps=False`` for forwarded packets (a router's forwarding is not Figure 35; its run is the
    receiving one): the same logic, recorded only in the run's result. ``octets``: ``packet``
    already encoded (a router's forwarding fast path), sent as they are.
    """
    r = run if steps else NO_RUN
    record = r is not NO_RUN  # every packet passes here: build step records only when they are kept
    iface = node.interfaces.get(ifname)
    if iface is None or not iface.attached:
        if r is not NO_RUN:  # trace text only when tracing
            send_step(r, 16, f"interface {ifname} is down")
        return _finish(run, packet, f"discarded: interface {ifname} down", False)
    nc = iface.neighbors
    e = nc.entries.get(next_hop)  # NeighborCache.get, inline (every packet sent)
    if record and r is not NO_RUN:  # trace text only when tracing
        send_step(r, 16, _STATE_TEXT[e.state] if e else "no entry", next_hop=next_hop, state=e.state if e else None)
    if e is not None and e.state is not NudState.INCOMPLETE:
        if e.state is NudState.STALE:
            nc.resolve(next_hop, packet, node.now)  # STALE -> DELAY starts NUD (other states: nothing to do)
        if record:
            send_step(r, 17, e.mac, mac=e.mac, state=e.state)
        node.transmit(ifname, e.mac or "", packet, run.id, octets)
        if record and r is not NO_RUN:  # trace text only when tracing
            send_step(r, 19, f"to {e.mac} on {ifname}", mac=e.mac, interface=ifname)
        run.result = "sent" if steps else "forwarded"  # _finish(run, packet, ..., True), written out
        if run is not NO_RUN and isinstance(run, AlgorithmRun):
            run.output = packet
        return True
    nc.resolve(next_hop, (packet, run, steps), node.now)
    send_step(
        r,
        18,
        "neighbor solicitation sent, packet queued" if e is None else "resolution in progress, packet queued",
        next_hop=next_hop,
    )
    return _finish(run, packet, "queued for address resolution", True)


def _finish(run: Any, packet: IPv6, result: str, ok: bool) -> bool:
    run.result = result
    if ok and isinstance(run, AlgorithmRun):
        run.output = packet
    return ok
