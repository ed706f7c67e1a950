"""The workbook's packet-structure and sequence-window pictures read real captures correctly."""

from __future__ import annotations

from ipaddress import IPv6Address

import pytest

from mip6lab import Lab
from mip6lab.mobility.seqno import seq_gt
from mip6lab.wire.summary import summary
from mip6lab.workbook.structures import (
    address_roles,
    find_messages,
    header_stack,
    packet_figure,
    packet_of,
    seq_window_figure,
)


@pytest.fixture(scope="module")
def first_foreign() -> Lab:
    lab = Lab("first-foreign-link", seed=0)
    lab.run()
    return lab


@pytest.fixture(scope="module")
def tunnelled() -> Lab:
    lab = Lab("tunneled-data", seed=0)
    lab.run(9)
    return lab


def test_roles_name_home_careof_and_home_agent_addresses(first_foreign: Lab) -> None:
    roles = address_roles(first_foreign)
    mn = first_foreign.role("mn")
    assert roles[mn.home_address] == "HoA"
    assert roles[mn.care_of_address] == "CoA"
    assert roles[IPv6Address("2001:db8:1::1")] == "HAA"
    assert roles[first_foreign.address_of("cn")] == "CNA"


def test_home_binding_update_stack_is_figure_20(first_foreign: Lab) -> None:
    bu = find_messages(first_foreign, "BU", origin="mn")[0]
    stack = header_stack(first_foreign, packet_of(bu))
    titles = [h.title for h in stack]
    assert titles == ["IPv6 header", "Destination Options header", "ESP header (transport mode)", "Mobility header"]
    assert stack[0].lines[0].startswith("Source Address is CoA")
    assert stack[0].lines[1].startswith("Destination Address is HAA")
    assert stack[1].lines[0].startswith("Home Address option: HoA")
    assert "H=1" in stack[3].lines[1] and "A=1" in stack[3].lines[1]


def test_binding_ack_stack_has_type2_routing_header(first_foreign: Lab) -> None:
    ba = find_messages(first_foreign, "BA", origin="ha")[0]
    titles = [h.title for h in header_stack(first_foreign, packet_of(ba))]
    assert titles[:2] == ["IPv6 header", "Type 2 Routing header"]
    assert titles[-1] == "Mobility header"


def test_tunnelled_packet_has_outer_and_inner_headers(tunnelled: Lab) -> None:
    m = find_messages(tunnelled, "TCP", origin="ha", kind="tunnel")[0]
    stack = header_stack(tunnelled, packet_of(m))
    assert [h.title for h in stack] == ["IPv6 header (outer)", "IPv6 header (inner)", "Upper layer PDU"]
    assert stack[0].lines == (
        f"Source Address is HAA ({IPv6Address('2001:db8:1::1')})",
        f"Destination Address is CoA ({tunnelled.role('mn').care_of_address})",
    )
    assert stack[1].lines[1].startswith("Destination Address is HoA")


def test_esp_tunnel_mode_hoti_is_opened(tunnelled: Lab) -> None:
    hoti = find_messages(tunnelled, "HoTI", origin="mn")[0]
    titles = [h.title for h in header_stack(tunnelled, packet_of(hoti))]
    assert titles == ["IPv6 header (outer)", "ESP header (tunnel mode)", "IPv6 header (inner)", "Mobility header"]


def test_find_messages_filters(tunnelled: Lab) -> None:
    found = find_messages(tunnelled, origin="mn", kind="tunnel")
    assert found and all(m.info.kind == "tunnel" and m.origin == "mn" for m in found)
    assert find_messages(tunnelled, "BU", test=lambda m: False) == []


def test_figures_draw(first_foreign: Lab) -> None:
    fig = packet_figure(first_foreign, find_messages(first_foreign, "BU")[0], title="Figure 20")
    assert len(fig.axes) == 2
    calls: list[tuple[int, int]] = []

    def spy(a: int, b: int) -> bool:
        calls.append((a, b))
        return seq_gt(a, b)

    seq_window_figure(65530, spy)
    assert calls and all(b == 65530 for _, b in calls)


def test_table_renders_rows_in_text_and_html(first_foreign: Lab) -> None:
    from mip6lab.workbook.structures import table

    rows = first_foreign.state("ha")["mobility"]["binding_cache"]
    t = table(rows, ["home_address", "care_of_address"])
    text = repr(t).splitlines()
    assert text[0].split() == ["home_address", "care_of_address"]
    assert text[1].split() == [rows[0]["home_address"], rows[0]["care_of_address"]]
    assert "<table" in t._repr_html_() and rows[0]["care_of_address"] in t._repr_html_()
    assert repr(table([])) == "(empty)"


def test_inner_payload_opens_esp_and_tunnels(tunnelled: Lab) -> None:
    from mip6lab.wire.mh import BindingUpdate, HomeTestInit
    from mip6lab.wire.transport import TCP
    from mip6lab.workbook.structures import inner_payload

    assert isinstance(inner_payload(tunnelled, find_messages(tunnelled, "BU")[0]).message, BindingUpdate)
    assert isinstance(inner_payload(tunnelled, find_messages(tunnelled, "HoTI", origin="mn")[0]).message, HomeTestInit)
    assert isinstance(inner_payload(tunnelled, find_messages(tunnelled, "TCP", kind="tunnel")[0]), TCP)


def test_bit_layouts_open_esp_and_lay_out_the_mobility_header_inside(first_foreign: Lab) -> None:
    from mip6lab.workbook.structures import bit_layouts

    bu = find_messages(first_foreign, "BU", origin="mn")[0]  # the home registration, under ESP
    html = bit_layouts(first_foreign, bu.first).data
    assert "opened with the lab's keys" in html
    assert f"#{bu.first.index} at " in html
    assert ">Binding Update</caption>" in html  # the message inside ESP, not the ESP header


def test_bit_layouts_of_a_packet_without_esp_have_no_esp_note(first_foreign: Lab) -> None:
    from mip6lab.workbook.structures import bit_layouts

    ra = next(r for r in first_foreign.capture if summary(r.decoded).startswith("RA"))
    html = bit_layouts(first_foreign, ra).data
    assert "opened with the lab's keys" not in html
    assert ">IPv6</caption>" in html


@pytest.mark.parametrize(
    ("scenario", "name", "origin"),
    [("first-foreign-link", "BU", "mn"), ("ha-discovery", "BU", "mn"), ("cn-binding-maintenance", "BRR", None)],
)
def test_packet_figure_labels_clear_of_each_other_nodes_and_lines(scenario: str, name: str, origin: str | None) -> None:
    """The reviewers' cases: a link label under the away mobile node, a hop label on it, lines through
    node labels, BRR on "Correspondent node", the two home agents' labels on each other. Measured in
    the rendered picture: no two texts overlap, and no text covers a node marker or a drawn line."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch

    from mip6lab.workbook.structures import packet_topology

    lab = Lab(scenario, seed=0)
    lab.run()
    d = packet_topology(lab, find_messages(lab, name, origin=origin)[0])
    d.png()
    r = d.fig.canvas.get_renderer()
    texts = [t for t in d.ax.texts if t.get_text() and t is not d.title]
    assert name in [t.get_text() for t in texts]  # the hop label is drawn
    boxes = {t.get_text(): t.get_window_extent(r) for t in texts}
    assert len(boxes) == len(texts)
    for i, (a, ba) in enumerate(boxes.items()):
        for b, bb in list(boxes.items())[i + 1 :]:
            assert not ba.overlaps(bb), f"{a!r} overlaps {b!r}"
    half = 13 * d.fig.dpi / 72 / 2
    for node, (marker, _) in d.node_art.items():
        x, y = d.ax.transData.transform((marker.get_xdata()[0], marker.get_ydata()[0]))
        for t, b in boxes.items():
            assert not (b.x0 < x + half and b.x1 > x - half and b.y0 < y + half and b.y1 > y - half), f"{t!r} on {node}"
    segs = []
    for art in [*d.ax.lines, *d.path_art]:
        if isinstance(art, Line2D) and len(art.get_xdata()) == 2:
            segs.append(d.ax.transData.transform(list(zip(art.get_xdata(), art.get_ydata()))))
        elif isinstance(art, FancyArrowPatch):
            segs.append(d.ax.transData.transform(art._posA_posB))
    assert len(segs) > 5
    for (x0, y0), (x1, y1) in segs:
        for k in range(41):  # points along the line, 1 px inside each text's box
            px, py = x0 + (x1 - x0) * k / 40, y0 + (y1 - y0) * k / 40
            for t, b in boxes.items():
                assert not (b.x0 + 1 < px < b.x1 - 1 and b.y0 + 1 < py < b.y1 - 1), f"a line runs through {t!r}"
