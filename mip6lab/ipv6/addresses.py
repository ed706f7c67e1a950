"""The address table of a node: which IPv6 addresses each interface holds, and in which state.

RFC 4862 §5.5.4 gives every autoconfigured address a *preferred* and a *valid* lifetime: while
preferred it is used freely; once deprecated it still receives but new communication avoids it;
when the valid lifetime ends it is gone. Before any of that it is *tentative* - held back until
Duplicate Address Detection (:mod:`mip6lab.ipv6.dad`) says nobody else on the link owns it.
Lifetimes are absolute times on the simulated clock (``math.inf`` = forever).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from ipaddress import IPv6Network

from mip6lab.wire.addr import intern
from mip6lab.wire.codec import mac_for_multicast, solicited_node_multicast
from mip6lab.wire.ip import Addr

ALL_NODES = intern("ff02::1")
ALL_ROUTERS = intern("ff02::2")
UNSPECIFIED = intern("::")
LINK_LOCAL_PREFIX = IPv6Network("fe80::/64")

# Bumped by every change source-address selection can depend on - an address entry's address, prefix length,
# interface, state or origin, any address or routing table change, a route's prefix, next hop, interface, metric
# or origin, any interface's carrier - in every node at once (these change rarely; packets are many).
# ``IPv6Node.source_address_for`` drops its per-destination cache when it moves. Lifetimes are not among them:
# selection reads an entry's state and a route's presence, which their expiry timers change (and bump); a
# lifetime refreshed by every Router Advertisement moved it thousands of times a second in a big lab, emptying
# every node's cache between two of its packets (issue 13).
CONFIG_EPOCH = [0]
LIFETIME_FIELDS = frozenset({"preferred_until", "valid_until", "expires"})


class AddrState(Enum):
    TENTATIVE = "tentative"  # DAD running: not used as a source, packets to it are not accepted
    PREFERRED = "preferred"
    DEPRECATED = "deprecated"  # preferred lifetime over: still valid, avoided for new traffic
    DUPLICATE = "duplicate"  # DAD found another owner: never used (RFC 4862 §5.4.5)


class Origin(Enum):
    LINK_LOCAL = "link-local"  # formed from the MAC when the interface comes up
    MANUAL = "manual"
    SLAAC = "slaac"  # stateless autoconfiguration from a Router Advertisement prefix


@dataclass(slots=True)
class AddressEntry:
    addr: Addr
    prefix_len: int
    ifname: str
    state: AddrState = AddrState.TENTATIVE
    origin: Origin = Origin.MANUAL
    preferred_until: float = math.inf
    valid_until: float = math.inf

    def __setattr__(self, name: str, value: object) -> None:
        if name not in LIFETIME_FIELDS:
            CONFIG_EPOCH[0] += 1  # a state change may change the source address choice (a lifetime does not)
        object.__setattr__(self, name, value)

    @property
    def network(self) -> IPv6Network:
        return IPv6Network(f"{self.addr}/{self.prefix_len}", strict=False)

    @property
    def usable(self) -> bool:
        """Assigned to the interface in the RFC 4862 sense (may receive, may be a source)."""
        return self.state in (AddrState.PREFERRED, AddrState.DEPRECATED)

    def remaining_valid(self, now: float) -> float:
        return self.valid_until - now


class AddressTable:
    """All addresses of a node, in the order they were added (which keeps choices deterministic)."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, Addr], AddressEntry] = {}
        self._first: dict[Addr, AddressEntry] = {}  # per address, its first entry in table order

    def _reindex(self) -> None:
        """Rebuild the index :meth:`find` answers from (every packet received asks it; the table
        changes rarely)."""
        CONFIG_EPOCH[0] += 1
        first: dict[Addr, AddressEntry] = {}
        for e in self._entries.values():
            first.setdefault(e.addr, e)
        self._first = first

    def add(self, entry: AddressEntry) -> AddressEntry:
        entry.addr = intern(entry.addr)  # the object received packets carry: look-ups hit on identity
        self._entries[(entry.ifname, entry.addr)] = entry
        self._reindex()
        return entry

    def remove(self, ifname: str, addr: Addr) -> AddressEntry | None:
        e = self._entries.pop((ifname, addr), None)
        self._reindex()
        return e

    def get(self, ifname: str, addr: Addr) -> AddressEntry | None:
        return self._entries.get((ifname, addr))

    def find(self, addr: Addr) -> AddressEntry | None:
        """The entry for ``addr`` on any interface (the first one added, if several hold it)."""
        return self._first.get(addr)

    def for_interface(self, ifname: str) -> list[AddressEntry]:
        return [e for e in self._entries.values() if e.ifname == ifname]

    def all(self) -> list[AddressEntry]:
        return list(self._entries.values())

    def is_assigned(self, addr: Addr) -> bool:
        """Assigned on any interface (the weak host model): a tentative or duplicate entry on one interface does
        not hide the address assigned on another."""
        e = self._first.get(addr)  # find() and usable, inline: every packet sent and received asks
        if e is None:
            return False
        state = e.state
        if state is AddrState.PREFERRED or state is AddrState.DEPRECATED:
            return True
        return any(o is not e and o.addr == addr and o.usable for o in self._entries.values())  # rare: a scan

    def link_local(self, ifname: str) -> AddressEntry | None:
        for e in self.for_interface(ifname):
            if e.addr.is_link_local:
                return e
        return None

    def with_prefix(self, ifname: str, network: IPv6Network) -> list[AddressEntry]:
        mask = getattr(network, "_mask", None)
        if mask is not None:  # router_discovery.FastNetwork (an RA's prefixes): its __contains__, inline
            net = network._net  # type: ignore[attr-defined]
            return [e for e in self._entries.values() if e.ifname == ifname and e.addr._ip & mask == net]
        return [e for e in self.for_interface(ifname) if e.addr in network]

    def update_lifetimes(self, now: float) -> tuple[list[AddressEntry], list[AddressEntry]]:
        """Apply the clock: preferred lifetime over -> DEPRECATED, valid over -> removed.
        Returns (deprecated now, removed now)."""
        deprecated, removed = [], []
        for key, e in list(self._entries.items()):
            if e.valid_until <= now:
                del self._entries[key]
                removed.append(e)
            elif e.state == AddrState.PREFERRED and e.preferred_until <= now:
                e.state = AddrState.DEPRECATED
                deprecated.append(e)
        if removed:
            self._reindex()
        return deprecated, removed

    def next_deadline(self, ifname: str, addr: Addr) -> float:
        """When this address next changes state by itself (for the lifetime timer)."""
        e = self._entries.get((ifname, addr))
        if e is None:
            return math.inf
        if e.state == AddrState.PREFERRED and e.preferred_until < e.valid_until:
            return e.preferred_until
        return e.valid_until


# --------------------------------------------------------------------------- address arithmetic
def interface_id_from_mac(mac: str) -> int:
    """Modified EUI-64 interface identifier (RFC 4291 App. A): insert ff:fe, flip the U/L bit."""
    b = bytes(int(x, 16) for x in mac.split(":"))
    eui = bytes([b[0] ^ 0x02]) + b[1:3] + b"\xff\xfe" + b[3:6]
    return int.from_bytes(eui, "big")


def address_from_prefix(prefix: Addr | IPv6Network, iid: int, prefix_len: int = 64) -> Addr:
    net = prefix if isinstance(prefix, IPv6Network) else IPv6Network(f"{prefix}/{prefix_len}", strict=False)
    return intern(int(net.network_address) | (iid & ((1 << (128 - net.prefixlen)) - 1)))


def link_local_from_mac(mac: str) -> Addr:
    return address_from_prefix(LINK_LOCAL_PREFIX, interface_id_from_mac(mac))


# RFC 4291 §2.7.1 and RFC 2464 §7 live in the codec (the one module that knows bytes).
solicited_node = solicited_node_multicast
multicast_mac = mac_for_multicast
