"""The correspondent's and mobile node's checks on a live lab, provoked with hand-built frames put on
the wire with ``Lab.inject``: each answer (or silence) from the capture, and every cache (the
correspondent's and home agent's Binding Caches, the mobile node's Binding Update List) proven
unchanged. Fills the gaps left by the unit benches in tests/mobility/test_cn_*.py: wrong authenticator,
replayed BU, Home Address option without a binding, Type 2 Routing headers that are not for the
receiver or malformed, HoTI/CoTI with a Home Address option, a too-short Mobility Header at the
home agent (``on_decode_error``)."""

from __future__ import annotations

from dataclasses import replace
from ipaddress import IPv6Address
from typing import Any

import pytest
from ro_capture import Pkt, name, packets

from mip6lab.lab import Lab
from mip6lab.wire import icmp as I
from mip6lab.wire.codec import encode_frame, encode_ipv6
from mip6lab.wire.ip import (
    NH_UDP,
    DestinationOptions,
    Ethernet,
    HomeAddressOption,
    IPv6,
    RoutingHeader,
    RoutingType2,
)
from mip6lab.wire.mh import (
    BindingAuthorizationData,
    BindingUpdate,
    CareofTestInit,
    HomeTestInit,
    MobilityHeader,
)
from mip6lab.wire.transport import UDP

ND = {"RouterSolicitation", "RouterAdvertisement", "NeighborSolicitation", "NeighborAdvertisement"}
STRANGER = IPv6Address("2001:db8:2::bad")  # a node on foreign link 1 that has no binding anywhere


@pytest.fixture
def lab() -> Lab:
    lb = Lab("return-routability")
    lb.world.strict = True
    lb.run()
    return lb


def caches(lab: Lab) -> tuple:
    cn, ha, mn = lab.role("cn"), lab.role("ha"), lab.role("mn")
    bce = [(e.home_address, e.care_of_address, e.lifetime, e.sequence_number, e.expiry) for e in cn.cache.entries()]
    hce = [(e.home_address, e.care_of_address, e.lifetime, e.sequence_number, e.expiry) for e in ha.cache.entries()]
    bul = [
        (e.destination, e.home_address, e.care_of_address, e.max_seq_sent, e.lifetime_sent, e.acknowledged, e.expiry)
        for e in mn.bul
    ]
    return bce, hce, bul


def inject(lab: Lab, link: str, frm: str, to: str, packet: IPv6 | bytes) -> list[Pkt]:
    """``packet`` as a frame from ``frm``'s to ``to``'s interface on ``link``; the non-ND frames that
    follow in the next half second (anywhere)."""
    src_mac = next(i.mac for i in lab.node(frm).interfaces.values() if lab.world.link_of(frm, i.name) == link)
    dst_mac = next(i.mac for i in lab.node(to).interfaces.values() if lab.world.link_of(to, i.name) == link)
    data = packet if isinstance(packet, bytes) else encode_ipv6(packet)
    t0 = lab.now
    lab.inject(link, encode_frame(Ethernet(dst_mac, src_mac, data)))
    lab.run_for(0.5)
    return [p for p in packets(lab) if p.time >= t0 and name(p) not in ND and p.sender != "world"]


def inject_to_cn(lab: Lab, packet: IPv6 | bytes) -> list[Pkt]:
    return inject(lab, "cn-link", "rcn", "cn", packet)


def the_bu(lab: Lab) -> IPv6:
    (bu,) = [p for p in packets(lab, "cn-link", "rcn") if name(p) == "BU"]
    return bu.inner


def answers_from(pkts: list[Pkt], node: str) -> list[str]:
    return [name(p) for p in pkts if p.sender == node]


def test_wrong_authenticator_silently_discarded(lab: Lab) -> None:
    bu = the_bu(lab)
    m: BindingUpdate = bu.payload.message
    bad = BindingAuthorizationData(bytes(b ^ 0xFF for b in m.options[-1].authenticator))
    forged = replace(m, seq=(m.seq + 1) % 65536, options=(*m.options[:-1], bad))
    before = caches(lab)
    out = inject_to_cn(lab, replace(bu, payload=MobilityHeader(forged)))
    assert answers_from(out, "cn") == []  # no BA, no Binding Error
    assert caches(lab) == before
    assert lab.role("cn").registration.decisions[-1][2].outcome == "discard"


def test_replayed_bu_gets_135_and_changes_nothing(lab: Lab) -> None:
    (rec,) = [p for p in packets(lab, "cn-link", "rcn") if name(p) == "BU"]
    before = caches(lab)
    lab.run_for(5.0)  # later: a refresh would move the expiry; a replay must not
    before = caches(lab)
    t0 = lab.now
    lab.inject("cn-link", rec.frame)  # the captured frame, byte for byte
    lab.run_for(0.5)
    out = [p for p in packets(lab) if p.time >= t0 and name(p) == "BA" and p.sender == "cn"]
    assert len(out) == 1 and out[0].msg.status == 135 and out[0].msg.seq == rec.msg.seq
    assert caches(lab) == before


def test_home_address_option_without_binding_binding_error_1(lab: Lab) -> None:
    hoa = IPv6Address("2001:db8:1::77")  # a home address the correspondent has no binding for
    cn = lab.address_of("cn")
    pkt = IPv6(STRANGER, cn, UDP(7, 7, b"hi"), (DestinationOptions((HomeAddressOption(hoa),)),))
    before = caches(lab)
    out = inject_to_cn(lab, pkt)
    be = [p for p in out if p.sender == "cn"]
    assert [name(p) for p in be] == ["BE"]
    assert (be[0].inner.dst, be[0].msg.status, be[0].msg.home_address) == (STRANGER, 1, hoa)
    assert caches(lab) == before
    # the packet itself never reached the upper layer (no port unreachable for port 7)
    assert lab.trace.runs_for("cn", "receive")[-1].step_numbers == [1, 2, 3, 8]


def test_type2_routing_header_for_someone_else_is_discarded(lab: Lab) -> None:
    cn, mn = lab.address_of("cn"), lab.role("mn")
    before = caches(lab)
    # at the correspondent (it has no home address at all) ...
    out = inject_to_cn(lab, IPv6(STRANGER, cn, UDP(7, 7, b"x"), (RoutingType2(IPv6Address("2001:db8:1::77")),)))
    assert answers_from(out, "cn") == []
    assert lab.trace.runs_for("cn", "receive")[-1].result == "discarded: Type 2 Routing header rejected"
    # ... and at the mobile node, naming a home address that is not its own
    other = IPv6Address("2001:db8:1::78")
    out = inject(lab, "foreign1", "r1", "mn", IPv6(cn, mn.care_of_address, UDP(7, 7, b"x"), (RoutingType2(other),)))
    assert answers_from(out, "mn") == []
    assert lab.trace.runs_for("mn", "receive")[-1].step_numbers == [1, 2]
    assert caches(lab) == before


@pytest.mark.parametrize("hdr_ext_len", [0, 4])
def test_malformed_type2_routing_header_silently_discarded(lab: Lab, hdr_ext_len: int) -> None:
    """RFC 6275 §6.4: Hdr Ext Len must be 2; otherwise silently discarded by a Mobile IPv6 node - not
    answered with Parameter Problem. A plain IPv6 node (hn) does answer it (RFC 8200 §4.4)."""
    cn, mn = lab.address_of("cn"), lab.role("mn")
    hoa = mn.home_address
    data = (bytes(4) + hoa.packed + bytes(32))[: 4 + hdr_ext_len * 8]  # after the first 4 octets
    rh = RoutingHeader(2, 1, data)
    before = caches(lab)
    out = inject(lab, "foreign1", "r1", "mn", IPv6(cn, mn.care_of_address, UDP(7, 7, b"x"), (rh,)))
    assert answers_from(out, "mn") == []
    r = lab.trace.runs_for("mn", "receive")[-1]
    assert r.step_numbers == [1, 2] and r.result == "discarded: malformed Type 2 Routing header"
    out = inject_to_cn(lab, IPv6(STRANGER, cn, UDP(7, 7, b"x"), (rh,)))
    assert answers_from(out, "cn") == []
    assert caches(lab) == before
    hn = lab.address_of("hn")
    out = inject(lab, "home", "ha", "hn", IPv6(STRANGER, hn, UDP(7, 7, b"x"), (rh,)))
    pp = [p for p in out if p.sender == "hn" and name(p) == "PP"]
    assert pp and pp[0].msg.code == I.PP_ERRONEOUS_HEADER and pp[0].msg.pointer == 42  # Segments Left


@pytest.mark.parametrize("kind", [HomeTestInit, CareofTestInit])
def test_test_init_with_home_address_option_ignored(lab: Lab, kind: type) -> None:
    cn, mn = lab.address_of("cn"), lab.role("mn")
    pkt = IPv6(
        mn.care_of_address,
        cn,
        MobilityHeader(kind(bytes(range(8)))),
        (DestinationOptions((HomeAddressOption(mn.home_address),)),),
    )
    sent_before = lab.role("cn").rr.home_tests_sent + lab.role("cn").rr.careof_tests_sent
    before = caches(lab)
    out = inject_to_cn(lab, pkt)
    assert answers_from(out, "cn") == []  # no HoT/CoT, no Binding Error
    assert lab.role("cn").rr.home_tests_sent + lab.role("cn").rr.careof_tests_sent == sent_before
    assert caches(lab) == before


def test_short_mobility_header_at_the_home_agent_parameter_problem(lab: Lab) -> None:
    """IPv6Node.on_decode_error: the codec refuses a Mobility Header below its type's minimum length;
    the home agent (like the correspondent) still answers it with Parameter Problem -> Header Len."""
    mn = lab.role("mn")
    ha = mn.home_agent
    octets = bytearray(encode_ipv6(IPv6(mn.care_of_address, ha, MobilityHeader(CareofTestInit(bytes(8))))))
    octets[41] = 0  # Header Len 0: 8 octets, a CoTI needs 16
    del octets[48:]
    octets[4:6] = (8).to_bytes(2, "big")
    before = caches(lab)
    out = inject(lab, "core-ha", "core", "ha", bytes(octets))
    pp = [p for p in out if p.sender == "ha" and name(p) == "PP"]
    assert pp and (pp[0].inner.dst, pp[0].msg.code, pp[0].msg.pointer) == (mn.care_of_address, 0, 41)
    assert caches(lab) == before
    assert any(e.category == "decode" for e in lab.trace.events_for("ha"))


def test_plain_udp_with_home_address_option_still_works_with_binding(lab: Lab) -> None:
    """Control for the checks above: the genuine route-optimized form is accepted (step 8)."""
    cn, mn = lab.address_of("cn"), lab.role("mn")
    got = []
    lab.node("cn").register_upper(NH_UDP, got.append)
    pkt = IPv6(mn.care_of_address, cn, UDP(7, 7, b"ok"), (DestinationOptions((HomeAddressOption(mn.home_address),)),))
    inject_to_cn(lab, pkt)
    assert got and got[0].src == mn.home_address


def test_nd_filter_and_decode_error_questions_go_to_the_role(lab: Lab) -> None:
    """The node asks its role (``node.role``) should_answer_ns / accept_na / on_decode_error: the mobile
    node, home agent and correspondent answer them; a plain host (no role) gets "process" and "ignore"."""
    from mip6lab.ipv6.addresses import solicited_node
    from mip6lab.ipv6.role import NodeRole
    from mip6lab.wire.codec import mac_for_multicast

    hn = lab.node("hn")
    target = lab.address_of("hn")
    asked, errors = [], []
    ns = I.NeighborSolicitation(target, options=(I.SourceLinkLayerAddress("02:00:00:00:99:01"),))
    group = solicited_node(target)

    def solicit() -> list[Pkt]:
        t0 = lab.now
        pkt = IPv6(IPv6Address("fe80::99:1"), group, ns, hlim=255)
        lab.inject("home", encode_frame(Ethernet(mac_for_multicast(group), "02:00:00:00:99:01", pkt)))
        lab.run_for(0.2)
        return [p for p in packets(lab, "home", "hn") if p.time >= t0 and name(p) == "NeighborAdvertisement"]

    assert hn.role is None and len(solicit()) == 1  # default: answered

    class Quiet(NodeRole):
        def should_answer_ns(self, ifname: str, tgt: IPv6Address, src: IPv6Address) -> bool:
            asked.append((ifname, tgt, src))
            return False

        def on_decode_error(self, ifname: str, frame: bytes, err: Any) -> None:
            errors.append(err.layer)

    hn.attach_role(Quiet(hn))
    assert solicit() == [] and asked == [("eth0", target, IPv6Address("fe80::99:1"))]
    lab.inject("home", encode_frame(Ethernet(hn.interfaces["eth0"].mac, "02:00:00:00:99:01", b"\x60" + bytes(10))))
    lab.run_for(0.1)
    assert len(errors) == 1  # the hook saw the DecodeError (the frame was discarded and traced as before)
