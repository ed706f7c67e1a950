"""Pictures for the workbook's chapters 4-7: packet structures and data structures.

The white paper's Figures 14-25 each show one kind of packet on its way across Figure 1's network,
with the packet's headers listed in a call-out ("IPv6 header: Source Address is CoA, Destination
Address is HAA; Destination Options header: Home Address option; ESP header; Mobility header").
:func:`packet_figure` draws the same picture from a *real* message of a Lab's capture: the topology
with the hops the packet took (left) and its header stack, outermost header on top, with every
address named by its role (HoA, CoA, HAA, CNA) as the white paper does (right). ESP is opened with
the lab's keys, so a reader sees what an ESP-protected Binding Update carries.

:func:`seq_window_figure` draws RFC 6275 §9.5.1's modulo-2**16 window for Binding Update sequence
numbers: which new values a receiver accepts after a given last one, around the wrap.

These are views: they read a Lab's capture, topology and keys and never change them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from ipaddress import IPv6Address
from typing import TYPE_CHECKING, Any

from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from mip6lab.mobility.seqno import SEQ_MODULUS, seq_gt
from mip6lab.widgets._util import new_figure, rows_table
from mip6lab.widgets.model import Message, find_spds, messages, open_esp
from mip6lab.wire import icmp as I
from mip6lab.wire import mh as M
from mip6lab.wire.codec import ha_anycast
from mip6lab.wire.ip import ESP, DestinationOptions, HomeAddressOption, IPv6, RoutingType2
from mip6lab.wire.summary import summary
from mip6lab.wire.transport import TCP, UDP

if TYPE_CHECKING:
    from mip6lab.lab import Lab
    from mip6lab.widgets.network import TopologyDrawing

__all__ = [
    "Header",
    "address_roles",
    "find_messages",
    "header_stack",
    "inner_payload",
    "packet_of",
    "packet_figure",
    "seq_window_figure",
    "table",
]

ALL_NODES = IPv6Address("ff02::1")

# Header colours in the stack, close to the white paper's call-outs.
_COLOURS = {
    "ipv6": "#dbe8f6",
    "ext": "#fde9c9",
    "esp": "#f6d5d2",
    "mh": "#dff0d8",
    "icmp": "#e8e0f3",
    "upper": "#eeeeee",
}


@dataclass(frozen=True)
class Header:
    """One header of a packet as the white paper lists it: a title and a few lines about it."""

    title: str
    lines: tuple[str, ...] = ()
    kind: str = "upper"  # colour key: ipv6, ext, esp, mh, icmp, upper


@dataclass
class _Roles:
    names: dict[IPv6Address, str] = field(default_factory=dict)

    def __call__(self, a: IPv6Address) -> str:
        role = self.names.get(a)
        return f"{role} ({a})" if role else str(a)


# =========================================================================== tables
class Table:
    """Rows of plain data shown as an HTML table in a notebook (and as aligned text elsewhere)."""

    def __init__(self, rows: Iterable[Mapping[str, Any]], columns: list[str] | None = None) -> None:
        self.rows = [dict(r) for r in rows]
        self.columns = columns or list(dict.fromkeys(k for r in self.rows for k in r))

    def _repr_html_(self) -> str:
        return rows_table(self.rows, self.columns)

    def __repr__(self) -> str:
        if not self.rows:
            return "(empty)"
        cells = [[str(c) for c in self.columns]] + [[str(r.get(c, "")) for c in self.columns] for r in self.rows]
        widths = [max(len(row[i]) for row in cells) for i in range(len(self.columns))]
        return "\n".join("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells)

    def __len__(self) -> int:
        return len(self.rows)


def table(rows: Iterable[Mapping[str, Any]], columns: list[str] | None = None) -> Table:
    """``rows`` (dicts, e.g. ``lab.state("ha")["mobility"]["binding_cache"]``) as a table; ``columns``
    picks and orders the columns."""
    return Table(rows, columns)


# =========================================================================== addresses by role
def address_roles(lab: Lab) -> dict[IPv6Address, str]:
    """The white paper's names for the addresses of ``lab``: HoA (a mobile node's home address),
    CoA (any other global address it holds or has sent from), HAA (a home agent's global
    addresses), CNA (a correspondent's or a home-link host's), the Home-Agents anycast address of
    each home prefix, and ff02::1 (all-nodes)."""
    roles: dict[IPv6Address, str] = {ALL_NODES: "all-nodes"}
    specs = lab.topology.nodes
    mobile = [n for n, s in specs.items() if s.role == "mobile-node" and n in lab.nodes]
    for name, spec in specs.items():
        node = lab.nodes.get(name)
        if node is None:
            continue
        label = {"home-agent": "HAA", "correspondent": "CNA", "host": "CNA"}.get(spec.role)
        if label is None:
            continue
        for e in node.addresses.all():
            if not e.addr.is_link_local and not e.addr.is_multicast:
                roles.setdefault(e.addr, label)
    for name in mobile:
        node = lab.nodes[name]
        role = node.role
        hoa = getattr(role, "home_address", None)
        prefix = getattr(role, "home_prefix", None)
        if prefix is not None:
            roles[ha_anycast(prefix)] = "Home-Agents anycast"
        own = [e.addr for e in node.addresses.all()]
        sent = [
            r.decoded.payload.src
            for r in lab.capture
            if r.sender == name and r.decoded is not None and isinstance(r.decoded.payload, IPv6)
        ]
        for a in [*own, *sent]:
            if a.is_link_local or a.is_multicast or a.is_unspecified:
                continue
            roles[a] = "HoA" if a == hoa else "CoA"
        if hoa is not None:
            roles[hoa] = "HoA"
    return roles


# =========================================================================== header stack
def _mh_lines(h: M.MobilityHeader) -> tuple[str, ...]:
    m = h.message
    if isinstance(m, M.BindingUpdate):
        flags = " ".join(f"{f}={int(getattr(m, f))}" for f in ("A", "H", "L", "K"))
        kind = "home registration" if m.H else "correspondent registration"
        lines = [f"Binding Update ({kind})", f"{flags}  Sequence {m.seq}", f"Lifetime {m.lifetime_seconds} s"]
    elif isinstance(m, M.BindingAcknowledgement):
        lines = [
            "Binding Acknowledgement",
            f"Status {m.status} ({M.BA_STATUS_NAMES.get(m.status, '?')})",
            f"Sequence {m.seq}  Lifetime {m.lifetime_seconds} s",
        ]
    else:
        lines = [summary(IPv6(IPv6Address("::"), IPv6Address("::"), h))]
    for o in m.options if hasattr(m, "options") else ():
        if isinstance(o, M.AlternateCareofAddress):
            lines.append(f"Alternate Care-of Address option: {o.address}")
        elif isinstance(o, M.NonceIndices):
            lines.append(f"Nonce Indices option: home {o.home_nonce_index}, care-of {o.careof_nonce_index}")
        elif isinstance(o, M.BindingAuthorizationData):
            lines.append(f"Binding Authorization Data: {o.authenticator.hex()}")
        elif isinstance(o, M.BindingRefreshAdvice):
            lines.append(f"Binding Refresh Advice: {o.interval_seconds} s")
    return tuple(lines)


def _payload_headers(p: Any, roles: _Roles, spds: list[Any], depth: int) -> list[Header]:
    if isinstance(p, M.MobilityHeader):
        return [Header("Mobility header", _mh_lines(p), "mh")]
    if isinstance(p, I.HomeAgentAddressDiscoveryReply):
        lines = [f"Identifier {p.identifier}"] + [
            f"Home Agent Address {i + 1}: {roles(a)}" for i, a in enumerate(p.addresses)
        ]
        return [Header("ICMPv6 Home Agent Address Discovery Reply", tuple(lines), "icmp")]
    if isinstance(p, I.HomeAgentAddressDiscoveryRequest):
        return [Header("ICMPv6 Home Agent Address Discovery Request", (f"Identifier {p.identifier}",), "icmp")]
    text = summary(IPv6(IPv6Address("::"), IPv6Address("::"), p))
    if isinstance(p, (TCP, UDP)):
        return [Header("Upper layer PDU", (text,), "upper")]
    return [Header(text.split(" ")[0] if text.startswith("ICMPv6") else "Upper layer PDU", (text,), "icmp")]


def _packet_headers(pkt: IPv6, roles: _Roles, spds: list[Any], depth: int) -> list[Header]:
    tunnelled = isinstance(pkt.payload, IPv6) or (
        isinstance(pkt.payload, ESP) and (opened := open_esp(pkt, spds)) is not None and opened.mode == "tunnel"
    )
    where = " (outer)" if tunnelled else " (inner)" if depth else ""
    out = [
        Header(
            f"IPv6 header{where}",
            (f"Source Address is {roles(pkt.src)}", f"Destination Address is {roles(pkt.dst)}"),
            "ipv6",
        )
    ]
    for x in pkt.ext:
        if isinstance(x, RoutingType2):
            out.append(Header("Type 2 Routing header", (f"Home Address: {roles(x.home_address)}",), "ext"))
        elif isinstance(x, DestinationOptions):
            hao = [o for o in x.options if isinstance(o, HomeAddressOption)]
            lines = tuple(f"Home Address option: {roles(o.home_address)}" for o in hao) or ("(options)",)
            out.append(Header("Destination Options header", lines, "ext"))
        else:
            out.append(Header(type(x).__name__, (), "ext"))
    p = pkt.payload
    if isinstance(p, ESP):
        opened = open_esp(replace(pkt, ext=pkt.ext), spds) if spds else None
        if opened is None:
            out.append(Header("ESP header", (f"SPI 0x{p.spi:08x}, sequence {p.seq}", "(no key to open it)"), "esp"))
            return out
        out.append(
            Header(
                f"ESP header ({opened.mode} mode)",
                (f"SPI 0x{opened.spi:08x}, sequence {p.seq}", f"{opened.sa_name}, {opened.encryption} encryption"),
                "esp",
            )
        )
        p = opened.packet.payload
    if isinstance(p, IPv6):
        return out + _packet_headers(p, roles, spds, depth + 1)
    return out + _payload_headers(p, roles, spds, depth)


def header_stack(lab: Lab, packet: IPv6) -> list[Header]:
    """The headers of ``packet`` from the outermost in, addresses named by :func:`address_roles`,
    ESP opened with the lab's keys when it can be."""
    return _packet_headers(packet, _Roles(address_roles(lab)), find_spds(lab), 0)


# =========================================================================== finding messages
def find_messages(
    lab: Lab,
    name: str | None = None,
    *,
    origin: str | None = None,
    kind: str | None = None,
    test: Callable[[Message], bool] | None = None,
) -> list[Message]:
    """The capture's messages (one per packet journey, :func:`mip6lab.widgets.model.messages`) with
    this ``name`` ("BU", "TCP", "HAAD Request", ...), sent by ``origin``, of ``kind`` ("plain",
    "tunnel", "ro") and passing ``test``, in time order."""
    found = []
    for m in messages(lab):
        if name is not None and m.name != name:
            continue
        if origin is not None and m.origin != origin:
            continue
        if kind is not None and m.info.kind != kind:
            continue
        if test is not None and not test(m):
            continue
        found.append(m)
    return found


def packet_of(message: Message) -> IPv6:
    """The IPv6 packet of ``message`` as its sender sent it (first hop)."""
    frame = message.first.decoded
    if frame is None or not isinstance(frame.payload, IPv6):
        raise ValueError("this message is not an IPv6 packet")
    return frame.payload


def inner_payload(lab: Lab, message: Message) -> Any:
    """What ``message`` finally carries (a Mobility Header, an ICMPv6 message, a TCP segment, ...):
    tunnels looked through, ESP opened with the lab's keys (still ESP if no key opens it)."""
    p: Any = packet_of(message)
    spds = find_spds(lab)
    while True:
        if isinstance(p, IPv6) and isinstance(p.payload, ESP):
            opened = open_esp(p, spds) if spds else None
            if opened is None:
                return p.payload
            p = opened.packet.payload
        elif isinstance(p, IPv6):
            p = p.payload
        else:
            return p


# =========================================================================== drawing
def _draw_stack(ax: Any, headers: list[Header], title: str) -> None:
    ax.set_axis_off()
    rows = sum(1 + len(h.lines) for h in headers) + 0.6 * len(headers)
    ax.set_xlim(-0.005, 1.01)  # a little room: the boxes' right edges are not clipped
    ax.set_ylim(rows + 0.2, -1.4)
    ax.text(0.0, -0.8, title, fontsize=10, fontweight="bold", va="center")
    y = 0.0
    indent = 0.0
    for h in headers:
        height = 1 + len(h.lines)
        if h.title.startswith("IPv6 header (inner)"):
            indent = 0.04
        box = FancyBboxPatch(
            (indent, y),
            1 - indent,
            height,
            boxstyle="round,pad=0.0,rounding_size=0.15",
            fc=_COLOURS.get(h.kind, "#eee"),
            ec="#555",
            lw=0.8,
            mutation_aspect=1 / 8,
        )
        ax.add_patch(box)
        ax.text(indent + 0.02, y + 0.55, h.title, fontsize=9, fontweight="bold", va="center")
        for i, line in enumerate(h.lines):
            ax.text(indent + 0.05, y + 1.5 + i, f"\u2022 {line}", fontsize=8, va="center", family="monospace")
        y += height + 0.6


def packet_topology(lab: Lab, message: Message) -> TopologyDrawing:
    """The topology half of :func:`packet_figure`: Figure 1 with the hops of ``message``; 7 inches wide,
    so every label finds a spot clear of the others, the nodes and the lines."""
    from mip6lab.widgets.network import TopologyDrawing

    drawing = TopologyDrawing(lab.topology, width=7.0, height=4.6, dpi=80)
    drawing.update(lab, [message])
    drawing.title.set_text(f"t = {message.time:.3f} s: {message.origin} \u2192 {', '.join(message.receivers) or '-'}")
    return drawing


def packet_figure(lab: Lab, message: Message, title: str | None = None) -> Figure:
    """The white paper's packet figures (14-25) from a real message: where it went, what it carries.

    Left: Figure 1's topology with the hops of ``message`` (tunnelled dashed orange, route-optimized
    green, plain blue). Right: its header stack, outermost first, addresses named by role.
    """
    from PIL import Image

    drawing = packet_topology(lab, message)
    import io

    topo = Image.open(io.BytesIO(drawing.png()))
    headers = header_stack(lab, packet_of(message))
    lines = sum(1 + len(h.lines) for h in headers) + 0.6 * len(headers)
    fig = new_figure(13.5, max(4.8, 0.22 * lines + 1.0), dpi=80)
    top = 0.92 if title else 1.0  # room for the title
    ax_t = fig.add_axes((0.0, 0.0, 0.52, top))
    ax_t.imshow(topo)
    ax_t.set_axis_off()
    ax_s = fig.add_axes((0.53, 0.02, 0.46, top - 0.04))
    _draw_stack(ax_s, headers, f"{message.name} packet")
    if title:
        fig.suptitle(title, fontsize=11, y=0.995, va="top")
    return fig


def seq_window_figure(
    last: int,
    compare: Callable[[int, int], bool] = seq_gt,
    *,
    span: int = 6,
    title: str | None = None,
) -> Figure:
    """Which new Sequence Numbers ``compare(new, last)`` calls *greater* (accepted, green) or not
    (rejected with status 135, red). Left: all 2**16 values on a circle (0 at the top, clockwise).
    Right: the values next to the two edges of the window, ``last`` and ``last + 32768``, one
    square each, so the wrap from 65535 to 0 can be read value by value."""
    import math

    fig = new_figure(11.0, 4.6, dpi=80)
    ax = fig.add_axes((0.0, 0.02, 0.4, 0.86))
    ax.set_aspect("equal")
    ax.set_axis_off()
    step = 256
    for start in range(0, SEQ_MODULUS, step):
        ok = bool(compare(start + step // 2, last))
        a0, a1 = 90 - 360 * start / SEQ_MODULUS, 90 - 360 * (start + step) / SEQ_MODULUS
        ts = [math.radians(a0 + (a1 - a0) * k / 3) for k in range(4)]
        ax.plot([math.cos(t) for t in ts], [math.sin(t) for t in ts], color="#2ca02c" if ok else "#d62728", lw=12)
    ticks = [(last, f"last = {last}"), ((last + SEQ_MODULUS // 2) % SEQ_MODULUS, "last + 32768")]
    if all(min((v - t) % SEQ_MODULUS, (t - v) % SEQ_MODULUS) > 4000 for t, _ in ticks for v in (0,)):
        ticks.append((0, "0"))
    for v, text in ticks:
        t = math.radians(90 - 360 * v / SEQ_MODULUS)
        ax.plot(
            [0.88 * math.cos(t), 1.12 * math.cos(t)], [0.88 * math.sin(t), 1.12 * math.sin(t)], color="#222", lw=1.2
        )
        ax.text(1.3 * math.cos(t), 1.3 * math.sin(t), text, fontsize=8, ha="center", va="center")
    ax.text(0, 0, "green: greater (accept)\nred: not greater\n(BA status 135)", ha="center", va="center", fontsize=8)
    ax.set_xlim(-1.55, 1.55)
    ax.set_ylim(-1.45, 1.45)
    axr = fig.add_axes((0.43, 0.05, 0.56, 0.8))
    axr.set_axis_off()
    n = 2 * span + 1
    axr.set_xlim(-0.5, n - 0.5)
    axr.set_ylim(3.4, -0.6)
    for row, centre in enumerate((last, (last + SEQ_MODULUS // 2) % SEQ_MODULUS)):
        y = row * 2
        edge = "last" if row == 0 else "last + 32768"
        axr.text(-0.5, y - 0.45, f"around {edge} = {centre}", fontsize=9, fontweight="bold")
        for k in range(n):
            v = (centre - span + k) % SEQ_MODULUS
            ok = bool(compare(v, last))
            axr.add_patch(
                FancyBboxPatch(
                    (k - 0.45, y - 0.2),
                    0.9,
                    0.7,
                    boxstyle="square,pad=0",
                    fc="#2ca02c" if ok else "#d62728",
                    ec="white",
                )
            )
            axr.text(k, y + 0.15, str(v), fontsize=7, ha="center", va="center", color="white", rotation=90)
    fig.suptitle(title or f"Which Sequence Numbers are greater than last = {last}?", fontsize=11)
    return fig


def bit_layouts(lab: Lab, record: Any) -> Any:
    """Every header of a captured frame laid out bit by bit with its real values (the white paper's
    Figures 2-12 style), Ethernet left out, as an ``IPython.display.HTML``. An ESP-protected packet is
    opened with the lab's keys and its plaintext laid out instead, with a line saying so: a reader wants
    to see the Binding Update inside, not only the ESP header. The first line names the frame
    (capture index, time, link, summary)."""
    from html import escape

    from IPython.display import HTML

    from mip6lab.wire.codec import encode_frame, encode_ipv6
    from mip6lab.wire.ip import Ethernet
    from mip6lab.wire.layout import layers_of, render_html

    decoded = record.decoded
    frame = record.frame
    note = ""
    opened = None
    if decoded is not None and isinstance(decoded.payload, IPv6) and "ESP" in summary(decoded):
        spds = find_spds(lab)
        opened = open_esp(decoded.payload, spds) if spds else None
    if opened is not None:
        frame = encode_frame(Ethernet(decoded.dst, decoded.src, encode_ipv6(opened.packet)))
        note = (
            f"<p><i>ESP ({escape(str(opened.encryption))} encryption, SPI 0x{opened.spi:08x}, "
            f"{escape(str(opened.mode))} mode) opened with the lab's keys: below, the packet as it is inside ESP."
            "</i></p>"
        )
    where = f"#{record.index} at {record.time:.4f} s on {record.link}: {summary(decoded)}"
    head = f"<p><code>{escape(where)}</code></p>"
    body = "".join(render_html(lay, spans) for lay, spans in layers_of(frame) if lay.key != "ethernet")
    return HTML(head + note + body)
