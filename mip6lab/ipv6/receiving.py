"""The Mobile IPv6 host receiving algorithm: white paper Figure 36, steps 1-12.

Every packet a node receives goes through :func:`receive`, except Neighbor Discovery messages
(RS, RA, NS, NA, Redirect), which ``IPv6Node`` handles on a short path: they are link-scoped,
carry no extension headers, and must be checked for hop limit 255 before anything else.

Each step is recorded under its label from :mod:`mip6lab.ipv6.steps`
(:func:`~mip6lab.ipv6.steps.receive_step`), the one definition of Figure 36 that the flowchart
widget draws too. The steps as implemented (the mobility ones ask ``node.mobility``; see
:mod:`mip6lab.ipv6.mobility_hooks`):

1. destination assigned to us (or a group we joined)? If not: a home agent may intercept it,
   a router forwards it, a host silently discards it.
2. Type 2 Routing header -> logical destination = its home address. A node without mobility
   does not know routing type 2: Parameter Problem code 0 (RFC 8200 §4.4).
   A Type 2 Routing header with the wrong Hdr Ext Len (a generic routing header of type 2 to the
   codec) is silently discarded at a Mobile IPv6 node (RFC 6275 §6.4).
3. tunneled from our home agent (IPv6-in-IPv6, or tunnel-mode ESP around the inner packet, RFC
   3776: the Home Test)? 4. Home Test? 5. sender Mobile IPv6-capable?
   6. correspondent registration initiated? 7. strip the outer header (and ESP). The hooks open
   the tunnel first (``strip_tunnel``) - a Home Test cannot be recognised inside ESP otherwise -
   and step 7 is recorded where the figure puts it. A tunnelled Mobility Header (a peer that is a
   mobile node too, doing its own return routability) starts no registration at 5-6, as on the
   sending side (RFC 6275 §6.1).
8. Home Address option -> logical source = the home address. A node without mobility does not
   know option 201: its high bits 11 mean discard + Parameter Problem code 2 (RFC 8200 §4.2).
9. the remaining extension headers in order, then the upper-layer checksum (wrong: silently
   discarded), then the protocol for the Next Header (none: Parameter Problem code 1).
10. not TCP/UDP: pass to the protocol (ICMPv6 echo is answered here).
11. TCP/UDP: the transport checks the port; with no listener it calls ``node.icmp_error``
    (UDP: Port Unreachable) or ``node.report_no_listener`` (TCP: reset), recorded as step 11.
12. a listener exists: delivered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mip6lab.ipv6.sending import NO_RUN
from mip6lab.ipv6.steps import receive_step
from mip6lab.ipv6.upper import new_delivery
from mip6lab.wire import icmp as I
from mip6lab.wire.codec import encode_ipv6, upper_checksum_ok
from mip6lab.wire.ip import (
    ESP,
    NH_ESP,
    NH_ICMPV6,
    NH_IPV6,
    NH_MOBILITY,
    NH_NONE,
    NH_TCP,
    NH_UDP,
    DestinationOptions,
    Fragment,
    HomeAddressOption,
    HopByHopOptions,
    IPv6,
    Pad1,
    PadN,
    RawPayload,
    RoutingHeader,
    RoutingType2,
    UnknownOption,
)
from mip6lab.wire.mh import MobilityHeader
from mip6lab.wire.transport import TCP, UDP

if TYPE_CHECKING:
    from mip6lab.ipv6.node import IPv6Node

PROTOCOL_NAMES = {
    NH_TCP: "TCP",
    NH_UDP: "UDP",
    NH_ICMPV6: "ICMPv6",
    NH_MOBILITY: "Mobility Header",
    NH_IPV6: "IPv6",
    NH_ESP: "ESP",
}
MAX_NESTING = 3  # IPv6-in-IPv6 decapsulations per received frame


def next_header_of(payload: Any) -> int:
    if isinstance(payload, TCP):
        return NH_TCP
    if isinstance(payload, UDP):
        return NH_UDP
    if isinstance(payload, MobilityHeader):
        return NH_MOBILITY
    if isinstance(payload, IPv6):
        return NH_IPV6
    if isinstance(payload, ESP):
        return NH_ESP
    if isinstance(payload, RawPayload):
        return payload.nh
    return NH_ICMPV6


_NEXT_HEADER_BY_TYPE = {TCP: NH_TCP, UDP: NH_UDP, MobilityHeader: NH_MOBILITY, IPv6: NH_IPV6, ESP: NH_ESP}
""":func:`next_header_of` for the exact types, in one look-up (every received packet asks)."""


def ext_offset(packet: IPv6, index: int) -> int:
    """Octet offset of extension header ``index`` (== len(ext): of the upper-layer header)."""
    head = IPv6(packet.src, packet.dst, RawPayload(NH_NONE), packet.ext[:index])
    return len(encode_ipv6(head))


def option_size(o: Any) -> int:
    if isinstance(o, Pad1):
        return 1
    if isinstance(o, HomeAddressOption):
        return 18
    return 2 + len(getattr(o, "data", b""))


def option_pointer(packet: IPv6, index: int, opt: Any) -> int:
    header = packet.ext[index]
    pos = ext_offset(packet, index) + 2
    for o in header.options:  # type: ignore[union-attr]
        if o is opt:
            return pos
        pos += option_size(o)
    return pos


def next_header_pointer(packet: IPv6) -> int:
    """Where the Next Header field naming the upper layer sits (RFC 4443 §3.4 pointer)."""
    return 6 if not packet.ext else ext_offset(packet, len(packet.ext) - 1)


def receive(node: IPv6Node, packet: IPv6, ifname: str, *, link_multicast: bool = False, depth: int = 0) -> Any:
    """Run Figure 36 for ``packet`` received on ``ifname``. Returns the run record (or a stand-in)."""
    run: Any = node.trace.start_run("receive", node.name, node.now, packet) or NO_RUN
    hooks = node.mobility
    iface = node.interfaces[ifname]

    # Step 1
    dst = packet.dst
    ours = iface.in_group(dst) if dst.is_multicast else node.is_local_destination(dst)
    if not ours:
        if hooks is not None and hooks.intercept(packet, ifname):
            if run is not NO_RUN:
                receive_step(run, 1, "no: intercepted for a binding (home agent)", destination=dst)
            run.result = "intercepted by the home agent"
            return run
        if node.is_router and not dst.is_multicast:
            if run is not NO_RUN:
                receive_step(run, 1, "no: router forwards", destination=dst)
            node.forward(packet, ifname, run, link_multicast=link_multicast)
            return run
        if run is not NO_RUN:
            receive_step(run, 1, "no: silently discard", destination=dst)
        run.result = "discarded: not for us"
        return run
    if run is not NO_RUN:
        receive_step(run, 1, "yes", destination=dst)
    ext = packet.ext  # most packets have none: the header walks below are skipped then
    payload = packet.payload
    kind = type(payload)
    if run is NO_RUN and (kind is UDP or kind is TCP):
        # Untraced, a datagram or segment without extension headers, or (at a node with mobility) behind a
        # Destination Options header holding only a Home Address option and padding: what steps 2-12 below do
        # for it (no Type 2 Routing header, no tunnel, no other option to judge, no step to record): step 8's
        # question to the mobility code, the checksum, then the transport.
        src = packet.src
        if ext:
            hao = _plain_home_address_option(ext) if hooks is not None else None
            if hao is None:
                return _receive_general(node, packet, ifname, run, hooks, dst, link_multicast, depth)
            src = hooks.process_home_address_option(packet, hao)  # type: ignore[union-attr]
            if src is None:
                return _result(run, "discarded: Home Address option rejected")
        if not upper_checksum_ok(packet):
            return _result(run, "discarded: bad checksum")
        nh = NH_UDP if kind is UDP else NH_TCP
        delivery = new_delivery(src, dst, payload, packet, ifname, False, None)
        run.output = delivery
        handlers = node.upper.get(nh)
        if not handlers:
            node.no_transport(delivery, nh, run)
            return run
        node.dispatch(handlers, delivery, run)
        if not run.result:
            run.result = "delivered to UDP" if kind is UDP else "delivered to TCP"
        return run
    return _receive_general(node, packet, ifname, run, hooks, dst, link_multicast, depth)


def _plain_home_address_option(ext: tuple) -> HomeAddressOption | None:
    """The Home Address option of extension headers that are one Destination Options header holding it and
    padding only (what a route-optimized packet from a mobile node carries), else None: then nothing but
    step 8 has anything to do with the headers (no Type 2 Routing header, no option for step 9 to judge)."""
    if len(ext) != 1 or type(ext[0]) is not DestinationOptions:
        return None
    hao = None
    for o in ext[0].options:
        t = type(o)
        if t is HomeAddressOption:
            if hao is None:
                hao = o
        elif t is not PadN and t is not Pad1:
            return None
    return hao


def _receive_general(
    node: IPv6Node, packet: IPv6, ifname: str, run: Any, hooks: Any, dst: Any, link_multicast: bool, depth: int
) -> Any:
    """Steps 2-12 of :func:`receive` for a packet that is ours, whatever it carries."""
    ext = packet.ext
    for idx in range(1, len(ext)):
        if isinstance(ext[idx], HopByHopOptions):
            # RFC 8200 §4: Hop-by-Hop Options only right after the IPv6 header; elsewhere its Next
            # Header value is unrecognized (code 1), pointer at the field that named it (as Linux does).
            node.icmp_error(
                packet,
                I.PARAM_PROBLEM,
                I.PP_UNRECOGNIZED_NEXT_HEADER,
                ext_offset(packet, idx - 1),
                link_multicast=link_multicast,
            )
            return _result(run, "ICMPv6 parameter problem: Hop-by-Hop Options header not first")

    # Step 2
    logical_dst = dst
    rh2 = packet.routing_type2 if ext else None
    if hooks is not None and rh2 is None and ext and _malformed_type2(packet):
        # RFC 6275 §6.4: a Type 2 Routing header whose Hdr Ext Len is not 2 (the codec keeps it as a
        # generic routing header) is discarded, never answered with a Parameter Problem.
        if run is not NO_RUN:
            receive_step(run, 2, "yes, malformed (Hdr Ext Len not 2): silently discarded")
        return _result(run, "discarded: malformed Type 2 Routing header")
    if rh2 is None or rh2.segments_left == 0:
        if run is not NO_RUN:
            receive_step(run, 2, "no" if rh2 is None else "Segments Left 0: ignored")
    elif hooks is None:
        idx = packet.ext.index(rh2)
        if run is not NO_RUN:
            receive_step(run, 2, "yes, but routing type 2 is not supported (no mobility)")
        node.icmp_error(
            packet,
            I.PARAM_PROBLEM,
            I.PP_ERRONEOUS_HEADER,
            ext_offset(packet, idx) + 2,
            link_multicast=link_multicast,
        )
        return _result(run, "ICMPv6 parameter problem: unsupported routing type")
    else:
        home = hooks.process_type2_routing(packet, rh2)
        if home is None:
            if run is not NO_RUN:
                receive_step(run, 2, "yes: rejected, discarded", home_address=rh2.home_address)
            return _result(run, "discarded: Type 2 Routing header rejected")
        logical_dst = home
        if run is not NO_RUN:  # trace text only when tracing
            receive_step(run, 2, f"yes: destination is now {home!s}", home_address=home)

    # Steps 3-7
    tunneled, outer = False, None
    if not isinstance(packet.payload, (IPv6, ESP)):
        if run is not NO_RUN:
            receive_step(run, 3, "no -> step 8")
    elif hooks is None or not hooks.tunneled_from_home_agent(packet):
        if run is not NO_RUN:
            receive_step(run, 3, "no -> step 8" if hooks else "not applicable (no mobility) -> step 8")
    else:
        if run is not NO_RUN:
            receive_step(run, 3, "yes", home_agent=packet.src)
        inner = hooks.strip_tunnel(packet)
        if inner is None:
            if run is not NO_RUN:
                receive_step(run, 7, "inner packet rejected")
            return _result(run, "discarded: tunneled packet rejected")
        if hooks.process_home_test(inner):
            if run is not NO_RUN:
                receive_step(run, 4, "yes: processed")
            return _result(run, "Home Test processed")
        if run is not NO_RUN:
            receive_step(run, 4, "no")
        sender = inner.src
        if isinstance(inner.payload, MobilityHeader):
            # The peer is doing mobility signalling with us (e.g. its own return routability when it is
            # a mobile node too): like the sending side, Mobility Header packets start no correspondent
            # registration (RFC 6275 §6.1) - least of all with a care-of address as the "sender".
            capable = False
            if run is not NO_RUN:
                receive_step(run, 5, "Mobility Header: no correspondent registration -> step 7")
        else:
            capable = hooks.is_mipv6_capable(sender)
            if run is not NO_RUN:
                receive_step(
                    run,
                    5,
                    {True: "yes", None: "not determined (assumed capable)", False: "no -> step 7"}[capable],
                    sender=sender,
                )
        if capable is not False:
            started = hooks.registration_initiated(sender)
            if not started:
                hooks.initiate_registration(sender)
            if run is not NO_RUN:
                receive_step(run, 6, "yes" if started else "no: initiated now", initiated=started)
        if run is not NO_RUN:  # trace text only when tracing
            receive_step(run, 7, f"inner {inner.src!s} -> {inner.dst!s}", outer_src=packet.src, outer_dst=packet.dst)
        outer, packet, tunneled = packet, inner, True
        logical_dst = inner.dst

    # Step 8
    logical_src = packet.src
    hao = packet.home_address_option if packet.ext else None
    if hao is None:
        if run is not NO_RUN:
            receive_step(run, 8, "no")
    elif hooks is None:
        if run is not NO_RUN:
            receive_step(run, 8, "yes, but not supported (no mobility): option type 201 -> discard + ICMP")
        idx, opt = _find_option(packet, hao)
        if not packet.dst.is_multicast:
            node.icmp_error(
                packet,
                I.PARAM_PROBLEM,
                I.PP_UNRECOGNIZED_OPTION,
                option_pointer(packet, idx, opt),
                link_multicast=link_multicast,
            )
        return _result(run, "ICMPv6 parameter problem: unrecognized option")
    else:
        home = hooks.process_home_address_option(packet, hao)
        if home is None:
            if run is not NO_RUN:
                receive_step(run, 8, "yes: rejected, discarded", home_address=hao.home_address)
            return _result(run, "discarded: Home Address option rejected")
        logical_src = home
        if run is not NO_RUN:  # trace text only when tracing
            receive_step(run, 8, f"yes: source is now {home!s}", home_address=home)

    # Step 9: remaining extension headers in order, checksum, protocol.
    for idx, h in enumerate(packet.ext):
        if isinstance(h, (HopByHopOptions, DestinationOptions)):
            for opt in h.options:
                if isinstance(opt, (Pad1, PadN)) or (
                    isinstance(opt, HomeAddressOption) and isinstance(h, DestinationOptions)
                ):
                    continue
                otype = opt.otype if isinstance(opt, UnknownOption) else 201
                action = otype >> 6
                if action == 0:
                    continue
                if run is not NO_RUN:  # trace text only when tracing
                    receive_step(run, 9, f"unrecognized option type {otype}: action {action:02b}")
                if action == 2 or (action == 3 and not packet.dst.is_multicast):
                    node.icmp_error(
                        packet,
                        I.PARAM_PROBLEM,
                        I.PP_UNRECOGNIZED_OPTION,
                        option_pointer(packet, idx, opt),
                        link_multicast=link_multicast,
                        option_type=otype,
                    )
                    return _result(run, "ICMPv6 parameter problem: unrecognized option")
                return _result(run, "discarded: unrecognized option")
        elif isinstance(h, RoutingHeader) and h.segments_left != 0:
            if run is not NO_RUN:  # trace text only when tracing
                receive_step(run, 9, f"routing type {h.routing_type} not supported")
            node.icmp_error(
                packet,
                I.PARAM_PROBLEM,
                I.PP_ERRONEOUS_HEADER,
                ext_offset(packet, idx) + 2,
                link_multicast=link_multicast,
            )
            return _result(run, "ICMPv6 parameter problem: unsupported routing type")
        elif isinstance(h, Fragment) and (h.offset or h.more):
            if run is not NO_RUN:
                receive_step(run, 9, "fragment: reassembly not supported")
            return _result(run, "discarded: fragment (no reassembly)")
    payload = packet.payload
    nh = _NEXT_HEADER_BY_TYPE.get(type(payload)) or next_header_of(payload)
    headers = (
        [type(h).__name__ for h in packet.ext if not isinstance(h, RoutingType2)]
        if run is not NO_RUN and packet.ext
        else []
    )
    if nh == NH_NONE:
        if run is not NO_RUN:
            receive_step(run, 9, "No Next Header: nothing to deliver", headers=headers)
        return _result(run, "discarded: no next header")
    if not upper_checksum_ok(packet):
        if run is not NO_RUN:  # trace text only when tracing
            receive_step(run, 9, f"{PROTOCOL_NAMES.get(nh, nh)} checksum wrong: silently discarded", headers=headers)
        return _result(run, "discarded: bad checksum")
    handlers = node.upper.get(nh) or ()
    builtin = nh in (NH_ICMPV6, NH_IPV6, NH_TCP, NH_UDP)
    if not handlers and not builtin:
        if run is not NO_RUN:  # trace text only when tracing
            receive_step(run, 9, f"no protocol for Next Header {nh}", headers=headers, next_header=nh)
        node.icmp_error(
            packet,
            I.PARAM_PROBLEM,
            I.PP_UNRECOGNIZED_NEXT_HEADER,
            next_header_pointer(packet),
            link_multicast=link_multicast,
        )
        return _result(run, "ICMPv6 parameter problem: unrecognized Next Header")
    name = PROTOCOL_NAMES.get(nh) or str(nh)
    if run is not NO_RUN:  # trace text only when tracing
        receive_step(run, 9, f"Next Header {nh}: {name}", headers=headers, next_header=nh)

    delivery = new_delivery(logical_src, logical_dst, payload, packet, ifname, tunneled, outer)
    run.output = delivery

    # Steps 10-12
    if nh in (NH_TCP, NH_UDP):
        if run is not NO_RUN:  # trace text only when tracing
            receive_step(run, 11, f"{name} port {payload.dport}: handed to {name}", port=payload.dport)
        if not handlers:
            node.no_transport(delivery, nh, run)
            return run
        node.dispatch(handlers, delivery, run)
        if not run.result:
            if run is not NO_RUN:  # trace text only when tracing
                receive_step(run, 12, f"delivered to {name}")
            run.result = f"delivered to {name}"
        return run
    if nh == NH_ICMPV6:
        if run is not NO_RUN:
            receive_step(run, 10, "ICMPv6")
        node.icmp_input(delivery, run)
        return run
    if nh == NH_IPV6 and not handlers:
        if run is not NO_RUN:
            receive_step(run, 10, "IPv6-in-IPv6: decapsulated (RFC 2473), inner packet received")
        run.result = "decapsulated"
        if depth >= MAX_NESTING:
            run.result = "discarded: too many nested tunnels"
            return run
        node.receive_algorithm(node, payload, ifname, link_multicast=False, depth=depth + 1)
        return run
    if run is not NO_RUN:
        receive_step(run, 10, name)
    node.dispatch(handlers, delivery, run)
    if not run.result:
        run.result = f"delivered to {name}"
    return run


def _malformed_type2(packet: IPv6) -> bool:
    return any(isinstance(h, RoutingHeader) and h.routing_type == 2 for h in packet.ext)


def _find_option(packet: IPv6, opt: Any) -> tuple[int, Any]:
    for i, h in enumerate(packet.ext):
        if isinstance(h, DestinationOptions):
            for o in h.options:
                if o is opt or o == opt:
                    return i, o
    return 0, opt


def _result(run: Any, result: str) -> Any:
    run.result = result
    return run
