"""A scripted tester node: the attacker (or the probe) of chapter 11, the attack tests and the fuzzer.

``lab.add_tester("eve", "foreign1", addresses=["2001:db8:3::66"])`` plugs a station into a link with
the addresses you choose. It runs no protocol of its own - no SLAAC, no DAD, no ICMP errors - so what
it sends is exactly what you craft:

* ``eve.send(packet, at=None, dst_mac=None)`` sends an IPv6 packet (a :mod:`mip6lab.wire` ``IPv6``
  value, a scapy ``IPv6()`` packet or the octets of one) in an Ethernet frame; the destination MAC is
  the multicast MAC for a group, else the MAC of the node on the link holding the destination, else
  the link's router (as if the tester had resolved it with Neighbor Discovery);
* ``eve.send_frame(frame, at=None)`` sends a whole Ethernet frame (``Ethernet`` value, scapy
  ``Ether()`` or bytes) exactly as given;
* it answers Neighbor Solicitations for its addresses (so nodes can reach it), and nothing else;
* everything it receives is in ``eve.received`` (time, frame bytes, decoded frame, message name);
  ``eve.on_receive(fn)`` runs ``fn(tester, record)`` for each, to script a reaction;
* ``promiscuous=True`` makes its card accept every frame on the link, as a sniffer's does.

It is a driver-side object (like the Lab), not protocol code: it holds a reference to the World to
schedule its sends.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from ipaddress import IPv6Address
from typing import TYPE_CHECKING, Any

from mip6lab.ipv6.interface import Interface
from mip6lab.sansio import Action, SansIONode, Transmit
from mip6lab.wire.codec import DecodeError, decode_frame, encode_frame, mac_for_multicast, solicited_node_multicast
from mip6lab.wire.icmp import NeighborAdvertisement, NeighborSolicitation, TargetLinkLayerAddress
from mip6lab.wire.ip import Ethernet, IPv6
from mip6lab.wire.summary import name as packet_name

if TYPE_CHECKING:
    from mip6lab.net.world import World

ETHERTYPE_IPV6 = 0x86DD


class TesterError(ValueError):
    """A misuse of the tester (an unknown packet type, a bad address); one readable line."""


@dataclass(frozen=True, slots=True)
class Received:
    """One frame the tester's card accepted."""

    time: float
    frame: bytes
    decoded: Ethernet | None  # None when the frame does not decode
    name: str  # the message name ("BA", "Binding Error", "NS", ...) as message charts show it

    @property
    def packet(self) -> IPv6 | None:
        pkt = self.decoded.payload if self.decoded is not None else None
        return pkt if isinstance(pkt, IPv6) else None


class TesterNode(SansIONode):
    """A station with one interface (``eth0``), chosen addresses and no protocol of its own."""

    __test__ = False  # not a pytest test class, despite its name

    def __init__(
        self, name: str, mac: str, addresses: list[IPv6Address], world: World, *, promiscuous: bool = False
    ) -> None:
        super().__init__(name)
        self.world = world
        self.addresses = list(addresses)
        iface = Interface("eth0", mac)
        iface.promiscuous = promiscuous  # type: ignore[attr-defined]  # read by Link.attach
        for a in self.addresses:
            iface.join(solicited_node_multicast(a))
        self.interfaces: dict[str, Interface] = {"eth0": iface}
        self.mac = iface.mac
        self.received: list[Received] = []
        self.trace = None  # the World gives it the shared trace
        self._reactions: list[Callable[[TesterNode, Received], Any]] = []

    # ------------------------------------------------------------------ node entry points
    def handle_frame(self, now: float, ifname: str, frame: bytes) -> list[Action]:
        self.now = now
        try:
            eth: Ethernet | None = decode_frame(frame)
        except DecodeError:
            eth = None
        rec = Received(now, frame, eth, packet_name(eth) if eth is not None else "malformed")
        self.received.append(rec)
        pkt = rec.packet
        if pkt is not None and isinstance(pkt.payload, NeighborSolicitation):
            self._answer_ns(pkt, eth)
        for fn in list(self._reactions):
            fn(self, rec)
        return self.drain()

    def handle_timer(self, now: float, key: Hashable) -> list[Action]:
        self.now = now
        return self.drain()

    def handle_link_change(self, now: float, ifname: str, attached: bool) -> list[Action]:
        self.now = now
        self.interfaces[ifname].attached = attached
        return self.drain()

    def _answer_ns(self, ns_pkt: IPv6, eth: Any) -> None:
        """RFC 4861 §7.2.4: a solicited, overriding NA for one of our addresses."""
        ns = ns_pkt.payload
        assert isinstance(ns, NeighborSolicitation)
        if ns.target not in self.addresses:
            return
        solicited = not ns_pkt.src.is_unspecified
        dst = ns_pkt.src if solicited else IPv6Address("ff02::1")
        na = NeighborAdvertisement(ns.target, S=solicited, O=True, options=(TargetLinkLayerAddress(self.mac),))
        dst_mac = eth.src if solicited else mac_for_multicast(dst)
        self._transmit(Ethernet(dst_mac, self.mac, IPv6(ns.target, dst, na, hlim=255)))

    # ------------------------------------------------------------------ scripting
    def on_receive(self, fn: Callable[[TesterNode, Received], Any]) -> None:
        """Run ``fn(tester, record)`` for every frame received from now on (a scripted reaction;
        ``tester.send(...)`` inside it sends at once)."""
        self._reactions.append(fn)

    def names(self) -> list[str]:
        """The names of the messages received so far, in order."""
        return [r.name for r in self.received]

    def send(self, packet: Any, at: float | None = None, dst_mac: str | None = None) -> None:
        """Send an IPv6 packet now or at simulated time ``at`` (see the module docstring)."""
        octets = _ipv6_octets(packet)
        if len(octets) < 40:
            raise TesterError(f"an IPv6 packet is at least 40 octets, not {len(octets)}")
        mac = dst_mac if dst_mac is not None else self.resolve(IPv6Address(octets[24:40]))
        frame = _mac(mac) + _mac(self.mac) + ETHERTYPE_IPV6.to_bytes(2, "big") + octets
        self._schedule(frame, at)

    def send_frame(self, frame: Any, at: float | None = None) -> None:
        """Send a whole Ethernet frame exactly as given, now or at simulated time ``at``."""
        if isinstance(frame, Ethernet):
            octets = encode_frame(frame)
        elif isinstance(frame, (bytes, bytearray)) or hasattr(frame, "build"):  # bytes or a scapy packet
            octets = bytes(frame)
        else:
            kind = type(frame).__name__
            raise TesterError(f"a frame must be an Ethernet value, a scapy Ether() or bytes, not {kind}")
        if len(octets) < 14:
            raise TesterError(f"an Ethernet frame is at least 14 octets, not {len(octets)}")
        self._schedule(octets, at)

    def resolve(self, dst: IPv6Address) -> str:
        """The MAC a frame to ``dst`` goes to on the tester's link (what ND would have found)."""
        if dst.is_multicast:
            return mac_for_multicast(dst)
        link_name = self.world.link_of(self.name, "eth0")
        if link_name is None:
            raise TesterError(f"tester {self.name} is not attached to a link")
        router_mac = None
        for (node_name, ifname), (node, iface) in self.world.links[link_name].ends.items():
            if node_name == self.name:
                continue
            addrs = getattr(node, "addresses", None)
            if addrs is not None and hasattr(addrs, "all"):
                if any(e.addr == dst and e.ifname == ifname for e in addrs.all()):
                    return iface.mac
                if router_mac is None and getattr(node, "is_router", False):
                    router_mac = iface.mac
        if router_mac is None:
            raise TesterError(f"no node on {link_name} holds {dst} and no router is there; pass dst_mac=")
        return router_mac

    def _schedule(self, frame: bytes, at: float | None) -> None:
        if at is None or at <= self.world.now:
            self._transmit_now(frame)
        else:
            self.world.at(at, lambda: self._transmit_now(frame))

    def _transmit_now(self, frame: bytes) -> None:
        if self.world.link_of(self.name, "eth0") is None:
            raise TesterError(f"tester {self.name} is not attached to a link")
        self.world.call(self.name, lambda _n: self._emit(Transmit("eth0", frame)))

    def _transmit(self, frame: Ethernet) -> None:
        self._emit(Transmit("eth0", encode_frame(frame)))


def _ipv6_octets(packet: Any) -> bytes:
    from mip6lab.wire.codec import encode_ipv6

    if isinstance(packet, IPv6):
        return encode_ipv6(packet)
    if isinstance(packet, (bytes, bytearray)):
        return bytes(packet)
    if hasattr(packet, "build"):  # a scapy packet: IPv6()/... (an Ether() on top is cut off)
        octets = bytes(packet)
        if type(packet).__name__ == "Ether":
            octets = octets[14:]
        return octets
    raise TesterError(f"a packet must be an IPv6 value, a scapy IPv6() or bytes, not {type(packet).__name__}")


def _mac(mac: str) -> bytes:
    try:
        out = bytes.fromhex(mac.replace(":", ""))
    except ValueError:
        out = b""
    if len(out) != 6:
        raise TesterError(f"bad MAC address {mac!r} (like 02:00:00:00:ee:01)")
    return out
