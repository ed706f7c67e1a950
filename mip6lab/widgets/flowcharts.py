"""The white paper's Figures 35 and 36 drawn as flowcharts from the algorithms' own step table.

The steps - number, short label, the white paper's text, kind, outgoing edges with their labels -
are defined once, in :mod:`mip6lab.ipv6.steps`, which the sending and receiving algorithms also
record their steps from. This module adds only drawing concerns: where each box sits on a grid
(:data:`SEND_POS`, :data:`RECEIVE_POS`) and the SVG. :data:`SEND_STEPS` / :data:`RECEIVE_STEPS`
are those steps with their positions, as :class:`FlowStep` boxes. :func:`flowchart_svg` draws a
figure and highlights the path a real :class:`~mip6lab.trace.AlgorithmRun` took.

SVG rather than matplotlib: re-highlighting on every Prev/Next is a string rebuild (well under a
millisecond), the boxes carry ``data-step`` attributes tests can check, and it scales in the page.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mip6lab.ipv6.steps import IMPLIED, AlgorithmStep, Key, algorithm_steps, edges_of

__all__ = [
    "FlowStep",
    "SEND_STEPS",
    "RECEIVE_STEPS",
    "SEND_POS",
    "RECEIVE_POS",
    "TITLES",
    "steps_for",
    "step_by_key",
    "terminal_of",
    "IMPLIED",
    "path_edges",
    "edge_label",
    "flowchart_svg",
]


@dataclass(frozen=True)
class FlowStep:
    """One box of a flowchart: a step of :mod:`mip6lab.ipv6.steps` and its place on the grid."""

    key: Key
    short: str  # the box label
    text: str  # the white paper's step text
    kind: str  # "decision", "action" or "terminal"
    edges: tuple[tuple[str, Key], ...]  # (label, target key) in the figure's order
    pos: tuple[int, int]  # (column, row) on the drawing grid


SEND_POS: Mapping[Key, tuple[int, int]] = {
    "start": (1, 0),
    1: (1, 1),
    2: (1, 2),
    3: (1, 5),
    4: (2, 6),
    5: (1, 6),
    6: (1, 7),
    7: (1, 8),
    8: (1, 9),
    9: (2, 9),
    10: (1, 10),
    11: (1, 11),
    12: (1, 12),
    13: (0, 3),
    14: (0, 4),
    15: (0, 5),
    16: (3, 10),
    17: (3, 11),
    18: (4, 11),
    19: (3, 12),
    "end": (3, 13),
}
"""(column, row) of each box of Figure 35."""

RECEIVE_POS: Mapping[Key, tuple[int, int]] = {
    "start": (1, 0),
    1: (1, 1),
    "not-ours": (0, 1),
    2: (1, 2),
    3: (1, 3),
    4: (2, 4),
    "hot": (3, 4),
    5: (2, 5),
    6: (2, 6),
    7: (2, 7),
    8: (1, 8),
    9: (1, 9),
    "param-problem": (0, 9),
    10: (1, 10),
    11: (2, 10),
    "no-app": (3, 10),
    12: (2, 11),
    "end": (1, 12),
}
"""(column, row) of each box of Figure 36."""


def _boxes(steps: tuple[AlgorithmStep, ...], pos: Mapping[Key, tuple[int, int]]) -> tuple[FlowStep, ...]:
    return tuple(FlowStep(s.key, s.short, s.text, s.kind, s.edges, pos[s.key]) for s in steps)


SEND_STEPS: tuple[FlowStep, ...] = _boxes(algorithm_steps("send"), SEND_POS)
"""White paper Figure 35, the Mobile IPv6 host sending algorithm (steps 1-19), as boxes."""

RECEIVE_STEPS: tuple[FlowStep, ...] = _boxes(algorithm_steps("receive"), RECEIVE_POS)
"""White paper Figure 36, the Mobile IPv6 host receiving algorithm (steps 1-12), as boxes."""

_TABLES = {"send": SEND_STEPS, "receive": RECEIVE_STEPS}
TITLES = {
    "send": "Figure 35 - the Mobile IPv6 host sending algorithm",
    "receive": "Figure 36 - the Mobile IPv6 host receiving algorithm",
}


def steps_for(algorithm: str) -> tuple[FlowStep, ...]:
    """The boxes for ``"send"`` (Figure 35) or ``"receive"`` (Figure 36)."""
    algorithm_steps(algorithm)  # ValueError for anything else
    return _TABLES[algorithm]


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


def edge_label(algorithm: str, a: Key, b: Key) -> str | None:
    """The label of the figure's arrow from step ``a`` to step ``b`` ("" unlabelled, None: no arrow)."""
    step = step_by_key(algorithm, a)
    for label, target in step.edges if step is not None else ():
        if target == b:
            return label
    return None


def path_edges(algorithm: str, visited: Sequence[Key]) -> set[tuple[Key, Key]]:
    """Edges of the figure the run went along: Start -> first step, then consecutive steps joined
    by an arrow of the figure (an :data:`IMPLIED` transition has no arrow and is skipped)."""
    arrows = edges_of(algorithm)
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
                    f'<text class="edge-label{" taken" if hot else ""}" data-from="{s.key}" data-to="{target}" '
                    f'x="{lx:.0f}" y="{ly:.0f}" font-size="11" fill="{colour}" text-anchor="{anchor}" '
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
