"""The routing table (sending algorithm steps 13-14).

Lookup is longest-prefix match, then lowest metric, then - because the white paper leaves the
choice among equal routes to "IPv6" - a deterministic tie-break: a route whose next hop is known
to be reachable first (RFC 4861 §6.3.6 prefers reachable default routers), then the route added
first. A route with ``next_hop=None`` is *on-link*: the destination itself is the next hop.

Routes learned from Router Advertisements carry an expiry time; the node removes them when the
router or prefix lifetime runs out.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from ipaddress import IPv6Address, IPv6Network

from mip6lab.ipv6.addresses import CONFIG_EPOCH, LIFETIME_FIELDS
from mip6lab.wire.ip import Addr


class RouteOrigin(Enum):
    CONNECTED = "connected"  # the prefix of a manually configured address
    MANUAL = "manual"
    RA_PREFIX = "ra-prefix"  # on-link prefix from a Prefix Information option with L=1
    RA_DEFAULT = "ra-default"  # default router from a Router Advertisement
    LINK_LOCAL = "link-local"


@dataclass(slots=True)
class Route:
    prefix: IPv6Network
    next_hop: Addr | None  # None: on-link
    ifname: str
    metric: int = 0
    origin: RouteOrigin = RouteOrigin.MANUAL
    expires: float = math.inf
    seq: int = field(default=0, compare=False)  # insertion order, the last tie-break

    def __setattr__(self, name: str, value: object) -> None:
        if name not in LIFETIME_FIELDS:
            CONFIG_EPOCH[0] += 1  # source address selection caches route lookups (see addresses.CONFIG_EPOCH)
        object.__setattr__(self, name, value)

    @property
    def on_link(self) -> bool:
        return self.next_hop is None

    def matches(self, dst: Addr) -> bool:
        """``dst in prefix``, with integer arithmetic (the hot path of every lookup)."""
        net = self.prefix
        return (int(dst) & int(net.netmask)) == int(net.network_address)

    def __str__(self) -> str:
        via = "on-link" if self.next_hop is None else f"via {self.next_hop}"
        return f"{self.prefix} {via} dev {self.ifname} metric {self.metric}"


_set = object.__setattr__


def _by_seq(r: Route) -> int:
    return r.seq


def _same(r: Route, prefix: IPv6Network, next_hop: Addr | None, ifname: str) -> bool:
    """``r`` has this prefix, next hop and interface. The next hop and the interface first, on identity before
    equality (addresses are interned, an RA's prefixes shared: router_discovery.prefix_network), so that a host
    refreshing its routes on every RA compares with Python-level ``__eq__`` only where it must (issue 13)."""
    nh = r.next_hop
    if nh is not next_hop and (nh is None or next_hop is None or nh != next_hop):
        return False
    if r.ifname != ifname:
        return False
    rp = r.prefix
    return rp is prefix or rp == prefix


class RoutingTable:
    def __init__(self) -> None:
        self.routes: list[Route] = []
        self._seq = itertools.count()
        self.version = 0  # bumped on every change; the destination cache watches it

    def add(
        self,
        prefix: IPv6Network | str,
        next_hop: Addr | None,
        ifname: str,
        metric: int = 0,
        origin: RouteOrigin = RouteOrigin.MANUAL,
        expires: float = math.inf,
    ) -> Route:
        """Add a route, or update the one with the same prefix, next hop and interface."""
        prefix = IPv6Network(prefix) if isinstance(prefix, str) else prefix
        # ``is`` first: an RA's prefixes are parsed once and shared (router_discovery.prefix_network), and
        # IPv6Network's == is slow Python; every host refreshes its routes on every RA (issue 13)
        for r in self.routes:
            if _same(r, prefix, next_hop, ifname):
                # the refresh every RA makes: the three fields set past Route.__setattr__. The epoch moves only if
                # the metric or the origin did (a new expiry changes no lookup); the version always (the
                # destination cache is flushed, and a trace's sending step 1 shows that)
                if r.metric != metric or r.origin is not origin:
                    _set(r, "metric", metric)
                    _set(r, "origin", origin)
                    CONFIG_EPOCH[0] += 1
                _set(r, "expires", expires)
                self.version += 1
                return r
        r = Route(prefix, next_hop, ifname, metric, origin, expires, next(self._seq))
        self.routes.append(r)
        self.version += 1
        CONFIG_EPOCH[0] += 1
        return r

    def remove(self, route: Route) -> None:
        if route in self.routes:
            self.routes.remove(route)
            self.version += 1
            CONFIG_EPOCH[0] += 1

    def remove_where(self, pred: Callable[[Route], bool]) -> list[Route]:
        gone = [r for r in self.routes if pred(r)]
        if gone:
            self.routes = [r for r in self.routes if not pred(r)]
            self.version += 1
            CONFIG_EPOCH[0] += 1
        return gone

    def find(self, prefix: IPv6Network, next_hop: Addr | None, ifname: str) -> Route | None:
        for r in self.routes:
            if _same(r, prefix, next_hop, ifname):
                return r
        return None

    def lookup(
        self,
        dst: Addr,
        usable: Callable[[Route], bool] | None = None,
        reachable: Callable[[Route], bool] | None = None,
    ) -> Route | None:
        """Step 13: longest match, then lowest metric; among equals prefer ``reachable`` next hops."""
        # every matching route sorted (longest prefix, lowest metric, oldest) and the first taken, in one pass (a host
        # asks again after every RA that refreshes its routes): ``usable`` asked of every matching route in table
        # order; :meth:`Route.matches` inline, on the integers the addresses hold (``int()`` of an address is a
        # Python call)
        ip = dst._ip if isinstance(dst, IPv6Address) else None
        best: list[Route] = []
        top = (-1, 0)
        for r in self.routes:
            net = r.prefix
            if ip is not None and isinstance(net, IPv6Network):
                if ip & net.netmask._ip != net.network_address._ip:
                    continue
            elif not r.matches(dst):
                continue
            if usable is not None and not usable(r):
                continue
            key = (net._prefixlen, -r.metric)
            if not best or key > top:
                top, best = key, [r]
            elif key == top:
                best.append(r)
        if not best:
            return None
        if len(best) > 1:
            best.sort(key=_by_seq)
        if reachable is not None and len(best) > 1:
            for r in best:
                if reachable(r):
                    return r
        return best[0]

    def expired(self, now: float) -> list[Route]:
        return self.remove_where(lambda r: r.expires <= now)
