"""Test benches for the correspondent and home agent roles (no tests here; imported by test_cn_* / test_ha_*).

A bench is a World with the node under test and a :class:`FakePeer`: a station that answers every
Neighbor Solicitation with its own MAC (so it is "the router to everywhere") and lets the test put
hand-built packets on the link. Frames the node sends are read back from the World's capture.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace
from ipaddress import IPv6Address as A
from typing import Any

from mip6lab.ipv6.addresses import link_local_from_mac, multicast_mac
from mip6lab.sansio import SansIONode
from mip6lab.wire import icmp as I
from mip6lab.wire import mh as M
from mip6lab.wire.codec import decode_frame, encode_frame, encode_upper
from mip6lab.wire.ip import DestinationOptions, Ethernet, HomeAddressOption, IPv6

CN = A("2001:db8:4::c")
HOA = A("2001:db8:1::100")
COA = A("2001:db8:2::100")
COA2 = A("2001:db8:3::100")
HA = A("2001:db8:1::1")
PEER_MAC = "02:00:00:00:ee:01"
PEER_LL = link_local_from_mac(PEER_MAC)


class _PeerIface:
    def __init__(self, name: str, mac: str) -> None:
        self.name, self.mac, self.attached = name, mac, False

    def accepts(self, mac: str) -> bool:
        return True


class FakePeer(SansIONode):
    """Answers any Neighbor Solicitation (unicast or multicast) with a solicited NA carrying its MAC,
    except for targets in ``silent`` (so DAD probes can be left unanswered or answered on demand)."""

    def __init__(self, name: str = "peer", mac: str = PEER_MAC, answer_dad_for: tuple[A, ...] = ()) -> None:
        super().__init__(name)
        self.mac = mac
        self.interfaces = {"eth0": _PeerIface("eth0", mac)}
        self.answer_dad_for = set(answer_dad_for)
        self.answer_ns = True

    def handle_link_change(self, now: float, ifname: str, attached: bool) -> list:
        self.interfaces[ifname].attached = attached
        return []

    def handle_frame(self, now: float, ifname: str, frame: bytes) -> list:
        from mip6lab.sansio import Transmit

        self.now = now
        try:
            eth = decode_frame(frame)
        except Exception:
            return []
        pkt = eth.payload
        if isinstance(pkt, bytes) or not isinstance(pkt.payload, I.NeighborSolicitation):
            return []
        ns = pkt.payload
        if pkt.src.is_unspecified:  # DAD probe
            if ns.target not in self.answer_dad_for:
                return []
            na = I.NeighborAdvertisement(ns.target, O=True, options=(I.TargetLinkLayerAddress(self.mac),))
            reply = IPv6(PEER_LL, A("ff02::1"), na, hlim=255)
            return [Transmit(ifname, encode_frame(Ethernet(multicast_mac(A("ff02::1")), self.mac, reply)))]
        if not self.answer_ns or ns.target.is_multicast:
            return []
        na = I.NeighborAdvertisement(ns.target, R=True, S=True, O=True, options=(I.TargetLinkLayerAddress(self.mac),))
        reply = IPv6(ns.target if not ns.target.is_link_local else PEER_LL, pkt.src, na, hlim=255)
        return [Transmit(ifname, encode_frame(Ethernet(eth.src, self.mac, reply)))]


class Bench:
    """World + node under test + fake peer on one link."""

    def __init__(self, world: Any, node: Any, link: str, ifname: str = "eth0") -> None:
        self.world = world
        self.node = node
        self.link = link
        self.ifname = ifname
        self.peer = FakePeer()
        world.add_node(self.peer)
        world.attach(self.peer.name, "eth0", link)
        self._mark = 0

    @property
    def now(self) -> float:
        return self.world.now

    def run(self, seconds: float = 0.05) -> None:
        self.world.run(until=self.world.now + seconds)

    def run_until(self, t: float) -> None:
        self.world.run(until=t)

    def inject(self, pkt: IPv6, *, run: float = 0.05, dst_mac: str | None = None) -> None:
        mac = dst_mac or self.node.interfaces[self.ifname].mac
        self.world.inject(self.link, encode_frame(Ethernet(mac, PEER_MAC, pkt)), sender="peer")
        if run:
            self.run(run)

    def inject_raw(self, ip_octets: bytes, *, run: float = 0.05) -> None:
        mac = self.node.interfaces[self.ifname].mac
        eth = bytes.fromhex(mac.replace(":", "")) + bytes.fromhex(PEER_MAC.replace(":", "")) + b"\x86\xdd"
        self.world.inject(self.link, eth + ip_octets, sender="peer")
        if run:
            self.run(run)

    def mark(self) -> None:
        self._mark = len(self.world.capture)

    def sent(self, *, since_mark: bool = True, link: str | None = None, nd: bool = False) -> list[IPv6]:
        """IPv6 packets the node under test sent (ND left out unless ``nd``)."""
        recs = list(self.world.capture)[self._mark if since_mark else 0 :]
        out = []
        for r in recs:
            if r.sender != self.node.name or (link is not None and r.link != link):
                continue
            eth = r.decoded
            if eth is None or isinstance(eth.payload, bytes):
                continue
            p = eth.payload
            if not nd and isinstance(
                p.payload,
                (I.NeighborSolicitation, I.NeighborAdvertisement, I.RouterAdvertisement, I.RouterSolicitation),
            ):
                continue
            out.append(p)
        return out

    def sent_frames(self, *, link: str | None = None) -> list[Ethernet]:
        recs = list(self.world.capture)[self._mark :]
        return [
            r.decoded
            for r in recs
            if r.sender == self.node.name and r.decoded is not None and (link is None or r.link == link)
        ]

    def mh_sent(self, kind: type) -> list[IPv6]:
        return [
            p for p in self.sent() if isinstance(p.payload, M.MobilityHeader) and isinstance(p.payload.message, kind)
        ]


def with_hao(pkt: IPv6, hoa: A) -> IPv6:
    return replace(pkt, ext=(*pkt.ext, DestinationOptions((HomeAddressOption(hoa),))))


# ------------------------------------------------------------------ independent RR arithmetic (no rr.py)
def kbm_from_tokens(home_token: bytes, careof_token: bytes | None) -> bytes:
    return hashlib.sha1(home_token + (careof_token or b"")).digest()


def mh_data_without_auth(msg: M.BindingUpdate | M.BindingAcknowledgement) -> bytes:
    """The MH octets with Checksum 0 and the 12 authenticator octets cut out (§6.2.7)."""
    _, data = encode_upper(M.MobilityHeader(msg, checksum=0), A("::"), A("::"))
    assert isinstance(msg.options[-1], M.BindingAuthorizationData)
    return data[:-12]  # BAD is last with no padding after it: its 12 authenticator octets end the MH


def authenticator_of(kbm: bytes, coa: A, cn: A, msg: M.BindingUpdate | M.BindingAcknowledgement) -> bytes:
    return hmac.new(kbm, coa.packed + cn.packed + mh_data_without_auth(msg), hashlib.sha1).digest()[:12]


def signed(msg: Any, kbm: bytes, coa: A, cn: A) -> Any:
    placeholder = replace(msg, options=(*msg.options, M.BindingAuthorizationData(bytes(12))))
    return replace(
        placeholder, options=(*msg.options, M.BindingAuthorizationData(authenticator_of(kbm, coa, cn, placeholder)))
    )


# ------------------------------------------------------------------ the correspondent bench
def cn_bench(seed: int = 1, **options: Any) -> tuple[Bench, Any]:
    from mip6lab.ipv6.node import IPv6Node
    from mip6lab.mobility.correspondent import CorrespondentRole
    from mip6lab.net.world import World

    world = World(seed)
    world.strict = True
    world.add_link("cn-link")
    cn = IPv6Node("cn", world.sim.child_rng("cn"), world.trace)
    cn.attach_role(CorrespondentRole(cn, **options))
    cn.add_interface("eth0", "02:00:00:00:0c:01")
    cn.add_address("eth0", CN, 64, dad=False)
    cn.add_route("::", 0, PEER_LL, "eth0")
    world.add_node(cn)
    world.attach("cn", "eth0", "cn-link")
    bench = Bench(world, cn, "cn-link")
    bench.run(2.0)  # link-local DAD done
    bench.mark()
    return bench, cn.role


# ------------------------------------------------------------------ the home agent bench
HA_CORE = A("2001:db8:ff:1::2")
CORE_PEER_MAC = "02:00:00:00:ee:02"
HN_MAC = "02:00:00:00:ee:03"
HA_MAC = "02:00:00:00:01:01"
HOME_PREFIX = "2001:db8:1::/64"


class HaBench(Bench):
    """Home agent with eth0 on "home" (a fake node "hn" there) and eth1 on "core" (a fake router
    "peer" there, the way to every other address). ``mn_db`` is the mobile node's SPD/SAD."""

    def __init__(self, esp: str = "off", seed: int = 1, **options: Any) -> None:
        import random as _random

        from mip6lab.ipv6.node import Router
        from mip6lab.lab import FAST_RA
        from mip6lab.mobility.home_agent import HomeAgentRole
        from mip6lab.mobility.ipsec import manual_sa_pair
        from mip6lab.net.world import World

        world = World(seed)
        world.strict = True
        world.add_link("home")
        world.add_link("core")
        ha = Router("ha", world.sim.child_rng("ha"), world.trace)
        role = HomeAgentRole(ha, esp=esp, **options)
        ha.attach_role(role)
        ha.add_interface("eth0", HA_MAC)
        ha.add_interface("eth1", "02:00:00:00:01:02")
        ha.add_address("eth0", HA, 64, dad=False)
        ha.add_address("eth1", HA_CORE, 64, dad=False)
        ha.add_route("::", 0, link_local_from_mac(CORE_PEER_MAC), "eth1")
        world.add_node(ha)
        role.configure_home_link("eth0", HOME_PREFIX, HA, ra_timing=dict(FAST_RA))
        world.attach("ha", "eth0", "home")
        world.attach("ha", "eth1", "core")
        self.world, self.node, self.link, self.ifname = world, ha, "core", "eth1"
        self.peer = FakePeer("peer", CORE_PEER_MAC)
        world.add_node(self.peer)
        world.attach("peer", "eth0", "core")
        self.hn = FakePeer("hn", HN_MAC)
        self.hn.answer_ns = False
        world.add_node(self.hn)
        world.attach("hn", "eth0", "home")
        self._mark = 0
        self.role = role
        self.mn_db = None
        if esp != "off":
            self.mn_db, _ = manual_sa_pair(HOA, HA, esp, _random.Random(7))  # type: ignore[arg-type]
            role.ipsec.ensure(HOA, HA)
        self.run(2.0)
        self.mark()

    def inject(self, pkt: IPv6, *, run: float = 0.05, dst_mac: str | None = None, link: str = "core") -> None:
        if link == "core":
            mac, src_mac = dst_mac or "02:00:00:00:01:02", CORE_PEER_MAC
        else:
            mac, src_mac = dst_mac or HA_MAC, HN_MAC
        self.world.inject(link, encode_frame(Ethernet(mac, src_mac, pkt)), sender="peer" if link == "core" else "hn")
        if run:
            self.run(run)

    def protect(self, payload: Any, src: A, dst: A, msg_type: int, *, tunnel: bool = False) -> Any:
        from mip6lab.wire.codec import encode_ipv6

        if self.mn_db is None:
            return payload
        if tunnel:
            sa = self.mn_db.outbound(payload.src, payload.dst, 135, msg_type, tunnel=True)
            return self.mn_db.protect(sa, 41, encode_ipv6(payload))
        nh, octets = encode_upper(payload, src, dst)
        sa = self.mn_db.outbound(src, dst, nh, msg_type)
        return self.mn_db.protect(sa, nh, octets) if sa is not None else payload

    def open(self, pkt: IPv6, logical_src: A = HA, logical_dst: A = HOA) -> Any:
        """The payload of a packet from the home agent, ESP opened with the mobile node's keys."""
        from mip6lab.wire.codec import decode_ipv6, encode_ipv6
        from mip6lab.wire.ip import ESP, RawPayload

        p = pkt.payload
        if not isinstance(p, ESP):
            return p
        assert self.mn_db is not None
        _, nh, plain = self.mn_db.open(p)
        if nh == 41:
            return decode_ipv6(plain)
        return decode_ipv6(encode_ipv6(IPv6(logical_src, logical_dst, RawPayload(nh, plain)))).payload


def home_bu(
    bench: HaBench,
    seq: int,
    lifetime: int = 100,
    *,
    hoa: A = HOA,
    coa: A = COA,
    A_: bool = True,
    L: bool = False,
    src: A | None = None,
    options: tuple = (),
    protect: bool = True,
    dst: A = HA,
) -> IPv6:
    bu = M.BindingUpdate(seq, lifetime, A=A_, H=True, L=L, options=(*options, M.AlternateCareofAddress(coa)))
    mh = M.MobilityHeader(bu)
    payload = bench.protect(mh, hoa, dst, M.MH_BU) if protect else mh
    src = src or coa
    ext = (DestinationOptions((HomeAddressOption(hoa),)),) if src != hoa else ()
    return IPv6(src, dst, payload, ext)


def bas(bench: HaBench, link: str | None = None) -> list[tuple[IPv6, M.BindingAcknowledgement]]:
    from mip6lab.wire.ip import ESP

    out = []
    for p in bench.sent(link=link):
        if isinstance(p.payload, ESP) and p.payload.spi & 0xF == 2 or isinstance(p.payload, M.MobilityHeader):
            rh = p.routing_type2
            m = bench.open(p, HA, rh.home_address if rh else p.dst)
            msg = m.message if isinstance(m, M.MobilityHeader) else m
            if isinstance(msg, M.BindingAcknowledgement):
                out.append((p, msg))
    return out
