"""Hypothesis strategies for every typed wire value, shared by the wire tests.

Values are drawn over the whole range of each field, with the boundaries (0, max) favoured by
Hypothesis itself. ``exact=True`` restricts them to values that decode back to themselves
(no ``Unknown*`` value that would decode as a known one, no fragment hiding its payload, ...).
"""

from __future__ import annotations

import dataclasses
from ipaddress import IPv6Address

from hypothesis import strategies as st

from mip6lab.wire import icmp as I
from mip6lab.wire import mh as M
from mip6lab.wire.ip import (
    ESP,
    DestinationOptions,
    Ethernet,
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
from mip6lab.wire.transport import TCP, UDP

u8 = st.integers(0, 0xFF)
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)
s16 = st.integers(-0x8000, 0x7FFF)

HOA = IPv6Address("2001:db8:1::100")
COA = IPv6Address("2001:db8:2::100")
HA = IPv6Address("2001:db8:1::1")
CN = IPv6Address("2001:db8:3::5")

addrs = st.one_of(
    st.sampled_from([HOA, COA, HA, CN, IPv6Address("::"), IPv6Address("fe80::1"), IPv6Address("ff02::1")]),
    st.integers(0, 2**128 - 1).map(IPv6Address),
)
macs = st.binary(min_size=6, max_size=6).map(lambda b: b.hex(":"))
small_bytes = st.binary(max_size=24)
cookies = st.binary(min_size=8, max_size=8)


def _bits(n: int) -> st.SearchStrategy[int]:
    return st.integers(0, (1 << n) - 1)


# --------------------------------------------------------------------------- IPv6 options, ext headers
hao = st.builds(HomeAddressOption, addrs)
unknown_ip_option = st.builds(UnknownOption, st.integers(2, 255).filter(lambda t: t != 201), st.binary(max_size=10))
ip_options_autopad = st.lists(st.one_of(hao, unknown_ip_option), max_size=3).map(tuple)
ip_options_hao_only = st.just(()) | hao.map(lambda h: (h,))


dest_opts = st.one_of(
    st.builds(DestinationOptions, ip_options_hao_only),
    st.builds(DestinationOptions, ip_options_autopad),
)
hop_by_hop = st.builds(HopByHopOptions, st.lists(unknown_ip_option, max_size=2).map(tuple))
rt2 = st.builds(RoutingType2, addrs, u8, u32)


@st.composite
def generic_rh(draw: st.DrawFn) -> RoutingHeader:
    n = draw(st.integers(0, 2))
    rtype = draw(st.sampled_from([0, 1, 3, 5, 253, 254]))
    sl = draw(u8) if rtype == 0 else 0  # scapy applies "last address" to every type; the RFC to type 0
    data = draw(st.binary(min_size=4, max_size=4)) + b"".join(draw(addrs).packed for _ in range(n))
    return RoutingHeader(rtype, sl, data)


def fragments(exact: bool) -> st.SearchStrategy[Fragment]:
    if exact:
        return st.builds(Fragment, st.just(0), st.just(False), u32, u8, _bits(2))
    return st.builds(Fragment, _bits(13), st.booleans(), u32, u8, _bits(2))


def ext_headers(exact: bool) -> st.SearchStrategy[tuple]:  # type: ignore[type-arg]
    one = st.one_of(dest_opts, hop_by_hop, rt2, generic_rh(), fragments(exact))
    typical = st.sampled_from(["hao", "rh2", "rh2+hao", "none"])

    @st.composite
    def build(draw: st.DrawFn) -> tuple:  # type: ignore[type-arg]
        kind = draw(st.sampled_from(["typical", "random"]))
        if kind == "random":
            return tuple(draw(st.lists(one, max_size=3)))
        t = draw(typical)
        if t == "hao":
            return (DestinationOptions((draw(hao),)),)
        if t == "rh2":
            return (draw(rt2),)
        if t == "rh2+hao":  # RFC 6275 order: Type 2 Routing header before Destination Options
            return (draw(rt2), DestinationOptions((draw(hao),)))
        return ()

    return build()


# --------------------------------------------------------------------------- ND options, ICMPv6
nd_option = st.one_of(
    st.builds(I.SourceLinkLayerAddress, macs),
    st.builds(I.TargetLinkLayerAddress, macs),
    # Prefix Length <= 128: a larger one is an invalid option that decodes as UnknownNDOption (RFC 4861 §4.6.2)
    st.builds(
        I.PrefixInformation,
        addrs,
        st.integers(0, 128),
        st.booleans(),
        st.booleans(),
        st.booleans(),
        u32,
        u32,
        _bits(5),
        u32,
    ),
    st.builds(I.MTUOption, u32, u16),
    st.builds(I.AdvertisementInterval, u32, u16),
    st.builds(I.HomeAgentInformation, s16, u16, u16),
    st.builds(
        I.UnknownNDOption,
        st.integers(9, 255),
        st.integers(0, 2).flatmap(lambda k: st.binary(min_size=6 + 8 * k, max_size=6 + 8 * k)),
    ),
)
nd_options = st.lists(nd_option, max_size=3).map(tuple)
ck = st.none() | u16

icmp_message = st.one_of(
    st.builds(I.EchoRequest, u16, u16, small_bytes, ck),
    st.builds(I.EchoReply, u16, u16, small_bytes, ck),
    st.builds(I.DestinationUnreachable, st.integers(0, 6), small_bytes, u32, ck),
    st.builds(I.PacketTooBig, u32, small_bytes, ck),
    st.builds(I.TimeExceeded, st.integers(0, 1), small_bytes, u32, ck),
    st.builds(I.ParameterProblem, st.integers(0, 3), u32, small_bytes, ck),
    st.builds(I.RouterSolicitation, nd_options, u32, ck),
    st.builds(
        I.RouterAdvertisement,
        u8,
        st.booleans(),
        st.booleans(),
        st.booleans(),
        _bits(2),
        st.booleans(),
        _bits(2),
        u16,
        u32,
        u32,
        nd_options,
        ck,
    ),
    st.builds(I.NeighborSolicitation, addrs, nd_options, u32, ck),
    st.builds(I.NeighborAdvertisement, addrs, st.booleans(), st.booleans(), st.booleans(), nd_options, _bits(29), ck),
    st.builds(I.HomeAgentAddressDiscoveryRequest, u16, u16, ck),
    st.builds(I.HomeAgentAddressDiscoveryReply, u16, st.lists(addrs, max_size=3).map(tuple), u16, ck),
    st.builds(I.MobilePrefixSolicitation, u16, u16, ck),
    st.builds(I.MobilePrefixAdvertisement, u16, st.booleans(), st.booleans(), _bits(14), nd_options, ck),
    st.builds(
        I.UnknownICMPv6,
        st.sampled_from([5, 100, 137, 150, 151, 200, 255]),
        u8,
        small_bytes,
        ck,
    ),
)

# --------------------------------------------------------------------------- mobility
mob_option = st.one_of(
    st.builds(M.BindingRefreshAdvice, u16),
    st.builds(M.AlternateCareofAddress, addrs),
    st.builds(M.NonceIndices, u16, u16),
    st.builds(M.UnknownMobilityOption, st.integers(6, 255), st.binary(max_size=10)),
)


@st.composite
def mob_options(draw: st.DrawFn) -> tuple:  # type: ignore[type-arg]
    opts = draw(st.lists(mob_option, max_size=3))
    if draw(st.booleans()):  # Binding Authorization Data: always last (RFC 6275 §6.2.7)
        opts.append(M.BindingAuthorizationData(draw(st.binary(min_size=12, max_size=12))))
    return tuple(opts)


mh_message = st.one_of(
    st.builds(M.BindingRefreshRequest, u16, mob_options()),
    st.builds(M.HomeTestInit, cookies, u16, mob_options()),
    st.builds(M.CareofTestInit, cookies, u16, mob_options()),
    st.builds(M.HomeTest, u16, cookies, cookies, mob_options()),
    st.builds(M.CareofTest, u16, cookies, cookies, mob_options()),
    st.builds(
        M.BindingUpdate,
        u16,
        u16,
        st.booleans(),
        st.booleans(),
        st.booleans(),
        st.booleans(),
        _bits(12),
        mob_options(),
    ),
    st.builds(M.BindingAcknowledgement, u8, u16, u16, st.booleans(), _bits(7), mob_options()),
    st.builds(M.BindingError, u8, addrs, u8, mob_options()),
    st.builds(
        M.UnknownMobilityMessage,
        st.integers(8, 255),
        st.integers(0, 3).flatmap(lambda k: st.binary(min_size=2 + 8 * k, max_size=2 + 8 * k)),
    ),
)
mobility_header = st.builds(M.MobilityHeader, mh_message, st.just(59) | u8, u8, ck)

# --------------------------------------------------------------------------- transport


@st.composite
def tcp_options(draw: st.DrawFn) -> bytes:
    parts = []
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.integers(0, 255))
        if kind in (0, 1):
            parts.append(bytes([kind]))
        else:
            val = draw(st.binary(max_size=6))
            parts.append(bytes([kind, len(val) + 2]) + val)
    raw = b"".join(parts)
    return raw + bytes(-len(raw) % 4)


tcp = st.builds(TCP, u16, u16, u32, u32, u8, u16, small_bytes, tcp_options(), u16, _bits(4), ck)
udp = st.builds(UDP, u16, u16, small_bytes, ck)
esp = st.builds(ESP, u32, u32, small_bytes)
raw_payload = st.builds(RawPayload, st.sampled_from([59, 103, 253, 254]), small_bytes)

upper = st.one_of(tcp, udp, icmp_message, mobility_header, esp, raw_payload)


def packets(exact: bool = False, tunnel: bool = True) -> st.SearchStrategy[IPv6]:
    inner = st.builds(IPv6, addrs, addrs, upper, ext_headers(exact), u8, u8, _bits(20))
    payload = st.one_of(upper, inner) if tunnel else upper
    return st.builds(IPv6, addrs, addrs, payload, ext_headers(exact), u8, u8, _bits(20))


frames = st.builds(Ethernet, macs, macs, packets())


# --------------------------------------------------------------------------- helpers
_PADS = (Pad1, PadN, M.MobPad1, M.MobPadN)


def strip(v: object) -> object:
    """``v`` with every pad option removed and every checksum set to None (for comparisons)."""
    if isinstance(v, tuple):
        return tuple(strip(x) for x in v if not isinstance(x, _PADS))
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        changes = {}
        for f in dataclasses.fields(v):
            val = getattr(v, f.name)
            if f.name == "checksum":
                changes[f.name] = None
            elif isinstance(val, tuple) or dataclasses.is_dataclass(val):
                changes[f.name] = strip(val)
        return dataclasses.replace(v, **changes)
    return v
