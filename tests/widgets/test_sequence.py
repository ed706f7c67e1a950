"""SequenceChart / sequence_figure: lanes, filters, marks for tunnels and ESP, selection, images."""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch
from widget_samples import esp_bu, inject, tunnel_packet

from mip6lab.lab import Lab
from mip6lab.widgets.model import messages
from mip6lab.widgets.sequence import SequenceChart, filter_messages, sequence_figure


def _names(chart: SequenceChart) -> list[str]:
    return [m.name for m in chart.filtered]


def test_static_figure(lab: Lab, tmp_path: Path) -> None:
    fig = sequence_figure(lab, kinds="data")
    assert isinstance(fig, Figure)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "mn\nMobile node" in texts and "cn\nCorrespondent node" in texts
    assert texts.count("Echo Request") == 3 and texts.count("Echo Reply") == 3
    for suffix in ("png", "svg"):
        p = tmp_path / f"chart.{suffix}"
        fig.savefig(p)
        assert p.stat().st_size > 1000


def test_filters(lab: Lab) -> None:
    c = SequenceChart(lab)
    assert _names(c) == ["Echo Request", "Echo Reply"] * 3  # ND hidden by default, no signalling here
    c.kinds.value = "signalling"
    assert _names(c) == []
    c.show_nd.value = True
    assert set(_names(c)) == {"RS", "RA", "NS", "NA"}
    c.kinds.value = "data"
    assert set(_names(c)) == {"Echo Request", "Echo Reply"}
    c.kinds.value = "all"
    c.node.value = "hn"
    assert _names(c) and all(m.involves("hn") for m in c.filtered)
    assert "Echo Request" not in _names(c)
    c.node.value = ""
    n_collapsed = len(c.filtered)
    c.collapse.value = False
    assert len(c.filtered) > n_collapsed
    c.show_nd.value = False
    assert len(c.filtered) == 4 * 6  # four hops per echo


def test_window_of_rows(lab: Lab) -> None:
    c = SequenceChart(lab, show_nd=True, limit=10)
    assert len(c.list.options) == 10 and len(c.filtered) > 10
    c.start.value = 5
    assert c.list.options[0][1] == c.filtered[5].index


def test_tunnel_and_esp_marks(lab: Lab, tmp_path: Path) -> None:
    inject(lab, "home", "ha", "mn", tunnel_packet())
    pkt, _, _ = esp_bu()
    inject(lab, "home", "mn", "ha", pkt)
    lab.run_for(0.05)
    msgs = filter_messages(messages(lab), kinds="all")
    tun = next(m for m in msgs if m.info.kind == "tunnel")
    esp = next(m for m in msgs if m.info.esp)
    assert "[tunnel]" in tun.label() and "[ESP]" in esp.label()
    fig = sequence_figure(lab, msgs=msgs, start=msgs.index(tun), limit=msgs.index(esp) - msgs.index(tun) + 1)
    ax = fig.axes[0]
    arrows = [t.arrow_patch for t in ax.texts if getattr(t, "arrow_patch", None) is not None]
    assert all(isinstance(a, FancyArrowPatch) for a in arrows)
    styles = [a.get_linestyle() for a in arrows]
    assert styles == ["dashed", "solid"]  # the tunnel dashed, the ESP-protected BU solid
    assert "ESP" in [t.get_text() for t in ax.texts]
    c = SequenceChart(lab)
    assert c.to_image(str(tmp_path / "seq.svg")).endswith("seq.svg")
    assert (tmp_path / "seq.svg").read_text().startswith("<?xml")


def test_selecting_a_message_calls_back_with_its_first_frame(lab: Lab) -> None:
    c = SequenceChart(lab)
    got = []
    c.on_select(got.append)
    picture = c.image.value
    target = c.filtered[1]
    c.list.value = target.index
    assert got == [target.first] and got[0].sender == "cn"
    assert c.selected_message() is target
    assert c.image.value != picture  # the selected row is highlighted


def test_home_registration_is_drawn_in_its_own_colour_not_route_optimized() -> None:
    from matplotlib.colors import to_hex

    from mip6lab.widgets._util import KIND_STYLE

    lab = Lab("first-foreign-link")
    lab.run()
    fig = sequence_figure(lab, kinds="signalling")
    ax = fig.axes[0]
    labels = {t.get_text(): to_hex(t.get_color()) for t in ax.texts if t.get_text() in ("BU", "BA")}
    assert labels == {"BU": KIND_STYLE["home"][0], "BA": KIND_STYLE["home"][0]}
    assert KIND_STYLE["home"][0] != KIND_STYLE["ro"][0]
    arrows = [a for a in ax.texts if a.get_text() == "" and getattr(a, "arrow_patch", None) is not None]
    colours = {to_hex(a.arrow_patch.get_edgecolor()) for a in arrows}
    assert KIND_STYLE["ro"][0] not in colours  # nothing in this run is route optimized
    assert all("[RO]" not in m.label() for m in messages(lab) if m.name in ("BU", "BA"))
