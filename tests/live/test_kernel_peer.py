"""The Linux kernel as the simulated mobile node's peer (issue 14): correspondent, home-link node, SLAAC host.

Linux here has no Mobile IPv6 (no CONFIG_IPV6_MIP6): the white paper's "correspondent without Mobile
IPv6" and a plain node on the home link. Times are wall-clock seconds (the lab is paced while live).
"""

from __future__ import annotations

import re
import socket
import threading
import time
from ipaddress import IPv6Address

import pytest

from mip6lab import Lab
from mip6lab.live import LiveLink
from mip6lab.scenarios import Scenario
from mip6lab.transport.apps import StreamReceiver
from mip6lab.wire import icmp as I
from mip6lab.wire.ip import DestinationOptions, HomeAddressOption, IPv6

PORT = 40080
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4  # sll_pkttype of a frame the kernel sent
CHUNK = 200
LINUX_EUI64_IID = "ff:fe00:ee01"  # RFC 4291 App. A / RFC 2464 §4 from 02:00:00:00:ee:01 (U/L bit flipped: 00)


def quiet(mobility: bool = True) -> Scenario:
    """Figure 1 with nothing scripted: the test is the script."""
    return Scenario("live-quiet", "nothing scripted", lambda lab: None, duration=1e9, mobility=mobility)


def wait_address(lv: LiveLink, timeout: float = 8.0) -> IPv6Address:
    assert lv.wait_for(lambda: lv.global_address() is not None, timeout), f"no SLAAC address: {lv.addresses()}"
    addr = lv.global_address()
    assert addr is not None
    return addr


def packets(lab: Lab, sender: str | None = None) -> list[tuple[float, str, tuple[str, ...], IPv6]]:
    out = []
    for r in lab.capture:
        if sender is not None and r.sender != sender:
            continue
        eth = r.decoded
        if eth is not None and isinstance(eth.payload, IPv6):
            out.append((r.time, r.sender, tuple(r.receivers), eth.payload))
    return out


def ping_rtts(lv: LiveLink, dst: IPv6Address, count: int = 5) -> list[float]:
    r = lv.exec("ping", "-6", "-n", "-c", str(count), "-i", "0.2", "-W", "2", str(dst), timeout=20)
    return [float(m) for m in re.findall(r"time=([\d.]+) ms", r.stdout)]


def drain_packet_socket(sock: socket.socket) -> list[tuple[bytes, int]]:
    """Frames a packet socket holds: (frame, packet type)."""
    out = []
    while True:
        try:
            frame, addr = sock.recvfrom(65536)
        except BlockingIOError:
            return out
        out.append((frame, addr[2]))


class Sender:
    """A Linux TCP socket in the namespace sending numbered 200-byte chunks (StreamReceiver's format)."""

    def __init__(self, sock: socket.socket, rate: float = 20.0) -> None:
        self.sock, self.rate = sock, rate
        self.sent = 0
        self.error: OSError | None = None
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        filler = bytes(CHUNK - 4)
        while not self._stop.is_set():
            try:
                self.sock.sendall(self.sent.to_bytes(4, "big") + filler)
            except OSError as e:
                self.error = e
                return
            self.sent += 1
            time.sleep(1 / self.rate)

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(timeout=5)


def outage(history: list[tuple[float, int]], at: float, window: float = 12.0) -> float:
    """The longest pause between two arrivals around a move at ``at`` (the handover's visible stall)."""
    times = [t for t, _ in history if at - 1.0 <= t <= at + window]
    return max((b - a for a, b in zip(times, times[1:])), default=0.0)


def send_hao_probe(lab: Lab, lv: LiveLink, linux: IPv6Address, hoa: IPv6Address) -> None:
    """A packet with a Home Address option from the care-of address (what a route-optimized mobile node
    sends): Linux does not know option 201 and answers Parameter Problem code 2 pointing at it (RFC 8200
    §4.2: the two high-order bits 11 say "discard and send Parameter Problem unless multicast")."""

    def send(mn: object) -> None:
        coa = mn.role.care_of_address  # type: ignore[attr-defined]
        hao = DestinationOptions((HomeAddressOption(hoa),))
        mn.send_packet(IPv6(coa, linux, I.EchoRequest(0x6D37, 1, b"hao"), ext=(hao,)))  # type: ignore[attr-defined]

    lv.call(lambda: lab.world.call("mn", send))


# ================================================================================================ correspondent
def test_kernel_as_correspondent(netns: str, record_property: pytest.RecordProperty) -> None:
    """Linux on the correspondent link: Parameter Problems for HoTI/CoTI (code 1) and for a Home Address
    option (code 2); the mobile node marks it not Mobile IPv6-capable and keeps tunnelling; a Linux TCP
    connection to the home address carries every byte across two moves and a return home."""
    lab = Lab(quiet(), seed=0)
    lab.run(until=3.0)  # the simulated nodes' own SLAAC and DAD, at full speed
    with LiveLink(lab, "cn-link", netns=netns) as lv:
        linux = wait_address(lv)
        assert str(linux).endswith(LINUX_EUI64_IID)
        hoa = lab.address_of("mn")
        rx = lv.call(lambda: lab.world.call("mn", lambda _n: StreamReceiver(lab.tcp("mn"), PORT, chunk=CHUNK)))
        sock = lv.socket(socket.AF_INET6, socket.SOCK_STREAM)
        sock.settimeout(5)
        sock.connect((str(hoa), PORT))
        tx = Sender(sock)
        lab.run_for(2.0)
        moves = []
        for link in ("foreign1", "foreign2", "home"):
            moves.append((link, lab.now))
            lab.move("mn", link)
            lab.run_for(4.5)
            if link == "foreign2":
                rtts = ping_rtts(lv, hoa)  # through the tunnel: Linux -> HA -> MN and back
                record_property("ping_rtt_ms_tunnel", rtts)
                assert len(rtts) >= 4, rtts
                send_hao_probe(lab, lv, linux, hoa)
                lab.run_for(0.5)
        lab.run_for(2.0)
        tx.stop()
        assert tx.error is None, tx.error
        sock.shutdown(socket.SHUT_WR)
        assert lv.wait_for(lambda: rx.received >= tx.sent, 10.0), (rx.stats(), tx.sent)
        sock.close()
        lab.run_for(0.5)
        stats = lv.call(rx.stats)
        outages = {link: round(outage(rx.history, t), 3) for link, t in moves}
        record_property("tcp_outage_s", outages)
        print(f"\nping RTT through the tunnel (ms): {rtts}\nTCP outage per move (s): {outages}")
        assert stats == {"received": tx.sent, "lost": 0, "duplicated": 0, "out_of_order": 0}
        assert not lv.errors
    # what the wire showed
    from_linux = packets(lab, "linux")
    pp = [(t, p.payload) for t, _s, _r, p in from_linux if isinstance(p.payload, I.ParameterProblem)]
    codes = {m.code for _t, m in pp}
    assert I.PP_UNRECOGNIZED_NEXT_HEADER in codes, "no Parameter Problem code 1 for HoTI/CoTI"
    assert 2 in codes, "no Parameter Problem code 2 for the Home Address option"
    for _t, m in pp:
        inv = m.invoking
        if m.code == 1:
            assert inv[m.pointer] == 135  # the Next Header field that says Mobility Header
        if m.code == 2:
            assert inv[m.pointer] == 0xC9  # the Home Address option's type
    marked = [e for e in lab.trace.events if e.node == "mn" and "not Mobile IPv6-capable" in e.message]
    assert marked and str(linux) in marked[0].message
    assert any(e.node == "mn" and "Home Address option" in e.message for e in lab.trace.events)
    # route optimization never happened: no Binding Update went to Linux
    assert not any(
        isinstance(p.payload, IPv6) is False
        and type(p.payload).__name__ == "MobilityHeader"
        and p.dst == linux
        and type(p.payload.message).__name__ == "BindingUpdate"
        for _t, _s, _r, p in packets(lab, "mn")
    )


def test_tcp_dies_without_mobile_ipv6(netns: str) -> None:
    """The contrast of chapter 1 with a real TCP: without Mobile IPv6 the node's address changes when it
    moves and the Linux connection to the old address dies (its user timeout)."""
    lab = Lab(quiet(mobility=False), seed=0)
    lab.run(until=3.0)
    with LiveLink(lab, "cn-link", netns=netns) as lv:
        wait_address(lv)
        old = lab.address_of("mn")
        rx = lv.call(lambda: lab.world.call("mn", lambda _n: StreamReceiver(lab.tcp("mn"), PORT, chunk=CHUNK)))
        sock = lv.socket(socket.AF_INET6, socket.SOCK_STREAM)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, 2500)
        sock.settimeout(5)
        sock.connect((str(old), PORT))
        tx = Sender(sock)
        lab.run_for(1.0)
        lab.move("mn", "foreign1")
        assert lv.wait_for(lambda: tx.error is not None, 15.0), "the connection survived without Mobile IPv6"
        tx.stop()
        sock.close()
        got = lv.call(lambda: rx.received)
        assert got < tx.sent
        assert lab.address_of("mn") == old  # no home address: what peers know is the old address,
        new = [e.addr for e in lab.nodes["mn"].addresses.all() if e.addr in lab.topology.links["foreign1"].prefix]
        assert new and new[0] != old  # and the node now sends from another one
        assert tx.error is not None and tx.error.errno is not None


# ================================================================================================ home link
def test_kernel_on_the_home_link(netns: str) -> None:
    """Figure 31: Linux on the home link asks for the away mobile node's home address; the home agent's
    proxy Neighbor Advertisement answers with the home agent's MAC, and Linux's packets reach the mobile
    node through the tunnel (and the replies come back)."""
    lab = Lab(quiet(), seed=0)
    lab.run(until=2.0)
    lab.move("mn", "foreign1")
    lab.run(until=6.0)  # registered with the home agent (fast, deterministic)
    ha_mac = lab.nodes["ha"].interfaces["eth0"].mac
    with LiveLink(lab, "home", netns=netns) as lv:
        # never early: every frame goes out of the TAP at or after its simulated time on the wall clock
        stamps: list[tuple[float, float]] = []
        sink = lv.station.sink
        lv.station.sink = lambda frame: (stamps.append((lab.world.sim.now, lv.sim_time())), sink(frame))  # type: ignore[misc,func-returns-value]
        wait_address(lv)
        # what the kernel's interface really carried, both ways (a packet socket on the TAP, in the namespace)
        tap = lv.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        tap.bind((lv.ns.ifname, 0))
        tap.setblocking(False)
        since = len(lab.capture)
        hoa = lab.address_of("mn")
        rtts = ping_rtts(lv, hoa, count=3)
        assert len(rtts) == 3, rtts
        neigh = lv.exec("ip", "-6", "neigh", "show", str(hoa), "dev", lv.ns.ifname).stdout
        assert ha_mac in neigh, neigh
        wire = drain_packet_socket(tap)
        tap.close()
    assert stamps and all(sim <= wall for sim, wall in stamps)
    recs = lab.capture.records[since:]
    sent = [r.frame for r in recs if r.sender == "linux"]
    heard = [r.frame for r in recs if "linux" in r.receivers]
    out = [f for f, kind in wire if kind == PACKET_OUTGOING]
    inc = [f for f, kind in wire if kind != PACKET_OUTGOING]
    assert out and out == sent[: len(out)]  # byte for byte, in order
    assert inc and inc == heard[: len(inc)]
    ns = [p for _t, _s, _r, p in packets(lab, "linux") if isinstance(p.payload, I.NeighborSolicitation)]
    assert any(m.payload.target == hoa for m in ns)
    na = [
        (r, p)
        for _t, s, r, p in packets(lab, "ha")
        if isinstance(p.payload, I.NeighborAdvertisement) and p.payload.target == hoa and "linux" in r
    ]
    assert na, "no proxy NA from the home agent reached Linux"
    tunnelled = [p for _t, _s, _r, p in packets(lab, "ha") if isinstance(p.payload, IPv6) and p.payload.src != hoa]
    assert any(isinstance(p.payload.payload, I.EchoRequest) for p in tunnelled)


# ================================================================================================ SLAAC, DAD, NUD
def test_linux_slaac_dad_nud(netns: str) -> None:
    """RFC 4862/4861 against mip6lab's router: Linux forms fe80::/64 and the advertised prefix + its EUI-64
    interface identifier, probes each once (DAD NS from ::), and its neighbour entry for the router goes
    STALE (learnt from the RA) -> DELAY -> PROBE -> REACHABLE (a unicast NS answered with S=1); mip6lab's
    correspondent does NUD on Linux the same way."""
    lab = Lab(quiet(), seed=0)
    lab.run(until=3.0)
    rcn = lab.nodes["rcn"]
    router_ll = rcn.addresses.link_local("eth0").addr  # type: ignore[union-attr]
    with LiveLink(lab, "cn-link", netns=netns) as lv:
        lv.ns.sysctl(f"net/ipv6/neigh/{lv.ns.ifname}/delay_first_probe_time", 1)  # RFC 4861 default 5 s
        linux = wait_address(lv)
        addrs = {a for a, _f in lv.addresses()}
        assert addrs == {IPv6Address("fe80::" + LINUX_EUI64_IID), IPv6Address("2001:db8:4::" + LINUX_EUI64_IID)}
        assert lv.neighbours().get(router_ll) == "STALE"  # RFC 4861 §6.3.4: from the RA's SLLAO
        cn = lab.address_of("cn")
        remote = lab.address_of("hn")  # off-link: through the router
        # UDP, not ping: iputils ping confirms reachability with MSG_CONFIRM when replies come back (an
        # upper-layer hint, RFC 4861 §7.3.1), which takes the entry DELAY -> REACHABLE without a probe.
        udp = lv.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        seen: list[str] = []
        for _ in range(80):
            udp.sendto(b"nud", (str(remote), 9))
            st = lv.neighbours().get(router_ll)
            if st and (not seen or seen[-1] != st):
                seen.append(st)
            if st == "REACHABLE":
                break
            time.sleep(0.05)
        udp.close()
        assert seen[:1] == ["DELAY"] and seen[-1] == "REACHABLE", seen
        assert len(ping_rtts(lv, cn, count=2)) == 2
        # mip6lab's correspondent learnt Linux from its NS (STALE), answered (DELAY), probed it (PROBE)
        assert lv.wait_for(
            lambda: any(n["address"] == str(linux) and n["state"] == "REACHABLE" for n in lab.state("cn")["neighbors"]),
            8.0,
        )
    mine = packets(lab, "linux")
    dad = [p for _t, _s, _r, p in mine if isinstance(p.payload, I.NeighborSolicitation) and p.src.is_unspecified]
    assert {p.payload.target for p in dad} == addrs  # one DAD probe for each address (dad_transmits=1)
    probe = [
        p
        for _t, _s, _r, p in mine
        if isinstance(p.payload, I.NeighborSolicitation) and p.dst == router_ll and not p.src.is_unspecified
    ]
    assert probe, f"no unicast NUD probe to the router {seen}"
    answers = [p for _t, _s, _r, p in packets(lab, "rcn") if isinstance(p.payload, I.NeighborAdvertisement)]
    assert any(p.payload.S and p.dst == probe[0].src for p in answers)  # RFC 4861 §7.2.4: solicited, unicast
    assert any(isinstance(p.payload, I.RouterSolicitation) for _t, _s, _r, p in mine)  # RFC 4861 §6.3.7


def test_dad_both_ways(netns: str) -> None:
    """DAD both ways (RFC 4862 §5.4): an address a simulated node already holds is refused to Linux (its
    probe is answered, the SLAAC address is dropped), and an address Linux holds is refused to a simulated
    node (DUPLICATE) - Linux hears that probe only because its MLD report told the link it listens there."""
    lab = Lab(quiet(), seed=0)
    taken = IPv6Address("2001:db8:4::" + LINUX_EUI64_IID)
    lab.world.call("cn", lambda n: n.add_address("eth0", taken, 64))
    lab.run(until=3.0)
    with LiveLink(lab, "cn-link", netns=netns) as lv:
        refused = lambda: any(  # noqa: E731
            isinstance(p.payload, I.NeighborAdvertisement) and p.payload.target == taken and "linux" in r
            for _t, _s, r, p in packets(lab, "cn")
        )
        assert lv.wait_for(refused, 8.0), "cn did not defend its address against Linux's probe"
        lab.run_for(1.0)
        assert taken not in {a for a, _f in lv.addresses()}, lv.addresses()
        late = IPv6Address("2001:db8:4::77")
        lv.exec("ip", "-6", "addr", "add", f"{late}/64", "dev", lv.ns.ifname, "nodad")
        assert lv.wait_for(lambda: late in [a for a, _f in lv.addresses()], 2.0)
        lab.run_for(0.5)  # Linux's MLDv2 report for ff02::1:ff00:77
        lv.call(lambda: lab.world.call("cn", lambda n: n.add_address("eth0", late, 64)))
        duplicate = lambda: any(  # noqa: E731
            a["address"] == str(late) and a["state"] == "DUPLICATE" for a in lab.state("cn")["addresses"]
        )
        assert lv.wait_for(duplicate, 5.0), lab.state("cn")["addresses"]
    assert any(
        isinstance(p.payload, I.NeighborSolicitation) and p.payload.target == taken and p.src.is_unspecified
        for _t, _s, _r, p in packets(lab, "linux")
    )
    assert IPv6Address("ff02::1:ff00:77") in lv.station.groups
