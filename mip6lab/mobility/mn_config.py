"""How a mobile node learns its home: the three configuration methods of the white paper.

"Attaching to the Home Link" (white paper) -- RFC 6275 leaves this open:

* **manual**: home prefix, home address and home agent typed in; permanent. (The home address may be
  left to SLAAC on the home prefix: prefix + the interface's EUI-64 identifier.)
* **pseudo-automatic**: the user says "this is my home link" (:meth:`MobileNodeRole.at_home_now`); the node
  stores the prefix and home address of the current link and takes as home agent the router advertising
  the H flag with the highest Home Agent Preference.
* **automatic**: the node keeps listening for RAs with H=1; the first such link becomes the home link
  once a security relationship with its most preferred home agent is established (with manual keys:
  immediately).

:class:`MobileNodeConfig` is the parsed ``spec.options``; :class:`HomeAgentSelector` keeps the home
agents heard on the current link (a :class:`~mip6lab.mobility.ha_list.HomeAgentsList`). Its prefix and
addresses are the interned, integer-comparing kinds (a home prefix is compared with every RA's prefixes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv6Address, IPv6Network
from typing import Any

from mip6lab.ipv6.router_discovery import FastNetwork
from mip6lab.mobility.constants import RR_RETRY_INTERVAL
from mip6lab.mobility.ha_list import HomeAgentsList
from mip6lab.wire import icmp as I
from mip6lab.wire.addr import intern
from mip6lab.wire.ip import Addr

__all__ = ["CONFIG_METHODS", "FIGURE1_HOME_AGENT", "FIGURE1_HOME_PREFIX", "HomeAgentSelector", "MobileNodeConfig"]

CONFIG_METHODS = ("manual", "pseudo-automatic", "automatic")
FIGURE1_HOME_PREFIX: IPv6Network = FastNetwork("2001:db8:1::/64")
FIGURE1_HOME_AGENT: Addr = intern("2001:db8:1::1")

# Implementation choices (not RFC constants): how long the node asks its home agent and correspondents
# to keep a binding, and when it refreshes one (a fraction of the granted lifetime).
DEFAULT_HOME_LIFETIME = 600.0
DEFAULT_REFRESH_FRACTION = 0.8


@dataclass
class MobileNodeConfig:
    """``spec.options`` of a "mobile-node" in a topology, with Figure 1 defaults.

    ``home_agent="discover"`` (or ``discover_home_agent=True``) leaves the home agent to Dynamic Home
    Agent Address Discovery when the node first leaves home.
    """

    method: str = "manual"
    home_prefix: IPv6Network | None = FIGURE1_HOME_PREFIX
    home_address: Addr | None = None  # None: SLAAC (prefix + EUI-64 of the interface)
    home_agent: Addr | None = FIGURE1_HOME_AGENT
    discover_home_agent: bool = False
    interface: str = "eth0"
    home_lifetime: float = DEFAULT_HOME_LIFETIME  # seconds requested in home registrations
    refresh_fraction: float = DEFAULT_REFRESH_FRACTION
    route_optimization: bool = True  # False: always bidirectional tunnelling
    rr_retry_interval: float = RR_RETRY_INTERVAL  # retry RR with a peer that refused it (0: never)
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> MobileNodeConfig:
        o = dict(options)
        method = o.pop("config", o.pop("method", "manual"))
        if method not in CONFIG_METHODS:
            raise ValueError(f"mobile node config must be one of {', '.join(CONFIG_METHODS)}, not {method!r}")
        cfg = cls(method=method)
        if method != "manual":  # learnt on the home link
            cfg.home_prefix = cfg.home_agent = None
        if "home_prefix" in o:
            p = o.pop("home_prefix")
            cfg.home_prefix = None if p is None else FastNetwork(p, strict=False)
        if "home_address" in o:
            a = o.pop("home_address")
            cfg.home_address = None if a is None else intern(IPv6Address(a))
        if "home_agent" in o:
            ha = o.pop("home_agent")
            if ha in ("discover", "dhaad"):
                cfg.home_agent, cfg.discover_home_agent = None, True
            else:
                cfg.home_agent = None if ha is None else intern(IPv6Address(ha))
        for name in ("discover_home_agent", "interface", "home_lifetime", "refresh_fraction"):
            if name in o:
                setattr(cfg, name, o.pop(name))
        for name in ("route_optimization", "rr_retry_interval"):
            if name in o:
                setattr(cfg, name, o.pop(name))
        if cfg.discover_home_agent:
            cfg.home_agent = None
        cfg.extra = o
        return cfg


class HomeAgentSelector:
    """Home agents advertised on the link the node is on (RAs with H=1, §7.1, §10.5.1 fields).

    A global address is known only from a Prefix Information option with the R flag; a home agent
    without one cannot be chosen (the node then falls back to DHAAD once away).
    """

    def __init__(self) -> None:
        self.agents = HomeAgentsList()

    def clear(self) -> None:
        self.agents = HomeAgentsList()

    def heard(self, now: float, src: Addr, ra: I.RouterAdvertisement) -> bool:
        """Record an RA; True if it came from a home agent (H=1)."""
        if not ra.H:
            return False
        info = next((o for o in ra.options if isinstance(o, I.HomeAgentInformation)), None)
        lifetime = info.lifetime if info is not None else ra.router_lifetime
        pref = info.preference if info is not None else 0
        addrs = [o.prefix for o in ra.options if isinstance(o, I.PrefixInformation) and o.R]
        self.agents.update_from_ra(now, src, addrs, lifetime, pref)
        return True

    def best(self, now: float) -> Addr | None:
        """The global address of the most preferred live home agent, if any advertised one."""
        self.agents.expire(now)
        for e in self.agents.ordered():
            if e.global_addresses:
                return e.global_addresses[0]
        return None

    def link_locals(self) -> list[Addr]:
        return [e.link_local_address for e in self.agents.entries()]
