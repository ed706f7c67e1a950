"""Small rendering helpers shared by the widgets: HTML tables of plain data, figures to PNG."""

from __future__ import annotations

import html
import io
from collections.abc import Iterable, Mapping
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

TABLE_STYLE = "border-collapse:collapse;font:12px monospace;margin:2px 0 6px 0"
CELL = "border:1px solid #ccc;padding:1px 5px;text-align:left;vertical-align:top"

ROLE_COLOURS = {
    "mobile-node": "#d62728",
    "home-agent": "#ff7f0e",
    "correspondent": "#2ca02c",
    "router": "#7f7f7f",
    "host": "#1f77b4",
}
KIND_STYLE = {
    # how a packet travels -> (colour, line style) used by the network view and the sequence chart
    "plain": ("#1f77b4", "solid"),
    "home": ("#9467bd", "solid"),  # mobile node <-> home agent (home registration, MPS/MPA): not RO
    "tunnel": ("#ff7f0e", "dashed"),
    "ro": ("#2ca02c", "solid"),
}


def new_figure(width: float, height: float, dpi: int = 80) -> Figure:
    """A figure outside pyplot: no global state, never auto-displayed by the inline backend."""
    fig = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def figure_png(fig: Figure, dpi: int | None = None) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def save_figure(fig: Figure, path: str, dpi: int | None = None) -> str:
    """Write ``fig`` to ``path``; the suffix picks the format (.png, .svg, .pdf)."""
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    return path


def esc(v: Any) -> str:
    return html.escape(str(v))


def humanize(key: str) -> str:
    """``binding_cache`` -> ``Binding cache``; short upper-case words stay (BUL, HA)."""
    k = key.replace("_", " ").replace("-", " ").strip()
    return k if k.isupper() else k[:1].upper() + k[1:]


def _scalar(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3f}".rstrip("0").rstrip(".") if v == v else "nan"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if v is None:
        return "-"
    if isinstance(v, (bytes, bytearray)):
        return v.hex()
    if isinstance(v, (list, tuple)) and all(not isinstance(x, (dict, list, tuple)) for x in v):
        return ", ".join(_scalar(x) for x in v) or "-"
    return str(v)


def rows_table(rows: Iterable[Mapping[str, Any]], columns: list[str] | None = None, css: str = "") -> str:
    """A list of dicts as an HTML table (columns: union of keys in first-seen order)."""
    rows = list(rows)
    if not rows:
        return '<div style="color:#777;font:12px monospace">(empty)</div>'
    if columns is None:
        columns = []
        for r in rows:
            for k in r:
                if k not in columns:
                    columns.append(k)
    head = "".join(f'<th style="{CELL};background:#f3f3f3">{esc(humanize(c))}</th>' for c in columns)
    body = "".join(
        "<tr>" + "".join(f'<td style="{CELL}">{esc(_scalar(r.get(c)))}</td>' for c in columns) + "</tr>" for r in rows
    )
    return f'<table class="{css}" style="{TABLE_STYLE}"><tr>{head}</tr>{body}</table>'


def kv_table(d: Mapping[str, Any], css: str = "") -> str:
    body = "".join(
        f'<tr><th style="{CELL};background:#f3f3f3">{esc(humanize(k))}</th>'
        f'<td style="{CELL}">{esc(_scalar(v))}</td></tr>'
        for k, v in d.items()
    )
    return f'<table class="{css}" style="{TABLE_STYLE}">{body}</table>'


def render_data(value: Any, title: str = "", level: int = 0) -> str:
    """Any plain data (what ``role.snapshot()`` returns) as nested HTML: lists of dicts become
    tables, dicts of scalars key/value tables, nested dicts sections. Makes no assumption about
    which keys a mobility role reports."""
    head = f'<div style="font-weight:bold;margin-top:4px">{esc(humanize(title))}</div>' if title else ""
    if isinstance(value, Mapping):
        scalars = {k: v for k, v in value.items() if not _nested(v)}
        nested = {k: v for k, v in value.items() if _nested(v)}
        parts = [head]
        if scalars:
            parts.append(kv_table(scalars))
        for k, v in nested.items():
            parts.append(render_data(v, str(k), level + 1))
        return "".join(parts)
    if isinstance(value, (list, tuple)):
        if not value:
            return head + rows_table([])
        if all(isinstance(x, Mapping) for x in value):
            return head + rows_table(value)  # type: ignore[arg-type]
        return head + rows_table([{"value": x} for x in value])
    return head + f'<div style="font:12px monospace">{esc(_scalar(value))}</div>'


def _nested(v: Any) -> bool:
    if isinstance(v, Mapping):
        return True
    return isinstance(v, (list, tuple)) and any(isinstance(x, (Mapping, list, tuple)) for x in v)


def section(title: str, body: str, open_: bool = True, css: str = "") -> str:
    return (
        f'<details class="{css}"{" open" if open_ else ""}><summary style="font-weight:bold;cursor:pointer">'
        f"{esc(title)}</summary>{body}</details>"
    )


STYLE = (
    "<style>.mip6lab-capture select, .mip6lab-messages select { font-family: monospace; font-size: 12px; "
    "white-space: pre; }</style>"
)
"""Page CSS the list widgets need (monospace columns); an HTML widget carries it."""
