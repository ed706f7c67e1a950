"""One readable line per packet, like Wireshark's Info column, with RFC 6275's names.

``summary(pkt)`` is for packet lists and traces ("BU seq=1 A H lifetime=600s [HAO 2001:db8:1::100]");
``name(pkt)`` is the short label for message sequence charts ("BU", "HoTI", "NS"), looking inside
the home agent's IPv6-in-IPv6 tunnel because what matters on a chart is the message, not the pipe.
"""

from __future__ import annotations

from mip6lab.wire import icmp as I
from mip6lab.wire import mh as M
from mip6lab.wire.codec import DecodeError, decode_frame
from mip6lab.wire.icmp import ICMP_NAMES
from mip6lab.wire.ip import (
    ESP,
    NH_NONE,
    DestinationOptions,
    Ethernet,
    Fragment,
    HomeAddressOption,
    HopByHopOptions,
    IPv6,
    RawPayload,
    RoutingHeader,
    RoutingType2,
)
from mip6lab.wire.transport import TCP, UDP

__all__ = ["summary", "name", "category", "ICMP_NAMES", "ND_NAMES", "SIGNALLING_NAMES"]

ND_NAMES = frozenset(
    ICMP_NAMES[t]
    for t in (I.ROUTER_SOLICIT, I.ROUTER_ADVERT, I.NEIGHBOR_SOLICIT, I.NEIGHBOR_ADVERT, I.REDIRECT)
    + (I.MLD_QUERY, I.MLDV2_REPORT)
)
"""Neighbor Discovery (RFC 4861 §4, Redirect included) and the MLD it relies on (RFC 3810): link plumbing
that views and lists hide unless asked."""

SIGNALLING_NAMES = frozenset(
    set(M.MH_SHORT.values())
    | {ICMP_NAMES[t] for t in (I.HAAD_REQUEST, I.HAAD_REPLY, I.MOBILE_PREFIX_SOLICIT, I.MOBILE_PREFIX_ADVERT)}
    | {ICMP_NAMES[t] for t in (I.DEST_UNREACH, I.PACKET_TOO_BIG, I.TIME_EXCEEDED, I.PARAM_PROBLEM)}
    | {"ESP"}
)
"""Mobility signalling (Mobility Header, DHAAD, Mobile Prefix), ICMPv6 errors and unopened ESP."""


def category(message_name: str) -> str:
    """``"nd"``, ``"signalling"`` or ``"data"`` (TCP, UDP, Echo, ...) for a :func:`name`."""
    if message_name in ND_NAMES:
        return "nd"
    if message_name in SIGNALLING_NAMES or message_name.startswith("MH type"):
        return "signalling"
    return "data"


_DU_CODES = {
    0: "no route to destination",
    1: "administratively prohibited",
    2: "beyond scope of source address",
    3: "address unreachable",
    4: "port unreachable",
    5: "source address failed ingress/egress policy",
    6: "reject route to destination",
}
_TE_CODES = {0: "hop limit exceeded in transit", 1: "fragment reassembly time exceeded"}
_PP_CODES = {
    0: "erroneous header field",
    1: "unrecognized Next Header",
    2: "unrecognized IPv6 option",
}
_BE_STATUS = {
    M.BE_UNKNOWN_BINDING: "unknown binding for Home Address option",
    M.BE_UNRECOGNIZED_MH_TYPE: "unrecognized MH Type",
}


def _null_esp_inner(p: ESP) -> object | None:
    """The message inside an ESP payload with NULL encryption (readable without keys), else None."""
    from mip6lab.wire.codec import decode_upper
    from mip6lab.wire.esp import null_esp_peek

    peek = null_esp_peek(p)
    if peek is None:
        return None
    try:
        return decode_upper(*peek)
    except DecodeError:
        return None


# --------------------------------------------------------------------------- names
def _payload_name(p: object) -> str:
    if isinstance(p, M.MobilityHeader):
        t = p.mh_type
        return (
            M.MH_SHORT.get(t, f"MH type {t}") if not isinstance(p.message, M.UnknownMobilityMessage) else f"MH type {t}"
        )
    if isinstance(p, TCP):
        return "TCP"
    if isinstance(p, UDP):
        return "UDP"
    if isinstance(p, ESP):
        inner = _null_esp_inner(p)
        return "ESP" if inner is None else _payload_name(inner)
    if isinstance(p, IPv6):
        return _payload_name(p.payload)
    if isinstance(p, RawPayload):
        return "No Next Header" if p.nh == NH_NONE else f"Next Header {p.nh}"
    if isinstance(p, I.UnknownICMPv6):
        return ICMP_NAMES.get(p.type, f"ICMPv6 type {p.type}")
    typ = _icmp_type(p)
    return ICMP_NAMES.get(typ, f"ICMPv6 type {typ}")


def name(pkt: IPv6 | Ethernet | bytes) -> str:
    """Short message name ("BU", "BA", "HoTI", "NS", "RA", "TCP", "Echo Request", "ESP", ...).

    Tunnels are looked through: a HoTI reverse-tunnelled by the mobile node is named "HoTI".
    """
    if isinstance(pkt, (bytes, bytearray, memoryview)):
        try:
            pkt = decode_frame(bytes(pkt))
        except DecodeError:
            return "malformed"
    if isinstance(pkt, Ethernet):
        if isinstance(pkt.payload, bytes):
            return f"EtherType 0x{pkt.ethertype:04x}"
        pkt = pkt.payload
    return _payload_name(pkt.payload)


_ICMP_TYPE_OF: dict[type, int] = {
    I.EchoRequest: I.ECHO_REQUEST,
    I.EchoReply: I.ECHO_REPLY,
    I.DestinationUnreachable: I.DEST_UNREACH,
    I.PacketTooBig: I.PACKET_TOO_BIG,
    I.TimeExceeded: I.TIME_EXCEEDED,
    I.ParameterProblem: I.PARAM_PROBLEM,
    I.RouterSolicitation: I.ROUTER_SOLICIT,
    I.RouterAdvertisement: I.ROUTER_ADVERT,
    I.NeighborSolicitation: I.NEIGHBOR_SOLICIT,
    I.NeighborAdvertisement: I.NEIGHBOR_ADVERT,
    I.HomeAgentAddressDiscoveryRequest: I.HAAD_REQUEST,
    I.HomeAgentAddressDiscoveryReply: I.HAAD_REPLY,
    I.MobilePrefixSolicitation: I.MOBILE_PREFIX_SOLICIT,
    I.MobilePrefixAdvertisement: I.MOBILE_PREFIX_ADVERT,
}


def _icmp_type(m: object) -> int:
    if isinstance(m, I.UnknownICMPv6):
        return m.type
    return _ICMP_TYPE_OF.get(type(m), -1)


# --------------------------------------------------------------------------- summaries
_MLD_RECORD = {1: "is-in", 2: "is-ex", 3: "to-in", 4: "to-ex", 5: "allow", 6: "block"}


def _mldv2_records(body: bytes) -> list[str]:
    """RFC 3810 §5.2 records as "to-ex ff02::1:ff00:1" (joined) / "to-in ..." (left)."""
    return [f"{_MLD_RECORD.get(t, t)} {g}" for t, g in I.mldv2_records(body)]


def _hex(b: bytes) -> str:
    return b.hex()


def _mob_options(opts: tuple[M.MobilityOption, ...]) -> str:
    out = []
    for o in opts:
        if isinstance(o, M.AlternateCareofAddress):
            out.append(f"AltCoA={o.address}")
        elif isinstance(o, M.NonceIndices):
            out.append(f"NonceIndices={o.home_nonce_index}/{o.careof_nonce_index}")
        elif isinstance(o, M.BindingAuthorizationData):
            out.append(f"BAD={_hex(o.authenticator)}")
        elif isinstance(o, M.BindingRefreshAdvice):
            out.append(f"refresh={o.interval_seconds}s")
        elif isinstance(o, M.UnknownMobilityOption):
            out.append(f"option{o.otype}")
    return (" " + " ".join(out)) if out else ""


def _mh_summary(h: M.MobilityHeader) -> str:
    m = h.message
    s: str
    if isinstance(m, M.BindingUpdate):
        flags = "".join(f" {f}" for f in "AHLK" if getattr(m, f))
        s = f"BU seq={m.seq}{flags} lifetime={m.lifetime_seconds}s"
    elif isinstance(m, M.BindingAcknowledgement):
        status = M.BA_STATUS_NAMES.get(m.status, "unknown status")
        k = " K" if m.K else ""
        s = f"BA seq={m.seq} status={m.status} ({status}){k} lifetime={m.lifetime_seconds}s"
    elif isinstance(m, M.BindingError):
        s = f"BE status={m.status} ({_BE_STATUS.get(m.status, 'unknown status')}) home={m.home_address}"
    elif isinstance(m, (M.HomeTestInit, M.CareofTestInit)):
        s = f"{'HoTI' if isinstance(m, M.HomeTestInit) else 'CoTI'} cookie={_hex(m.cookie)}"
    elif isinstance(m, (M.HomeTest, M.CareofTest)):
        kind = "HoT" if isinstance(m, M.HomeTest) else "CoT"
        s = f"{kind} index={m.nonce_index} cookie={_hex(m.cookie)} token={_hex(m.keygen_token)}"
    elif isinstance(m, M.BindingRefreshRequest):
        s = "BRR"
    else:
        s = f"MH type={m.mh_type} ({len(m.data)} bytes)"
    if not isinstance(m, M.UnknownMobilityMessage):
        s += _mob_options(m.options)
    if h.payload_proto != NH_NONE:
        s += f" payload-proto={h.payload_proto}"
    return s


def _prefixes(opts: tuple[I.NDOption, ...]) -> list[str]:
    return [f"{o.prefix}/{o.prefix_len}" + (" R" if o.R else "") for o in opts if isinstance(o, I.PrefixInformation)]


def _nd_extras(opts: tuple[I.NDOption, ...]) -> str:
    out = []
    for o in opts:
        if isinstance(o, I.AdvertisementInterval):
            out.append(f"adv-interval={o.interval_ms}ms")
        elif isinstance(o, I.HomeAgentInformation):
            out.append(f"HA-info pref={o.preference} lifetime={o.lifetime}s")
        elif isinstance(o, I.MTUOption):
            out.append(f"mtu={o.mtu}")
    return (" " + " ".join(out)) if out else ""


def _icmp_summary(m: object) -> str:
    if isinstance(m, (I.EchoRequest, I.EchoReply)):
        kind = "Echo Request" if isinstance(m, I.EchoRequest) else "Echo Reply"
        return f"{kind} id={m.ident} seq={m.seq}"
    if isinstance(m, I.DestinationUnreachable):
        return f"ICMPv6 Destination Unreachable ({_DU_CODES.get(m.code, f'code {m.code}')})"
    if isinstance(m, I.PacketTooBig):
        return f"ICMPv6 Packet Too Big mtu={m.mtu}"
    if isinstance(m, I.TimeExceeded):
        return f"ICMPv6 Time Exceeded ({_TE_CODES.get(m.code, f'code {m.code}')})"
    if isinstance(m, I.ParameterProblem):
        return f"ICMPv6 Parameter Problem ({_PP_CODES.get(m.code, f'code {m.code}')}) pointer={m.pointer}"
    if isinstance(m, I.RouterSolicitation):
        return "RS"
    if isinstance(m, I.RouterAdvertisement):
        parts = ["RA"]
        parts += [f for f in ("M", "O") if getattr(m, f)]
        if m.H:
            parts.append("H-flag")
        pf = _prefixes(m.options)
        if pf:
            parts.append("prefixes=" + ",".join(pf))
        parts.append(f"lifetime={m.router_lifetime}s")
        return " ".join(parts) + _nd_extras(m.options)
    if isinstance(m, I.NeighborSolicitation):
        return f"NS who-has {m.target}"
    if isinstance(m, I.NeighborAdvertisement):
        mac = next((o.mac for o in m.options if isinstance(o, I.TargetLinkLayerAddress)), None)
        flags = "".join(f for f in "RSO" if getattr(m, f))
        at = f" is-at {mac}" if mac else ""
        return f"NA {m.target}{at}" + (f" [{flags}]" if flags else "")
    if isinstance(m, I.HomeAgentAddressDiscoveryRequest):
        return f"HAAD Request id={m.identifier}"
    if isinstance(m, I.HomeAgentAddressDiscoveryReply):
        return f"HAAD Reply id={m.identifier} home-agents=" + (",".join(str(a) for a in m.addresses) or "none")
    if isinstance(m, I.MobilePrefixSolicitation):
        return f"MPS id={m.identifier}"
    if isinstance(m, I.MobilePrefixAdvertisement):
        flags = "".join(f" {f}" for f in "MO" if getattr(m, f))
        return f"MPA id={m.identifier}{flags} prefixes=" + (",".join(_prefixes(m.options)) or "none")
    if isinstance(m, I.UnknownICMPv6) and m.type == I.MLDV2_REPORT:
        return "MLDv2 Report " + " ".join(_mldv2_records(m.body))
    if isinstance(m, I.UnknownICMPv6):
        return f"ICMPv6 {ICMP_NAMES.get(m.type, f'type {m.type}')} code={m.code}"
    return repr(m)


def _payload_summary(p: object) -> str:
    if isinstance(p, M.MobilityHeader):
        return _mh_summary(p)
    if isinstance(p, TCP):
        s = f"TCP {p.sport} > {p.dport} [{p.flag_names or '.'}] seq={p.seq}"
        if p.flags & 0x10:
            s += f" ack={p.ack}"
        return s + f" win={p.window} len={len(p.data)}"
    if isinstance(p, UDP):
        return f"UDP {p.sport} > {p.dport} len={len(p.data)}"
    if isinstance(p, ESP):
        inner = _null_esp_inner(p)
        if inner is None:
            return f"ESP spi=0x{p.spi:x} seq={p.seq} (encrypted)"
        return f"ESP[ {_payload_summary(inner)} ]"
    if isinstance(p, IPv6):
        return f"tunnel[ {summary(p)} ]"
    if isinstance(p, RawPayload):
        if p.nh == NH_NONE:
            return "No Next Header"
        return f"Next Header {p.nh} ({len(p.data)} bytes)"
    return _icmp_summary(p)


def _ext_notes(pkt: IPv6) -> str:
    notes = []
    for h in pkt.ext:
        if isinstance(h, DestinationOptions):
            for o in h.options:
                if isinstance(o, HomeAddressOption):
                    notes.append(f"[HAO {o.home_address}]")
        elif isinstance(h, RoutingType2):
            notes.append(f"[RH2 {h.home_address}]" if h.segments_left else f"[RH2 {h.home_address} done]")
        elif isinstance(h, RoutingHeader):
            notes.append(f"[RH{h.routing_type} left={h.segments_left}]")
        elif isinstance(h, Fragment):
            notes.append(f"[Frag off={h.offset * 8}{' M' if h.more else ''} id={h.identification}]")
        elif isinstance(h, HopByHopOptions):
            notes.append("[HBH]")
    return (" " + " ".join(notes)) if notes else ""


def summary(pkt: IPv6 | Ethernet | bytes) -> str:
    """One line: the message with its key fields, then Home Address option / Type 2 RH notes."""
    if isinstance(pkt, (bytes, bytearray, memoryview)):
        try:
            pkt = decode_frame(bytes(pkt))
        except DecodeError as e:
            return f"malformed {e.layer}: {e.reason}"
    if isinstance(pkt, Ethernet):
        if isinstance(pkt.payload, bytes):
            return f"Ethernet type 0x{pkt.ethertype:04x} ({len(pkt.payload)} bytes)"
        pkt = pkt.payload
    return _payload_summary(pkt.payload) + _ext_notes(pkt)
