"""DAD, router solicitation and SLAAC on a simulated link."""

from __future__ import annotations

from ipaddress import IPv6Address as A

from conftest import Net, mac, sent_payloads

from mip6lab.ipv6 import constants as C
from mip6lab.ipv6.addresses import AddrState, link_local_from_mac
from mip6lab.ipv6.router_adv import prefix_option
from mip6lab.ipv6.router_discovery import two_hour_rule
from mip6lab.wire import icmp as I


def test_dad_detects_duplicate_link_local_same_mac(net: Net) -> None:
    net.link("L")
    a = net.host("a", ("eth0", mac(5)))
    b = net.host("b", ("eth0", mac(5)))  # same MAC -> same EUI-64 link-local
    ll = link_local_from_mac(mac(5))
    outcomes: list = []
    b.dad_listeners.append(lambda ifn, addr, unique: outcomes.append((addr, unique)))
    net.attach(a, "eth0", "L")
    net.run(3)
    assert a.addresses.get("eth0", ll).state == AddrState.PREFERRED
    net.attach(b, "eth0", "L")
    net.run(6)
    # b's probe: NS from :: to the solicited-node group, target = the tentative address
    probes = sent_payloads(net, "b", I.NeighborSolicitation)
    assert probes and probes[0][1].src == A("::") and probes[0][1].dst == A("ff02::1:ff00:5")
    assert probes[0][1].payload.target == ll and probes[0][2].dst == "33:33:ff:00:00:05"
    # a defends it with a multicast NA; b marks it duplicate
    nas = sent_payloads(net, "a", I.NeighborAdvertisement)
    assert nas[0][1].dst == A("ff02::1") and nas[0][1].payload.target == ll and not nas[0][1].payload.S
    assert b.addresses.get("eth0", ll).state == AddrState.DUPLICATE
    assert a.addresses.get("eth0", ll).state == AddrState.PREFERRED
    assert outcomes == [(ll, False)]
    msgs = [e.message for e in net.trace.events_for("b", "dad")]
    assert f"eth0: DAD failed: {ll} is a duplicate" in msgs
    assert not b.has_address(ll) and a.has_address(ll)


def test_simultaneous_dad_ns_from_unspecified_is_a_conflict(net: Net) -> None:
    net.link("L")
    a = net.host("a", ("eth0", mac(5)))
    b = net.host("b", ("eth0", mac(5)))
    net.attach(a, "eth0", "L")
    net.attach(b, "eth0", "L")
    net.run(4)
    ll = link_local_from_mac(mac(5))
    states = sorted([a.addresses.get("eth0", ll).state.value, b.addresses.get("eth0", ll).state.value])
    # whoever probes first wins; the other hears an NS from :: for its tentative address
    assert states == ["duplicate", "preferred"]


def test_manual_global_duplicate_and_proxy_dad_callback(net: Net) -> None:
    net.link("L")
    a = net.host("a", ("eth0", mac(1)))
    b = net.host("b", ("eth0", mac(2)))
    a.add_address("eth0", "2001:db8::5", 64)
    net.attach(a, "eth0", "L")
    net.attach(b, "eth0", "L")
    net.run(3)
    assert a.addresses.find(A("2001:db8::5")).state == AddrState.PREFERRED
    net.call(b, lambda n: n.add_address("eth0", "2001:db8::5", 64))
    net.run(5)
    assert b.addresses.find(A("2001:db8::5")).state == AddrState.DUPLICATE
    # DAD for an address b does not hold (what a home agent does for a home address)
    results: list = []
    net.call(b, lambda n: n.start_dad("eth0", "2001:db8::5", lambda i, ad, u: results.append(u)))
    net.call(b, lambda n: n.start_dad("eth0", "2001:db8::77", lambda i, ad, u: results.append(u)))
    net.run(7)
    assert results == [False, True]


def test_router_solicitations_retransmitted_then_stop(net: Net) -> None:
    net.link("L")
    h = net.host("h", ("eth0", mac(1)))
    net.attach(h, "eth0", "L")
    net.run(30)
    rs = sent_payloads(net, "h", I.RouterSolicitation)
    assert len(rs) == C.MAX_RTR_SOLICITATIONS
    t0 = rs[0][0]
    assert 0 <= t0 <= C.MAX_RTR_SOLICITATION_DELAY
    assert [round(t - t0, 6) for t, _, _ in rs] == [0, 4, 8]
    assert all(p.dst == A("ff02::2") and p.hlim == 255 for _, p, _ in rs)
    # the first went out while the link-local was tentative: from :: and without SLLA
    assert rs[0][1].src == A("::") and rs[0][1].payload.options == ()
    assert rs[-1][1].src.is_link_local and rs[-1][1].payload.options == (I.SourceLinkLayerAddress(mac(1)),)


def test_slaac_lifetimes_deprecate_then_remove(net: Net) -> None:
    net.link("L")
    h = net.host("h", ("eth0", mac(1)))
    r = net.router("r", ("eth0", mac(9)))
    r.configure_ra("eth0", [prefix_option("2001:db8:1::/64", valid=40, preferred=20)], max_interval=600)
    net.attach(r, "eth0", "L")
    net.attach(h, "eth0", "L")
    net.run(4)
    a = A("2001:db8:1::ff:fe00:1")
    e = h.addresses.find(a)
    assert e is not None and e.state == AddrState.PREFERRED
    formed = next(ev.time for ev in net.trace.events_for("h", "slaac"))
    assert e.preferred_until == formed + 20 and e.valid_until == formed + 40
    assert [(str(x.prefix), x.next_hop is None) for x in h.routes.routes if x.origin.value.startswith("ra")] == [
        ("::/0", False),
        ("2001:db8:1::/64", True),
    ]
    r.ra_configs["eth0"].enabled = False  # no refresh
    net.run(formed + 20.5)
    assert e.state == AddrState.DEPRECATED and h.has_address(a)
    net.run(formed + 40.5)
    assert h.addresses.find(a) is None and not h.has_address(a)
    # the on-link prefix expired with its valid lifetime too
    assert [str(x.prefix) for x in h.routes.routes if x.origin.value == "ra-prefix"] == []


def test_two_hour_rule() -> None:
    day = 86400
    # long remaining, short advertised: clamp to two hours
    assert two_hour_rule(0, 30 * day, 100) == 7200
    # advertised longer than two hours: taken
    assert two_hour_rule(0, 30 * day, 3 * 3600) == 3 * 3600
    # advertised longer than what remains: taken
    assert two_hour_rule(0, 100, 50 * 60) == 3000
    # remaining at most two hours and advertised shorter: ignored
    assert two_hour_rule(0, 3600, 60) is None


def test_two_hour_rule_applied_from_an_ra(net: Net) -> None:
    net.link("L")
    h = net.host("h", ("eth0", mac(1)))
    r = net.router("r", ("eth0", mac(9)))
    r.configure_ra("eth0", ["2001:db8:1::/64"], max_interval=10)
    net.attach(r, "eth0", "L")
    net.attach(h, "eth0", "L")
    net.run(4)
    e = h.addresses.find(A("2001:db8:1::ff:fe00:1"))
    net.call(r, lambda n: n.configure_ra("eth0", [prefix_option("2001:db8:1::/64", valid=100, preferred=50)]))
    net.run(6)
    last_ra = max(t for t, _, _ in sent_payloads(net, "r", I.RouterAdvertisement))
    assert abs(e.valid_until - (last_ra + 0.001 + C.TWO_HOURS)) < 1e-6
    assert abs(e.preferred_until - (last_ra + 0.001 + 50)) < 1e-6
