"""The Home Agents List (RFC 6275 §10.1, §10.5.1; white paper "Mobile IPv6 Data Structures").

Every home agent on a home link listens to the Router Advertisements with the Home Agent (H) bit set
and records the senders: link-local address (the RA's source), global addresses (Prefix Information
options with the Router Address (R) bit), remaining lifetime (Home Agent Information option lifetime,
else the Router Lifetime) and preference (Home Agent Information option, signed, default 0). It uses
the list to answer Dynamic Home Agent Address Discovery (DHAAD) Requests.

Ordering: §10.5.1 sorts by decreasing preference and says home agents of equal preference should be
listed in a *random* order, to spread mobile nodes over them. mip6lab is deterministic, so by default
equal preferences are ordered by link-local address; pass a seeded ``random.Random`` to
:meth:`HomeAgentsList.ordered` to get the RFC's shuffle reproducibly.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from ipaddress import IPv6Address

from mip6lab.mobility.constants import HOME_AGENT_ADDRESSES_LIMIT, HOME_AGENTS_LIST_LIMIT, MIN_IPV6_MTU
from mip6lab.wire.ip import Addr

__all__ = ["HomeAgentsList", "HomeAgentsListEntry", "max_reply_addresses"]

_IPV6_HEADER = 40
_DHAAD_REPLY_FIXED = 8  # Type, Code, Checksum, Identifier, Reserved (RFC 6275 §6.6)


def max_reply_addresses(mtu: int = MIN_IPV6_MTU, extra_header_bytes: int = 0) -> int:
    """How many 16-octet Home Agent Addresses fit a DHAAD Reply within ``mtu`` (77 for 1280)."""
    return max((mtu - _IPV6_HEADER - extra_header_bytes - _DHAAD_REPLY_FIXED) // 16, 0)


def _addr(a: Addr | str) -> Addr:
    return a if isinstance(a, IPv6Address) else IPv6Address(a)


@dataclass(slots=True)
class HomeAgentsListEntry:
    """One home agent on the home link."""

    link_local_address: Addr  # the key: the source address of its Router Advertisements
    global_addresses: list[Addr] = field(default_factory=list)  # from PIOs with the R bit
    lifetime: float = 0.0  # seconds, as last advertised
    expiry: float = 0.0  # simulated time the entry ends
    preference: int = 0  # signed 16-bit; higher is better

    def remaining(self, now: float) -> float:
        return max(self.expiry - now, 0.0)

    def expired(self, now: float) -> bool:
        return now >= self.expiry


@dataclass
class HomeAgentsList:
    """Link-local address -> :class:`HomeAgentsListEntry`."""

    _entries: dict[Addr, HomeAgentsListEntry] = field(default_factory=dict, repr=False)
    limit: int = HOME_AGENTS_LIST_LIMIT  # a full list takes no new home agent (the known ones stay)

    def update_from_ra(
        self,
        now: float,
        link_local: Addr | str,
        global_addrs: Iterable[Addr | str],
        lifetime: float,
        preference: int = 0,
    ) -> HomeAgentsListEntry | None:
        """Apply one Router Advertisement with the H bit (§10.5.1).

        ``lifetime`` is the Home Agent Lifetime of a Home Agent Information option, or else the Router
        Lifetime; 0 removes the entry (returns None). New R-bit addresses are added after the known
        ones; an RA without any keeps the known addresses.
        """
        if not -(1 << 15) <= preference < (1 << 15):
            raise ValueError(f"Home Agent Preference {preference} is not a signed 16-bit value")
        ll = _addr(link_local)
        if lifetime <= 0:
            self._entries.pop(ll, None)
            return None
        e = self._entries.get(ll)
        if e is None:
            if len(self._entries) >= self.limit:
                return None  # RAs from ever new link-local sources cannot grow the list without bound
            e = self._entries[ll] = HomeAgentsListEntry(ll)
        for a in global_addrs:
            a = _addr(a)
            if a not in e.global_addresses and len(e.global_addresses) < HOME_AGENT_ADDRESSES_LIMIT:
                e.global_addresses.append(a)
        e.lifetime = float(lifetime)
        e.expiry = now + lifetime
        e.preference = preference
        return e

    def lookup(self, link_local: Addr | str) -> HomeAgentsListEntry | None:
        return self._entries.get(_addr(link_local))

    def remove(self, link_local: Addr | str) -> HomeAgentsListEntry | None:
        return self._entries.pop(_addr(link_local), None)

    def expire(self, now: float) -> list[HomeAgentsListEntry]:
        """Drop the entries whose lifetime has run out; return them."""
        gone = [e for e in self._entries.values() if e.expired(now)]
        for e in gone:
            del self._entries[e.link_local_address]
        return gone

    def entries(self) -> list[HomeAgentsListEntry]:
        """Entries in insertion order (use :meth:`ordered` for the DHAAD order)."""
        return list(self._entries.values())

    def ordered(self, rng: random.Random | None = None) -> list[HomeAgentsListEntry]:
        """Highest preference first. Ties: by link-local address, or shuffled with ``rng``."""
        by_ll = sorted(self._entries.values(), key=lambda e: int(e.link_local_address))
        if rng is not None:
            rng.shuffle(by_ll)
        # sorted() is stable, so the tie order chosen above survives the preference sort
        return sorted(by_ll, key=lambda e: -e.preference)

    def addresses_for_reply(
        self,
        max_count: int | None = None,
        *,
        per_agent: int | None = 1,
        rng: random.Random | None = None,
    ) -> list[Addr]:
        """The Home Agent Addresses of a DHAAD Reply, in :meth:`ordered` order.

        ``per_agent`` global addresses per home agent (1, as UMIP does; None: all of them);
        truncated to ``max_count`` (default: what fits the minimum IPv6 MTU,
        :func:`max_reply_addresses`), dropping the lowest preferences first.
        """
        limit = max_reply_addresses() if max_count is None else max_count
        out: list[Addr] = []
        for e in self.ordered(rng):
            addrs = e.global_addresses if per_agent is None else e.global_addresses[:per_agent]
            for a in addrs:
                if len(out) >= limit:
                    return out
                if a not in out:
                    out.append(a)
        return out

    def next_expiry(self) -> float | None:
        return min((e.expiry for e in self._entries.values()), default=None)

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[HomeAgentsListEntry]:
        return iter(self.entries())
