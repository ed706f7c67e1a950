"""Home agent data plane and discovery: interception and tunnelling (Figures 15, 31), reverse tunnel
(Figure 17) with its care-of address check, HoT/HoTI under tunnel-mode ESP, DHAAD reply order,
Mobile Prefix Solicitation/Advertisement, unsolicited advertisements on a prefix change, BE 2."""

from __future__ import annotations

from ipaddress import IPv6Address as A

from test_cn_support import CN, COA, COA2, HA, HA_MAC, HN_MAC, HOA, HaBench, home_bu, with_hao
from test_ha_registration import register

from mip6lab.ipv6.addresses import link_local_from_mac, multicast_mac, solicited_node
from mip6lab.wire import icmp as I
from mip6lab.wire import mh as M
from mip6lab.wire.codec import ha_anycast
from mip6lab.wire.ip import ESP, DestinationOptions, HomeAddressOption, IPv6, RoutingType2

HN = A("2001:db8:1::ee03")


def tunnelled(b):
    return [p for p in b.sent(link="core") if isinstance(p.payload, (IPv6, ESP)) and p.dst in (COA, COA2)]


def test_intercepted_packet_is_tunnelled_to_the_careof_address_figure_15() -> None:
    b = HaBench()
    register(b)
    b.mark()
    b.inject(IPv6(CN, HOA, I.EchoRequest(1, 1), hlim=50))
    (outer,) = tunnelled(b)
    assert (outer.src, outer.dst) == (HA, COA)  # the home agent's address on the home link
    inner = outer.payload
    assert (inner.src, inner.dst, inner.hlim) == (CN, HOA, 49) and inner.payload == I.EchoRequest(
        1, 1, checksum=inner.payload.checksum
    )


def test_node_on_the_home_link_reaches_the_mobile_node_through_proxy_nd_figure_31() -> None:
    b = HaBench(proxy_nd="answer-multicast-ns")
    register(b)
    b.mark()
    hn_ll = link_local_from_mac(HN_MAC)
    ns = I.NeighborSolicitation(HOA, options=(I.SourceLinkLayerAddress(HN_MAC),))
    b.inject(IPv6(hn_ll, solicited_node(HOA), ns, hlim=255), link="home", dst_mac=multicast_mac(solicited_node(HOA)))
    (na,) = [p for p in b.sent(link="home", nd=True) if isinstance(p.payload, I.NeighborAdvertisement)]
    assert na.payload.options == (I.TargetLinkLayerAddress(HA_MAC),) and na.payload.S
    b.inject(IPv6(HN, HOA, I.EchoRequest(2, 2)), link="home")  # to the HA's MAC, learnt from the NA
    (outer,) = tunnelled(b)
    assert outer.payload.src == HN and outer.payload.dst == HOA


def test_no_interception_without_binding_or_after_deregistration() -> None:
    b = HaBench()
    b.inject(IPv6(CN, HOA, I.EchoRequest(1, 1)))
    assert tunnelled(b) == []
    register(b)
    b.inject(home_bu(b, 11, 0))
    b.mark()
    b.inject(IPv6(CN, HOA, I.EchoRequest(1, 2)))
    assert tunnelled(b) == []


def test_reverse_tunnel_is_decapsulated_and_forwarded_figure_17() -> None:
    b = HaBench()
    register(b)
    b.mark()
    inner = IPv6(HOA, CN, I.EchoRequest(5, 5), hlim=64)
    b.inject(IPv6(COA, HA, inner))
    (fwd,) = [p for p in b.sent(link="core") if isinstance(p.payload, I.EchoRequest)]
    assert (fwd.src, fwd.dst, fwd.ext, fwd.hlim) == (HOA, CN, (), 63)


def test_reverse_tunnel_from_another_careof_address_is_discarded() -> None:
    b = HaBench()
    register(b)
    b.mark()
    b.inject(IPv6(COA2, HA, IPv6(HOA, CN, I.EchoRequest(5, 5))))
    assert b.sent() == []


def test_home_test_is_tunnelled_under_esp_tunnel_mode_and_hoti_must_be() -> None:
    b = HaBench("null")
    register(b)
    b.mark()
    b.inject(IPv6(CN, HOA, M.MobilityHeader(M.HomeTest(3, bytes(8), bytes(8)))))
    (outer,) = tunnelled(b)
    assert isinstance(outer.payload, ESP) and outer.payload.spi & 0xF == 4
    inner = b.open(outer)
    assert isinstance(inner.payload.message, M.HomeTest) and (inner.src, inner.dst) == (CN, HOA)
    # HoTI in the reverse tunnel: in clear -> dropped; under the tunnel SA -> forwarded
    hoti = IPv6(HOA, CN, M.MobilityHeader(M.HomeTestInit(bytes(8))))
    b.mark()
    b.inject(IPv6(COA, HA, hoti))
    assert b.sent() == []
    b.inject(IPv6(COA, HA, b.protect(hoti, HOA, CN, M.MH_HOTI, tunnel=True)))
    (fwd,) = b.mh_sent(M.HomeTestInit)
    assert (fwd.src, fwd.dst) == (HOA, CN)


def test_dhaad_reply_from_unicast_address_in_preference_order() -> None:
    b = HaBench(ha_preference=0)
    other_ll, other = link_local_from_mac("02:00:00:00:0a:01"), A("2001:db8:1::2")
    low_ll, low = link_local_from_mac("02:00:00:00:0a:02"), A("2001:db8:1::3")
    for ll, addr, pref in ((low_ll, low, -5), (other_ll, other, 10)):
        ra = I.RouterAdvertisement(
            H=True,
            router_lifetime=1800,
            options=(I.PrefixInformation(addr, 64, True, True, True), I.HomeAgentInformation(pref, 600)),
        )
        b.inject(IPv6(ll, A("ff02::1"), ra, hlim=255), link="home", dst_mac="33:33:00:00:00:01")
    b.mark()
    anycast = ha_anycast("2001:db8:1::/64")
    b.inject(IPv6(COA, anycast, I.HomeAgentAddressDiscoveryRequest(0x4242)))
    (rep,) = [p for p in b.sent() if isinstance(p.payload, I.HomeAgentAddressDiscoveryReply)]
    assert (rep.src, rep.dst, rep.ext) == (HA, COA, ())
    assert rep.payload.identifier == 0x4242 and rep.payload.addresses == (other, HA, low)
    # an RA without H removes the router from the list
    ra = I.RouterAdvertisement(H=False, router_lifetime=1800)
    b.inject(IPv6(other_ll, A("ff02::1"), ra, hlim=255), link="home", dst_mac="33:33:00:00:00:01")
    b.mark()
    b.inject(IPv6(COA, anycast, I.HomeAgentAddressDiscoveryRequest(7)))
    (rep,) = [p for p in b.sent() if isinstance(p.payload, I.HomeAgentAddressDiscoveryReply)]
    assert rep.payload.addresses == (HA, low)


def test_home_agent_ra_carries_h_flag_r_prefix_interval_and_ha_information() -> None:
    b = HaBench(ha_preference=3, ha_lifetime=600)
    b.mark()
    b.run(4.0)
    (ra, *_) = [p for p in b.sent(link="home", nd=True) if isinstance(p.payload, I.RouterAdvertisement)]
    opts = ra.payload.options
    assert ra.payload.H
    pio = next(o for o in opts if isinstance(o, I.PrefixInformation))
    assert pio.R and pio.prefix == HA and pio.prefix_len == 64
    assert any(isinstance(o, I.AdvertisementInterval) for o in opts)
    assert I.HomeAgentInformation(3, 600) in opts


def test_mobile_prefix_solicitation_and_advertisement() -> None:
    b = HaBench("null")
    register(b)
    b.mark()
    mps = I.MobilePrefixSolicitation(0x1234)
    payload = b.protect(mps, HOA, HA, I.MOBILE_PREFIX_SOLICIT)
    b.inject(IPv6(COA, HA, payload, (DestinationOptions((HomeAddressOption(HOA),)),)))
    (mpa_pkt,) = [p for p in b.sent() if p.dst == COA]
    assert mpa_pkt.ext == (RoutingType2(HOA),) and isinstance(mpa_pkt.payload, ESP)
    mpa = b.open(mpa_pkt)
    assert isinstance(mpa, I.MobilePrefixAdvertisement) and mpa.identifier == 0x1234
    (pio,) = mpa.options
    assert (pio.prefix, pio.prefix_len) == (A("2001:db8:1::"), 64)
    # without a Home Address option, from the home link: no answer
    b.mark()
    b.inject(IPv6(HN, HA, I.MobilePrefixSolicitation(9)), link="home")
    assert b.sent() == []


def test_unsolicited_advertisements_after_a_prefix_change_until_the_bu() -> None:
    b = HaBench()
    register(b)
    b.mark()
    t0 = b.now
    new_ha = b.world.call("ha", lambda n: n.role.change_home_prefix("2001:db8:5::/64"))
    assert new_ha == A("2001:db8:5::1")
    b.run(30.0)
    sent = [
        (r.time, r.decoded.payload) for r in list(b.world.capture)[b._mark :] if r.sender == "ha" and r.link == "core"
    ]
    times = [round(t - t0, 1) for t, p in sent if isinstance(p.payload, I.MobilePrefixAdvertisement)]
    assert times == [0.0, 3.0, 9.0, 21.0]  # PREFIX_ADV_TIMEOUT, doubled, PREFIX_ADV_RETRIES
    mpa = next(p.payload for t, p in sent if isinstance(p.payload, I.MobilePrefixAdvertisement))
    assert [str(o.prefix) for o in mpa.options] == ["2001:db8:5::", "2001:db8:1::"]
    assert mpa.options[1].preferred_lifetime == 0
    # a second change: the mobile node's BU stops the retransmissions
    b.world.call("ha", lambda n: n.role.change_home_prefix("2001:db8:6::/64"))
    b.run(1.0)
    b.inject(home_bu(b, 20, 10))
    b.mark()
    b.run(30.0)
    assert not [p for p in b.sent() if isinstance(p.payload, I.MobilePrefixAdvertisement)]
    # BUs for the retired prefix's home address now get status 1 (prefix discovery necessary)
    assert b.role.registrar.decisions[-1][2].status == 1


def test_unknown_mh_type_at_the_home_agent_binding_error_2() -> None:
    b = HaBench()
    b.inject(with_hao(IPv6(COA, HA, M.MobilityHeader(M.UnknownMobilityMessage(99, bytes(2)))), HOA))
    (be,) = b.mh_sent(M.BindingError)
    assert be.dst == COA and be.payload.message.status == 2
