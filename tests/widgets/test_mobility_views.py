"""The views on a lab with the real Mobile IPv6 roles: decrypted ESP signalling, tunnels, route
optimization, the roles' own state tables, and the tracer following a tunnelled packet."""

from __future__ import annotations

import pytest

pytest.importorskip("mip6lab.mobility.home_agent")

from mip6lab.lab import Lab  # noqa: E402
from mip6lab.scenarios import Scenario  # noqa: E402
from mip6lab.topology import figure1  # noqa: E402
from mip6lab.widgets import Dashboard  # noqa: E402
from mip6lab.widgets.model import find_spds, messages  # noqa: E402


@pytest.fixture(scope="module")
def mlab() -> Lab:
    def setup(lab: Lab) -> None:
        lab.at(3.0, lambda: lab.move("mn", "foreign1"))
        lab.at(8.0, lambda: lab.ping("cn", "mn", count=3))

    lab = Lab(Scenario("widgets-mip6", "", setup, duration=12.0, mobility=True), esp="aes", topology=figure1())
    lab.run()
    return lab


def test_messages_read_like_the_white_paper(mlab: Lab) -> None:
    assert len(find_spds(mlab)) >= 2  # the mobile node's and the home agent's databases
    seq = [(m.origin, m.receivers, m.name, m.info.kind, m.info.esp) for m in messages(mlab) if m.info.category != "nd"]
    # Figure 28: BU with HAO, AES-encrypted, opened; a home registration, not route optimization
    assert ("mn", ("ha",), "BU", "home", True) in seq
    assert ("ha", ("mn",), "BA", "home", True) in seq
    home = [m for m in messages(mlab) if m.name in ("BU", "BA") and m.origin in ("mn", "ha") and m.involves("ha")]
    assert home and all("[RO]" not in m.label() and m.info.kind == "home" for m in home)
    assert ("ha", ("mn",), "Echo Request", "tunnel", False) in seq  # Figure 15
    assert ("mn", ("ha",), "HoTI", "tunnel", True) in seq  # Figure 13, ESP tunnel mode
    assert ("mn", ("cn",), "CoTI", "plain", False) in seq
    assert ("cn", ("mn",), "Echo Request", "ro", False) in seq  # Figure 19, after the correspondent BU


def test_dashboard_views_of_mobility(mlab: Lab) -> None:
    d = Dashboard(mlab)
    tables = d.network.tables.value
    assert "Binding update list" in tables and "Binding cache" in tables and "away from home" in tables
    bu = next(m for m in messages(mlab) if m.name == "BU" and m.info.esp)
    d.inspector.select_record(bu.first.index)
    assert "ESP opened with SA" in d.inspector.esp.value and "aes-cbc" in d.inspector.esp.value
    assert "Binding Update" in d.inspector.esp.value
    tunnelled = next(m for m in messages(mlab) if m.name == "Echo Request" and m.info.kind == "tunnel")
    d.tracer.select_record(tunnelled.last.index)
    (at_mn,) = [r for r in d.tracer.runs if r.node == "mn"]
    d.tracer.select_run(at_mn.id)
    assert d.tracer.highlighted == [1] and not d.tracer.next_button.disabled  # opens on the first step
    d.tracer.last_button.click()
    assert d.tracer.highlighted[:5] == [1, 2, 3, 4, 5] and 7 in d.tracer.highlighted
    assert 'class="box visited" data-step="7"' in d.tracer.chart.value  # strip the outer header
    assert d.network.move("foreign2") and d.network.last_latency < 0.5
