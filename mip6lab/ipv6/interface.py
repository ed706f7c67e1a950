"""A network interface: a MAC address, the multicast groups it listens to, and its link state.

``accepts(dst_mac)`` is the Ethernet receive filter: the interface's own unicast MAC, broadcast,
and the 33:33:xx:xx:xx:xx address of every IPv6 group it joined (RFC 2464 §7). Joining the
solicited-node group of an address before DAD is what lets a duplicate's NS reach us.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from mip6lab.ipv6 import constants as C
from mip6lab.ipv6.addresses import ALL_NODES, CONFIG_EPOCH, multicast_mac
from mip6lab.wire.ip import Addr

if TYPE_CHECKING:
    from mip6lab.ipv6.neighbor_cache import NeighborCache

BROADCAST_MAC = "ff:ff:ff:ff:ff:ff"


class Interface:
    def __setattr__(self, name: str, value: object) -> None:
        if name == "attached":
            CONFIG_EPOCH[0] += 1  # carrier decides which routes are usable (source address selection caches that)
        object.__setattr__(self, name, value)

    def __init__(self, name: str, mac: str) -> None:
        self.name = name
        self.mac = mac.lower()
        self.attached = False  # carrier: set by handle_link_change
        self.mtu = C.ETHERNET_MTU
        self.cur_hop_limit = C.CUR_HOP_LIMIT
        self.groups: dict[Addr, int] = {}  # IPv6 group -> reference count (insertion-ordered)
        self._macs: dict[str, int] = {}
        # Who wants to hear when a group MAC starts or stops being accepted (the link the interface is on
        # indexes its members by group, so a multicast frame does not ask every interface; issue 13).
        self.mac_watchers: list[Callable[[str, bool], None]] = []
        self.neighbors: NeighborCache  # set by the node
        self.record_changes = False  # the node reports groups with MLD (mip6lab.ipv6.mld)
        self.group_changes: list[tuple[Addr, bool]] = []  # (group, joined) not yet reported
        self.join(ALL_NODES)

    def join(self, group: Addr) -> None:
        n = self.groups.get(group, 0)
        self.groups[group] = n + 1
        if n == 0 and self.record_changes:
            self.group_changes.append((group, True))
        mac = multicast_mac(group)
        count = self._macs.get(mac, 0)
        self._macs[mac] = count + 1
        if count == 0:
            for watch in self.mac_watchers:
                watch(mac, True)

    def leave(self, group: Addr) -> None:
        n = self.groups.get(group, 0)
        if n <= 0:
            return
        mac = multicast_mac(group)
        if n == 1:
            del self.groups[group]
            if self.record_changes:
                self.group_changes.append((group, False))
        else:
            self.groups[group] = n - 1
        if self._macs.get(mac, 0) <= 1:
            if self._macs.pop(mac, None) is not None:
                for watch in self.mac_watchers:
                    watch(mac, False)
        else:
            self._macs[mac] -= 1

    def in_group(self, group: Addr) -> bool:
        return group in self.groups

    def accepts(self, dst_mac: str) -> bool:
        dst_mac = dst_mac.lower()
        return dst_mac == self.mac or dst_mac == BROADCAST_MAC or dst_mac in self._macs

    def __repr__(self) -> str:
        state = "up" if self.attached else "down"
        return f"Interface({self.name!r}, {self.mac}, {state})"
