"""The home-agent scenarios (mip6lab/scenarios/home_agent.py) reproduce the white paper's figures: each
test reads the capture and checks the messages of its figure in the figure's order, with the figure's
source and destination addresses, extension headers, flags and ESP.

The TCP-survives-two-moves-and-return-home test lives in tests/mobility/test_mn_lab.py
(``test_tcp_stream_survives_two_moves_and_return_home``); here the new-foreign-link and returning-home
streams are only checked for no loss / no duplicate.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv6Address as A
from ipaddress import IPv6Network
from pathlib import Path

import pytest

pytest.importorskip("mip6lab.mobility.home_agent")

from mip6lab import tshark  # noqa: E402
from mip6lab.ipv6.addresses import solicited_node  # noqa: E402
from mip6lab.lab import Lab  # noqa: E402
from mip6lab.scenarios import SCENARIOS  # noqa: E402
from mip6lab.scenarios.home_agent import NEW_HOME_PREFIX  # noqa: E402
from mip6lab.wire import icmp as I  # noqa: E402
from mip6lab.wire.codec import DecodeError, decode_upper, ha_anycast  # noqa: E402
from mip6lab.wire.esp import null_esp_peek  # noqa: E402
from mip6lab.wire.ip import ESP, IPv6  # noqa: E402
from mip6lab.wire.mh import (  # noqa: E402
    AlternateCareofAddress,
    BindingAcknowledgement,
    BindingUpdate,
    CareofTest,
    CareofTestInit,
    HomeTest,
    HomeTestInit,
    MobilityHeader,
)
from mip6lab.wire.summary import name as packet_name  # noqa: E402
from mip6lab.wire.transport import TCP  # noqa: E402

HA_SCENARIOS = (
    "home",
    "first-foreign-link",
    "home-link-node",
    "home-prefix-change",
    "new-foreign-link",
    "returning-home",
    "ha-discovery",
    "prefix-discovery",
    "tunneled-data",
)
HA = A("2001:db8:1::1")
HA2 = A("2001:db8:1::2")
HOA = A("2001:db8:1::ff:fe00:301")  # Figure 1 home prefix + EUI-64 of the MN's MAC 02:00:00:00:03:01
COA1 = A("2001:db8:2::ff:fe00:301")
COA2 = A("2001:db8:3::ff:fe00:301")
CN = A("2001:db8:4::ff:fe00:801")
ALL_NODES = A("ff02::1")


# --------------------------------------------------------------------------- reading a capture
@dataclass
class Pkt:
    """One captured IPv6 packet and what it carries, looked into through ESP (NULL) and tunnels."""

    time: float
    link: str
    sender: str
    ip: IPv6  # the packet on the wire
    esp: bool  # the message travelled inside ESP
    tunnel: IPv6 | None  # the inner packet when ip is an IPv6-in-IPv6 tunnel
    msg: object  # the message: MH message, ICMPv6 message, TCP segment, ...

    @property
    def name(self) -> str:
        return packet_name(self.ip)

    @property
    def hao(self) -> A | None:
        o = self.ip.home_address_option
        return o.home_address if o is not None else None

    @property
    def rh2(self) -> A | None:
        r = self.ip.routing_type2
        return r.home_address if r is not None else None


def _open(payload: object) -> tuple[bool, object]:
    """(inside ESP?, the upper layer) -- NULL ESP is read without keys, as Wireshark does."""
    if isinstance(payload, ESP):
        peek = null_esp_peek(payload)
        if peek is None:
            return True, payload  # encrypted: opaque
        try:
            return True, decode_upper(*peek)
        except DecodeError:
            return True, payload
    return False, payload


def packets(lab: Lab, link: str | None = None, since: float = 0.0) -> list[Pkt]:
    out = []
    for r in lab.capture.filter(link=link):
        eth = r.decoded
        if r.time < since or eth is None or not isinstance(eth.payload, IPv6):
            continue
        ip = eth.payload
        esp, up = _open(ip.payload)
        tunnel = None
        if isinstance(up, IPv6):
            tunnel = up
            inner_esp, up = _open(up.payload)
            esp = esp or inner_esp
        msg = up.message if isinstance(up, MobilityHeader) else up
        out.append(Pkt(r.time, r.link, r.sender, ip, esp, tunnel, msg))
    return out


def first(pkts: list[Pkt], pred: Callable[[Pkt], bool], after: float = -1.0, what: str = "") -> Pkt:
    """The first packet after time ``after`` matching ``pred`` (fails with the capture's names)."""
    for p in pkts:
        if p.time > after and pred(p):
            return p
    names = [(round(p.time, 3), p.name) for p in pkts if p.time > after][:40]
    raise AssertionError(f"no {what or 'matching packet'} after {after}: {names}")


def is_(cls: type) -> Callable[[Pkt], bool]:
    return lambda p: isinstance(p.msg, cls)


def is_dad(target: A) -> Callable[[Pkt], bool]:
    return lambda p: isinstance(p.msg, I.NeighborSolicitation) and p.ip.src.is_unspecified and p.msg.target == target


def mobility_or_tunnel(p: Pkt) -> bool:
    return (
        isinstance(p.ip.payload, (MobilityHeader, ESP))
        or p.tunnel is not None
        or p.hao is not None
        or p.rh2 is not None
        or isinstance(p.msg, (MobilityHeader, BindingUpdate, BindingAcknowledgement))
    )


_LABS: dict[str, Lab] = {}


def ran(name: str, **kw: object) -> Lab:
    """Each scenario runs once per test session (they are read-only afterwards)."""
    key = name + repr(sorted(kw.items()))
    if key not in _LABS:
        lab = Lab(name, **kw)  # type: ignore[arg-type]
        lab.world.strict = True
        lab.run()
        _LABS[key] = lab
    return _LABS[key]


def no_errors(lab: Lab) -> None:
    assert [e.message for e in lab.trace.events_for(category="error")] == []


# --------------------------------------------------------------------------- registry
def test_all_home_agent_scenarios_are_registered_with_figures() -> None:
    for n in HA_SCENARIOS:
        s = SCENARIOS[n]
        assert s.mobility and s.description and s.duration > 0
    assert SCENARIOS["first-foreign-link"].figures == (20, 21, 28)
    assert set(SCENARIOS["tunneled-data"].figures) == {14, 15, 16, 17}


# --------------------------------------------------------------------------- one test per scenario
def test_home_no_mobility_signalling() -> None:
    """At home the mobile node is a plain IPv6 host: ping and TCP with the CN from the home address,
    not one Mobility Header, tunnel, HAO, RH2 or ESP anywhere."""
    lab = ran("home")
    no_errors(lab)
    all_pkts = packets(lab)
    assert [p for p in all_pkts if mobility_or_tunnel(p)] == []
    req = first(all_pkts, lambda p: isinstance(p.msg, I.EchoRequest) and p.link == "cn-link", what="Echo Request")
    assert (req.ip.src, req.ip.dst) == (HOA, CN)
    assert any(isinstance(p.msg, I.EchoReply) and p.link == "home" and p.ip.dst == HOA for p in all_pkts)
    data = [p for p in packets(lab, "home") if isinstance(p.msg, TCP) and p.msg.data]
    assert data and all((p.ip.src, p.ip.dst) == (CN, HOA) for p in data)
    rx = lab.apps["stream-rx"]
    assert rx.received == 40 and rx.lost == 0 and rx.duplicated == 0
    assert lab.state("mn")["mobility"]["location"] == "home"


def test_first_foreign_link_figure_28() -> None:
    """RS, RA, DAD for the CoA, BU (CoA -> HA, HAO, ESP, H=A=1), HA DAD for the HoA, proxy NA to
    ff02::1 with O=1 (target HoA, HA's MAC), BA (HA -> CoA, RH2 HoA, ESP, status 0)."""
    lab = ran("first-foreign-link")
    no_errors(lab)
    f1, home = packets(lab, "foreign1", 4.0), packets(lab, "home", 4.0)
    rs = first(f1, lambda p: isinstance(p.msg, I.RouterSolicitation) and p.sender == "mn", what="RS")
    ra = first(f1, lambda p: isinstance(p.msg, I.RouterAdvertisement) and p.sender == "r1", rs.time, "RA")
    dad = first(f1, is_dad(COA1), ra.time, "DAD for the CoA")
    bu = first(f1, is_(BindingUpdate), dad.time, "BU")
    assert (bu.ip.src, bu.ip.dst, bu.hao, bu.esp) == (COA1, HA, HOA, True)
    assert bu.msg.H and bu.msg.A and bu.msg.lifetime > 0
    assert AlternateCareofAddress(COA1) in bu.msg.options
    ha_dad = first(home, is_dad(HOA), bu.time, "HA DAD for the HoA")
    assert ha_dad.sender == "ha"
    na = first(
        home,
        lambda p: isinstance(p.msg, I.NeighborAdvertisement) and p.msg.target == HOA and p.sender == "ha",
        ha_dad.time,
        "proxy NA",
    )
    assert na.ip.dst == ALL_NODES and na.msg.O and not na.msg.S and not na.msg.R
    tlla = next(o for o in na.msg.options if isinstance(o, I.TargetLinkLayerAddress))
    assert tlla.mac == lab.node("ha").interfaces["eth0"].mac
    ba = first(f1, is_(BindingAcknowledgement), na.time, "BA")
    assert (ba.ip.src, ba.ip.dst, ba.rh2, ba.esp, ba.hao) == (HA, COA1, HOA, True, None)
    assert ba.msg.status == 0 and ba.msg.seq == bu.msg.seq
    assert not any(isinstance(p.msg, I.HomeAgentAddressDiscoveryRequest) for p in f1)  # HA configured
    assert lab.role("mn").home_registration.registered


def test_home_link_node_figure_31() -> None:
    """hn's multicast NS for the HoA answered by the HA's proxy NA; hn's SYN tunnelled HA -> CoA;
    RR then BU (CoA -> hn, HAO) / BA (hn -> CoA, RH2) and direct traffic with RH2 / HAO."""
    lab = ran("home-link-node")
    no_errors(lab)
    home, f1 = packets(lab, "home", 8.0), packets(lab, "foreign1", 8.0)
    hn = lab.address_of("hn")
    ns = first(home, lambda p: isinstance(p.msg, I.NeighborSolicitation) and p.msg.target == HOA, what="NS")
    assert ns.sender == "hn" and ns.ip.dst == solicited_node(HOA) and not ns.ip.src.is_unspecified
    na = first(home, lambda p: isinstance(p.msg, I.NeighborAdvertisement) and p.msg.target == HOA, ns.time, "NA")
    assert na.sender == "ha" and na.ip.dst == ns.ip.src and na.msg.S
    assert next(o for o in na.msg.options if isinstance(o, I.TargetLinkLayerAddress)).mac == (
        lab.node("ha").interfaces["eth0"].mac
    )
    syn = first(home, lambda p: isinstance(p.msg, TCP) and p.msg.flags & 0x02 and p.sender == "hn", na.time, "SYN")
    assert (syn.ip.src, syn.ip.dst, syn.tunnel) == (hn, HOA, None)
    tsyn = first(f1, lambda p: p.tunnel is not None and isinstance(p.msg, TCP), syn.time, "tunnelled SYN")
    assert (tsyn.ip.src, tsyn.ip.dst, tsyn.tunnel.src, tsyn.tunnel.dst) == (HA, COA1, hn, HOA)
    hoti = first(f1, is_(HomeTestInit), tsyn.time, "HoTI")
    assert hoti.tunnel is not None and (hoti.ip.src, hoti.ip.dst) == (COA1, HA) and hoti.tunnel.dst == hn
    first(f1, is_(CareofTestInit), tsyn.time, "CoTI")
    first(f1, is_(HomeTest), hoti.time, "HoT")
    first(f1, is_(CareofTest), hoti.time, "CoT")
    bu = first(home, lambda p: isinstance(p.msg, BindingUpdate) and p.ip.dst == hn, what="BU to hn")
    assert (bu.ip.src, bu.hao, bu.esp) == (COA1, HOA, False) and bu.msg.A and not bu.msg.H
    ba = first(home, lambda p: isinstance(p.msg, BindingAcknowledgement) and p.sender == "hn", bu.time, "BA")
    assert (ba.ip.src, ba.ip.dst, ba.rh2) == (hn, COA1, HOA) and ba.msg.status == 0
    direct = first(home, lambda p: isinstance(p.msg, TCP) and p.msg.data and p.sender == "hn", ba.time)
    assert (direct.ip.dst, direct.rh2, direct.tunnel) == (COA1, HOA, None)
    back = first(home, lambda p: isinstance(p.msg, TCP) and p.hao == HOA, ba.time, "MN's direct TCP")
    assert (back.ip.src, back.ip.dst) == (COA1, hn)
    rx = lab.apps["hn-rx"]
    assert rx.received == 60 and rx.lost == 0 and rx.duplicated == 0


def test_home_prefix_change_figure_32() -> None:
    """Renumbering: unsolicited MPA (RH2 old HoA, ESP) with the new prefix; BU for the new HoA (HAO,
    ESP) / BA (RH2 new HoA); HoTI/HoT only (no CoTI); BU/BA with the CN for the new HoA; the CN's
    next pings go straight to the new home address."""
    lab = ran("home-prefix-change")
    no_errors(lab)
    new_hoa = A("2001:db8:5::ff:fe00:301")
    f1, cnl = packets(lab, "foreign1", 12.0), packets(lab, "cn-link", 12.0)
    mpa = first(f1, is_(I.MobilePrefixAdvertisement), what="MPA")
    assert (mpa.ip.src, mpa.ip.dst, mpa.rh2, mpa.esp) == (HA, COA1, HOA, True)
    nets = [IPv6Network(f"{o.prefix}/{o.prefix_len}") for o in mpa.msg.options if isinstance(o, I.PrefixInformation)]
    assert IPv6Network(NEW_HOME_PREFIX) in nets
    bu = first(f1, is_(BindingUpdate), mpa.time, "BU to the HA")
    assert (bu.ip.src, bu.ip.dst, bu.hao, bu.esp) == (COA1, HA, new_hoa, True) and bu.msg.H and bu.msg.A
    ba = first(f1, is_(BindingAcknowledgement), bu.time, "BA from the HA")
    assert (ba.ip.dst, ba.rh2, ba.esp, ba.msg.status) == (COA1, new_hoa, True, 0)
    hoti = first(f1, is_(HomeTestInit), ba.time, "HoTI")
    assert hoti.esp and hoti.tunnel is not None and (hoti.tunnel.src, hoti.tunnel.dst) == (new_hoa, CN)
    hot = first(f1, is_(HomeTest), hoti.time, "HoT")
    assert hot.tunnel is not None and hot.tunnel.dst == new_hoa
    assert not any(isinstance(p.msg, (CareofTestInit, CareofTest)) for p in f1)  # care-of token reused
    cbu = first(cnl, lambda p: isinstance(p.msg, BindingUpdate), hot.time, "BU to the CN")
    assert (cbu.ip.src, cbu.ip.dst, cbu.hao, cbu.esp) == (COA1, CN, new_hoa, False) and not cbu.msg.H
    cba = first(cnl, is_(BindingAcknowledgement), cbu.time, "BA from the CN")
    assert (cba.ip.src, cba.ip.dst, cba.rh2, cba.msg.status) == (CN, COA1, new_hoa, 0)
    ping = first(cnl, is_(I.EchoRequest), 20.0, "ping to the new HoA")
    assert (ping.ip.dst, ping.rh2) == (COA1, new_hoa)
    mn = lab.role("mn")
    assert mn.home_address == new_hoa and mn.home_registration.registered


def test_new_foreign_link_figure_33() -> None:
    """Second move: RS, RA, DAD, BU to the HA (new CoA) / BA; CoTI/CoT only (no HoTI); BU (CoA2 ->
    CN, HAO) / BA (RH2); the stream goes on route-optimized to the new CoA with nothing lost."""
    lab = ran("new-foreign-link")
    no_errors(lab)
    f2 = packets(lab, "foreign2", 12.0)
    rs = first(f2, lambda p: isinstance(p.msg, I.RouterSolicitation), what="RS")
    ra = first(f2, is_(I.RouterAdvertisement), rs.time, "RA")
    dad = first(f2, is_dad(COA2), ra.time, "DAD")
    bu = first(f2, lambda p: isinstance(p.msg, BindingUpdate) and p.ip.dst == HA, dad.time, "BU to HA")
    assert (bu.ip.src, bu.hao, bu.esp) == (COA2, HOA, True) and bu.msg.H and bu.msg.A
    ba = first(f2, lambda p: isinstance(p.msg, BindingAcknowledgement) and p.ip.src == HA, bu.time, "BA")
    assert (ba.ip.dst, ba.rh2, ba.esp) == (COA2, HOA, True)
    coti = first(f2, is_(CareofTestInit), ba.time, "CoTI")
    assert (coti.ip.src, coti.ip.dst, coti.hao, coti.tunnel, coti.esp) == (COA2, CN, None, None, False)
    cot = first(f2, is_(CareofTest), coti.time, "CoT")
    assert (cot.ip.src, cot.ip.dst) == (CN, COA2)
    assert not any(isinstance(p.msg, (HomeTestInit, HomeTest)) for p in f2)  # home token still fresh
    cbu = first(f2, lambda p: isinstance(p.msg, BindingUpdate) and p.ip.dst == CN, cot.time, "BU to CN")
    assert (cbu.ip.src, cbu.hao, cbu.esp) == (COA2, HOA, False) and cbu.msg.A and not cbu.msg.H
    cba = first(f2, lambda p: isinstance(p.msg, BindingAcknowledgement) and p.ip.src == CN, cbu.time, "BA")
    assert (cba.ip.dst, cba.rh2, cba.msg.status) == (COA2, HOA, 0)
    data = first(f2, lambda p: isinstance(p.msg, TCP) and p.msg.data, cba.time, "direct data")
    assert (data.ip.src, data.ip.dst, data.rh2, data.tunnel) == (CN, COA2, HOA, None)
    rx = lab.apps["stream-rx"]
    assert rx.received == 140 and rx.lost == 0 and rx.duplicated == 0


def test_returning_home_figure_34() -> None:
    """Back home: BU from the HoA (no HAO, lifetime 0, H=A=1, alternate CoA = HoA, ESP) / BA (to the
    HoA, no RH2); then the MN's unsolicited NA (ff02::1, O=1); HoTI/HoT only, straight from the HoA;
    BU (lifetime 0) / BA with the CN; the HA left the HoA's solicited-node group."""
    lab = ran("returning-home")
    no_errors(lab)
    home = packets(lab, "home", 12.0)
    rs = first(home, lambda p: isinstance(p.msg, I.RouterSolicitation) and p.sender == "mn", what="RS")
    first(home, lambda p: isinstance(p.msg, I.RouterAdvertisement) and p.sender == "ha", rs.time, "RA")
    bu = first(home, lambda p: isinstance(p.msg, BindingUpdate) and p.ip.dst == HA, rs.time, "BU to HA")
    assert (bu.ip.src, bu.hao, bu.esp) == (HOA, None, True)
    assert bu.msg.H and bu.msg.A and bu.msg.lifetime == 0
    assert AlternateCareofAddress(HOA) in bu.msg.options  # care-of address == home address
    ba = first(home, lambda p: isinstance(p.msg, BindingAcknowledgement) and p.ip.src == HA, bu.time, "BA")
    assert (ba.ip.dst, ba.rh2, ba.esp, ba.msg.status) == (HOA, None, True, 0)
    na = first(
        home,
        lambda p: isinstance(p.msg, I.NeighborAdvertisement) and p.sender == "mn" and p.msg.target == HOA,
        ba.time,
        "unsolicited NA",
    )
    assert na.ip.dst == ALL_NODES and na.msg.O and not na.msg.S
    hoti = first(home, is_(HomeTestInit), ba.time, "HoTI")
    assert (hoti.ip.src, hoti.ip.dst, hoti.tunnel, hoti.esp, hoti.hao) == (HOA, CN, None, False, None)
    hot = first(home, is_(HomeTest), hoti.time, "HoT")
    assert (hot.ip.src, hot.ip.dst, hot.rh2) == (CN, HOA, None)
    assert not any(isinstance(p.msg, (CareofTestInit, CareofTest)) for p in home)
    cbu = first(home, lambda p: isinstance(p.msg, BindingUpdate) and p.ip.dst == CN, hot.time, "BU to CN")
    assert (cbu.ip.src, cbu.hao, cbu.msg.lifetime, cbu.msg.H) == (HOA, None, 0, False)
    cba = first(home, lambda p: isinstance(p.msg, BindingAcknowledgement) and p.ip.src == CN, cbu.time, "BA")
    assert (cba.ip.dst, cba.rh2, cba.msg.status) == (HOA, None, 0)
    ha_if = lab.node("ha").interfaces["eth0"]
    assert not ha_if.in_group(solicited_node(HOA))
    assert lab.state("ha")["mobility"]["binding_cache"] == [] and lab.state("cn")["mobility"]["binding_cache"] == []
    rx = lab.apps["stream-rx"]
    assert rx.received == 140 and rx.lost == 0 and rx.duplicated == 0


def test_returning_home_ha_was_in_the_solicited_node_group_while_away() -> None:
    lab = Lab("returning-home")
    lab.run(10.0)
    assert lab.node("ha").interfaces["eth0"].in_group(solicited_node(HOA))


def test_ha_discovery_figures_24_25() -> None:
    """DHAAD Request CoA -> Home-Agents anycast; Reply from the HA's unicast address to the CoA
    listing both home agents, most preferred first; the BU goes to the first of the list."""
    lab = ran("ha-discovery")
    no_errors(lab)
    f1 = packets(lab, "foreign1", 4.0)
    req = first(f1, is_(I.HomeAgentAddressDiscoveryRequest), what="DHAAD Request")
    assert (req.ip.src, req.ip.dst) == (COA1, ha_anycast(IPv6Network("2001:db8:1::/64")))
    assert str(req.ip.dst) == "2001:db8:1:0:fdff:ffff:ffff:fffe"
    rep = first(f1, is_(I.HomeAgentAddressDiscoveryReply), req.time, "DHAAD Reply")
    assert (rep.ip.src, rep.ip.dst) == (HA, COA1) and rep.msg.identifier == req.msg.identifier
    assert list(rep.msg.addresses) == [HA2, HA]  # ha2 preference 20 before ha preference 10
    bu = first(f1, is_(BindingUpdate), rep.time, "BU")
    assert (bu.ip.src, bu.ip.dst, bu.hao, bu.esp) == (COA1, HA2, HOA, True)
    ba = first(f1, is_(BindingAcknowledgement), bu.time, "BA")
    assert (ba.ip.src, ba.rh2, ba.msg.status) == (HA2, HOA, 0)
    assert lab.role("mn").home_agent == HA2


def test_prefix_discovery_figures_26_27() -> None:
    """MPS CoA -> HA with HAO and ESP; MPA HA -> CoA with RH2 and ESP, same identifier, home prefix."""
    lab = ran("prefix-discovery")
    no_errors(lab)
    f1 = packets(lab, "foreign1", 7.0)
    mps = first(f1, is_(I.MobilePrefixSolicitation), what="MPS")
    assert (mps.ip.src, mps.ip.dst, mps.hao, mps.esp, mps.rh2) == (COA1, HA, HOA, True, None)
    mpa = first(f1, is_(I.MobilePrefixAdvertisement), mps.time, "MPA")
    assert (mpa.ip.src, mpa.ip.dst, mpa.rh2, mpa.esp, mpa.hao) == (HA, COA1, HOA, True, None)
    assert mpa.msg.identifier == mps.msg.identifier
    nets = [IPv6Network(f"{o.prefix}/{o.prefix_len}") for o in mpa.msg.options if isinstance(o, I.PrefixInformation)]
    assert nets == [IPv6Network("2001:db8:1::/64")]


def test_tunneled_data_figures_14_to_17() -> None:
    """A CN without Mobile IPv6: CN -> HoA (Fig. 14), HA -> CoA tunnel (15), CoA -> HA reverse tunnel
    (16), HoA -> CN forwarded by the HA (17); never a BU to the CN, never RH2/HAO on the CN's link."""
    lab = ran("tunneled-data")
    no_errors(lab)
    cnl, f1, core = packets(lab, "cn-link", 7.0), packets(lab, "foreign1", 7.0), packets(lab, "core-ha", 7.0)
    fig14 = first(cnl, lambda p: isinstance(p.msg, TCP) and p.sender == "cn", what="CN's TCP")
    assert (fig14.ip.src, fig14.ip.dst, fig14.rh2, fig14.tunnel) == (CN, HOA, None, None)
    fig15 = first(f1, lambda p: isinstance(p.msg, TCP) and p.ip.src == HA, fig14.time, "tunnel to CoA")
    assert (fig15.ip.dst, fig15.tunnel.src, fig15.tunnel.dst) == (COA1, CN, HOA)
    fig16 = first(f1, lambda p: isinstance(p.msg, TCP) and p.sender == "mn", fig15.time, "reverse tunnel")
    assert (fig16.ip.src, fig16.ip.dst, fig16.tunnel.src, fig16.tunnel.dst) == (COA1, HA, HOA, CN)
    fig17 = first(core, lambda p: isinstance(p.msg, TCP) and p.sender == "ha" and p.tunnel is None, fig16.time)
    assert (fig17.ip.src, fig17.ip.dst, fig17.hao) == (HOA, CN, None)
    assert first(cnl, lambda p: isinstance(p.msg, TCP) and p.ip.src == HOA, fig16.time).hao is None
    assert not [p for p in cnl if p.rh2 is not None or p.hao is not None or isinstance(p.msg, BindingUpdate)]
    tcp_f1 = [p for p in f1 if isinstance(p.msg, TCP)]
    assert tcp_f1 and all(p.tunnel is not None for p in tcp_f1)  # the tunnel stays
    rx = lab.apps["stream-rx"]
    assert rx.received == 15 and rx.lost == 0 and rx.duplicated == 0


# --------------------------------------------------------------------------- ESP modes
@pytest.mark.parametrize("esp", ["off", "null", "aes"])
def test_first_foreign_link_esp_modes(esp: str) -> None:
    """off: BU/BA in clear; null: ESP, the BU readable after the ESP header; aes: ESP, opaque."""
    lab = ran("first-foreign-link", esp=esp)
    no_errors(lab)
    f1 = packets(lab, "foreign1", 4.0)
    sig = [p for p in f1 if p.ip.dst == HA or p.ip.src == HA]
    assert len(sig) >= 2
    bu_pkt, ba_pkt = sig[0], sig[-1]
    assert (bu_pkt.ip.src, bu_pkt.hao, ba_pkt.ip.dst, ba_pkt.rh2) == (COA1, HOA, COA1, HOA)
    if esp == "off":
        assert isinstance(bu_pkt.ip.payload, MobilityHeader) and isinstance(bu_pkt.msg, BindingUpdate)
        assert isinstance(ba_pkt.ip.payload, MobilityHeader) and isinstance(ba_pkt.msg, BindingAcknowledgement)
    else:
        assert isinstance(bu_pkt.ip.payload, ESP) and isinstance(ba_pkt.ip.payload, ESP)
        peek = null_esp_peek(bu_pkt.ip.payload)
        if esp == "null":
            assert isinstance(bu_pkt.msg, BindingUpdate) and bu_pkt.msg.H and peek is not None and peek[0] == 135
        else:
            assert peek is None and bu_pkt.msg is bu_pkt.ip.payload  # ciphertext: nothing readable
            assert bu_pkt.name == "ESP"
    assert lab.role("mn").home_registration.registered


# --------------------------------------------------------------------------- determinism
def test_same_seed_same_bytes() -> None:
    a, b = Lab("returning-home", seed=3), Lab("returning-home", seed=3)
    a.run()
    b.run()
    assert len(a.capture) > 500
    assert [(r.time, r.link, r.frame) for r in a.capture] == [(r.time, r.link, r.frame) for r in b.capture]


# --------------------------------------------------------------------------- CLI + tshark
@pytest.fixture(scope="module")
def cli_pcaps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str, Path]]:
    """``mip6lab run NAME --pcap F`` for every scenario, all at once (separate processes)."""
    d = tmp_path_factory.mktemp("ha-pcaps")
    procs = {
        n: subprocess.Popen(
            [sys.executable, "-m", "mip6lab.cli", "run", n, "--pcap", str(d / f"{n}.pcapng")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in HA_SCENARIOS
    }
    out = {}
    for n, p in procs.items():
        stdout, stderr = p.communicate(timeout=120)
        out[n] = (p.returncode, stdout + stderr, d / f"{n}.pcapng")
    return out


@pytest.mark.parametrize("name", HA_SCENARIOS)
def test_cli_runs_scenario(cli_pcaps: dict[str, tuple[int, str, Path]], name: str) -> None:
    rc, text, pcap = cli_pcaps[name]
    assert rc == 0, text
    assert pcap.exists() and pcap.stat().st_size > 1000
    assert f"frames to {pcap}" in text


@pytest.mark.tshark
@pytest.mark.skipif(not tshark.available(), reason="tshark not installed")
@pytest.mark.parametrize("name", HA_SCENARIOS)
def test_capture_clean_in_tshark(cli_pcaps: dict[str, tuple[int, str, Path]], name: str) -> None:
    rc, text, pcap = cli_pcaps[name]
    assert rc == 0, text
    res = tshark.check(pcap)
    assert res.frames > 50 and res.bad == []
