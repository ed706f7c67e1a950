"""Labs and hand-made Mobile IPv6 frames for the widget tests (the mobility roles may not exist
yet, so tunnelled, route-optimized and ESP frames are built with the wire values and injected)."""

from __future__ import annotations

import random
from ipaddress import IPv6Address as A

from mip6lab.lab import Lab
from mip6lab.mobility.ipsec import manual_sa_pair
from mip6lab.scenarios import Scenario
from mip6lab.topology import Topology
from mip6lab.wire import icmp as I
from mip6lab.wire.codec import encode_frame, encode_upper
from mip6lab.wire.ip import NH_MOBILITY, DestinationOptions, Ethernet, HomeAddressOption, IPv6
from mip6lab.wire.mh import MH_BU, AlternateCareofAddress, BindingUpdate, MobilityHeader

HOA, HA, COA, CN = A("2001:db8:1::100"), A("2001:db8:1::1"), A("2001:db8:2::100"), A("2001:db8:4::5")


def ping_lab() -> Lab:
    """Figure 1, the "ping" scenario run to its end (10 s)."""
    lab = Lab("ping")
    lab.run()
    return lab


def mac_of(lab: Lab, node: str, ifname: str = "eth0") -> str:
    return lab.nodes[node].interfaces[ifname].mac


def frame(lab: Lab, src_node: str, dst_node: str, pkt: IPv6) -> bytes:
    return encode_frame(Ethernet(mac_of(lab, dst_node), mac_of(lab, src_node), pkt))


def tunnel_packet() -> IPv6:
    """Figure 15: the home agent tunnels a packet for the home address to the care-of address."""
    return IPv6(HA, COA, IPv6(CN, HOA, I.EchoRequest(7, 1, b"hello")))


def ro_packet() -> IPv6:
    """Figure 18: care-of address source with the Home Address option."""
    return IPv6(COA, CN, I.EchoRequest(7, 2), ext=(DestinationOptions((HomeAddressOption(HOA),)),))


def esp_bu(mode: str = "null") -> tuple[IPv6, object, object]:
    """An ESP-protected home Binding Update (as tests/mobility/test_esp_codec.py builds it)."""
    mn, ha = manual_sa_pair(HOA, HA, mode, random.Random(4))  # type: ignore[arg-type]
    bu = MobilityHeader(BindingUpdate(seq=9, lifetime=150, A=True, H=True, options=(AlternateCareofAddress(COA),)))
    nh, octets = encode_upper(bu, HOA, HA)
    sa = mn.outbound(HOA, HA, NH_MOBILITY, MH_BU)
    esp = mn.protect(sa, nh, octets)
    pkt = IPv6(COA, HA, esp, ext=(DestinationOptions((HomeAddressOption(HOA),)),))
    return pkt, mn, ha


def inject(lab: Lab, link: str, src: str, dst: str, pkt: IPv6) -> int:
    """Put ``pkt`` on ``link`` from ``src``'s MAC to ``dst``'s; returns the capture index."""
    n = len(lab.capture)
    lab.inject(link, frame(lab, src, dst, pkt))
    return n


def quiet_scenario() -> Scenario:
    """One host alone on one link: after its DAD and router solicitations nothing is left to run."""

    def topo() -> Topology:
        t = Topology("alone")
        t.add_link("lan", "2001:db8:9::/64", pos=(0.0, 0.0))
        t.add_node("mn", "mobile-node", "Mobile node", pos=(0.0, 0.5))
        t.add_link("other", "2001:db8:8::/64", pos=(1.0, 0.0))
        t.connect("mn", "lan", "eth0")
        return t

    return Scenario("quiet", "a lonely host", lambda lab: None, duration=1.0, topology=topo, mobility=False)
