"""Messages: the one way the lab, the CLI and every widget read a capture.

A *message* is one packet's journey: the capture records of its hops over consecutive links, from
the node that sent it to its final receivers (same IPv6 octets except the Hop Limit, each hop sent
by a receiver of the previous one). A home agent's tunnel is a packet of its own. Per record:

* :func:`packet_info` - the message name (from the one name table, :mod:`mip6lab.wire.summary`), how
  it travels (``plain``; ``home`` = home registration signalling, whose Home Address option and Type 2
  Routing header are not route optimization; ``tunnel`` = IPv6-in-IPv6; ``ro`` = route optimized with
  a Home Address option or a Type 2 Routing header), whether it is ESP-protected, and its category
  (``nd``/``signalling``/``data``, :func:`mip6lab.wire.summary.category`);
* :func:`messages` - the capture as messages, kept up to date incrementally;
* :func:`open_esp` - decrypt ESP with the keys the nodes hold, through a read-only view of their SAs
  (:class:`~mip6lab.mobility.ipsec.ReadOnlySAD`), so the simulation's anti-replay state is never touched.

``Lab.messages()`` lists these (or every hop of them); the widgets draw them. Nothing here changes
the lab: it only reads capture records, node roles and keys.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from mip6lab.wire.codec import DecodeError, decode_ipv6, encode_ipv6
from mip6lab.wire.ip import ESP, IPv6, RawPayload
from mip6lab.wire.summary import ND_NAMES, SIGNALLING_NAMES, category
from mip6lab.wire.summary import name as packet_name
from mip6lab.wire.summary import summary as packet_summary

if TYPE_CHECKING:
    from mip6lab.lab import Lab
    from mip6lab.mobility.ipsec import ReadOnlySAD, SAView
    from mip6lab.net.capture import Capture, CaptureRecord

__all__ = [
    "ND_NAMES",
    "SIGNALLING_NAMES",
    "EspOpened",
    "Message",
    "MessageIndex",
    "PacketInfo",
    "category_of",
    "classify",
    "home_agent_addresses",
    "find_spds",
    "messages",
    "open_esp",
    "packet_info",
]

category_of = category
"""The category of a message name (the same function as :func:`mip6lab.wire.summary.category`)."""


# =========================================================================== ESP
@dataclass(frozen=True)
class EspOpened:
    """An ESP packet opened with a known SA: the packet with ESP replaced by its plaintext."""

    packet: IPv6  # the same packet, the ESP payload replaced by the decrypted upper layer
    spi: int
    sa_name: str
    mode: str  # "transport" or "tunnel"
    encryption: str  # "null" or "aes-cbc"


def find_spds(lab: Lab) -> list[ReadOnlySAD]:
    """Read-only views of every ESP key database in the lab (:meth:`Lab.security_databases`): what
    the inspector may use to open ESP. The nodes say where they keep their keys; the widgets only
    read them, through a view that cannot reach the anti-replay state."""
    return [db.read_only() for db in lab.security_databases()]


def _open_with(spds: list[ReadOnlySAD], esp: ESP) -> tuple[SAView, int, bytes] | None:
    for view in spds:
        got = view.decrypt(esp)
        if got is not None:
            return got
    return None


def open_esp(packet: IPv6, spds: list[ReadOnlySAD]) -> EspOpened | None:
    """Decrypt the first ESP payload in ``packet`` (looking through IPv6-in-IPv6) with ``spds``.

    None when there is no ESP or no key opens it ("encrypted, no keys").
    """
    if isinstance(packet.payload, IPv6):
        inner = open_esp(packet.payload, spds)
        if inner is None:
            return None
        return replace(inner, packet=replace(packet, payload=inner.packet))
    if not isinstance(packet.payload, ESP):
        return None
    got = _open_with(spds, packet.payload)
    if got is None:
        return None
    sa, nh, plain = got
    try:
        clear = decode_ipv6(encode_ipv6(replace(packet, payload=RawPayload(nh, plain))))
    except (DecodeError, ValueError):
        clear = replace(packet, payload=RawPayload(nh, plain))
    return EspOpened(clear, sa.spi, sa.name, sa.mode, sa.enc)


# =========================================================================== per-record facts
@dataclass(frozen=True)
class PacketInfo:
    """What a chart or a list needs to know about one frame."""

    name: str  # chart label ("BU", "Echo Request", "TCP"); ESP opened when keys are known
    summary: str
    kind: str  # "plain", "home" (mobile node <-> home agent), "tunnel" (IPv6-in-IPv6) or "ro" (route optimized)
    esp: bool  # ESP somewhere in the packet
    category: str  # "nd", "signalling" or "data"
    key: bytes | None  # IPv6 octets with the Hop Limit zeroed: equal for hops of one packet
    decrypted: bool = False

    @property
    def tunnelled(self) -> bool:
        return self.kind == "tunnel"


def _has_ro(p: IPv6) -> bool:
    return p.home_address_option is not None or p.routing_type2 is not None


def _has_esp(p: Any) -> bool:
    while isinstance(p, IPv6):
        if isinstance(p.payload, ESP):
            return True
        p = p.payload
    return False


def classify(packet: IPv6, home_agents: frozenset[Any] | set[Any] = frozenset()) -> str:
    """``tunnel`` when an IPv6 header carries another (Figures 15/16); ``ro`` when a Home Address
    option or Type 2 Routing header is present (Figures 18/19) - unless the other end is a home agent
    (an address in ``home_agents``): then ``home``, since a home registration's Binding Update carries
    the Home Address option and its Acknowledgement the Type 2 Routing header (RFC 6275 §6.1.7, §6.1.8)
    without being route optimization; otherwise ``plain``."""
    if isinstance(packet.payload, IPv6):
        return "tunnel"
    if _has_ro(packet):
        peer = packet.dst if packet.home_address_option is not None else packet.src
        return "home" if peer in home_agents else "ro"
    return "plain"


def home_agent_addresses(lab: Lab) -> set[Any]:
    """The addresses the lab's home agents (topology role ``home-agent``) hold now."""
    found: set[Any] = set()
    for name, spec in lab.topology.nodes.items():
        node = lab.nodes.get(name)
        if spec.role == "home-agent" and node is not None:
            found.update(e.addr for e in node.addresses.all())
    return found


def _info(record: CaptureRecord, spds: list[Any], home_agents: set[Any]) -> PacketInfo:
    frame = record.decoded
    if frame is None or not isinstance(frame.payload, IPv6):
        nm = packet_name(record.frame)
        return PacketInfo(nm, packet_summary(record.frame), "plain", False, category_of(nm), None)
    p = frame.payload
    raw = bytearray(record.frame[14:])
    if len(raw) > 7:
        raw[7] = 0
    nm, text = packet_name(frame), packet_summary(frame)
    esp = _has_esp(p)
    kind = classify(p, home_agents)
    decrypted = False
    if esp and spds:
        opened = open_esp(p, spds)
        if opened is not None:
            decrypted = True
            nm = packet_name(opened.packet)
            if opened.mode == "tunnel" and kind == "plain":
                kind = "tunnel"
            if kind == "plain":
                kind = classify(opened.packet, home_agents)
    return PacketInfo(nm, text, kind, esp, category_of(nm), bytes(raw), decrypted)


_INFO_CACHE: weakref.WeakKeyDictionary[Capture, dict[int, PacketInfo]] = weakref.WeakKeyDictionary()


def packet_info(lab: Lab, record: CaptureRecord) -> PacketInfo:
    """Facts about ``record``, computed once per record."""
    cache = _INFO_CACHE.setdefault(lab.capture, {})
    info = cache.get(record.index)
    if info is None:
        info = _info(record, find_spds(lab) if _needs_keys(record) else [], home_agent_addresses(lab))
        cache[record.index] = info
    return info


def _needs_keys(record: CaptureRecord) -> bool:
    frame = record.decoded
    return frame is not None and isinstance(frame.payload, IPv6) and _has_esp(frame.payload)


# =========================================================================== messages
KIND_TAGS = {"tunnel": " [tunnel]", "ro": " [RO]", "home": " [home]"}
"""How a message list marks the way a packet travels (plain packets carry no tag)."""


@dataclass
class Message:
    """One packet's journey: the capture records of its hops, from the origin to the last receivers."""

    records: list[CaptureRecord]
    info: PacketInfo
    index: int = 0  # the message's number (its position in the list, unless a ring buffer dropped older ones)
    hops: list[str] = field(default_factory=list)  # link names in order

    @property
    def first(self) -> CaptureRecord:
        return self.records[0]

    @property
    def last(self) -> CaptureRecord:
        return self.records[-1]

    @property
    def origin(self) -> str:
        return self.records[0].sender

    @property
    def receivers(self) -> tuple[str, ...]:
        return tuple(self.records[-1].receivers)

    @property
    def time(self) -> float:
        return self.records[0].time

    @property
    def dropped(self) -> bool:
        return self.records[-1].dropped

    @property
    def name(self) -> str:
        return self.info.name

    def involves(self, node: str) -> bool:
        return any(r.sender == node or node in r.receivers for r in self.records)

    def label(self) -> str:
        to = ",".join(self.receivers) or ("lost" if self.dropped else "-")
        marks = KIND_TAGS.get(self.info.kind, "") + (" [ESP]" if self.info.esp else "")
        return f"{self.time:9.4f}  {self.origin} -> {to}  {self.name}{marks}"


class MessageIndex:
    """The capture turned into messages, kept up to date incrementally (call :meth:`update`)."""

    def __init__(self, lab: Lab, collapse: bool = True) -> None:
        self.lab = lab
        self.collapse = collapse
        self.messages: list[Message] = []
        self.missed = 0  # frames that left the capture's ring buffer before this index saw them
        self.pruned = 0  # messages forgotten because all their frames left the ring buffer
        self._done = 0  # the index of the next frame to fold in
        self._count = 0  # messages made so far (Message.index)
        self._open: dict[bytes, list[Message]] = {}

    def update(self) -> list[Message]:
        """Fold in the frames captured since the last call. With a ring buffer (``Lab.bound_memory``)
        frames that already left it are counted in :attr:`missed`, and messages whose last frame left it
        are dropped (counted in :attr:`pruned`), so the index stays as bounded as the capture."""
        cap = self.lab.capture
        end = len(cap)
        if end < self._done:  # the capture was cleared: start again
            self.messages, self.missed, self.pruned, self._done, self._count = [], 0, 0, 0, 0
            self._open = {}
        new = cap.since(self._done)
        self.missed += end - self._done - len(new)
        for r in new:
            self._add(r)
        self._done = end
        first = cap.first_kept
        if first and self.messages and self.messages[0].records[-1].index < first:
            k = next((i for i, m in enumerate(self.messages) if m.records[-1].index >= first), len(self.messages))
            for m in self.messages[:k]:
                key = m.info.key
                if key is not None and key in self._open:
                    chains = [c for c in self._open[key] if c is not m]
                    if chains:
                        self._open[key] = chains
                    else:
                        del self._open[key]
            del self.messages[:k]
            self.pruned += k
        return self.messages

    def _add(self, r: CaptureRecord) -> None:
        info = packet_info(self.lab, r)
        if self.collapse and info.key is not None:
            chains = self._open.get(info.key)
            if chains:
                for m in reversed(chains):
                    last = m.last
                    if r.sender in last.receivers and r.sender != m.origin and r.time >= last.time:
                        m.records.append(r)
                        m.hops.append(r.link)
                        return
        m = Message([r], info, self._count, [r.link])
        self._count += 1
        self.messages.append(m)
        if self.collapse and info.key is not None:
            self._open.setdefault(info.key, []).append(m)


_MSG_CACHE: weakref.WeakKeyDictionary[Capture, dict[bool, MessageIndex]] = weakref.WeakKeyDictionary()


def messages(lab: Lab, collapse: bool = True) -> list[Message]:
    """All messages so far (cached per capture; new records are folded in on each call)."""
    per = _MSG_CACHE.setdefault(lab.capture, {})
    idx = per.get(collapse)
    if idx is None or idx.lab is not lab:
        idx = per[collapse] = MessageIndex(lab, collapse)
    return idx.update()
