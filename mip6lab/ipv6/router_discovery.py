"""The host side of router discovery (RFC 4861 §6.3) and stateless autoconfiguration (RFC 4862).

On attachment a host waits a random time up to MAX_RTR_SOLICITATION_DELAY and sends a Router
Solicitation, repeated every RTR_SOLICITATION_INTERVAL up to MAX_RTR_SOLICITATIONS times or until
an RA arrives. From each RA it learns:

* a default router (Router Lifetime > 0) - a default route through the RA's link-local source;
* on-link prefixes (Prefix Information with L=1) - on-link routes with the valid lifetime;
* addresses (A=1, /64 prefix): prefix + the EUI-64 interface identifier from the MAC, tentative
  until DAD passes; lifetimes refreshed by later RAs under the "two-hour rule" (§5.5.3 (e)),
  which keeps a forged RA from expiring an address quickly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from ipaddress import IPv6Address, IPv6Network
from random import Random
from typing import TYPE_CHECKING, Any

from mip6lab.ipv6 import constants as C
from mip6lab.ipv6.addresses import AddressEntry, AddrState, Origin, address_from_prefix, interface_id_from_mac
from mip6lab.ipv6.routing import RouteOrigin
from mip6lab.wire import icmp as I
from mip6lab.wire.addr import intern
from mip6lab.wire.ip import Addr

if TYPE_CHECKING:
    from mip6lab.ipv6.node import IPv6Node

INFINITE_LIFETIME = 0xFFFFFFFF


class FastNetwork(IPv6Network):
    """An ``IPv6Network`` for the prefixes Router Advertisements repeat (issue 13): it keeps its hash, its
    network address is the interned one (:func:`mip6lab.wire.addr.intern`), and it compares, hashes and tests
    membership from integers. It equals, hashes and prints like the plain network of the same value (a plain
    network compared with it gets this class's answer: Python asks the subclass first)."""

    def __init__(self, address: Any, strict: bool = True) -> None:
        super().__init__(address, strict)
        self.network_address = intern(self.network_address)
        self._net = self.network_address._ip
        self._mask = self.netmask._ip
        self._hash = hash(self._net ^ self._mask)  # _BaseNetwork.__hash__: equal values, equal hashes

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if other is self:
            return True
        if isinstance(other, IPv6Network):
            theirs = other.network_address
            return (
                self._net == theirs._ip
                and self._mask == other.netmask._ip
                and self.network_address._scope_id == theirs._scope_id
            )
        return IPv6Network.__eq__(self, other)

    def __contains__(self, other: object) -> bool:
        if isinstance(other, IPv6Address):
            return other._ip & self._mask == self._net
        return IPv6Network.__contains__(self, other)

    def __repr__(self) -> str:
        return f"IPv6Network('{self}')"


#: the default route's prefix (one object: an RA from a default router installs or refreshes it)
DEFAULT_PREFIX = FastNetwork("::/0")

_PREFIXES: dict[tuple[Addr, int], IPv6Network] = {}
_PREFIXES_LIMIT = 1 << 14  # distinct advertised prefixes kept (a 10,000-node lab hears a few hundred)


def lifetime_to_time(now: float, seconds: int) -> float:
    return math.inf if seconds == INFINITE_LIFETIME else now + seconds


def prefix_network(prefix: Addr, prefix_len: int) -> IPv6Network:
    """The network a Prefix Information option names (host bits cleared). Every periodic RA repeats the
    same few prefixes, and a host, its movement detection and its mobility code each ask: an
    ``IPv6Network`` is parsed from text, so each distinct (prefix, length) is parsed once."""
    key = (prefix, prefix_len)
    net = _PREFIXES.get(key)
    if net is None:
        if len(_PREFIXES) >= _PREFIXES_LIMIT:
            _PREFIXES.clear()
        net = _PREFIXES[key] = FastNetwork(f"{prefix}/{prefix_len}", strict=False)
    return net


class RouterSolicitor:
    """When to send the Router Solicitations of one interface (no I/O)."""

    def __init__(self, rng: Random) -> None:
        self.rng = rng
        self.sent = 0
        self.active = False

    def start(self, now: float) -> float:
        self.sent = 0
        self.active = True
        return now + self.rng.uniform(0.0, C.MAX_RTR_SOLICITATION_DELAY)

    def fire(self, now: float) -> tuple[bool, float | None]:
        """Timer: (send an RS now?, when to fire next)."""
        if not self.active or self.sent >= C.MAX_RTR_SOLICITATIONS:
            self.active = False
            return False, None
        self.sent += 1
        if self.sent >= C.MAX_RTR_SOLICITATIONS:
            self.active = False
            return True, None
        return True, now + C.RTR_SOLICITATION_INTERVAL

    def stop(self) -> None:
        self.active = False


def two_hour_rule(now: float, valid_until: float, received_valid: int) -> float | None:
    """RFC 4862 §5.5.3 (e): the new valid-lifetime end, or None to leave it unchanged."""
    received_end = lifetime_to_time(now, received_valid)
    remaining = valid_until - now
    if received_valid > C.TWO_HOURS or received_end > valid_until:
        return received_end
    if remaining <= C.TWO_HOURS:
        return None
    return now + C.TWO_HOURS


@dataclass(slots=True)
class DefaultRouter:
    addr: Addr
    ifname: str
    expires: float


def process_ra(node: IPv6Node, ifname: str, src: Addr, ra: I.RouterAdvertisement) -> None:
    """Apply a (validated) RA on a host: default router list, parameters, prefix list, SLAAC."""
    now = node.now
    iface = node.interfaces[ifname]
    node.stop_router_solicitation(ifname)
    if ra.cur_hop_limit:
        iface.cur_hop_limit = ra.cur_hop_limit
    if ra.reachable_time:
        iface.neighbors.set_base_reachable_time(ra.reachable_time / 1000)
    if ra.retrans_timer:
        iface.neighbors.retrans_timer = ra.retrans_timer / 1000
    default = DEFAULT_PREFIX
    route = node.routes.find(default, src, ifname)
    if ra.router_lifetime > 0:
        node.routes.add(default, src, ifname, 0, RouteOrigin.RA_DEFAULT, now + ra.router_lifetime)
        if route is None:
            node.trace_event("nd", f"default router {src} on {ifname} ({ra.router_lifetime} s)", router=src)
    elif route is not None:
        node.routes.remove(route)
        node.trace_event("nd", f"default router {src} on {ifname} withdrawn (lifetime 0)", router=src)
    for opt in ra.options:
        if isinstance(opt, I.MTUOption) and C.IPV6_MIN_MTU <= opt.mtu <= C.ETHERNET_MTU:
            iface.mtu = opt.mtu
        elif isinstance(opt, I.PrefixInformation):
            _prefix(node, ifname, opt)
    node.schedule_expiry()


def _prefix(node: IPv6Node, ifname: str, pio: I.PrefixInformation) -> None:
    now = node.now
    net = prefix_network(pio.prefix, pio.prefix_len)
    if net.network_address.is_link_local:
        return  # §5.5.3 (b), §6.3.4: never for the link-local prefix
    if pio.L:
        r = node.routes.find(net, None, ifname)
        if pio.valid_lifetime == 0:
            if r is not None:
                node.routes.remove(r)
                node.trace_event("nd", f"on-link prefix {net} on {ifname} withdrawn", prefix=str(net))
        elif r is None or r.origin == RouteOrigin.RA_PREFIX:
            node.routes.add(net, None, ifname, 0, RouteOrigin.RA_PREFIX, lifetime_to_time(now, pio.valid_lifetime))
    if not pio.A or not node.autoconfigure:
        return
    if pio.preferred_lifetime > pio.valid_lifetime:
        return  # §5.5.3 (c)
    existing = [e for e in node.addresses.with_prefix(ifname, net) if e.origin == Origin.SLAAC]
    if not existing:
        if pio.valid_lifetime == 0:
            return
        if pio.prefix_len + 64 != 128:
            node.trace_event("slaac", f"prefix {net}: length {pio.prefix_len} + 64-bit IID != 128, ignored")
            return
        addr = address_from_prefix(net, interface_id_from_mac(node.interfaces[ifname].mac))
        if node.addresses.get(ifname, addr) is not None:
            return  # configured by hand already
        entry = AddressEntry(
            addr,
            pio.prefix_len,
            ifname,
            AddrState.TENTATIVE,
            Origin.SLAAC,
            lifetime_to_time(now, pio.preferred_lifetime),
            lifetime_to_time(now, pio.valid_lifetime),
        )
        node.trace_event(
            "slaac",
            f"{addr} formed from {net} (valid {pio.valid_lifetime} s, preferred {pio.preferred_lifetime} s)",
            address=addr,
            prefix=str(net),
        )
        node.assign(entry)
        return
    for e in existing:
        e.preferred_until = lifetime_to_time(now, pio.preferred_lifetime)
        if e.state == AddrState.DEPRECATED and e.preferred_until > now:
            e.state = AddrState.PREFERRED
        new_valid = two_hour_rule(now, e.valid_until, pio.valid_lifetime)
        if new_valid is not None:
            e.valid_until = new_valid
        if e.state == AddrState.PREFERRED and e.preferred_until <= now:
            e.state = AddrState.DEPRECATED
