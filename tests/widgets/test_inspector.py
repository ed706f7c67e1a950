"""PacketInspector: filters, layer tree, field <-> octet highlighting, tunnels, ESP, pcapng export."""

from __future__ import annotations

import re
from pathlib import Path

from widget_samples import esp_bu, inject, tunnel_packet

from mip6lab.lab import Lab
from mip6lab.net.pcapng import read_pcapng
from mip6lab.widgets.inspector import PacketInspector
from mip6lab.widgets.model import packet_info


def give_keys(lab: Lab, name: str, db: object) -> None:
    """A node that holds keys says so: a minimal role whose only answer is its security databases."""
    from mip6lab.ipv6.role import NodeRole

    class Keys(NodeRole):
        def security_databases(self) -> list:
            return [db]

    node = lab.node(name)
    node.attach_role(Keys(node))


def _hl(p: PacketInspector) -> list[int]:
    return [int(i) for i in re.findall(r'class="hx hl" data-i="(\d+)"', p.hexdump.value)]


def test_the_list_opens_on_signalling_with_visible_filter_values() -> None:
    lab = Lab("first-foreign-link")
    lab.run()
    p = PacketInspector(lab)
    assert (p.link.value, p.link.label) == ("", "(all links)")  # a value, not a blank dropdown
    assert (p.node.value, p.node.label) == ("", "(all nodes)")
    assert p.hide_nd.value and p.list.options
    assert all(packet_info(lab, lab.capture[i]).category != "nd" for _, i in p.list.options)
    assert p.record is not None and packet_info(lab, p.record).category == "signalling"
    p.set_lab(Lab("ping"))
    assert p.link.label == "(all links)" and p.node.label == "(all nodes)"


def test_filters_narrow_the_list(lab: Lab) -> None:
    p = PacketInspector(lab)
    p.hide_nd.value = False
    assert len(p.list.options) == len(lab.capture)
    p.text.value = "echo request"
    assert len(p.list.options) == 12 and all("Echo Request" in label for label, _ in p.list.options)
    p.link.value = "cn-link"
    assert len(p.list.options) == 3
    p.text.value = ""
    p.node.value = "hn"
    assert all(lab.capture[i].link == "home" for _, i in p.list.options)  # hn only lives on the home link
    p.node.value = ""
    p.link.value = ""
    p.hide_nd.value = True
    assert len(p.list.options) == 24


def test_field_and_octets_select_each_other(lab: Lab) -> None:
    p = PacketInspector(lab)
    p.text.value = "echo request"
    p.list.value = p.list.options[0][1]
    assert "Echo Request" in p.title.value and "plain IPv6" in p.title.value
    assert "Hop Limit" in p.tree.value and "Identifier" in p.tree.value
    names = [(s.layer, s.name) for s in p.spans]
    hop = names.index(("IPv6", "Hop Limit"))
    p.select_field(hop)
    assert _hl(p) == [21] == p.highlighted  # 14 octets of Ethernet + octet 7 of IPv6
    assert 'class="sel"' in p.tree.value
    assert "Hop Limit" in p.bitlayout.value and "mip6lab-layout" in p.bitlayout.value
    p.select_bytes(24, 30)  # inside the Source Address
    assert p.selected_field is not None and p.selected_field.name == "Source Address"
    assert _hl(p) == list(range(22, 38))
    assert p.bytes.value == (24, 30)  # the reader's range is kept


def test_tunnelled_packet_shows_outer_and_inner_headers(lab: Lab) -> None:
    i = inject(lab, "home", "ha", "mn", tunnel_packet())
    p = PacketInspector(lab)
    p.select_record(i)
    assert "tunnelled" in p.title.value
    layers = [s.layer for s in p.spans]
    assert "IPv6" in layers and "IPv6 (inner)" in layers
    assert "IPv6 (encapsulated)" in p.tree.value  # the outer Next Header 41 explained


def test_esp_without_and_with_keys(lab: Lab) -> None:
    pkt, _, ha_db = esp_bu("null")
    i = inject(lab, "home", "mn", "ha", pkt)
    p = PacketInspector(lab)
    p.select_record(i)
    assert "ESP-protected" in p.title.value
    assert "encrypted, no keys" in p.esp.value

    lab2 = Lab("ping")
    give_keys(lab2, "ha", ha_db)  # a node that holds keys says so
    j = inject(lab2, "home", "mn", "ha", pkt)
    p2 = PacketInspector(lab2)
    p2.select_record(j)
    assert "ESP opened with SA" in p2.esp.value and "transport mode" in p2.esp.value
    assert "Binding Update" in p2.esp.value and "Home Address" in p2.esp.value
    assert "Lifetime" in p2.esp.value and "600 s" in p2.esp.value  # 150 x 4 s, with its unit


def test_an_esp_protected_bu_shows_the_mobility_header_layout_when_the_keys_are_known(lab: Lab) -> None:
    pkt, _, ha_db = esp_bu("aes")
    give_keys(lab, "ha", ha_db)
    i = inject(lab, "home", "mn", "ha", pkt)
    p = PacketInspector(lab)
    p.select_record(i)
    assert "Mobility Header (Figure 2)" in p.bitlayout.value and "Binding Update" in p.bitlayout.value
    assert "Sequence #" in p.bitlayout.value and "<b>9</b>" in p.bitlayout.value  # the decrypted BU's values
    assert p.header.label.startswith("decrypted: ")
    esp_choice = next(v for label, v in p.header.options if label == "ESP")  # the ESP layout stays reachable
    p.header.value = esp_choice
    assert (
        "<caption" in p.bitlayout.value and ">ESP<" in p.bitlayout.value and "Binding Update" not in p.bitlayout.value
    )
    lab2 = Lab("ping")
    lab2.run(1.0)
    j = inject(lab2, "home", "mn", "ha", pkt)
    p2 = PacketInspector(lab2)  # no keys: the ESP header is what there is to show
    p2.select_record(j)
    assert ">ESP<" in p2.bitlayout.value and not any(label.startswith("decrypted") for label, _ in p2.header.options)


def test_select_record_clears_hiding_filters(lab: Lab) -> None:
    p = PacketInspector(lab)
    p.text.value = "echo"
    p.select_record(0)
    assert p.text.value == "" and p.list.value == 0 and p.record is lab.capture[0]


def test_export_pcapng(lab: Lab, tmp_path: Path) -> None:
    p = PacketInspector(lab)
    p.text.value = "echo"
    p.list.value = p.list.options[2][1]
    one = tmp_path / "one.pcapng"
    p.export_path.value = str(one)
    p.export_button.click()
    assert "wrote 1 frame to" in p.export_result.value and "one.pcapng" in p.export_result.value
    f = read_pcapng(one.read_bytes())
    assert [pk.data for pk in f.packets] == [lab.capture[p.list.value].frame]
    p.export_scope.value = "filtered list"
    p.export_path.value = str(tmp_path / "all.pcapng")
    p.export_button.click()
    f2 = read_pcapng((tmp_path / "all.pcapng").read_bytes())
    assert len(f2.packets) == 24 and {i.name for i in f2.interfaces} == {"home", "core-ha", "core-rcn", "cn-link"}


def test_the_lock_is_drawn_not_an_emoji(lab: Lab) -> None:
    """U+1F512/U+1F513 render as an empty box without an emoji font: the lock is inline SVG."""
    pkt, _, ha_db = esp_bu("aes")
    i = inject(lab, "home", "mn", "ha", pkt)
    p = PacketInspector(lab)
    p.select_record(i)
    locked = p.esp.value
    give_keys(lab, "ha", ha_db)
    p2 = PacketInspector(lab)
    p2.select_record(i)
    for text in (locked, p2.esp.value):
        assert '<svg class="mip6lab-lock"' in text
        assert not any(ord(c) > 0xFFFF for c in text) and "&#12827" not in text
    assert 'aria-label="locked"' in locked and 'aria-label="opened"' in p2.esp.value


def test_a_capture_longer_than_the_list_opens_on_a_shown_signalling_row() -> None:
    """More frames than MAX_ROWS: the list shows the last MAX_ROWS and opens on signalling among them
    (it used to select an earlier record the list did not hold: TraitError 'Invalid selection')."""
    from mip6lab import Lab
    from mip6lab.widgets.inspector import MAX_ROWS, PacketInspector

    lab = Lab("route-optimized-data")
    lab.run()
    assert len(lab.capture) > MAX_ROWS
    insp = PacketInspector(lab)
    held = [index for _, index in insp.list.options]
    assert len(held) == MAX_ROWS
    assert insp.list.value is None or insp.list.value in held
