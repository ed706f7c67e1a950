"""The white paper's Figures 35 and 36 as data, and the flowchart drawn from that data.

ONE table per algorithm (:data:`SEND_STEPS`, :data:`RECEIVE_STEPS`): each step's number, the white
paper's text, a short box label, its kind (decision / action / terminal), its outgoing edges with
their labels, and its place on a grid. :func:`flowchart_svg` draws the figure from the table and
highlights the path a real :class:`~mip6lab.trace.AlgorithmRun` took.

The algorithms themselves (``mip6lab/ipv6/sending.py``, ``receiving.py``) record their step names
inline in each ``run.step(...)`` call and keep no step table, so the figure's text lives here; the
tracer shows both (the white paper's text from here, the algorithm's own wording from the trace).
The edges follow the figures' arrows as the algorithms implement them (see those modules' docs).

SVG rather than matplotlib: re-highlighting on every Prev/Next is a string rebuild (well under a
millisecond), the boxes carry ``data-step`` attributes tests can check, and it scales in the page.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "FlowStep",
    "SEND_STEPS",
    "RECEIVE_STEPS",
    "TITLES",
    "steps_for",
    "step_by_key",
    "terminal_of",
    "IMPLIED",
    "path_edges",
    "flowchart_svg",
]

Key = int | str


@dataclass(frozen=True)
class FlowStep:
    """One box of a flowchart. ``key`` is the white paper step number (terminals have names)."""

    key: Key
    short: str  # the box label
    text: str  # the white paper's step text
    kind: str  # "decision", "action" or "terminal"
    edges: tuple[tuple[str, Key], ...]  # (label, target key) in the figure's order
    pos: tuple[int, int]  # (column, row) on the drawing grid


def _s(
    key: Key, short: str, text: str, kind: str, edges: tuple[tuple[str, Key], ...], pos: tuple[int, int]
) -> FlowStep:
    return FlowStep(key, short, text, kind, edges, pos)


SEND_STEPS: tuple[FlowStep, ...] = (
    _s("start", "Start", "A unicast or anycast packet to send.", "terminal", (("", 1),), (1, 0)),
    _s(
        1,
        "Check destination cache",
        "Check the destination cache for an entry matching the destination address.",
        "action",
        (("", 2),),
        (1, 1),
    ),
    _s(
        2,
        "Entry found in destination cache?",
        "If an entry matching the destination address is not found in the destination cache, go to step 13.",
        "decision",
        (("yes", 3), ("no", 13)),
        (1, 2),
    ),
    _s(
        3,
        "Entry points to a binding cache entry?",
        "If an entry is found, check for a pointer to an entry in the binding cache. This pointer will be "
        "present if the destination is a mobile node away from home.",
        "decision",
        (("yes", 4), ("no", 5)),
        (1, 5),
    ),
    _s(
        4,
        "Destination := care-of address; insert Type 2 Routing header",
        "Set the destination address to the destination node's care-of address and insert a Type 2 Routing "
        "header with the destination node's home address; next hop from the destination cache entry for the "
        "care-of address.",
        "action",
        (("", 6),),
        (2, 6),
    ),
    _s(
        5,
        "Next hop from destination cache entry",
        "If there is no pointer to a binding cache entry, obtain the next-hop address and interface from the "
        "destination cache entry.",
        "action",
        (("", 6),),
        (1, 6),
    ),
    _s(
        6,
        "Packet tunnelled to the home agent?",
        "If the packet is tunneled to the home agent, go to step 16.",
        "decision",
        (("yes", 16), ("no", 7)),
        (1, 7),
    ),
    _s(
        7,
        "Sending host a mobile node at home?",
        "If the sending host is a mobile node that is at home, go to step 16.",
        "decision",
        (("at home / not MN", 16), ("away", 8)),
        (1, 8),
    ),
    _s(
        8,
        "Binding update list entry for destination?",
        "If the sending host is a mobile node away from home, it checks its binding update list for an entry "
        "matching the destination.",
        "decision",
        (("yes", 9), ("no", 10), ("Mobility Header", 12)),
        (1, 9),
    ),
    _s(
        9,
        "Source := care-of address; insert Home Address option",
        "Set the source address to the care-of address and insert a Destination Options header with the Home "
        "Address option containing the home address. Go to step 16.",
        "action",
        (("", 16),),
        (2, 9),
    ),
    _s(
        10,
        "Destination Mobile IPv6-capable?",
        "If no entry is found, check whether the destination has been determined to be Mobile IPv6 capable. "
        "If not, go to step 12.",
        "decision",
        (("yes / unknown", 11), ("no", 12)),
        (1, 10),
    ),
    _s(
        11,
        "Correspondent registration initiated? (no: initiate it)",
        "Check whether a correspondent registration has already been initiated with the destination, and if "
        "not, initiate one.",
        "action",
        (("", 12),),
        (1, 11),
    ),
    _s(
        12,
        "Encapsulate: care-of address -> home agent",
        "Source := home address, destination := correspondent; encapsulate with an IPv6 header from the "
        "care-of address to the home agent's address. Go to step 1.",
        "action",
        (("", 1),),
        (1, 12),
    ),
    _s(
        13,
        "Check routing table (longest match)",
        "Check the local IPv6 routing table for the longest matching route with the lowest metric to the "
        "destination address.",
        "action",
        (("", 14),),
        (0, 3),
    ),
    _s(
        14,
        "Determine next-hop address and interface",
        "Based on the chosen route, determine the next-hop interface and address. If no route is found, the "
        "destination is assumed directly reachable.",
        "action",
        (("", 15),),
        (0, 4),
    ),
    _s(15, "Update destination cache", "Update the destination cache.", "action", (("", 3),), (0, 5)),
    _s(
        16,
        "Entry found in neighbor cache?",
        "Check the neighbor cache for an entry matching the next-hop address.",
        "decision",
        (("yes", 17), ("no", 18)),
        (3, 10),
    ),
    _s(
        17,
        "Obtain link-layer address",
        "If an entry matching the next-hop address is found in the neighbor cache, obtain the link-layer address.",
        "action",
        (("", 19),),
        (3, 11),
    ),
    _s(
        18,
        "Address resolution",
        "If no entry is found, use address resolution to obtain the link-layer address for the next-hop "
        "address. If address resolution is not successful, indicate an error.",
        "action",
        (("resolved", 19),),
        (4, 11),
    ),
    _s(
        19,
        "Send using link-layer address",
        "Send the packet by using the link-layer address of the neighbor cache entry.",
        "action",
        (("", "end"),),
        (3, 12),
    ),
    _s("end", "Packet sent", "The frame is on the link.", "terminal", (), (3, 13)),
)
"""White paper Figure 35, the Mobile IPv6 host sending algorithm (steps 1-19)."""

RECEIVE_STEPS: tuple[FlowStep, ...] = (
    _s("start", "Start", "A unicast or anycast packet arrives.", "terminal", (("", 1),), (1, 0)),
    _s(
        1,
        "Destination assigned to a local interface?",
        "Verify whether the destination address corresponds to an address assigned to a local interface. If "
        "not, silently discard the packet.",
        "decision",
        (("yes", 2), ("no", "not-ours")),
        (1, 1),
    ),
    _s(
        "not-ours",
        "Silently discard (router: forward; HA: intercept)",
        "Not for this node: a host discards it, a router forwards it, a home agent intercepts it for a binding.",
        "terminal",
        (),
        (0, 1),
    ),
    _s(
        2,
        "Type 2 Routing header? (yes: destination := Home Address)",
        "Check for a Type 2 Routing header. If present, process it and set the destination address to the "
        "value of its Home Address field.",
        "decision",
        (("", 3),),
        (1, 2),
    ),
    _s(
        3,
        "Tunnelled from the home agent?",
        "Check whether the packet was tunneled from the home agent. If not, go to step 8.",
        "decision",
        (("yes", 4), ("no", 8)),
        (1, 3),
    ),
    _s(
        4,
        "Home Test message?",
        "If the packet is a Home Test message, process its contents.",
        "decision",
        (("yes", "hot"), ("no", 5)),
        (2, 4),
    ),
    _s("hot", "Process the Home Test", "The Home Test is processed by the mobile node.", "terminal", (), (3, 4)),
    _s(
        5,
        "Sender Mobile IPv6-capable?",
        "If not a Home Test, check whether the sender has been determined to be Mobile IPv6-capable. If "
        "not, go to step 7.",
        "decision",
        (("yes / unknown", 6), ("no", 7)),
        (2, 5),
    ),
    _s(
        6,
        "Correspondent registration initiated? (no: initiate it)",
        "Check whether a correspondent registration has already been initiated with the sender, and if not, "
        "initiate one.",
        "action",
        (("", 7),),
        (2, 6),
    ),
    _s(
        7,
        "Strip outer header; process ESP",
        "Strip the outer IPv6 header (care-of address <- home agent), then process and remove the ESP header "
        "and trailer, if present.",
        "action",
        (("", 8),),
        (2, 7),
    ),
    _s(
        8,
        "Home Address option? (yes: source := home address)",
        "Check for a Destination Options header with a Home Address option. If so, set the source address to "
        "the home address in the option.",
        "decision",
        (("", 9),),
        (1, 8),
    ),
    _s(
        9,
        "Protocol for Next Header exists?",
        "Based on the Next Header field, process extension headers and pass the upper-layer PDU to its "
        "protocol. If the protocol does not exist, send ICMPv6 Parameter Problem (unrecognized Next Header).",
        "decision",
        (("TCP/UDP", 11), ("other", 10), ("none", "param-problem")),
        (1, 9),
    ),
    _s(
        "param-problem",
        "ICMPv6 Parameter Problem; discard",
        "Send ICMPv6 Parameter Problem - Unrecognized Next Header Type Encountered, discard the packet.",
        "terminal",
        (),
        (0, 9),
    ),
    _s(
        10,
        "Pass PDU to its protocol",
        "If the upper-layer PDU is not a TCP segment or UDP message, pass it to the appropriate protocol.",
        "action",
        (("", "end"),),
        (1, 10),
    ),
    _s(
        11,
        "Application on the destination port?",
        "If the PDU is a TCP segment or UDP message, check the destination port. No application: ICMPv6 Port "
        "Unreachable (UDP) or a TCP reset.",
        "decision",
        (("yes", 12), ("no", "no-app")),
        (2, 10),
    ),
    _s(
        "no-app",
        "UDP: Port Unreachable; TCP: reset",
        "Send ICMPv6 Destination Unreachable - Port Unreachable (UDP) or a TCP Connection Reset segment.",
        "terminal",
        (),
        (3, 10),
    ),
    _s(
        12,
        "Process the contents",
        "If an application exists for the port, process the contents.",
        "action",
        (("", "end"),),
        (2, 11),
    ),
    _s("end", "Delivered", "The upper layer has the packet.", "terminal", (), (1, 12)),
)
"""White paper Figure 36, the Mobile IPv6 host receiving algorithm (steps 1-12)."""

_TABLES = {"send": SEND_STEPS, "receive": RECEIVE_STEPS}
TITLES = {
    "send": "Figure 35 - the Mobile IPv6 host sending algorithm",
    "receive": "Figure 36 - the Mobile IPv6 host receiving algorithm",
}


def steps_for(algorithm: str) -> tuple[FlowStep, ...]:
    """The table for ``"send"`` (Figure 35) or ``"receive"`` (Figure 36)."""
    try:
        return _TABLES[algorithm]
    except KeyError:
        raise ValueError(f"algorithm must be 'send' or 'receive', not {algorithm!r}") from None


def step_by_key(algorithm: str, key: Key) -> FlowStep | None:
    for s in steps_for(algorithm):
        if s.key == key:
            return s
    return None


def terminal_of(algorithm: str, numbers: Sequence[int], decisions: Sequence[str], result: str = "") -> Key | None:
    """Which terminal box a finished run ended in, read from its last step (presentation only)."""
    if not numbers:
        return None
    last, said = numbers[-1], (decisions[-1] if decisions else "").lower()
    if algorithm == "send":
        return "end" if last == 19 else None
    if last == 1 and said.startswith("no"):
        return "not-ours"
    if last == 4 and said.startswith("yes"):
        return "hot"
    if last == 9 and "no protocol" in said:
        return "param-problem"
    if last == 11 and ("no listener" in said or "unreachable" in result.lower() or "reset" in result.lower()):
        return "no-app"
    if last in (10, 12):
        return "end"
    return None


IMPLIED: dict[tuple[str, Key, Key], str] = {
    ("send", 3, 13): "step 4 needs a route to the care-of address: steps 13-15 run for it first",
    ("send", 15, 4): "back in step 4 with the destination cache entry for the care-of address",
}
"""Transitions the algorithms make that the figure leaves implicit (no arrow is drawn for them)."""


def path_edges(algorithm: str, visited: Sequence[Key]) -> set[tuple[Key, Key]]:
    """Edges of the figure the run went along: Start -> first step, then consecutive steps joined
    by an arrow of the figure (an :data:`IMPLIED` transition has no arrow and is skipped)."""
    table = steps_for(algorithm)
    arrows = {(s.key, t) for s in table for _, t in s.edges}
    out: set[tuple[Key, Key]] = set()
    if visited:
        out.add(("start", visited[0]))
    for a, b in zip(visited, visited[1:], strict=False):
        if (a, b) in arrows:
            out.add((a, b))
    return out


# =========================================================================== drawing
CELL_W, CELL_H = 200, 66
BOX_W, BOX_H = 176, 48
PAD = 24


def _center(pos: tuple[int, int]) -> tuple[float, float]:
    return PAD + pos[0] * CELL_W + CELL_W / 2, PAD + 22 + pos[1] * CELL_H + CELL_H / 2


def _route(a: FlowStep, b: FlowStep, occupied: set[tuple[int, int]]) -> list[tuple[float, float]]:
    """An orthogonal polyline from box ``a`` to box ``b`` avoiding other boxes on the grid."""
    (ac, ar), (bc, br) = a.pos, b.pos
    (ax, ay), (bx, by) = _center(a.pos), _center(b.pos)
    hw, hh = BOX_W / 2, BOX_H / 2
    if ac == bc:
        between = {(ac, r) for r in range(min(ar, br) + 1, max(ar, br))}
        if br > ar and not between & occupied:
            return [(ax, ay + hh), (bx, by - hh)]
        side = -1 if br <= ar else 1  # loops back up on the left, detours down on the right
        x = ax + side * (hw + 10 + (5 * (br - ar - 2) if side > 0 else 0))
        return [(ax + side * hw, ay), (x, ay), (x, by), (bx + side * hw, by)]
    sx = 1 if bc > ac else -1
    if ar == br:
        return [(ax + sx * hw, ay), (bx - sx * hw, by)]
    down = br > ar
    cols = range(min(ac, bc) + 1, max(ac, bc)) if sx > 0 else range(min(ac, bc) + 1, max(ac, bc))
    horiz_first = {(c, ar) for c in cols} | {(bc, r) for r in range(min(ar, br) + 1, max(ar, br))} | {(bc, ar)}
    if not horiz_first & occupied:
        return [(ax + sx * hw, ay), (bx, ay), (bx, by - hh if down else by + hh)]
    # vertical first, then into the side of the target
    return [(ax, ay + hh if down else ay - hh), (ax, by), (bx - sx * hw, by)]


def _wrap(text: str, width: int = 24) -> list[str]:
    return textwrap.wrap(text, width) or [""]


def flowchart_svg(
    algorithm: str,
    visited: Sequence[Key] = (),
    current: Key | None = None,
    *,
    title: str | None = None,
    width: int | None = 720,
) -> str:
    """The flowchart as an SVG string: visited steps filled, the edges taken drawn thick, the
    ``current`` step outlined in red. Boxes carry ``data-step`` and the class ``visited``/``current``."""
    table = steps_for(algorithm)
    by_key = {s.key: s for s in table}
    occupied = {s.pos for s in table}
    seen = set(visited)
    taken = path_edges(algorithm, list(visited))
    cols = max(s.pos[0] for s in table) + 1
    rows = max(s.pos[1] for s in table) + 1
    W, H = 2 * PAD + cols * CELL_W, 2 * PAD + 22 + rows * CELL_H
    size = f'width="{width}" ' if width else ""
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="mip6lab-flowchart" data-algorithm="{algorithm}" '
        f'{size}viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="11">',
        "<defs>"
        '<marker id="fa" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker>'
        '<marker id="fa-hot" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#d62728"/></marker></defs>',
        f'<text x="{W / 2}" y="{PAD}" text-anchor="middle" font-size="14" font-weight="bold">'
        f"{html.escape(title or TITLES[algorithm])}</text>",
    ]
    for s in table:  # edges under the boxes
        for label, target in s.edges:
            t = by_key[target]
            pts = _route(s, t, occupied - {s.pos, t.pos})
            hot = (s.key, target) in taken
            colour, w, mk = ("#d62728", 2.6, "fa-hot") if hot else ("#555", 1.2, "fa")
            d = " ".join(f"{x:.0f},{y:.0f}" for x, y in pts)
            out.append(
                f'<polyline class="edge{" taken" if hot else ""}" data-from="{s.key}" data-to="{target}" '
                f'points="{d}" fill="none" stroke="{colour}" stroke-width="{w}" marker-end="url(#{mk})"/>'
            )
            if label:
                (x0, y0), (x1, _) = pts[0], pts[1]
                lx, ly = (x0 + 4, y0 + 11) if x0 == x1 else (x0 + (6 if x1 > x0 else -6), y0 - 4)
                anchor = "end" if x1 < x0 else "start"
                if len(pts) == 4 and pts[2][1] > pts[1][1]:  # a detour down the side: label its long leg
                    lx, ly, anchor = pts[1][0] + 4, pts[1][1] + 42, "start"
                out.append(
                    f'<text x="{lx:.0f}" y="{ly:.0f}" font-size="10" fill="{colour}" text-anchor="{anchor}" '
                    f'font-style="italic">{html.escape(label)}</text>'
                )
    for s in table:
        cx, cy = _center(s.pos)
        x, y = cx - BOX_W / 2, cy - BOX_H / 2
        is_cur = current is not None and s.key == current
        cls = "box" + (" visited" if s.key in seen else "") + (" current" if is_cur else "")
        fill = {"decision": "#fff7d6", "action": "#e3eefa", "terminal": "#eeeeee"}[s.kind]
        if s.key in seen:
            fill = "#ffd9a8" if s.kind == "decision" else "#ffc9c9"
        stroke, sw = ("#d62728", 3.2) if is_cur else ("#333", 1.0)
        out.append(
            f'<g class="{cls}" data-step="{s.key}"><title>{html.escape(str(s.key))}: {html.escape(s.text)}</title>'
        )
        if s.kind == "decision":
            k = 12
            pts = [
                (x, cy),
                (x + k, y),
                (x + BOX_W - k, y),
                (x + BOX_W, cy),
                (x + BOX_W - k, y + BOX_H),
                (x + k, y + BOX_H),
            ]
            d = " ".join(f"{px:.0f},{py:.0f}" for px, py in pts)
            out.append(f'<polygon points="{d}" fill="{fill}" stroke="{stroke}" stroke-width="{sw}"/>')
        else:
            r = 22 if s.kind == "terminal" else 3
            out.append(
                f'<rect x="{x:.0f}" y="{y:.0f}" width="{BOX_W}" height="{BOX_H}" rx="{r}" fill="{fill}" '
                f'stroke="{stroke}" stroke-width="{sw}"/>'
            )
        lines = _wrap(f"{s.key}. {s.short}" if isinstance(s.key, int) else s.short, 30)[:3]
        y0 = cy - (len(lines) - 1) * 6.5 + 4
        for i, ln in enumerate(lines):
            weight = ' font-weight="bold"' if is_cur else ""
            out.append(
                f'<text x="{cx:.0f}" y="{y0 + i * 13:.0f}" text-anchor="middle"{weight}>{html.escape(ln)}</text>'
            )
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)
