"""One test per route optimization scenario: message order and packet forms read from the capture
(white paper Figures 13, 18-23, 29, 30, 33; "Detecting Correspondent Nodes that are not Mobile
IPv6-Capable"; the three ways to recover from a lost Binding Update; both ends away from home)."""

from __future__ import annotations

from ro_capture import first, name, on_link, order, packets, run

from mip6lab.lab import Lab
from mip6lab.scenarios import SCENARIOS
from mip6lab.scenarios.route_optimization import (
    EXPIRY_RESUME,
    MOVE_AT,
    NUD_FILTER_OFF,
    RR_RETRY,
    SECOND_MOVE_AT,
    TRAFFIC_AT,
)
from mip6lab.wire import icmp as I
from mip6lab.wire.ip import DestinationOptions, RoutingType2
from mip6lab.wire.mh import NonceIndices
from mip6lab.wire.transport import SYN

RR_NAMES = ("HoTI", "CoTI", "HoT", "CoT", "BU", "BA", "BRR", "BE", "PP")

NAMES = (
    "return-routability",
    "mn-initiates",
    "cn-initiates",
    "route-optimized-data",
    "cn-binding-maintenance",
    "non-mipv6-cn",
    "lost-binding-update",
    "lost-binding-update-nud",
    "lost-binding-update-expiry",
    "both-away",
)


def addrs(lab: Lab) -> tuple:
    mn = lab.role("mn")
    return mn.home_address, mn.care_of_address, mn.home_agent, lab.address_of("cn")


def test_scenarios_are_registered_in_order() -> None:
    names = list(SCENARIOS)
    assert [n for n in names if n in NAMES] == list(NAMES)


def test_return_routability_figure_13() -> None:
    lab = run("return-routability")
    hoa, coa, ha, cn = addrs(lab)
    sent = on_link(lab, "foreign1", "mn", RR_NAMES, after=TRAFFIC_AT)
    got = on_link(lab, "foreign1", "r1", RR_NAMES, after=TRAFFIC_AT)
    assert order(sent) == ["HoTI", "CoTI", "BU"]
    assert order(got) == ["CoT", "HoT", "BA"]  # as they arrive: any order (here CoT first, shorter path)
    hoti, coti, bu = sent
    # 1. HoTI from the home address, reverse-tunnelled in ESP tunnel mode: CoA -> HA outside
    assert hoti.esp_tunnel and (hoti.outer.src, hoti.outer.dst) == (coa, ha)
    assert (hoti.inner.src, hoti.inner.dst, hoti.inner.ext) == (hoa, cn, ())
    # 2. CoTI directly from the care-of address, no Home Address option
    assert not coti.tunnelled and (coti.inner.src, coti.inner.dst, coti.inner.ext) == (coa, cn, ())
    cot, hot, ba = got
    # 3. HoT to the home address, tunnelled by the home agent (ESP tunnel mode) HA -> CoA
    assert hot.esp_tunnel and (hot.outer.src, hot.outer.dst) == (ha, coa)
    assert (hot.inner.src, hot.inner.dst) == (cn, hoa) and hot.msg.cookie == hoti.msg.cookie
    # the HoT leaves the correspondent in clear, to the home address
    (hot_cn,) = on_link(lab, "cn-link", "cn", ("HoT",))
    assert not hot_cn.tunnelled and hot_cn.inner.dst == hoa
    # 4. CoT directly to the care-of address
    assert not cot.tunnelled and (cot.inner.src, cot.inner.dst) == (cn, coa) and cot.msg.cookie == coti.msg.cookie
    # then the BU (Figure 22: CoA source, HAO, nonce indices of both tests) and the BA (Figure 23: RH2)
    assert bu.time > max(hot.time, cot.time)
    assert (bu.inner.src, bu.inner.dst, bu.inner.home_address_option.home_address) == (coa, cn, hoa)
    assert bu.msg.A and not bu.msg.H
    ni = next(o for o in bu.msg.options if isinstance(o, NonceIndices))
    assert (ni.home_nonce_index, ni.careof_nonce_index) == (hot.msg.nonce_index, cot.msg.nonce_index)
    assert (ba.inner.src, ba.inner.dst, ba.inner.ext) == (cn, coa, (RoutingType2(hoa),))
    assert ba.msg.status == 0 and ba.msg.seq == bu.msg.seq
    mn = lab.role("mn")
    assert mn.bul.lookup(cn, hoa).acknowledged
    assert lab.role("cn").cache.lookup(hoa).care_of_address == coa


def test_mn_initiates_figure_29() -> None:
    lab = run("mn-initiates")
    hoa, coa, ha, cn = addrs(lab)
    f1 = [p for p in packets(lab, "foreign1", "mn") if p.time >= TRAFFIC_AT]
    syn = first([p for p in f1 if name(p) == "TCP"], "TCP")
    assert syn.msg.flags & SYN and syn.tunnelled and (syn.outer.dst, syn.inner.src, syn.inner.dst) == (ha, hoa, cn)
    bu = first(f1, "BU")
    ba = first([p for p in packets(lab, "foreign1", "r1") if p.time >= TRAFFIC_AT], "BA")
    assert syn.time <= first(f1, "HoTI").time < bu.time < ba.time
    tcp = [p for p in f1 if name(p) == "TCP"]
    before = [p for p in tcp if p.time < ba.time]
    after = [p for p in tcp if p.time > ba.time]
    assert before and all(p.tunnelled for p in before)  # step 1: bidirectional tunnelling meanwhile
    assert after and all(not p.tunnelled and p.inner.home_address_option.home_address == hoa for p in after)
    down = [p for p in packets(lab, "foreign1", "r1") if name(p) == "TCP" and p.time > ba.time + 0.1]
    assert down and all(p.inner.routing_type2 == RoutingType2(hoa) for p in down)
    rx = lab.apps["stream-rx"]
    assert rx.received == 30 and rx.lost == 0


def test_cn_initiates_figure_30() -> None:
    lab = run("cn-initiates")
    hoa, coa, ha, cn = addrs(lab)
    syn = first(on_link(lab, "cn-link", "cn", ("TCP",)), "TCP")
    assert syn.msg.flags & SYN and (syn.inner.dst, syn.inner.ext) == (hoa, ())  # to the home address
    into = [p for p in packets(lab, "foreign1", "r1") if p.time >= TRAFFIC_AT]
    syn_mn = first(into, "TCP")
    assert syn_mn.tunnelled and (syn_mn.outer.src, syn_mn.outer.dst) == (ha, coa)  # Figure 15
    out = [p for p in packets(lab, "foreign1", "mn") if p.time >= TRAFFIC_AT]
    hoti = first(out, "HoTI")
    assert hoti.time >= syn_mn.time  # receiving step 6 started the registration
    synack = first(out, "TCP")
    assert synack.tunnelled and synack.outer.dst == ha  # SYN-ACK reverse-tunnelled (Figure 16)
    ba = first(into, "BA")
    late_down = [p for p in into if name(p) == "TCP" and p.time > ba.time + 0.1]
    late_up = [p for p in out if name(p) == "TCP" and p.time > ba.time + 0.1]
    assert late_down and all(not p.tunnelled and p.inner.routing_type2.home_address == hoa for p in late_down)
    assert late_up and all(p.inner.home_address_option.home_address == hoa for p in late_up)
    run_ = next(r for r in lab.trace.runs_for("mn", "receive") if r.packet.payload == syn_mn.outer.payload)
    assert run_.step_numbers[:6] == [1, 2, 3, 4, 5, 6] and "initiated now" in run_.steps[5].decision


def test_route_optimized_data_figures_18_19() -> None:
    lab = run("route-optimized-data")
    hoa, coa, ha, cn = addrs(lab)
    ba_t = first(on_link(lab, "foreign1", "r1", ("BA",), after=TRAFFIC_AT), "BA").time
    up = [p for p in on_link(lab, "cn-link", "rcn", ("TCP",)) if p.time > ba_t + 0.1]
    down = [p for p in on_link(lab, "cn-link", "cn", ("TCP",)) if p.time > ba_t + 0.1]
    assert len(up) > 100 and len(down) > 100
    for p in up:  # Figure 18: CoA -> CN, Destination Options header with the Home Address option
        assert (p.outer.src, p.outer.dst) == (coa, cn) and not p.tunnelled
        assert len(p.outer.ext) == 1 and isinstance(p.outer.ext[0], DestinationOptions)
        assert p.outer.home_address_option.home_address == hoa
    for p in down:  # Figure 19: CN -> CoA, Type 2 Routing header with the home address
        assert (p.outer.src, p.outer.dst, p.outer.ext) == (cn, coa, (RoutingType2(hoa),))
    for d in ("down", "up"):
        rx = lab.apps[f"{d}-rx"]
        assert rx.received == 120 and rx.lost == 0 and rx.duplicated == 0
    # the home agent carries none of it once route optimization is on
    late_ha = [p for p in packets(lab, "core-ha") if p.time > ba_t + 0.2 and name(p) == "TCP"]
    assert late_ha == []


def test_cn_binding_maintenance_figures_22_23() -> None:
    lab = run("cn-binding-maintenance")
    hoa, coa, ha, cn = addrs(lab)
    sig = on_link(lab, "foreign1", "mn", ("BU", "HoTI", "CoTI"), after=TRAFFIC_AT) + on_link(
        lab, "foreign1", "r1", ("BA", "BRR", "HoT", "CoT"), after=TRAFFIC_AT
    )
    sig.sort(key=lambda p: p.time)
    seq = [n for n in order(sig) if n in ("BU", "BA", "BRR")]
    # first registration, the mobile node's own refresh (no new RR: tokens are fresh), then BRR-driven ones
    assert seq[:4] == ["BU", "BA", "BU", "BA"] and seq[4:7] == ["BRR", "BU", "BA"], seq
    assert order(sig).count("HoTI") == 1  # RR once: keygen tokens reused within MAX_TOKEN_LIFETIME
    brr = first(sig, "BRR")
    # RFC 6275 §6.1 (not the white paper's Figure 23): no Type 2 Routing header on a BRR; it goes to the
    # home address and reaches the care-of address through the home agent's tunnel
    assert (brr.inner.src, brr.inner.dst, brr.inner.ext) == (cn, hoa, ())
    assert brr.tunnelled and (brr.outer.src, brr.outer.dst) == (ha, coa)
    bus = [p for p in sig if name(p) == "BU"]
    assert all(p.inner.home_address_option.home_address == hoa and p.inner.src == coa for p in bus)  # Figure 22
    assert len({p.msg.seq for p in bus}) == len(bus)
    # the BRR came 20 s before the binding would have expired, while it was in active use
    cn_node = lab.role("cn")
    assert cn_node.maintenance.brrs_sent and lab.role("cn").cache.lookup(hoa) is not None
    before = [p for p in bus if p.time < brr.time][-1]
    granted = next(p for p in sig if name(p) == "BA" and p.msg.seq == before.msg.seq).msg.lifetime * 4
    assert abs((before.time + granted - 20.0) - brr.time) < 0.1
    assert lab.apps["stream-rx"].lost == 0


def test_non_mipv6_cn() -> None:
    lab = run("non-mipv6-cn")
    hoa, coa, ha, cn = addrs(lab)
    pps = on_link(lab, "cn-link", "cn", ("PP",))
    assert pps and all(p.msg.code == I.PP_UNRECOGNIZED_NEXT_HEADER and p.msg.pointer == 6 for p in pps)
    mn = lab.role("mn")
    e = mn.bul.lookup(cn, hoa)
    assert e is not None and e.no_future_updates
    assert on_link(lab, "foreign1", "mn", ("BU",), after=TRAFFIC_AT) == []  # never a BU to it
    data = [p for p in packets(lab, "foreign1", "mn") if name(p) == "TCP"]
    assert data and all(p.tunnelled and p.outer.dst == ha for p in data)  # keeps tunnelling
    # the periodic retry: RR attempts RR_RETRY seconds apart, each answered by Parameter Problems
    hotis = [p.time for p in on_link(lab, "foreign1", "mn", ("HoTI",))]
    assert len(hotis) >= 3 and all(abs((b - a) - RR_RETRY) < 0.2 for a, b in zip(hotis, hotis[1:]))
    assert lab.apps["stream-rx"].lost == 0


def _second_move_bus(lab: Lab) -> list:
    return [p for p in packets(lab, "foreign2", "mn") if name(p) == "BU" and not p.msg.H]


def test_lost_binding_update_retransmission() -> None:
    lab = run("lost-binding-update")
    hoa, coa, ha, cn = addrs(lab)
    bus = _second_move_bus(lab)
    assert bus[0].dropped and not bus[1].dropped  # the first BU to the CN is lost
    assert abs((bus[1].time - bus[0].time) - 1.0) < 1e-6  # INITIAL_BINDACK_TIMEOUT
    ba = first(on_link(lab, "foreign2", "r2", ("BA",), after=SECOND_MOVE_AT + 1.5), "BA")
    assert ba.msg.seq == bus[1].msg.seq and ba.msg.status == 0
    assert lab.role("cn").cache.lookup(hoa).care_of_address == coa
    # between the move and the retransmission the CN still sent to the old care-of address
    stale = [p for p in on_link(lab, "cn-link", "cn", ("TCP",)) if SECOND_MOVE_AT < p.time < bus[1].time]
    assert stale and all(p.outer.dst != coa for p in stale)


def test_lost_binding_update_nud_address_unreachable() -> None:
    lab = run("lost-binding-update-nud")
    hoa, coa, ha, cn = addrs(lab)
    old_coa = next(p.inner.src for p in packets(lab, "foreign1", "mn") if name(p) == "BU" and not p.msg.H)
    bus = _second_move_bus(lab)
    lost = [p for p in bus if p.time < NUD_FILTER_OFF]
    assert len(lost) >= 4 and all(p.dropped for p in lost)
    (du,) = on_link(lab, "core-r1", "r1", ("DU",))  # the old foreign link's router gave up (NUD)
    assert du.msg.code == I.DU_ADDRESS_UNREACHABLE and du.outer.dst == cn
    events = [e for e in lab.trace.events_for("cn", "binding") if "unreachable" in e.message]
    assert len(events) == 1 and events[0].time >= du.time
    # afterwards the CN sends to the home address: tunnelled by the home agent to the new care-of address
    ok = [p for p in bus if not p.dropped]
    assert ok and ok[0].time > NUD_FILTER_OFF
    to_home = [p for p in on_link(lab, "cn-link", "cn", ("TCP",)) if du.time < p.time < ok[0].time]
    assert to_home and all(p.outer.dst == hoa and p.outer.ext == () for p in to_home)
    tunnelled = [p for p in packets(lab, "foreign2", "r2") if name(p) == "TCP" and du.time < p.time < ok[0].time]
    assert tunnelled and all(p.outer.src == ha and p.outer.dst == coa for p in tunnelled)
    # once a BU gets through, route optimization with the new care-of address
    assert lab.role("cn").cache.lookup(hoa).care_of_address == coa != old_coa


def test_lost_binding_update_expiry() -> None:
    lab = run("lost-binding-update-expiry")
    hoa, coa, ha, cn = addrs(lab)
    bus = _second_move_bus(lab)
    assert all(p.dropped for p in bus if p.time < EXPIRY_RESUME)
    assert on_link(lab, "core-r1", "r1", ("DU",)) == []  # idle: no NUD-driven recovery here
    # the correspondent's BRR (to the home address, RFC 6275 §6.1) does not save the binding: it expires
    brr = first(on_link(lab, "cn-link", "cn", ("BRR",)), "BRR")
    assert (brr.inner.dst, brr.inner.ext) == (hoa, ())
    # the home agent tunnels it to the new care-of address; the BU answering it is lost like the others
    (tunnelled,) = on_link(lab, "foreign2", "r2", ("BRR",))
    assert (tunnelled.outer.src, tunnelled.outer.dst) == (ha, coa) and tunnelled.receivers == ("mn",)
    answer = next(p for p in bus if p.time > tunnelled.time)
    assert answer.dropped and answer.time - tunnelled.time < 0.01
    expired = [e for e in lab.trace.events_for("cn", "binding") if "expired" in e.message]
    assert len(expired) == 1 and brr.time < expired[0].time < EXPIRY_RESUME
    pings = [p for p in on_link(lab, "cn-link", "cn", ("EchoRequest",)) if p.time >= EXPIRY_RESUME]
    assert pings and all(p.outer.dst == hoa and p.outer.ext == () for p in pings)  # via the home agent
    assert len(lab.node("cn").echo_replies) >= 3
    assert lab.role("cn").cache.lookup(hoa).care_of_address == coa  # re-registered at last


def test_both_away_rh2_before_hao() -> None:
    lab = run("both-away")
    mn, mn2 = lab.role("mn"), lab.role("mn2")
    hoa1, coa1, hoa2, coa2 = mn.home_address, mn.care_of_address, mn2.home_address, mn2.care_of_address
    assert mn.location == mn2.location == "foreign"
    assert mn.binding_cache_lookup(hoa2).care_of_address == coa2
    assert mn2.binding_cache_lookup(hoa1).care_of_address == coa1
    assert mn.bul.lookup(hoa2, hoa1).acknowledged and mn2.bul.lookup(hoa1, hoa2).acknowledged
    last_ba = max(p.time for p in packets(lab) if name(p) == "BA" and not p.esp_tunnel and p.msg.status == 0)
    data = [p for p in packets(lab, "foreign1") if name(p) == "TCP" and p.time > last_ba + 0.05]
    assert len(data) > 40
    for p in data:  # both directions: CoA -> CoA, Type 2 RH (peer's HoA) before Dest Opts (own HoA)
        assert not p.tunnelled and len(p.outer.ext) == 2
        rh, do = p.outer.ext
        assert isinstance(rh, RoutingType2) and isinstance(do, DestinationOptions)
        if p.sender == "mn":
            assert (p.outer.src, p.outer.dst, rh.home_address, p.outer.home_address_option.home_address) == (
                coa1,
                coa2,
                hoa2,
                hoa1,
            )
        else:
            assert (p.outer.src, p.outer.dst, rh.home_address, p.outer.home_address_option.home_address) == (
                coa2,
                coa1,
                hoa1,
                hoa2,
            )
    # RFC 6275 §6.1: the BUs themselves carry no Type 2 RH and the BAs no HAO (the white paper's notes
    # under Figures 22/23 say otherwise); a BU to a mobile correspondent goes via its home agent's tunnel
    for p in packets(lab):
        if name(p) == "BU" and not p.msg.H:
            assert p.inner.routing_type2 is None
        if name(p) == "BA":
            assert p.inner.home_address_option is None
    assert lab.apps["stream-rx"].received == 50 and lab.apps["stream-rx"].lost == 0
    assert MOVE_AT < last_ba < TRAFFIC_AT + 1.0
