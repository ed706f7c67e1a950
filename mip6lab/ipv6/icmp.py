"""ICMPv6 error generation (RFC 4443 §2.4) and echo.

Three rules keep an error from making things worse:

* never send one about an ICMPv6 error (or a Redirect), and never about a packet sent to a
  multicast address or as a link-layer multicast/broadcast - except Packet Too Big and a
  Parameter Problem code 2 for an option whose type starts with binary 10 (§2.4 (e));
  never about a packet whose source does not name one node (unspecified, multicast);
* carry as much of the invoking packet as fits, without the error exceeding 1280 octets (§2.4 (c));
* rate-limit with a token bucket (§2.4 (f)), on the simulated clock.
"""

from __future__ import annotations

from mip6lab.ipv6 import constants as C
from mip6lab.wire import icmp as I
from mip6lab.wire.ip import IPv6

#: Room for the invoking packet: minimum MTU - IPv6 header - ICMPv6 header.
MAX_INVOKING = C.IPV6_MIN_MTU - 40 - 8


class TokenBucket:
    """``capacity`` tokens, refilled at ``rate`` per second; one token per error sent."""

    def __init__(self, capacity: float = C.ICMP_ERROR_BUCKET_SIZE, rate: float = C.ICMP_ERROR_RATE) -> None:
        self.capacity = capacity
        self.rate = rate
        self.tokens = float(capacity)
        self.last = 0.0

    def take(self, now: float) -> bool:
        self.tokens = min(self.capacity, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


def is_error_or_redirect(pkt: IPv6) -> bool:
    p = pkt.payload
    return isinstance(p, I.ICMP_ERROR_TYPES) or (isinstance(p, I.UnknownICMPv6) and (p.type < 128 or p.type == 137))


def error_allowed(
    invoking: IPv6,
    icmp_type: int,
    code: int,
    *,
    link_multicast: bool = False,
    option_type: int | None = None,
) -> tuple[bool, str]:
    """May an error of ``icmp_type``/``code`` be sent about ``invoking``? (yes/no, and why)."""
    if is_error_or_redirect(invoking):
        return False, "invoking packet is an ICMPv6 error or Redirect"
    if invoking.src.is_unspecified or invoking.src.is_multicast:
        return False, "source does not identify a single node"
    if invoking.dst.is_multicast or link_multicast:
        exception = icmp_type == I.PACKET_TOO_BIG or (
            icmp_type == I.PARAM_PROBLEM
            and code == I.PP_UNRECOGNIZED_OPTION
            and option_type is not None
            and option_type >> 6 == 0b10
        )
        if not exception:
            return False, "invoking packet was sent to a multicast address"
    return True, ""


def make_error(icmp_type: int, code: int, invoking: bytes, *, pointer: int = 0, mtu: int = 0) -> I.ICMPv6Message:
    """The error message carrying ``invoking`` truncated to fit the minimum MTU."""
    data = invoking[:MAX_INVOKING]
    if icmp_type == I.DEST_UNREACH:
        return I.DestinationUnreachable(code, data)
    if icmp_type == I.PACKET_TOO_BIG:
        return I.PacketTooBig(mtu, data)
    if icmp_type == I.TIME_EXCEEDED:
        return I.TimeExceeded(code, data)
    if icmp_type == I.PARAM_PROBLEM:
        return I.ParameterProblem(code, pointer, data)
    raise ValueError(f"ICMPv6 type {icmp_type} is not an error")


ERROR_NAMES = {
    (I.DEST_UNREACH, I.DU_NO_ROUTE): "destination unreachable: no route",
    (I.DEST_UNREACH, I.DU_ADMIN_PROHIBITED): "destination unreachable: administratively prohibited",
    (I.DEST_UNREACH, I.DU_BEYOND_SCOPE): "destination unreachable: beyond scope of source address",
    (I.DEST_UNREACH, I.DU_ADDRESS_UNREACHABLE): "destination unreachable: address unreachable",
    (I.DEST_UNREACH, I.DU_PORT_UNREACHABLE): "port unreachable",
    (I.TIME_EXCEEDED, I.TE_HOP_LIMIT): "time exceeded: hop limit",
    (I.PARAM_PROBLEM, I.PP_ERRONEOUS_HEADER): "parameter problem: erroneous header field",
    (I.PARAM_PROBLEM, I.PP_UNRECOGNIZED_NEXT_HEADER): "parameter problem: unrecognized Next Header",
    (I.PARAM_PROBLEM, I.PP_UNRECOGNIZED_OPTION): "parameter problem: unrecognized option",
}


def error_name(icmp_type: int, code: int) -> str:
    if icmp_type == I.PACKET_TOO_BIG:
        return "packet too big"
    return ERROR_NAMES.get((icmp_type, code), f"ICMPv6 error {icmp_type}/{code}")
