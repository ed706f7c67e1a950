"""Mobility Header input rules that every Mobile IPv6 node applies (RFC 6275 §9.2, §9.3.1, §6.1).

Before a correspondent node or a home agent looks at *what* a Mobility Header says, it checks that
the header is well formed, and it answers some problems on the wire:

=============================================  ==============================================================
situation                                       answer
=============================================  ==============================================================
MH checksum wrong                               silently discarded (the receiving algorithm, step 9, does it)
Payload Proto is not 59 ("piggybacking")        ICMPv6 Parameter Problem code 0, pointer -> Payload Proto
Header Len below the minimum for the MH Type    ICMPv6 Parameter Problem code 0, pointer -> Header Len
unknown MH Type                                 Binding Error status 2 to the packet's source
Home Address option but no binding for it       Binding Error status 1 to the packet's source (not for a BU)
=============================================  ==============================================================

Binding Errors are rate limited (§9.3.1 "MUST be rate limited"; the RFC names no number, so mip6lab
allows ``MAX_UPDATE_RATE`` per destination per second, the same budget §11.8 gives mobility messages)
and never go to a multicast or unspecified source.

The codec refuses to decode a Mobility Header that is shorter than its type needs (the frame is
undecodable as a whole), so the Header Len case cannot reach the receiving algorithm. A role that
wants to answer it calls :func:`answer_short_mobility_header` from its ``on_decode_error`` hook
(:meth:`mip6lab.ipv6.role.NodeRole.on_decode_error`) with the :class:`~mip6lab.wire.codec.DecodeError`:
the error's offset *is* the Header Len field (the codec documents this), and the three things
needed from the refused octets - IPv6 source, destination and the octets themselves for the ICMPv6
error - sit at fixed places in the IPv6 header.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from ipaddress import IPv6Address
from typing import TYPE_CHECKING

from mip6lab.ipv6.icmp import make_error
from mip6lab.ipv6.receiving import ext_offset
from mip6lab.mobility.backoff import RateLimiter
from mip6lab.mobility.constants import LOG_LIMIT, MAX_UPDATE_RATE
from mip6lab.wire import icmp as I
from mip6lab.wire.codec import DecodeError
from mip6lab.wire.ip import NH_NONE, Addr, IPv6, RoutingType2
from mip6lab.wire.mh import MH_NAMES, MH_SHORT, BindingError, MobilityHeader, MobilityMessage, mh_type_of

if TYPE_CHECKING:
    from mip6lab.ipv6.node import IPv6Node
    from mip6lab.ipv6.role import NodeRole

__all__ = [
    "BindingErrorSender",
    "ShortHeader",
    "mh_packet",
    "payload_proto_problem",
    "reply_destination",
    "short_mobility_header",
]

_ETH_HEADER = 14
_IPV6_HEADER = 40


def mh_packet(
    src: Addr, dst: Addr, message: MobilityMessage, *, home_address: Addr | None = None, hlim: int = 64
) -> IPv6:
    """A Mobility Header packet. With ``home_address`` it goes to ``dst`` (a care-of address) with a
    Type 2 Routing header carrying the home address (white paper Figures 21 and 23). A Destination
    Options header, if a caller adds one later, goes *after* the routing header (§6.4, RFC 8200)."""
    ext = (RoutingType2(home_address),) if home_address is not None and home_address != dst else ()
    return IPv6(src, dst, MobilityHeader(message), ext, hlim=hlim)


def reply_destination(source_address: Addr, home_address: Addr) -> tuple[Addr, Addr | None]:
    """Where a Binding Acknowledgement goes (§9.5.4): to the packet's source address, with a Type 2
    Routing header carrying the home address unless that source *is* the home address (a mobile node
    back home de-registering). Returns (destination, home address for the Type 2 RH or None)."""
    if source_address == home_address:
        return home_address, None
    return source_address, home_address


def payload_proto_problem(packet: IPv6, mh: MobilityHeader) -> int | None:
    """§9.2: the Payload Proto field must be 59 (No Next Header). Returns the Parameter Problem
    pointer (the octet offset of Payload Proto, i.e. of the Mobility Header) or None if fine."""
    if mh.payload_proto == NH_NONE:
        return None
    return ext_offset(packet, len(packet.ext))


@dataclass(frozen=True, slots=True)
class ShortHeader:
    """A Mobility Header refused by the codec because its Header Len is below the type's minimum."""

    src: Addr
    dst: Addr
    pointer: int  # octet offset of the Header Len field in the IPv6 packet
    invoking: bytes  # the IPv6 packet's octets (for the ICMPv6 error)


def short_mobility_header(frame: bytes, error: DecodeError) -> ShortHeader | None:
    """Recognise the §9.2 "Header Len too short" case in an undecodable Ethernet frame."""
    if error.layer != "MH" or "below the minimum" not in error.reason:
        return None
    if len(frame) < _ETH_HEADER + _IPV6_HEADER or error.offset <= _ETH_HEADER:
        return None
    ip = frame[_ETH_HEADER:]
    src = IPv6Address(ip[8:24])  # fixed IPv6 header layout (RFC 8200 §3)
    dst = IPv6Address(ip[24:40])
    return ShortHeader(src, dst, error.offset - _ETH_HEADER, bytes(ip))


def answer_short_mobility_header(role: NodeRole, ifname: str, frame: bytes, error: DecodeError) -> bool:
    """Called from a role's ``on_decode_error`` (the codec refused ``frame``). True if ``frame`` was
    a Mobility Header with a too-short Header Len for one of our addresses (answered here)."""
    short = short_mobility_header(frame, error)
    node = role.node
    iface = node.interfaces.get(ifname)
    if short is None or iface is None or not iface.attached or not iface.accepts(frame[0:6].hex(":")):
        return False
    if not node.is_local_destination(short.dst):
        return False
    send_parameter_problem(role, short)
    return True


def send_parameter_problem(role: NodeRole, short: ShortHeader) -> bool:
    """Answer a too-short Mobility Header with Parameter Problem code 0 pointing at Header Len,
    observing RFC 4443 §2.4 (no error to a multicast or unspecified source, rate limited)."""
    if short.src.is_multicast or short.src.is_unspecified or short.dst.is_multicast:
        role.trace_event("mh", f"short Mobility Header from {short.src}: no ICMPv6 error (multicast/unspecified)")
        return False
    if not role.node.icmp_limiter.take(role.now):
        role.trace_event("icmp", f"parameter problem not sent to {short.src}: rate limited")
        return False
    msg = make_error(I.PARAM_PROBLEM, I.PP_ERRONEOUS_HEADER, short.invoking, pointer=short.pointer)
    role.trace_event(
        "mh",
        f"Mobility Header from {short.src}: Header Len below the minimum: Parameter Problem, pointer {short.pointer}",
        pointer=short.pointer,
    )
    return role.send_packet(IPv6(short.dst, short.src, msg, hlim=role.hop_limit()))


class BindingErrorSender:
    """Sends Binding Error messages (§6.1.9, §9.3.1), rate limited in aggregate: a limit per destination
    would let spoofed sources get one Binding Error each (a 1:1 reflector)."""

    NEEDS = ("has_address", "now", "send_packet", "source_address_for", "trace_event")
    """What this unit uses of its node: all it sees (a :class:`~mip6lab.mobility.ports.UnitPort`)."""

    def __init__(self, node: IPv6Node, rate: int = MAX_UPDATE_RATE, window: float = 1.0) -> None:
        self.node = node
        self.limiter = RateLimiter(rate, window)
        self.sent: deque[tuple[float, Addr, int, Addr]] = deque(maxlen=LOG_LIMIT)  # (time, to, status, HoA)

    def send(self, status: int, home_address: Addr, to: Addr, src: Addr) -> bool:
        """Binding Error ``status`` about ``home_address`` to ``to`` (the offending packet's source),
        from ``src`` (the address the offending packet was sent to)."""
        node = self.node
        if to.is_multicast or to.is_unspecified:
            node.trace_event("mh", f"Binding Error {status} not sent: source {to} is not unicast")
            return False
        if not self.limiter.try_send(node.now, "all"):
            node.trace_event("mh", f"Binding Error {status} to {to} rate limited", status=status)
            return False
        if src.is_multicast or not node.has_address(src):
            src = node.source_address_for(to) or src
        self.sent.append((node.now, to, status, home_address))
        node.trace_event(
            "mh", f"Binding Error status {status} to {to} (home address {home_address})", status=status, to=to
        )
        return node.send_packet(mh_packet(src, to, BindingError(status, home_address)))


def describe(message: MobilityMessage) -> str:
    """ "BU", "HoTI", ... for traces (the MH Type's short name, or its number)."""
    t = mh_type_of(message)
    return MH_SHORT.get(t, MH_NAMES.get(t, f"MH type {t}"))


def home_address_of(packet: IPv6) -> Addr:
    """The mobile node's home address as a receiver sees it: the Home Address option's, else the source."""
    hao = packet.home_address_option
    return hao.home_address if hao is not None else packet.src
