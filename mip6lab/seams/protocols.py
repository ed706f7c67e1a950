"""The ``typing.Protocol`` each seam's component must satisfy.

A seam is a place where a reader's component replaces the library's in a running lab
(``Lab(scenario, replace={"mn.binding_update_list": MyBUL})``). Each Protocol lists exactly what the
library calls on the component, with the argument names and shapes it passes, so a reader's class or
function that satisfies it plugs in. The entry types (:class:`BindingCacheEntry`,
:class:`BindingUpdateListEntry`, :class:`HomeAgentsListEntry`) and the result types (:class:`BUDecision`,
:class:`BAResult`) are the library's: a reader's table stores and returns those objects.

Kinds of seam (``Seam.kind``):

* ``"factory"``: the replacement is a class or a callable returning a fresh component for each node
  (called with no arguments, except ``mn.movement_detection``: called with the mobile node's
  :class:`MovementPort`);
* ``"function"``: the replacement is the function itself (or any callable object);
* ``"functions"``: the replacement is a namespace (a module, a class, an instance) with the named functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from ipaddress import IPv6Network
from typing import TYPE_CHECKING, Any, Protocol

from mip6lab.wire.ip import Addr

if TYPE_CHECKING:
    from mip6lab.ipv6.node import IPv6Node
    from mip6lab.mobility.binding_cache import BindingCacheEntry
    from mip6lab.mobility.bul import BindingUpdateListEntry
    from mip6lab.mobility.ha_list import HomeAgentsListEntry
    from mip6lab.mobility.registration import BAResult, BindingState, BUDecision, HomePrefix
    from mip6lab.mobility.rr import CorrespondentSecrets
    from mip6lab.wire.icmp import RouterAdvertisement
    from mip6lab.wire.ip import IPv6
    from mip6lab.wire.mh import BindingAcknowledgement, BindingUpdate

__all__ = [
    "BAProcessing",
    "BindingCacheTable",
    "BindingUpdateListTable",
    "CorrespondentBUChecks",
    "HomeAgentBUChecks",
    "HomeAgentSelection",
    "HomeAgentsListTable",
    "MovementDetection",
    "MovementPort",
    "RRKeys",
    "ReceivingAlgorithm",
    "SendingAlgorithm",
    "SequenceCompare",
]


# --------------------------------------------------------------------------- tables
class BindingCacheTable(Protocol):
    """A Binding Cache (RFC 6275 §9.1): home address -> :class:`BindingCacheEntry`.

    Entries are created with the library's entry class; ``lookup_valid`` treats an entry whose
    lifetime ran out as absent; ``expire`` removes and returns those entries; ``full`` says a new
    binding would not fit (a cache without a limit is never full)."""

    @property
    def full(self) -> bool: ...

    def lookup(self, home_address: Addr) -> BindingCacheEntry | None: ...

    def lookup_valid(self, now: float, home_address: Addr) -> BindingCacheEntry | None: ...

    def entries(self) -> list[BindingCacheEntry]: ...

    def create(
        self,
        now: float,
        home_address: Addr,
        care_of_address: Addr,
        lifetime: float,
        *,
        sequence_number: int = 0,
        home_registration: bool = False,
        link_local_compat: bool = False,
    ) -> BindingCacheEntry: ...

    def update(
        self,
        now: float,
        home_address: Addr,
        *,
        care_of_address: Addr | None = None,
        lifetime: float | None = None,
        sequence_number: int | None = None,
        home_registration: bool | None = None,
        link_local_compat: bool | None = None,
    ) -> BindingCacheEntry: ...

    def create_or_update(
        self,
        now: float,
        home_address: Addr,
        care_of_address: Addr,
        lifetime: float,
        *,
        sequence_number: int = 0,
        home_registration: bool = False,
        link_local_compat: bool = False,
    ) -> BindingCacheEntry: ...

    def delete(self, home_address: Addr) -> BindingCacheEntry | None: ...

    def expire(self, now: float) -> list[BindingCacheEntry]: ...


class BindingUpdateListTable(Protocol):
    """A Binding Update List (RFC 6275 §11.1): (destination, home address) -> :class:`BindingUpdateListEntry`.

    ``lookup`` without a home address returns the first entry for the destination;
    ``lookup_home_registration`` the home agent's entry (H=1); ``get_or_add`` creates an empty entry
    (``home_registration`` set as given) when there is none. The entries are the one truth for each
    registration (the mobile node reads and writes their fields: sequence numbers, the BU awaiting its
    BA, lifetimes, return-routability state, the entry's machine ``state``), so every method hands back the
    stored objects, never copies. The sender's Sequence Number counters are not asked for: the library's
    table keeps them (``sequence_numbers``), and beside a table without them the mobile node keeps its own
    (:func:`mip6lab.mobility.bul.sequence_numbers_of`)."""

    def lookup(self, destination: Addr, home_address: Addr | None = None) -> BindingUpdateListEntry | None: ...

    def lookup_home_registration(self, home_address: Addr | None = None) -> BindingUpdateListEntry | None: ...

    def get_or_add(
        self, destination: Addr, home_address: Addr, *, home_registration: bool = False
    ) -> BindingUpdateListEntry: ...

    def remove(self, destination: Addr, home_address: Addr | None = None) -> BindingUpdateListEntry | None: ...

    def entries(self) -> list[BindingUpdateListEntry]: ...

    def correspondents(self) -> list[BindingUpdateListEntry]: ...


class HomeAgentsListTable(Protocol):
    """A home agent's Home Agents List (RFC 6275 §10.1, §10.5.1): link-local address -> entry.

    ``update_from_ra`` applies one RA with H=1 (lifetime 0 removes the entry and returns None);
    ``ordered`` is highest preference first; ``addresses_for_reply`` the DHAAD Reply's addresses in
    that order (one global address per home agent)."""

    def update_from_ra(
        self,
        now: float,
        link_local: Addr,
        global_addrs: Iterable[Addr],
        lifetime: float,
        preference: int = 0,
    ) -> HomeAgentsListEntry | None: ...

    def lookup(self, link_local: Addr) -> HomeAgentsListEntry | None: ...

    def remove(self, link_local: Addr) -> HomeAgentsListEntry | None: ...

    def expire(self, now: float) -> list[HomeAgentsListEntry]: ...

    def ordered(self) -> list[HomeAgentsListEntry]: ...

    def addresses_for_reply(self) -> list[Addr]: ...


# --------------------------------------------------------------------------- functions
class SequenceCompare(Protocol):
    """``a`` is greater than ``b`` modulo 2**16 (RFC 6275 §9.5.1): ``0 < (a - b) mod 2**16 < 2**15``."""

    def __call__(self, a: int, b: int) -> bool: ...


class RRKeys(Protocol):
    """Return-routability keys (RFC 6275 §5.2.5, §5.2.6): keygen tokens, Kbm and the authenticator.

    Each returns bytes: tokens are First(64, HMAC_SHA1(Kcn, address | nonce | 0 or 1)); ``kbm`` is
    SHA1(home token | care-of token) (home token only when ``careof_token`` is None); ``authenticator``
    is First(96, HMAC_SHA1(Kbm, care-of address | correspondent | MH data without the 12 octets at
    ``auth_offset``))."""

    def home_keygen_token(self, kcn: bytes, home_address: Addr, nonce: bytes) -> bytes: ...

    def careof_keygen_token(self, kcn: bytes, careof_address: Addr, nonce: bytes) -> bytes: ...

    def kbm(self, home_token: bytes, careof_token: bytes | None = None) -> bytes: ...

    def authenticator(
        self, kbm: bytes, careof_address: Addr, correspondent_address: Addr, mh_data: bytes, auth_offset: int
    ) -> bytes: ...


class CorrespondentBUChecks(Protocol):
    """A correspondent's checks on a Binding Update (RFC 6275 §9.5.1-§9.5.4) -> :class:`BUDecision`."""

    def __call__(
        self,
        bu: BindingUpdate,
        *,
        home_address: Addr,
        source_address: Addr,
        correspondent_address: Addr,
        secrets: CorrespondentSecrets,
        now: float,
        binding: BindingState | None,
        retired_seq: int | None = None,
        insufficient_resources: bool = False,
    ) -> BUDecision: ...


class HomeAgentBUChecks(Protocol):
    """A home agent's checks on a home registration (RFC 6275 §9.5.1, §10.3.1, §10.3.2) -> :class:`BUDecision`."""

    def __call__(
        self,
        bu: BindingUpdate,
        *,
        home_address: Addr,
        source_address: Addr,
        binding: BindingState | None,
        is_home_agent: bool,
        home_prefixes: Sequence[HomePrefix],
        max_lifetime: float | None = None,
        link_local_valid_lifetime: float | None = None,
        prefix_discovery_needed: bool = False,
    ) -> BUDecision: ...


class BAProcessing(Protocol):
    """A mobile node's processing of a Binding Acknowledgement (RFC 6275 §11.7.3) -> :class:`BAResult`."""

    def __call__(
        self,
        ba: BindingAcknowledgement,
        *,
        outstanding_seq: int | None,
        sent_lifetime: float,
        remaining_lifetime: float,
        from_home_agent: bool,
        kbm: bytes | None = None,
        careof_address: Addr | None = None,
        correspondent_address: Addr | None = None,
    ) -> BAResult: ...


class HomeAgentSelection(Protocol):
    """The home agent a mobile node tries from a DHAAD Reply's addresses (RFC 6275 §11.4.1): the first
    (highest preference) one not in ``exclude`` (agents that refused us), or None."""

    def __call__(self, addresses: Sequence[Addr], exclude: Sequence[Addr]) -> Addr | None: ...


class SendingAlgorithm(Protocol):
    """The host sending algorithm (white paper Figure 35): True if ``packet`` was sent or waits for
    address resolution."""

    def __call__(self, node: IPv6Node, packet: IPv6) -> bool: ...


class ReceivingAlgorithm(Protocol):
    """The host receiving algorithm (white paper Figure 36) for ``packet`` received on ``ifname``."""

    def __call__(
        self, node: IPv6Node, packet: IPv6, ifname: str, *, link_multicast: bool = False, depth: int = 0
    ) -> Any: ...


# --------------------------------------------------------------------------- movement detection
class MovementPort(Protocol):
    """What a movement detector may read and call on its mobile node (RFC 6275 §11.5.1).

    The detector only decides; it tells the node with ``attached_home`` / ``attached_foreign`` /
    ``attachment_changed`` and asks for Router Solicitations with ``start_router_solicitation``."""

    @property
    def now(self) -> float: ...

    @property
    def home_prefix(self) -> IPv6Network | None: ...

    @property
    def location(self) -> str: ...  # "home" | "foreign" | "unknown" | "detached"

    @property
    def current_foreign_prefix(self) -> IPv6Network | None: ...

    def trace_event(self, category: str, message: str, **details: Any) -> None: ...

    def set_timer(self, key: Any, at: float) -> None: ...

    def cancel_timer(self, key: Any) -> None: ...

    def register_timer_handler(self, kind: str, handler: Any) -> None: ...

    def attachment_changed(self, ifname: str, attached: bool) -> None: ...

    def attached_home(self, ifname: str, router: Addr) -> None: ...

    def attached_foreign(self, ifname: str, prefix: IPv6Network, router: Addr) -> None: ...

    def start_router_solicitation(self, ifname: str) -> None: ...

    def drop_onlink_route(self, ifname: str, prefix: IPv6Network) -> None:
        """Forget that ``prefix`` is on-link on ``ifname`` (an unconfirmed RA away from home installed it)."""
        ...


class MovementDetection(Protocol):
    """Movement detection (RFC 6275 §11.5.1), built as ``factory(port: MovementPort)``.

    ``on_link_change`` is a link-layer media change (it must end in ``port.attachment_changed``);
    ``on_ra`` a Router Advertisement heard on ``ifname`` from ``src``; ``prefixes_on`` the prefixes
    heard on the interface's current link (what "this is my home link" picks from)."""

    def on_link_change(self, ifname: str, attached: bool) -> None: ...

    def on_ra(self, ifname: str, src: Addr, ra: RouterAdvertisement) -> None: ...

    def prefixes_on(self, ifname: str) -> list[IPv6Network]: ...
