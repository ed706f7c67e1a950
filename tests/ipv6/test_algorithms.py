"""Exact step lists of the sending (Figure 35) and receiving (Figure 36) algorithms."""

from __future__ import annotations

from dataclasses import dataclass, field
from dataclasses import replace as dc_replace
from ipaddress import IPv6Address as A

from conftest import Net, collect_icmp, mac, sent_payloads

from mip6lab.ipv6.node import IPv6Node
from mip6lab.wire import icmp as I
from mip6lab.wire.codec import encode_frame
from mip6lab.wire.ip import (
    NH_UDP,
    DestinationOptions,
    Ethernet,
    HomeAddressOption,
    IPv6,
    RoutingType2,
)
from mip6lab.wire.transport import RST, SYN, TCP, UDP

X = A("2001:db8::1")
Y = A("2001:db8::2")
HOA = A("2001:db8:1::100")
COA = A("2001:db8::1")
HA = A("2001:db8::99")
CN = A("2001:db8:3::3")


def pair(net: Net) -> tuple[IPv6Node, IPv6Node]:
    net.link("L")
    x = net.host("x", ("eth0", mac(1)))
    y = net.host("y", ("eth0", mac(2)))
    x.add_address("eth0", X, 64, dad=False)
    y.add_address("eth0", Y, 64, dad=False)
    net.attach(x, "eth0", "L")
    net.attach(y, "eth0", "L")
    net.run(3)
    return x, y


def test_plain_send_steps_first_and_second_packet(net: Net) -> None:
    x, y = pair(net)
    net.call(x, lambda n: n.send_upper(UDP(40001, 40002, b"a"), Y))
    net.run(4)
    net.call(x, lambda n: n.send_upper(UDP(40001, 40002, b"b"), Y))
    net.run(5)
    first, second = net.trace.runs_for("x", "send")
    assert first.step_numbers == [1, 2, 13, 14, 15, 3, 5, 6, 7, 16, 18, 19]
    assert first.result == "sent after address resolution"
    assert second.step_numbers == [1, 2, 3, 5, 6, 7, 16, 17, 19]
    assert second.result == "sent"
    s13 = first.steps[2]
    assert str(s13.inputs["route"].prefix) == "2001:db8::/64" and s13.inputs["route"].on_link
    assert first.steps[3].inputs == {"next_hop": Y, "interface": "eth0"}
    assert second.steps[0].inputs["entry"].next_hop == Y
    assert second.steps[6].inputs["state"].value == "REACHABLE"
    assert first.steps[5].decision == "no binding cache pointer (no mobility)"
    # the frames carry the run ids
    ids = [r.trace_id for r in net.world.capture.filter(link="L") if r.sender == "x" and r.trace_id]
    assert ids == [first.id, second.id]


def test_plain_receive_steps(net: Net) -> None:
    x, y = pair(net)
    got: list = []
    y.register_upper(NH_UDP, got.append)
    net.call(x, lambda n: n.send_upper(UDP(40001, 40002, b"a"), Y))
    net.call(x, lambda n: n.ping(Y, 1, 1))
    net.run(4)
    udp, echo = net.trace.runs_for("y", "receive")
    assert udp.step_numbers == [1, 2, 3, 8, 9, 11, 12] and udp.result == "delivered to UDP"
    assert got[0].src == X and got[0].dst == Y and got[0].payload.data == b"a"
    assert echo.step_numbers == [1, 2, 3, 8, 9, 10] and echo.result == "ICMPv6 echo reply sent"
    assert [r.step_numbers for r in net.trace.runs_for("x", "receive")] == [[1, 2, 3, 8, 9, 10]]


def test_port_unreachable_via_transport_and_without_one(net: Net) -> None:
    x, y = pair(net)
    icmp = collect_icmp(x)
    # no UDP registered at all: the node answers Port Unreachable itself
    net.call(x, lambda n: n.send_upper(UDP(40001, 40002, b"a"), Y))
    net.run(4)
    run = net.trace.runs_for("y", "receive")[-1]
    assert run.step_numbers == [1, 2, 3, 8, 9, 11] and run.result == "ICMPv6 port unreachable"
    # a transport that finds no listener calls icmp_error (recorded as step 11)
    y.register_upper(NH_UDP, lambda d: y.icmp_error(d.packet, I.DEST_UNREACH, I.DU_PORT_UNREACHABLE))
    net.call(x, lambda n: n.send_upper(UDP(40001, 40003, b"a"), Y))
    net.run(5)
    run = net.trace.runs_for("y", "receive")[-1]
    assert run.step_numbers == [1, 2, 3, 8, 9, 11] and run.result == "ICMPv6 port unreachable"
    codes = [d.payload.code for d in icmp if isinstance(d.payload, I.DestinationUnreachable)]
    assert codes == [I.DU_PORT_UNREACHABLE, I.DU_PORT_UNREACHABLE]


def test_tcp_without_transport_gets_reset(net: Net) -> None:
    x, y = pair(net)
    net.call(x, lambda n: n.send_upper(TCP(40001, 80, seq=100, flags=SYN), Y))
    net.run(4)
    run = net.trace.runs_for("y", "receive")[-1]
    assert run.result == "TCP reset sent"
    rst = [p.payload for _, p, _ in sent_payloads(net, "y", TCP)]
    assert rst[0].flags & RST and rst[0].ack == 101 and rst[0].dport == 40001


def test_not_for_us_and_bad_checksum_are_discarded(net: Net) -> None:
    x, y = pair(net)
    net.run(4)
    yi = y.interfaces["eth0"]
    other = IPv6(X, A("2001:db8::77"), UDP(1, 2, b"z"))
    net.world.inject("L", encode_frame(Ethernet(yi.mac, mac(1), other)))
    bad = IPv6(X, Y, UDP(1, 2, b"z", checksum=0x1234))
    net.world.inject("L", encode_frame(Ethernet(yi.mac, mac(1), bad)))
    net.run(5)
    r1, r2 = net.trace.runs_for("y", "receive")[-2:]
    assert r1.step_numbers == [1] and r1.result == "discarded: not for us"
    assert r2.step_numbers == [1, 2, 3, 8, 9] and r2.result == "discarded: bad checksum"
    assert sent_payloads(net, "y", I.ParameterProblem) == []


def test_plain_node_rejects_mobility_headers(net: Net) -> None:
    """A node without mobility: Type 2 RH -> Parameter Problem code 0 (pointer to Routing Type),
    Home Address option (type 201, action 11) -> Parameter Problem code 2 (pointer to the option)."""
    x, y = pair(net)
    got = collect_icmp(x)
    net.call(x, lambda n: n.send_packet(IPv6(X, Y, UDP(1, 2), (RoutingType2(HOA),))))
    net.call(x, lambda n: n.send_packet(IPv6(X, Y, UDP(1, 2), (DestinationOptions((HomeAddressOption(HOA),)),))))
    net.run(4)
    pp = [(d.payload.code, d.payload.pointer) for d in got if isinstance(d.payload, I.ParameterProblem)]
    # 40 + 2: the Routing Type field; 40 + 6: the HAO, after a 4-octet PadN for its 8n+6 alignment
    assert pp == [(0, 42), (2, 46)]
    runs = net.trace.runs_for("y", "receive")
    assert runs[0].step_numbers == [1, 2] and runs[1].step_numbers == [1, 2, 3, 8]


# ------------------------------------------------------------------------- mobility hooks
@dataclass
class Binding:
    home_address: A
    care_of_address: A


@dataclass
class FakeMobility:
    """A hooks object as the mobility helpers will provide (only what the steps need)."""

    home_address: A | None = None
    care_of_address: A | None = None
    home_agent_address: A | None = None
    away: bool = False
    bindings: dict = field(default_factory=dict)
    bul: dict = field(default_factory=dict)
    capable: dict = field(default_factory=dict)
    initiated: list = field(default_factory=list)
    links: list = field(default_factory=list)

    def binding_cache_lookup(self, dst):
        return self.bindings.get(dst)

    def is_mobile_node(self):
        return self.home_address is not None

    def away_from_home(self):
        return self.away

    def bul_lookup(self, dst):
        return self.bul.get(dst)

    def is_mipv6_capable(self, addr):
        return self.capable.get(addr)

    def registration_initiated(self, addr):
        return addr in self.initiated

    def initiate_registration(self, addr):
        self.initiated.append(addr)

    def tunnel_to_home_agent(self, packet):
        return IPv6(self.care_of_address, self.home_agent_address, packet)

    def intercept(self, packet, ifname):
        return False

    def process_type2_routing(self, packet, rh):
        return rh.home_address if rh.home_address == self.home_address else None

    def tunneled_from_home_agent(self, packet):
        return packet.src == self.home_agent_address and packet.dst == self.care_of_address

    def strip_tunnel(self, packet):
        return packet.payload

    def process_home_test(self, inner):
        return False

    def process_home_address_option(self, packet, hao):
        b = self.bindings.get(hao.home_address)
        return hao.home_address if b is not None and b.care_of_address == packet.src else None

    def on_link_change(self, ifname, attached):
        self.links.append((ifname, attached))


def test_hooks_protocol_is_satisfied() -> None:
    from mip6lab.ipv6.mobility_hooks import MobilityHooks

    assert isinstance(FakeMobility(), MobilityHooks)


def mobile_pair(net: Net) -> tuple[IPv6Node, IPv6Node, FakeMobility]:
    """mn (care-of address X = COA) and ha (HA) on one link; the CN is reached via ha."""
    net.link("L")
    mn = net.host("mn", ("eth0", mac(1)))
    ha = net.host("ha", ("eth0", mac(2)))
    mn.add_address("eth0", COA, 64, dad=False)
    ha.add_address("eth0", HA, 64, dad=False)
    mn.add_route("::", 0, HA, "eth0")
    mob = FakeMobility(HOA, COA, HA, away=True)
    mn.mobility = mob
    net.attach(mn, "eth0", "L")
    net.attach(ha, "eth0", "L")
    net.run(3)
    return mn, ha, mob


def test_mobile_node_away_reverse_tunnels_and_initiates_registration(net: Net) -> None:
    mn, ha, mob = mobile_pair(net)
    assert mob.links == [("eth0", True)]
    assert mn.source_address_for(CN) == HOA  # RFC 6724 rule 4
    net.call(mn, lambda n: n.send_upper(UDP(40001, 40002, b"hi"), CN))
    net.run(4)
    run = net.trace.runs_for("mn", "send")[-1]
    assert run.step_numbers == [1, 2, 13, 14, 15, 3, 5, 6, 7, 8, 10, 11, 12, 1, 2, 13, 14, 15, 3, 5, 6, 16, 18, 19]
    assert mob.initiated == [CN]
    outer = [p for _, p, _ in sent_payloads(net, "mn", IPv6)][0]
    assert (outer.src, outer.dst) == (COA, HA) and (outer.payload.src, outer.payload.dst) == (HOA, CN)
    # ha (a plain node here) decapsulates per RFC 2473 and hands the inner packet to Figure 36
    runs = net.trace.runs_for("ha", "receive")
    assert runs[-2].result == "decapsulated" and runs[-1].packet.dst == CN
    # second packet: registration already initiated
    net.call(mn, lambda n: n.send_upper(UDP(40001, 40002, b"again"), CN))
    net.run(5)
    run = net.trace.runs_for("mn", "send")[-1]
    assert run.step_numbers == [1, 2, 3, 5, 6, 7, 8, 10, 11, 12, 1, 2, 3, 5, 6, 16, 17, 19]
    assert mob.initiated == [CN]


def test_mobile_node_route_optimized_with_bul_entry(net: Net) -> None:
    mn, ha, mob = mobile_pair(net)
    mob.bul[CN] = object()
    net.call(mn, lambda n: n.send_upper(UDP(40001, 40002, b"ro"), CN))
    net.run(4)
    run = net.trace.runs_for("mn", "send")[-1]
    assert run.step_numbers == [1, 2, 13, 14, 15, 3, 5, 6, 7, 8, 9, 16, 18, 19]
    pkt = [p for _, p, _ in sent_payloads(net, "mn", UDP)][0]
    assert pkt.src == COA and pkt.dst == CN and pkt.home_address_option.home_address == HOA


def test_correspondent_uses_binding_cache_pointer(net: Net) -> None:
    """y is a correspondent with a binding HOA -> COA (x's address): step 4 adds a Type 2 RH."""
    x, y = pair(net)
    y.mobility = FakeMobility(bindings={HOA: Binding(HOA, X)})
    y.add_route("::", 0, X, "eth0")  # the home network is somewhere beyond a router
    xm = FakeMobility(HOA, X, HA, away=True)
    x.mobility = xm
    got: list = []
    x.register_upper(NH_UDP, got.append)
    net.call(y, lambda n: n.send_upper(UDP(40002, 40001, b"to-hoa"), HOA, src=Y))
    net.run(4)
    run = net.trace.runs_for("y", "send")[-1]
    assert run.step_numbers == [1, 2, 13, 14, 15, 3, 13, 14, 15, 4, 6, 7, 16, 18, 19]
    pkt = [p for _, p, _ in sent_payloads(net, "y", UDP)][0]
    assert pkt.dst == X and pkt.routing_type2.home_address == HOA
    # x receives it: step 2 turns the destination into the home address
    rx = net.trace.runs_for("x", "receive")[-1]
    assert rx.step_numbers == [1, 2, 3, 8, 9, 11, 12]
    assert got[0].dst == HOA and got[0].src == Y


def test_tunneled_from_home_agent_receive_steps(net: Net) -> None:
    mn, ha, mob = mobile_pair(net)
    got: list = []
    mn.register_upper(NH_UDP, got.append)
    inner = IPv6(CN, HOA, UDP(40002, 40001, b"via-ha"))
    net.call(ha, lambda n: n.send_packet(IPv6(HA, COA, inner)))
    net.run(4)
    rx = net.trace.runs_for("mn", "receive")[-1]
    assert rx.step_numbers == [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12]
    assert mob.initiated == [CN]
    assert got[0].tunneled and got[0].src == CN and got[0].dst == HOA and got[0].outer.src == HA


def test_home_address_option_checked_by_hooks(net: Net) -> None:
    x, y = pair(net)
    y.mobility = FakeMobility(bindings={HOA: Binding(HOA, X)})
    got: list = []
    y.register_upper(NH_UDP, got.append)
    ok = IPv6(X, Y, UDP(1, 2, b"ok"), (DestinationOptions((HomeAddressOption(HOA),)),))
    net.call(x, lambda n: n.send_packet(ok))
    net.call(
        x, lambda n: n.send_packet(dc_replace(ok, ext=(DestinationOptions((HomeAddressOption(A("2001:db8:1::5")),)),)))
    )
    net.run(4)
    a, b = net.trace.runs_for("y", "receive")[-2:]
    assert a.step_numbers == [1, 2, 3, 8, 9, 11, 12] and got[0].src == HOA
    assert b.step_numbers == [1, 2, 3, 8] and b.result == "discarded: Home Address option rejected"
