"""A sans-IO harness for the mobile node (h11 style): feed it frames and timer events by hand, read the
frames it emits, and play the home agent / correspondent with a few lines each.

Imported by the other ``test_mn_*`` files (``from test_mn_harness import ...``); its own tests check the
harness itself.
"""

from __future__ import annotations

import random
from collections.abc import Hashable
from dataclasses import replace
from ipaddress import IPv6Address as A
from ipaddress import IPv6Network as N
from typing import Any

from mip6lab.ipv6.addresses import ALL_NODES, address_from_prefix, interface_id_from_mac, multicast_mac
from mip6lab.ipv6.node import IPv6Node
from mip6lab.mobility import rr
from mip6lab.mobility.ipsec import SecurityPolicyDatabase, manual_sa_pair
from mip6lab.mobility.mn_config import MobileNodeConfig
from mip6lab.mobility.mn_ipsec import decode_opened
from mip6lab.mobility.mobile_node import MobileNodeRole
from mip6lab.sansio import CancelTimer, SetTimer, Transmit
from mip6lab.trace import Trace
from mip6lab.wire import icmp as I
from mip6lab.wire.codec import decode_frame, encode_frame, encode_ipv6, encode_upper
from mip6lab.wire.ip import ESP, NH_IPV6, Ethernet, IPv6, RoutingType2
from mip6lab.wire.mh import (
    MH_BA,
    BindingAcknowledgement,
    BindingUpdate,
    CareofTestInit,
    HomeTestInit,
    MobilityHeader,
)

MN_MAC = "02:00:00:00:03:01"
HA_MAC = "02:00:00:00:01:01"
R1_MAC = "02:00:00:00:05:02"
R2_MAC = "02:00:00:00:06:02"
HOME, F1, F2 = N("2001:db8:1::/64"), N("2001:db8:2::/64"), N("2001:db8:3::/64")
HA, HA_LL = A("2001:db8:1::1"), A("fe80::ff:fe00:101")
R1_LL, R2_LL = A("fe80::ff:fe00:502"), A("fe80::ff:fe00:602")
CN = A("2001:db8:4::10")
IID = interface_id_from_mac(MN_MAC)
HOA = address_from_prefix(HOME, IID)
COA1 = address_from_prefix(F1, IID)
COA2 = address_from_prefix(F2, IID)
MN_LL = A("fe80::ff:fe00:301")
ROUTERS = {F1: (R1_LL, R1_MAC), F2: (R2_LL, R2_MAC), HOME: (HA_LL, HA_MAC)}


class MNHarness:
    """One mobile node (a plain node with a MobileNodeRole: ``mn`` is the role, ``mn.node`` the node),
    its emitted frames (decoded), and its pending timers."""

    def __init__(self, esp: str = "null", seed: int = 1, **options: Any) -> None:
        node = IPv6Node("mn", random.Random(seed), Trace())
        self.mn = MobileNodeRole(
            node,
            config=MobileNodeConfig.from_options(options),
            esp=esp,
            esp_rng=random.Random(seed + 1),
        )
        node.attach_role(self.mn)
        self.mn.node.add_interface("eth0", MN_MAC)
        self.now = 0.0
        self.out: list[tuple[float, Ethernet]] = []
        self.timers: dict[Hashable, float] = {}
        self.ha_db = self.sa_pair(HOA, HA, esp)
        self.cn_secrets = rr.CorrespondentSecrets(random.Random(7))
        self.link: N | None = None

    def sa_pair(self, hoa: A, ha: A, esp: str) -> SecurityPolicyDatabase:
        mn_db, ha_db = manual_sa_pair(hoa, ha, esp, random.Random(3))  # type: ignore[arg-type]
        self.mn.ipsec.install(hoa, ha, mn_db)
        return ha_db

    # ------------------------------------------------------------------ driving
    def _take(self, actions: list) -> None:
        answers = []
        for a in actions:
            if isinstance(a, Transmit):
                eth = decode_frame(a.frame)
                self.out.append((self.now, eth))
                answers += self._neighbor_answer(eth)
            elif isinstance(a, SetTimer):
                self.timers[a.key] = a.at
            elif isinstance(a, CancelTimer):
                self.timers.pop(a.key, None)
        for pkt, mac in answers:
            self.deliver(pkt, mac)

    def _neighbor_answer(self, eth: Ethernet) -> list[tuple[IPv6, str]]:
        """The routers (and the home agent on the home link) answer address resolution / NUD."""
        p = eth.payload
        if not isinstance(p, IPv6) or not isinstance(p.payload, I.NeighborSolicitation) or p.src.is_unspecified:
            return []
        target = p.payload.target
        for prefix, (ll, mac) in ROUTERS.items():
            if prefix == self.link and (target == ll or (prefix == HOME and target == HA)):
                na = I.NeighborAdvertisement(target, R=True, S=True, O=True, options=(I.TargetLinkLayerAddress(mac),))
                return [(IPv6(target, p.src, na, hlim=255), mac)]
        return []

    def run(self, until: float) -> None:
        """Fire due timers in time order up to ``until`` (inclusive), then set the clock to it."""
        while True:
            due = [(t, k) for k, t in self.timers.items() if t <= until + 1e-9]
            if not due:
                break
            t, key = min(due, key=lambda x: x[0])
            del self.timers[key]
            self.now = max(self.now, t)
            self._take(self.mn.node.handle_timer(self.now, key))
        self.now = max(self.now, until)

    def attach(self, link: N) -> None:
        """Media change to ``link`` (None: stays detached)."""
        if self.link is not None:
            self._take(self.mn.node.handle_link_change(self.now, "eth0", False))
        self.link = link
        self._take(self.mn.node.handle_link_change(self.now, "eth0", True))

    def deliver(self, pkt: IPv6, src_mac: str | None = None, dst_mac: str = MN_MAC) -> None:
        if src_mac is None:
            src_mac = ROUTERS[self.link][1] if self.link is not None else HA_MAC
        frame = encode_frame(Ethernet(dst_mac, src_mac, pkt))
        self._take(self.mn.node.handle_frame(self.now, "eth0", frame))

    def ra(self, prefix: N, *, H: bool = False, R_addr: A | None = None, interval_ms: int = 3000) -> None:
        ll, mac = ROUTERS[prefix]
        opts: list = [I.SourceLinkLayerAddress(mac), I.PrefixInformation(prefix.network_address, 64)]
        if R_addr is not None:
            opts.append(I.PrefixInformation(R_addr, 64, R=True))
        opts.append(I.AdvertisementInterval(interval_ms))
        ra = I.RouterAdvertisement(H=H, router_lifetime=1800, options=tuple(opts))
        self.deliver(IPv6(ll, ALL_NODES, ra, hlim=255), mac, multicast_mac(ALL_NODES))

    def go(self, prefix: N, *, settle: float = 1.0) -> None:
        """Move to ``prefix``'s link, hear its RA at once, let DAD finish."""
        self.attach(prefix)
        self.ra(prefix, H=prefix == HOME, R_addr=HA if prefix == HOME else None)
        self.run(self.now + settle)

    # ------------------------------------------------------------------ reading
    def packets(self, since: float = -1.0) -> list[tuple[float, IPv6]]:
        return [(t, e.payload) for t, e in self.out if t >= since and isinstance(e.payload, IPv6)]

    def mh(self, kind: type, since: float = -1.0) -> list[tuple[float, IPv6, Any]]:
        """Mobility messages of ``kind`` sent in clear or inside a plain tunnel: (time, packet, message)."""
        got = []
        for t, p in self.packets(since):
            for q in (p, p.payload):
                if (
                    isinstance(q, IPv6)
                    and isinstance(q.payload, MobilityHeader)
                    and isinstance(q.payload.message, kind)
                ):
                    got.append((t, p, q.payload.message))
        return got

    def home_bus(self, since: float = -1.0) -> list[tuple[float, IPv6, BindingUpdate]]:
        """Home BUs (ESP opened with a *copy* of the home agent's SAs, so replay state is untouched)."""
        out = []
        for t, p in self.packets(since):
            if p.dst != HA:
                continue
            msg = self.open_to_ha(p, peek=True)
            if isinstance(msg, BindingUpdate):
                out.append((t, p, msg))
        return out

    def open_to_ha(self, p: IPv6, peek: bool = False) -> Any:
        """The message inside ``p`` (a packet to the home agent), ESP opened with the HA's SAs."""
        if isinstance(p.payload, MobilityHeader):
            return p.payload.message
        if isinstance(p.payload, ESP):
            sa = self.ha_db.sa_for_spi(p.payload.spi)
            assert sa is not None
            if peek:
                sa = replace(sa)
            from mip6lab.wire.esp import esp_open

            nh, data = esp_open(sa, p.payload)
            hao = p.home_address_option
            src = hao.home_address if hao else p.src
            inner = decode_opened(src, p.dst, nh, data)
            if nh == NH_IPV6:
                return inner
            return inner.payload.message if isinstance(inner.payload, MobilityHeader) else inner.payload
        if isinstance(p.payload, IPv6):
            return p.payload
        return p.payload

    def tunnelled_hotis(self, timed: bool = False) -> list[Any]:
        """HoTIs inside ESP tunnel mode (opened with a copy of the home agent's SA)."""
        out: list[Any] = []
        for t, p in self.packets():
            if p.dst == HA and isinstance(p.payload, ESP):
                msg = self.open_to_ha(p, peek=True)
                m = msg.payload.message if isinstance(msg, IPv6) and isinstance(msg.payload, MobilityHeader) else None
                if isinstance(m, HomeTestInit):
                    out.append((t, m) if timed else m)
        return out

    def events(self, category: str | None = None) -> list[str]:
        return [e.message for e in self.mn.node.trace.events_for("mn", category)]

    # ------------------------------------------------------------------ playing the home agent
    def ba(
        self,
        seq: int,
        status: int = 0,
        lifetime: int = 150,
        *,
        coa: A | None = None,
        options: tuple = (),
        esp: bool = True,
        src: A = HA,
    ) -> None:
        """A BA from the home agent to ``coa`` (Type 2 RH -> HoA), ESP transport if the HA's SPD says."""
        mh = MobilityHeader(BindingAcknowledgement(status, seq, lifetime, options=options))
        coa = coa if coa is not None else self.mn.care_of_address
        dst = HOA if coa is None else coa
        payload: Any = mh
        sa = self.ha_db.outbound(HA, HOA, 135, MH_BA) if esp else None
        if sa is not None:
            nh, octets = encode_upper(mh, HA, HOA)
            payload = self.ha_db.protect(sa, nh, octets)
        ext = () if dst == HOA else (RoutingType2(HOA),)
        self.deliver(IPv6(src, dst, payload, ext=ext))

    def accept_last_home_bu(self, lifetime: int = 150, status: int = 0) -> BindingUpdate:
        t, p, bu = self.home_bus()[-1]
        self.ba(bu.seq, status, lifetime)
        return bu

    def tunnel_from_ha(self, inner: IPv6, *, esp: bool = True) -> None:
        """An intercepted packet tunnelled to the care-of address (Figure 15); a HoT in ESP tunnel mode."""
        payload: Any = inner
        if esp and isinstance(inner.payload, MobilityHeader):
            sa = self.ha_db.outbound(inner.src, inner.dst, 135, inner.payload.mh_type, tunnel=True)
            if sa is not None:
                payload = self.ha_db.protect(sa, NH_IPV6, encode_ipv6(inner))
        coa = self.mn.care_of_address
        assert coa is not None
        self.deliver(IPv6(HA, coa, payload))

    # ------------------------------------------------------------------ playing the correspondent
    def answer_hoti(self, cn: A = CN, *, at_home: bool = False) -> None:
        """HoT for the last HoTI to ``cn`` (through the home agent's tunnel unless at home)."""
        hotis = sorted(
            [(t, m) for t, _, m in self.mh(HomeTestInit)] + self.tunnelled_hotis(timed=True), key=lambda x: x[0]
        )
        assert hotis, "no HoTI sent"
        hot = rr.home_test_for(self.cn_secrets, self.now, HOA, hotis[-1][1])
        inner = IPv6(cn, self.mn.home_address or HOA, MobilityHeader(hot))
        if at_home:
            self.deliver(inner)
        else:
            self.tunnel_from_ha(inner)

    def answer_coti(self, cn: A = CN) -> None:
        t, p, coti = self.mh(CareofTestInit)[-1]
        cot = rr.careof_test_for(self.cn_secrets, self.now, p.src, coti)
        self.deliver(IPv6(cn, p.src, MobilityHeader(cot)))


def test_harness_addresses() -> None:
    assert str(HOA) == "2001:db8:1::ff:fe00:301" and str(COA1) == "2001:db8:2::ff:fe00:301"


def test_harness_home_attachment_is_quiet() -> None:
    h = MNHarness()
    h.go(HOME)
    assert h.mn.location == "home" and h.mn.care_of_address is None
    assert not h.home_bus()
