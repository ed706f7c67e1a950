"""End to end on Figure 1 with the real home agent and correspondent roles: the capture shows the white
paper's message sequences, and a TCP stream survives two moves and the return home."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("mip6lab.mobility.home_agent")

from mip6lab.lab import Lab  # noqa: E402
from mip6lab.mobility.mobile_node import MobileNodeRole  # noqa: E402
from mip6lab.scenarios import Scenario  # noqa: E402
from mip6lab.topology import figure1  # noqa: E402
from mip6lab.wire import icmp as I  # noqa: E402
from mip6lab.wire.ip import ESP, IPv6, RoutingType2  # noqa: E402
from mip6lab.wire.mh import CareofTestInit, HomeTestInit, MobilityHeader  # noqa: E402
from mip6lab.wire.transport import TCP  # noqa: E402


def lab_with(setup, duration: float, esp: str = "null", **mn_options: Any) -> Lab:
    t = figure1()
    t.nodes["mn"].options.update(mn_options)
    return Lab(Scenario("mn-test", "mobile node test", setup, duration=duration, mobility=True), esp=esp, topology=t)


def frames(lab: Lab, link: str, sender: str | None = None) -> list[tuple[float, IPv6]]:
    out = []
    for r in lab.capture.filter(link=link):
        eth = r.decoded
        if eth is not None and isinstance(eth.payload, IPv6) and (sender is None or r.sender == sender):
            out.append((r.time, eth.payload))
    return out


def kind(p: IPv6) -> str:
    q = p.payload
    if isinstance(q, I.RouterSolicitation):
        return "RS"
    if isinstance(q, I.RouterAdvertisement):
        return "RA"
    if isinstance(q, I.NeighborSolicitation):
        return "DAD NS" if p.src.is_unspecified else "NS"
    if isinstance(q, ESP):
        return "ESP+HAO" if p.home_address_option else ("ESP+RH2" if p.routing_type2 else "ESP")
    if isinstance(q, MobilityHeader):
        return type(q.message).__name__
    return type(q).__name__


def test_first_move_capture_rs_ra_dad_bu_ba() -> None:
    lab = lab_with(lambda lab: lab.at(7.0, lambda: lab.move("mn", "foreign1")), 14.0)
    lab.run()
    seq = [(t, kind(p), p) for t, p in frames(lab, "foreign1") if t >= 7.0]
    names = [k for _, k, _ in seq]
    # Figure 28: RS, RA, DAD for the care-of address, BU (ESP, HAO) to the home agent, BA (ESP, RH2)
    assert names[:5] == ["DAD NS", "RS", "RA", "DAD NS", "ESP+HAO"], names  # the first DAD is the link-local's
    dad = seq[3][2]
    assert dad.payload.target == lab.role("mn").care_of_address
    assert names.index("ESP+HAO") < names.index("ESP+RH2")
    bu = next(p for _, k, p in seq if k == "ESP+HAO")
    mn = lab.role("mn")
    assert isinstance(mn, MobileNodeRole)
    assert bu.src == mn.care_of_address and bu.dst == mn.home_agent
    assert bu.home_address_option.home_address == mn.home_address
    ba = next(p for _, k, p in seq if k == "ESP+RH2")
    assert ba.dst == mn.care_of_address and ba.routing_type2 == RoutingType2(mn.home_address)
    assert mn.home_registration.registered and mn.home_registration.acknowledged
    assert lab.state("mn")["mobility"]["location"] == "foreign"


def test_ping_from_cn_reaches_mn_away_through_tunnel() -> None:
    def setup(lab: Lab) -> None:
        lab.at(3.0, lambda: lab.move("mn", "foreign1"))
        lab.at(8.0, lambda: lab.ping("cn", "mn", count=3))

    lab = lab_with(setup, 14.0)
    lab.run()
    cn = lab.node("cn")
    assert len(cn.echo_replies) == 3


def stream_lab(esp: str = "null") -> tuple[Lab, dict]:
    apps: dict = {}

    def setup(lab: Lab) -> None:
        def start() -> None:
            apps["tx"], apps["rx"] = lab.tcp_stream("cn", "mn", rate=10.0, chunk=200, duration=70.0)

        lab.at(3.0, start)
        lab.at(10.0, lambda: lab.move("mn", "foreign1"))
        lab.at(30.0, lambda: lab.move("mn", "foreign2"))
        lab.at(50.0, lambda: lab.move("mn", "home"))

    lab = lab_with(setup, 90.0, esp=esp)
    lab.run()
    return lab, apps


@pytest.mark.parametrize("esp", ["null", "off"])
def test_tcp_stream_survives_two_moves_and_return_home(esp: str) -> None:
    lab, apps = stream_lab(esp)
    rx = apps["rx"]
    assert rx.received == 700 and rx.lost == 0 and rx.duplicated == 0
    assert rx.max_gap < 5.0  # only the link-change gaps (movement detection + DAD + BU/BA)
    mn = lab.role("mn")
    assert mn.location == "home" and not mn.home_registration.registered
    assert len(mn.bul) == 0  # every binding deleted after returning home


def test_stream_message_forms_per_phase() -> None:
    lab, _ = stream_lab()
    mn = lab.role("mn")
    hoa = mn.home_address
    cn_addr = lab.address_of("cn")
    f1 = frames(lab, "foreign1", "mn")
    # route optimization on foreign1 after the correspondent registration: CoA source + HAO, no tunnel
    ro = [p for t, p in f1 if isinstance(p.payload, TCP) and p.home_address_option is not None]
    assert ro and all(p.dst == cn_addr and p.home_address_option.home_address == hoa for p in ro)
    tunnelled = [p for t, p in f1 if isinstance(p.payload, IPv6) and isinstance(p.payload.payload, TCP)]
    assert tunnelled and min(t for t, p in f1 if p in tunnelled) < min(t for t, p in f1 if p in ro)
    into = [p for t, p in frames(lab, "foreign1") if isinstance(p.payload, TCP) and p.routing_type2 is not None]
    assert into and all(p.routing_type2.home_address == hoa for p in into)
    # second move: CoTI only; returning home: HoTI only, straight from the home address
    f2 = [p for t, p in frames(lab, "foreign2", "mn") if isinstance(p.payload, MobilityHeader)]
    assert any(isinstance(p.payload.message, CareofTestInit) for p in f2)
    assert not [p for t, p in frames(lab, "foreign2", "mn") if isinstance(p.payload, ESP) and p.dst != mn.home_agent]
    home = [(t, p) for t, p in frames(lab, "home", "mn") if t > 50.0]
    hotis = [
        p for t, p in home if isinstance(p.payload, MobilityHeader) and isinstance(p.payload.message, HomeTestInit)
    ]
    assert len(hotis) == 1 and hotis[0].src == hoa
    assert not any(
        isinstance(p.payload, MobilityHeader) and isinstance(p.payload.message, CareofTestInit) for t, p in home
    )
    nas = [p for t, p in home if isinstance(p.payload, I.NeighborAdvertisement) and str(p.dst) == "ff02::1"]
    assert any(p.payload.target == hoa and p.payload.O for p in nas)


def test_dhaad_when_home_agent_not_configured() -> None:
    lab = lab_with(lambda lab: lab.at(5.0, lambda: lab.move("mn", "foreign1")), 12.0, home_agent="discover")
    lab.run()
    mn = lab.role("mn")
    reqs = [p for t, p in frames(lab, "foreign1", "mn") if isinstance(p.payload, I.HomeAgentAddressDiscoveryRequest)]
    assert reqs and str(reqs[0].dst) == "2001:db8:1:0:fdff:ffff:ffff:fffe"
    assert str(mn.home_agent) == "2001:db8:1::1" and mn.home_registration.registered


def test_pseudo_automatic_configuration() -> None:
    def setup(lab: Lab) -> None:
        lab.at(3.0, lambda: lab.role("mn").at_home_now())
        lab.at(8.0, lambda: lab.move("mn", "foreign1"))

    lab = lab_with(setup, 15.0, config="pseudo-automatic")
    lab.run()
    mn = lab.role("mn")
    assert str(mn.home_prefix) == "2001:db8:1::/64" and str(mn.home_agent) == "2001:db8:1::1"
    assert mn.home_registration.registered


def test_automatic_configuration() -> None:
    lab = lab_with(lambda lab: lab.at(5.0, lambda: lab.move("mn", "foreign1")), 12.0, config="automatic")
    lab.run()
    mn = lab.role("mn")
    assert str(mn.home_prefix) == "2001:db8:1::/64" and str(mn.home_agent) == "2001:db8:1::1"
    assert mn.home_registration.registered


def test_deterministic_capture() -> None:
    a, _ = stream_lab()
    b, _ = stream_lab()
    assert [r.frame for r in a.capture] == [r.frame for r in b.capture]


def test_non_mipv6_correspondent_keeps_tunnelling() -> None:
    apps: dict = {}

    def setup(lab: Lab) -> None:
        def start() -> None:
            apps["tx"], apps["rx"] = lab.tcp_stream("mn", "cn", rate=10.0, chunk=200, duration=30.0)

        lab.at(3.0, start)
        lab.at(10.0, lambda: lab.move("mn", "foreign1"))

    t = figure1()
    t.nodes["cn"].role = "host"  # a plain IPv6 node: Parameter Problem for the Mobility Header
    lab = Lab(Scenario("mn-plain-cn", "plain CN", setup, duration=50.0, mobility=True), esp="null", topology=t)
    lab.run()
    rx = apps["rx"]
    assert rx.received == 300 and rx.lost == 0 and rx.duplicated == 0
    mn = lab.role("mn")
    cn_addr = lab.address_of("cn")
    e = mn.bul.lookup(cn_addr, mn.home_address)
    assert e is not None and e.no_future_updates
    late = [p for t_, p in frames(lab, "foreign1", "mn") if t_ > 20 and isinstance(p.payload, IPv6)]
    assert late and all(p.dst == mn.home_agent for p in late)  # data still reverse-tunnelled
