"""Dashboard: one call, four views on one Lab, wired together."""

from __future__ import annotations

import mip6lab.widgets as widgets
from mip6lab.widgets.dashboard import TAB_ALGORITHMS, TAB_PACKETS
from mip6lab.widgets.model import packet_info


def test_dashboard_in_one_call_and_wiring() -> None:
    d = widgets.dashboard("ping")
    assert d.lab.now == 10.0
    assert d.tabs.children == (d.network.widget, d.sequence.widget, d.inspector.widget, d.tracer.widget)
    bundle = d._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    # sequence chart -> inspector
    msg = d.sequence.filtered[0]
    d.sequence.select(msg.index)
    assert d.inspector.record is msg.first and d.tabs.selected_index == TAB_PACKETS
    # inspector -> tracer
    d.inspector.trace_button.click()
    assert d.tabs.selected_index == TAB_ALGORITHMS and d.tracer.packet.value == msg.first.index
    assert d.tracer.run is not None and d.tracer.run.node == "mn"
    # network actions refresh the others
    n = len(d.lab.capture)
    d.network.move("foreign1")
    d.network.run10_button.click()
    assert len(d.lab.capture) > n
    shown = [i for _, i in d.inspector.list.options]
    assert shown == [r.index for r in d.lab.capture if packet_info(d.lab, r).category != "nd"]  # ND hidden
    d.inspector.hide_nd.value = False
    assert len(d.inspector.list.options) == len(d.lab.capture)
    # reset hands the new lab to every view
    old = d.lab
    d.network.reset_button.click()
    assert d.lab is not old and d.lab.now == 0.0
    assert d.sequence.lab is d.inspector.lab is d.tracer.lab is d.network.lab is d.lab
    assert d.inspector.list.options == ()


def test_dashboard_not_run() -> None:
    d = widgets.dashboard("tcp-transfer", run=False)
    assert d.lab.now == 0.0 and d.sequence.filtered == []
    d2 = widgets.dashboard("ping", run=6.0)
    assert d2.lab.now == 6.0


def test_scenario_picker_offers_every_scenario_with_its_figures() -> None:
    from mip6lab.scenarios import SCENARIOS

    d = widgets.dashboard("ping")
    values = [v for _, v in d.scenario.options]
    assert values == list(SCENARIOS) and d.scenario.value == "ping"
    for label, name in d.scenario.options:
        figs = sorted(SCENARIOS[name].figures)
        assert label.startswith(name) and ", ".join(map(str, figs)) in label, label
    assert "Figure 1" in d.about.value
    d.scenario.value = "ha-discovery"  # choosing is enough: built, run to its end, shown everywhere
    assert d.lab.scenario.name == "ha-discovery" and d.lab.now == SCENARIOS["ha-discovery"].duration
    assert d.network.lab is d.sequence.lab is d.inspector.lab is d.tracer.lab is d.lab
    assert "Figures 24, 25" in d.about.value
    names = {m.name for m in d.sequence.filtered}
    assert {"HAAD Request", "HAAD Reply"} <= names  # Figures 24 and 25 are there to look at
    d.network.reset_button.click()
    assert d.lab.scenario.name == "ha-discovery" and d.scenario.value == "ha-discovery"
