"""Hole 6: a home agent answering every Binding Update with status 135 must not stop simulated time,
and the simulator itself stops a loop at one instant with an error naming the looping event."""

from __future__ import annotations

import pytest

from mip6lab.lab import Lab
from mip6lab.net.world import World
from mip6lab.sim.kernel import Livelock, Simulator
from mip6lab.tester import Received, TesterNode
from mip6lab.wire.ip import IPv6, RoutingType2
from mip6lab.wire.mh import BA_SEQUENCE_OUT_OF_WINDOW, BindingAcknowledgement, BindingUpdate, MobilityHeader
from mip6lab.wire.summary import name as packet_name


def test_kernel_stops_a_loop_at_one_instant_and_names_the_event() -> None:
    sim = Simulator()
    sim.max_events_per_instant = 1000

    def again() -> None:
        sim.schedule(sim.now, again, label="again-and-again")

    sim.schedule(2.0, again, label="again-and-again")
    with pytest.raises(Livelock, match=r"stuck at 2 s.*again-and-again"):
        sim.run(until=10)


def test_a_busy_instant_is_not_a_livelock() -> None:
    sim = Simulator()
    sim.max_events_per_instant = 1000
    done = []
    for i in range(900):
        sim.schedule(1.0, done.append, i)
    sim.schedule(1.5, done.append, "later")
    for i in range(900):
        sim.schedule(2.0, done.append, i)
    sim.run(until=3)
    assert len(done) == 1801 and sim.now == 3.0


def test_world_names_the_looping_timer() -> None:
    """A node whose timer re-arms itself for "now" is reported with the node and timer key."""
    world = World()
    world.sim.max_events_per_instant = 500
    node = TesterNode("looper", "02:00:00:00:ee:01", [], world)

    def handle_timer(now: float, key: object) -> list:
        node.now = now
        node.set_timer(("spin",), now)
        return node.drain()

    node.handle_timer = handle_timer  # type: ignore[method-assign]
    world.add_node(node)
    world.at(1.0, lambda n: n.set_timer(("spin",), 1.0), node_name="looper")
    with pytest.raises(Livelock, match=r"looper: timer \('spin',\) expired"):
        world.run(until=5)


def test_home_agent_answering_every_bu_with_135_does_not_stop_time() -> None:
    """Every home BU gets a (forged, unprotected) BA 135 and the real BAs are lost: the mobile node
    takes the BA's sequence number, sends again within MAX_UPDATE_RATE, and time goes on."""
    lab = Lab("first-foreign-link", esp="off")
    lab.run(until=2.0)
    ha = lab.address_of("ha")
    # The real acknowledgements never reach the mobile node.
    eve = lab.add_tester("eve", "foreign1", promiscuous=True)
    eve_mac = bytes.fromhex(eve.mac.replace(":", ""))
    lab.world.links["foreign1"].drop_filter = lambda fr: packet_name(fr) == "BA" and fr[6:12] != eve_mac
    answered: list[int] = []

    def answer_135(t: TesterNode, rec: Received) -> None:
        pkt = rec.packet
        if pkt is None or not isinstance(pkt.payload, MobilityHeader) or pkt.dst != ha:
            return
        bu = pkt.payload.message
        if not isinstance(bu, BindingUpdate) or not bu.H:
            return
        hoa = pkt.home_address_option.home_address
        answered.append(bu.seq)
        ba = BindingAcknowledgement(BA_SEQUENCE_OUT_OF_WINDOW, seq=bu.seq, lifetime=0)
        t.send(IPv6(ha, pkt.src, MobilityHeader(ba), ext=(RoutingType2(hoa),)), dst_mac=rec.decoded.src)

    eve.on_receive(answer_135)
    lab.run(until=40.0)
    assert lab.now == 40.0
    assert len(answered) >= 10  # the mobile node kept trying, at a bounded rate
    sent = lab.capture.filter(link="foreign1")
    bu_times = [r.time for r in sent if r.sender == "mn" and packet_name(r.frame) == "BU"]
    assert len(bu_times) == len(answered)
    for i in range(len(bu_times) - 5):  # MAX_UPDATE_RATE: at most 3 BUs to the home agent in any second
        assert bu_times[i + 3] - bu_times[i] >= 1.0 - 1e-9
    assert lab.world.errors == []
    assert not lab.state("mn")["mobility"]["registered"]


def test_next_allowed_time_is_allowed_at_every_float_edge() -> None:
    from mip6lab.mobility.backoff import RateLimiter

    for i in range(1, 2000):
        rl = RateLimiter(rate=1, window=1.0)
        t0 = i * 0.1
        assert rl.try_send(t0, "k")
        at = rl.next_allowed(t0, "k")
        assert at >= t0 + 1.0 - 1e-9 and rl.try_send(at, "k"), t0
