"""Router Advertisements: contents, solicited replies, rate limiting, MIPv6 fast intervals."""

from __future__ import annotations

import random
from ipaddress import IPv6Address as A

import pytest
from conftest import Net, mac, sent_payloads

from mip6lab.ipv6 import constants as C
from mip6lab.ipv6.router_adv import RAConfig, RouterAdvertiser, build_ra
from mip6lab.wire import icmp as I


def test_ra_contents_home_agent() -> None:
    pio_r = I.PrefixInformation(A("2001:db8:1::1"), 64, True, True, True)
    cfg = RAConfig([pio_r], H=True, max_interval=1.0, min_interval=0.5, ha_preference=10, mtu=1500)
    ra = build_ra(cfg, mac(9))
    assert ra.H and ra.router_lifetime == 3
    assert ra.options == (
        I.SourceLinkLayerAddress(mac(9)),
        I.MTUOption(1500),
        pio_r,
        I.AdvertisementInterval(1000),
        I.HomeAgentInformation(10, 3),
    )


def test_config_limits() -> None:
    cfg = RAConfig(min_interval=0.03, max_interval=0.07)
    assert cfg.min_delay_between_ras == 0.03 and cfg.router_lifetime == 1
    with pytest.raises(ValueError):
        RAConfig(min_interval=0.01, max_interval=0.07)
    with pytest.raises(ValueError):
        RAConfig(max_interval=0.05)
    assert RAConfig().min_delay_between_ras == C.MIN_DELAY_BETWEEN_RAS


def test_unsolicited_intervals_initial_cap() -> None:
    adv = RouterAdvertiser(RAConfig(max_interval=600), random.Random(3))
    t = adv.start(0.0)
    times = [t]
    for _ in range(6):
        t = adv.multicast_sent(t)
        times.append(t)
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert all(g <= C.MAX_INITIAL_RTR_ADVERT_INTERVAL for g in gaps[:3])
    assert all(198 <= g <= 600 for g in gaps[3:])


def test_solicited_multicast_rate_limited() -> None:
    adv = RouterAdvertiser(RAConfig(max_interval=600), random.Random(1))
    adv.start(0.0)
    adv.multicast_sent(0.0)
    at, resched = adv.solicited(1.0, multicast=True)
    assert resched and C.MIN_DELAY_BETWEEN_RAS <= at <= C.MIN_DELAY_BETWEEN_RAS + C.MAX_RA_DELAY_TIME
    adv.multicast_sent(at)
    at2, _ = adv.solicited(10.0, multicast=True)
    assert 10.0 <= at2 <= 10.0 + C.MAX_RA_DELAY_TIME
    at3, resched3 = adv.solicited(10.0, multicast=False)
    assert 10.0 <= at3 <= 10.5 and not resched3


def setup(net: Net, **ra) -> tuple:
    net.link("L")
    r = net.router("r", ("eth0", mac(9)))
    h = net.host("h", ("eth0", mac(1)))
    r.configure_ra("eth0", ["2001:db8:1::/64"], **ra)
    net.attach(r, "eth0", "L")
    return r, h


def test_unicast_reply_to_rs_from_link_local(net: Net) -> None:
    r, h = setup(net, max_interval=600)
    net.run(30)  # initial RAs are over by the time the host shows up
    net.attach(h, "eth0", "L")
    net.run(40)  # h's own RSs went out from :: (answered by multicast) or from its link-local
    net.call(h, lambda n: n.start_router_solicitation("eth0"))
    t0 = net.world.now
    net.run(t0 + 2)
    rs = [p for t, p, _ in sent_payloads(net, "h", I.RouterSolicitation) if t >= t0]
    assert rs[0].src.is_link_local
    replies = [(t, p, eth) for t, p, eth in sent_payloads(net, "r", I.RouterAdvertisement) if t >= t0]
    t, p, eth = replies[0]
    assert p.dst == rs[0].src and eth.dst == mac(1) and t - t0 <= C.MAX_RTR_SOLICITATION_DELAY + C.MAX_RA_DELAY_TIME


def test_multicast_reply_to_rs_from_unspecified(net: Net) -> None:
    r, h = setup(net, max_interval=600)
    net.run(30)
    net.attach(h, "eth0", "L")
    net.run(31.6)
    rs = sent_payloads(net, "h", I.RouterSolicitation)
    assert rs[0][1].src == A("::")
    ras = [(t, p) for t, p, _ in sent_payloads(net, "r", I.RouterAdvertisement) if t >= rs[0][0]]
    assert ras and ras[0][1].dst == A("ff02::1") and ras[0][0] - rs[0][0] <= C.MAX_RA_DELAY_TIME


def test_mipv6_fast_router_advertisements(net: Net) -> None:
    r, h = setup(net, min_interval=0.03, max_interval=0.07)
    net.run(5)
    ras = [(t, p) for t, p, _ in sent_payloads(net, "r", I.RouterAdvertisement)]
    gaps = [b[0] - a[0] for a, b in zip(ras, ras[1:])]
    assert len(ras) > 40
    assert all(0.03 - 1e-9 <= g <= 0.07 + 1e-9 for g in gaps)
    assert I.AdvertisementInterval(70) in ras[0][1].payload.options
