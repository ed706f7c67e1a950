"""AlgorithmTracer: follow one packet through the host sending algorithm (Figure 35) or the
receiving algorithm (Figure 36), step by step, on the flowchart drawn from
:mod:`mip6lab.widgets.flowcharts`.

A capture record carries ``trace_id``, the id of the run that transmitted it (the sender's sending
run; a router's receiving run when it forwarded the packet). The receivers' receiving runs carry the
record's index, stamped by the World when it delivered the frame (:func:`mip6lab.widgets.model.receive_runs`).
Neighbor Discovery messages take the node's short path and have no run.

A run opens on its first step; each step shows its decision, the figure's arrow it takes next (the
arrow's label is the decision's first words) and where each header of the packet came from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ipywidgets as W

from mip6lab.trace import AlgorithmRun, Step
from mip6lab.widgets._util import esc
from mip6lab.widgets.flowcharts import edge_label, flowchart_svg, step_by_key, terminal_of
from mip6lab.widgets.model import packet_info, producing_run, receive_runs

if TYPE_CHECKING:
    from mip6lab.lab import Lab
    from mip6lab.net.capture import CaptureRecord

__all__ = ["AlgorithmTracer", "header_origins", "runs_for_record"]

MAX_ROWS = 1000


def runs_for_record(lab: Lab, record: CaptureRecord) -> list[AlgorithmRun]:
    """The run that sent the frame, then the receiving runs it caused (in time order)."""
    out: list[AlgorithmRun] = []
    first = producing_run(lab, record)
    if first is not None:
        out.append(first)
    for r in receive_runs(lab, record):
        if all(r is not o for o in out):
            out.append(r)
    return out


def _value(v: Any) -> str:
    text = str(v)
    return text if len(text) <= 160 else text[:157] + "..."


class AlgorithmTracer:
    """Pick a packet, pick a run (sending or receiving), step through it on the flowchart."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self._busy = False
        self._seen: tuple[int, int] = (0, -1)
        self.runs: list[AlgorithmRun] = []
        self.run: AlgorithmRun | None = None
        self.position = 0
        self.text = W.Text(placeholder="filter packets, e.g. Echo, BU, TCP", description="Filter")
        self.packet = W.Dropdown(description="Packet", layout=W.Layout(width="640px"))
        self.run_choice = W.Dropdown(description="Run", layout=W.Layout(width="640px"))
        self.first_button = W.Button(description="|< First", layout=W.Layout(width="80px"))
        self.prev_button = W.Button(description="< Prev", layout=W.Layout(width="80px"))
        self.next_button = W.Button(description="Next >", layout=W.Layout(width="80px"))
        self.last_button = W.Button(description="Last >|", layout=W.Layout(width="80px"))
        self.position_label = W.HTML()
        self.position_label.add_class("mip6lab-step-position")
        # The step's details sit beside the chart when there is room and wrap below it when not (1280 x 800).
        self.detail = W.HTML(layout=W.Layout(flex="1 1 320px", min_width="320px", max_width="100%", overflow="auto"))
        self.detail.add_class("mip6lab-step-detail")
        self.chart = W.HTML(layout=W.Layout(flex="0 1 760px", max_width="100%", overflow="auto"))
        self.chart.add_class("mip6lab-flowchart")
        self.text.observe(lambda _: self.refresh(), names="value")
        self.packet.observe(self._on_packet, names="value")
        self.run_choice.observe(self._on_run, names="value")
        self.first_button.on_click(lambda _: self.go(0))
        self.prev_button.on_click(lambda _: self.prev())
        self.next_button.on_click(lambda _: self.next())
        self.last_button.on_click(lambda _: self.go(len(self.steps) - 1))
        self.widget = W.VBox(
            [
                self.text,
                self.packet,
                self.run_choice,
                W.HBox([self.first_button, self.prev_button, self.next_button, self.last_button, self.position_label]),
                W.HBox([self.chart, self.detail], layout=W.Layout(flex_flow="row wrap", align_items="flex-start")),
            ]
        )
        self.widget.add_class("mip6lab-tracer")
        self.refresh()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def set_lab(self, lab: Lab) -> None:
        self.lab = lab
        self.refresh()

    # ------------------------------------------------------------------ packets and runs
    def refresh(self, force: bool = True) -> None:
        """Re-read the capture (packets that went through an algorithm); ``force=False`` skips the
        work when nothing new was captured."""
        seen = (id(self.lab), len(self.lab.capture))
        if self._busy or (not force and seen == self._seen):
            return
        self._seen = seen
        self._busy = True
        try:
            text = self.text.value.strip().lower()
            rows = []
            for r in self.lab.capture:
                if not r.trace_id:
                    continue
                info = packet_info(self.lab, r)
                if text and text not in info.summary.lower() and text not in info.name.lower():
                    continue
                to = ",".join(r.receivers) or "-"
                rows.append((f"#{r.index} {r.time:.4f} {r.link}: {r.sender} -> {to}  {info.summary}", r.index))
            rows = rows[-MAX_ROWS:]
            keep = self.packet.value
            self.packet.options = rows
            self.packet.value = keep if keep is not None and any(v == keep for _, v in rows) else None
        finally:
            self._busy = False
        self._load_record(self.packet.value)

    def select_record(self, index: int) -> None:
        """Trace capture record ``index`` (clears the text filter if it hides it)."""
        if all(v != index for _, v in self.packet.options):
            self._busy = True
            try:
                self.text.value = ""
            finally:
                self._busy = False
            self.refresh()
        if any(v == index for _, v in self.packet.options):
            self.packet.value = index
        else:
            self.packet.value = None
            self._load_record(index)

    def _on_packet(self, change: dict[str, Any]) -> None:
        if not self._busy:
            self._load_record(change["new"])

    def _load_record(self, index: int | None) -> None:
        rec = self.lab.capture.get(index)  # None too for a frame that left the ring buffer
        self.runs = runs_for_record(self.lab, rec) if rec is not None else []
        self._busy = True
        try:
            self.run_choice.options = [
                (
                    f"{'sending (Fig. 35)' if r.algorithm == 'send' else 'receiving (Fig. 36)'} on {r.node} at "
                    f"{r.time:.4f} s: {r.result or '-'}",
                    r.id,
                )
                for r in self.runs
            ]
            self.run_choice.value = self.runs[0].id if self.runs else None
        finally:
            self._busy = False
        if rec is not None and not self.runs:
            self.run = None
            why = (
                "Neighbor Discovery and other link-local plumbing take the node's short path"
                if not rec.trace_id
                else ""
            )
            self.chart.value = ""
            self.detail.value = f'<i style="font:12px sans-serif">no algorithm run for #{rec.index}. {esc(why)}</i>'
            self.position_label.value = ""
            return
        self.select_run(self.run_choice.value)

    def _on_run(self, change: dict[str, Any]) -> None:
        if not self._busy:
            self.select_run(change["new"])

    def select_run(self, run_id: int | None) -> None:
        """Show run ``run_id`` (any run of the trace, not only this packet's) from its first step:
        the reader walks it forward with Next."""
        run = self.lab.trace.run_by_id(run_id) if run_id is not None else None
        self.run = run
        if run is None:
            self.chart.value = ""
            self.detail.value = '<i style="font:12px sans-serif">select a packet</i>'
            self.position_label.value = ""
            return
        self.go(0)

    # ------------------------------------------------------------------ stepping
    @property
    def steps(self) -> list[Step]:
        return self.run.steps if self.run is not None else []

    @property
    def current_step(self) -> Step | None:
        s = self.steps
        return s[self.position] if s and 0 <= self.position < len(s) else None

    @property
    def highlighted(self) -> list[int | str]:
        """The step numbers (and a final terminal) highlighted on the chart, in order."""
        nums: list[int | str] = [s.number for s in self.steps[: self.position + 1]]
        if self.run is not None and self.position == len(self.steps) - 1:
            end = terminal_of(
                self.run.algorithm, [s.number for s in self.steps], [s.decision for s in self.steps], self.run.result
            )
            if end is not None:
                nums.append(end)
        return nums

    def next(self) -> None:
        self.go(self.position + 1)

    def prev(self) -> None:
        self.go(self.position - 1)

    def go(self, position: int) -> None:
        """Show the run up to step ``position`` (0-based, clamped)."""
        n = len(self.steps)
        self.position = max(0, min(position, n - 1)) if n else 0
        self._draw()

    def _draw(self) -> None:
        run, step = self.run, self.current_step
        if run is None:
            return
        self.chart.value = flowchart_svg(run.algorithm, self.highlighted, step.number if step else None, width=740)
        n = len(run.steps)
        self.position_label.value = (
            f'<span style="font:12px sans-serif">step {self.position + 1} of {n} '
            f"(Figure {35 if run.algorithm == 'send' else 36} step {step.number if step else '-'})</span>"
        )
        self.prev_button.disabled = self.position <= 0
        self.first_button.disabled = self.position <= 0
        self.next_button.disabled = self.position >= n - 1
        self.last_button.disabled = self.position >= n - 1
        self.detail.value = self._detail_html(run, step)

    def _detail_html(self, run: AlgorithmRun, step: Step | None) -> str:
        head = (
            f'<div style="font:12px sans-serif"><b>{"Sending" if run.algorithm == "send" else "Receiving"} '
            f"algorithm on {esc(run.node)}</b> at t = {run.time:.6f} s (run {run.id})<br>"
            f"result: <b>{esc(run.result or '-')}</b><br>"
            f"path: {esc(' → '.join(str(s.number) for s in run.steps))}</div>"
        )
        if step is None:
            return head + headers_html(run)
        fs = step_by_key(run.algorithm, step.number)
        paper = f'<div style="color:#555;font-style:italic">White paper: {esc(fs.text)}</div>' if fs else ""
        inputs = "".join(
            f'<tr><th align="left" style="padding-right:6px">{esc(k)}</th><td style="font-family:monospace">'
            f"{esc(_value(v))}</td></tr>"
            for k, v in step.inputs.items()
        )
        return (
            head + f'<div class="current-step" data-step="{step.number}" style="font:12px sans-serif;margin-top:8px;'
            f'border-left:4px solid #d62728;padding-left:6px"><b>Step {step.number}</b>: {esc(step.name)}<br>'
            f"decision: <b>{esc(step.decision or '-')}</b>{self._edge_html(run)}{paper}"
            + (f'<table style="font-size:12px;margin-top:4px">{inputs}</table>' if inputs else "")
            + "</div>"
            + headers_html(run)
        )

    def _edge_html(self, run: AlgorithmRun) -> str:
        """The arrow the run took out of the current step, with the figure's label for it."""
        if self.position + 1 >= len(run.steps):
            return ""
        a, b = run.steps[self.position].number, run.steps[self.position + 1].number
        label = edge_label(run.algorithm, a, b)
        attrs = f'class="edge-taken" data-from="{a}" data-to="{b}"'
        if label is None:
            return f"<div {attrs}>next: step {b} (no arrow in the figure)</div>"
        said = f" &ldquo;{esc(label)}&rdquo;" if label else ""
        return f"<div {attrs}>next: arrow{said} to step {b}</div>"


def _header_names(packet: Any) -> list[str]:
    """The headers of an IPv6 packet in wire order, by readable name (through tunnels)."""
    from mip6lab.wire.ip import DestinationOptions, IPv6, RoutingType2

    names: list[str] = []
    while isinstance(packet, IPv6):
        names.append("IPv6 header" if not names else "inner IPv6 header")
        for h in packet.ext:
            if isinstance(h, DestinationOptions) and packet.home_address_option is not None:
                names.append("Home Address option")
            elif isinstance(h, RoutingType2):
                names.append("Type 2 Routing header")
            else:
                names.append(type(h).__name__)
        packet = packet.payload
    names.append(type(packet).__name__)
    return names


def header_origins(run: AlgorithmRun) -> list[tuple[str, str]]:
    """Where each header of the packet came from, for a reader: ``(header, origin)`` in wire order.

    A sending run compares the packet it was handed (``run.packet``) with what it sent
    (``run.output``): headers present from the start were built before the algorithm ran (by the
    mobility code for a Binding Update's Home Address option, RFC 6275 §11.7.1, or by the upper layer);
    the others were added by the steps that add them (9: Home Address option, 12: the reverse tunnel).
    A receiving run shows the packet as it arrived."""
    from mip6lab.wire.ip import IPv6
    from mip6lab.wire.mh import MobilityHeader

    before = _header_names(run.packet)
    if run.algorithm != "send":
        return [(h, "as received") for h in before]
    sent = run.output if isinstance(run.output, IPv6) else run.packet
    outer: list[tuple[str, str]] = []
    if isinstance(sent, IPv6) and isinstance(sent.payload, IPv6) and not isinstance(run.packet.payload, IPv6):
        outer = [("outer IPv6 header", "step 12: the reverse tunnel to the home agent (care-of address -> home agent)")]
        sent = sent.payload
    after = _header_names(sent)
    mobility = isinstance(run.packet, IPv6) and (
        isinstance(run.packet.payload, MobilityHeader)
        or run.packet.home_address_option is not None
        or run.packet.routing_type2 is not None
    )
    builder = "the mobility code" if mobility else "the upper layer"
    steps = set(run.step_numbers)
    out: list[tuple[str, str]] = []
    rest = list(before)
    for h in after:
        if h in rest:
            rest.remove(h)
            if h == "Home Address option" and 9 not in steps:
                out.append((h, f"already there: {builder} put it in before the algorithm ran, so step 9 is not needed"))
            else:
                out.append((h, f"built by {builder} before the algorithm ran"))
        elif h == "Home Address option":
            out.append((h, "inserted at step 9 (binding update list entry found)"))
        else:
            out.append((h, "added by the algorithm"))
    return outer + out


def headers_html(run: AlgorithmRun) -> str:
    rows = "".join(
        f'<tr><th align="left" style="padding-right:6px">{esc(h)}</th><td>{esc(o)}</td></tr>'
        for h, o in header_origins(run)
    )
    return (
        '<div class="header-origins" style="font:12px sans-serif;margin-top:8px"><b>Where each header came from</b>'
        f'<table style="font-size:12px">{rows}</table></div>'
    )
