"""NetworkView: the topology with the mobile node where it is now, controls to move it and run
the simulation, live tables of each node's mobility state, and the last packets' paths.

A view only: every button calls one Lab verb (``move``, ``run_for``, ``step``) or rebuilds the Lab
(Reset), then re-reads ``lab.state(...)`` and the capture. A :class:`~mip6lab.lab.LabError` (moving
to where the node already is, stepping past the end) is shown in the status line; the simulation is
left as it was, because the Lab checks before it acts.

Speed: the figure is built once per topology (links, routers, labels); a move only updates the
mobile node's marker and interface line and replaces the path lines, then re-encodes the PNG.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as W
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch

from mip6lab.widgets._util import (
    KIND_STYLE,
    ROLE_COLOURS,
    esc,
    new_figure,
    render_data,
    rows_table,
    section,
)
from mip6lab.widgets.model import Message, home_link, messages, movable_nodes

if TYPE_CHECKING:
    from mip6lab.lab import Lab
    from mip6lab.topology import Topology

__all__ = ["NetworkView", "TopologyDrawing", "rebuild_lab"]

BAR_HALF = 0.55  # minimum half-width of an Ethernet link bar (drawing units)
DPI = 80
FIG_W, FIG_H = 9.0, 6.2  # inches: 720 x 496 pixels, shown at that size (IMAGE_WIDTH)
IMAGE_WIDTH = int(FIG_W * DPI)
LABEL_PT = 10.0  # 10 pt at 80 dpi, shown 1:1, is 11.1 px: readable at 1280 x 800
Box = tuple[float, ...]  # x0, y0, x1, y1 in pixels[, weight of an overlap: a line counts less than a text]
LABEL_BOX = {"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85}


def label_px(fontsize_pt: float, dpi: int = DPI, fig_w_in: float = FIG_W, shown_px: int = IMAGE_WIDTH) -> float:
    """The height in screen pixels of text drawn at ``fontsize_pt`` in a figure ``fig_w_in`` inches
    wide at ``dpi``, shown ``shown_px`` pixels wide."""
    return fontsize_pt * dpi / 72 * shown_px / (fig_w_in * dpi)


def rebuild_lab(lab: Lab) -> Lab:
    """A fresh Lab with the same scenario, seed, ESP mode and topology, at time 0."""
    from mip6lab.lab import Lab as _Lab

    return _Lab(lab.scenario, seed=lab.seed, esp=lab.esp, trace=lab.trace.enabled, topology=lab.topology)


class TopologyDrawing:
    """The topology on one matplotlib figure, built once; movable nodes and packet paths are
    the only artists that change.

    Blitting: links, routers and labels are rendered once into a background; an update restores
    it and draws only the changing artists (``animated``), then encodes the pixels as PNG. That
    keeps a move + redraw at a few tens of milliseconds.
    """

    def __init__(
        self,
        topology: Topology,
        width: float = FIG_W,
        height: float = FIG_H,
        dpi: int = DPI,
        movable: list[str] | None = None,
    ) -> None:
        self.topology = topology
        pos = topology.positions()  # fixed for Figure 1; a spring layout runs once for others
        self.pos: dict[str, tuple[float, float]] = {k[1]: (float(v[0]), float(v[1])) for k, v in pos.items()}
        self.link_kind = {name: lk.kind for name, lk in topology.links.items()}
        self.role = {name: n.role for name, n in topology.nodes.items()}
        self.home = {n: (ifs[0].link if (ifs := topology.interfaces_of(n)) else None) for n in topology.nodes}
        if movable is None:
            movable = [n for n, r in self.role.items() if r in ("mobile-node", "host", "correspondent")]
        self.movable = list(movable)
        self.span: dict[str, tuple[float, float]] = {}
        for name, lk in topology.links.items():
            x, _ = self.pos[name]
            xs = [self.pos[i.node][0] for i in topology.attached(name)] or [x]
            lo, hi = min([*xs, x - BAR_HALF]), max([*xs, x + BAR_HALF])
            self.span[name] = (lo - 0.15, hi + 0.15) if lk.kind == "ethernet" else (x, x)
        self.fig = new_figure(width, height, dpi)
        self.ax = ax = self.fig.add_axes((0.01, 0.01, 0.98, 0.92))
        ax.set_axis_off()
        xs = [p[0] for p in self.pos.values()] + [s for sp in self.span.values() for s in sp]
        ys = [p[1] for p in self.pos.values()]
        ax.set_xlim(min(xs) - 0.5, max(xs) + 1.7)
        ax.set_ylim(min(ys) - 0.9, max(ys) + 0.5)
        self.labels: list[Any] = []  # labels placed clear of markers, bars and each other
        self.label_spot: dict[str, tuple[float, float, str, str]] = {}  # node -> (dx, dy, ha, va) at home
        self.node_art: dict[str, tuple[Any, Any]] = {}
        self.iface_art: dict[tuple[str, str], Line2D] = {}
        self.path_art: list[Any] = []
        for name, lk in topology.links.items():
            x, y = self.pos[name]
            if lk.kind == "ethernet":
                lo, hi = self.span[name]
                ax.plot([lo, hi], [y, y], color="#333", lw=6, solid_capstyle="butt", zorder=2)
                txt = ax.text(
                    hi + 0.05, y, f"{lk.label}\n{lk.prefix}", fontsize=LABEL_PT, va="center", ha="left", color="#333"
                )
                txt._mip6lab_anchor = ("link", lo, hi, y)  # type: ignore[attr-defined]
                self.labels.append(txt)
            else:
                ax.plot([x], [y], marker="D", ms=5, color="#999", zorder=2)
        for u, v, data in topology.graph().edges(data=True):  # one edge per interface (bipartite graph)
            (node, link) = (u[1], v[1]) if u[0] == "node" else (v[1], u[1])
            line = Line2D([], [], color="#999", lw=1.2, zorder=1, animated=node in self.movable)
            ax.add_line(line)
            self.iface_art[(node, data["ifname"])] = line
            if node not in self.movable:
                a = self.pos[node]
                b = self.attach_xy(a, link)
                line.set_data([a[0], b[0]], [a[1], b[1]])
        for name, spec in topology.nodes.items():
            x, y = self.pos[name]
            colour = ROLE_COLOURS.get(spec.role, "#1f77b4")
            dyn = name in self.movable
            (marker,) = ax.plot([x], [y], marker="o", ms=13, color=colour, mec="#222", zorder=5, animated=dyn)
            label = ax.text(
                x, y - 0.2, spec.label, fontsize=LABEL_PT, ha="center", va="top", zorder=6, animated=dyn, bbox=LABEL_BOX
            )
            self.node_art[name] = (marker, label)
            label._mip6lab_anchor = ("node", x, y, name)  # type: ignore[attr-defined]
            self.labels.append(label)
        self.title = ax.text(0.5, 1.02, "", transform=ax.transAxes, ha="center", fontsize=LABEL_PT + 1, animated=True)
        handles = [
            Line2D([], [], color=KIND_STYLE["plain"][0], ls=KIND_STYLE["plain"][1], lw=2, label="plain IPv6"),
            Line2D([], [], color=KIND_STYLE["home"][0], ls=KIND_STYLE["home"][1], lw=2, label="with home agent"),
            Line2D([], [], color=KIND_STYLE["tunnel"][0], ls=KIND_STYLE["tunnel"][1], lw=2, label="tunnelled"),
            Line2D([], [], color=KIND_STYLE["ro"][0], ls=KIND_STYLE["ro"][1], lw=2, label="route optimized"),
        ]
        self.legend = ax.legend(handles=handles, loc="lower right", fontsize=LABEL_PT, frameon=False)
        self._background: Any = None
        (_, y0), (_, y1) = ax.transData.transform((0, 0)), ax.transData.transform((0, 1))
        self._line_dy = 1.3 * LABEL_PT * DPI / 72 / abs(y1 - y0)  # one text line, in data units
        self._widen_for_link_labels()
        self._place_labels()

    def _widen_for_link_labels(self) -> None:
        """Room beside the leftmost and rightmost link bars for their labels: a mobile node away there
        sits under the bar and its router's line runs above it, so beside the bar is the free spot."""
        links = [t for t in self.labels if t._mip6lab_anchor[0] == "link"]
        if not links:
            return
        left = min(links, key=lambda t: t._mip6lab_anchor[1])
        right = max(links, key=lambda t: t._mip6lab_anchor[2])
        renderer = self.fig.canvas.get_renderer()
        x0, x1 = self.ax.get_xlim()
        for _ in range(3):  # the scale changes with the limits: settle it
            per_unit = self.ax.bbox.width / (x1 - x0)
            x0 = min(x0, left._mip6lab_anchor[1] - left.get_window_extent(renderer).width / per_unit - 0.15)
            x1 = max(x1, right._mip6lab_anchor[2] + right.get_window_extent(renderer).width / per_unit + 0.15)
            self.ax.set_xlim(x0, x1)

    def _px_boxes(self, a: tuple[float, float], b: tuple[float, float], pad: float = 3.0) -> list[Box]:
        """Small pixel boxes covering the segment ``a``-``b`` (data units): a line as obstacles."""
        (ax_, ay), (bx, by) = self.ax.transData.transform(a), self.ax.transData.transform(b)
        n = max(1, int(max(abs(bx - ax_), abs(by - ay)) / 4))
        pts = [(ax_ + (bx - ax_) * k / n, ay + (by - ay) * k / n) for k in range(n + 1)]
        return [(x - pad, y - pad, x + pad, y + pad, 0.3) for x, y in pts]

    def _paths_possible(self) -> list[tuple[tuple[float, float], tuple[float, float]]]:
        """Every segment a packet path can draw (sender -> its attach point -> receiver, on every link,
        with movable nodes on any link): static labels keep clear of them all."""
        segs = []
        for name in self.link_kind:
            here = [i.node for i in self.topology.attached(name) if i.node not in self.movable]
            spots = [self.pos[n] for n in here] + [self.node_xy(m, name) for m in self.movable]
            for s in spots:
                mid = self.attach_xy(s, name)
                segs.append((s, mid))
                segs += [(mid, t) for t in spots if t != s]
        return segs

    def _place_labels(self) -> None:
        """Move each static label to the first of its candidate spots that overlaps no node marker
        (where a movable node may be drawn too), link bar, line a packet path may take, the legend or
        an already placed label (measured in the rendered figure); where none is free, the spot that
        overlaps least."""
        renderer = self.fig.canvas.get_renderer()
        to_px = self.ax.transData.transform
        half = 13 * DPI / 72 / 2 + 2  # marker radius in pixels, and a margin
        blocked: list[Box] = []
        away: list[tuple[str, tuple[float, float]]] = []
        for m in self.movable:
            away += [(m, self.node_xy(m, lk)) for lk, k in self.link_kind.items() if k == "ethernet"]
        for x, y in [self.pos[n] for n in self.topology.nodes] + [xy for _, xy in away]:
            (px, py) = to_px((x, y))
            blocked.append((px - half, py - half, px + half, py + half))
        for name, kind in self.link_kind.items():
            if kind == "ethernet":
                lo, hi = self.span[name]
                (x0, y0), (x1, _) = to_px((lo, self.pos[name][1])), to_px((hi, self.pos[name][1]))
                blocked.append((x0, y0 - 5, x1, y0 + 5))
        for a, b in self._paths_possible():
            blocked += self._px_boxes(a, b)
        lb = self.legend.get_window_extent(renderer)
        blocked.append((lb.x0, lb.y0, lb.x1, lb.y1))
        obstacles = list(blocked)
        for m, xy in away:  # a mobile node away from home has its label under its marker
            if xy == self.pos[m] or self.role[m] != "mobile-node":
                continue
            t = self.node_art[m][1]
            t.set_position((xy[0], xy[1] - 0.2))
            t.set_ha("center")
            t.set_va("top")
            b = t.get_window_extent(renderer)
            blocked.append((b.x0, b.y0, b.x1, b.y1))

        nodes = [t for t in self.labels if t._mip6lab_anchor[0] == "node"]
        links = [t for t in self.labels if t._mip6lab_anchor[0] == "link"]
        for t in links + nodes:  # link labels first: they have fewer spots
            anchor = t._mip6lab_anchor
            if anchor[0] == "link":
                _, lo, hi, y = anchor
                spots = [
                    (hi + 0.05, y, "left", "center"),
                    (lo, y + 0.12, "left", "bottom"),
                    (hi, y + 0.12, "right", "bottom"),
                    (hi, y - 0.12, "right", "top"),
                    (lo, y - 0.12, "left", "top"),
                    (lo - 0.05, y, "right", "center"),
                    (hi + 0.05, y - 0.12, "left", "top"),
                    (hi + 0.05, y + 0.12, "left", "bottom"),
                    (lo - 0.05, y - 0.12, "right", "top"),
                    (lo - 0.05, y + 0.12, "right", "bottom"),
                    ((lo + hi) / 2, y - 0.12, "center", "top"),
                    ((lo + hi) / 2, y + 0.12, "center", "bottom"),
                ]
            else:
                _, x, y, _name = anchor
                spots = []
                for d in (1.0, 1.6, 2.3):
                    spots += [
                        (x, y - 0.2 * d, "center", "top"),
                        (x, y + 0.2 * d, "center", "bottom"),
                        (x + 0.16 * d, y, "left", "center"),
                        (x - 0.16 * d, y, "right", "center"),
                        (x + 0.16 * d, y - 0.16 * d, "left", "top"),
                        (x - 0.16 * d, y - 0.16 * d, "right", "top"),
                        (x + 0.16 * d, y + 0.16 * d, "left", "bottom"),
                        (x - 0.16 * d, y + 0.16 * d, "right", "bottom"),
                    ]
            self._best_spot(t, spots, blocked, renderer)
            b = t.get_window_extent(renderer)
            blocked.append((b.x0, b.y0, b.x1, b.y1))
            if anchor[0] == "node":  # where the label sits while the node is at home
                px, py = t.get_position()
                self.label_spot[anchor[3]] = (px - anchor[1], py - anchor[2], t.get_ha(), t.get_va())
        for m in self.movable:  # back at home for now
            dx, dy, ha, va = self.label_spot[m]
            t = self.node_art[m][1]
            t.set_position((self.pos[m][0] + dx, self.pos[m][1] + dy))
            t.set_ha(ha)
            t.set_va(va)
        # what a hop label keeps clear of: all but the labels of movable nodes (those move per update)
        self._static_blocked = obstacles + [
            (b.x0, b.y0, b.x1, b.y1)
            for t in self.labels
            if not (t._mip6lab_anchor[0] == "node" and t._mip6lab_anchor[3] in self.movable)
            for b in [t.get_window_extent(renderer)]
        ]

    def _best_spot(
        self, t: Any, spots: list[tuple[float, float, str, str]], blocked: list[Box], renderer: Any
    ) -> tuple[float, float, str, str]:
        """Put ``t`` at the first spot that is inside the figure and overlaps nothing in ``blocked``;
        else at the spot overlapping least (outside the figure counts as overlap)."""
        import numpy as np

        arr = np.asarray([(*b, 1.0)[:5] for b in blocked], dtype=float).reshape(-1, 5)
        inside = self.fig.bbox
        best, best_cost = spots[0], float("inf")
        for spot in spots:
            x_, y_, ha, va = spot
            t.set_position((x_, y_))
            t.set_ha(ha)
            t.set_va(va)
            b = t.get_window_extent(renderer).padded(2)
            w = np.clip(np.minimum(arr[:, 2], b.x1) - np.maximum(arr[:, 0], b.x0), 0, None)
            h = np.clip(np.minimum(arr[:, 3], b.y1) - np.maximum(arr[:, 1], b.y0), 0, None)
            cost = float((w * h * arr[:, 4]).sum())
            cost += 1e4 * (
                max(0.0, inside.x0 - b.x0)
                + max(0.0, b.x1 - inside.x1)
                + max(0.0, inside.y0 - b.y0)
                + max(0.0, b.y1 - inside.y1)
            )
            if cost == 0:
                return spot
            if cost < best_cost:
                best, best_cost = spot, cost
        x_, y_, ha, va = best
        t.set_position((x_, y_))
        t.set_ha(ha)
        t.set_va(va)
        return best

    # ------------------------------------------------------------------ geometry
    def node_xy(self, node: str, link: str | None) -> tuple[float, float]:
        """Where to draw ``node`` when its first interface is on ``link``."""
        if link is None or link == self.home.get(node) or node not in self.movable:
            return self.pos[node]
        lx, ly = self.pos[link]
        others = [self.pos[i.node][1] for i in self.topology.attached(link) if i.node != node]
        below = not others or sum(others) / len(others) >= ly
        lo, _ = self.span[link]
        return lo + 0.25 + 0.12 * self.movable.index(node), ly + (-0.55 if below else 0.55)

    def attach_xy(self, node_xy: tuple[float, float], link: str) -> tuple[float, float]:
        lx, ly = self.pos[link]
        if self.link_kind[link] != "ethernet":
            return lx, ly
        lo, hi = self.span[link]
        return min(max(node_xy[0], lo), hi), ly

    # ------------------------------------------------------------------ updates
    def update(self, lab: Lab, recent: list[Message]) -> None:
        """Place movable nodes from the Lab's attachments; draw ``recent`` packets' paths where
        they went (a node that has moved since is drawn on the link the packet used)."""
        where: dict[str, tuple[float, float]] = {}
        for name in self.topology.nodes:
            ifs = self.topology.interfaces_of(name)
            link = lab.world.link_of(name, ifs[0].ifname) if ifs and name in lab.nodes else None
            where[name] = xy = self.node_xy(name, link)
            if name in self.movable:
                marker, label = self.node_art[name]
                marker.set_data([xy[0]], [xy[1]])
                dx, dy, ha, va = self.label_spot.get(name, (0.0, -0.2, "center", "top"))
                if xy != self.pos[name]:  # away from its home spot: the label goes under the marker
                    dx, dy, ha, va = 0.0, -0.2, "center", "top"
                label.set_position((xy[0] + dx, xy[1] + dy))
                label.set_ha(ha)
                label.set_va(va)
        for i in self.topology.interfaces:
            if i.node not in self.movable:
                continue
            line = self.iface_art[(i.node, i.ifname)]
            link = lab.world.link_of(i.node, i.ifname)
            if link is None:
                line.set_data([], [])
                continue
            a = where[i.node]
            b = self.attach_xy(a, link)
            line.set_data([a[0], b[0]], [a[1], b[1]])
        for art in self.path_art:
            art.remove()
        self.path_art = []
        drawn: list[tuple[tuple[float, float], tuple[float, float]]] = []  # path segments, for the hop labels
        hops: list[tuple[Message, str, float, tuple[tuple[float, float], tuple[float, float]]]] = []
        n = len(recent)
        for k, m in enumerate(recent):
            colour, style = KIND_STYLE.get(m.info.kind, KIND_STYLE["plain"])
            off = (k - (n - 1) / 2) * 0.05
            alpha = 0.35 + 0.65 * (k + 1) / n
            for r in m.records:
                if r.sender not in self.pos or r.link not in self.pos:
                    continue
                s = self.node_xy(r.sender, r.link)
                s = (s[0] + off, s[1] + off)
                mid = self.attach_xy(s, r.link)
                targets = [self.node_xy(t, r.link) for t in r.receivers if t in self.pos] or [mid]
                for t in targets:
                    t = (t[0] + off, t[1] + off)
                    seg = Line2D(
                        [s[0], mid[0]],
                        [s[1], mid[1] + off],
                        color=colour,
                        ls=style,
                        lw=2.2,
                        alpha=alpha,
                        zorder=3,
                        animated=True,
                    )
                    self.ax.add_line(seg)
                    drawn += [(s, (mid[0], mid[1] + off)), ((mid[0], mid[1] + off), t)]
                    arrow = FancyArrowPatch(
                        (mid[0], mid[1] + off),
                        t,
                        arrowstyle="-|>",
                        mutation_scale=12,
                        color=colour,
                        ls=style,
                        lw=2.2,
                        alpha=alpha,
                        zorder=3,
                        shrinkB=7,
                        animated=True,
                    )
                    self.ax.add_artist(arrow)  # not add_patch: the limits are fixed, no autoscale work
                    self.path_art += [seg, arrow]
            if m.records and m.first.sender in self.pos:
                hops.append((m, colour, alpha, self._first_hop(m, off)))
        self._place_hop_labels(hops, drawn, where)
        self.title.set_text(f"{lab.scenario.name}   t = {lab.now:.3f} s")

    def _first_hop(self, m: Message, off: float) -> tuple[tuple[float, float], tuple[float, float]]:
        """The first segment ``m`` is drawn on (sender to its link), where its name is written."""
        s = self.node_xy(m.first.sender, m.first.link)
        s = (s[0] + off, s[1] + off)
        mid = self.attach_xy(s, m.first.link)
        if abs(mid[0] - s[0]) + abs(mid[1] - s[1]) < 0.1:  # the sender is on the link: its first arrow
            t = next((self.node_xy(r, m.first.link) for r in m.first.receivers if r in self.pos), mid)
            return mid, (t[0] + off, t[1] + off)
        return s, (mid[0], mid[1] + off)

    def _place_hop_labels(
        self,
        hops: list[tuple[Message, str, float, tuple[tuple[float, float], tuple[float, float]]]],
        drawn: list[tuple[tuple[float, float], tuple[float, float]]],
        where: dict[str, tuple[float, float]],
    ) -> None:
        """Write each message's name beside its first segment, on the side and at the point where it
        overlaps no label, node, link bar or path line (the movable nodes' labels as they are now)."""
        if not hops:
            return
        renderer = self.fig.canvas.get_renderer()
        to_px, to_data = self.ax.transData.transform, self.ax.transData.inverted().transform
        half = 13 * DPI / 72 / 2 + 2
        blocked = list(self._static_blocked)
        for name in self.movable:
            (px, py) = to_px(where[name])
            blocked.append((px - half, py - half, px + half, py + half))
            b = self.node_art[name][1].get_window_extent(renderer)
            blocked.append((b.x0, b.y0, b.x1, b.y1))
        for a, b in drawn:
            blocked += self._px_boxes(a, b, pad=2.0)
        for m, colour, alpha, (a, b) in hops:
            txt = self.ax.text(
                0, 0, m.name, fontsize=LABEL_PT, color=colour, bbox=LABEL_BOX, zorder=7, alpha=alpha, animated=True
            )
            (ax_, ay), (bx, by) = to_px(a), to_px(b)
            length = max(1e-6, ((bx - ax_) ** 2 + (by - ay) ** 2) ** 0.5)
            nx, ny = -(by - ay) / length, (bx - ax_) / length  # the normal: labels sit to one side
            spots = []
            for dist in (14.0, 22.0, 32.0, 44.0):
                for frac in (0.5, 0.3, 0.7, 0.15, 0.85):
                    for side in (1, -1):
                        px, py = ax_ + (bx - ax_) * frac + side * nx * dist, ay + (by - ay) * frac + side * ny * dist
                        x_, y_ = to_data((px, py))
                        spots.append((float(x_), float(y_), "center", "center"))
            self._best_spot(txt, spots, blocked, renderer)
            bb = txt.get_window_extent(renderer)
            blocked.append((bb.x0, bb.y0, bb.x1, bb.y1))
            self.path_art.append(txt)

    def _dynamic(self) -> list[Any]:
        arts: list[Any] = [
            self.iface_art[(i.node, i.ifname)] for i in self.topology.interfaces if i.node in self.movable
        ]
        arts += self.path_art
        for name in self.movable:
            arts += list(self.node_art[name])
        arts.append(self.title)
        return sorted(arts, key=lambda a: a.get_zorder())

    def png(self) -> bytes:
        """The current picture as PNG: the cached background plus the changing artists."""
        from PIL import Image

        canvas = self.fig.canvas
        if self._background is None:
            canvas.draw()  # animated artists are left out: this is the static background
            self._background = canvas.copy_from_bbox(self.fig.bbox)
        canvas.restore_region(self._background)
        renderer = canvas.get_renderer()
        for a in self._dynamic():
            a.draw(renderer)
        w, h = canvas.get_width_height()
        buf = io.BytesIO()
        Image.frombuffer("RGBA", (w, h), canvas.buffer_rgba(), "raw", "RGBA", 0, 1).save(
            buf, format="png", compress_level=1
        )
        return buf.getvalue()

    def save(self, path: str) -> str:
        """The current picture to a file (PNG or SVG by suffix), every artist included."""
        dyn = self._dynamic()
        for a in dyn:
            a.set_animated(False)
        try:
            self.fig.savefig(path)
        finally:
            for a in dyn:
                a.set_animated(True)
            self._background = None
        return path


class NetworkView:
    """The topology, movement controls and live state tables for a Lab (``display(view)`` shows it)."""

    def __init__(self, lab: Lab, *, paths: int = 4, show_nd: bool = False) -> None:
        self.lab = lab
        self._listeners: list[Callable[[Lab], None]] = []
        self.last_latency = 0.0  # seconds: last action + redraw
        self.status_text = ""
        self.drawing = TopologyDrawing(lab.topology, movable=movable_nodes(lab))
        self.image = W.Image(format="png", layout=W.Layout(width=f"{IMAGE_WIDTH}px", max_width="100%"))
        movers = movable_nodes(lab) or list(lab.nodes)
        self.node = W.Dropdown(options=movers, value=movers[0], description="Node", layout=W.Layout(width="170px"))
        links = [n for n, lk in lab.topology.links.items() if lk.kind == "ethernet"]
        self.link = W.Dropdown(options=links, description="to link", layout=W.Layout(width="200px"))
        self.move_button = W.Button(description="Move", button_style="primary", tooltip="move the node (media change)")
        self.home_button = W.Button(description="Home", tooltip="move the node back to its home link")
        self.run1_button = W.Button(description="Run 1 s")
        self.run10_button = W.Button(description="Run 10 s")
        self.step_button = W.Button(description="Step", tooltip="run one simulation event")
        self.reset_button = W.Button(description="Reset", button_style="warning", tooltip="rebuild the lab at t=0")
        self.paths = W.IntSlider(value=paths, min=0, max=12, description="Paths", layout=W.Layout(width="220px"))
        self.show_nd = W.Checkbox(value=show_nd, description="paths of ND too", indent=False)
        self.status = W.HTML(layout=W.Layout(min_height="1.6em"))
        self.status.add_class("mip6lab-status")
        # The tables take what room is left beside the picture (at least 320 px; below it when the page is
        # narrower) and scroll rather than clip: at 1280 x 800 nothing is cut off.
        self.tables = W.HTML(
            layout=W.Layout(flex="1 1 320px", min_width="320px", max_width="100%", max_height="620px", overflow="auto")
        )
        self.tables.add_class("mip6lab-tables")
        self.move_button.on_click(lambda _: self.move(self.link.value))
        self.home_button.on_click(lambda _: self.home())
        self.run1_button.on_click(lambda _: self.run_for(1.0))
        self.run10_button.on_click(lambda _: self.run_for(10.0))
        self.step_button.on_click(lambda _: self.step())
        self.reset_button.on_click(lambda _: self.reset())
        self.node.observe(lambda _: self._select_other_link(), names="value")
        self.paths.observe(lambda _: self.refresh(), names="value")
        self.show_nd.observe(lambda _: self.refresh(), names="value")
        controls = W.VBox(
            [
                W.HBox([self.node, self.link, self.move_button, self.home_button]),
                W.HBox([self.run1_button, self.run10_button, self.step_button, self.reset_button]),
                W.HBox([self.paths, self.show_nd]),
                self.status,
            ]
        )
        self.widget = W.HBox(
            [W.VBox([self.image, controls], layout=W.Layout(max_width="100%")), self.tables],
            layout=W.Layout(flex_flow="row wrap", align_items="flex-start", width="100%"),
        )
        self.widget.add_class("mip6lab-network")
        self._select_other_link()
        self.refresh()
        self._set_status(f"t = {lab.now:.3f} s. Pick a link and press Move.")

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def on_change(self, callback: Callable[[Lab], None]) -> None:
        """Call ``callback(lab)`` after every action that changed the simulation (or rebuilt it)."""
        self._listeners.append(callback)

    # ------------------------------------------------------------------ actions (Lab verbs only)
    def _act(self, what: str, fn: Callable[[], str]) -> bool:
        from mip6lab.lab import LabError

        t0 = time.perf_counter()
        try:
            done = fn()
        except LabError as e:
            self._set_status(f"&#9888; cannot {esc(what)}: {esc(e)} &mdash; nothing changed", error=True)
            return False
        self.refresh()
        for cb in self._listeners:
            cb(self.lab)
        self.last_latency = time.perf_counter() - t0
        self._set_status(f"{esc(done)} &nbsp; (t = {self.lab.now:.3f} s, redraw {self.last_latency * 1000:.0f} ms)")
        return True

    def move(self, link: str, node: str | None = None) -> bool:
        """Move ``node`` (default: the selected one) to ``link``; False (and a status message) if the
        Lab refuses."""
        who = node or self.node.value

        def go() -> str:
            self.lab.move(who, link, self._ifname(who))
            return f"moved {who} to {link}"

        ok = self._act(f"move {who} to {link}", go)
        if ok:
            self._select_other_link()
        return ok

    def home(self) -> bool:
        who = self.node.value
        link = home_link(self.lab, who)
        return self.move(link or "", who)

    def run_for(self, seconds: float) -> bool:
        def go() -> str:
            before = len(self.lab.capture)
            self.lab.run_for(seconds)
            return f"ran {seconds:g} s: {len(self.lab.capture) - before} new frames"

        return self._act(f"run for {seconds:g} s", go)

    def step(self) -> bool:
        from mip6lab.lab import LabError

        def go() -> str:
            what = self.lab.step()
            if what is None:
                raise LabError("no events left to run (the simulation has nothing scheduled)")
            return f"step: {what}"

        return self._act("step", go)

    def reset(self) -> bool:
        def go() -> str:
            self.set_lab(rebuild_lab(self.lab), notify=False)
            return f"reset: {self.lab.scenario.name}, seed {self.lab.seed}, t = 0"

        return self._act("reset", go)

    def set_lab(self, lab: Lab, notify: bool = True) -> None:
        """Show another Lab (the dashboard's Reset hands the new one to every view)."""
        self.lab = lab
        if lab.topology is not self.drawing.topology:
            self.drawing = TopologyDrawing(lab.topology, movable=movable_nodes(lab))
        self.refresh()
        if notify:
            for cb in self._listeners:
                cb(lab)

    # ------------------------------------------------------------------ reading
    def _ifname(self, node: str) -> str:
        ifs = self.lab.topology.interfaces_of(node)
        return ifs[0].ifname if ifs else "eth0"

    def _select_other_link(self) -> None:
        here = self.lab.where(self.node.value, self._ifname(self.node.value))
        options = list(self.link.options)
        if self.link.value == here and len(options) > 1:
            self.link.value = next(o for o in options if o != here)

    def _set_status(self, text_html: str, error: bool = False) -> None:
        colour = "#b00" if error else "#333"
        self.status.value = f'<span style="color:{colour};font:12px sans-serif">{text_html}</span>'
        self.status_text = text_html

    def to_image(self, path: str) -> str:
        """Save the network picture as it is now (PNG or SVG by the file suffix)."""
        return self.drawing.save(path)

    def recent_messages(self) -> list[Message]:
        n = self.paths.value
        if n <= 0:
            return []
        out: list[Message] = []
        for m in reversed(messages(self.lab)):
            if m.info.category == "nd" and not self.show_nd.value:
                continue
            out.append(m)
            if len(out) == n:
                break
        return out[::-1]

    def refresh(self) -> None:
        """Re-read the Lab: node places, packet paths, tables."""
        self.drawing.update(self.lab, self.recent_messages())
        self.image.value = self.drawing.png()
        self.tables.value = self.tables_html()

    def tables_html(self) -> str:
        lab = self.lab
        parts = [f'<div style="font:bold 13px sans-serif">State at t = {lab.now:.3f} s</div>']
        order = {"mobile-node": 0, "home-agent": 1, "correspondent": 2}
        states = {n: lab.state(n) for n in lab.topology.nodes if n in lab.nodes}
        # the three roles, plus any other node with Mobile IPv6 state (a host acting as correspondent)
        names = sorted(
            (n for n, s in lab.topology.nodes.items() if n in states and (s.role in order or "mobility" in states[n])),
            key=lambda n: order.get(lab.topology.nodes[n].role, 3),
        )
        for name in names:
            spec = lab.topology.nodes[name]
            st = states[name]
            where = ", ".join(f"{i} on {lk or '(detached)'}" for i, lk in st["links"].items())
            home = home_link(lab, name)
            away = spec.role == "mobile-node" and any(lk != home for lk in st["links"].values())
            tag = (
                " &mdash; <b>away from home</b>" if away else (" &mdash; at home" if spec.role == "mobile-node" else "")
            )
            body = []
            addrs = rows_table(st["addresses"], ["interface", "address", "prefix_len", "state", "origin"])
            mob = st.get("mobility")
            if spec.role == "mobile-node":
                body.append(section("Addresses", addrs, True, "addresses"))
            if mob is not None:
                body.append(section("Mobile IPv6 state", render_data(mob), True, "mobility"))
            else:
                body.append(
                    '<div style="color:#777;font:12px sans-serif">no Mobile IPv6 role in this scenario: no binding '
                    "cache or binding update list (plain IPv6 node)</div>"
                )
                if spec.role != "mobile-node":
                    body.append(section("Addresses", addrs, False, "addresses"))
            body.append(section("Neighbor cache", rows_table(st["neighbors"]), False, "neighbors"))
            body.append(section("Routes", rows_table(st["routes"]), False, "routes"))
            parts.append(
                f'<div class="node-{esc(name)}" style="border-left:4px solid {ROLE_COLOURS.get(spec.role, "#999")};'
                f'padding-left:6px;margin:6px 0"><div style="font:bold 12px sans-serif">{esc(name)} '
                f"({esc(spec.label)}): {esc(where)}{tag}</div>{''.join(body)}</div>"
            )
        return "".join(parts)
