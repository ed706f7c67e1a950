"""Message sequence charts like the white paper's Figures 13 and 28-34, drawn from a Lab's capture.

One vertical lane per node, time downwards, one arrow per *message*. By default a packet's hops
are collapsed into one arrow from the node that sent it to the node(s) that finally received it:
consecutive records with the same IPv6 octets except the Hop Limit, each sent by a receiver of the
previous one (see :class:`mip6lab.widgets.model.MessageIndex`). A tunnel is a new packet (the home
agent adds an outer header), so a tunnelled message is its own arrow, dashed; route-optimized
messages (Home Address option / Type 2 Routing header) are green; ESP-protected ones carry an
"ESP" badge (named by their decrypted content when the keys are known). ``collapse=False`` draws
one arrow per link hop instead. Rows are evenly spaced (as in the figures); the time is at the left.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as W
from matplotlib.figure import Figure

from mip6lab.widgets._util import KIND_STYLE, ROLE_COLOURS, STYLE, figure_png, new_figure, save_figure
from mip6lab.widgets.model import Message, mac_owners, messages

if TYPE_CHECKING:
    from mip6lab.lab import Lab
    from mip6lab.net.capture import CaptureRecord

__all__ = ["SequenceChart", "sequence_figure", "filter_messages", "lane_order"]

ROLE_RANK = {"mobile-node": 0, "router": 1, "home-agent": 2, "host": 3, "correspondent": 4}
LIMIT = 60


def filter_messages(
    msgs: list[Message], *, kinds: str = "all", show_nd: bool = False, node: str | None = None
) -> list[Message]:
    """``kinds``: "all", "signalling" (mobility messages, HAAD, MPS/MPA, ICMPv6 errors) or "data"
    (TCP, UDP, Echo); Neighbor Discovery only with ``show_nd``; ``node``: messages it sent or got."""
    if kinds not in ("all", "signalling", "data"):
        raise ValueError(f"kinds must be 'all', 'signalling' or 'data', not {kinds!r}")
    out = []
    for m in msgs:
        cat = m.info.category
        if cat == "nd" and not show_nd:
            continue
        if kinds == "signalling" and cat == "data":
            continue
        if kinds == "data" and cat != "data":
            continue
        if node is not None and not m.involves(node):
            continue
        out.append(m)
    return out


def lane_order(lab: Lab, names: set[str]) -> list[str]:
    """Lanes left to right: mobile node, routers, home agent, hosts, correspondent (then topology order)."""
    topo = list(lab.topology.nodes)
    role = {n: s.role for n, s in lab.topology.nodes.items()}
    return sorted(names, key=lambda n: (ROLE_RANK.get(role.get(n, ""), 9), topo.index(n) if n in topo else 99))


def _endpoints(m: Message, owners: dict[str, str]) -> tuple[str, list[str], bool]:
    """(origin, receivers, lost): a lost frame points at the node its destination MAC belongs to;
    a frame nobody accepted (a DAD probe) has no receivers and is not lost."""
    if m.receivers:
        return m.origin, list(m.receivers), False
    if not m.dropped:
        return m.origin, [], False
    target = owners.get(m.last.dst_mac)
    return m.origin, [target] if target else [], True


def sequence_figure(
    lab: Lab,
    *,
    kinds: str = "all",
    show_nd: bool = False,
    node: str | None = None,
    start: int = 0,
    limit: int | None = LIMIT,
    collapse: bool = True,
    selected: int | None = None,
    msgs: list[Message] | None = None,
    title: str | None = None,
) -> Figure:
    """The chart as a matplotlib Figure (for notebooks under nbval, the README, ``savefig``).

    ``start``/``limit`` pick a window of the filtered messages; ``selected`` is a message index
    (``Message.index``) to highlight.
    """
    if msgs is None:
        msgs = filter_messages(messages(lab, collapse), kinds=kinds, show_nd=show_nd, node=node)
    shown = msgs[start : (start + limit) if limit else None]
    owners = mac_owners(lab)
    ends = [_endpoints(m, owners) for m in shown]
    names = {o for o, _, _ in ends} | {t for _, ts, _ in ends for t in ts}
    lanes = lane_order(lab, names) if names else [n for n in lab.topology.nodes][:4]
    x = {n: i for i, n in enumerate(lanes)}
    rows = max(len(shown), 1)
    height = 1.1 + 0.34 * rows
    fig = new_figure(max(6.0, 1.45 * len(lanes) + 1.6), height, dpi=80)
    ax = fig.add_axes((0.12, 0.05 / height, 0.86, 1 - 0.3 / height))
    ax.set_xlim(-0.6, len(lanes) - 0.4)
    ax.set_ylim(rows - 0.3, -1.5)
    ax.set_axis_off()
    role = {n: s.role for n, s in lab.topology.nodes.items()}
    for n, i in x.items():
        ax.plot([i, i], [-0.55, rows - 0.3], color="#bbb", lw=1, zorder=1)
        label = lab.topology.nodes[n].label if n in lab.topology.nodes else n
        ax.text(
            i,
            -0.65,
            f"{n}\n{label}",
            ha="center",
            va="bottom",
            fontsize=8,
            fontweight="bold",
            color=ROLE_COLOURS.get(role.get(n, ""), "#333"),
        )
    if not shown:
        ax.text((len(lanes) - 1) / 2, 0.3, "no messages (yet) for these filters", ha="center", fontsize=9, color="#777")
    for row, (m, (origin, targets, lost)) in enumerate(zip(shown, ends, strict=True)):
        colour, style = KIND_STYLE.get(m.info.kind, KIND_STYLE["plain"])
        if selected is not None and m.index == selected:
            ax.axhspan(row - 0.45, row + 0.45, color="#fff3a0", zorder=0)
        ax.text(-0.58, row + 0.12, f"{m.time:.3f}", fontsize=7, color="#555", ha="left", va="center")
        x0 = x[origin]
        targets_x = [x[t] for t in targets] or [x0 + (0.45 if x0 < len(lanes) - 1 else -0.45)]
        for tx in targets_x:
            end = tx if not lost else x0 + (tx - x0) * 0.6
            ax.annotate(
                "",
                xy=(end, row + 0.12),
                xytext=(x0, row + 0.12),
                arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.6, "ls": style, "shrinkA": 0, "shrinkB": 2},
                zorder=3,
            )
            if lost:
                ax.plot([end], [row + 0.12], marker="x", color="#d62728", ms=9, mew=2, zorder=4)
        mid = (x0 + sum(targets_x) / len(targets_x)) / 2
        text = m.name + (" (lost)" if lost else "" if targets else " (no receiver)")
        if not collapse:
            text += f"  [{m.first.link}]"
        ax.text(mid, row - 0.04, text, ha="center", va="bottom", fontsize=8, color=colour, zorder=4)
        if m.info.esp:
            ax.text(
                mid + 0.05 + 0.045 * len(text),
                row - 0.04,
                "ESP",
                ha="left",
                va="bottom",
                fontsize=6,
                color="white",
                fontweight="bold",
                bbox={"boxstyle": "round,pad=0.15", "fc": "#8c1c13", "ec": "none"},
                zorder=5,
            )
    heading = title or f"{lab.scenario.name}: message sequence"
    if len(msgs) > len(shown):
        heading += f"  (messages {start + 1}-{start + len(shown)} of {len(msgs)})"
    fig.suptitle(heading, fontsize=10, y=0.999, va="top")
    return fig


class SequenceChart:
    """The chart with filters and a message list; selecting a message calls ``on_select`` callbacks
    with its first capture record (the dashboard opens it in the packet inspector)."""

    def __init__(self, lab: Lab, *, kinds: str = "all", show_nd: bool = False, limit: int = 40) -> None:
        self.lab = lab
        self._listeners: list[Callable[[CaptureRecord], None]] = []
        self._msgs: list[Message] = []
        self._busy = False
        self._seen: tuple[int, int] = (0, -1)
        self.kinds = W.ToggleButtons(
            options=[("all", "all"), ("signalling", "signalling"), ("data", "data")],
            value=kinds,
            description="Show",
            style={"button_width": "90px"},
        )
        self.show_nd = W.Checkbox(value=show_nd, description="Neighbor Discovery (RS/RA/NS/NA)", indent=False)
        self.node = W.Dropdown(options=[("(all nodes)", "")] + [(n, n) for n in lab.topology.nodes], description="Node")
        self.collapse = W.Checkbox(value=True, description="one arrow per packet (collapse hops)", indent=False)
        self.start = W.BoundedIntText(value=0, min=0, max=0, description="From #", layout=W.Layout(width="160px"))
        self.limit = W.BoundedIntText(value=limit, min=5, max=400, description="Rows", layout=W.Layout(width="160px"))
        self.list = W.Select(options=[], rows=10, layout=W.Layout(width="560px"))
        self.list.add_class("mip6lab-messages")
        self.image = W.Image(format="png")
        self.info = W.HTML()
        for w in (self.kinds, self.show_nd, self.node, self.collapse, self.start, self.limit):
            w.observe(lambda _: self.refresh(), names="value")
        self.list.observe(self._on_list, names="value")
        self.widget = W.VBox(
            [
                W.HTML(STYLE),
                W.HBox([self.kinds, self.node]),
                W.HBox([self.show_nd, self.collapse]),
                W.HBox([self.start, self.limit]),
                W.HBox([W.VBox([W.HTML("<b>Messages</b> (select one to inspect it)"), self.list, self.info])]),
                self.image,
            ]
        )
        self.widget.add_class("mip6lab-sequence")
        self.refresh()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def on_select(self, callback: Callable[[CaptureRecord], None]) -> None:
        self._listeners.append(callback)

    def set_lab(self, lab: Lab) -> None:
        self.lab = lab
        self.refresh()

    @property
    def filtered(self) -> list[Message]:
        """The messages that pass the filters (all of them, not only the window shown)."""
        return self._msgs

    def refresh(self, force: bool = True) -> None:
        """Re-read the capture; ``force=False`` skips the redraw when nothing new was captured."""
        seen = (id(self.lab), len(self.lab.capture))
        if self._busy or (not force and seen == self._seen):
            return
        self._seen = seen
        self._busy = True
        try:
            msgs = filter_messages(
                messages(self.lab, self.collapse.value),
                kinds=self.kinds.value,
                show_nd=self.show_nd.value,
                node=self.node.value or None,
            )
            self._msgs = msgs
            self.start.max = max(len(msgs) - 1, 0)
            window = msgs[self.start.value : self.start.value + self.limit.value]
            keep = self.list.value
            self.list.options = [(m.label(), m.index) for m in window]
            if keep is not None and any(m.index == keep for m in window):
                self.list.value = keep
            else:
                self.list.value = None
            self._draw()
        finally:
            self._busy = False

    def _draw(self) -> None:
        fig = self.figure()
        self.image.value = figure_png(fig)
        self.info.value = (
            f'<span style="font:12px sans-serif;color:#555">{len(self._msgs)} messages match; dashed = tunnelled, '
            "green = route optimized, ESP badge = IPsec-protected, &#215; = lost</span>"
        )

    def figure(self) -> Figure:
        """The chart as currently filtered and selected."""
        return sequence_figure(
            self.lab,
            msgs=self._msgs,
            start=self.start.value,
            limit=self.limit.value,
            collapse=self.collapse.value,
            selected=self.list.value,
        )

    def to_image(self, path: str) -> str:
        """Save the chart (PNG or SVG by the file suffix); returns the path."""
        return save_figure(self.figure(), path)

    def selected_message(self) -> Message | None:
        v = self.list.value
        return next((m for m in self._msgs if m.index == v), None) if v is not None else None

    def select(self, message_index: int) -> None:
        """Select a message by ``Message.index`` (as clicking it in the list does)."""
        self.list.value = message_index

    def _on_list(self, change: dict[str, Any]) -> None:
        if self._busy:
            return
        m = self.selected_message()
        self._draw()
        if m is not None:
            for cb in self._listeners:
                cb(m.first)
