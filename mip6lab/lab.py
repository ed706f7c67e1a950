"""``Lab``: the small public API that notebooks, exercises, widgets and the CLI are written against.

A Lab builds a scenario's topology into running nodes on a :class:`~mip6lab.net.world.World`,
schedules the scenario's script, and offers a handful of verbs: run, step, move an interface, ping,
start traffic, read captures, traces and node state, save a capture, inject raw frames. Every user
mistake (unknown node, link or scenario, a bad time) raises :class:`LabError` with one clear line.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv6Address
from pathlib import Path
from typing import Any, TypeVar, overload

from mip6lab.errors import LabError
from mip6lab.ipv6.node import IPv6Node, Router
from mip6lab.mobility.ipsec import parse_esp_mode
from mip6lab.net.capture import Capture, CaptureRecord
from mip6lab.net.link import Link
from mip6lab.net.world import World
from mip6lab.roles import ROLE_CONFIGURE, ROLE_FACTORIES, plain_node
from mip6lab.scenarios import SCENARIOS, Scenario
from mip6lab.seams.install import SeamPlan
from mip6lab.sim import collector
from mip6lab.tester import TesterNode
from mip6lab.topology import FAST_RA, Topology, TopologyError, mac_for
from mip6lab.trace import Trace
from mip6lab.transport import StreamReceiver, StreamSender, TCPLayer, UDPLayer
from mip6lab.wire.icmp import NeighborAdvertisement
from mip6lab.wire.ip import Addr, IPv6

_R = TypeVar("_R")

ALL_NODES = IPv6Address("ff02::1")


@dataclass(frozen=True)
class MessageRow:
    """One frame of the capture as a readable line (what `mip6lab run` prints)."""

    index: int
    time: float
    link: str
    sender: str
    receivers: tuple[str, ...]
    name: str
    summary: str
    dropped: bool
    origin: str = ""  # the node that sent the IPv6 packet (its Source Address), or the address itself
    destination: str = ""  # the node its Destination Address belongs to, or the address itself

    def line(self) -> str:
        """One hop: time, link, the frame's sender and receivers on that link, the message."""
        to = ",".join(self.receivers) if self.receivers else "-"
        lost = "  [lost]" if self.dropped else ""
        return f"{self.time:10.4f}  {self.link:<9} {self.sender:>5} -> {to:<8} {self.summary}{lost}"

    def packet_line(self) -> str:
        """One packet: time, the link it left from, origin => destination (IPv6 addresses as node names)."""
        lost = "  [lost]" if self.dropped else ""
        return f"{self.time:10.4f}  {self.link:<9} {self.origin:>5} => {self.destination:<8} {self.summary}{lost}"


def _unsolicited_na(frame: Any) -> bool:
    """An NA multicast to all nodes: a home agent taking over a home address, or a mobile node
    reclaiming it on return (white paper Figures 28 and 34) - signalling worth showing."""
    pkt = getattr(frame, "payload", None)
    return isinstance(pkt, IPv6) and pkt.dst == ALL_NODES and isinstance(pkt.payload, NeighborAdvertisement)


def _is_mac(mac: Any) -> bool:
    parts = mac.split(":") if isinstance(mac, str) else []
    return len(parts) == 6 and all(len(p) == 2 and all(c in "0123456789abcdefABCDEF" for c in p) for p in parts)


class Lab:
    """A running scenario. ``Lab("ping")`` builds Figure 1 and schedules the scenario's script."""

    def __init__(
        self,
        scenario: str | Scenario = "ping",
        *,
        seed: int = 0,
        esp: str = "null",
        trace: bool = True,
        topology: Topology | None = None,
        replace: dict[str, Any] | None = None,
        mld: bool | None = None,
    ) -> None:
        """``replace``: seam name -> a reader's component (``mip6lab seams`` lists the names;
        ``node:NAME.<seam>`` replaces it in one node only). Checked here: a wrong name, type or
        component is a :class:`~mip6lab.seams.SeamError` (a :class:`LabError`) naming the seam."""
        if isinstance(scenario, str):
            if scenario not in SCENARIOS:
                known = ", ".join(SCENARIOS)
                raise LabError(f"unknown scenario {scenario!r} (known: {known})")
            scenario = SCENARIOS[scenario]
        try:
            esp_mode = parse_esp_mode(esp)  # the one place the ESP mode is parsed; roles get the Enum
        except ValueError as e:
            raise LabError(str(e)) from None
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise LabError(f"seed must be an integer, not {seed!r}")
        self.seams = SeamPlan.from_replace(replace)
        if mld not in (None, True, False):
            raise LabError(f"mld must be True, False or None (on when a live link is attached), not {mld!r}")
        if topology is not None and not isinstance(topology, Topology):
            raise LabError(
                f"topology must be a mip6lab.topology.Topology (e.g. figure1()), not {type(topology).__name__}"
            )
        self.scenario = scenario
        self.seed = seed
        self.mld = bool(mld)  # None: off until mip6lab.live attaches a link (see set_mld)
        self.live: Any = None  # the mip6lab.live.LiveLink driving this lab, while one is attached
        self.esp = esp_mode
        collector.release()  # an earlier big lab nobody holds is reclaimed before this one is built
        try:
            with collector.paused():
                self.topology = topology if topology is not None else scenario.topology()
        except TopologyError as e:
            raise LabError(str(e)) from None
        self.trace = Trace(enabled=trace)
        self.world = World(seed=seed, trace=self.trace)
        self.nodes: dict[str, IPv6Node] = {}
        self.apps: dict[str, Any] = {}
        self.testers: dict[str, TesterNode] = {}  # scripted stations (add_tester), not protocol nodes
        self._tcp: dict[str, TCPLayer] = {}
        # (all home addresses -> SPI base, per mobile node): roles.spi_plan fills it while building
        self.spi_plan: tuple[dict[Addr, int], dict[str, dict[Addr, int]]] | None = None
        self._udp: dict[str, UDPLayer] = {}
        # Set-up linear in N (issue 13): no collection walks the half-built lab, and a big lab's
        # objects then leave the collector's scans (mip6lab.sim.collector).
        with collector.paused(settle_after=True):
            self._build()
            scenario.setup(self)

    # ================================================================ building
    def _build(self) -> None:
        t = self.topology
        for lk in t.links.values():
            self.world.add_link(lk.name, kind=lk.kind, delay=lk.delay)
        routes = t.static_routes()
        self.seams.check_nodes(list(t.nodes))
        for n_index, spec in enumerate(t.nodes.values()):
            factory = ROLE_FACTORIES.get(spec.role) if self.scenario.mobility else None
            node = (factory or plain_node)(self, spec)
            for if_index, ifs in enumerate(t.interfaces_of(spec.name)):
                try:
                    mac = mac_for(n_index, if_index)
                except TopologyError as e:
                    raise LabError(str(e)) from None
                node.add_interface(ifs.ifname, mac)
                if ifs.iid is not None:
                    node.add_address(ifs.ifname, t.links[ifs.link].prefix[ifs.iid], 64)
            if isinstance(node, Router):
                for prefix, next_hop, ifname in routes.get(spec.name, []):
                    node.add_route(prefix.network_address, prefix.prefixlen, next_hop, ifname)
                for ifs in t.interfaces_of(spec.name):
                    lk = t.links[ifs.link]
                    if lk.kind == "ethernet":
                        timing = FAST_RA if lk.fast_ra else {}
                        node.configure_ra(ifs.ifname, [str(lk.prefix)], **timing)
            for seam, attr in (("sending_algorithm", "send_algorithm"), ("receiving_algorithm", "receive_algorithm")):
                algorithm = self.seams.algorithm(spec.name, seam)
                if algorithm is not None:
                    setattr(node, attr, algorithm)
            node.mld = self.mld
            configure = ROLE_CONFIGURE.get(spec.role) if factory is not None else None
            if configure is not None:  # a role's own set-up (home agent's home links and SAs, mobile node's home)
                configure(self, spec, node.role)
            self.nodes[spec.name] = node
            self.world.add_node(node)
        for ifs in t.interfaces:
            self.world.attach(ifs.node, ifs.ifname, ifs.link)

    # ================================================================ lookups
    def node(self, name: str) -> IPv6Node:
        try:
            return self.nodes[name]
        except KeyError:
            raise LabError(f"unknown node {name!r} (nodes: {', '.join(self.nodes)})") from None

    @overload
    def role(self, name: str) -> Any: ...

    @overload
    def role(self, name: str, kind: type[_R]) -> _R: ...

    def role(self, name: str, kind: type[Any] | None = None) -> Any:
        """The Mobile IPv6 role attached to node ``name`` (``node.role``): its
        :class:`~mip6lab.mobility.mobile_node.MobileNodeRole`, :class:`~mip6lab.mobility.home_agent.HomeAgentRole`
        or :class:`~mip6lab.mobility.correspondent.CorrespondentRole`, where the tables, units and state
        live (``lab.role("mn").bul``, ``lab.role("ha").cache``). ``kind``: the role class expected.
        A node without one (a router, a plain host) is a :class:`LabError` naming the nodes that have one."""
        role = self.node(name).role
        if role is None or (kind is not None and not isinstance(role, kind)):
            fits = [n for n, x in self.nodes.items() if x.role is not None and isinstance(x.role, kind or object)]
            what = "Mobile IPv6 role" if kind is None else kind.__name__
            raise LabError(f"{name} has no {what} (nodes with one: {', '.join(fits) or 'none'})")
        return role

    def link(self, name: str) -> Link:
        """The simulated link ``name`` (a LabError naming the links for a wrong name)."""
        try:
            return self.world.links[name]
        except KeyError:
            raise LabError(f"unknown link {name!r} (links: {', '.join(self.world.links)})") from None

    def address_of(self, name: str) -> IPv6Address:
        """The address other nodes use for ``name``: a mobile node's home address, else its first
        preferred global address."""
        node = self.node(name)
        role = node.role
        hoa = getattr(role, "home_address", None)
        if hoa is not None:
            return hoa
        for e in node.addresses.all():
            if e.usable and not e.addr.is_link_local and not e.addr.is_multicast:
                return e.addr
        raise LabError(f"{name} has no global address yet (run the lab a little first)")

    @property
    def now(self) -> float:
        return self.world.now

    @property
    def capture(self) -> Capture:
        return self.world.capture

    # ================================================================ time
    def _check_time(self, t: Any, what: str) -> float:
        if isinstance(t, bool) or not isinstance(t, (int, float)) or math.isnan(t) or math.isinf(t):
            raise LabError(f"{what} must be a finite number of seconds, not {t!r}")
        return float(t)

    def run(self, until: float | None = None) -> None:
        """Run to simulated time ``until`` (default: the scenario's duration). While a live link is
        attached the lab runs by itself, paced to the wall clock: this waits until ``until``."""
        end = self.scenario.duration if until is None else self._check_time(until, "until")
        if end < self.now:
            raise LabError(f"cannot run until {end} s: the lab is already at {self.now:g} s")
        if self.live is not None:
            self.live.wait_until(end)
            return
        with collector.running():
            self.world.run(until=end)

    def run_for(self, seconds: float) -> None:
        s = self._check_time(seconds, "seconds")
        if s < 0:
            raise LabError(f"cannot run for a negative time ({s} s)")
        if self.live is not None:
            self.live.wait_until(self.live.sim_time() + s)
            return
        with collector.running():
            self.world.run(until=self.now + s)

    def step(self) -> str | None:
        """Run one event; a description of it, or None when nothing is left."""
        if self.live is not None:
            raise LabError("the lab is live (paced to the wall clock): it cannot be stepped")
        return self.world.step()

    def _now_or_live(self, fn: Callable[[], Any]) -> Any:
        """Do ``fn()`` now; while live, under the live loop's lock at the wall clock's time."""
        return fn() if self.live is None else self.live.call(fn)

    def set_mld(self, on: bool = True) -> None:
        """Turn MLDv2 reports on or off for every node (:mod:`mip6lab.ipv6.mld`); nodes turned on
        report the groups they already listen to at once."""
        self.mld = bool(on)
        for name, node in self.nodes.items():
            node.mld = self.mld
            if self.mld:
                self.world.call(name, lambda _n: None)  # the node drains: its reports go out now

    def at(self, time: float, fn: Callable[[], Any]) -> None:
        """Schedule ``fn()`` at simulated time ``time`` (how scenario scripts say "then ...")."""
        t = self._check_time(time, "time")
        if t < self.now:
            raise LabError(f"time {t} s is in the past (now {self.now:g} s)")
        self._now_or_live(lambda: self.world.at(t, fn))

    # ================================================================ actions
    def move(self, node: str, link: str, ifname: str = "eth0") -> None:
        """Detach ``node``'s interface and attach it to ``link`` (a link-layer media change)."""
        n = self.node(node)
        self.link(link)
        if ifname not in n.interfaces:
            raise LabError(f"{node} has no interface {ifname!r} (has: {', '.join(n.interfaces)})")
        if self.world.link_of(node, ifname) == link:
            raise LabError(f"{node} {ifname} is already on {link}")
        self._now_or_live(lambda: self.world.move(node, ifname, link))

    def where(self, node: str, ifname: str = "eth0") -> str | None:
        n = self.node(node)
        if ifname not in n.interfaces:
            raise LabError(f"{node} has no interface {ifname!r} (has: {', '.join(n.interfaces)})")
        return self.world.link_of(node, ifname)

    def inject(self, link: str, frame: bytes) -> None:
        """Put raw frame bytes on ``link`` as if some attacker's card sent them."""
        self.link(link)
        if not isinstance(frame, (bytes, bytearray)):
            raise LabError(f"a frame must be bytes (an Ethernet frame), not {type(frame).__name__}")
        mtu = self.world.links[link].mtu
        if len(frame) < 14:
            raise LabError(f"a frame is at least 14 octets (the Ethernet header), not {len(frame)}")
        if len(frame) - 14 > mtu:
            raise LabError(f"a {len(frame)}-octet frame does not fit {link}'s MTU ({mtu} octets after the header)")
        self._now_or_live(lambda: self.world.inject(link, bytes(frame)))

    def add_tester(
        self,
        name: str,
        link: str,
        addresses: list[str | IPv6Address] | tuple[str | IPv6Address, ...] = (),
        *,
        mac: str | None = None,
        promiscuous: bool = False,
    ) -> TesterNode:
        """Plug a scripted tester node (:mod:`mip6lab.tester`) into ``link`` with the given addresses:
        it sends crafted packets, answers Neighbor Solicitations for its addresses and records what it
        receives. ``promiscuous=True``: it also receives frames addressed to other stations."""
        if not isinstance(name, str) or not name:
            raise LabError(f"a tester needs a name (a non-empty string), not {name!r}")
        if name in self.nodes or name in self.testers:
            taken = ", ".join([*self.nodes, *self.testers])
            raise LabError(f"there is already a node named {name!r} (taken: {taken})")
        self.link(link)
        if isinstance(addresses, (str, IPv6Address)):
            addresses = [addresses]
        addrs: list[IPv6Address] = []
        for a in addresses:
            try:
                addrs.append(IPv6Address(a))
            except ValueError:
                raise LabError(f"{a!r} is not an IPv6 address (like '2001:db8:3::66')") from None
        if mac is None:
            mac = f"02:00:00:00:ee:{len(self.testers) + 1:02x}"
        elif not _is_mac(mac):
            raise LabError(f"{mac!r} is not a MAC address (like '02:00:00:00:ee:01')")
        tester = TesterNode(name, mac, addrs, self.world, promiscuous=promiscuous)
        self.testers[name] = tester
        self.world.add_node(tester)
        self.world.attach(name, "eth0", link)
        return tester

    def ping(self, src: str, dst: str | IPv6Address, count: int = 1, interval: float = 1.0) -> None:
        """Send ``count`` Echo Requests from ``src`` to ``dst`` (a node name or an address)."""
        node = self.node(src)
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise LabError(f"count must be a whole number >= 1, not {count!r}")
        if self._check_time(interval, "interval") <= 0:
            raise LabError(f"interval must be more than 0 seconds, not {interval!r}")
        target = dst if isinstance(dst, IPv6Address) else self.address_of(dst)
        if self.live is not None:
            self.live.call(lambda: self._ping_now(node, target, count, interval))
            return
        self._ping_now(node, target, count, interval)

    def _ping_now(self, node: IPv6Node, target: IPv6Address, count: int, interval: float) -> None:
        for i in range(count):
            self.world.at(
                self.now + i * interval,
                lambda n, i=i: n.ping(target, ident=0x6D36, seq=i + 1),
                node_name=node.name,
            )

    def tcp(self, name: str) -> TCPLayer:
        if name not in self._tcp:
            self._tcp[name] = TCPLayer(self.node(name))
        return self._tcp[name]

    def udp(self, name: str) -> UDPLayer:
        if name not in self._udp:
            self._udp[name] = UDPLayer(self.node(name))
        return self._udp[name]

    def tcp_stream(
        self,
        src: str,
        dst: str,
        *,
        rate: float = 10.0,
        chunk: int = 200,
        duration: float | None = None,
        port: int = 40080,
        name: str = "stream",
    ) -> tuple[StreamSender, StreamReceiver]:
        """A steady stream of numbered chunks over TCP from ``src`` to ``dst``, starting now (with
        counters of sent, received, lost and duplicated chunks). ``duration=None``: until stopped."""
        if duration is not None and self._check_time(duration, "duration") <= 0:
            raise LabError(f"duration must be more than 0 seconds (or None: until stopped), not {duration!r}")
        count = None if duration is None else max(1, int(self._check_time(rate, "rate") * duration))
        if self.live is not None:
            return self.live.call(
                lambda: self._stream(self.tcp, src, dst, rate=rate, chunk=chunk, count=count, port=port, name=name)
            )
        return self._stream(self.tcp, src, dst, rate=rate, chunk=chunk, count=count, port=port, name=name)

    def udp_flood(
        self,
        src: str,
        dst: str,
        *,
        rate: float = 100.0,
        size: int = 200,
        duration: float = 1.0,
        port: int = 40002,
        name: str = "udp",
    ) -> tuple[StreamSender, StreamReceiver]:
        """Steady UDP datagrams from ``src`` to ``dst`` (the benchmark's traffic; loss experiments)."""
        if self._check_time(duration, "duration") <= 0:
            raise LabError(f"duration must be more than 0 seconds, not {duration!r}")
        count = max(1, int(self._check_time(rate, "rate") * duration))
        return self._stream(self.udp, src, dst, rate=rate, chunk=size, count=count, port=port, name=name)

    def _stream(
        self,
        layer: Callable[[str], Any],
        src: str,
        dst: str,
        *,
        rate: float,
        chunk: int,
        count: int | None,
        port: int,
        name: str,
    ) -> tuple[StreamSender, StreamReceiver]:
        if not isinstance(name, str) or not name:
            raise LabError(f"name must be a non-empty string, not {name!r}")
        if self._check_time(rate, "rate") <= 0:
            raise LabError(f"rate must be more than 0 per second, not {rate!r}")
        if isinstance(chunk, bool) or not isinstance(chunk, int) or not 4 <= chunk <= 1400:
            raise LabError(f"chunk/size must be a whole number of octets from 4 to 1400, not {chunk!r}")
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            raise LabError(f"port must be a whole number from 1 to 65535, not {port!r}")
        if count is not None and count < 1:
            raise LabError("duration must be more than 0 seconds")
        if f"{name}-tx" in self.apps:
            raise LabError(f"an application named {name!r} already runs (pass another name=)")
        target = self.address_of(dst)
        # world.call sets each node's clock to now and carries out what starting the app emits.
        rx = self.world.call(dst, lambda _n: StreamReceiver(layer(dst), port, chunk=chunk, name=f"{name}-rx"))
        tx = self.world.call(
            src,
            lambda _n: StreamSender(layer(src), target, port, rate=rate, chunk=chunk, count=count, name=f"{name}-tx"),
        )
        if rx is None or tx is None:
            raise LabError(f"could not start {name!r}: see lab.world.errors")
        tx.keep_history = rx.keep_history = getattr(self, "app_history", True)
        self.apps[f"{name}-tx"], self.apps[f"{name}-rx"] = tx, rx
        return tx, rx

    def bound_memory(
        self,
        *,
        capture: Any = "all",
        trace_runs: int | None = None,
        trace_events: int | None = None,
        app_history: bool = True,
        keep_decoded: bool = True,
    ) -> None:
        """Choose how much a long or large run keeps (issue 13); the defaults keep everything, as a
        chapter expects. ``capture``: "all", "off", N (a ring of the last N frames), a ``.pcapng`` path
        (streamed to the file as the run goes; ``capture[i]`` reads any frame back) or a dict for
        :meth:`~mip6lab.net.capture.Capture.configure`. ``trace_runs`` / ``trace_events``: keep only the
        last so many. ``app_history=False``: stream apps keep counters, not a line per datagram (apps
        started later too). ``keep_decoded=False``: decoded views are made on demand, not kept."""
        try:
            self.capture.configure(capture)
            self.trace.limit(runs=trace_runs, events=trace_events)
        except (ValueError, OSError) as e:
            raise LabError(str(e)) from None
        self.capture.keep_decoded = bool(keep_decoded)
        self.app_history = bool(app_history)
        for app in self.apps.values():
            if hasattr(app, "keep_history"):
                app.keep_history = self.app_history

    # ================================================================ reading
    def messages(
        self,
        *,
        signalling_only: bool = False,
        link: str | None = None,
        node: str | None = None,
        first_hop_only: bool = False,
    ) -> list[MessageRow]:
        """The capture as readable rows, in time order, one per frame on each link.
        ``signalling_only`` hides Neighbor Discovery (RS, RA, NS, NA, Redirect) except unsolicited NAs;
        ``first_hop_only`` keeps each message once, where it was sent (:mod:`mip6lab.messages`: a
        packet's hops through routers are one message; a home agent's tunnel is a packet of its own).
        Names and categories are the widgets' (one table, :mod:`mip6lab.wire.summary`)."""
        from mip6lab.messages import messages as journeys
        from mip6lab.messages import packet_info

        if link is not None:
            self.link(link)
        if node is not None:
            self.node(node)
        names = self._address_names()
        records = [m.first for m in journeys(self)] if first_hop_only else list(self.capture)
        rows = []
        for r in records:
            if (link is not None and r.link != link) or (
                node is not None and r.sender != node and node not in r.receivers
            ):
                continue
            frame = r.decoded
            pkt = getattr(frame, "payload", None)
            info = packet_info(self, r)
            if frame is None:
                nm, text = "?", f"undecodable frame ({len(r.frame)} bytes)"
            else:
                nm, text = info.name, info.summary
            if signalling_only and info.category == "nd" and not _unsolicited_na(frame):
                continue
            origin = destination = ""
            if isinstance(pkt, IPv6):
                origin, destination = names.get(pkt.src, str(pkt.src)), names.get(pkt.dst, str(pkt.dst))
            rows.append(
                MessageRow(
                    r.index, r.time, r.link, r.sender, tuple(r.receivers), nm, text, r.dropped, origin, destination
                )
            )
        return rows

    def _address_names(self) -> dict[IPv6Address, str]:
        """Address -> node name: every address a node holds now, its home address, and every source
        address a host (hosts never forward) or an external station (the kernel in live mode) has sent
        from, so past care-of addresses keep their name."""
        names: dict[IPv6Address, str] = {ALL_NODES: "all-nodes"}
        for tname, tester in self.testers.items():
            for a in tester.addresses:
                names[a] = tname
        for r in self.capture:
            node = self.nodes.get(r.sender)
            pkt = getattr(r.decoded, "payload", None)
            station = node is None and r.sender in self.world.stations
            if (
                (station or node is not None)
                and not isinstance(node, Router)
                and isinstance(pkt, IPv6)
                and not pkt.src.is_unspecified
            ):
                names.setdefault(pkt.src, r.sender)
        for name, node in self.nodes.items():
            for e in node.addresses.all():
                names[e.addr] = name
            hoa = getattr(node.role, "home_address", None)
            if hoa is not None:
                names[hoa] = name
        return names

    def records(self) -> list[CaptureRecord]:
        return list(self.capture)

    def save_pcap(self, path: str | Path, per_link: bool = False) -> list[str]:
        """Write the capture: one pcapng file with an interface per link, or one pcap per link."""
        p = Path(path)
        try:
            if per_link:
                p.mkdir(parents=True, exist_ok=True)
                return self.capture.write_pcap_per_link(str(p))
            return [self.capture.write_pcapng(str(p))]
        except OSError as e:
            raise LabError(f"cannot write {path}: {e.strerror or e}") from None

    def security_databases(self) -> list[Any]:
        """Every ESP security association database a node's role holds (mobile nodes and home agents
        expose theirs with ``role.security_databases()``); empty when ESP is off."""
        found: list[Any] = []
        for node in self.nodes.values():
            for db in node.role.security_databases() if node.role is not None else []:
                if not any(db is f for f in found):
                    found.append(db)
        return found

    def esp_sa_table(self) -> list[str]:
        """Wireshark/tshark ESP SA lines for every security association in the lab (each mobile
        node-home agent pair, both directions), so captures can be decrypted:
        ``tshark -o esp.enable_encryption_decode:TRUE -o "uat:esp_sa:LINE" ...`` or Wireshark's
        Protocols > ESP > ESP SAs. Empty when ESP is off."""
        from mip6lab.mobility.ipsec import wireshark_esp_sa_table

        lines: list[str] = []
        for db in self.security_databases():
            lines += [ln for ln in wireshark_esp_sa_table(db) if ln not in lines]
        return lines

    def save_esp_keys(self, path: str | Path) -> int:
        """Write :meth:`esp_sa_table` as a Wireshark ``esp_sa`` UAT file; returns the number of SAs."""
        lines = self.esp_sa_table()
        try:
            Path(path).write_text("".join(ln + "\n" for ln in lines))
        except OSError as e:
            raise LabError(f"cannot write {path}: {e.strerror or e}") from None
        return len(lines)

    def state(self, name: str) -> dict[str, Any]:
        """A plain-data snapshot of a node for tables: addresses, neighbors, routes, mobility."""
        n = self.node(name)
        snap: dict[str, Any] = {
            "name": name,
            "links": {i: self.world.link_of(name, i) for i in n.interfaces},
            "addresses": [
                {
                    "interface": e.ifname,
                    "address": str(e.addr),
                    "prefix_len": e.prefix_len,
                    "state": e.state.name,
                    "origin": e.origin.name,
                }
                for e in n.addresses.all()
            ],
            "neighbors": [
                {"interface": ifn, "address": str(ent.addr), "mac": ent.mac or "", "state": ent.state.name}
                for ifn, iface in n.interfaces.items()
                for ent in iface.neighbors.entries.values()
            ],
            "routes": [
                {
                    "prefix": str(r.prefix),
                    "next_hop": str(r.next_hop) if r.next_hop else "on-link",
                    "interface": r.ifname,
                    "metric": r.metric,
                }
                for r in n.routes.routes
            ],
            "destination_cache": [
                {"destination": str(e.dst), "next_hop": str(e.next_hop), "interface": e.ifname}
                for e in n.dest_cache.entries.values()
            ],
        }
        role = n.role
        if role is not None and hasattr(role, "snapshot"):
            snap["mobility"] = role.snapshot()
        return snap
