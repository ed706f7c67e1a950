"""External stations: a link end that is not a simulated node (a Linux TAP interface, a test harness).

A station has one interface with a MAC address and receives what a station with that MAC would on an
Ethernet segment: frames unicast to its MAC, broadcast, and multicast to the groups it listens to.
Which groups it listens to is learnt the way a snooping switch learns them (RFC 4541 §3): from the
MLDv2 reports the station itself sends (RFC 3810 §5.2), plus all-nodes, which is never reported
(RFC 3810 §6). ``listen_all_multicast`` makes it accept every group instead (a hub-like tap).

Frames the link delivers to the station go to its ``sink`` (the TAP writer); frames the station sends
come in through :meth:`mip6lab.net.world.World.station_send` with the time they arrived, and the
capture names the station as their sender and among the receivers of what it hears.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mip6lab.wire.codec import DecodeError, decode_frame, mac_for_multicast
from mip6lab.wire.icmp import MLDV2_REPORT, UnknownICMPv6, mldv2_records
from mip6lab.wire.ip import IPv6

BROADCAST = "ff:ff:ff:ff:ff:ff"
ALL_NODES_MAC = "33:33:00:00:00:01"
# RFC 3810 §5.2.12 record types: a record in these modes with no sources means "not listening".
_INCLUDE_TYPES = (1, 3)  # MODE_IS_INCLUDE, CHANGE_TO_INCLUDE_MODE


class StationInterface:
    """The station's one interface: its MAC and the Ethernet receive filter."""

    def __init__(self, name: str, mac: str, listen_all_multicast: bool = False) -> None:
        self.name = name
        self.mac = mac.lower()
        self.listen_all_multicast = listen_all_multicast
        self.group_macs: dict[str, int] = {ALL_NODES_MAC: 1}  # mac -> number of groups on it

    def accepts(self, dst_mac: str) -> bool:
        dst_mac = dst_mac.lower()
        if dst_mac == self.mac or dst_mac == BROADCAST:
            return True
        if int(dst_mac[:2], 16) & 1:
            return self.listen_all_multicast or dst_mac in self.group_macs
        return False


class ExternalStation:
    """A link end driven from outside the simulation. ``sink(frame)`` receives delivered frames."""

    def __init__(
        self,
        name: str,
        mac: str,
        sink: Callable[[bytes], None] | None = None,
        *,
        ifname: str = "tap",
        listen_all_multicast: bool = False,
    ) -> None:
        self.name = name
        self.ifname = ifname
        self.interfaces = {ifname: StationInterface(ifname, mac, listen_all_multicast)}
        self.sink = sink
        self.received: int = 0
        self.sent: int = 0
        self.groups: dict[str, bool] = {}  # IPv6 groups learnt from its MLDv2 reports, in order

    @property
    def mac(self) -> str:
        return self.interfaces[self.ifname].mac

    def handle_frame(self, now: float, ifname: str, frame: bytes) -> list[Any]:
        """The World delivers a frame to the station: hand it to the sink (the TAP)."""
        self.received += 1
        if self.sink is not None:
            self.sink(frame)
        return []

    def handle_link_change(self, now: float, ifname: str, attached: bool) -> list[Any]:
        return []

    def handle_timer(self, now: float, key: Any) -> list[Any]:
        return []

    def drain(self) -> list[Any]:
        return []

    def snoop(self, frame: bytes) -> None:
        """Learn the groups the station joins or leaves from an MLDv2 report it sends."""
        self.sent += 1
        if len(frame) < 14 or frame[12:14] != b"\x86\xdd":
            return
        try:
            pkt = decode_frame(frame).payload
        except DecodeError:
            return
        if not isinstance(pkt, IPv6) or not isinstance(pkt.payload, UnknownICMPv6):
            return
        m = pkt.payload
        if m.type != MLDV2_REPORT:
            return
        for rtype, group in mldv2_records(m.body):
            iface = self.interfaces[self.ifname]
            mac = mac_for_multicast(group)
            # INCLUDE with no sources is how a listener leaves; source lists are not modelled (any
            # EXCLUDE, ALLOW or BLOCK record keeps the group's frames coming, as a snooping switch would).
            listening = rtype not in _INCLUDE_TYPES
            if listening and group not in self.groups:
                self.groups[group] = True
                iface.group_macs[mac] = iface.group_macs.get(mac, 0) + 1
            elif not listening and group in self.groups:
                del self.groups[group]
                n = iface.group_macs.get(mac, 0) - 1
                if n <= 0:
                    iface.group_macs.pop(mac, None)
                else:
                    iface.group_macs[mac] = n
