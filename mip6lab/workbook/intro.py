"""The workbook's map and the helpers of its first chapters (0-3).

* :data:`FIGURES` - the white paper's 36 figure captions, by number;
* :data:`CHAPTERS` - the 13 chapter notebooks, the white paper section each follows and the figures
  each draws (the start page renders it with :func:`chapter_map_html`; the README's table is
  :func:`chapter_table_markdown`; ``tests/notebooks/test_figures.py`` checks the notebooks against it);
* :func:`seams_table_html`, :func:`scenarios_table_html` - the start page's tables of the seams and the
  named scenarios;
* :func:`send` - put a hand-built (scapy) packet on a link as if a node sent it, run the lab a little,
  and return the frame as captured with what the lab sent in answer (chapter 3);
* :func:`header_figure` - the bit layout of one header of a captured frame, as a matplotlib figure
  (white paper Figures 2-12);
* :func:`components_figure` - Figure 1 drawn from a running lab, with the mobile node where it is now
  and the home address, care-of address, home agent address and binding labelled (chapter 2);
* :func:`interface_id` - the modified EUI-64 interface identifier of a MAC address (chapter 1).
"""

from __future__ import annotations

import html
import textwrap
from dataclasses import dataclass
from ipaddress import IPv6Address
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from mip6lab.lab import Lab
    from mip6lab.net.capture import CaptureRecord

__all__ = [
    "FIGURES",
    "CHAPTERS",
    "Chapter",
    "chapter_of_figure",
    "chapter_map_html",
    "chapter_table_markdown",
    "Sent",
    "send",
    "header_spans",
    "header_figure",
    "components_figure",
    "interface_id",
]

FIGURES: dict[int, str] = {
    1: "Components of Mobile IPv6",
    2: "Structure of the Mobility extension header",
    3: "The structure of the new Type 2 Routing header",
    4: "The structure of Home Address destination option",
    5: "The structure of ICMPv6 Home Agent Address Discovery Request message",
    6: "The structure of the ICMPv6 Home Agent Address Discovery Reply message",
    7: "The structure of the ICMPv6 Mobile Prefix Solicitation message",
    8: "The structure of the ICMPv6 Mobile Prefix Advertisement message",
    9: "The structure of the modified Router Advertisement message",
    10: "The structure of the modified Prefix Information option",
    11: "The structure of the Advertisement Interval option",
    12: "The structure of the Home Agent Information option",
    13: "The Return Routability procedure",
    14: "Data packets sent by a correspondent node to the mobile node's home address",
    15: "Intercepted packet tunneled to a mobile node by its home agent",
    16: "Tunneled packets to a home agent",
    17: "Forwarded packet from a home agent to a correspondent node",
    18: "Data sent from the mobile node to the correspondent node",
    19: "Data sent from the correspondent node when a binding cache entry for the mobile node is present",
    20: "Binding updates sent from the mobile node to the home agent",
    21: "Binding maintenance packets sent from the home agent to the mobile node",
    22: "Binding updates sent from the mobile node to the correspondent node",
    23: "Binding maintenance packets sent from the correspondent node to the mobile node",
    24: "ICMPv6 Home Agent Address Discovery Request message sent from the mobile node",
    25: "ICMPv6 Home Agent Address Discovery Reply message sent from the home agent",
    26: "ICMPv6 Mobile Prefix Solicitation message sent from the mobile node",
    27: "ICMPv6 Mobile Prefix Advertisement message sent from the mobile node",
    28: "Mobile node attaching to the first foreign link",
    29: "A mobile node initiating a new TCP connection with a new correspondent node",
    30: "A new correspondent node communicating with a mobile node",
    31: "A node on the home link communicating with the mobile node",
    32: "A mobile node changing its home address",
    33: "A mobile node attaching to a new foreign link",
    34: "A mobile node returning home",
    35: "The Mobile IPv6 host sending algorithm",
    36: "The Mobile IPv6 host receiving algorithm",
}
"""The white paper's captions, exactly as printed (Figure 27's "sent from the mobile node" is the
paper's slip: the home agent sends the Advertisement)."""


@dataclass(frozen=True)
class Chapter:
    number: int
    slug: str
    title: str
    section: str  # the white paper section(s) it follows
    figures: tuple[int, ...] = ()
    scenarios: tuple[str, ...] = ()

    @property
    def notebook(self) -> str:
        return f"{self.number:02d}-{self.slug}.ipynb"


CHAPTERS: tuple[Chapter, ...] = (
    Chapter(0, "start-here", "Start here", "Mobile IPv6 Overview", (), ("return-routability",)),
    Chapter(
        1,
        "ipv6-basics",
        "The IPv6 you need",
        "Mobile IPv6 Overview (and the IPv6 host sending algorithm it extends)",
        (),
        ("ping", "tcp-breaks-without-mip6"),
    ),
    Chapter(
        2,
        "components-and-terms",
        "Components and terms",
        "Mobile IPv6 Components; Transport Layer Transparency",
        (1,),
        ("first-foreign-link",),
    ),
    Chapter(
        3,
        "messages-and-options",
        "Messages and options",
        "Mobile IPv6 Messages and Options",
        (2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12),
        ("first-foreign-link",),
    ),
    Chapter(
        4,
        "data-structures",
        "Data structures",
        "Mobile IPv6 Data Structures",
        (),
        ("first-foreign-link", "return-routability", "non-mipv6-cn", "ha-discovery"),
    ),
    Chapter(
        5,
        "leaving-home",
        "Leaving home",
        "Home Agent Binding Maintenance; Home Agent Discovery; Moving From the Home Link to a Foreign Link",
        (20, 21, 24, 25, 28),
        ("first-foreign-link", "returning-home", "ha-discovery"),
    ),
    Chapter(
        6,
        "bidirectional-tunneling",
        "Bidirectional tunneling",
        "Indirect delivery via the Home Agent; A Node on the Home Link Communicates with the Mobile Node",
        (14, 15, 16, 17, 31),
        ("tunneled-data", "home-link-node", "route-optimized-data", "home"),
    ),
    Chapter(
        7,
        "return-routability",
        "Return routability",
        "Correspondent Registration; Return Routability Procedure",
        (13,),
        ("return-routability", "new-foreign-link"),
    ),
    Chapter(
        8,
        "route-optimization",
        "Route optimization",
        "Direct Delivery; Correspondent Node Binding Maintenance; new correspondents",
        (18, 19, 22, 23, 29, 30),
        ("mn-initiates", "cn-initiates", "route-optimized-data", "cn-binding-maintenance"),
    ),
    Chapter(
        9,
        "sending-and-receiving",
        "Sending and receiving",
        "Mobile IPv6 Host Sending Algorithm; Mobile IPv6 Host Receiving Algorithm",
        (35, 36),
    ),
    Chapter(
        10,
        "moving-on-and-coming-home",
        "Moving on and coming home",
        "Mobile Prefix Discovery; Mobile Node Changes its Home Address; Moving to a New Foreign Link; Returning Home",
        (26, 27, 32, 33, 34),
        ("prefix-discovery", "home-prefix-change", "new-foreign-link", "returning-home", "lost-binding-update"),
    ),
    Chapter(11, "security", "Security", "Return Routability Procedure (the Note); ESP for home signalling"),
    Chapter(12, "measuring", "Measuring Mobile IPv6", "(beyond the white paper: handover latency and overhead)"),
)


def chapter_of_figure(n: int) -> Chapter:
    """The chapter that draws white paper Figure ``n``."""
    for c in CHAPTERS:
        if n in c.figures:
            return c
    raise KeyError(f"no chapter draws Figure {n}")


def _figures_text(c: Chapter) -> str:
    return ", ".join(str(f) for f in c.figures) if c.figures else "-"


def chapter_table_markdown() -> str:
    """The chapters as a Markdown table (the README's)."""
    rows = ["| chapter | notebook | white paper figures |", "|---|---|---|"]
    for c in CHAPTERS:
        rows.append(f"| {c.number}. {c.title} | `notebooks/{c.notebook}` | {_figures_text(c)} |")
    return "\n".join(rows) + "\n"


def chapter_map_html() -> str:
    """The chapters as an HTML table with links to the notebooks, each figure with its caption as a
    tooltip (the start page shows it)."""
    cell = "border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top"
    out = [
        '<table class="mip6lab-chapters" style="border-collapse:collapse;font:13px sans-serif">',
        "<tr>"
        + "".join(f'<th style="{cell}">{h}</th>' for h in ("#", "chapter", "follows", "figures", "scenarios"))
        + "</tr>",
    ]
    for c in CHAPTERS:
        figs = ", ".join(f'<span title="{html.escape(FIGURES[f])}">{f}</span>' for f in c.figures) if c.figures else "-"
        scen = ", ".join(f"<code>{html.escape(s)}</code>" for s in c.scenarios) or "-"
        out.append(
            "<tr>"
            f'<td style="{cell}">{c.number}</td>'
            f'<td style="{cell}"><a href="{c.notebook}">{html.escape(c.title)}</a></td>'
            f'<td style="{cell}">{html.escape(c.section)}</td>'
            f'<td style="{cell}">{figs}</td>'
            f'<td style="{cell}">{scen}</td>'
            "</tr>"
        )
    out.append("</table>")
    return "\n".join(out)


def _html_table(headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """A bordered HTML table like :func:`chapter_map_html`'s; the cells are HTML already."""
    cell = "border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top"
    out = ['<table style="border-collapse:collapse;font:13px sans-serif">']
    out.append("<tr>" + "".join(f'<th style="{cell}">{html.escape(h)}</th>' for h in headers) + "</tr>")
    out += ["<tr>" + "".join(f'<td style="{cell}">{c}</td>' for c in row) + "</tr>" for row in rows]
    out.append("</table>")
    return "\n".join(out)


def seams_table_html() -> str:
    """Every seam (``Lab(..., replace={name: yours})``) with its role, the chapter that builds it (a link)
    and what it does (the start page shows it)."""
    from mip6lab.seams import SEAMS

    rows = [
        (
            f"<code>{html.escape(s.name)}</code>",
            html.escape(s.role),
            f'<a href="{html.escape(s.chapter)}.ipynb">{html.escape(s.chapter)}</a>',
            html.escape(s.doc),
        )
        for s in SEAMS.values()
    ]
    return _html_table(("seam", "role", "chapter", "what it does"), rows)


def scenarios_table_html() -> str:
    """Every named scenario with the white paper figures it reproduces, the first chapter that uses it
    and what happens in it (the start page shows it)."""
    from mip6lab.scenarios import SCENARIOS

    used_in: dict[str, int] = {}
    for c in CHAPTERS:
        for name in c.scenarios:
            used_in.setdefault(name, c.number)
    rows = [
        (
            f"<code>{html.escape(s.name)}</code>",
            ", ".join(map(str, sorted(s.figures))),
            str(used_in.get(s.name, "")),
            html.escape(s.description),
        )
        for s in SCENARIOS.values()
    ]
    return _html_table(("scenario", "figures", "chapter", "what happens"), rows)


# =========================================================================== chapter 1
def interface_id(mac: str) -> str:
    """RFC 4291 Appendix A: the modified EUI-64 interface identifier of a 48-bit MAC address -
    ff:fe in the middle, the universal/local bit (0x02 of the first octet) inverted."""
    octets = [int(b, 16) for b in mac.split(":")]
    if len(octets) != 6:
        raise ValueError(f"a MAC address has 6 octets, not {len(octets)}: {mac!r}")
    eui = [octets[0] ^ 0x02, *octets[1:3], 0xFF, 0xFE, *octets[3:]]
    groups = [f"{eui[i] << 8 | eui[i + 1]:x}" for i in range(0, 8, 2)]
    return ":".join(groups)


# =========================================================================== chapter 3
@dataclass(frozen=True)
class Sent:
    """A hand-built frame as the capture saw it, and every frame the lab sent after it."""

    record: CaptureRecord
    after: tuple[CaptureRecord, ...]

    @property
    def frame(self) -> bytes:
        return self.record.frame

    def replies(self, name: str | None = None) -> list[CaptureRecord]:
        """Frames after ours (first hop only: each packet where it was sent), optionally only those
        whose one-word name (``"BA"``, ``"HAAD Reply"``, ...) matches."""
        from mip6lab.wire.summary import name as packet_name

        out = []
        for r in self.after:
            if r.decoded is None:
                continue
            if name is not None and packet_name(r.decoded) != name:
                continue
            out.append(r)
        return out


def _mac_of(lab: Lab, node: str, ifname: str) -> str:
    return lab.node(node).interfaces[ifname].mac


def send(
    lab: Lab,
    node: str | None,
    packet: Any,
    *,
    to: str | None = None,
    ifname: str = "eth0",
    link: str | None = None,
    src_mac: str | None = None,
    run: float = 0.5,
) -> Sent:
    """Put ``packet`` (a scapy ``IPv6`` packet, or IPv6 bytes) on the link where ``node``'s ``ifname``
    is, in an Ethernet frame from that interface's MAC address to node ``to``'s MAC on that link
    (default: all-nodes style multicast MAC for a multicast destination, else the first router on the
    link), then run the lab ``run`` seconds. The node itself does not know: this is the reader's hand
    on the wire. ``node=None`` sends from a station that is not in the lab: give ``link`` and ``src_mac``.
    """
    from mip6lab.lab import LabError
    from mip6lab.wire.codec import mac_for_multicast

    if node is None:
        if link is None or src_mac is None:
            raise LabError("without a node, say where the frame goes: link= and src_mac=")
        lab.link(link)
    else:
        link = lab.where(node, ifname)
        if link is None:
            raise LabError(f"{node} {ifname} is not attached to a link")
        src_mac = _mac_of(lab, node, ifname)
    raw_ip = bytes(packet)
    if len(raw_ip) < 40 or raw_ip[0] >> 4 != 6:
        raise LabError("packet must be an IPv6 packet (a scapy IPv6(...) or its bytes)")
    dst = IPv6Address(raw_ip[24:40])
    if to is not None:
        ifs = next((i.ifname for i in lab.topology.interfaces_of(to) if lab.where(to, i.ifname) == link), None)
        if ifs is None:
            raise LabError(f"{to} has no interface on {link}")
        dst_mac = _mac_of(lab, to, ifs)
    elif dst.is_multicast:
        dst_mac = mac_for_multicast(dst)
    else:
        routers = [
            i
            for i in lab.topology.interfaces
            if i.link == link and lab.topology.nodes[i.node].role in ("router", "home-agent") and i.node != node
        ]
        if not routers:
            raise LabError(f"no router on {link}: say which node the frame is for with to=")
        dst_mac = _mac_of(lab, routers[0].node, routers[0].ifname)
    frame = _mac_bytes(dst_mac) + _mac_bytes(src_mac) + b"\x86\xdd" + raw_ip
    first = len(lab.capture)
    lab.inject(link, frame)
    lab.run_for(run)
    records = list(lab.capture)[first:]
    after = tuple(r for r in records[1:] if not _forwarded(lab, r))
    return Sent(records[0], after)


def _forwarded(lab: Lab, record: Any) -> bool:
    """A frame a router sent on behalf of someone else (not from one of its own addresses): a later hop
    of a packet already in the list, not an answer."""
    from mip6lab.ipv6.node import Router
    from mip6lab.wire.ip import IPv6

    node = lab.nodes.get(record.sender)
    pkt = getattr(record.decoded, "payload", None)
    return isinstance(node, Router) and isinstance(pkt, IPv6) and not node.addresses.is_assigned(pkt.src)


def _mac_bytes(mac: str) -> bytes:
    return bytes(int(b, 16) for b in mac.split(":"))


def header_spans(frame: bytes, key: str, nth: int = 0) -> list[Any]:
    """The field spans of the ``nth`` header with layout key ``key`` ("bu", "rh2", "haad-request", ...)."""
    from mip6lab.wire.layout import layers_of

    found = [spans for lay, spans in layers_of(frame) if lay.key == key]
    if len(found) <= nth:
        present = ", ".join(lay.key for lay, _ in layers_of(frame))
        raise KeyError(f"no {key!r} header (number {nth}) in this frame; it has: {present}")
    return found[nth]


def _fit_labels(fig: Figure, ax: Any, lay: Any) -> None:
    """Make each field's label fit its box: a 1- or 2-bit flag has no room for "Prf (2)", so a label
    wider than its box loses the bit count (the box's width shows it), then shrinks down to 5 pt."""
    import re

    from mip6lab.wire.layout import _segments

    segs, _ = _segments(lay)
    first: dict[int, Any] = {}
    for s in segs:
        first.setdefault(s.field_index, s)
    boxes = list(first.values())
    if len(boxes) != len(ax.texts):  # not the drawing this helper knows: leave it alone
        return
    renderer = fig.canvas.get_renderer()
    bit = ax.get_window_extent(renderer).width / 32
    for text, s in zip(ax.texts, boxes):
        room = s.width * bit - 2
        if text.get_window_extent(renderer).width <= room:
            continue
        name, *rest = text.get_text().split("\n")
        text.set_text("\n".join([re.sub(r" \(\d+\)$", "", name), *rest]))
        size = float(text.get_fontsize())
        while text.get_window_extent(renderer).width > room and size > 5:
            size -= 0.5
            text.set_fontsize(size)


def header_figure(frame: bytes, key: str, *, layout_key: str | None = None, nth: int = 0, width: float = 9.0) -> Figure:
    """The bit layout of header ``key`` of ``frame`` with the packet's values in the boxes, drawn by
    :func:`mip6lab.wire.layout.draw`. ``layout_key`` draws the values on another layout (the generic
    Mobility Header ``"mh"`` for a Binding Update's fields: Figure 2)."""
    from mip6lab.widgets._util import new_figure
    from mip6lab.wire.layout import _segments, draw, layout

    spans = header_spans(frame, key, nth)
    lay = layout(layout_key or key)
    _, rows = _segments(lay)
    names = {f.name for f in lay.fields}
    # the items of a variable-length area ("Home Agent Addresses [1]", ...) are listed under the boxes
    extra = [f"{s.name} = {s.display}" for s in spans if s.name not in names]
    if layout_key is not None and extra:  # another layout's fields, drawn on this one: one wrapped line
        extra = textwrap.wrap("Message Data, field by field: " + ", ".join(extra), 110)
    extra = extra[:6]
    height = 0.55 + 0.5 * rows + 0.22 * len(extra)
    fig = new_figure(width, height, dpi=100)
    bottom = (0.3 + 0.22 * len(extra)) / height if extra else 0.04
    ax = fig.add_axes((0.02, bottom, 0.96, 1 - bottom - 0.5 / height))
    draw(ax, lay, spans)
    _fit_labels(fig, ax, lay)
    for i, line in enumerate(extra):
        fig.text(0.03, (0.05 + 0.22 * (len(extra) - 1 - i)) / height, line, fontsize=8, family="monospace")
    return fig


# =========================================================================== chapter 2
_ROLE_COLOURS = {
    "mobile-node": "#d62728",
    "home-agent": "#ff7f0e",
    "correspondent": "#2ca02c",
    "router": "#7f7f7f",
    "host": "#1f77b4",
}


def components_figure(lab: Lab, node: str = "mn", correspondent: str = "cn", width: float = 9.5) -> Figure:
    """White paper Figure 1 from a running lab: links as bars with their prefixes, nodes as discs, the
    mobile node on the link it is on now (a faded copy at home when it is away), and the terms of the
    white paper attached to the addresses they name: home address, care-of address, home agent
    address, correspondent address, and the binding the home agent holds."""
    from mip6lab.widgets._util import new_figure

    topo = lab.topology
    pos = {k[1]: (float(v[0]), float(v[1])) for k, v in topo.positions().items()}
    state = lab.state(node).get("mobility", {})
    home_link = topo.interfaces_of(node)[0].link
    here = lab.where(node) or home_link
    away = here != home_link
    fig = new_figure(width, width * 0.68, dpi=80)
    ax = fig.add_axes((0.0, 0.0, 1.0, 0.94))
    ax.set_axis_off()

    def bar_ends(link: str) -> tuple[float, float]:
        x = pos[link][0]
        xs = [pos[i.node][0] for i in topo.attached(link)] + [x - 0.75, x + 0.6]
        return min(xs) - 0.15, max(xs) + 0.15

    for name, lk in topo.links.items():
        x, y = pos[name]
        if lk.kind == "ethernet":
            lo, hi = bar_ends(name)
            ax.plot([lo, hi], [y, y], color="#333", lw=6, solid_capstyle="butt", zorder=2)
            if any(abs(pos[i.node][1] - y) < 0.05 for i in topo.attached(name)):  # a node sits on the bar
                ax.text(hi + 0.06, y, f"{lk.label}\n{lk.prefix}", fontsize=8, va="center", ha="left")
            else:
                ax.text(lo, y - 0.1, f"{lk.label} {lk.prefix}", fontsize=8, va="top", ha="left")
        else:
            ax.plot([x], [y], marker="D", ms=5, color="#999", zorder=2)
    mn_xy = pos[node]
    if away:
        mn_xy = (pos[here][0] - 0.6, pos[here][1] - 0.55)  # hanging under its new link
    for i in topo.interfaces:
        a = mn_xy if i.node == node else pos[i.node]
        link = here if i.node == node else i.link
        lx, ly = pos[link]
        if topo.links[link].kind == "ethernet":
            lo, hi = bar_ends(link)
            ax.plot([a[0], min(max(a[0], lo), hi)], [a[1], ly], color="#999", lw=1.2, zorder=1)
        else:
            ax.plot([a[0], lx], [a[1], ly], color="#999", lw=1.2, zorder=1)
    for name, spec in topo.nodes.items():
        x, y = mn_xy if name == node else pos[name]
        ax.plot([x], [y], marker="o", ms=15, color=_ROLE_COLOURS.get(spec.role, "#1f77b4"), mec="#222", zorder=5)
        ax.text(x, y - 0.2, spec.label, fontsize=8, ha="center", va="top", zorder=6)
    if away:
        hx, hy = pos[node]
        ax.plot([hx], [hy], marker="o", ms=15, color="#d62728", alpha=0.25, mec="#d62728", zorder=4)
        ax.annotate("", xy=mn_xy, xytext=(hx, hy), arrowprops={"arrowstyle": "->", "color": "#d62728", "ls": ":"})

    box = {"boxstyle": "round,pad=0.3", "fc": "#fffbe6", "ec": "#c9a227"}

    def note(xy: tuple[float, float], text: str, dx: float, dy: float) -> None:
        ax.annotate(
            text,
            xy=xy,
            xytext=(xy[0] + dx, xy[1] + dy),
            fontsize=8,
            bbox=box,
            arrowprops={"arrowstyle": "-", "color": "#c9a227"},
            zorder=7,
        )

    hoa = state.get("home_address")
    if hoa:
        note(mn_xy if not away else pos[node], f"home address (HoA)\n{hoa}", -1.9, 0.35)
    coa = state.get("care_of_address")
    if away and coa:
        note(mn_xy, f"care-of address (CoA)\n{coa}", 0.4, -0.6)
    ha_name = next((n for n, s in topo.nodes.items() if s.role == "home-agent"), None)
    if ha_name is not None:
        haa = topo.router_address(ha_name, home_link)
        note(pos[ha_name], f"home agent (HAA)\n{haa}", -2.4, -0.55)
        lines = []
        for holder, what in ((ha_name, "home agent"), (correspondent, "correspondent")):
            if holder not in topo.nodes:
                continue
            for b in lab.state(holder).get("mobility", {}).get("binding_cache", [])[:1]:
                kind = "home registration" if b["home_registration"] else "correspondent registration"
                lines.append(
                    f"binding at the {what}:\n{b['home_address']} -> {b['care_of_address']}\n"
                    f"lifetime {b['lifetime']:g} s, {kind}"
                )
        if lines:
            ax.text(
                0.99,
                0.02,
                "\n".join(lines),
                transform=ax.transAxes,
                ha="right",
                va="bottom",
                fontsize=8,
                bbox={"boxstyle": "round,pad=0.4", "fc": "#eef6ee", "ec": "#2ca02c"},
            )
    if correspondent in topo.nodes:
        try:
            cna = lab.address_of(correspondent)
        except ValueError:
            cna = None
        if cna is not None:
            note(pos[correspondent], f"correspondent (CNA)\n{cna}", -0.6, 0.6)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 2.0, max(xs) + 1.9)
    ax.set_ylim(min([*ys, mn_xy[1]]) - 0.9, max(ys) + 0.9)
    where = f"on {topo.links[here].label}" if away else "at home"
    fig.suptitle(f"Figure 1 from the running lab at t = {lab.now:g} s: the mobile node is {where}", fontsize=10)
    return fig
