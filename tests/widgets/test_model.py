"""What the views agree on: packet kinds, message collapsing, ESP opening, runs of a frame."""

from __future__ import annotations

from dataclasses import replace

import pytest
from widget_samples import HA, HOA, esp_bu, inject, ro_packet, tunnel_packet

from mip6lab.lab import Lab
from mip6lab.widgets.model import (
    classify,
    find_spds,
    messages,
    open_esp,
    packet_info,
    receive_runs,
)
from mip6lab.wire import icmp as I
from mip6lab.wire.ip import IPv6
from mip6lab.wire.mh import BindingUpdate, MobilityHeader


def give_keys(lab: Lab, name: str, db: object) -> None:
    """A node that holds keys says so: a minimal role whose only answer is its security databases."""
    from mip6lab.ipv6.role import NodeRole

    class Keys(NodeRole):
        def security_databases(self) -> list:
            return [db]

    node = lab.node(name)
    node.attach_role(Keys(node))


def test_kinds_of_hand_made_packets() -> None:
    assert classify(tunnel_packet()) == "tunnel"
    assert classify(ro_packet()) == "ro"
    pkt, _, _ = esp_bu()
    assert classify(pkt) == "ro"  # BU from the care-of address carries the Home Address option


def test_ping_collapses_into_one_message_per_echo(lab: Lab) -> None:
    msgs = [m for m in messages(lab) if m.info.category == "data"]
    assert [m.name for m in msgs] == ["Echo Request", "Echo Reply"] * 3
    req = msgs[0]
    assert (req.origin, req.receivers) == ("mn", ("cn",))
    assert req.hops == ["home", "core-ha", "core-rcn", "cn-link"]
    assert all(m.info.kind == "plain" and not m.info.esp for m in msgs)
    per_hop = [m for m in messages(lab, collapse=False) if m.info.category == "data"]
    assert len(per_hop) == 4 * len(msgs)


def test_messages_are_updated_incrementally(lab: Lab) -> None:
    before = len(messages(lab))
    inject(lab, "home", "ha", "mn", tunnel_packet())
    lab.run_for(0.1)
    after = messages(lab)
    assert len(after) > before
    tun = next(m for m in after if m.info.kind == "tunnel")
    assert tun.name == "Echo Request" and tun.origin == "inject" and tun.receivers == ("mn",)


def test_esp_is_opened_only_with_the_nodes_keys(lab: Lab) -> None:
    pkt, _mn_db, ha_db = esp_bu("aes")
    i = inject(lab, "home", "mn", "ha", pkt)
    rec = lab.capture[i]
    assert find_spds(lab) == []
    info = packet_info(lab, rec)
    assert info.esp and info.name == "ESP" and not info.decrypted
    assert open_esp(pkt, []) is None

    lab2 = Lab("ping")
    lab2.run(1.0)
    give_keys(lab2, "ha", ha_db)  # a node that holds keys says so
    assert [v.database for v in find_spds(lab2)] == [ha_db]  # read-only views of the node's SAD
    i2 = inject(lab2, "home", "mn", "ha", pkt)
    info2 = packet_info(lab2, lab2.capture[i2])
    assert info2.esp and info2.decrypted and info2.name == "BU" and info2.category == "signalling"
    sa = ha_db.sa_for_spi(pkt.payload.spi)
    before = (sa.replay_top, sa.replay_bitmap)
    opened = open_esp(pkt, find_spds(lab2))
    assert opened is not None and opened.encryption == "aes-cbc" and opened.mode == "transport"
    assert isinstance(opened.packet.payload, MobilityHeader)
    assert isinstance(opened.packet.payload.message, BindingUpdate) and opened.packet.payload.message.seq == 9
    assert opened.packet.dst == HA
    assert (sa.replay_top, sa.replay_bitmap) == before  # opening for display leaves the SA alone
    assert open_esp(pkt, find_spds(lab2)) is not None  # and can be repeated (no replay refusal)


def test_the_inspector_sees_sas_through_a_read_only_view() -> None:
    """The view offers keys and decryption only: no replay window to read or reset, nothing to set."""
    pkt, _mn_db, ha_db = esp_bu("aes")
    sa = ha_db.sa_for_spi(pkt.payload.spi)
    ha_db.open(pkt.payload)  # the home agent received it: the replay window now refuses it
    assert sa.replay_top == pkt.payload.seq
    view = ha_db.read_only()
    got = view.decrypt(pkt.payload)
    assert got is not None and got[1] == 135 and got[0].spi == sa.spi  # opened although a replay
    sa_view = view.sa_for_spi(sa.spi)
    assert not hasattr(sa_view, "replay_top") and not hasattr(sa_view, "replay_bitmap")
    with pytest.raises(AttributeError):
        sa_view.enc_key = b"x" * 16  # type: ignore[misc]
    assert (sa.replay_top, sa.replay_bitmap, sa.seq) == (pkt.payload.seq, 1, 0)
    assert view.decrypt(replace(pkt.payload, seq=pkt.payload.seq + 1)) is None  # the ICV covers the seq


def test_receive_runs_of_a_frame(lab: Lab) -> None:
    first = next(r for r in lab.capture if r.trace_id and packet_info(lab, r).name == "Echo Request")
    runs = receive_runs(lab, first)
    assert [(r.algorithm, r.node) for r in runs] == [("receive", "ha")]
    last_hop = next(r for r in lab.capture if r.link == "cn-link" and packet_info(lab, r).name == "Echo Request")
    (cn_run,) = receive_runs(lab, last_hop)
    assert cn_run.node == "cn" and cn_run.step_numbers == [1, 2, 3, 8, 9, 10]


def test_one_name_table_for_the_lab_the_cli_and_the_widgets(lab: Lab) -> None:
    """Lab.messages() rows and the widgets' messages name and sort frames the same way: a Redirect
    is Neighbor Discovery for both (once two tables disagreed on it)."""
    from mip6lab.wire.summary import ICMP_NAMES, ND_NAMES, category

    redirect = I.UnknownICMPv6(I.REDIRECT, 0, b"\0" * 36)
    i = inject(lab, "home", "ha", "mn", IPv6(HA, HOA, redirect))
    lab.run_for(0.1)
    assert packet_info(lab, lab.capture[i]).name == ICMP_NAMES[I.REDIRECT] == "Redirect"
    assert category("Redirect") == "nd" and "Redirect" in ND_NAMES
    rows = {r.index: r for r in lab.messages()}
    for rec in lab.capture:
        assert rows[rec.index].name == packet_info(lab, rec).name
    shown = {r.index for r in lab.messages(signalling_only=True)}
    assert i not in shown
    assert all(packet_info(lab, lab.capture[k]).category != "nd" for k in shown)
    first = [r.index for r in lab.messages(first_hop_only=True)]
    assert first == [m.first.index for m in messages(lab)]  # "each packet once" is the message concept


def test_home_registration_is_not_route_optimization() -> None:
    pkt, _, _ = esp_bu()
    assert classify(pkt) == "ro" and classify(pkt, {HA}) == "home"  # the other end is a home agent
