"""End to end on the white paper's Figure 1 with the real mobile node: home registration with DAD and
ESP, bidirectional tunnelling, route optimisation with the correspondent, moving on, returning home;
a correspondent without Mobile IPv6."""

from __future__ import annotations

from ipaddress import IPv6Address as A

import pytest

from mip6lab.lab import Lab
from mip6lab.scenarios import Scenario
from mip6lab.topology import figure1

pytest.importorskip("mip6lab.mobility.mobile_node")


def _setup(lab: Lab) -> None:
    lab.at(5.0, lambda: lab.move("mn", "foreign1"))
    lab.at(12.0, lambda: lab.ping("cn", "mn", count=3))
    lab.at(20.0, lambda: lab.move("mn", "foreign2"))
    lab.at(30.0, lambda: lab.ping("cn", "mn", count=3))
    lab.at(40.0, lambda: lab.move("mn", "home"))
    lab.at(50.0, lambda: lab.ping("cn", "mn", count=3))


def names(lab: Lab, t0: float, t1: float, link: str | None = None) -> list[str]:
    return [r.summary for r in lab.messages(signalling_only=True, link=link) if t0 <= r.time < t1]


@pytest.fixture(scope="module")
def lab() -> Lab:
    lab = Lab(Scenario("ha-cn-e2e", "test", _setup, duration=60.0), esp="null")
    lab.world.strict = True
    lab.run(11.0)
    lab.snap_11 = lab.state("ha")["mobility"]  # type: ignore[attr-defined]
    lab.run()
    return lab


def test_home_registration_with_dad_and_esp(lab: Lab) -> None:
    mn_hoa = lab.address_of("mn")
    (bce,) = lab.snap_11["binding_cache"]
    assert bce["home_address"] == str(mn_hoa) and bce["home_registration"]
    assert bce["care_of_address"].startswith("2001:db8:2:")
    assert any("DAD probe for " + str(mn_hoa) in e.message for e in lab.trace.events_for("ha", "dad"))
    home = [r for r in lab.messages(link="core-ha") if 5 < r.time < 11 and r.summary.startswith("ESP[")]
    assert {r.name for r in home} >= {"BU", "BA"}  # BU in, BA out, both under (NULL-encryption) ESP


def test_tunnel_then_route_optimisation_then_return_home(lab: Lab) -> None:
    first = names(lab, 12.0, 12.05, link="core-ha")
    assert any(s.startswith("tunnel[ Echo Request") for s in first)  # Figure 15 before RO
    ro = names(lab, 13.0, 13.02, link="cn-link")
    assert any("Echo Request" in s and "RH2" in s for s in ro)  # Figure 19
    assert any("Echo Reply" in s and "HAO" in s for s in names(lab, 13.0, 13.05, link="cn-link"))
    after = names(lab, 30.0, 30.05, link="foreign2")
    assert any("Echo Request" in s and "RH2" in s for s in after)
    home = names(lab, 50.0, 50.05, link="home")
    assert any("Echo Request" in s and "RH2" not in s for s in home)
    assert lab.state("ha")["mobility"]["binding_cache"] == []
    assert lab.state("ha")["mobility"]["proxy_nd"] == []
    assert lab.state("cn")["mobility"]["binding_cache"] == []
    assert [e.message for e in lab.trace.events_for(category="error")] == []


def test_correspondent_without_mobile_ipv6_gets_tunnelled_traffic_only() -> None:
    t = figure1()
    t.nodes["cn"].options["mipv6"] = False

    def setup(lab: Lab) -> None:
        lab.at(5.0, lambda: lab.move("mn", "foreign1"))
        lab.at(12.0, lambda: lab.ping("cn", "mn", count=3))

    lab = Lab(Scenario("plain-cn", "test", setup, duration=20.0), topology=t, esp="null")
    lab.world.strict = True
    lab.run()
    assert lab.node("cn").role is None
    cn_link = names(lab, 12.0, 20.0, link="cn-link")
    assert not any("RH2" in s for s in cn_link)
    assert sum("Echo Reply" in s for s in cn_link) == 3
    assert any(r.name.startswith("Parameter Problem") or "Parameter Problem" in r.summary for r in lab.messages())
    assert A(lab.state("ha")["mobility"]["binding_cache"][0]["home_address"]) == lab.address_of("mn")


def test_slow_dad_at_the_home_agent_costs_no_extra_round_trip() -> None:
    """The home agent's DAD outlasts the mobile node's 1.5 s BA timeout, so the mobile node retransmits
    with a new sequence number (§11.8) and accepts only a BA for that one. The home agent answers
    the newest BU when DAD completes, so the first BA it sends is accepted."""
    lab = Lab("first-foreign-link")
    lab.world.strict = True
    lab.node("ha").dad.retrans_timer = 2.0  # a slow home link
    lab.run()
    mn = lab.role("mn")
    sent = [e for e in lab.trace.events_for("mn", "binding") if e.message.startswith("BU to home agent")]
    bas = [e for e in lab.trace.events_for("mn", "binding") if e.message.startswith("BA from home agent")]
    assert len(sent) == 2  # the first BU and one retransmission, nothing more
    assert len(bas) == 1 and "accept" in bas[0].message and str(sent[-1].details["seq"]) in bas[0].message
    assert mn.home_registration.registered
    assert bas[0].time - sent[0].time < 2.5
