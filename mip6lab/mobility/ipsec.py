"""IPsec between the mobile node and its home agent: SAD + SPD with manual keying (RFC 3776, RFC 4877).

RFC 6275 §5.1 makes ESP protection of the home-registration signalling mandatory. With manual keying
(RFC 3776 §4, RFC 4877 §4.4) a mobile node and its home agent share four SAs:

==========  =========  =========  ==========================================================
SA          mode       direction  protects (selector: src -> dst, protocol/message type)
==========  =========  =========  ==========================================================
spi_base+1  transport  MN -> HA   BU (HoA -> HA, MH 5); Mobile Prefix Solicitation (ICMPv6 146)
spi_base+2  transport  HA -> MN   BA (HA -> HoA, MH 6); Mobile Prefix Advertisement (ICMPv6 147)
spi_base+3  tunnel     MN -> HA   HoTI in the reverse tunnel (inner HoA -> any CN, MH 1)
spi_base+4  tunnel     HA -> MN   HoT in the tunnel (inner any CN -> HoA, MH 3)
==========  =========  =========  ==========================================================

Selectors use the *home address*, as RFC 3776 §4.1 does: the receiver processes the Home Address
option (which precedes ESP) before IPsec, and a Type 2 Routing header likewise names the home address.
Only the SPI identifies the SA of an arriving packet, so the care-of address never has to be known in
advance (in the SA it is "any", ``None``).

Modes: ``"off"`` (no IPsec: signalling in clear, for the first chapters), ``"null"`` (ESP_NULL +
HMAC-SHA1-96: protected, still readable in Wireshark), ``"aes"`` (AES-128-CBC + HMAC-SHA1-96).

This module holds tables and look-ups only; the node roles decide to call :meth:`protect`/:meth:`open`.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from ipaddress import IPv6Address
from typing import Any, Literal

from mip6lab.sim.kernel import LazyRandom
from mip6lab.wire.esp import EspError, SecurityAssociation, esp_decrypt, esp_open, esp_protect
from mip6lab.wire.icmp import MOBILE_PREFIX_ADVERT, MOBILE_PREFIX_SOLICIT
from mip6lab.wire.ip import ESP, NH_ICMPV6, NH_MOBILITY, Addr
from mip6lab.wire.mh import MH_BA, MH_BU, MH_HOT, MH_HOTI

__all__ = [
    "EspError",
    "EspMode",
    "ReadOnlySAD",
    "SAView",
    "parse_esp_mode",
    "SecurityAssociation",
    "SecurityPolicy",
    "SecurityPolicyDatabase",
    "TrafficSelector",
    "allocate_spi_bases",
    "default_spi_base",
    "renumbered_spi_base",
    "manual_key",
    "manual_sa_pair",
    "wireshark_esp_sa_table",
]


class EspMode(StrEnum):
    """How MN-HA signalling is protected (the Lab's ``esp=``): parsed once, where the user gives it."""

    OFF = "off"  # no ESP: signalling in clear
    NULL = "null"  # ESP NULL encryption + HMAC-SHA1-96: integrity only, readable in captures
    AES = "aes"  # ESP AES-CBC + HMAC-SHA1-96


def parse_esp_mode(value: object) -> EspMode:
    """``value`` as an :class:`EspMode`; ValueError naming the choices otherwise."""
    try:
        return EspMode(value)
    except ValueError:
        *first, last = [repr(m.value) for m in EspMode]
        raise ValueError(f"esp must be {', '.join(first)} or {last}, not {value!r}") from None


Direction = Literal["out", "in"]


def _addr(a: Addr | str | None) -> Addr | None:
    return a if a is None or isinstance(a, IPv6Address) else IPv6Address(a)


@dataclass(frozen=True, slots=True)
class TrafficSelector:
    """Which packets a policy applies to. ``None`` in any field means "any"."""

    src: Addr | None
    dst: Addr | None
    protocol: int  # Next Header of the upper layer: 135 (MH) or 58 (ICMPv6)
    msg_type: int | None = None  # MH Type or ICMPv6 Type

    def matches(self, src: Addr, dst: Addr, protocol: int, msg_type: int | None) -> bool:
        return (
            (self.src is None or self.src == src)
            and (self.dst is None or self.dst == dst)
            and self.protocol == protocol
            and (self.msg_type is None or self.msg_type == msg_type)
        )


@dataclass(frozen=True, slots=True)
class SecurityPolicy:
    """An SPD entry: packets matching ``selector`` in ``direction`` must use SA ``spi``."""

    direction: Direction
    selector: TrafficSelector
    spi: int
    tunnel: bool = False  # tunnel mode: the selector applies to the inner packet
    description: str = ""


def _index_policy(index: dict[tuple[Any, ...], list[tuple[int, SecurityPolicy]]], pos: int, p: SecurityPolicy) -> None:
    sel = p.selector
    index.setdefault((p.direction, p.tunnel, sel.protocol, sel.src, sel.dst), []).append((pos, p))


@dataclass
class SecurityPolicyDatabase:
    """One node's SPD and SAD (SAs by SPI), plus the seeded generator that makes the AES IVs."""

    name: str = ""
    iv_rng: random.Random = field(default_factory=lambda: random.Random(0))
    policies: list[SecurityPolicy] = field(default_factory=list)
    _sad: dict[int, SecurityAssociation] = field(default_factory=dict, repr=False)
    # The SPD indexed by (direction, tunnel, protocol, src or None, dst or None) -> [(position, policy)],
    # so that a lookup costs the same with 10 or 100,000 mobile nodes (issue 13); first match still wins.
    _spd_index: dict[tuple[Any, ...], list[tuple[int, SecurityPolicy]]] = field(
        default_factory=dict, repr=False, compare=False
    )
    _spd_indexed: tuple[int, int] = field(default=(0, 0), repr=False, compare=False)

    # ------------------------------------------------------------------ SAD
    def add_sa(self, sa: SecurityAssociation) -> None:
        if sa.spi in self._sad:
            raise ValueError(f"SPI {sa.spi:#x} already in the SAD of {self.name or 'this node'}")
        self._sad[sa.spi] = sa

    def sa_for_spi(self, spi: int) -> SecurityAssociation | None:
        return self._sad.get(spi)

    def remove_sa(self, spi: int) -> SecurityAssociation | None:
        """Delete SA ``spi`` and every SPD policy that uses it (a policy without its SA could only
        drop packets). Returns the removed SA, or None if there was none."""
        self.policies = [p for p in self.policies if p.spi != spi]
        return self._sad.pop(spi, None)

    def sas(self) -> list[SecurityAssociation]:
        """All SAs, in the order they were added."""
        return list(self._sad.values())

    # ------------------------------------------------------------------ SPD
    def add_policy(self, policy: SecurityPolicy) -> None:
        index = self._index()
        self.policies.append(policy)
        _index_policy(index, len(self.policies) - 1, policy)
        self._spd_indexed = (id(self.policies), len(self.policies))

    def _index(self) -> dict[tuple[Any, ...], list[tuple[int, SecurityPolicy]]]:
        """The SPD index, rebuilt when ``policies`` was replaced or changed length behind our back."""
        if self._spd_indexed != (id(self.policies), len(self.policies)):
            index: dict[tuple[Any, ...], list[tuple[int, SecurityPolicy]]] = {}
            for pos, p in enumerate(self.policies):
                _index_policy(index, pos, p)
            self._spd_index = index
            self._spd_indexed = (id(self.policies), len(self.policies))
        return self._spd_index

    def _find(
        self, direction: Direction, src: Addr, dst: Addr, protocol: int, msg_type: int | None, tunnel: bool
    ) -> SecurityPolicy | None:
        """First match wins, in insertion order (deterministic), as a scan of ``policies`` would find."""
        index = self._index()
        best: tuple[int, SecurityPolicy] | None = None
        for s in (src, None):
            for d in (dst, None):
                for pos, p in index.get((direction, tunnel, protocol, s, d), ()):
                    if best is not None and pos >= best[0]:
                        break
                    if p.selector.msg_type is None or p.selector.msg_type == msg_type:
                        best = (pos, p)
                        break
        return None if best is None else best[1]

    def outbound(
        self, src: Addr, dst: Addr, protocol: int, msg_type: int | None = None, *, tunnel: bool = False
    ) -> SecurityAssociation | None:
        """The SA to protect an outgoing packet with, or None ("bypass": send in clear)."""
        p = self._find("out", src, dst, protocol, msg_type, tunnel)
        return None if p is None else self._sad[p.spi]

    def inbound_policy(
        self, src: Addr, dst: Addr, protocol: int, msg_type: int | None = None, *, tunnel: bool = False
    ) -> SecurityPolicy | None:
        """The policy an arriving packet must satisfy, or None if it may arrive in clear."""
        return self._find("in", src, dst, protocol, msg_type, tunnel)

    def inbound_ok(
        self,
        src: Addr,
        dst: Addr,
        protocol: int,
        msg_type: int | None,
        via_spi: int | None,
        *,
        tunnel: bool = False,
    ) -> bool:
        """After decryption: did the packet arrive as policy requires? ``via_spi`` is the SA that
        opened it (None if it came in clear). A BU that should be protected but is not is dropped."""
        p = self.inbound_policy(src, dst, protocol, msg_type, tunnel=tunnel)
        return via_spi is None if p is None else via_spi == p.spi

    # ------------------------------------------------------------------ ESP
    def protect(self, sa: SecurityAssociation, next_header: int, payload: bytes) -> ESP:
        return esp_protect(sa, next_header, payload, self.iv_rng)

    def open(self, esp: ESP) -> tuple[SecurityAssociation, int, bytes]:
        """Find the SA by SPI and open ``esp``; raises :class:`EspError` ("spi" if unknown)."""
        sa = self._sad.get(esp.spi)
        if sa is None:
            raise EspError("spi", f"no SA for SPI {esp.spi:#x}")
        nh, payload = esp_open(sa, esp)
        return sa, nh, payload

    @property
    def enabled(self) -> bool:
        return bool(self._sad)

    def read_only(self) -> ReadOnlySAD:
        """A view of this SAD for readers (the packet inspector): keys, never the replay state."""
        return ReadOnlySAD(self)


class SAView:
    """One SA seen through a read-only window: its identity, transforms and keys. No sequence
    counter, no anti-replay window, no setters - showing a packet can never change what the node
    will accept next."""

    __slots__ = ("_sa",)

    def __init__(self, sa: SecurityAssociation) -> None:
        self._sa = sa

    spi = property(lambda self: self._sa.spi)
    name = property(lambda self: self._sa.name)
    mode = property(lambda self: self._sa.mode)
    enc = property(lambda self: self._sa.enc)
    enc_key = property(lambda self: self._sa.enc_key)
    auth = property(lambda self: self._sa.auth)
    auth_key = property(lambda self: self._sa.auth_key)
    iv_len = property(lambda self: self._sa.iv_len)

    def __repr__(self) -> str:
        return f"<SAView spi={self.spi:#x} {self.name} {self.mode} {self.enc}>"


class ReadOnlySAD:
    """A node's SAD as a reader may use it: look an SA up by SPI and decrypt with it
    (:func:`~mip6lab.wire.esp.esp_decrypt`), without the replay checks a receiver applies."""

    __slots__ = ("database",)

    def __init__(self, database: SecurityPolicyDatabase) -> None:
        self.database = database

    def sa_for_spi(self, spi: int) -> SAView | None:
        sa = self.database.sa_for_spi(spi)
        return None if sa is None else SAView(sa)

    def decrypt(self, esp: ESP) -> tuple[SAView, int, bytes] | None:
        """``(sa, next_header, payload)`` when an SA of this SAD opens ``esp``, else None."""
        sa = self.sa_for_spi(esp.spi)
        if sa is None:
            return None
        try:
            nh, payload = esp_decrypt(sa, esp)
        except EspError:
            return None
        return sa, nh, payload


# --------------------------------------------------------------------------- manual keying
def _prefix_tag(hoa: Addr) -> int:
    """8 bits of SHA-256 over the home address without its last 16 bits."""
    return hashlib.sha256((int(hoa) >> 16).to_bytes(14, "big")).digest()[0]


_FIGURE1_TAG = _prefix_tag(IPv6Address("2001:db8:1::"))


def default_spi_base(mn_home_address: Addr | str) -> int:
    """``0x1TT0_HHHH_0``: readable and derived from the *whole* home address.

    ``HHHH`` (bits 4-19) is the last 16 bits of the home address; ``TT`` (bits 20-27) is 8 bits of
    SHA-256 over the other 112 bits, XORed so that Figure 1's home prefix 2001:db8:1::/64 gives 00.
    For 2001:db8:1::100 the four SPIs are 0x10001001 .. 0x10001004; after the home link is renumbered
    to 2001:db8:5::/64, 2001:db8:5::100 gets 0x1cc01001 .. 0x1cc01004, so the old and the new home
    address can hold SAs side by side (Figure 32). Two home prefixes share ``TT`` with probability
    1/256; :class:`mip6lab.mobility.ha_ipsec.HomeAgentIPsec` then replaces the older pair."""
    hoa = _addr(mn_home_address)
    assert hoa is not None
    tag = _prefix_tag(hoa) ^ _FIGURE1_TAG
    return 0x1000_0000 + (tag << 20) + ((int(hoa) & 0xFFFF) << 4)


_SPI_STEP = 0x10  # one base holds the four SPIs base+1 .. base+4
_SPI_FIRST, _SPI_LAST = 0x1000_0000, 0xFFFF_FFF0


def _next_base(base: int) -> int:
    nxt = base + _SPI_STEP
    return _SPI_FIRST if nxt > _SPI_LAST else nxt


def allocate_spi_bases(home_addresses: Iterable[Addr]) -> dict[Addr, int]:
    """One SPI base per home address, all different (configuration time, so both ends agree).

    :func:`default_spi_base` keeps only 16 bits of the interface identifier, so in a lab with more than
    256 mobile nodes on a home link two home addresses share SPIs (the home agent would keep only one
    pair). Each address keeps its default base unless an *earlier* address in ``home_addresses`` (the
    topology's order) claims it; such an address gets the next free base in steps of 0x10. Small labs
    (no collision) keep exactly today's SPIs. Linear in the number of addresses: each default base
    remembers where its last collision was resolved."""
    addrs = list(dict.fromkeys(home_addresses))
    out: dict[Addr, int] = {}
    taken: set[int] = set()
    losers: list[tuple[Addr, int]] = []
    for h in addrs:  # pass 1: first claimer keeps its default
        d = default_spi_base(h)
        if d in taken:
            losers.append((h, d))
        else:
            out[h] = d
            taken.add(d)
    cursor: dict[int, int] = {}
    for h, d in losers:  # pass 2: the next free base after the last one given for this default
        b = _next_base(cursor.get(d, d))
        while b in taken:
            b = _next_base(b)
        out[h] = cursor[d] = b
        taken.add(b)
    return {h: out[h] for h in addrs}


def renumbered_spi_base(new_home_address: Addr, old_home_address: Addr, old_base: int) -> int:
    """The base for ``new_home_address`` (the same interface identifier on a renumbered home prefix):
    its default base moved by the same step as the old address's allocated base, which both ends can
    compute on their own (Figure 32)."""
    return default_spi_base(new_home_address) + (old_base - default_spi_base(old_home_address))


def manual_key(
    label: str, spi: int, mn_home_address: Addr, ha_address: Addr, length: int, secret: bytes = b""
) -> bytes:
    """A reproducible key: First(length, SHA-256("mip6lab manual SA|" secret "|label|SPI|HoA|HA")).

    ``secret`` is the manually configured keying material both ends share; a Lab draws it from the
    scenario's seeded randomness, so an attacker on a link cannot recompute the keys and must steal
    them (``Lab.esp_sa_table()`` hands them to Wireshark and the inspector).
    """
    h = hashlib.sha256(
        b"mip6lab manual SA|"
        + secret
        + (b"|" if secret else b"")
        + label.encode()
        + b"|"
        + spi.to_bytes(4, "big")
        + b"|"
        + mn_home_address.packed
        + b"|"
        + ha_address.packed
    ).digest()
    while len(h) < length:
        h += hashlib.sha256(h).digest()
    return h[:length]


_SA_PLAN: tuple[tuple[int, str, bool, bool, tuple[tuple[int, int], ...]], ...] = (
    # (spi offset, label, from MN?, tunnel?, ((protocol, type), ...))
    (1, "MN->HA transport", True, False, ((NH_MOBILITY, MH_BU), (NH_ICMPV6, MOBILE_PREFIX_SOLICIT))),
    (2, "HA->MN transport", False, False, ((NH_MOBILITY, MH_BA), (NH_ICMPV6, MOBILE_PREFIX_ADVERT))),
    (3, "MN->HA tunnel", True, True, ((NH_MOBILITY, MH_HOTI),)),
    (4, "HA->MN tunnel", False, True, ((NH_MOBILITY, MH_HOT),)),
)

_MSG_NAMES = {
    (NH_MOBILITY, MH_BU): "BU",
    (NH_MOBILITY, MH_BA): "BA",
    (NH_MOBILITY, MH_HOTI): "HoTI",
    (NH_MOBILITY, MH_HOT): "HoT",
    (NH_ICMPV6, MOBILE_PREFIX_SOLICIT): "MPS",
    (NH_ICMPV6, MOBILE_PREFIX_ADVERT): "MPA",
}


def manual_sa_pair(
    mn_home_address: Addr | str,
    ha_address: Addr | str,
    mode: EspMode | str,
    rng: random.Random,
    *,
    spi_base: int | None = None,
    ha_sad: SecurityPolicyDatabase | None = None,
    secret: bytes = b"",
) -> tuple[SecurityPolicyDatabase, SecurityPolicyDatabase]:
    """The mobile node's and the home agent's databases for one MN-HA pair (table in the module doc).

    Keys come from :func:`manual_key` (so both ends agree without any exchange); ``rng`` only seeds
    the two IV generators. ``mode="off"`` returns empty databases (nothing is protected). Pass the
    home agent's existing database as ``ha_sad`` to add a second mobile node to it (SPIs from
    :func:`default_spi_base` differ per home address).
    """
    hoa, ha = _addr(mn_home_address), _addr(ha_address)
    assert hoa is not None and ha is not None
    # IV generators: drawn from only with AES (lazy: no 2.5 KB state per mobile node otherwise)
    mn_db = SecurityPolicyDatabase(name=f"MN {hoa}", iv_rng=LazyRandom(rng.getrandbits(64)))  # type: ignore[arg-type]
    ha_iv: Any = LazyRandom(rng.getrandbits(64))
    ha_db = ha_sad if ha_sad is not None else SecurityPolicyDatabase(name=f"HA {ha}", iv_rng=ha_iv)
    mode = parse_esp_mode(mode)  # a public function: its callers (tests, readers) may pass a plain string
    if mode == EspMode.OFF:
        return mn_db, ha_db
    base = default_spi_base(hoa) if spi_base is None else spi_base
    for offset, label, from_mn, tunnel, messages in _SA_PLAN:
        spi = base + offset
        enc_key = manual_key("enc " + label, spi, hoa, ha, 16, secret) if mode == EspMode.AES else b""
        auth_key = manual_key("auth " + label, spi, hoa, ha, 20, secret)
        for db in (mn_db, ha_db):
            db.add_sa(
                SecurityAssociation(
                    spi=spi,
                    src=None if from_mn else ha,  # the MN end is its care-of address: "any"
                    dst=ha if from_mn else None,
                    enc="aes-cbc" if mode == EspMode.AES else "null",
                    enc_key=enc_key,
                    auth_key=auth_key,
                    mode="tunnel" if tunnel else "transport",
                    name=f"{label} ({hoa})",
                )
            )
        for proto, mtype in messages:
            what = _MSG_NAMES[(proto, mtype)]
            if tunnel:  # inner packet: HoTI from the home address to any CN; HoT from any CN to it
                sel = TrafficSelector(hoa if from_mn else None, None if from_mn else hoa, proto, mtype)
            else:
                sel = TrafficSelector(hoa if from_mn else ha, ha if from_mn else hoa, proto, mtype)
            mn_db.add_policy(SecurityPolicy("out" if from_mn else "in", sel, spi, tunnel, what))
            ha_db.add_policy(SecurityPolicy("in" if from_mn else "out", sel, spi, tunnel, what))
    return mn_db, ha_db


_WS_ENC = {"null": "NULL", "aes-cbc": "AES-CBC [RFC3602]"}
_WS_AUTH = {"hmac-sha1-96": "HMAC-SHA-1-96 [RFC2404]"}


def wireshark_esp_sa_table(sad: SecurityPolicyDatabase | Iterable[SecurityAssociation]) -> list[str]:
    """Lines for Wireshark's ESP SA table (the ``esp_sa`` UAT file, or ``tshark -o uat:esp_sa:LINE``).

    Columns: protocol, source, destination, SPI, encryption, encryption key, authentication,
    authentication key. The mobile node end is ``*`` because the outer address is the care-of address.
    Use with ``-o esp.enable_encryption_decode:TRUE`` (and ``esp.enable_authentication_check:TRUE``).
    """
    sas = sad.sas() if isinstance(sad, SecurityPolicyDatabase) else list(sad)
    lines = []
    for sa in sas:
        cols = [
            "IPv6",
            "*" if sa.src is None else str(sa.src),
            "*" if sa.dst is None else str(sa.dst),
            f"0x{sa.spi:08x}",
            _WS_ENC[sa.enc],
            "0x" + sa.enc_key.hex() if sa.enc_key else "",
            _WS_AUTH[sa.auth],
            "0x" + sa.auth_key.hex(),
        ]
        lines.append(",".join(f'"{c}"' for c in cols))
    return lines
