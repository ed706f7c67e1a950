"""The one module that knows bytes: typed packet values <-> wire octets.

Theory of operation
-------------------
*Encoding* walks a value from the outside in. The IPv6 header needs the Payload Length and every
Next Header, so extension headers and the payload are encoded first, then the fixed header. Upper
layer checksums (TCP, UDP, ICMPv6, Mobility Header) use RFC 6275's pseudo-header: the source is the
home address of a Home Address option when one is present (§6.3), the destination the home address
of a Type 2 Routing header whose Segments Left is not zero (§6.4) -- the addresses the upper layer
believes in, not the care-of address on the wire. A checksum field that is ``None`` is computed; an
integer is written as given (so a test can send a wrong one).

Option padding follows scapy's *autopad*, the reference: when an options tuple holds no Pad1/PadN,
a pad is inserted before each option to meet its RFC alignment (Home Address 8n+6, Binding Refresh
Advice 2n, Alternate Care-of Address 8n+6, Nonce Indices 2n, Binding Authorization Data 8n+2) and
the header is padded to a multiple of 8 octets. When the tuple holds any pad it is encoded verbatim.
The decoder keeps pads in the tuple, so ``encode(decode(b)) == b`` for every valid ``b``.

*Decoding* is total: it returns a value or raises :class:`DecodeError` (layer, octet offset in the
bytes handed to ``decode_*``, reason) -- nothing else, for any byte string. Lengths must agree
exactly: an IPv6 Payload Length that disagrees with the octets present, a UDP Length that disagrees
with the IPv6 payload, octets after a Mobility Header, options that run past their header, an option
of length 0 in Neighbor Discovery: all are errors. Unknown Next Header values, ICMPv6 types, MH Types
and options decode into the ``Unknown*``/``RawPayload`` values, so a receiver can still answer them as
RFC 6275 §9.2 requires (Binding Error status 2 for an unknown MH Type). A known option or message
whose length or Code does not fit its definition is kept as the matching ``Unknown*`` value rather
than lost, which keeps the round trip exact.

No scapy here: this is the fast path (struct), proved byte-identical to scapy by the tests.
"""

from __future__ import annotations

import functools
import struct
from ipaddress import IPv6Address, IPv6Network
from typing import Any

from mip6lab.wire import icmp as I
from mip6lab.wire import mh as M
from mip6lab.wire.addr import FastAddress, from_packed
from mip6lab.wire.addr import intern as intern_address
from mip6lab.wire.checksum import udp_checksum, upper_layer_sum
from mip6lab.wire.ip import (
    ESP,
    NH_DSTOPTS,
    NH_ESP,
    NH_FRAGMENT,
    NH_HOPOPTS,
    NH_ICMPV6,
    NH_IPV6,
    NH_MOBILITY,
    NH_ROUTING,
    NH_TCP,
    NH_UDP,
    OPT_HOME_ADDRESS,
    Addr,
    DestinationOptions,
    Ethernet,
    ExtHeader,
    Fragment,
    HomeAddressOption,
    HopByHopOptions,
    IPv6,
    Option,
    Pad1,
    PadN,
    RawPayload,
    RoutingHeader,
    RoutingType2,
    UnknownOption,
)
from mip6lab.wire.transport import TCP, UDP
from mip6lab.wire.values import constructor

_new_ipv6 = constructor(IPv6)  # IPv6(src, dst, payload, ext, hlim, tc, fl), built faster (every packet decoded)
_new_udp = constructor(UDP)

__all__ = [
    "DecodeError",
    "encode_ipv6",
    "decode_ipv6",
    "encode_frame",
    "decode_frame",
    "decode_frame_transit",
    "decode_frame_ipv6",
    "encode_upper",
    "upper_checksum_ok",
    "pseudo_addresses",
    "mac_for_multicast",
    "solicited_node_multicast",
    "ha_anycast",
    "mac_to_bytes",
    "bytes_to_mac",
    "with_hop_limit",
    "ETHERTYPE_IPV6",
]

ETHERTYPE_IPV6 = 0x86DD


class DecodeError(Exception):
    """Raised by ``decode_*`` for any byte string that is not a well-formed packet.

    ``layer`` names the header being read ("IPv6", "MH", "ICMPv6", ...), ``offset`` is the octet
    offset *in the bytes given to the decode function* of the field found wrong (for a too-short
    Mobility Header it is the Header Len field, which is what RFC 6275 §9.2's Parameter Problem
    points at), ``reason`` says what was wrong in words.
    """

    def __init__(self, layer: str, offset: int, reason: str) -> None:
        super().__init__(f"{layer} at octet {offset}: {reason}")
        self.layer = layer
        self.offset = offset
        self.reason = reason


# =========================================================================== addresses, MACs
@functools.lru_cache(maxsize=1 << 16)  # one conversion per MAC, not two per frame (a lab of 10,000 nodes: 10,000 MACs)
def mac_to_bytes(mac: str) -> bytes:
    """'00:11:22:33:44:55' -> 6 octets."""
    b = bytes.fromhex(mac.replace(":", "").replace("-", ""))
    if len(b) != 6:
        raise ValueError(f"not a MAC address: {mac!r}")
    return b


def bytes_to_mac(b: bytes) -> str:
    """6 octets -> '00:11:22:33:44:55' (lower case, the form decode returns)."""
    return b.hex(":")


def mac_for_multicast(addr: Addr | str) -> str:
    """RFC 2464 §7: an IPv6 multicast address maps to 33:33 followed by its last 32 bits."""
    p = intern_address(addr).packed
    return "33:33:" + p[12:].hex(":")


_SOLICITED_NODE_PREFIX = bytes.fromhex("ff02" + "00" * 9 + "01ff")


def solicited_node_multicast(addr: Addr | str) -> Addr:
    """RFC 4291 §2.7.1: ff02::1:ffXX:XXXX from the low 24 bits of ``addr``."""
    p = intern_address(addr).packed
    return from_packed(_SOLICITED_NODE_PREFIX + p[13:])


def ha_anycast(prefix: IPv6Network | Addr | str, prefix_len: int = 64) -> Addr:
    """RFC 2526 Mobile IPv6 Home-Agents anycast address (anycast ID 0x7E) of a home prefix.

    For a 64-bit prefix (EUI-64 interface identifiers) the interface identifier is
    FDFF:FFFF:FFFF:FFFE (the "u" bit is zero); for other lengths every host bit is one except the
    low seven, which hold 0x7E. ``prefix`` may be an ``IPv6Network`` or a "prefix/len" string (its
    length wins) or an address.
    """
    if isinstance(prefix, IPv6Network):
        net = prefix
    elif isinstance(prefix, str) and "/" in prefix:
        net = IPv6Network(prefix, strict=False)
    else:
        net = IPv6Network(f"{IPv6Address(prefix)}/{prefix_len}", strict=False)
    base = int(net.network_address)
    host_bits = 128 - net.prefixlen
    if net.prefixlen == 64:
        iid = 0xFDFF_FFFF_FFFF_FF80 | 0x7E
    else:
        iid = ((1 << host_bits) - 1) & ~0x7F | 0x7E
    return IPv6Address(base | iid)


# =========================================================================== option padding
def _pad(n: int) -> bytes:
    """Pad1 for one octet, PadN for more (same encoding for IPv6 and mobility options)."""
    if n == 0:
        return b""
    if n == 1:
        return b"\x00"
    return bytes((1, n - 2)) + bytes(n - 2)


def _delta(x: int, y: int, curpos: int) -> int:
    """Octets needed so that the next option starts at x*n + y (scapy's alignment_delta)."""
    if x == 0:
        return 0
    return x * ((curpos - y + x - 1) // x) + y - curpos


def _encode_options(items: list[tuple[bytes, int, int]], has_pads: bool, start: int) -> bytes:
    """Join encoded options (bytes, align x, align y) starting at offset ``start`` of the header.

    With ``has_pads`` the options are joined verbatim; either way the header is completed to a
    multiple of 8 octets (a valid encoding never needs it in verbatim mode).
    """
    out = []
    cur = start
    for raw, x, y in items:
        if not has_pads:
            d = _delta(x, y, cur)
            if d:
                out.append(_pad(d))
                cur += d
        out.append(raw)
        cur += len(raw)
    r = cur % 8
    if r:
        out.append(_pad(8 - r))
    return b"".join(out)


def decode_upper(nh: int, data: bytes) -> object:
    """Decode what follows a header whose Next Header is ``nh`` (e.g. the plaintext of an ESP
    payload): TCP, UDP, ICMPv6, a Mobility Header, an inner IPv6 packet, ESP, else RawPayload.
    Raises DecodeError only."""
    try:
        return _decode_upper(nh, data, 0, len(data))
    except DecodeError:
        raise
    except Exception as e:  # pragma: no cover - a decoder bug must still surface as DecodeError
        raise DecodeError("upper", 0, f"{type(e).__name__}: {e}") from None


# =========================================================================== IPv6 options
def _ip_option(o: Option) -> tuple[bytes, int, int]:
    if isinstance(o, HomeAddressOption):
        return b"\xc9\x10" + o.home_address.packed, 8, 6
    if isinstance(o, PadN):
        return bytes((1, len(o.data))) + o.data, 0, 0
    if isinstance(o, Pad1):
        return b"\x00", 0, 0
    if isinstance(o, UnknownOption):
        return bytes((o.otype, len(o.data))) + o.data, 0, 0
    raise TypeError(f"not an IPv6 option: {o!r}")


def _encode_ip_options(options: tuple[Option, ...]) -> bytes:
    has_pads = any(isinstance(o, (Pad1, PadN)) for o in options)
    return _encode_options([_ip_option(o) for o in options], has_pads, 2)


def _decode_ip_options(buf: bytes, pos: int, end: int, layer: str) -> tuple[Option, ...]:
    opts: list[Option] = []
    while pos < end:
        t = buf[pos]
        if t == 0:
            opts.append(Pad1())
            pos += 1
            continue
        if pos + 2 > end:
            raise DecodeError(layer, pos, "option truncated before its length field")
        n = buf[pos + 1]
        if pos + 2 + n > end:
            raise DecodeError(layer, pos + 1, f"option length {n} runs past the end of the header")
        data = buf[pos + 2 : pos + 2 + n]
        if t == 1:
            opts.append(PadN(data))
        elif t == OPT_HOME_ADDRESS and n == 16:
            opts.append(HomeAddressOption(from_packed(data)))
        else:
            opts.append(UnknownOption(t, data))
        pos += 2 + n
    return tuple(opts)


# =========================================================================== extension headers
_EXT_NH: dict[type, int] = {
    HopByHopOptions: NH_HOPOPTS,
    DestinationOptions: NH_DSTOPTS,
    RoutingType2: NH_ROUTING,
    RoutingHeader: NH_ROUTING,
    Fragment: NH_FRAGMENT,
}

_RH2 = struct.Struct("!BBBBI16s")
_FRAG = struct.Struct("!BBHI")


def _encode_ext(h: ExtHeader, nh: int) -> bytes:
    """Octets of extension header ``h`` followed by ``nh``; the same value encodes the same, so the
    encodings of the few headers a run uses (a Home Address option, a Type 2 Routing header) are kept."""
    try:
        return _encode_ext_cached(h, nh)
    except TypeError:  # unhashable (a header built with a list of options): encode it as it is
        return _encode_ext_uncached(h, nh)


def _encode_ext_uncached(h: ExtHeader, nh: int) -> bytes:
    t = type(h)
    if t is DestinationOptions or t is HopByHopOptions:
        body = _encode_ip_options(h.options)  # type: ignore[union-attr]
        return bytes((nh, (len(body) + 2) // 8 - 1)) + body
    if t is RoutingType2:
        return _RH2.pack(nh, 2, 2, h.segments_left, h.reserved, h.home_address.packed)  # type: ignore[union-attr]
    if t is RoutingHeader:
        data = h.data  # type: ignore[union-attr]
        r = (4 + len(data)) % 8
        if r:
            data += bytes(8 - r)
        return bytes((nh, (4 + len(data)) // 8 - 1, h.routing_type, h.segments_left)) + data  # type: ignore[union-attr]
    if t is Fragment:
        fo = (h.offset << 3) | (h.res2 << 1) | int(h.more)  # type: ignore[union-attr]
        return _FRAG.pack(nh, h.reserved, fo, h.identification)  # type: ignore[union-attr]
    raise TypeError(f"not an extension header: {h!r}")


# a Home Address option per mobile node and a Type 2 Routing header per binding: 4,096 thrashed at N = 3,000
_encode_ext_cached = functools.lru_cache(maxsize=1 << 16)(_encode_ext_uncached)


def pseudo_addresses(pkt: IPv6) -> tuple[Addr, Addr]:
    """The (source, destination) of the upper-layer pseudo-header, RFC 6275 §6.3/§6.4 applied.

    Source: the home address of the first Home Address option (in wire order), else the IPv6
    source. Destination: the final destination of the last Routing header with Segments Left != 0
    -- the home address for a Type 2 Routing header, the last address for Type 0 -- else the IPv6
    destination. (This is also what scapy's ``in6_pseudoheader`` does.)
    """
    src = pkt.src
    dst = pkt.dst
    hao_found = False
    for h in pkt.ext:
        t = type(h)
        if t is DestinationOptions and not hao_found:
            for o in h.options:  # type: ignore[union-attr]
                if type(o) is HomeAddressOption:
                    src = o.home_address
                    hao_found = True
                    break
        elif t is RoutingType2:
            if h.segments_left:  # type: ignore[union-attr]
                dst = h.home_address  # type: ignore[union-attr]
        elif t is RoutingHeader and h.segments_left and h.routing_type == 0:  # type: ignore[union-attr]
            data = h.data  # type: ignore[union-attr]
            if len(data) >= 20 and (len(data) - 4) % 16 == 0:
                dst = from_packed(data[-16:])
    return src, dst


# =========================================================================== ND options
_ND_PIO = struct.Struct("!BBBBIII16s")
_ND_8 = struct.Struct("!BBHI")
_ND_HAINFO = struct.Struct("!BBHhH")


def _encode_nd_option(o: I.NDOption) -> bytes:
    t = type(o)
    if t is I.SourceLinkLayerAddress:
        return b"\x01\x01" + mac_to_bytes(o.mac)  # type: ignore[union-attr]
    if t is I.TargetLinkLayerAddress:
        return b"\x02\x01" + mac_to_bytes(o.mac)  # type: ignore[union-attr]
    if t is I.PrefixInformation:
        flags = (o.L << 7) | (o.A << 6) | (o.R << 5) | o.reserved1  # type: ignore[union-attr]
        return _ND_PIO.pack(
            I.OPT_PREFIX_INFO,
            4,
            o.prefix_len,  # type: ignore[union-attr]
            flags,
            o.valid_lifetime,  # type: ignore[union-attr]
            o.preferred_lifetime,  # type: ignore[union-attr]
            o.reserved2,  # type: ignore[union-attr]
            o.prefix.packed,  # type: ignore[union-attr]
        )
    if t is I.MTUOption:
        return _ND_8.pack(I.OPT_MTU, 1, o.reserved, o.mtu)  # type: ignore[union-attr]
    if t is I.AdvertisementInterval:
        return _ND_8.pack(I.OPT_ADV_INTERVAL, 1, o.reserved, o.interval_ms)  # type: ignore[union-attr]
    if t is I.HomeAgentInformation:
        return _ND_HAINFO.pack(I.OPT_HA_INFO, 1, o.reserved, o.preference, o.lifetime)  # type: ignore[union-attr]
    if t is I.UnknownNDOption:
        data = o.data  # type: ignore[union-attr]
        r = (len(data) + 2) % 8
        if r:
            data += bytes(8 - r)
        return bytes((o.otype, (len(data) + 2) // 8)) + data  # type: ignore[union-attr]
    raise TypeError(f"not an ND option: {o!r}")


def _decode_nd_options(buf: bytes, pos: int, end: int) -> tuple[I.NDOption, ...]:
    opts: list[I.NDOption] = []
    while pos < end:
        if pos + 2 > end:
            raise DecodeError("ND option", pos, "option truncated before its length field")
        t = buf[pos]
        n = buf[pos + 1]
        if n == 0:
            raise DecodeError("ND option", pos + 1, "option length 0 (RFC 4861 §4.6: discard)")
        stop = pos + 8 * n
        if stop > end:
            raise DecodeError("ND option", pos + 1, f"option length {n} runs past the end of the message")
        if n == 1 and t in (I.OPT_SOURCE_LL, I.OPT_TARGET_LL):
            mac = buf[pos + 2 : stop].hex(":")
            opts.append(I.SourceLinkLayerAddress(mac) if t == 1 else I.TargetLinkLayerAddress(mac))
        elif n == 4 and t == I.OPT_PREFIX_INFO and buf[pos + 2] <= 128:
            # A Prefix Length over 128 makes the option invalid (RFC 4861 §4.6.2: ignore it); it then
            # decodes as UnknownNDOption below, so every receiver skips it and the bytes still round-trip.
            _, _, plen, fl, valid, pref, res2, prefix = _ND_PIO.unpack_from(buf, pos)
            opts.append(
                I.PrefixInformation(
                    from_packed(prefix),
                    plen,
                    bool(fl & 0x80),
                    bool(fl & 0x40),
                    bool(fl & 0x20),
                    valid,
                    pref,
                    fl & 0x1F,
                    res2,
                )
            )
        elif n == 1 and t == I.OPT_MTU:
            _, _, res, v = _ND_8.unpack_from(buf, pos)
            opts.append(I.MTUOption(v, res))
        elif n == 1 and t == I.OPT_ADV_INTERVAL:
            _, _, res, v = _ND_8.unpack_from(buf, pos)
            opts.append(I.AdvertisementInterval(v, res))
        elif n == 1 and t == I.OPT_HA_INFO:
            _, _, res, pref, life = _ND_HAINFO.unpack_from(buf, pos)
            opts.append(I.HomeAgentInformation(pref, life, res))
        else:
            opts.append(I.UnknownNDOption(t, buf[pos + 2 : stop]))
        pos = stop
    return tuple(opts)


# =========================================================================== ICMPv6
_U32 = struct.Struct("!I")
_U16x2 = struct.Struct("!HH")
_RA = struct.Struct("!BBHII")


def _icmp_body(m: I.ICMPv6Message) -> tuple[int, int, bytes]:
    """(Type, Code, everything after the checksum) of an ICMPv6 message."""
    t = type(m)
    if t is I.EchoRequest or t is I.EchoReply:
        return (I.ECHO_REQUEST if t is I.EchoRequest else I.ECHO_REPLY), 0, _U16x2.pack(m.ident, m.seq) + m.data  # type: ignore[union-attr]
    if t is I.NeighborSolicitation:
        opts = b"".join(_encode_nd_option(o) for o in m.options)  # type: ignore[union-attr]
        return I.NEIGHBOR_SOLICIT, 0, _U32.pack(m.reserved) + m.target.packed + opts  # type: ignore[union-attr]
    if t is I.NeighborAdvertisement:
        w = (m.R << 31) | (m.S << 30) | (m.O << 29) | m.reserved  # type: ignore[union-attr]
        opts = b"".join(_encode_nd_option(o) for o in m.options)  # type: ignore[union-attr]
        return I.NEIGHBOR_ADVERT, 0, _U32.pack(w) + m.target.packed + opts  # type: ignore[union-attr]
    if t is I.RouterAdvertisement:
        fl = (m.M << 7) | (m.O << 6) | (m.H << 5) | (m.prf << 3) | (m.P << 2) | m.reserved  # type: ignore[union-attr]
        opts = b"".join(_encode_nd_option(o) for o in m.options)  # type: ignore[union-attr]
        hdr = _RA.pack(m.cur_hop_limit, fl, m.router_lifetime, m.reachable_time, m.retrans_timer)  # type: ignore[union-attr]
        return I.ROUTER_ADVERT, 0, hdr + opts
    if t is I.RouterSolicitation:
        opts = b"".join(_encode_nd_option(o) for o in m.options)  # type: ignore[union-attr]
        return I.ROUTER_SOLICIT, 0, _U32.pack(m.reserved) + opts  # type: ignore[union-attr]
    if t is I.DestinationUnreachable:
        return I.DEST_UNREACH, m.code, _U32.pack(m.unused) + m.invoking  # type: ignore[union-attr]
    if t is I.PacketTooBig:
        return I.PACKET_TOO_BIG, 0, _U32.pack(m.mtu) + m.invoking  # type: ignore[union-attr]
    if t is I.TimeExceeded:
        return I.TIME_EXCEEDED, m.code, _U32.pack(m.unused) + m.invoking  # type: ignore[union-attr]
    if t is I.ParameterProblem:
        return I.PARAM_PROBLEM, m.code, _U32.pack(m.pointer) + m.invoking  # type: ignore[union-attr]
    if t is I.HomeAgentAddressDiscoveryRequest:
        return I.HAAD_REQUEST, 0, _U16x2.pack(m.identifier, m.reserved)  # type: ignore[union-attr]
    if t is I.HomeAgentAddressDiscoveryReply:
        addrs = b"".join(a.packed for a in m.addresses)  # type: ignore[union-attr]
        return I.HAAD_REPLY, 0, _U16x2.pack(m.identifier, m.reserved) + addrs  # type: ignore[union-attr]
    if t is I.MobilePrefixSolicitation:
        return I.MOBILE_PREFIX_SOLICIT, 0, _U16x2.pack(m.identifier, m.reserved)  # type: ignore[union-attr]
    if t is I.MobilePrefixAdvertisement:
        w = (m.M << 15) | (m.O << 14) | m.reserved  # type: ignore[union-attr]
        opts = b"".join(_encode_nd_option(o) for o in m.options)  # type: ignore[union-attr]
        return I.MOBILE_PREFIX_ADVERT, 0, _U16x2.pack(m.identifier, w) + opts  # type: ignore[union-attr]
    if t is I.UnknownICMPv6:
        return m.type, m.code, m.body  # type: ignore[union-attr]
    raise TypeError(f"not an ICMPv6 message: {m!r}")


def _encode_icmp(m: I.ICMPv6Message) -> bytes:
    typ, code, body = _icmp_body(m)
    return bytes((typ, code, 0, 0)) + body


def _decode_icmp(buf: bytes, pos: int, end: int) -> I.ICMPv6Message:
    if end - pos < 4:
        raise DecodeError("ICMPv6", pos, f"{end - pos} octets, the ICMPv6 header needs 4")
    typ, code = buf[pos], buf[pos + 1]
    ck = (buf[pos + 2] << 8) | buf[pos + 3]
    b = pos + 4
    n = end - b

    def need(k: int, what: str) -> None:
        if n < k:
            raise DecodeError("ICMPv6", pos, f"{what} needs {k + 4} octets, got {n + 4}")

    if typ in (I.DEST_UNREACH, I.TIME_EXCEEDED, I.PARAM_PROBLEM) or (typ == I.PACKET_TOO_BIG and code == 0):
        need(4, "ICMPv6 error message")
        w = _U32.unpack_from(buf, b)[0]
        inv = buf[b + 4 : end]
        if typ == I.DEST_UNREACH:
            return I.DestinationUnreachable(code, inv, w, ck)
        if typ == I.PACKET_TOO_BIG:
            return I.PacketTooBig(w, inv, ck)
        if typ == I.TIME_EXCEEDED:
            return I.TimeExceeded(code, inv, w, ck)
        return I.ParameterProblem(code, w, inv, ck)
    if code == 0:
        if typ == I.ECHO_REQUEST or typ == I.ECHO_REPLY:
            need(4, "Echo")
            ident, seq = _U16x2.unpack_from(buf, b)
            cls = I.EchoRequest if typ == I.ECHO_REQUEST else I.EchoReply
            return cls(ident, seq, buf[b + 4 : end], ck)
        if typ == I.NEIGHBOR_SOLICIT or typ == I.NEIGHBOR_ADVERT:
            need(20, "Neighbor Solicitation/Advertisement")
            w = _U32.unpack_from(buf, b)[0]
            target = from_packed(buf[b + 4 : b + 20])
            opts = _decode_nd_options(buf, b + 20, end)
            if typ == I.NEIGHBOR_SOLICIT:
                return I.NeighborSolicitation(target, opts, w, ck)
            return I.NeighborAdvertisement(
                target, bool(w >> 31), bool(w >> 30 & 1), bool(w >> 29 & 1), opts, w & 0x1FFFFFFF, ck
            )
        if typ == I.ROUTER_ADVERT:
            need(12, "Router Advertisement")
            chl, fl, rl, reach, retrans = _RA.unpack_from(buf, b)
            opts = _decode_nd_options(buf, b + 12, end)
            return I.RouterAdvertisement(
                chl,
                bool(fl & 0x80),
                bool(fl & 0x40),
                bool(fl & 0x20),
                (fl >> 3) & 3,
                bool(fl & 4),
                fl & 3,
                rl,
                reach,
                retrans,
                opts,
                ck,
            )
        if typ == I.ROUTER_SOLICIT:
            need(4, "Router Solicitation")
            w = _U32.unpack_from(buf, b)[0]
            return I.RouterSolicitation(_decode_nd_options(buf, b + 4, end), w, ck)
        if typ == I.HAAD_REQUEST or typ == I.MOBILE_PREFIX_SOLICIT:
            need(4, "HAAD Request / MPS")
            if n != 4:
                raise DecodeError("ICMPv6", b + 4, f"{n - 4} octets after a fixed-size message")
            ident, res = _U16x2.unpack_from(buf, b)
            if typ == I.HAAD_REQUEST:
                return I.HomeAgentAddressDiscoveryRequest(ident, res, ck)
            return I.MobilePrefixSolicitation(ident, res, ck)
        if typ == I.HAAD_REPLY:
            need(4, "HAAD Reply")
            if (n - 4) % 16:
                raise DecodeError("ICMPv6", b + 4, "Home Agent Addresses are not a whole number of addresses")
            ident, res = _U16x2.unpack_from(buf, b)
            addrs = tuple(from_packed(buf[i : i + 16]) for i in range(b + 4, end, 16))
            return I.HomeAgentAddressDiscoveryReply(ident, addrs, res, ck)
        if typ == I.MOBILE_PREFIX_ADVERT:
            need(4, "Mobile Prefix Advertisement")
            ident, w = _U16x2.unpack_from(buf, b)
            opts = _decode_nd_options(buf, b + 4, end)
            return I.MobilePrefixAdvertisement(ident, bool(w >> 15), bool(w >> 14 & 1), w & 0x3FFF, opts, ck)
    return I.UnknownICMPv6(typ, code, buf[b:end], ck)


# =========================================================================== Mobility Header
_MOPT_ALIGN: dict[type, tuple[int, int]] = {
    M.BindingRefreshAdvice: (2, 0),
    M.AlternateCareofAddress: (8, 6),
    M.NonceIndices: (2, 0),
    M.BindingAuthorizationData: (8, 2),
}

# Length of the fixed part of each message, counted from the start of the MH (where options begin),
# and RFC 6275 §9.2's minimum Header Len ("in units of 8 octets, excluding the first 8").
_MH_FIXED = {
    M.MH_BRR: 8,
    M.MH_HOTI: 16,
    M.MH_COTI: 16,
    M.MH_HOT: 24,
    M.MH_COT: 24,
    M.MH_BU: 12,
    M.MH_BA: 12,
    M.MH_BE: 24,
}
_MH_MIN_HLEN = {t: (n + 7) // 8 - 1 for t, n in _MH_FIXED.items()}


def _mob_option(o: M.MobilityOption) -> tuple[bytes, int, int]:
    t = type(o)
    if t is M.NonceIndices:
        return struct.pack("!BBHH", 4, 4, o.home_nonce_index, o.careof_nonce_index), 2, 0  # type: ignore[union-attr]
    if t is M.BindingAuthorizationData:
        auth = o.authenticator  # type: ignore[union-attr]
        return bytes((5, len(auth))) + auth, 8, 2
    if t is M.AlternateCareofAddress:
        return b"\x03\x10" + o.address.packed, 8, 6  # type: ignore[union-attr]
    if t is M.BindingRefreshAdvice:
        return struct.pack("!BBH", 2, 2, o.interval), 2, 0  # type: ignore[union-attr]
    if t is M.MobPadN:
        return bytes((1, len(o.data))) + o.data, 0, 0  # type: ignore[union-attr]
    if t is M.MobPad1:
        return b"\x00", 0, 0
    if t is M.UnknownMobilityOption:
        return bytes((o.otype, len(o.data))) + o.data, 0, 0  # type: ignore[union-attr]
    raise TypeError(f"not a mobility option: {o!r}")


def _encode_mob_options(options: tuple[M.MobilityOption, ...], start: int) -> bytes:
    has_pads = any(isinstance(o, (M.MobPad1, M.MobPadN)) for o in options)
    return _encode_options([_mob_option(o) for o in options], has_pads, start)


def _decode_mob_options(buf: bytes, pos: int, end: int) -> tuple[M.MobilityOption, ...]:
    opts: list[M.MobilityOption] = []
    while pos < end:
        t = buf[pos]
        if t == 0:
            opts.append(M.MobPad1())
            pos += 1
            continue
        if pos + 2 > end:
            raise DecodeError("MH option", pos, "option truncated before its length field")
        n = buf[pos + 1]
        stop = pos + 2 + n
        if stop > end:
            raise DecodeError("MH option", pos + 1, f"option length {n} runs past the end of the Mobility Header")
        data = buf[pos + 2 : stop]
        if t == 1:
            opts.append(M.MobPadN(data))
        elif t == 2 and n == 2:
            opts.append(M.BindingRefreshAdvice(int.from_bytes(data, "big")))
        elif t == 3 and n == 16:
            opts.append(M.AlternateCareofAddress(from_packed(data)))
        elif t == 4 and n == 4:
            opts.append(M.NonceIndices(int.from_bytes(data[:2], "big"), int.from_bytes(data[2:], "big")))
        elif t == 5 and n == 12:
            opts.append(M.BindingAuthorizationData(data))
        else:
            opts.append(M.UnknownMobilityOption(t, data))
        pos = stop
    return tuple(opts)


_MH_HDR = struct.Struct("!BBBBH")


def _mh_message(m: M.MobilityMessage) -> tuple[int, bytes]:
    """(MH Type, message data after the checksum field, options and padding included)."""
    t = type(m)
    if t is M.BindingUpdate:
        w = (m.A << 15) | (m.H << 14) | (m.L << 13) | (m.K << 12) | m.reserved  # type: ignore[union-attr]
        fixed = struct.pack("!HHH", m.seq, w, m.lifetime)  # type: ignore[union-attr]
        return M.MH_BU, fixed + _encode_mob_options(m.options, 12)  # type: ignore[union-attr]
    if t is M.BindingAcknowledgement:
        fixed = struct.pack("!BBHH", m.status, (m.K << 7) | m.reserved, m.seq, m.lifetime)  # type: ignore[union-attr]
        return M.MH_BA, fixed + _encode_mob_options(m.options, 12)  # type: ignore[union-attr]
    if t is M.HomeTestInit or t is M.CareofTestInit:
        fixed = struct.pack("!H8s", m.reserved, m.cookie)  # type: ignore[union-attr]
        return (M.MH_HOTI if t is M.HomeTestInit else M.MH_COTI), fixed + _encode_mob_options(m.options, 16)  # type: ignore[union-attr]
    if t is M.HomeTest or t is M.CareofTest:
        fixed = struct.pack("!H8s8s", m.nonce_index, m.cookie, m.keygen_token)  # type: ignore[union-attr]
        return (M.MH_HOT if t is M.HomeTest else M.MH_COT), fixed + _encode_mob_options(m.options, 24)  # type: ignore[union-attr]
    if t is M.BindingRefreshRequest:
        return M.MH_BRR, struct.pack("!H", m.reserved) + _encode_mob_options(m.options, 8)  # type: ignore[union-attr]
    if t is M.BindingError:
        fixed = struct.pack("!BB16s", m.status, m.reserved, m.home_address.packed)  # type: ignore[union-attr]
        return M.MH_BE, fixed + _encode_mob_options(m.options, 24)  # type: ignore[union-attr]
    if t is M.UnknownMobilityMessage:
        data = m.data  # type: ignore[union-attr]
        r = (6 + len(data)) % 8
        if r:
            data += bytes(8 - r)
        return m.mh_type, data  # type: ignore[union-attr]
    raise TypeError(f"not a mobility message: {m!r}")


def _encode_mh(h: M.MobilityHeader) -> bytes:
    typ, data = _mh_message(h.message)
    return _MH_HDR.pack(h.payload_proto, (len(data) + 6) // 8 - 1, typ, h.reserved, 0) + data


def _decode_mh(buf: bytes, pos: int, end: int) -> M.MobilityHeader:
    if end - pos < 8:
        raise DecodeError("MH", pos, f"{end - pos} octets, a Mobility Header has at least 8")
    proto, hlen, typ, res, ck = _MH_HDR.unpack_from(buf, pos)
    total = (hlen + 1) * 8
    # The type's minimum first: a too-short Header Len gets RFC 6275 §9.2's Parameter Problem even when
    # octets follow the header it announces (receivers recognise this error by its reason).
    if typ in _MH_MIN_HLEN and hlen < _MH_MIN_HLEN[typ]:
        raise DecodeError("MH", pos + 1, f"Header Len {hlen} below the minimum {_MH_MIN_HLEN[typ]} for MH Type {typ}")
    if pos + total > end:
        raise DecodeError("MH", pos + 1, f"Header Len {hlen} ({total} octets) but only {end - pos} present")
    if pos + total < end:
        raise DecodeError("MH", pos + total, f"{end - pos - total} octets after the Mobility Header")
    b = pos + 6
    m: M.MobilityMessage
    if typ == M.MH_BU:
        seq, w, life = struct.unpack_from("!HHH", buf, b)
        opts = _decode_mob_options(buf, pos + 12, end)
        m = M.BindingUpdate(
            seq, life, bool(w >> 15), bool(w >> 14 & 1), bool(w >> 13 & 1), bool(w >> 12 & 1), w & 0xFFF, opts
        )
    elif typ == M.MH_BA:
        status, fl, seq, life = struct.unpack_from("!BBHH", buf, b)
        opts = _decode_mob_options(buf, pos + 12, end)
        m = M.BindingAcknowledgement(status, seq, life, bool(fl >> 7), fl & 0x7F, opts)
    elif typ == M.MH_HOTI or typ == M.MH_COTI:
        res2, cookie = struct.unpack_from("!H8s", buf, b)
        opts = _decode_mob_options(buf, pos + 16, end)
        m = (M.HomeTestInit if typ == M.MH_HOTI else M.CareofTestInit)(cookie, res2, opts)
    elif typ == M.MH_HOT or typ == M.MH_COT:
        idx, cookie, token = struct.unpack_from("!H8s8s", buf, b)
        opts = _decode_mob_options(buf, pos + 24, end)
        m = (M.HomeTest if typ == M.MH_HOT else M.CareofTest)(idx, cookie, token, opts)
    elif typ == M.MH_BRR:
        res2 = struct.unpack_from("!H", buf, b)[0]
        m = M.BindingRefreshRequest(res2, _decode_mob_options(buf, pos + 8, end))
    elif typ == M.MH_BE:
        status, res2, hoa = struct.unpack_from("!BB16s", buf, b)
        opts = _decode_mob_options(buf, pos + 24, end)
        m = M.BindingError(status, from_packed(hoa), res2, opts)
    else:
        m = M.UnknownMobilityMessage(typ, buf[b:end])
    return M.MobilityHeader(m, proto, res, ck)


# =========================================================================== UDP, TCP
_UDP = struct.Struct("!HHHH")
_TCP = struct.Struct("!HHIIBBHHH")


def _encode_udp(u: UDP) -> bytes:
    return _UDP.pack(u.sport, u.dport, 8 + len(u.data), 0) + u.data


def _decode_udp(buf: bytes, pos: int, end: int) -> UDP:
    if end - pos < 8:
        raise DecodeError("UDP", pos, f"{end - pos} octets, the UDP header needs 8")
    sport, dport, length, ck = _UDP.unpack_from(buf, pos)
    if length != end - pos:
        raise DecodeError("UDP", pos + 4, f"UDP Length {length} but the IPv6 payload holds {end - pos}")
    return _new_udp(sport, dport, buf[pos + 8 : end], ck)


def _encode_tcp(t: TCP) -> bytes:
    opts = t.options
    r = len(opts) % 4
    if r:
        opts += bytes(4 - r)
    doff = 5 + len(opts) // 4
    return (
        _TCP.pack(t.sport, t.dport, t.seq, t.ack, (doff << 4) | t.reserved, t.flags, t.window, 0, t.urgent)
        + opts
        + t.data
    )


def _decode_tcp(buf: bytes, pos: int, end: int) -> TCP:
    if end - pos < 20:
        raise DecodeError("TCP", pos, f"{end - pos} octets, the TCP header needs 20")
    sport, dport, seq, ack, off, flags, win, ck, urg = _TCP.unpack_from(buf, pos)
    hl = (off >> 4) * 4
    if hl < 20:
        raise DecodeError("TCP", pos + 12, f"Data Offset {off >> 4} below 5")
    if pos + hl > end:
        raise DecodeError("TCP", pos + 12, f"Data Offset {off >> 4} runs past the end of the segment")
    return TCP(sport, dport, seq, ack, flags, win, buf[pos + hl : end], buf[pos + 20 : pos + hl], urg, off & 0xF, ck)


# =========================================================================== upper layers
_UDP_T, _TCP_T, _MH_T, _IP_T, _ESP_T, _RAW_T = UDP, TCP, M.MobilityHeader, IPv6, ESP, RawPayload
_ICMP_TYPES = frozenset(
    (
        I.EchoRequest,
        I.EchoReply,
        I.DestinationUnreachable,
        I.PacketTooBig,
        I.TimeExceeded,
        I.ParameterProblem,
        I.RouterSolicitation,
        I.RouterAdvertisement,
        I.NeighborSolicitation,
        I.NeighborAdvertisement,
        I.HomeAgentAddressDiscoveryRequest,
        I.HomeAgentAddressDiscoveryReply,
        I.MobilePrefixSolicitation,
        I.MobilePrefixAdvertisement,
        I.UnknownICMPv6,
    )
)


def _upper_unchecked(p: object) -> tuple[int, bytes, int]:
    """(Next Header, bytes with the checksum field zero, checksum offset or -1) of a payload."""
    t = type(p)
    if t is _TCP_T:
        return NH_TCP, _encode_tcp(p), 16  # type: ignore[arg-type]
    if t is _UDP_T:
        return NH_UDP, _encode_udp(p), 6  # type: ignore[arg-type]
    if t in _ICMP_TYPES:
        return NH_ICMPV6, _encode_icmp(p), 2  # type: ignore[arg-type]
    if t is _MH_T:
        return NH_MOBILITY, _encode_mh(p), 4  # type: ignore[arg-type]
    if t is _IP_T:
        return NH_IPV6, encode_ipv6(p), -1  # type: ignore[arg-type]
    if t is _ESP_T:
        return NH_ESP, struct.pack("!II", p.spi, p.seq) + p.data, -1  # type: ignore[attr-defined]
    if t is _RAW_T:
        return p.nh, p.data, -1  # type: ignore[attr-defined]
    raise TypeError(f"not an IPv6 payload: {p!r}")


def encode_upper(payload: object, src: Addr, dst: Addr) -> tuple[int, bytes]:
    """(Next Header, octets) of an upper-layer payload; a ``None`` checksum is computed with the
    pseudo-header addresses ``src``/``dst`` (already RFC 6275-substituted, see :func:`pseudo_addresses`)."""
    nh, raw, off = _upper_unchecked(payload)
    if off >= 0:
        ck = payload.checksum  # type: ignore[attr-defined]
        if ck is None:
            ck = ~upper_layer_sum(src._ip, dst._ip, nh, raw) & 0xFFFF
            if nh == NH_UDP and ck == 0:
                ck = 0xFFFF  # RFC 768/8200: a computed zero is sent as all ones
        raw = raw[:off] + ck.to_bytes(2, "big") + raw[off + 2 :]
    return nh, raw


def _decode_upper(nh: int, buf: bytes, pos: int, end: int) -> object:
    if nh == NH_TCP:
        return _decode_tcp(buf, pos, end)
    if nh == NH_UDP:
        return _decode_udp(buf, pos, end)
    if nh == NH_ICMPV6:
        return _decode_icmp(buf, pos, end)
    if nh == NH_MOBILITY:
        return _decode_mh(buf, pos, end)
    if nh == NH_IPV6:
        return _decode_ipv6(buf, pos, end)
    if nh == NH_ESP:
        if end - pos < 8:
            raise DecodeError("ESP", pos, f"{end - pos} octets, SPI and Sequence Number need 8")
        spi, seq = struct.unpack_from("!II", buf, pos)
        return ESP(spi, seq, buf[pos + 8 : end])
    return RawPayload(nh, buf[pos:end])


# =========================================================================== IPv6
_IP6 = struct.Struct("!IHBB16s16s")


_IP6_UDP = struct.Struct("!IHBB16s16sHHHH")  # the fixed header and a UDP header, packed at once


def encode_ipv6(pkt: IPv6) -> bytes:
    """Octets of ``pkt``: Payload Length, Next Headers, padding and ``None`` checksums filled in."""
    u = pkt.payload
    ext = pkt.ext
    if type(u) is _UDP_T:
        # The common datagram: its checksum summed from the fields (:func:`~mip6lab.wire.checksum.udp_checksum`)
        # and, without extension headers, both headers in one pack - the octets the general path gives.
        data = u.data  # type: ignore[union-attr]
        n = 8 + len(data)
        ck = u.checksum  # type: ignore[union-attr]
        if n <= 0xFFFF and (ck is None or 0 <= ck <= 0xFFFF):
            src, dst = pkt.src, pkt.dst
            # interned addresses keep their octets: read them without the property call (every datagram sent)
            s16 = src._packed if type(src) is FastAddress else src.packed
            d16 = dst._packed if type(dst) is FastAddress else dst.packed
            if not ext:
                if ck is None:
                    ck = udp_checksum(src._ip, dst._ip, u.sport, u.dport, data)  # type: ignore[union-attr]
                return (
                    _IP6_UDP.pack(
                        0x60000000 | (pkt.tc << 20) | pkt.fl,
                        n,
                        NH_UDP,
                        pkt.hlim,
                        s16,
                        d16,
                        u.sport,  # type: ignore[union-attr]
                        u.dport,  # type: ignore[union-attr]
                        n,
                        ck,
                    )
                    + data
                )
            if len(ext) == 1:
                # one header (a Home Address option, a Type 2 Routing header): its octets, Next Header and
                # pseudo-header addresses kept by identity, the fixed header, it and the UDP header packed at once
                h = ext[0]
                one = _ONE_EXT.get(id(h))
                if one is None or one[0] is not h:
                    one = _one_ext(h)
                if one is not None and one[4] is not None and n + one[5] <= 0xFFFF:
                    if ck is None:
                        psrc, pdst = one[1], one[2]
                        ck = udp_checksum(
                            src._ip if psrc is None else psrc._ip,
                            dst._ip if pdst is None else pdst._ip,
                            u.sport,  # type: ignore[union-attr]
                            u.dport,  # type: ignore[union-attr]
                            data,
                        )
                    return (
                        one[4].pack(
                            0x60000000 | (pkt.tc << 20) | pkt.fl,
                            n + one[5],
                            one[3],
                            pkt.hlim,
                            s16,
                            d16,
                            one[6],
                            u.sport,  # type: ignore[union-attr]
                            u.dport,  # type: ignore[union-attr]
                            n,
                            ck,
                        )
                        + data
                    )
            if ck is None:
                psrc, pdst = pseudo_addresses(pkt)
                ck = udp_checksum(psrc._ip, pdst._ip, u.sport, u.dport, data)  # type: ignore[union-attr]
            return _assemble(pkt, NH_UDP, _UDP.pack(u.sport, u.dport, n, ck) + data)  # type: ignore[union-attr]
    psrc, pdst = pseudo_addresses(pkt) if ext else (pkt.src, pkt.dst)
    nh, body = encode_upper(u, psrc, pdst)
    return _assemble(pkt, nh, body)


_ONE_EXT: dict[int, tuple[Any, ...]] = {}
"""What a packet whose only extension header is a given value needs, by the value's ``id`` (the value is kept in
the entry, so the id cannot be reused while it lives): (the header, the pseudo-header's source and destination
it sets or None (:func:`pseudo_addresses`), its Next Header value, the struct packing the fixed header, it and a
UDP header, its length, its octets before a UDP datagram) - or None when it is no value to keep (unhashable:
built with a list, which may change). A mobile node sends every datagram with the same Home Address option
header, and a correspondent with one Type 2 Routing header per binding: looked up on identity, without hashing
the header's fields."""
_ONE_EXT_LIMIT = 1 << 16  # as the encoded extension headers' memo (a Home Address option per mobile node)
_UDP_BEHIND: dict[int, struct.Struct] = {}  # header length -> fixed header, that header, UDP header packed at once


def _one_ext(h: ExtHeader) -> tuple[Any, ...] | None:
    """The :data:`_ONE_EXT` entry for ``h`` (made now), or None for a header not to keep."""
    try:
        hash(h)
    except TypeError:
        return None
    keep_src, keep_dst = IPv6Address("::1"), IPv6Address("::2")
    psrc, pdst = pseudo_addresses(_new_ipv6(keep_src, keep_dst, None, (h,), 0, 0, 0))
    nh = _EXT_NH.get(type(h))
    octets = _encode_ext(h, NH_UDP) if nh is not None else b""
    packer = _UDP_BEHIND.get(len(octets)) if nh is not None else None
    if packer is None and nh is not None:
        packer = _UDP_BEHIND[len(octets)] = struct.Struct(f"!IHBB16s16s{len(octets)}sHHHH")
    one = (
        h,
        None if psrc is keep_src else psrc,
        None if pdst is keep_dst else pdst,
        nh,
        packer,
        len(octets),
        octets,
    )
    if len(_ONE_EXT) >= _ONE_EXT_LIMIT:
        _ONE_EXT.clear()
    _ONE_EXT[id(h)] = one
    return one


def _assemble(pkt: IPv6, nh: int, body: bytes) -> bytes:
    """The octets of ``pkt`` whose upper layer, Next Header ``nh``, encodes to ``body``: the extension
    headers in front of it, then the fixed header."""
    ext = pkt.ext
    if len(ext) == 1:  # a Home Address option or a Type 2 Routing header alone: the usual case
        h = ext[0]
        body = _encode_ext(h, nh) + body
        nh = _EXT_NH[type(h)]
    elif ext:
        parts = []
        for h in reversed(ext):
            parts.append(_encode_ext(h, nh))
            nh = _EXT_NH[type(h)]
        parts.reverse()
        parts.append(body)
        body = b"".join(parts)
    n = len(body)
    if n > 0xFFFF:
        raise ValueError(f"payload of {n} octets does not fit the 16-bit Payload Length")
    return _IP6.pack(0x60000000 | (pkt.tc << 20) | pkt.fl, n, nh, pkt.hlim, pkt.src.packed, pkt.dst.packed) + body


HOP_LIMIT_OFFSET = 7  # octet of the Hop Limit in the IPv6 header


def with_hop_limit(octets: bytes, hlim: int) -> bytes:
    """``octets`` (one encoded IPv6 packet) with the Hop Limit set to ``hlim``, the rest untouched.

    What a router does to a packet it forwards (RFC 8200 §3). No checksum covers the Hop Limit (the
    upper-layer pseudo-header holds addresses, length and Next Header; ESP's ICV covers only ESP), so
    no other octet changes: for decoded octets ``b``, this equals
    ``encode_ipv6(replace(decode_ipv6(b), hlim=hlim))`` because the codec round-trips exactly.
    """
    return octets[:HOP_LIMIT_OFFSET] + bytes((hlim,)) + octets[HOP_LIMIT_OFFSET + 1 :]


_CHECKSUMMED = frozenset((NH_TCP, NH_UDP, NH_ICMPV6, NH_MOBILITY))
_RECEIVED_UPPER: dict[int, tuple[object, int, bytes, int, int]] = {}
"""The octets recently decoded payloads came from, by ``id`` (the payload is kept, so the id cannot be
reused while its entry lives): :func:`upper_checksum_ok` checks those octets instead of encoding the
payload again. The codec round-trips exactly, so both give the same answer."""
_RECEIVED_UPPER_LIMIT = 512


def _remember_upper(payload: object, nh: int, buf: bytes, pos: int, end: int) -> None:
    if len(_RECEIVED_UPPER) >= _RECEIVED_UPPER_LIMIT:
        _RECEIVED_UPPER.clear()
    _RECEIVED_UPPER[id(payload)] = (payload, nh, buf, pos, end)


_DECODED_BODIES: dict[tuple[int, bytes], tuple[tuple[ExtHeader, ...], object, int, int]] = {}
"""What follows the fixed header, decoded, by (Next Header, octets): (extension headers, payload, the
payload's Next Header, its offset). A packet is decoded again at every node that reads it (a traced
router, the destination), each time with only the Hop Limit changed: the values are immutable and a
pure function of these octets, so one decoding serves every hop (and the trace keeps one copy)."""
_DECODED_BODIES_LIMIT = 1024
_DECODED_BODY_MAX = 2048  # octets: larger bodies are decoded each time (the table stays under ~2 MB)
_DECODED_OPTIONS: dict[tuple[int, bytes], ExtHeader] = {}
"""Hop-by-Hop and Destination Options headers decoded, by (Next Header, their option octets): a mobile node's
packets all carry the same Home Address option, and the value is immutable and a pure function of the octets
(the Next Header field after them is not part of it)."""
_DECODED_OPTIONS_LIMIT = 1 << 16  # a Home Address option per mobile node (4,096: emptied again and again at N = 10,000)
_EXT_LAYER = {NH_HOPOPTS: "Hop-by-Hop", NH_DSTOPTS: "Destination Options", NH_ROUTING: "Routing"}


def _decode_ipv6(buf: bytes, start: int, end: int, keep: bool = True, look: bool = True) -> IPv6:
    if end - start < 40:
        raise DecodeError("IPv6", start, f"{end - start} octets, the IPv6 header needs 40")
    vtf, plen, nh, hlim, src, dst = _IP6.unpack_from(buf, start)
    if vtf >> 28 != 6:
        raise DecodeError("IPv6", start, f"Version {vtf >> 28}, not 6")
    if start + 40 + plen != end:
        raise DecodeError("IPv6", start + 4, f"Payload Length {plen} but {end - start - 40} octets follow the header")
    pos = start + 40
    key = (nh, bytes(buf[pos:end])) if (keep or look) and end - pos <= _DECODED_BODY_MAX else None
    shared = _DECODED_BODIES.get(key) if key is not None and look else None
    if shared is not None:  # the same octets after the fixed header were decoded before: the same values
        ext_t, payload, unh, upos = shared
        if unh in _CHECKSUMMED:
            _remember_upper(payload, unh, buf, pos + upos, end)
        return _new_ipv6(from_packed(src), from_packed(dst), payload, ext_t, hlim, (vtf >> 20) & 0xFF, vtf & 0xFFFFF)
    body = pos
    ext: list[ExtHeader] = []
    while nh in (NH_HOPOPTS, NH_DSTOPTS, NH_ROUTING, NH_FRAGMENT):
        if nh == NH_FRAGMENT:
            if end - pos < 8:
                raise DecodeError("Fragment", pos, f"{end - pos} octets, the Fragment header needs 8")
            nxt, res, fo, ident = _FRAG.unpack_from(buf, pos)
            ext.append(Fragment(fo >> 3, bool(fo & 1), ident, res, (fo >> 1) & 3))
            pos += 8
            nh = nxt
            if fo & 0xFFF9:  # not a whole packet: the rest is a piece of the upper layer
                return IPv6(
                    from_packed(src),
                    from_packed(dst),
                    RawPayload(nh, buf[pos:end]),
                    tuple(ext),
                    hlim,
                    (vtf >> 20) & 0xFF,
                    vtf & 0xFFFFF,
                )
            continue
        layer = _EXT_LAYER[nh]
        if end - pos < 8:
            raise DecodeError(layer, pos, f"{end - pos} octets, an extension header has at least 8")
        nxt, n = buf[pos], buf[pos + 1]
        stop = pos + (n + 1) * 8
        if stop > end:
            raise DecodeError(layer, pos + 1, f"Hdr Ext Len {n} runs past the end of the packet")
        if nh == NH_ROUTING:
            rtype, sl = buf[pos + 2], buf[pos + 3]
            if rtype == 2 and n == 2:
                res = _U32.unpack_from(buf, pos + 4)[0]
                ext.append(RoutingType2(from_packed(buf[pos + 8 : stop]), sl, res))
            else:
                ext.append(RoutingHeader(rtype, sl, buf[pos + 4 : stop]))
        else:
            okey = (nh, buf[pos + 2 : stop])
            header = _DECODED_OPTIONS.get(okey)
            if header is None:
                opts = _decode_ip_options(buf, pos + 2, stop, layer)
                header = HopByHopOptions(opts) if nh == NH_HOPOPTS else DestinationOptions(opts)
                if len(_DECODED_OPTIONS) >= _DECODED_OPTIONS_LIMIT:
                    _DECODED_OPTIONS.clear()
                _DECODED_OPTIONS[okey] = header
            ext.append(header)
        pos = stop
        nh = nxt
    payload = _decode_udp(buf, pos, end) if nh == NH_UDP else _decode_upper(nh, buf, pos, end)
    if nh in _CHECKSUMMED:  # _remember_upper, written out (every packet a host reads passes here)
        if len(_RECEIVED_UPPER) >= _RECEIVED_UPPER_LIMIT:
            _RECEIVED_UPPER.clear()
        _RECEIVED_UPPER[id(payload)] = (payload, nh, buf, pos, end)
    ext_t = tuple(ext)
    if key is not None and keep:
        if len(_DECODED_BODIES) >= _DECODED_BODIES_LIMIT:
            _DECODED_BODIES.clear()
        _DECODED_BODIES[key] = (ext_t, payload, nh, pos - body)
    return _new_ipv6(
        from_packed(src),
        from_packed(dst),
        payload,
        ext_t,
        hlim,
        (vtf >> 20) & 0xFF,
        vtf & 0xFFFFF,  # type: ignore[arg-type]
    )


def decode_ipv6(data: bytes) -> IPv6:
    """Parse one IPv6 packet; raises :class:`DecodeError` (only) if ``data`` is not exactly one."""
    try:
        return _decode_ipv6(bytes(data), 0, len(data))
    except DecodeError:
        raise
    except Exception as e:  # pragma: no cover - a bug; keep the contract "DecodeError only"
        raise DecodeError("IPv6", 0, f"internal decoder error: {e!r}") from e


# =========================================================================== Ethernet
_ETH = struct.Struct("!6s6sH")


def encode_frame(frame: Ethernet) -> bytes:
    """Ethernet II octets (no FCS, no minimum-size padding: simulated links carry exact frames)."""
    payload = frame.payload
    body = payload if isinstance(payload, bytes) else encode_ipv6(payload)
    return _ETH.pack(mac_to_bytes(frame.dst), mac_to_bytes(frame.src), frame.ethertype) + body


def decode_frame(data: bytes) -> Ethernet:
    """Parse an Ethernet II frame; an IPv6 payload is decoded, anything else kept as bytes."""
    data = bytes(data)
    if len(data) < 14:
        raise DecodeError("Ethernet", 0, f"{len(data)} octets, the Ethernet header needs 14")
    dst, src, et = _ETH.unpack_from(data, 0)
    payload: IPv6 | bytes
    if et == ETHERTYPE_IPV6:
        try:
            payload = _decode_ipv6(data, 14, len(data))
        except DecodeError:
            raise
        except Exception as e:  # pragma: no cover - a bug; keep the contract
            raise DecodeError("IPv6", 14, f"internal decoder error: {e!r}") from e
    else:
        payload = data[14:]
    return Ethernet(dst.hex(":"), src.hex(":"), payload, et)


def decode_frame_ipv6(frame: bytes, keep: bool = True, look: bool = True) -> IPv6:
    """The IPv6 packet of an Ethernet frame whose EtherType the caller has read as IPv6: what
    ``decode_frame(frame).payload`` is, without building the Ethernet value (a host's receive path
    reads the MAC addresses from the octets). Raises :class:`DecodeError` as :func:`decode_frame` does.

    ``keep=False``: the packet's body is looked up among the bodies decoded before but not added to them - for
    the node a packet is addressed to, usually its last reader (keeping every body it receives would only cost).
    ``look=False``: nor looked up among them - for that node when no traced router has kept the bodies it
    forwards (the values are equal either way: a decoding is a pure function of the octets)."""
    if type(frame) is not bytes:
        frame = bytes(frame)
    try:
        return _decode_ipv6(frame, 14, len(frame), keep, look)
    except DecodeError:
        raise
    except Exception as e:  # pragma: no cover - a bug; keep the contract
        raise DecodeError("IPv6", 14, f"internal decoder error: {e!r}") from e


def frame_carries_transport(frame: bytes) -> bool:
    """True when ``decode_frame(frame)`` surely decodes whole and carries UDP or TCP, read from the octets
    alone: the checks :func:`_decode_ipv6` would make on them, for Routing headers and Destination Options
    headers already decoded (their option octets among those decoded before) in front of a UDP datagram or
    TCP segment. False means "not sure": decode it to know. (A traced router asks this of every packet it
    forwards, only for the verdict; the caller has checked the EtherType.)"""
    end = len(frame)
    if type(frame) is not bytes or end < 54 or frame[14] >> 4 != 6 or end != 54 + (frame[18] << 8 | frame[19]):
        return False
    nh, pos = frame[20], 54
    while nh in (NH_DSTOPTS, NH_ROUTING):
        if end - pos < 8:
            return False
        stop = pos + (frame[pos + 1] + 1) * 8
        if stop > end:
            return False
        # a Routing header of any type and length decodes; options only when these octets decoded before
        if nh == NH_DSTOPTS and (nh, frame[pos + 2 : stop]) not in _DECODED_OPTIONS:
            return False
        nh, pos = frame[pos], stop
    if nh == NH_UDP:  # _decode_udp's checks
        return end - pos >= 8 and (frame[pos + 4] << 8 | frame[pos + 5]) == end - pos
    if nh == NH_TCP:  # _decode_tcp's checks
        return end - pos >= 20 and frame[pos + 12] >> 4 >= 5 and pos + (frame[pos + 12] >> 4) * 4 <= end
    return False


_UNSEEN = object()


def frame_upper(frame: bytes) -> object:
    """The upper-layer payload of an Ethernet frame carrying IPv6: ``decode_frame(frame).payload.payload``
    when that decodes, read from the bodies decoded before when it can be (a traced router asks for every
    packet it forwards, only to know it decodes and what it carries; the hops before it mostly decoded the
    same body). Raises :class:`DecodeError` as :func:`decode_frame` does; the caller has checked the
    EtherType. Adds the body to those decoded when it has to decode it (as :func:`decode_frame` does)."""
    if (
        type(frame) is bytes
        and len(frame) >= 54
        and frame[14] >> 4 == 6
        and len(frame) == 54 + (frame[18] << 8 | frame[19])
    ):
        # the fixed header's checks done here; the rest of _decode_ipv6's are its body's, cached
        shared = _DECODED_BODIES.get((frame[20], frame[54:]), _UNSEEN)
        if shared is not _UNSEEN:
            return shared[1]
    return decode_frame_ipv6(frame).payload


def decode_frame_transit(data: bytes) -> Ethernet:
    """What a router reads of a packet it forwards (RFC 8200 §4): the Ethernet header, the IPv6
    header and a Hop-by-Hop Options header; everything after them stays opaque (a ``RawPayload``
    named by the last Next Header). Extension headers other than Hop-by-Hop are examined only at the
    destination, so a malformed Mobility Header or Destination Options header must not stop transit.
    Raises :class:`DecodeError` when the part a router does read is malformed."""
    data = bytes(data)
    if len(data) < 14:
        raise DecodeError("Ethernet", 0, f"{len(data)} octets, the Ethernet header needs 14")
    dst, src, et = _ETH.unpack_from(data, 0)
    if et != ETHERTYPE_IPV6:
        return Ethernet(dst.hex(":"), src.hex(":"), data[14:], et)
    start, end = 14, len(data)
    if end - start < 40:
        raise DecodeError("IPv6", start, f"{end - start} octets, the IPv6 header needs 40")
    vtf, plen, nh, hlim, a_src, a_dst = _IP6.unpack_from(data, start)
    if vtf >> 28 != 6:
        raise DecodeError("IPv6", start, f"Version {vtf >> 28}, not 6")
    if start + 40 + plen != end:
        raise DecodeError("IPv6", start + 4, f"Payload Length {plen} but {end - start - 40} octets follow the header")
    pos = start + 40
    ext: tuple[ExtHeader, ...] = ()
    if nh == NH_HOPOPTS:
        if end - pos < 8:
            raise DecodeError("Hop-by-Hop", pos, f"{end - pos} octets, an extension header has at least 8")
        nxt, n = data[pos], data[pos + 1]
        stop = pos + (n + 1) * 8
        if stop > end:
            raise DecodeError("Hop-by-Hop", pos + 1, f"Hdr Ext Len {n} runs past the end of the packet")
        ext = (HopByHopOptions(_decode_ip_options(data, pos + 2, stop, "Hop-by-Hop")),)
        pos, nh = stop, nxt
    pkt = IPv6(
        from_packed(a_src),
        from_packed(a_dst),
        RawPayload(nh, data[pos:end]),
        ext,
        hlim,
        (vtf >> 20) & 0xFF,
        vtf & 0xFFFFF,
    )
    return Ethernet(dst.hex(":"), src.hex(":"), pkt, et)


# =========================================================================== checksum check
def upper_checksum_ok(pkt: IPv6) -> bool:
    """Recompute the payload checksum with RFC 6275's pseudo-header and compare with the packet's.

    True for payloads without a checksum (ESP, raw) and for a checksum still ``None`` (not yet
    encoded). A tunnelled packet is checked inside: the result is the inner packet's. A UDP
    checksum of zero is wrong in IPv6 (RFC 8200 §8.1).
    """
    p = pkt.payload
    if type(p) is _IP_T:
        return upper_checksum_ok(p)  # type: ignore[arg-type]
    ck = getattr(p, "checksum", None)
    if ck is None:
        return True
    received = _RECEIVED_UPPER.get(id(p))
    if received is not None and received[0] is p:  # decoded here: check the octets it came from
        _, nh, buf, pos, end = received
        if nh == NH_UDP and ck == 0:
            return False
        ext = pkt.ext
        if not ext:
            src, dst = pkt.src, pkt.dst
        elif len(ext) == 1 and type(ext[0]) is DestinationOptions:  # decoded once per option octets: kept
            h = ext[0]
            one = _ONE_EXT.get(id(h))
            if one is None or one[0] is not h:
                one = _one_ext(h)
            if one is None:
                src, dst = pseudo_addresses(pkt)
            else:
                src = pkt.src if one[1] is None else one[1]
                dst = pkt.dst if one[2] is None else one[2]
        else:
            src, dst = pseudo_addresses(pkt)
        return upper_layer_sum(src._ip, dst._ip, nh, buf[pos:end]) == 0xFFFF
    nh, raw, off = _upper_unchecked(p)
    if off < 0:
        return True
    if nh == NH_UDP and ck == 0:
        return False
    raw = raw[:off] + ck.to_bytes(2, "big") + raw[off + 2 :]
    src, dst = pseudo_addresses(pkt) if pkt.ext else (pkt.src, pkt.dst)
    return upper_layer_sum(src._ip, dst._ip, nh, raw) == 0xFFFF
