"""The mobile node's state machines drawn from their own tables (:mod:`mip6lab.mobility.machines`).

Like the flowcharts, the machine (states, transitions, the RFC clause of each) is defined once in the
protocol layer; this module adds only where each state sits and the SVG. :func:`machine_svg` draws a
machine with the ``current`` state outlined and the transitions a run ``taken`` drawn thick with their
counts; :func:`machine_history` reads both from a mobile node's recorder; :func:`machine_html` adds the
numbered legend (the events that take each transition, what happened, the RFC clause) and
:func:`machine_view` wraps it in an ``ipywidgets.HTML`` for a Lab's node.
"""

from __future__ import annotations

import html
import math
import textwrap
from collections import Counter
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from mip6lab.mobility.machines import MACHINES, Machine

__all__ = ["POSITIONS", "machine_history", "machine_html", "machine_svg", "machine_view"]

CELL_W, CELL_H, BOX_W, BOX_H, PAD = 190, 110, 150, 40, 30

POSITIONS: dict[str, dict[str, tuple[int, int]]] = {
    "location": {"unknown": (1, 0), "home": (0, 1), "foreign": (2, 1), "detached": (1, 2)},
    "home registration": {
        "unregistered": (0, 1),
        "registering": (1, 0),
        "registered": (2, 1),
        "refreshing": (3, 0),
        "deregistering": (1, 2),
        "rejected": (3, 2),
    },
    "correspondent registration": {
        "idle": (0, 1),
        "waiting for the home registration": (1, 0),
        "return routability": (2, 1),
        "BU sent": (3, 0),
        "bound": (4, 1),
        "deregistering": (2, 2),
    },
    "BUL entry": {"new": (0, 1), "sent": (1, 0), "acknowledged": (2, 1), "expired": (3, 0), "removed": (1, 2)},
}
"""Machine name -> state value -> (column, row): the only drawing data (the rest is the machine's)."""


def _machine(machine: Machine | str) -> Machine:
    return MACHINES[machine] if isinstance(machine, str) else machine


def _center(pos: tuple[int, int]) -> tuple[float, float]:
    return PAD + pos[0] * CELL_W + CELL_W / 2, PAD + 24 + pos[1] * CELL_H + CELL_H / 2


def _edge_point(cx: float, cy: float, dx: float, dy: float) -> tuple[float, float]:
    """Where the ray from the box centre towards (dx, dy) leaves the box."""
    if dx == 0 and dy == 0:
        return cx, cy
    sx = (BOX_W / 2) / abs(dx) if dx else math.inf
    sy = (BOX_H / 2) / abs(dy) if dy else math.inf
    s = min(sx, sy)
    return cx + dx * s, cy + dy * s


def _key(source: Any, target: Any) -> tuple[str, str]:
    return str(source), str(target)


def machine_svg(
    machine: Machine | str,
    current: StrEnum | str | None = None,
    taken: Mapping[tuple[str, str], int] | Iterable[tuple[Any, Any]] = (),
    *,
    title: str | None = None,
    width: int | None = 760,
) -> str:
    """The machine as an SVG string. States carry ``data-state`` (and the class ``current``), transitions
    ``data-from`` / ``data-to`` / ``data-number`` (and the class ``taken``); numbers match :func:`machine_html`."""
    m = _machine(machine)
    pos = POSITIONS[m.name]
    counts: Counter[tuple[str, str]] = Counter()
    if isinstance(taken, Mapping):
        counts.update({_key(*k): int(v) for k, v in taken.items()})
    else:
        counts.update(_key(s, t) for s, t in taken)
    cols = max(p[0] for p in pos.values()) + 1
    rows = max(p[1] for p in pos.values()) + 1
    W, H = 2 * PAD + cols * CELL_W, 2 * PAD + 24 + rows * CELL_H
    size = f'width="{width}" ' if width else ""
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="mip6lab-machine" data-machine="{html.escape(m.name)}" '
        f'{size}viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="11">',
        "<defs>"
        '<marker id="ma" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#777"/></marker>'
        '<marker id="ma-hot" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#d62728"/></marker></defs>',
        f'<text x="{W / 2}" y="{PAD}" text-anchor="middle" font-size="14" font-weight="bold">'
        f"{html.escape(title or m.title)}</text>",
    ]
    pairs = {_key(t.source, t.target) for t in m.transitions}
    for number, t in enumerate(m.transitions, 1):
        s, g = str(t.source), str(t.target)
        n = counts.get((s, g), 0)
        colour, w, mk = ("#d62728", 2.6, "ma-hot") if n else ("#888", 1.1, "ma")
        cls = "transition taken" if n else "transition"
        (x0, y0), (x1, y1) = _center(pos[s]), _center(pos[g])
        if s == g:  # a loop over the box
            lx, ly = x0, y0 - BOX_H / 2
            d = (
                f"M{lx - 20:.0f},{ly:.0f} C{lx - 30:.0f},{ly - 40:.0f} "
                f"{lx + 30:.0f},{ly - 40:.0f} {lx + 20:.0f},{ly:.0f}"
            )
            mx, my = lx, ly - 32
        else:
            dx, dy = x1 - x0, y1 - y0
            length = math.hypot(dx, dy)
            bend = 20 if (g, s) in pairs else 8  # two-way pairs curve apart; others a little, off collinear ones
            nx, ny = -dy / length * bend, dx / length * bend
            ax, ay = _edge_point(x0, y0, dx + nx, dy + ny)
            bx, by = _edge_point(x1, y1, -dx + nx, -dy + ny)
            cx, cy = (ax + bx) / 2 + nx, (ay + by) / 2 + ny
            d = f"M{ax:.0f},{ay:.0f} Q{cx:.0f},{cy:.0f} {bx:.0f},{by:.0f}"
            mx, my = (ax + 2 * cx + bx) / 4, (ay + 2 * cy + by) / 4
        label = f"{number}" + (f" ×{n}" if n else "")
        out.append(
            f'<g class="{cls}" data-from="{html.escape(s)}" data-to="{html.escape(g)}" data-number="{number}">'
            f"<title>{number}. {html.escape(s)} → {html.escape(g)}: {html.escape(t.event)} ({t.rfc})</title>"
            f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="{w}" marker-end="url(#{mk})"/>'
            f'<text x="{mx:.0f}" y="{my:.0f}" font-size="10" fill="{colour}" text-anchor="middle" '
            f'paint-order="stroke" stroke="#fff" stroke-width="3">{label}</text></g>'
        )
    cur = None if current is None else str(current)
    for state in m.states:
        value = str(state)
        cx, cy = _center(pos[value])
        is_cur = value == cur
        fill = "#ffc9c9" if is_cur else ("#e3eefa" if state != m.initial else "#eeeeee")
        stroke, sw = ("#d62728", 3.2) if is_cur else ("#333", 1.0)
        weight = ' font-weight="bold"' if is_cur else ""
        lines = textwrap.wrap(value, 22) or [value]
        out.append(
            f'<g class="state{" current" if is_cur else ""}" data-state="{html.escape(value)}">'
            f'<rect x="{cx - BOX_W / 2:.0f}" y="{cy - BOX_H / 2:.0f}" width="{BOX_W}" height="{BOX_H}" rx="18" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="{sw}"/>'
            + "".join(
                f'<text x="{cx:.0f}" y="{cy + 4 + (i - (len(lines) - 1) / 2) * 13:.0f}" text-anchor="middle"{weight}>'
                f"{html.escape(line)}</text>"
                for i, line in enumerate(lines)
            )
            + "</g>"
        )
    out.append("</svg>")
    return "\n".join(out)


def machine_history(node: Any, machine: Machine | str, instance: str = "") -> tuple[StrEnum, Counter[tuple[str, str]]]:
    """A mobile node's current state of ``machine`` (for ``instance``: a correspondent's address or a BUL
    entry's "destination / home address"; "" for the node's own machines) and the transitions it took."""
    m = _machine(machine)
    recorder = node.machines
    taken: Counter[tuple[str, str]] = Counter(
        _key(r.source, r.target) for r in recorder.records if r.machine == m.name and r.instance == instance
    )
    return recorder.state_of(m.name, instance), taken


def machine_html(node: Any, machine: Machine | str, instance: str = "") -> str:
    """The drawing of ``node``'s machine and its legend (events, what happened, RFC clause, times taken)."""
    m = _machine(machine)
    current, taken = machine_history(node, m, instance)
    rows = []
    for number, t in enumerate(m.transitions, 1):
        n = taken.get(_key(t.source, t.target), 0)
        style = ' style="color:#d62728;font-weight:bold"' if n else ""
        rows.append(
            f"<tr{style}><td>{number}</td><td>{html.escape(str(t.source))} → {html.escape(str(t.target))}</td>"
            f"<td>{html.escape(', '.join(t.on))}</td><td>{html.escape(t.event)}</td><td>{t.rfc}</td>"
            f"<td>{n or ''}</td></tr>"
        )
    where = f" ({html.escape(instance)})" if instance else ""
    return (
        f'<div class="mip6lab-machine-view"><div>{html.escape(node.name)}{where}: now '
        f"<b>{html.escape(str(current))}</b></div>"
        + machine_svg(m, current, taken)
        + '<table style="font:12px sans-serif"><tr><th>#</th><th>transition</th><th>on event</th><th>when</th>'
        "<th>RFC 6275</th><th>taken</th></tr>" + "".join(rows) + "</table></div>"
    )


def machine_view(lab: Any, node: str, machine: str, instance: str = "") -> Any:
    """``machine_html`` for ``lab.role(node)`` (a mobile node) as an ``ipywidgets.HTML`` (a LabError for a
    wrong name)."""
    import ipywidgets as W

    from mip6lab.errors import LabError

    n = lab.node(node).role
    if not hasattr(n, "machines"):
        mobile = [name for name, x in lab.nodes.items() if hasattr(x.role, "machines")]
        raise LabError(f"{node} is not a mobile node: it has no state machines (mobile nodes: {', '.join(mobile)})")
    if machine not in MACHINES:
        raise LabError(f"unknown machine {machine!r} (machines: {', '.join(MACHINES)})")
    return W.HTML(machine_html(n, machine, instance))
