"""Bit layouts: every field of every frame located exactly, and the RFC-style diagrams."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wire_samples import COA, HOA, KINDS
from wire_strategies import frames

from mip6lab.wire.codec import encode_frame
from mip6lab.wire.ip import Ethernet
from mip6lab.wire.layout import LAYOUTS, fields_of, layers_of, layout, render_html, render_text

MACS = ("00:00:5e:00:53:01", "00:00:5e:00:53:02")


def frame_of(kind: str) -> bytes:
    return encode_frame(Ethernet(MACS[0], MACS[1], KINDS[kind]))


def assert_tiles(frame: bytes, spans: list) -> None:  # type: ignore[type-arg]
    bit = 0
    for s in spans:
        assert s.start_bit == bit, s
        assert s.bit_width > 0
        bit = s.end_bit
    assert bit == len(frame) * 8


def span(spans: list, layer: str, name: str):  # type: ignore[no-untyped-def,type-arg]
    found = [s for s in spans if s.layer == layer and s.name == name]
    assert found, (layer, name)
    return found[0]


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_fully_covered_and_decoded(kind: str) -> None:
    f = frame_of(kind)
    spans = fields_of(f)
    assert_tiles(f, spans)
    assert all(s.layer != "Undecoded" for s in spans)


def test_binding_update_fields() -> None:
    f = frame_of("BU")
    spans = fields_of(f)
    life = span(spans, "Binding Update", "Lifetime")
    assert (life.value, life.display, life.bit_width) == (150, "150 (600 s)", 16)
    a, h = span(spans, "Binding Update", "A"), span(spans, "Binding Update", "H")
    assert a.value is True and h.value is True and h.bit_offset == a.bit_offset + 1 == 1
    assert span(spans, "Home Address option", "Home Address").value == HOA
    assert span(spans, "Alternate Care-of Address", "Alternate Care-of Address").value == COA
    ck = span(spans, "Binding Update", "Checksum")
    assert f[ck.byte_offset : ck.byte_offset + 2] == ck.value.to_bytes(2, "big")
    assert list(ck.byte_range) == [ck.byte_offset, ck.byte_offset + 1]
    # the PadN autopad put before the HAO (8n+6 alignment) is visible too
    assert [s.layer for s in spans].count("PadN") >= 2


def test_router_advertisement_mipv6_fields() -> None:
    spans = fields_of(frame_of("RA"))
    h = span(spans, "Router Advertisement", "H")
    assert h.value is True and h.bit_offset == 2 and h.bit_width == 1
    assert span(spans, "Prefix Information option", "R").value is True
    assert span(spans, "Advertisement Interval option", "Advertisement Interval").value == 3000
    assert span(spans, "Home Agent Information option", "Home Agent Preference").value == -5
    assert span(spans, "Home Agent Information option", "Home Agent Lifetime").display == "1800 (s)"


def test_tunnel_and_haad_reply() -> None:
    spans = fields_of(frame_of("HoTI"))
    assert [s.layer for s in spans if s.name == "Source Address"] == ["IPv6", "IPv6 (inner)"]
    assert span(spans, "Home Test Init", "Home Init Cookie").value == b"12345678"
    rep = fields_of(frame_of("HAAD-Rep"))
    addrs = [s.value for s in rep if s.name.startswith("Home Agent Addresses")]
    assert [str(a) for a in addrs] == ["2001:db8:1::1", "2001:db8:1::2"]


def test_malformed_frame_ends_undecoded() -> None:
    f = frame_of("BU")[:-5]
    spans = fields_of(f)
    assert_tiles(f, spans)
    assert spans[-1].layer == "Undecoded"
    short = fields_of(b"\x01\x02\x03")
    assert_tiles(b"\x01\x02\x03", short)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames)
def test_random_frames_fully_covered(frame: Ethernet) -> None:
    b = encode_frame(frame)
    spans = fields_of(b)
    assert_tiles(b, spans)
    assert all(s.layer != "Undecoded" for s in spans)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=120))
def test_random_bytes_fully_covered(b: bytes) -> None:
    assert_tiles(b, fields_of(b))


# --------------------------------------------------------------------------- diagrams
@pytest.mark.parametrize("key", list(LAYOUTS))
def test_render_text_every_layout(key: str) -> None:
    text = render_text(key)
    lines = text.splitlines()
    assert lines[0].startswith(LAYOUTS[key].title)
    assert all(len(line) <= 65 for line in lines[1:])
    body = text.replace("\n", " ")
    for f in LAYOUTS[key].fields:
        room = 2 * (f.bits or 32) - 1
        if len(f.name) <= room:
            assert f.name in body, f.name


def test_white_paper_figures_2_to_12() -> None:
    titles = {n: layout(n).title for n in range(2, 13)}
    assert titles == {
        2: "Mobility Header",
        3: "Type 2 Routing header",
        4: "Home Address option",
        5: "Home Agent Address Discovery Request",
        6: "Home Agent Address Discovery Reply",
        7: "Mobile Prefix Solicitation",
        8: "Mobile Prefix Advertisement",
        9: "Router Advertisement",
        10: "Prefix Information option",
        11: "Advertisement Interval option",
        12: "Home Agent Information option",
    }
    rh2 = render_text(3)
    assert "Segments Left" in rh2 and "Home Address" in rh2
    assert layout("Binding Update") is LAYOUTS["bu"]


def test_render_with_values_and_html_and_draw() -> None:
    layers = layers_of(frame_of("BU"))
    lay, spans = next((lay, sp) for lay, sp in layers if lay.key == "bu")
    text = render_text(lay, spans)
    assert "Lifetime = 150 (600 s)" in text and "Sequence # = 1" in text
    page = render_html(lay, spans)
    assert (
        page.startswith("<table") and "150 (600 s)" in page and page.count("<tr>") == 1 + 3 + 2
    )  # bit ruler, 3 fixed rows, options
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    draw_ax = __import__("mip6lab.wire.layout", fromlist=["draw"]).draw(ax, lay, spans)
    assert len(draw_ax.patches) >= len(lay.fields)
    assert any("600 s" in t.get_text() for t in draw_ax.texts)
    plt.close(fig)
