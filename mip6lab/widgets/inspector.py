"""PacketInspector: the capture as a filterable list; for one frame its layer tree (every field with
its meaning and unit), the bit layout of a header (white paper Figures 2-12), and a hex dump in
which a field's octets are highlighted. ESP is opened when a node holds the keys.

Field <-> bytes: choosing a field (``field`` dropdown) highlights its octets; choosing an octet range
(``bytes`` slider) selects the field that starts that range - the headless equivalent of clicking
in the hex dump. The field spans come from :func:`mip6lab.wire.layout.layers_of`, which covers
every bit of the frame exactly once, so both directions always agree.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as W

from mip6lab.net.pcapng import LINKTYPE_ETHERNET, PcapngWriter
from mip6lab.widgets._util import STYLE, esc
from mip6lab.widgets.model import find_spds, open_esp, packet_info
from mip6lab.wire.codec import encode_ipv6
from mip6lab.wire.ip import IPv6
from mip6lab.wire.layout import MH_LAYOUT_KEYS, FieldSpan, HeaderLayout, layers_of, render_html

if TYPE_CHECKING:
    from mip6lab.lab import Lab
    from mip6lab.net.capture import CaptureRecord

__all__ = ["CaptureFile", "PacketInspector", "hex_dump_html", "layer_tree_html", "field_at", "write_pcapng", "esp_html"]

MAX_ROWS = 1000
LAYER_SHADES = ("#ffffff", "#f1f5fb")
HIGHLIGHT = "#ffd54f"


def field_at(spans: list[FieldSpan], byte: int) -> int | None:
    """Index of the first field that touches octet ``byte``."""
    for i, s in enumerate(spans):
        if byte in s.byte_range:
            return i
    return None


def hex_dump_html(frame: bytes, layers: list[tuple[HeaderLayout, list[FieldSpan]]], highlight: range | None) -> str:
    """16 octets a row; octets shaded by layer; ``highlight`` octets marked (class ``hl``)."""
    layer_of = [0] * len(frame)
    for li, (_, spans) in enumerate(layers):
        for s in spans:
            for b in s.byte_range:
                if b < len(frame):
                    layer_of[b] = li
    rows = []
    for off in range(0, len(frame), 16):
        cells = []
        for i in range(off, min(off + 16, len(frame))):
            hl = highlight is not None and i in highlight
            bg = HIGHLIGHT if hl else LAYER_SHADES[layer_of[i] % 2]
            cls = "hx hl" if hl else "hx"
            sep = "&nbsp;" if i % 8 == 7 else ""
            cells.append(f'<span class="{cls}" data-i="{i}" style="background:{bg}">{frame[i]:02x}</span> {sep}')
        rows.append(f'<span style="color:#888">{off:04x}</span>&nbsp; ' + "".join(cells))
    return '<div class="mip6lab-hex" style="font:12px monospace;line-height:1.5">' + "<br>".join(rows) + "</div>"


def layer_tree_html(
    layers: list[tuple[HeaderLayout, list[FieldSpan]]], selected: FieldSpan | None = None, css: str = "layers"
) -> str:
    """Every header as a collapsible table: field, value (with unit / name), bits, offset, meaning."""
    out = [f'<div class="mip6lab-{css}" style="font:12px sans-serif">']
    for lay, spans in layers:
        if not spans:
            continue
        first, last = spans[0], spans[-1]
        fig = f" (Figure {lay.figure})" if lay.figure else ""
        label = spans[0].layer if spans[0].layer != lay.title else lay.title
        rows = []
        for s in spans:
            sel = selected is not None and s.start_bit == selected.start_bit and s.name == selected.name
            style = f"background:{HIGHLIGHT}" if sel else ""
            rows.append(
                f'<tr class="{"sel" if sel else ""}" style="{style}"><td><b>{esc(s.name)}</b></td>'
                f'<td style="font-family:monospace">{esc(_short(s.display))}</td>'
                f"<td>{s.bit_width} bit{'s' if s.bit_width != 1 else ''}</td><td>{s.byte_offset}"
                f"{'.' + str(s.bit_offset) if s.bit_offset else ''}</td>"
                f'<td style="color:#555">{esc(s.meaning)}</td></tr>'
            )
        out.append(
            f'<details open><summary style="cursor:pointer"><b>{esc(label)}</b>{esc(fig)} '
            f'<span style="color:#777">octets {first.byte_offset}-{(last.end_bit + 7) // 8 - 1}</span></summary>'
            '<table style="border-collapse:collapse;margin-left:14px" cellpadding="2">'
            '<tr style="color:#777"><th align=left>field</th><th align=left>value</th><th align=left>size</th>'
            "<th align=left>offset</th><th align=left>meaning</th></tr>" + "".join(rows) + "</table></details>"
        )
    out.append("</div>")
    return "".join(out)


def _layer_name(lay: HeaderLayout, spans: list[FieldSpan]) -> str:
    fig = f" (Figure {lay.figure})" if lay.figure else ""
    return (spans[0].layer if spans else lay.title) + fig


def _short(text: str, n: int = 80) -> str:
    return text if len(text) <= n else text[: n - 3] + "..."


MESSAGE_SKIP = frozenset(
    {"ethernet", "payload", "undecoded", "pad1", "padn", "hao", "ip-option", "mopt-pad1", "mopt-padn", "mopt-unknown"}
    | {"sllao", "tllao", "pio", "mtu-option", "adv-interval", "ha-info", "nd-option"}
    | {"bra", "alt-coa", "nonce-indices", "bad"}
)
"""Layouts that are options or framing: the bit layout tab opens on the message instead."""


def message_layer(layers: list[tuple[HeaderLayout, list[FieldSpan]]]) -> int | None:
    """Index of the message a frame carries (the last header that is not an option or framing)."""
    for i in range(len(layers) - 1, -1, -1):
        if layers[i][0].key not in MESSAGE_SKIP:
            return i
    return 0 if layers else None


def decrypted_layers(lab: Lab, record: CaptureRecord) -> list[tuple[HeaderLayout, list[FieldSpan]]] | None:
    """The frame's layers with its ESP opened by the nodes' keys (None: no ESP, or no keys open it)."""
    frame = record.decoded
    if frame is None or not isinstance(frame.payload, IPv6) or not packet_info(lab, record).esp:
        return None
    opened = open_esp(frame.payload, find_spds(lab))
    if opened is None:
        return None
    return layers_of(record.frame[:14] + encode_ipv6(opened.packet))


def bit_layout_html(lay: HeaderLayout, spans: list[FieldSpan]) -> str:
    """One header's bit layout with the packet's values; a Mobility Header message is drawn as the
    white paper draws it: Figure 2's Mobility Header format, then the message's own fields."""
    if lay.key in MH_LAYOUT_KEYS.values() and lay.key != "mh":
        return render_html("mh", spans) + render_html(lay, spans)
    return render_html(lay, spans)


def _padlock(open_: bool) -> str:
    """A padlock drawn as inline SVG: emoji locks (U+1F512/3) are missing from many fonts and show
    as an empty box; an SVG renders everywhere and scales with the text."""
    shackle = "M4 7V4.5a4 4 0 0 1 7.6-1.7" if open_ else "M4 7V5a4 4 0 0 1 8 0v2"
    title = "opened" if open_ else "locked"
    return (
        f'<svg class="mip6lab-lock" role="img" aria-label="{title}" width="12" height="14" viewBox="0 0 16 18" '
        'style="vertical-align:-2px"><path d="' + shackle + '" fill="none" stroke="currentColor" stroke-width="2"/>'
        '<rect x="2" y="7" width="12" height="10" rx="2" fill="currentColor"/></svg>'
    )


LOCK_SVG = _padlock(False)
UNLOCK_SVG = _padlock(True)


def esp_html(lab: Lab, record: CaptureRecord) -> str:
    """The decrypted content of an ESP frame, or why it cannot be shown ("" when no ESP)."""
    info = packet_info(lab, record)
    if not info.esp:
        return ""
    frame = record.decoded
    assert frame is not None and isinstance(frame.payload, IPv6)
    opened = open_esp(frame.payload, find_spds(lab))
    if opened is None:
        return (
            '<div class="mip6lab-esp" style="font:12px sans-serif;color:#8c1c13;margin:4px 0">'
            f"{LOCK_SVG} ESP: encrypted, no keys (no node holds a security association that opens this SPI)</div>"
        )
    clear = record.frame[:14] + encode_ipv6(opened.packet)
    head = (
        f'<div style="font:bold 12px sans-serif;color:#8c1c13;margin-top:6px">{UNLOCK_SVG} ESP opened with SA '
        f"{esc(opened.sa_name)} (SPI 0x{opened.spi:08x}, {esc(opened.mode)} mode, "
        f"encryption {esc(opened.encryption)}): the packet as its receiver processes it</div>"
    )
    return '<div class="mip6lab-esp">' + head + layer_tree_html(layers_of(clear), css="decrypted") + "</div>"


def write_pcapng(path: str, records: list[CaptureRecord]) -> str:
    """``records`` as a pcapng file, one interface per link (as the Lab's own export)."""
    w = PcapngWriter()
    ids: dict[str, int] = {}
    for r in records:
        if r.link not in ids:
            ids[r.link] = w.add_interface(r.link, LINKTYPE_ETHERNET)
        w.add_packet(ids[r.link], r.time, r.frame, "dropped by the link" if r.dropped else None)
    with open(path, "wb") as f:
        f.write(w.getvalue())
    return path


HOW_IT_TRAVELS = {
    "tunnel": "tunnelled (IPv6 in IPv6: outer and inner headers below)",
    "ro": "route optimized",
    "home": "between mobile node and home agent (Home Address option / Type 2 Routing header; not route optimization)",
}


class CaptureFile:
    """A capture file read back (pcapng from :meth:`Lab.save_pcap`, or a pcap): what the inspector needs of
    a Lab - the links, the frames - without the nodes (so without ESP keys)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        from types import SimpleNamespace

        from mip6lab.lab import LabError
        from mip6lab.net.capture import Capture
        from mip6lab.net.pcapng import PcapFormatError, read_pcap, read_pcapng

        p = Path(path)
        try:
            data = p.read_bytes()
        except OSError as e:
            raise LabError(f"cannot read capture file {str(p)!r}: {e.strerror or e}") from None
        try:
            if data[:4] == b"\x0a\x0d\x0d\x0a":  # pcapng Section Header Block
                f = read_pcapng(data)
                names = [i.name or f"if{n}" for n, i in enumerate(f.interfaces)]
                frames = [
                    (names[k.interface_id], k.time(f.interfaces[k.interface_id].tsresol), k.data) for k in f.packets
                ]
                linktypes = {i.linktype for i in f.interfaces}
            else:
                linktype, recs = read_pcap(data)
                names, linktypes = [p.stem], {linktype}
                frames = [(p.stem, t, fr) for t, fr in recs]
        except (PcapFormatError, struct.error, UnicodeDecodeError, IndexError) as e:
            raise LabError(f"{str(p)!r} is not a readable pcapng or pcap capture ({e})") from None
        if linktypes - {LINKTYPE_ETHERNET}:
            raise LabError(f"{str(p)!r} holds link types {sorted(linktypes)}; the inspector reads Ethernet (1) only")
        self.capture = Capture()
        for n in dict.fromkeys(names):
            self.capture.add_link(n)
        for link, t, fr in frames:
            self.capture.record(t, link, "?", (), fr[6:12].hex(":"), fr[0:6].hex(":"), fr)
        self.topology = SimpleNamespace(links={n: None for n in names}, nodes={})

    def security_databases(self) -> list[Any]:
        return []


class PacketInspector:
    """Capture list with filters; layer tree, bit layout and hex dump of the selected frame."""

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> PacketInspector:
        """Inspect a saved capture (``lab.save_pcap(...)``, Wireshark's pcapng or pcap). A missing or
        corrupt file raises :class:`~mip6lab.lab.LabError` with one line."""
        return cls(CaptureFile(path))  # type: ignore[arg-type]

    def __init__(self, lab: Lab, *, export_path: str = "mip6lab-selection.pcapng") -> None:
        self.lab = lab
        self._busy = False
        self._seen: tuple[int, int] = (0, -1)
        self._trace_listeners: list[Callable[[CaptureRecord], None]] = []
        self.layers: list[tuple[HeaderLayout, list[FieldSpan]]] = []
        self.spans: list[FieldSpan] = []
        self.text = W.Text(placeholder="filter: text in the summary, e.g. BU, Echo, HAO", description="Filter")
        self.link = W.Dropdown(description="Link")
        self.node = W.Dropdown(description="Node")
        # Opens on the protocol story: Neighbor Discovery (RS/RA/NS/NA/Redirect) is one click away.
        self.hide_nd = W.Checkbox(value=True, description="hide Neighbor Discovery", indent=False)
        self.list = W.Select(options=[], rows=12, layout=W.Layout(width="100%"))
        self.list.add_class("mip6lab-capture")
        self.count = W.HTML()
        self.title = W.HTML()
        self.title.add_class("mip6lab-packet-title")
        self.field = W.Dropdown(description="Field", layout=W.Layout(width="560px"))
        self.bytes = W.IntRangeSlider(value=(0, 0), min=0, max=1, description="Octets", layout=W.Layout(width="560px"))
        self.tree = W.HTML()
        self.header = W.Dropdown(description="Header", layout=W.Layout(width="560px"))
        self.bitlayout = W.HTML()
        self.clear_layers: list[tuple[HeaderLayout, list[FieldSpan]]] = []
        self.hexdump = W.HTML()
        self.esp = W.HTML()
        self.trace_button = W.Button(description="Trace this packet", tooltip="open it in the algorithm tracer")
        self.export_path = W.Text(value=export_path, description="pcapng")
        self.export_scope = W.ToggleButtons(options=["selected packet", "filtered list"], value="selected packet")
        self.export_button = W.Button(description="Export pcapng", icon="download")
        self.export_result = W.HTML()
        for w in (self.text, self.link, self.node, self.hide_nd):
            w.observe(lambda _: self.refresh(), names="value")
        self.list.observe(self._on_select, names="value")
        self.field.observe(self._on_field, names="value")
        self.bytes.observe(self._on_bytes, names="value")
        self.trace_button.on_click(lambda _: self._trace())
        self.export_button.on_click(lambda _: self.export())
        self.header.observe(self._on_header, names="value")
        detail = W.Tab(children=[W.VBox([self.esp, self.tree]), W.VBox([self.header, self.bitlayout]), self.hexdump])
        for i, t in enumerate(["Layers", "Bit layout", "Hex"]):
            detail.set_title(i, t)
        self.detail = detail
        self.widget = W.VBox(
            [
                W.HTML(STYLE),
                W.HBox([self.text, self.hide_nd]),
                W.HBox([self.link, self.node]),
                self.count,
                self.list,
                self.title,
                W.HBox([self.field, self.trace_button]),
                self.bytes,
                detail,
                W.HBox([self.export_path, self.export_scope, self.export_button]),
                self.export_result,
            ]
        )
        self.widget.add_class("mip6lab-inspector")
        self._set_filter_options()
        self.refresh()
        self._open_on_signalling()

    def _open_on_signalling(self) -> None:
        """Select the first mobility signalling message (a reader opens the list on the story)."""
        if self.list.value is None:
            shown = {index for _, index in self.list.options}  # only the rows the list holds (the last MAX_ROWS)
            first = next(
                (r for r in self.matching() if r.index in shown and packet_info(self.lab, r).category == "signalling"),
                None,
            )
            if first is not None:
                self.list.value = first.index

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def on_trace(self, callback: Callable[[CaptureRecord], None]) -> None:
        """``callback(record)`` when the reader asks to trace the selected packet."""
        self._trace_listeners.append(callback)

    def set_lab(self, lab: Lab) -> None:
        self.lab = lab
        self._set_filter_options()
        self.refresh()
        self._open_on_signalling()

    def _set_filter_options(self) -> None:
        """Fill the Link and Node filters; each shows a value ("(all links)") rather than a blank: an
        ipywidgets Dropdown given new options selects nothing unless told."""
        self._busy = True
        try:
            for dd, every, names in (
                (self.link, "(all links)", list(self.lab.topology.links)),
                (self.node, "(all nodes)", list(self.lab.topology.nodes)),
            ):
                keep = dd.value
                dd.options = [(every, "")] + [(n, n) for n in names]
                dd.value = keep if keep in names else ""
        finally:
            self._busy = False

    # ------------------------------------------------------------------ list
    def matching(self) -> list[CaptureRecord]:
        """Records passing the filters (text matches name or summary, case-insensitive)."""
        text = self.text.value.strip().lower()
        link, node = self.link.value or None, self.node.value or None
        out = []
        for r in self.lab.capture.filter(link=link, node=node):
            info = packet_info(self.lab, r)
            if self.hide_nd.value and info.category == "nd":
                continue
            if text and text not in info.summary.lower() and text not in info.name.lower():
                continue
            out.append(r)
        return out

    def _row(self, r: CaptureRecord) -> str:
        info = packet_info(self.lab, r)
        to = ",".join(r.receivers) or ("LOST" if r.dropped else "-")
        return f"{r.index:5d} {r.time:9.4f} {r.link:<9} {r.sender:>5} -> {to:<8} {info.summary}"

    def refresh(self, force: bool = True) -> None:
        """Re-read the capture; ``force=False`` skips the work when nothing new was captured."""
        seen = (id(self.lab), len(self.lab.capture))
        if self._busy or (not force and seen == self._seen):
            return
        self._seen = seen
        self._busy = True
        try:
            recs = self.matching()
            shown = recs[-MAX_ROWS:]
            keep = self.list.value
            self.list.options = [(self._row(r), r.index) for r in shown]
            more = f" (the last {len(shown)} shown)" if len(shown) < len(recs) else ""
            gone = self.lab.capture.first_kept
            if gone:
                more += f"; {gone} older frames left the ring buffer"
            self.count.value = (
                f'<span style="font:12px sans-serif">{len(recs)} of {len(self.lab.capture)} frames{more}</span>'
            )
            self.list.value = keep if keep is not None and any(r.index == keep for r in shown) else None
        finally:
            self._busy = False
        self._show(self.list.value)

    def select_record(self, index: int) -> None:
        """Show capture record ``index`` (clears filters that would hide it)."""
        if self.lab.capture.get(index) is None:
            self._show(index)  # says why there is nothing to show
            return
        if index not in dict((v, k) for k, v in self.list.options):
            self._busy = True
            try:
                self.text.value, self.link.value, self.node.value, self.hide_nd.value = "", "", "", False
            finally:
                self._busy = False
            self.refresh()
        self.list.value = index

    @property
    def record(self) -> CaptureRecord | None:
        v = self.list.value
        return self.lab.capture.get(v)

    def _missing(self, index: int | None) -> str:
        cap = self.lab.capture
        if index is None:
            return "select a frame"
        if 0 <= index < cap.first_kept:
            return (
                f"frame #{index} has left the ring buffer: frames #{cap.first_kept}-#{len(cap) - 1} are kept, "
                f"{cap.first_kept} older ones were dropped (Lab.bound_memory)"
            )
        return f"no frame #{index} (the capture has {len(cap)})"

    # ------------------------------------------------------------------ selection
    def _on_select(self, change: dict[str, Any]) -> None:
        if not self._busy:
            self._show(change["new"])

    def _show(self, index: int | None) -> None:
        self._busy = True
        try:
            r = self.lab.capture.get(index)
            if r is None:
                self.layers, self.spans = [], []
                self.title.value = f'<i style="font:12px sans-serif">{esc(self._missing(index))}</i>'
                self.field.options = []
                self.header.options = []
                self.clear_layers = []
                self.tree.value = self.bitlayout.value = self.hexdump.value = self.esp.value = ""
                return
            info = packet_info(self.lab, r)
            self.layers = layers_of(r.frame)
            self.spans = [s for _, spans in self.layers for s in spans]
            how = HOW_IT_TRAVELS.get(info.kind, "plain IPv6")
            to = ",".join(r.receivers) or ("lost" if r.dropped else "no receiver")
            self.title.value = (
                f'<div style="font:13px sans-serif"><b>#{r.index} {esc(info.name)}</b> &mdash; {esc(info.summary)}<br>'
                f"t = {r.time:.6f} s on <b>{esc(r.link)}</b>, {esc(r.sender)} &rarr; {esc(to)}; {len(r.frame)} octets; "
                f"{how}{'; ESP-protected' if info.esp else ''}"
                f"{' (<b>dropped: ' + esc(r.drop_reason) + '</b>)' if r.dropped else ''}</div>"
            )
            self.esp.value = esp_html(self.lab, r)
            self.clear_layers = decrypted_layers(self.lab, r) or []
            choices = [
                (f"{spans[0].layer if spans else lay.title}", ("wire", i)) for i, (lay, spans) in enumerate(self.layers)
            ]
            choices += [
                (f"decrypted: {spans[0].layer if spans else lay.title}", ("clear", i))
                for i, (lay, spans) in enumerate(self.clear_layers)
            ]
            self.header.options = choices
            self.header.value = self._default_header()
            self.field.options = [
                (f"{s.layer}: {s.name} = {_short(s.display, 50)}", i) for i, s in enumerate(self.spans)
            ]
            self.bytes.max = max(len(r.frame) - 1, 1)
            self.field.value = None
        finally:
            self._busy = False
        self._select_field(None)

    def _on_field(self, change: dict[str, Any]) -> None:
        if not self._busy:
            self._select_field(change["new"])

    def _on_bytes(self, change: dict[str, Any]) -> None:
        if self._busy or not self.spans:
            return
        lo, _ = change["new"]
        i = field_at(self.spans, lo)
        self._busy = True
        try:
            self.field.value = i
        finally:
            self._busy = False
        self._select_field(i, keep_range=True)

    def select_field(self, index: int | None) -> None:
        """Select field ``index`` of the frame (as choosing it in the dropdown does)."""
        self.field.value = index

    def select_bytes(self, lo: int, hi: int | None = None) -> None:
        """Select octets ``lo..hi`` (as marking them in the hex dump would): selects the field there."""
        self.bytes.value = (lo, lo if hi is None else hi)

    @property
    def selected_field(self) -> FieldSpan | None:
        v = self.field.value
        return self.spans[v] if v is not None and v < len(self.spans) else None

    @property
    def highlighted(self) -> list[int]:
        """Octet offsets currently highlighted in the hex dump."""
        s = self.selected_field
        return list(s.byte_range) if s else []

    def _select_field(self, i: int | None, keep_range: bool = False) -> None:
        r = self.record
        if r is None:
            return
        s = self.spans[i] if i is not None and i < len(self.spans) else None
        hl = s.byte_range if s else None
        self.hexdump.value = hex_dump_html(r.frame, self.layers, hl)
        self.tree.value = layer_tree_html(self.layers, s)
        if s is not None:  # the chosen field's header
            where = next((("wire", k) for k, (_, sp) in enumerate(self.layers) if any(x is s for x in sp)), None)
        else:
            where = self._default_header()
        self._busy = True
        try:
            self.header.value = where
        finally:
            self._busy = False
        self._draw_layout(where)
        if s is not None and not keep_range:
            self._busy = True
            try:
                self.bytes.value = (s.byte_range.start, max(s.byte_range.stop - 1, s.byte_range.start))
            finally:
                self._busy = False

    def _default_header(self) -> tuple[str, int] | None:
        """The message the frame carries - decrypted when the nodes' keys open its ESP (a protected
        BU shows the Mobility Header, Figure 2; the ESP header stays one choice away)."""
        if self.clear_layers:
            i = message_layer(self.clear_layers)
            if i is not None:
                return ("clear", i)
        i = message_layer(self.layers)
        return ("wire", i) if i is not None else None

    def _on_header(self, change: dict[str, Any]) -> None:
        if not self._busy:
            self._draw_layout(change["new"])

    def _draw_layout(self, where: tuple[str, int] | None) -> None:
        if where is None:
            self.bitlayout.value = ""
            return
        source, i = where
        layers = self.clear_layers if source == "clear" else self.layers
        if i >= len(layers):
            self.bitlayout.value = ""
            return
        lay, spans = layers[i]
        self.bitlayout.value = bit_layout_html(lay, spans)

    # ------------------------------------------------------------------ actions
    def _trace(self) -> None:
        r = self.record
        if r is not None:
            for cb in self._trace_listeners:
                cb(r)

    def export(self) -> str | None:
        """Write the selected packet (or the filtered list) as pcapng to the path in the text box."""
        recs = self.matching() if self.export_scope.value == "filtered list" else ([self.record] if self.record else [])
        if not recs:
            self.export_result.value = '<span style="color:#b00">nothing selected to export</span>'
            return None
        path = self.export_path.value.strip() or "mip6lab-selection.pcapng"
        try:
            write_pcapng(path, [r for r in recs if r is not None])
        except OSError as e:
            self.export_result.value = f'<span style="color:#b00">cannot write {esc(path)}: {esc(e)}</span>'
            return None
        shown = esc(os.path.basename(path))
        self.export_result.value = (
            f'<span style="font:12px sans-serif">wrote {len(recs)} frame{"s" if len(recs) != 1 else ""} to '
            f'<a href="{esc(path)}" download="{shown}">{esc(os.path.abspath(path))}</a> (open it in Wireshark)</span>'
        )
        return path
