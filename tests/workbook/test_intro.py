"""mip6lab.workbook.intro: the helpers chapters 0-3 stand on."""

from __future__ import annotations

from ipaddress import IPv6Address

import pytest
from scapy.layers.inet6 import HAO, MIP6MH_BU, ICMPv6HAADRequest, IPv6, IPv6ExtHdrDestOpt

from mip6lab.lab import Lab, LabError
from mip6lab.wire.codec import ha_anycast
from mip6lab.wire.summary import name
from mip6lab.workbook.intro import (
    CHAPTERS,
    FIGURES,
    chapter_map_html,
    chapter_of_figure,
    components_figure,
    header_figure,
    header_spans,
    interface_id,
    send,
)


@pytest.fixture(scope="module")
def away() -> Lab:
    lab = Lab("first-foreign-link", esp="off")
    lab.run()
    return lab


def test_interface_id_is_modified_eui64() -> None:
    assert interface_id("02:00:00:00:03:01") == "0:ff:fe00:301"
    assert interface_id("00:1b:63:84:45:e6") == "21b:63ff:fe84:45e6"  # U/L bit set by the inversion
    with pytest.raises(ValueError):
        interface_id("02:00:00:00:03")


def test_interface_id_matches_the_lab(away: Lab) -> None:
    mac = away.node("mn").interfaces["eth0"].mac
    assert IPv6Address("fe80::" + interface_id(mac)) in [
        IPv6Address(a["address"]) for a in away.state("mn")["addresses"]
    ]


def test_chapter_map() -> None:
    assert chapter_of_figure(13).notebook == "07-return-routability.ipynb"
    with pytest.raises(KeyError):
        chapter_of_figure(37)
    html = chapter_map_html()
    assert html.count("<tr>") == len(CHAPTERS) + 1 and FIGURES[35] in html


def test_send_puts_a_scapy_packet_on_the_link_and_collects_the_answer(away: Lab) -> None:
    st = away.state("mn")["mobility"]
    coa = st["care_of_address"]
    sent = send(away, "mn", IPv6(src=coa, dst=str(ha_anycast("2001:db8:1::/64"))) / ICMPv6HAADRequest(id=77, R=0))
    assert sent.record.sender == "inject" and sent.record.link == "foreign1"
    assert sent.record.dst_mac == away.node("r1").interfaces["eth0"].mac  # to the first-hop router
    (reply,) = sent.replies("HAAD Reply")
    assert reply.decoded.payload.payload.identifier == 77 and str(reply.decoded.payload.dst) == coa
    assert all(name(r.decoded) != "HAAD Request" for r in sent.after)  # forwarded copies are left out


def test_send_checks_its_input(away: Lab) -> None:
    with pytest.raises(LabError, match="link= and src_mac="):
        send(away, None, IPv6(dst="ff02::1"))
    with pytest.raises(LabError, match="IPv6 packet"):
        send(away, "mn", b"\x45" + bytes(50))
    with pytest.raises(LabError, match="has no interface on"):
        send(away, "mn", IPv6(src="::1", dst="::2"), to="cn")


def test_header_figure_and_spans(away: Lab) -> None:
    st = away.state("mn")["mobility"]
    bu = (
        IPv6(src=st["care_of_address"], dst=st["home_agent"])
        / IPv6ExtHdrDestOpt(options=[HAO(hoa=st["home_address"])])
        / MIP6MH_BU(seq=1, flags="AHL", mhtime=150)
    )
    frame = bytes(12) + b"\x86\xdd" + bytes(bu)  # an Ethernet header around it
    spans = {s.name: s.value for s in header_spans(frame, "bu")}
    assert spans["Sequence #"] == 1 and spans["H"] is True and spans["Lifetime"] == 150
    fig = header_figure(frame, "bu", layout_key="mh")
    assert fig.axes[0].get_title() == "Mobility Header (Figure 2)"
    with pytest.raises(KeyError, match="no 'rh2' header"):
        header_spans(frame, "rh2")


def test_header_figure_labels_fit_their_boxes(away: Lab) -> None:
    """The 1- and 2-bit flags of a Router Advertisement (M, O, H, Prf, P, Reserved) are too narrow for
    "Reserved (2)" at the normal size: every label ends up inside its own box."""
    ra = next(r for r in away.capture if r.sender == "ha" and r.link == "home" and r.frame[14 + 40] == 134)
    fig = header_figure(ra.frame, "ra")
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    bit = ax.get_window_extent(renderer).width / 32
    texts = {t.get_text().split("\n")[0]: t for t in ax.texts}
    assert "Reserved" in texts and "Router Lifetime (16)" in texts  # the narrow one shortened, the wide one kept
    assert texts["Reserved"].get_window_extent(renderer).width <= 2 * bit
    assert texts["M"].get_window_extent(renderer).width <= 1 * bit
    assert min(t.get_fontsize() for t in ax.texts) >= 5


def test_components_figure_labels_the_terms(away: Lab) -> None:
    fig = components_figure(away)
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    st = away.state("mn")["mobility"]
    for term in ("home address (HoA)", "care-of address (CoA)", "home agent (HAA)", "correspondent (CNA)"):
        assert term in texts
    assert st["home_address"] in texts and st["care_of_address"] in texts and "binding at the home agent" in texts


def test_header_figure_lists_variable_items(away: Lab) -> None:
    coa = away.state("mn")["mobility"]["care_of_address"]
    sent = send(away, "mn", IPv6(src=coa, dst=str(ha_anycast("2001:db8:1::/64"))) / ICMPv6HAADRequest(id=78, R=0))
    fig = header_figure(sent.replies("HAAD Reply")[0].frame, "haad-reply")
    assert [t.get_text() for t in fig.texts] == ["Home Agent Addresses [1] = 2001:db8:1::1"]


def test_start_page_tables_list_every_seam_and_scenario() -> None:
    from mip6lab.scenarios import SCENARIOS
    from mip6lab.seams import SEAMS
    from mip6lab.workbook.intro import scenarios_table_html, seams_table_html

    seams = seams_table_html()
    assert seams.count("<tr>") == len(SEAMS) + 1
    assert '<a href="04-data-structures.ipynb">' in seams and "<code>ha.binding_cache</code>" in seams
    scenarios = scenarios_table_html()
    assert scenarios.count("<tr>") == len(SCENARIOS) + 1
    row = next(r for r in scenarios.split("</tr>") if "<code>ha-discovery</code>" in r)
    assert ">24, 25<" in row and ">4<" in row  # its figures, and chapter 4 is the first to use it


def test_chapter_map_names_the_scenarios_each_written_chapter_runs() -> None:
    """The start page's map and scenario table say which chapter uses which scenario: for every chapter
    notebook that exists, exactly the scenarios its cells build a ``Lab`` on."""
    import json
    import re
    from pathlib import Path

    from mip6lab.workbook.intro import CHAPTERS

    notebooks = Path(__file__).resolve().parents[2] / "notebooks"
    for c in CHAPTERS[:8]:  # chapters 8-12 were still being written when this test was added
        path = notebooks / c.notebook
        if not path.exists():
            continue
        cells = json.loads(path.read_text())["cells"]
        source = "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")
        used = set(re.findall(r'Lab\("([a-z0-9-]+)"', source)) | set(re.findall(r'dashboard\("([a-z0-9-]+)"', source))
        assert used == set(c.scenarios), f"{c.notebook}: runs {sorted(used)}, the map says {sorted(c.scenarios)}"
