"""Bit-level layouts of every header, as in the white paper's Figures 2-12 and the RFC diagrams.

Each header is ONE declarative :class:`HeaderLayout`: its fields in wire order, each with a bit
width (``None`` for the variable-length tail: options, addresses, data) and a meaning with its unit.
Everything else is derived from these definitions:

* :func:`fields_of` walks a real frame (Ethernet .. payload, through tunnels) and returns a
  :class:`FieldSpan` for every field, covering every bit of the frame exactly once -- what a
  packet inspector needs to highlight bytes;
* :func:`render_text` draws the RFC-style ASCII box diagram in 32-bit rows, with names or with the
  values of a real packet; :func:`render_html` the same as an HTML table; :func:`draw` with
  matplotlib (boxes with widths and values).

White paper figure numbers are kept on the layouts (``figure``). The white paper gives the HAAD and
MPS/MPA types as 150/151; RFC 6275 assigns 144-147, which is what the layouts (and the codec) use.
"""

from __future__ import annotations

import contextlib
import html
from dataclasses import dataclass, field
from ipaddress import IPv6Address
from typing import Any

from mip6lab.wire import icmp as I
from mip6lab.wire import mh as M
from mip6lab.wire.icmp import ICMP_TITLES
from mip6lab.wire.ip import (
    NEXT_HEADER_NAMES,
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
    OPT_PAD1,
    OPT_PADN,
)
from mip6lab.wire.mh import BA_STATUS_NAMES, MH_NAMES

__all__ = [
    "Field",
    "HeaderLayout",
    "FieldSpan",
    "LAYOUTS",
    "layout",
    "fields_of",
    "layers_of",
    "render_text",
    "render_html",
    "draw",
]

ICMP_TYPE_NAMES = ICMP_TITLES  # the one ICMPv6 name table (wire/icmp.py), full names
_PRF = {0: "medium", 1: "high", 2: "reserved", 3: "low"}


# =========================================================================== declarations
@dataclass(frozen=True)
class Field:
    """One field: ``bits`` wide (None: variable, to the end of its header), with a meaning.

    ``kind`` says how to read the bits: uint, int (two's complement), flag, addr (IPv6), mac, hex
    (opaque octets), data (variable octets), or a variable area that holds sub-headers:
    ip-options, nd-options, mh-options, addresses, tcp-options. ``scale``/``unit`` turn the wire
    value into the quantity (a Lifetime of 150 is 150 x 4 = 600 s); ``names`` names coded values.
    """

    name: str
    bits: int | None
    meaning: str = ""
    kind: str = "uint"
    unit: str = ""
    scale: int = 1
    names: dict[int, str] | None = None

    def describe(self, value: Any) -> str:
        """The value as a reader wants it: "150 (600 s)", "135 (Mobility Header)", "fe80::1"."""
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, (bytes, bytearray)):
            return value.hex() if value else "(empty)"
        if isinstance(value, int) and self.kind in ("hex16", "hex32"):
            return f"0x{value:0{4 if self.kind == 'hex16' else 8}x}"
        if isinstance(value, int) and self.kind in ("uint", "int"):
            extra = []
            if self.names and value in self.names:
                extra.append(self.names[value])
            if self.unit:
                extra.append(f"{value * self.scale} {self.unit}" if self.scale != 1 else self.unit)
            return f"{value} ({', '.join(extra)})" if extra else str(value)
        return str(value)


@dataclass(frozen=True)
class HeaderLayout:
    """A header's fields in wire order; ``figure`` is the white paper figure that shows it."""

    key: str
    title: str
    fields: tuple[Field, ...]
    figure: int | None = None
    reference: str = ""

    @property
    def fixed_bits(self) -> int:
        return sum(f.bits or 0 for f in self.fields)


@dataclass(frozen=True)
class FieldSpan:
    """Where one field of a real frame sits: octet offset, bit offset in that octet (0 = most
    significant), width in bits, its value and its meaning."""

    layer: str
    name: str
    byte_offset: int
    bit_offset: int
    bit_width: int
    value: Any
    meaning: str
    field: Field | None = field(default=None, compare=False, repr=False)

    @property
    def start_bit(self) -> int:
        return self.byte_offset * 8 + self.bit_offset

    @property
    def end_bit(self) -> int:
        return self.start_bit + self.bit_width

    @property
    def byte_range(self) -> range:
        """The octets this field touches (for highlighting)."""
        return range(self.byte_offset, (self.end_bit + 7) // 8)

    @property
    def display(self) -> str:
        return self.field.describe(self.value) if self.field else str(self.value)


def F(name: str, bits: int | None, meaning: str = "", kind: str = "uint", **kw: Any) -> Field:
    return Field(name, bits, meaning, kind, **kw)


def _flag(name: str, meaning: str) -> Field:
    return Field(name, 1, meaning, "flag")


NH = F("Next Header", 8, "type of the header that follows", names=NEXT_HEADER_NAMES)
HDR_EXT_LEN = F("Hdr Ext Len", 8, "length in 8-octet units, not counting the first 8 octets")
ICMP_HEAD = (
    F("Type", 8, "ICMPv6 message type", names=ICMP_TYPE_NAMES),
    F("Code", 8, "message subtype"),
    F("Checksum", 16, "Internet checksum over the pseudo-header (RFC 6275 addresses) and the message", "hex16"),
)
MH_HEAD = (
    F(
        "Payload Proto",
        8,
        "always 59 (No Next Header): the Mobility Header is the last header",
        names=NEXT_HEADER_NAMES,
    ),
    F("Header Len", 8, "length in 8-octet units, not counting the first 8 octets"),
    F("MH Type", 8, "which mobility message", names=MH_NAMES),
    F("Reserved", 8, "zero"),
    F(
        "Checksum",
        16,
        "Internet checksum over the pseudo-header (home address rules, RFC 6275 §6.1.1) and the MH",
        "hex16",
    ),
)
OPT_HEAD = (F("Option Type", 8, "option type"), F("Opt Data Len", 8, "length of the option data in octets"))
ND_OPT_HEAD = (F("Type", 8, "ND option type"), F("Length", 8, "length in 8-octet units including Type and Length"))
MOPT_HEAD = (F("Type", 8, "mobility option type"), F("Length", 8, "length of the option data in octets"))
MH_OPTIONS = F("Mobility Options", None, "mobility options, aligned and padded (RFC 6275 §6.2)", "mh-options")
ND_OPTIONS = F("Options", None, "Neighbor Discovery options", "nd-options")
LIFETIME4 = {"unit": "s", "scale": 4}


def _L(key: str, title: str, fields: tuple[Field, ...], figure: int | None = None, ref: str = "") -> HeaderLayout:
    return HeaderLayout(key, title, fields, figure, ref)


_ALL = [
    _L(
        "ethernet",
        "Ethernet",
        (
            F("Destination", 48, "destination MAC address", "mac"),
            F("Source", 48, "source MAC address", "mac"),
            F("EtherType", 16, "0x86DD = IPv6", "hex16"),
        ),
        ref="IEEE 802.3",
    ),
    _L(
        "ipv6",
        "IPv6",
        (
            F("Version", 4, "always 6"),
            F("Traffic Class", 8, "DSCP and ECN"),
            F("Flow Label", 20, "flow identifier"),
            F("Payload Length", 16, "octets after this 40-octet header", unit="octets"),
            NH,
            F("Hop Limit", 8, "decremented by each router"),
            F("Source Address", 128, "sender (a care-of address when away from home)", "addr"),
            F("Destination Address", 128, "next destination (a care-of address with a Type 2 RH)", "addr"),
        ),
        ref="RFC 8200 §3",
    ),
    _L("hbh", "Hop-by-Hop Options", (NH, HDR_EXT_LEN, F("Options", None, "options", "ip-options")), ref="RFC 8200"),
    _L(
        "dstopts",
        "Destination Options",
        (NH, HDR_EXT_LEN, F("Options", None, "options (the Home Address option lives here)", "ip-options")),
        ref="RFC 8200 §4.6",
    ),
    _L("pad1", "Pad1", (F("Option Type", 8, "0: one octet of padding"),)),
    _L("padn", "PadN", (*OPT_HEAD, F("Padding", None, "zero octets", "data"))),
    _L(
        "hao",
        "Home Address option",
        (
            F("Option Type", 8, "201 (0xC9): top bits 11 = discard and send ICMP if not understood"),
            F("Opt Data Len", 8, "16"),
            F("Home Address", 128, "the mobile node's home address; the upper layer sees it as the source", "addr"),
        ),
        figure=4,
        ref="RFC 6275 §6.3",
    ),
    _L("ip-option", "Unknown option", (*OPT_HEAD, F("Option Data", None, "option data", "data"))),
    _L(
        "rh2",
        "Type 2 Routing header",
        (
            NH,
            F("Hdr Ext Len", 8, "2"),
            F("Routing Type", 8, "2"),
            F("Segments Left", 8, "1 (0 once the mobile node has swapped in its home address)"),
            F("Reserved", 32, "zero"),
            F("Home Address", 128, "the final destination: the mobile node's home address", "addr"),
        ),
        figure=3,
        ref="RFC 6275 §6.4",
    ),
    _L(
        "routing",
        "Routing header",
        (
            NH,
            HDR_EXT_LEN,
            F("Routing Type", 8, "variant"),
            F("Segments Left", 8, "route segments still to visit"),
            F("Type-specific Data", None, "depends on the Routing Type", "data"),
        ),
        ref="RFC 8200 §4.4",
    ),
    _L(
        "fragment",
        "Fragment header",
        (
            NH,
            F("Reserved", 8, "zero"),
            F("Fragment Offset", 13, "offset of this fragment", unit="octets", scale=8),
            F("Res", 2, "zero"),
            _flag("M", "more fragments follow"),
            F("Identification", 32, "identifies the original packet", "hex32"),
        ),
        ref="RFC 8200 §4.5",
    ),
    _L(
        "esp",
        "ESP",
        (
            F("SPI", 32, "Security Parameters Index: which security association", "hex32"),
            F("Sequence Number", 32, "anti-replay counter"),
            F("Payload Data, Padding, ICV", None, "encrypted and/or authenticated octets", "data"),
        ),
        ref="RFC 4303",
    ),
    _L(
        "udp",
        "UDP",
        (
            F("Source Port", 16, "sending port"),
            F("Destination Port", 16, "receiving port"),
            F("Length", 16, "header and data", unit="octets"),
            F("Checksum", 16, "over the pseudo-header (home address rules) and the datagram", "hex16"),
            F("Data", None, "application data", "data"),
        ),
        ref="RFC 768",
    ),
    _L(
        "tcp",
        "TCP",
        (
            F("Source Port", 16, "sending port"),
            F("Destination Port", 16, "receiving port"),
            F("Sequence Number", 32, "first data octet's sequence number"),
            F("Acknowledgment Number", 32, "next sequence number expected"),
            F("Data Offset", 4, "header length in 32-bit words", unit="octets", scale=4),
            F("Reserved", 4, "zero"),
            _flag("CWR", "congestion window reduced"),
            _flag("ECE", "ECN echo"),
            _flag("URG", "urgent pointer significant"),
            _flag("ACK", "acknowledgment number significant"),
            _flag("PSH", "push"),
            _flag("RST", "reset"),
            _flag("SYN", "synchronize sequence numbers"),
            _flag("FIN", "no more data"),
            F("Window", 16, "receive window", unit="octets"),
            F("Checksum", 16, "over the pseudo-header (home address rules) and the segment", "hex16"),
            F("Urgent Pointer", 16, "offset of urgent data"),
            F("Options", None, "TCP options", "tcp-options"),
            F("Data", None, "application data", "data"),
        ),
        ref="RFC 9293",
    ),
    # ------------------------------------------------------------------ ICMPv6
    _L("icmpv6", "ICMPv6", (*ICMP_HEAD, F("Message Body", None, "depends on the type", "data")), ref="RFC 4443"),
    _L(
        "echo",
        "Echo",
        (
            *ICMP_HEAD,
            F("Identifier", 16, "matches replies"),
            F("Sequence Number", 16, "matches replies"),
            F("Data", None, "echoed data", "data"),
        ),
    ),
    _L(
        "icmp-error",
        "ICMPv6 error",
        (
            *ICMP_HEAD,
            F("Unused", 32, "zero"),
            F("Invoking Packet", None, "as much of the offending packet as fits", "data"),
        ),
    ),
    _L(
        "ptb",
        "Packet Too Big",
        (
            *ICMP_HEAD,
            F("MTU", 32, "next-hop link MTU", unit="octets"),
            F("Invoking Packet", None, "as much of the offending packet as fits", "data"),
        ),
    ),
    _L(
        "param-problem",
        "Parameter Problem",
        (
            *ICMP_HEAD,
            F("Pointer", 32, "offset of the erroneous field in the invoking packet", unit="octets"),
            F("Invoking Packet", None, "as much of the offending packet as fits", "data"),
        ),
    ),
    _L("rs", "Router Solicitation", (*ICMP_HEAD, F("Reserved", 32, "zero"), ND_OPTIONS), ref="RFC 4861 §4.1"),
    _L(
        "ra",
        "Router Advertisement",
        (
            *ICMP_HEAD,
            F("Cur Hop Limit", 8, "hop limit hosts should use"),
            _flag("M", "Managed address configuration"),
            _flag("O", "Other configuration"),
            _flag("H", "Home Agent: the router is a home agent on this link (RFC 6275 §7.1)"),
            F("Prf", 2, "default router preference (RFC 4191)", names=_PRF),
            _flag("P", "proxy (RFC 4389)"),
            F("Reserved", 2, "zero"),
            F("Router Lifetime", 16, "lifetime as a default router", unit="s"),
            F("Reachable Time", 32, "neighbour reachability", unit="ms"),
            F("Retrans Timer", 32, "time between NS retransmissions", unit="ms"),
            ND_OPTIONS,
        ),
        figure=9,
        ref="RFC 6275 §7.1, RFC 4861 §4.2",
    ),
    _L(
        "ns",
        "Neighbor Solicitation",
        (*ICMP_HEAD, F("Reserved", 32, "zero"), F("Target Address", 128, "address being resolved", "addr"), ND_OPTIONS),
        ref="RFC 4861 §4.3",
    ),
    _L(
        "na",
        "Neighbor Advertisement",
        (
            *ICMP_HEAD,
            _flag("R", "Router"),
            _flag("S", "Solicited"),
            _flag("O", "Override"),
            F("Reserved", 29, "zero"),
            F("Target Address", 128, "address advertised", "addr"),
            ND_OPTIONS,
        ),
        ref="RFC 4861 §4.4",
    ),
    _L(
        "haad-request",
        "Home Agent Address Discovery Request",
        (*ICMP_HEAD, F("Identifier", 16, "copied into the Reply"), F("Reserved", 16, "zero")),
        figure=5,
        ref="RFC 6275 §6.5",
    ),
    _L(
        "haad-reply",
        "Home Agent Address Discovery Reply",
        (
            *ICMP_HEAD,
            F("Identifier", 16, "from the Request"),
            F("Reserved", 16, "zero"),
            F(
                "Home Agent Addresses",
                None,
                "global addresses of the home agents, highest preference first",
                "addresses",
            ),
        ),
        figure=6,
        ref="RFC 6275 §6.6",
    ),
    _L(
        "mps",
        "Mobile Prefix Solicitation",
        (*ICMP_HEAD, F("Identifier", 16, "copied into the Advertisement"), F("Reserved", 16, "zero")),
        figure=7,
        ref="RFC 6275 §6.7",
    ),
    _L(
        "mpa",
        "Mobile Prefix Advertisement",
        (
            *ICMP_HEAD,
            F("Identifier", 16, "from the Solicitation (or any, unsolicited)"),
            _flag("M", "Managed address configuration"),
            _flag("O", "Other configuration"),
            F("Reserved", 14, "zero"),
            F("Options", None, "Prefix Information options for the home prefixes", "nd-options"),
        ),
        figure=8,
        ref="RFC 6275 §6.8",
    ),
    # ------------------------------------------------------------------ ND options
    _L("sllao", "Source Link-Layer Address option", (*ND_OPT_HEAD, F("Link-Layer Address", 48, "sender's MAC", "mac"))),
    _L("tllao", "Target Link-Layer Address option", (*ND_OPT_HEAD, F("Link-Layer Address", 48, "target's MAC", "mac"))),
    _L(
        "pio",
        "Prefix Information option",
        (
            *ND_OPT_HEAD,
            F("Prefix Length", 8, "number of leading prefix bits", unit="bits"),
            _flag("L", "on-link"),
            _flag("A", "autonomous address configuration"),
            _flag("R", "Router Address: Prefix holds the router's full global address (RFC 6275 §7.2)"),
            F("Reserved1", 5, "zero"),
            F("Valid Lifetime", 32, "prefix valid for", unit="s"),
            F("Preferred Lifetime", 32, "addresses preferred for", unit="s"),
            F("Reserved2", 32, "zero"),
            F("Prefix", 128, "the prefix (or, with R, the router's address)", "addr"),
        ),
        figure=10,
        ref="RFC 6275 §7.2",
    ),
    _L("mtu-option", "MTU option", (*ND_OPT_HEAD, F("Reserved", 16, "zero"), F("MTU", 32, "link MTU", unit="octets"))),
    _L(
        "adv-interval",
        "Advertisement Interval option",
        (
            *ND_OPT_HEAD,
            F("Reserved", 16, "zero"),
            F("Advertisement Interval", 32, "maximum time between unsolicited RAs", unit="ms"),
        ),
        figure=11,
        ref="RFC 6275 §7.3",
    ),
    _L(
        "ha-info",
        "Home Agent Information option",
        (
            *ND_OPT_HEAD,
            F("Reserved", 16, "zero"),
            F("Home Agent Preference", 16, "signed; higher is preferred", "int"),
            F("Home Agent Lifetime", 16, "how long the router serves as home agent", unit="s"),
        ),
        figure=12,
        ref="RFC 6275 §7.4",
    ),
    _L("nd-option", "Unknown ND option", (*ND_OPT_HEAD, F("Option Data", None, "option data", "data"))),
    # ------------------------------------------------------------------ Mobility Header
    _L(
        "mh",
        "Mobility Header",
        (*MH_HEAD, F("Message Data", None, "the mobility message", "data")),
        figure=2,
        ref="RFC 6275 §6.1",
    ),
    _L("brr", "Binding Refresh Request", (*MH_HEAD, F("Reserved", 16, "zero"), MH_OPTIONS), ref="RFC 6275 §6.1.2"),
    _L(
        "hoti",
        "Home Test Init",
        (
            *MH_HEAD,
            F("Reserved", 16, "zero"),
            F("Home Init Cookie", 64, "random, echoed in the HoT", "hex"),
            MH_OPTIONS,
        ),
        ref="RFC 6275 §6.1.3",
    ),
    _L(
        "coti",
        "Care-of Test Init",
        (
            *MH_HEAD,
            F("Reserved", 16, "zero"),
            F("Care-of Init Cookie", 64, "random, echoed in the CoT", "hex"),
            MH_OPTIONS,
        ),
        ref="RFC 6275 §6.1.4",
    ),
    _L(
        "hot",
        "Home Test",
        (
            *MH_HEAD,
            F("Home Nonce Index", 16, "which nonce the correspondent used"),
            F("Home Init Cookie", 64, "from the HoTI", "hex"),
            F("Home Keygen Token", 64, "First(64, HMAC_SHA1(Kcn, home address | nonce | 0))", "hex"),
            MH_OPTIONS,
        ),
        ref="RFC 6275 §6.1.5",
    ),
    _L(
        "cot",
        "Care-of Test",
        (
            *MH_HEAD,
            F("Care-of Nonce Index", 16, "which nonce the correspondent used"),
            F("Care-of Init Cookie", 64, "from the CoTI", "hex"),
            F("Care-of Keygen Token", 64, "First(64, HMAC_SHA1(Kcn, care-of address | nonce | 1))", "hex"),
            MH_OPTIONS,
        ),
        ref="RFC 6275 §6.1.6",
    ),
    _L(
        "bu",
        "Binding Update",
        (
            *MH_HEAD,
            F("Sequence #", 16, "orders Binding Updates (modulo 2^16)"),
            _flag("A", "Acknowledge: please send a Binding Acknowledgement"),
            _flag("H", "Home Registration: the receiver is to be the home agent"),
            _flag("L", "Link-Local Address Compatibility"),
            _flag("K", "Key Management Mobility Capability"),
            F("Reserved", 12, "zero"),
            F("Lifetime", 16, "requested binding lifetime in 4-second units", **LIFETIME4),
            MH_OPTIONS,
        ),
        ref="RFC 6275 §6.1.7",
    ),
    _L(
        "ba",
        "Binding Acknowledgement",
        (
            *MH_HEAD,
            F("Status", 8, "below 128: accepted", names=BA_STATUS_NAMES),
            _flag("K", "Key Management Mobility Capability"),
            F("Reserved", 7, "zero"),
            F("Sequence #", 16, "copied from the Binding Update"),
            F("Lifetime", 16, "granted binding lifetime in 4-second units", **LIFETIME4),
            MH_OPTIONS,
        ),
        ref="RFC 6275 §6.1.8",
    ),
    _L(
        "be",
        "Binding Error",
        (
            *MH_HEAD,
            F("Status", 8, "1: unknown binding for Home Address option; 2: unrecognized MH Type"),
            F("Reserved", 8, "zero"),
            F("Home Address", 128, "the home address from the offending packet's Home Address option", "addr"),
            MH_OPTIONS,
        ),
        ref="RFC 6275 §6.1.9",
    ),
    _L("mopt-pad1", "Pad1", (F("Type", 8, "0: one octet of padding"),), ref="RFC 6275 §6.2.2"),
    _L("mopt-padn", "PadN", (*MOPT_HEAD, F("Padding", None, "zero octets", "data")), ref="RFC 6275 §6.2.3"),
    _L(
        "bra",
        "Binding Refresh Advice",
        (*MOPT_HEAD, F("Refresh Interval", 16, "refresh the binding after this many 4-second units", **LIFETIME4)),
        ref="RFC 6275 §6.2.4",
    ),
    _L(
        "alt-coa",
        "Alternate Care-of Address",
        (*MOPT_HEAD, F("Alternate Care-of Address", 128, "the care-of address to register", "addr")),
        ref="RFC 6275 §6.2.5",
    ),
    _L(
        "nonce-indices",
        "Nonce Indices",
        (*MOPT_HEAD, F("Home Nonce Index", 16, "from the HoT"), F("Care-of Nonce Index", 16, "from the CoT")),
        ref="RFC 6275 §6.2.6",
    ),
    _L(
        "bad",
        "Binding Authorization Data",
        (
            *MOPT_HEAD,
            F("Authenticator", 96, "First(96, HMAC_SHA1(Kbm, care-of address | correspondent | MH Data))", "hex"),
        ),
        ref="RFC 6275 §6.2.7",
    ),
    _L("mopt-unknown", "Unknown mobility option", (*MOPT_HEAD, F("Option Data", None, "skipped by receivers", "data"))),
    _L("payload", "Payload", (F("Data", None, "octets not decoded further", "data"),)),
]

LAYOUTS: dict[str, HeaderLayout] = {h.key: h for h in _ALL}

# Aliases by title and white paper figure, so that render_text("Binding Update") or (2) work.
_BY_NAME = {h.title.lower(): h for h in _ALL} | {f"figure {h.figure}": h for h in _ALL if h.figure}


def layout(header: str | int | HeaderLayout) -> HeaderLayout:
    """A layout by key ("bu"), title ("Binding Update") or white paper figure number (2 .. 12)."""
    if isinstance(header, HeaderLayout):
        return header
    if isinstance(header, int):
        return _BY_NAME[f"figure {header}"]
    if header in LAYOUTS:
        return LAYOUTS[header]
    return _BY_NAME[header.lower()]


# =========================================================================== walking a frame
MH_LAYOUT_KEYS = {
    M.MH_BRR: "brr",
    M.MH_HOTI: "hoti",
    M.MH_COTI: "coti",
    M.MH_HOT: "hot",
    M.MH_COT: "cot",
    M.MH_BU: "bu",
    M.MH_BA: "ba",
    M.MH_BE: "be",
}
"""MH Type -> the layout of that message (each titled with ``mh.MH_NAMES``; a test holds them together)."""
ICMP_LAYOUT_KEYS = {
    I.DEST_UNREACH: "icmp-error",
    I.TIME_EXCEEDED: "icmp-error",
    I.PACKET_TOO_BIG: "ptb",
    I.PARAM_PROBLEM: "param-problem",
    I.ECHO_REQUEST: "echo",
    I.ECHO_REPLY: "echo",
    I.ROUTER_SOLICIT: "rs",
    I.ROUTER_ADVERT: "ra",
    I.NEIGHBOR_SOLICIT: "ns",
    I.NEIGHBOR_ADVERT: "na",
    I.HAAD_REQUEST: "haad-request",
    I.HAAD_REPLY: "haad-reply",
    I.MOBILE_PREFIX_SOLICIT: "mps",
    I.MOBILE_PREFIX_ADVERT: "mpa",
}
"""ICMPv6 type -> layout (types with a layout of their own are titled with ``icmp.ICMP_TITLES``)."""
_MH_KEYS, _ICMP_KEYS = MH_LAYOUT_KEYS, ICMP_LAYOUT_KEYS
_ICMP_MIN = {"echo": 8, "icmp-error": 8, "ptb": 8, "param-problem": 8, "rs": 8, "ra": 16, "ns": 24, "na": 24}
_ICMP_MIN |= {"haad-request": 8, "haad-reply": 8, "mps": 8, "mpa": 8}
_MH_MIN = {"brr": 8, "hoti": 16, "coti": 16, "hot": 24, "cot": 24, "bu": 12, "ba": 12, "be": 24}


class _Walker:
    """Cuts a frame into FieldSpans using the layouts; raises IndexError/ValueError on bad bytes."""

    def __init__(self, buf: bytes) -> None:
        self.buf = buf
        self.layers: list[tuple[HeaderLayout, list[FieldSpan]]] = []

    def bits(self, start_bit: int, width: int) -> int:
        first, last = start_bit // 8, (start_bit + width + 7) // 8
        if last > len(self.buf):
            raise IndexError("field runs past the end of the frame")
        v = int.from_bytes(self.buf[first:last], "big")
        return (v >> (last * 8 - start_bit - width)) & ((1 << width) - 1)

    def emit(self, lay: HeaderLayout, pos: int, end: int, label: str | None = None) -> int:
        """Spans of one header starting at octet ``pos``; variable areas end at ``end``."""
        spans: list[FieldSpan] = []
        name = label or lay.title
        self.layers.append((lay, spans))
        bit = pos * 8
        tcp_opts_end = None
        for f in lay.fields:
            if f.bits is not None:
                raw = self.bits(bit, f.bits)
                spans.append(FieldSpan(name, f.name, bit // 8, bit % 8, f.bits, self._value(f, raw), f.meaning, f))
                if lay.key == "tcp" and f.name == "Data Offset":
                    tcp_opts_end = pos + raw * 4
                bit += f.bits
                continue
            start = bit // 8
            stop = end
            if f.kind == "tcp-options":
                stop = tcp_opts_end if tcp_opts_end is not None else start
                if stop < start or stop > end:
                    raise ValueError("bad TCP Data Offset")
            if start > stop:
                raise ValueError("header longer than its area")
            if stop > start:
                self._variable(f, name, spans, start, stop)
            bit = stop * 8
        return bit // 8

    def _value(self, f: Field, raw: int) -> Any:
        if f.kind == "flag":
            return bool(raw)
        if f.kind == "addr":
            return IPv6Address(raw)
        if f.kind == "mac":
            return raw.to_bytes(6, "big").hex(":")
        if f.kind == "hex":
            return raw.to_bytes(f.bits // 8, "big")  # type: ignore[operator]
        if f.kind in ("hex16", "hex32"):
            return raw
        if f.kind == "int" and f.bits and raw >> (f.bits - 1):
            return raw - (1 << f.bits)
        return raw

    def _variable(self, f: Field, name: str, spans: list[FieldSpan], start: int, stop: int) -> None:
        if f.kind in ("ip-options", "nd-options", "mh-options"):
            # sub-headers: their spans go to their own layers, in wire order
            getattr(self, "_" + f.kind.replace("-", "_"))(start, stop)
            return
        if f.kind == "addresses":
            if (stop - start) % 16:
                raise ValueError("partial address")
            for i, p in enumerate(range(start, stop, 16)):
                addr = IPv6Address(self.buf[p : p + 16])
                spans.append(
                    FieldSpan(
                        name, f"{f.name} [{i + 1}]", p, 0, 128, addr, f.meaning, Field(f.name, 128, f.meaning, "addr")
                    )
                )
            return
        data = self.buf[start:stop]
        if len(data) != stop - start:
            raise IndexError("data runs past the end of the frame")
        spans.append(FieldSpan(name, f.name, start, 0, (stop - start) * 8, data, f.meaning, f))

    # ------------------------------------------------------------------ option areas
    def _ip_options(self, pos: int, end: int) -> None:
        while pos < end:
            t = self.buf[pos]
            if t == OPT_PAD1:
                pos = self.emit(LAYOUTS["pad1"], pos, pos + 1)
                continue
            n = self.buf[pos + 1]
            stop = pos + 2 + n
            if stop > end:
                raise ValueError("option past end")
            key = "padn" if t == OPT_PADN else ("hao" if t == OPT_HOME_ADDRESS and n == 16 else "ip-option")
            self.emit(LAYOUTS[key], pos, stop)
            pos = stop

    def _nd_options(self, pos: int, end: int) -> None:
        fixed = {
            (I.OPT_SOURCE_LL, 1): "sllao",
            (I.OPT_TARGET_LL, 1): "tllao",
            (I.OPT_PREFIX_INFO, 4): "pio",
            (I.OPT_MTU, 1): "mtu-option",
            (I.OPT_ADV_INTERVAL, 1): "adv-interval",
            (I.OPT_HA_INFO, 1): "ha-info",
        }
        while pos < end:
            t, n = self.buf[pos], self.buf[pos + 1]
            stop = pos + 8 * n
            if n == 0 or stop > end:
                raise ValueError("bad ND option length")
            self.emit(LAYOUTS[fixed.get((t, n), "nd-option")], pos, stop)
            pos = stop

    def _mh_options(self, pos: int, end: int) -> None:
        fixed = {
            (M.MOPT_BINDING_REFRESH_ADVICE, 2): "bra",
            (M.MOPT_ALTERNATE_COA, 16): "alt-coa",
            (M.MOPT_NONCE_INDICES, 4): "nonce-indices",
            (M.MOPT_BINDING_AUTH_DATA, 12): "bad",
        }
        while pos < end:
            t = self.buf[pos]
            if t == M.MOPT_PAD1:
                pos = self.emit(LAYOUTS["mopt-pad1"], pos, pos + 1)
                continue
            n = self.buf[pos + 1]
            stop = pos + 2 + n
            if stop > end:
                raise ValueError("mobility option past end")
            key = "mopt-padn" if t == M.MOPT_PADN else fixed.get((t, n), "mopt-unknown")
            self.emit(LAYOUTS[key], pos, stop)
            pos = stop

    # ------------------------------------------------------------------ headers
    def frame(self) -> None:
        if len(self.buf) < 14:
            raise IndexError("short frame")
        self.emit(LAYOUTS["ethernet"], 0, 14)
        if self.buf[12:14] == b"\x86\xdd":
            self.ipv6(14, len(self.buf), "IPv6")
        elif len(self.buf) > 14:
            self.emit(LAYOUTS["payload"], 14, len(self.buf))

    def ipv6(self, start: int, end: int, label: str) -> None:
        if end - start < 40:
            raise IndexError("short IPv6 header")
        self.emit(LAYOUTS["ipv6"], start, start + 40, label)
        nh, pos = self.buf[start + 6], start + 40
        while nh in (NH_HOPOPTS, NH_ROUTING, NH_FRAGMENT, NH_DSTOPTS) and pos < end:
            if nh == NH_FRAGMENT:
                self.emit(LAYOUTS["fragment"], pos, pos + 8)
                nxt, fo = self.buf[pos], int.from_bytes(self.buf[pos + 2 : pos + 4], "big")
                pos += 8
                nh = nxt
                if fo & 0xFFF9:
                    self.rest(pos, end)
                    return
                continue
            stop = pos + (self.buf[pos + 1] + 1) * 8
            if stop > end:
                raise ValueError("extension header past end")
            if nh == NH_ROUTING:
                rh2 = self.buf[pos + 2] == 2 and self.buf[pos + 1] == 2
                self.emit(LAYOUTS["rh2" if rh2 else "routing"], pos, stop)
            else:
                self.emit(LAYOUTS["hbh" if nh == NH_HOPOPTS else "dstopts"], pos, stop)
            nh, pos = self.buf[pos], stop
        if pos >= end:
            return
        if nh == NH_TCP:
            self.emit(LAYOUTS["tcp"], pos, end)
        elif nh == NH_UDP:
            self.emit(LAYOUTS["udp"], pos, end)
        elif nh == NH_ICMPV6:
            key = _ICMP_KEYS.get(self.buf[pos], "icmpv6")
            if end - pos < _ICMP_MIN.get(key, 4):
                raise ValueError("short ICMPv6 message")
            self.emit(LAYOUTS[key], pos, end)
        elif nh == NH_MOBILITY:
            key = _MH_KEYS.get(self.buf[pos + 2], "mh")
            stop = pos + (self.buf[pos + 1] + 1) * 8
            if stop > end or stop - pos < _MH_MIN.get(key, 8):
                raise ValueError("bad Mobility Header length")
            self.emit(LAYOUTS[key], pos, stop)
            self.rest(stop, end)
        elif nh == NH_IPV6:
            self.ipv6(pos, end, "IPv6 (inner)")
        elif nh == NH_ESP:
            self.emit(LAYOUTS["esp"], pos, end)
        else:
            self.rest(pos, end)

    def rest(self, pos: int, end: int) -> None:
        if pos < end:
            self.emit(LAYOUTS["payload"], pos, end)


def layers_of(frame: bytes) -> list[tuple[HeaderLayout, list[FieldSpan]]]:
    """The frame cut into headers in wire order: (layout, spans of its fields).

    Option headers (Home Address option, Prefix Information, Nonce Indices, ...) are layers of
    their own, following the header that holds them. Octets that cannot be parsed (a malformed
    frame) end up in a final "Undecoded" layer, so the spans always cover the whole frame.
    """
    w = _Walker(bytes(frame))
    with contextlib.suppress(IndexError, ValueError):
        w.frame()
    covered = 0
    good: list[tuple[HeaderLayout, list[FieldSpan]]] = []
    for lay, spans in w.layers:  # keep the layers that tile the frame from the start, in order
        if not spans:
            continue
        if spans[0].start_bit != covered or any(s.start_bit < covered for s in spans):
            break
        ok = True
        for s in spans:
            if s.start_bit != covered:
                ok = False
                break
            covered = s.end_bit
        if not ok or covered > len(frame) * 8:
            break
        good.append((lay, spans))
    if covered < len(frame) * 8:
        start = covered // 8
        f = Field("Undecoded", None, "octets that do not parse", "data")
        und = HeaderLayout("undecoded", "Undecoded", (f,))
        good.append(
            (
                und,
                [
                    FieldSpan(
                        "Undecoded", "Undecoded", start, 0, (len(frame) - start) * 8, bytes(frame[start:]), f.meaning, f
                    )
                ],
            )
        )
    return good


def fields_of(frame: bytes) -> list[FieldSpan]:
    """Every field of an Ethernet frame, in wire order, covering every bit exactly once."""
    out: list[FieldSpan] = []
    for _, spans in layers_of(frame):
        out.extend(spans)
    return out


# =========================================================================== rendering
@dataclass(frozen=True)
class _Segment:
    field_index: int
    row: int
    start: int  # bit in the row, 0..31
    width: int


def _segments(lay: HeaderLayout, var_rows: int = 2) -> tuple[list[_Segment], int]:
    """Cut the fields into 32-bit rows; a variable field fills its row and ``var_rows`` more."""
    segs: list[_Segment] = []
    bit = 0
    for i, f in enumerate(lay.fields):
        if f.bits is None:
            rest = (-bit) % 32
            width = rest + 32 * var_rows if rest else 32 * var_rows
        else:
            width = f.bits
        while width > 0:
            row, col = divmod(bit, 32)
            w = min(width, 32 - col)
            segs.append(_Segment(i, row, col, w))
            bit += w
            width -= w
    return segs, (bit + 31) // 32


def _label(lay: HeaderLayout, i: int, values: dict[str, tuple[str, str]] | None, room: int) -> str:
    f = lay.fields[i]
    name = f.name + (" ..." if f.bits is None else "")
    if values is None or f.name not in values:
        candidates = [name]
    else:
        display, short = values[f.name]
        candidates = [f"{f.name} = {display}", f"{f.name} = {short}", display, short]
    for text in candidates:
        if len(text) <= room:
            return text
    text = candidates[-1]
    return text[: max(room - 1, 0)] + ("~" if room else "")


def _values(spans: list[FieldSpan] | None) -> dict[str, tuple[str, str]] | None:
    """Field name -> (full display, short display) of a real header's values."""
    if spans is None:
        return None
    out: dict[str, tuple[str, str]] = {}
    for s in spans:
        if isinstance(s.value, (bytes, bytearray)) and len(s.value) > 12:
            out.setdefault(s.name, (f"{len(s.value)} octets", f"{len(s.value)} B"))
            continue
        v = s.value
        short = ("1" if v else "0") if isinstance(v, bool) else (v.hex() if isinstance(v, bytes) else str(v))
        if s.field is not None and s.field.kind in ("hex16", "hex32"):
            short = s.display
        out.setdefault(s.name, (s.display, short))
    return out


def render_text(header: str | int | HeaderLayout, spans: list[FieldSpan] | None = None) -> str:
    """RFC-style ASCII diagram (32-bit rows); with ``spans`` of a real header, the values too.

    A variable-length area (options, data) is drawn as a box of its own, named with "...".
    """
    lay = layout(header)
    values = _values(spans)
    segs, nrows = _segments(lay)
    grid: list[list[int]] = [[-1] * 32 for _ in range(nrows)]
    for s in segs:
        for b in range(s.start, s.start + s.width):
            grid[s.row][b] = s.field_index
    # the row where each field's label goes: the middle of its rows
    rows_of: dict[int, list[int]] = {}
    for s in segs:
        rows_of.setdefault(s.field_index, [])
        if s.row not in rows_of[s.field_index]:
            rows_of[s.field_index].append(s.row)
    label_row = {i: r[(len(r) - 1) // 2] for i, r in rows_of.items()}

    def border(above: list[int] | None, below: list[int] | None) -> str:
        chars = []
        for b in range(33):
            left = b > 0 and _differs(above, below, b - 1)
            right = b < 32 and _differs(above, below, b)
            if left or right:
                chars.append("+")
            elif _vertical(above, b) or _vertical(below, b):
                chars.append("|")
            else:
                chars.append(" ")
            if b < 32:
                chars.append("-" if right else " ")
        return "".join(chars).rstrip()

    lines = [
        " 0                   1                   2                   3",
        " 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1",
        border(None, grid[0]),
    ]
    for r in range(nrows):
        row_segs = sorted((s for s in segs if s.row == r), key=lambda s: s.start)
        line = "|"
        for s in row_segs:
            room = 2 * s.width - 1
            text = _label(lay, s.field_index, values, room) if label_row[s.field_index] == r else ""
            line += text.center(room) + "|"
        lines.append(line)
        lines.append(border(grid[r], grid[r + 1] if r + 1 < nrows else None))
    title = (
        f"{lay.title}"
        + (f" (white paper Figure {lay.figure})" if lay.figure else "")
        + (f", {lay.reference}" if lay.reference else "")
    )
    return title + "\n" + "\n".join(lines) + "\n"


def _vertical(row: list[int] | None, b: int) -> bool:
    """Is there a field boundary (or an outer edge) before bit ``b`` of ``row``?"""
    if row is None:
        return False
    left = row[b - 1] if b > 0 else -1
    right = row[b] if b < 32 else -1
    return left != right


def _differs(above: list[int] | None, below: list[int] | None, b: int) -> bool:
    a = above[b] if above is not None else -1
    c = below[b] if below is not None else -1
    return a != c and (a != -1 or c != -1)


def render_html(header: str | int | HeaderLayout, spans: list[FieldSpan] | None = None) -> str:
    """The diagram as an HTML table (32 bit columns); each cell's tooltip is the field's meaning."""
    lay = layout(header)
    values = _values(spans)
    segs, nrows = _segments(lay)
    out = [
        '<table class="mip6lab-layout" style="border-collapse:collapse;font:12px monospace;table-layout:fixed">',
        f'<caption style="font-weight:bold">{html.escape(lay.title)}'
        + (f" (Figure {lay.figure})" if lay.figure else "")
        + "</caption>",
        "<tr>" + "".join(f'<th style="width:1.6em;font-weight:normal">{b}</th>' for b in range(32)) + "</tr>",
    ]
    seen: set[int] = set()
    for r in range(nrows):
        cells = []
        for s in sorted((s for s in segs if s.row == r), key=lambda s: s.start):
            f = lay.fields[s.field_index]
            first = s.field_index not in seen
            seen.add(s.field_index)
            text = f.name + (" ..." if f.bits is None else "")
            if values is not None and f.name in values and first:
                text = html.escape(text) + f"<br><b>{html.escape(values[f.name][0])}</b>"
            elif not first:
                text = "&nbsp;"
            else:
                text = html.escape(text)
            width = f"{f.bits} bits" if f.bits else "variable"
            tip = html.escape(f"{f.name} ({width}): {f.meaning}")
            cells.append(
                f'<td colspan="{s.width}" title="{tip}" style="border:1px solid #555;text-align:center;'
                f'padding:2px">{text if first else text}</td>'
            )
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def draw(ax: Any, header: str | int | HeaderLayout, spans: list[FieldSpan] | None = None) -> Any:
    """Draw the layout on a matplotlib ``ax``: one box per field piece, name, width and value."""
    from matplotlib.patches import Rectangle

    lay = layout(header)
    values = _values(spans)
    segs, nrows = _segments(lay)
    seen: set[int] = set()
    colors = ["#dbe9f6", "#fde2c8", "#d9f0d3", "#eadcf0", "#fff2b3", "#f6d5d5"]
    for s in segs:
        f = lay.fields[s.field_index]
        ax.add_patch(
            Rectangle(
                (s.start, s.row), s.width, 1, facecolor=colors[s.field_index % len(colors)], edgecolor="#333", lw=0.8
            )
        )
        if s.field_index in seen:
            continue
        seen.add(s.field_index)
        label = f.name + (f" ({f.bits})" if f.bits else " ...")
        if values is not None and f.name in values:
            label += "\n" + (values[f.name][0] if len(values[f.name][0]) <= 2 * s.width + 4 else values[f.name][1])
        ax.text(s.start + s.width / 2, s.row + 0.5, label, ha="center", va="center", fontsize=7, clip_on=True)
    ax.set_xlim(0, 32)
    ax.set_ylim(nrows, 0)
    ax.set_xticks(range(0, 33, 8))
    ax.set_yticks([])
    ax.set_title(lay.title + (f" (Figure {lay.figure})" if lay.figure else ""), fontsize=9)
    return ax
