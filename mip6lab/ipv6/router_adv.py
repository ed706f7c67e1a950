"""The router side of router discovery (RFC 4861 §6.2, with RFC 6275 §7 additions).

Per interface a router sends Router Advertisements:

* unsolicited, at intervals drawn uniformly from [MinRtrAdvInterval, MaxRtrAdvInterval]; the
  first MAX_INITIAL_RTR_ADVERTISEMENTS intervals are capped at MAX_INITIAL_RTR_ADVERT_INTERVAL so
  that a new router is heard quickly (§6.2.4);
* in answer to a Router Solicitation, after a random delay in [0, MAX_RA_DELAY_TIME] - unicast to
  a solicitor that gave its link-local address, multicast to all-nodes for one that used ``::``;
  multicast answers are rate limited to one per MinDelayBetweenRAs (§6.2.6).

Mobile IPv6 routers may advertise much faster (MinRtrAdvInterval down to 0.03 s,
MaxRtrAdvInterval down to 0.07 s, RFC 6275 §7.5) and add the Advertisement Interval option
(§7.3) so mobile nodes know when an RA is overdue; a home agent sets the H flag and adds the Home
Agent Information option (§7.4) and a Prefix Information option with the R flag carrying its
global address (§7.2).

:class:`RAConfig` is the per-interface configuration, :class:`RouterAdvertiser` the scheduling
arithmetic (no I/O), :func:`build_ra` the message.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from ipaddress import IPv6Network
from random import Random

from mip6lab.ipv6 import constants as C
from mip6lab.wire import icmp as I


@dataclass(slots=True)
class RAConfig:
    prefixes: list[I.PrefixInformation] = field(default_factory=list)
    H: bool = False  # RFC 6275 §7.1: this router is a home agent on this link
    adv_interval: bool = True  # include the Advertisement Interval option (RFC 6275 §7.3)
    min_interval: float | None = None  # MinRtrAdvInterval; default 0.33 * max_interval
    max_interval: float = C.MAX_RTR_ADV_INTERVAL
    router_lifetime: int | None = None  # AdvDefaultLifetime; default 3 * max_interval
    mtu: int | None = None  # MTU option
    cur_hop_limit: int = C.CUR_HOP_LIMIT
    reachable_time_ms: int = 0
    retrans_timer_ms: int = 0
    M: bool = False
    O: bool = False  # noqa: E741
    ha_preference: int | None = None  # Home Agent Information option (with H); None: not sent
    ha_lifetime: int | None = None  # default: the router lifetime
    min_delay_between_ras: float | None = None  # default min(MIN_DELAY_BETWEEN_RAS, MinRtrAdvInterval)
    enabled: bool = True

    def __post_init__(self) -> None:
        if self.min_interval is None:
            self.min_interval = max(C.MIN_MIN_RTR_ADV_INTERVAL_MIPV6, C.MIN_RTR_ADV_INTERVAL_FACTOR * self.max_interval)
        if self.max_interval < C.MIN_MAX_RTR_ADV_INTERVAL_MIPV6:
            raise ValueError(f"MaxRtrAdvInterval {self.max_interval} below {C.MIN_MAX_RTR_ADV_INTERVAL_MIPV6} s")
        if not C.MIN_MIN_RTR_ADV_INTERVAL_MIPV6 <= self.min_interval <= 0.75 * self.max_interval + 1e-9:
            raise ValueError(f"MinRtrAdvInterval {self.min_interval} not in [0.03, 0.75 * MaxRtrAdvInterval]")
        if self.router_lifetime is None:
            self.router_lifetime = min(C.MAX_ROUTER_LIFETIME, math.ceil(3 * self.max_interval))
        if self.min_delay_between_ras is None:
            self.min_delay_between_ras = min(C.MIN_DELAY_BETWEEN_RAS, self.min_interval)
        if self.min_delay_between_ras < C.MIN_DELAY_BETWEEN_RAS_MIPV6:
            raise ValueError("MinDelayBetweenRAs below 0.03 s (RFC 6275 §13)")


def prefix_option(
    prefix: I.PrefixInformation | str | IPv6Network,
    *,
    valid: int = C.RA_PREFIX_VALID_LIFETIME,
    preferred: int = C.RA_PREFIX_PREFERRED_LIFETIME,
) -> I.PrefixInformation:
    """A Prefix Information option from ``"2001:db8:1::/64"`` (L=1, A=1) or one given as is."""
    if isinstance(prefix, I.PrefixInformation):
        return prefix
    net = IPv6Network(prefix) if isinstance(prefix, str) else prefix
    return I.PrefixInformation(net.network_address, net.prefixlen, True, True, False, valid, preferred)


def build_ra(cfg: RAConfig, mac: str | None) -> I.RouterAdvertisement:
    opts: list[I.NDOption] = []
    if mac is not None:
        opts.append(I.SourceLinkLayerAddress(mac))
    if cfg.mtu is not None:
        opts.append(I.MTUOption(cfg.mtu))
    opts.extend(cfg.prefixes)
    if cfg.adv_interval:
        opts.append(I.AdvertisementInterval(round(cfg.max_interval * 1000)))
    if cfg.H and cfg.ha_preference is not None:
        life = cfg.ha_lifetime if cfg.ha_lifetime is not None else cfg.router_lifetime
        opts.append(I.HomeAgentInformation(cfg.ha_preference, int(life or 0)))
    return I.RouterAdvertisement(
        cur_hop_limit=cfg.cur_hop_limit,
        M=cfg.M,
        O=cfg.O,
        H=cfg.H,
        router_lifetime=int(cfg.router_lifetime or 0),
        reachable_time=cfg.reachable_time_ms,
        retrans_timer=cfg.retrans_timer_ms,
        options=tuple(opts),
    )


class RouterAdvertiser:
    """When the next RA goes out on one interface. Times are absolute (simulated seconds)."""

    def __init__(self, cfg: RAConfig, rng: Random) -> None:
        self.cfg = cfg
        self.rng = rng
        self.initial_left = C.MAX_INITIAL_RTR_ADVERTISEMENTS
        self.last_multicast: float | None = None
        self.next_multicast: float | None = None

    def _interval(self) -> float:
        lo, hi = self.cfg.min_interval or 0.0, self.cfg.max_interval
        iv = self.rng.uniform(lo, hi)
        if self.initial_left > 0:
            iv = min(iv, C.MAX_INITIAL_RTR_ADVERT_INTERVAL)
        return iv

    def start(self, now: float) -> float:
        """Interface up / advertising enabled: the first RA goes out now."""
        self.initial_left = C.MAX_INITIAL_RTR_ADVERTISEMENTS
        self.next_multicast = now
        return now

    def multicast_sent(self, now: float) -> float:
        """A multicast RA went out; returns when the next unsolicited one is due."""
        self.last_multicast = now
        self.next_multicast = now + self._interval()
        if self.initial_left > 0:
            self.initial_left -= 1
        return self.next_multicast

    def solicited(self, now: float, multicast: bool) -> tuple[float, bool]:
        """An RS arrived. Returns (when to answer, whether that reschedules the multicast RA)."""
        delay = self.rng.uniform(0.0, C.MAX_RA_DELAY_TIME)
        if not multicast:
            return now + delay, False
        at = now + delay
        gap = self.cfg.min_delay_between_ras or 0.0
        if self.last_multicast is not None and now - self.last_multicast < gap:
            at = self.last_multicast + gap + delay
        if self.next_multicast is not None and self.next_multicast <= at:
            return self.next_multicast, False  # an unsolicited RA comes sooner anyway
        self.next_multicast = at
        return at, True
