"""The same typed values built with scapy: the reference the fast codec is proved identical to.

``to_scapy(value)`` sets every field explicitly, because several scapy defaults carry protocol
meaning or are wrong for RFC 6275 (see ``wire-notes.md``): Binding Update flags default to "KHA" and
lifetime to 3, Binding Acknowledgement flags to "K", HAAD R (the NEMO bit) to 1, the MPA M flag to
1, HA Information lifetime to 1, RA preference to High; Nonce Indices and Binding Authorization Data
default to option length 16 (must be 4 and 12), the authenticator is an int; HA Information
preference is unsigned in scapy but signed in the RFC; Ethernet addresses must be given or scapy
consults the host. Lengths, Next Headers are given too, so the only thing scapy computes is what
the value leaves ``None`` (checksums) and the length fields.

Known scapy bug (wire-notes gotcha 1/2): with the Home Address option *and explicit padding* in a
Destination Options list, scapy's pseudo-header uses the care-of address, so its computed checksum
is wrong. When the explicit padding is exactly what autopad would insert, this module hands scapy
the list without pads and autopad on (the verified workaround), so decoded packets still compare.
:func:`scapy_checksum_unreliable` tells the tests which remaining values hit the bug.

Only tests, notebooks and the packet inspector import this module (scapy costs ~1 ms per packet).
"""

from __future__ import annotations

from ipaddress import IPv6Address

from scapy.layers import inet6 as S
from scapy.layers.inet import TCP as STCP
from scapy.layers.inet import UDP as SUDP
from scapy.layers.ipsec import ESP as SESP
from scapy.layers.l2 import Ether
from scapy.packet import Packet, Raw

from mip6lab.wire import icmp as I
from mip6lab.wire import mh as M
from mip6lab.wire.codec import _encode_ip_options, _encode_mob_options
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

__all__ = ["to_scapy", "scapy_checksum_unreliable"]


# --------------------------------------------------------------------------- next headers
def _nh_of(x: object) -> int:
    t = type(x)
    if t is HopByHopOptions:
        return NH_HOPOPTS
    if t is DestinationOptions:
        return NH_DSTOPTS
    if t in (RoutingType2, RoutingHeader):
        return NH_ROUTING
    if t is Fragment:
        return NH_FRAGMENT
    if t is TCP:
        return NH_TCP
    if t is UDP:
        return NH_UDP
    if t is M.MobilityHeader:
        return NH_MOBILITY
    if t is IPv6:
        return NH_IPV6
    if t is ESP:
        return NH_ESP
    if t is RawPayload:
        return x.nh  # type: ignore[attr-defined]
    return NH_ICMPV6


# --------------------------------------------------------------------------- IPv6 options
def _ip_opt(o: Option) -> Packet:
    if isinstance(o, Pad1):
        return S.Pad1(otype=0)
    if isinstance(o, PadN):
        return S.PadN(otype=1, optlen=len(o.data), optdata=o.data)
    if isinstance(o, HomeAddressOption):
        return S.HAO(otype=0xC9, optlen=16, hoa=str(o.home_address))
    if isinstance(o, UnknownOption):
        return S.HBHOptUnknown(otype=o.otype, optlen=len(o.data), optdata=o.data)
    raise TypeError(o)


def _options_args(options: tuple, is_pad, encode) -> tuple[list, int]:  # type: ignore[no-untyped-def]
    """(options list, autopad) for scapy: drop pads that equal autopad's own (gotcha 1 workaround)."""
    if not any(is_pad(o) for o in options):
        return list(options), 1
    stripped = tuple(o for o in options if not is_pad(o))
    if encode(stripped) == encode(options):
        return list(stripped), 1
    return list(options), 0


def _ext(h: ExtHeader, nh: int) -> Packet:
    if isinstance(h, (DestinationOptions, HopByHopOptions)):
        opts, autopad = _options_args(h.options, lambda o: isinstance(o, (Pad1, PadN)), _encode_ip_options)
        cls = S.IPv6ExtHdrDestOpt if isinstance(h, DestinationOptions) else S.IPv6ExtHdrHopByHop
        return cls(nh=nh, len=None, autopad=autopad, options=[_ip_opt(o) for o in opts])
    if isinstance(h, RoutingType2):
        return S.IPv6ExtHdrRouting(
            nh=nh,
            len=2,
            type=2,
            segleft=h.segments_left,
            reserved=h.reserved,
            addresses=[str(h.home_address)],
        )
    if isinstance(h, RoutingHeader):
        data = h.data
        if len(data) < 4 or (len(data) - 4) % 16:
            raise ValueError("scapy's IPv6ExtHdrRouting only holds 4 reserved octets + addresses")
        addrs = [str(IPv6Address(data[i : i + 16])) for i in range(4, len(data), 16)]
        return S.IPv6ExtHdrRouting(
            nh=nh,
            len=None,
            type=h.routing_type,
            segleft=h.segments_left,
            reserved=int.from_bytes(data[:4], "big"),
            addresses=addrs,
        )
    if isinstance(h, Fragment):
        return S.IPv6ExtHdrFragment(
            nh=nh, res1=h.reserved, offset=h.offset, res2=h.res2, m=int(h.more), id=h.identification
        )
    raise TypeError(h)


# --------------------------------------------------------------------------- ND options
def _nd_opt(o: I.NDOption) -> Packet:
    if isinstance(o, I.SourceLinkLayerAddress):
        return S.ICMPv6NDOptSrcLLAddr(type=1, len=1, lladdr=o.mac)
    if isinstance(o, I.TargetLinkLayerAddress):
        return S.ICMPv6NDOptDstLLAddr(type=2, len=1, lladdr=o.mac)
    if isinstance(o, I.PrefixInformation):
        return S.ICMPv6NDOptPrefixInfo(
            type=3,
            len=4,
            prefixlen=o.prefix_len,
            L=int(o.L),
            A=int(o.A),
            R=int(o.R),
            res1=o.reserved1,
            validlifetime=o.valid_lifetime,
            preferredlifetime=o.preferred_lifetime,
            res2=o.reserved2,
            prefix=str(o.prefix),
        )
    if isinstance(o, I.MTUOption):
        return S.ICMPv6NDOptMTU(type=5, len=1, res=o.reserved, mtu=o.mtu)
    if isinstance(o, I.AdvertisementInterval):
        return S.ICMPv6NDOptAdvInterval(type=7, len=1, res=o.reserved, advint=o.interval_ms)
    if isinstance(o, I.HomeAgentInformation):
        # scapy's pref is unsigned (gotcha 6): hand it the two's-complement 16-bit pattern.
        return S.ICMPv6NDOptHAInfo(type=8, len=1, res=o.reserved, pref=o.preference & 0xFFFF, lifetime=o.lifetime)
    if isinstance(o, I.UnknownNDOption):
        data = o.data + bytes(-(len(o.data) + 2) % 8)
        return S.ICMPv6NDOptUnknown(type=o.otype, len=(len(data) + 2) // 8, data=data)
    raise TypeError(o)


def _with_options(msg: Packet, options: tuple) -> Packet:  # type: ignore[type-arg]
    for o in options:
        msg = msg / _nd_opt(o)
    return msg


# --------------------------------------------------------------------------- ICMPv6
def _icmp(m: I.ICMPv6Message) -> Packet:
    ck = m.checksum
    if isinstance(m, (I.EchoRequest, I.EchoReply)):
        cls = S.ICMPv6EchoRequest if isinstance(m, I.EchoRequest) else S.ICMPv6EchoReply
        return cls(
            type=128 if cls is S.ICMPv6EchoRequest else 129,
            code=0,
            cksum=ck,
            id=m.ident,
            seq=m.seq,
            data=m.data,
        )
    if isinstance(m, I.DestinationUnreachable):
        p = S.ICMPv6DestUnreach(type=1, code=m.code, cksum=ck, length=m.unused >> 24, unused=m.unused & 0xFFFFFF)
        return p / Raw(m.invoking) if m.invoking else p
    if isinstance(m, I.PacketTooBig):
        p = S.ICMPv6PacketTooBig(type=2, code=0, cksum=ck, mtu=m.mtu)
        return p / Raw(m.invoking) if m.invoking else p
    if isinstance(m, I.TimeExceeded):
        p = S.ICMPv6TimeExceeded(type=3, code=m.code, cksum=ck, length=m.unused >> 24, unused=m.unused & 0xFFFFFF)
        return p / Raw(m.invoking) if m.invoking else p
    if isinstance(m, I.ParameterProblem):
        p = S.ICMPv6ParamProblem(type=4, code=m.code, cksum=ck, ptr=m.pointer)
        return p / Raw(m.invoking) if m.invoking else p
    if isinstance(m, I.RouterSolicitation):
        return _with_options(S.ICMPv6ND_RS(type=133, code=0, cksum=ck, res=m.reserved), m.options)
    if isinstance(m, I.RouterAdvertisement):
        ra = S.ICMPv6ND_RA(
            type=134,
            code=0,
            cksum=ck,
            chlim=m.cur_hop_limit,
            M=int(m.M),
            O=int(m.O),
            H=int(m.H),
            prf=m.prf,
            P=int(m.P),
            res=m.reserved,
            routerlifetime=m.router_lifetime,
            reachabletime=m.reachable_time,
            retranstimer=m.retrans_timer,
        )
        return _with_options(ra, m.options)
    if isinstance(m, I.NeighborSolicitation):
        return _with_options(S.ICMPv6ND_NS(type=135, code=0, cksum=ck, res=m.reserved, tgt=str(m.target)), m.options)
    if isinstance(m, I.NeighborAdvertisement):
        na = S.ICMPv6ND_NA(
            type=136, code=0, cksum=ck, R=int(m.R), S=int(m.S), O=int(m.O), res=m.reserved, tgt=str(m.target)
        )
        return _with_options(na, m.options)
    if isinstance(m, I.HomeAgentAddressDiscoveryRequest):
        return S.ICMPv6HAADRequest(
            type=144, code=0, cksum=ck, id=m.identifier, R=m.reserved >> 15, res=m.reserved & 0x7FFF
        )
    if isinstance(m, I.HomeAgentAddressDiscoveryReply):
        return S.ICMPv6HAADReply(
            type=145,
            code=0,
            cksum=ck,
            id=m.identifier,
            R=m.reserved >> 15,
            res=m.reserved & 0x7FFF,
            addresses=[str(a) for a in m.addresses],
        )
    if isinstance(m, I.MobilePrefixSolicitation):
        return S.ICMPv6MPSol(type=146, code=0, cksum=ck, id=m.identifier, res=m.reserved)
    if isinstance(m, I.MobilePrefixAdvertisement):
        mpa = S.ICMPv6MPAdv(
            type=147, code=0, cksum=ck, id=m.identifier, flags=(int(m.M) << 1) | int(m.O), res=m.reserved
        )
        return _with_options(mpa, m.options)
    if isinstance(m, I.UnknownICMPv6):
        return S.ICMPv6Unknown(type=m.type, code=m.code, cksum=ck, msgbody=m.body)
    raise TypeError(m)


# --------------------------------------------------------------------------- Mobility Header
def _mob_opt(o: M.MobilityOption) -> Packet:
    if isinstance(o, M.MobPad1):
        return S.Pad1(otype=0)
    if isinstance(o, M.MobPadN):
        return S.PadN(otype=1, optlen=len(o.data), optdata=o.data)
    if isinstance(o, M.BindingRefreshAdvice):
        return S.MIP6OptBRAdvice(otype=2, olen=2, rinter=o.interval)
    if isinstance(o, M.AlternateCareofAddress):
        return S.MIP6OptAltCoA(otype=3, olen=16, acoa=str(o.address))
    if isinstance(o, M.NonceIndices):
        return S.MIP6OptNonceIndices(otype=4, olen=4, hni=o.home_nonce_index, coni=o.careof_nonce_index)
    if isinstance(o, M.BindingAuthorizationData):
        if len(o.authenticator) != 12:
            raise ValueError("scapy's Binding Authorization Data holds exactly 96 bits")
        return S.MIP6OptBindingAuthData(otype=5, olen=12, authenticator=int.from_bytes(o.authenticator, "big"))
    if isinstance(o, M.UnknownMobilityOption):
        return S.MIP6OptUnknown(otype=o.otype, olen=len(o.data), odata=o.data)
    raise TypeError(o)


def _mob_options(options: tuple, start: int) -> tuple[list[Packet], int]:  # type: ignore[type-arg]
    opts, autopad = _options_args(
        options,
        lambda o: isinstance(o, (M.MobPad1, M.MobPadN)),
        lambda t: _encode_mob_options(t, start),
    )
    return [_mob_opt(o) for o in opts], autopad


def _mh(h: M.MobilityHeader) -> Packet:
    m = h.message
    common = {"nh": h.payload_proto, "len": None, "res": h.reserved, "cksum": h.checksum}
    if isinstance(m, M.BindingUpdate):
        opts, ap = _mob_options(m.options, 12)
        top = (m.A << 15) | (m.H << 14) | (m.L << 13) | (m.K << 12) | m.reserved
        return S.MIP6MH_BU(
            mhtype=5,
            seq=m.seq,
            flags=top >> 9,
            reserved=top & 0x1FF,
            mhtime=m.lifetime,
            autopad=ap,
            options=opts,
            **common,
        )
    if isinstance(m, M.BindingAcknowledgement):
        opts, ap = _mob_options(m.options, 12)
        return S.MIP6MH_BA(
            mhtype=6,
            status=m.status,
            flags=(m.K << 2) | (m.reserved >> 5),
            res2=m.reserved & 0x1F,
            seq=m.seq,
            mhtime=m.lifetime,
            autopad=ap,
            options=opts,
            **common,
        )
    if isinstance(m, (M.HomeTestInit, M.CareofTestInit)):
        opts, ap = _mob_options(m.options, 16)
        cls = S.MIP6MH_HoTI if isinstance(m, M.HomeTestInit) else S.MIP6MH_CoTI
        return cls(
            mhtype=1 if cls is S.MIP6MH_HoTI else 2,
            reserved=m.reserved.to_bytes(2, "big"),
            cookie=m.cookie,
            autopad=ap,
            options=opts,
            **common,
        )
    if isinstance(m, (M.HomeTest, M.CareofTest)):
        opts, ap = _mob_options(m.options, 24)
        cls = S.MIP6MH_HoT if isinstance(m, M.HomeTest) else S.MIP6MH_CoT
        return cls(
            mhtype=3 if cls is S.MIP6MH_HoT else 4,
            index=m.nonce_index,
            cookie=m.cookie,
            token=m.keygen_token,
            autopad=ap,
            options=opts,
            **common,
        )
    if isinstance(m, M.BindingRefreshRequest):
        opts, ap = _mob_options(m.options, 8)
        return S.MIP6MH_BRR(mhtype=0, res2=m.reserved, autopad=ap, options=opts, **common)
    if isinstance(m, M.BindingError):
        # MIP6MH_BE has no autopad field: scapy always autopads it (a no-op for well-aligned options).
        opts, _ = _mob_options(m.options, 24)
        return S.MIP6MH_BE(
            mhtype=7, status=m.status, reserved=m.reserved, ha=str(m.home_address), options=opts, **common
        )
    if isinstance(m, M.UnknownMobilityMessage):
        data = m.data + bytes(-(6 + len(m.data)) % 8)
        return S.MIP6MH_Generic(mhtype=m.mh_type, msg=data, **common)
    raise TypeError(m)


# --------------------------------------------------------------------------- transport
def _tcp_options(raw: bytes) -> list[tuple[object, object]]:
    """Raw TCP option octets as scapy's (kind, value) list; scapy re-serialises them verbatim."""
    out: list[tuple[object, object]] = []
    i = 0
    while i < len(raw):
        k = raw[i]
        if k in (0, 1):
            out.append(("EOL" if k == 0 else "NOP", None))
            i += 1
            continue
        if i + 2 > len(raw) or raw[i + 1] < 2 or i + raw[i + 1] > len(raw):
            raise ValueError("malformed TCP options cannot be handed to scapy")
        out.append((k, raw[i + 2 : i + raw[i + 1]]))
        i += raw[i + 1]
    return out


def _payload(p: object) -> Packet:
    if isinstance(p, TCP):
        seg = STCP(
            sport=p.sport,
            dport=p.dport,
            seq=p.seq,
            ack=p.ack,
            dataofs=None,
            reserved=p.reserved >> 1,
            flags=p.flags | ((p.reserved & 1) << 8),
            window=p.window,
            chksum=p.checksum,
            urgptr=p.urgent,
            options=_tcp_options(p.options),
        )
        return seg / Raw(p.data) if p.data else seg
    if isinstance(p, UDP):
        d = SUDP(sport=p.sport, dport=p.dport, len=None, chksum=p.checksum)
        return d / Raw(p.data) if p.data else d
    if isinstance(p, M.MobilityHeader):
        return _mh(p)
    if isinstance(p, IPv6):
        return _ipv6(p)
    if isinstance(p, ESP):
        return SESP(spi=p.spi, seq=p.seq, data=p.data)
    if isinstance(p, RawPayload):
        return Raw(p.data)
    return _icmp(p)  # type: ignore[arg-type]


def _ipv6(pkt: IPv6) -> Packet:
    chain: list[object] = [*pkt.ext, pkt.payload]
    out = S.IPv6(
        version=6,
        tc=pkt.tc,
        fl=pkt.fl,
        plen=None,
        nh=_nh_of(chain[0]),
        hlim=pkt.hlim,
        src=str(pkt.src),
        dst=str(pkt.dst),
    )
    for i, h in enumerate(pkt.ext):
        out = out / _ext(h, _nh_of(chain[i + 1]))
    pay = _payload(pkt.payload)
    if isinstance(pkt.payload, RawPayload) and not pkt.payload.data:
        return out
    return out / pay


def to_scapy(value: IPv6 | Ethernet | object) -> Packet:
    """A scapy packet for ``value`` (an Ethernet frame, an IPv6 packet, or a bare payload)."""
    if isinstance(value, Ethernet):
        eth = Ether(dst=value.dst, src=value.src, type=value.ethertype)
        if isinstance(value.payload, bytes):
            return eth / Raw(value.payload) if value.payload else eth
        return eth / _ipv6(value.payload)
    if isinstance(value, IPv6):
        return _ipv6(value)
    return _payload(value)


def scapy_checksum_unreliable(pkt: IPv6) -> bool:
    """True if scapy will compute a wrong upper-layer checksum for ``pkt`` (wire-notes gotcha 1/2).

    That happens when a Destination Options header holds a Home Address option together with any
    other option that :func:`to_scapy` could not remove (explicit padding that differs from
    autopad's, or another option), and the payload's checksum is left ``None`` for scapy to compute.
    Tunnelled packets are checked inside too.
    """
    for h in pkt.ext:
        if isinstance(h, DestinationOptions) and h.home_address_option is not None:
            opts, _ = _options_args(h.options, lambda o: isinstance(o, (Pad1, PadN)), _encode_ip_options)
            if len(opts) != 1 and getattr(pkt.payload, "checksum", 0) is None:
                return True
    if isinstance(pkt.payload, IPv6):
        return scapy_checksum_unreliable(pkt.payload)
    return False
