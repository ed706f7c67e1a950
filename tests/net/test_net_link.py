"""Links: MAC filtering, delay, point-to-point, deterministic loss, scripted drops, MTU."""

from __future__ import annotations

import pytest

from mip6lab.net import Link, LinkError, World, WorldError


def _send(w, node_name, dst, payload=b"", ifname="eth0"):
    w.call(node_name, lambda n: n.send(ifname, dst, payload))


def test_unicast_reaches_only_the_interface_with_that_mac(lan, fakes):
    w, a, b, c = lan
    _send(w, "a", fakes.MAC_B, b"hello b")
    w.run_until_idle()
    assert [f[6:12] for _, _, f in b.rx] == [bytes.fromhex("02000000000a")]
    assert b.rx[0][2].endswith(b"hello b")
    assert a.rx == [] and c.rx == []
    rec = w.capture[-1]
    assert rec.receivers == ("b",) and rec.sender == "a" and not rec.dropped


def test_unicast_to_unknown_mac_is_captured_but_reaches_nobody(lan):
    w, a, b, c = lan
    _send(w, "a", "02:99:99:99:99:99")
    w.run_until_idle()
    assert a.rx == b.rx == c.rx == []
    assert len(w.capture) == 1 and w.capture[0].receivers == ()


def test_broadcast_reaches_everyone_but_the_sender(lan, fakes):
    w, a, b, c = lan
    _send(w, "a", fakes.BCAST)
    w.run_until_idle()
    assert a.rx == []
    assert len(b.rx) == 1 and len(c.rx) == 1
    assert w.capture[-1].receivers == ("b", "c")


def test_multicast_is_delivered_where_accepts_is_true(lan, fakes):
    w, a, b, c = lan
    _send(w, "c", fakes.GROUP)  # a and b joined GROUP; c sent it
    _send(w, "a", fakes.GROUP)  # only b (never back to a), not c
    _send(w, "a", fakes.OTHER_GROUP)  # nobody joined
    w.run_until_idle()
    assert len(a.rx) == 1 and len(b.rx) == 2 and c.rx == []
    assert [r.receivers for r in w.capture] == [("a", "b"), ("b",), ()]


def test_group_membership_is_the_nodes_decision_at_send_time(lan, fakes):
    w, a, b, c = lan
    c.interfaces["eth0"].groups.append(fakes.OTHER_GROUP)  # c joins the group later
    _send(w, "a", fakes.OTHER_GROUP)
    w.run_until_idle()
    assert len(c.rx) == 1 and a.rx == b.rx == []


def test_delay_is_applied_per_link(fakes):
    w = World()
    w.strict = True
    w.add_link("fast", delay=0.001)
    w.add_link("slow", delay=0.25)
    w.add_node(fakes.FakeNode("r", {"e0": "02:00:00:00:01:00", "e1": "02:00:00:00:01:01"}))
    x = w.add_node(fakes.FakeNode("x", {"eth0": fakes.MAC_A}))
    y = w.add_node(fakes.FakeNode("y", {"eth0": fakes.MAC_B}))
    w.attach("r", "e0", "fast")
    w.attach("r", "e1", "slow")
    w.attach("x", "eth0", "fast")
    w.attach("y", "eth0", "slow")
    w.run(until=1.0)
    w.call("r", lambda n: (n.send("e0", fakes.MAC_A), n.send("e1", fakes.MAC_B)))
    w.run_until_idle()
    assert x.rx[0][0] == pytest.approx(1.001)
    assert y.rx[0][0] == pytest.approx(1.25)
    assert [rec.time for rec in w.capture] == [1.0, 1.0]  # captured at send time


def test_echo_round_trip_takes_two_link_delays(lan, fakes):
    w, a, b, c = lan
    b.echo = True
    _send(w, "a", fakes.MAC_B, b"ping")
    w.run_until_idle()
    assert a.rx[0][0] == pytest.approx(0.004)
    assert a.rx[0][2][0:6] == bytes.fromhex("02000000000a")


def test_point_to_point_has_exactly_two_ends(fakes):
    w = World()
    w.strict = True
    w.add_link("ptp", kind="p2p", delay=0.01)
    for name, mac in (("r1", fakes.MAC_A), ("r2", fakes.MAC_B), ("r3", fakes.MAC_C)):
        w.add_node(fakes.FakeNode(name, {"eth0": mac}))
    w.attach("r1", "eth0", "ptp")
    w.attach("r2", "eth0", "ptp")
    with pytest.raises(LinkError):
        w.attach("r3", "eth0", "ptp")
    assert w.link_of("r3", "eth0") is None
    _send(w, "r1", fakes.BCAST, b"x")
    w.run_until_idle()
    assert [n.name for n in w.nodes.values() if n.rx] == ["r2"]
    w.detach("r2", "eth0")
    w.attach("r3", "eth0", "ptp")  # a free end can be reused


def test_link_argument_checks():
    with pytest.raises(LinkError):
        Link("x", kind="token-ring")  # type: ignore[arg-type]
    with pytest.raises(LinkError):
        Link("x", delay=-1)
    with pytest.raises(LinkError):
        Link("x", loss=1.5)


def _pair(fakes, seed: int, loss: float, extra_link: bool = False) -> World:
    w = World(seed=seed)
    w.strict = True
    if extra_link:
        w.add_link("aaa-unrelated", loss=0.5)
    w.add_link("lan", loss=loss)
    w.add_node(fakes.FakeNode("a", {"eth0": fakes.MAC_A}))
    w.add_node(fakes.FakeNode("b", {"eth0": fakes.MAC_B}))
    w.attach("a", "eth0", "lan")
    w.attach("b", "eth0", "lan")
    return w


def _blast(w: World, fakes, n: int = 300) -> list[int]:
    for i in range(n):
        w.call("a", lambda node, i=i: node.send("eth0", fakes.MAC_B, i.to_bytes(2, "big")))
        w.run(until=w.now + 0.01)
    return [r.index for r in w.capture if r.dropped]


def test_loss_is_deterministic_for_a_seed_and_differs_across_seeds(fakes):
    d1 = _blast(_pair(fakes, 7, 0.3), fakes)
    d2 = _blast(_pair(fakes, 7, 0.3), fakes)
    d3 = _blast(_pair(fakes, 8, 0.3), fakes)
    assert d1 == d2
    assert d1 != d3
    assert 0.2 * 300 < len(d1) < 0.4 * 300


def test_lost_frames_are_recorded_and_not_delivered(fakes):
    w = _pair(fakes, 3, 0.5)
    dropped = _blast(w, fakes, 100)
    b = w.nodes["b"]
    got = [int.from_bytes(f[14:16], "big") for _, _, f in b.rx]
    assert sorted(set(range(100)) - set(got)) == dropped  # frame i is capture record i
    for i in dropped:
        assert w.capture[i].receivers == () and w.capture[i].drop_reason == "loss"
    assert w.links["lan"].frames_dropped == len(dropped)


def test_another_link_does_not_shift_the_loss_pattern(fakes):
    assert _blast(_pair(fakes, 7, 0.3), fakes) == _blast(_pair(fakes, 7, 0.3, extra_link=True), fakes)


def test_drop_filter_loses_exactly_the_matching_frames(lan, fakes):
    w, a, b, c = lan
    w.links["lan"].drop_filter = lambda frame: frame[14:16] == b"BA"
    _send(w, "a", fakes.MAC_B, b"BU 1")
    _send(w, "b", fakes.MAC_A, b"BA 1")
    _send(w, "a", fakes.MAC_B, b"BU 2")
    w.run_until_idle()
    assert [f[14:] for _, _, f in b.rx] == [b"BU 1", b"BU 2"]
    assert a.rx == []
    assert [(r.dropped, r.drop_reason) for r in w.capture] == [(False, ""), (True, "filter"), (False, "")]


def test_drop_next_counts_and_predicate(lan, fakes):
    w, a, b, c = lan
    lan_link = w.links["lan"]
    lan_link.drop_next(2)
    lan_link.drop_next(1, predicate=lambda f: f.endswith(b"target"))
    for p in (b"1", b"2", b"3", b"target", b"target", b"4"):
        _send(w, "a", fakes.MAC_B, p)
    w.run_until_idle()
    assert [f[14:] for _, _, f in b.rx] == [b"3", b"target", b"4"]


def test_scripted_drop_does_not_change_which_other_frames_the_model_loses(fakes):
    plain = _blast(_pair(fakes, 11, 0.3), fakes, 100)
    w = _pair(fakes, 11, 0.3)
    w.links["lan"].drop_next(1, predicate=lambda f: f[14:16] == (50).to_bytes(2, "big"))
    scripted = _blast(w, fakes, 100)
    assert sorted(set(plain) | {50}) == scripted


def test_frame_larger_than_mtu_is_dropped_and_reported(fakes):
    w = World()
    w.add_link("small", mtu=100)
    a = w.add_node(fakes.FakeNode("a", {"eth0": fakes.MAC_A}))
    b = w.add_node(fakes.FakeNode("b", {"eth0": fakes.MAC_B}))
    w.attach("a", "eth0", "small")
    w.attach("b", "eth0", "small")
    w.call("a", lambda n: n.send("eth0", fakes.MAC_B, b"x" * 100))  # exactly the MTU: fine
    w.call("a", lambda n: n.send("eth0", fakes.MAC_B, b"x" * 101))
    w.run_until_idle()
    assert len(b.rx) == 1
    assert [r.drop_reason for r in w.capture] == ["", "mtu"]
    assert w.errors and w.errors[0].node == "a" and "MTU" in str(w.errors[0].exception)
    w.strict = True
    with pytest.raises(WorldError, match="MTU"):
        w.call("a", lambda n: n.send("eth0", fakes.MAC_B, b"x" * 101))
    assert a.rx == []
