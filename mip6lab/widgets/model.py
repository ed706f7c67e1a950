"""What the widgets show, computed from a Lab's capture and trace: no widgets, no protocol logic.

Everything here only *reads* a :class:`~mip6lab.lab.Lab` (its capture records, trace runs, node
state) so that every view (network, sequence chart, inspector, tracer) agrees on the same facts:

* :func:`packet_info` - per capture record: the message name, how it travels (``plain``,
  ``tunnel`` = IPv6-in-IPv6, ``ro`` = route optimized with a Home Address option or a Type 2
  Routing header), whether it is ESP-protected, and its category (``nd``/``signalling``/``data``);
* :class:`MessageIndex` / :func:`messages` - the capture as *messages*: one packet's hops over
  consecutive links collapsed into one journey from its origin to its final receivers (same IPv6
  octets except the Hop Limit, each hop sent by a receiver of the previous one);
* :func:`open_esp` - decrypt ESP with the keys the nodes hold (a copy of the SA, so the
  simulation's anti-replay state is never touched);
* :func:`receive_runs` - the receiving-algorithm runs (Figure 36) a frame caused at its receivers.
"""

from __future__ import annotations

import bisect
import copy
import weakref
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from mip6lab.wire import mh as M
from mip6lab.wire.codec import DecodeError, decode_ipv6, encode_ipv6
from mip6lab.wire.ip import ESP, IPv6, RawPayload
from mip6lab.wire.summary import name as packet_name
from mip6lab.wire.summary import summary as packet_summary

if TYPE_CHECKING:
    from mip6lab.lab import Lab
    from mip6lab.net.capture import Capture, CaptureRecord
    from mip6lab.trace import AlgorithmRun

__all__ = [
    "ND_NAMES",
    "SIGNALLING_NAMES",
    "PacketInfo",
    "Message",
    "MessageIndex",
    "EspOpened",
    "packet_info",
    "messages",
    "find_spds",
    "open_esp",
    "receive_runs",
    "producing_run",
    "mac_owners",
    "movable_nodes",
    "home_link",
]

ND_NAMES = frozenset({"RS", "RA", "NS", "NA", "DAD NS", "Redirect", "MLDv2 Report", "MLD Query"})
"""Neighbor Discovery: link plumbing, hidden from charts unless asked for."""

SIGNALLING_NAMES = frozenset(
    set(M.MH_SHORT.values())
    | {"HAAD Request", "HAAD Reply", "MPS", "MPA", "ESP"}
    | {"Destination Unreachable", "Packet Too Big", "Time Exceeded", "Parameter Problem"}
)
"""Mobility signalling and errors; everything else that is not ND is data (TCP, UDP, Echo)."""


# =========================================================================== ESP
@dataclass(frozen=True)
class EspOpened:
    """An ESP packet opened with a known SA: the packet with ESP replaced by its plaintext."""

    packet: IPv6  # the same packet, the ESP payload replaced by the decrypted upper layer
    spi: int
    sa_name: str
    mode: str  # "transport" or "tunnel"
    encryption: str  # "null" or "aes-cbc"


def find_spds(lab: Lab) -> list[Any]:
    """Every ESP key database in the lab (:meth:`Lab.security_databases`): what the inspector may use
    to open ESP. The nodes say where they keep their keys; the widgets only read them."""
    return lab.security_databases()


def _open_with(spds: list[Any], esp: ESP) -> tuple[Any, int, bytes] | None:
    from mip6lab.wire.esp import EspError, esp_open

    for db in spds:
        sa = db.sa_for_spi(esp.spi)
        if sa is None:
            continue
        probe = copy.copy(sa)  # a fresh replay window: opening for display must not change the SA
        probe.replay_top, probe.replay_bitmap = 0, 0
        try:
            nh, plain = esp_open(probe, esp)
        except EspError:
            continue
        return sa, nh, plain
    return None


def open_esp(packet: IPv6, spds: list[Any]) -> EspOpened | None:
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
    kind: str  # "plain", "tunnel" (IPv6-in-IPv6) or "ro" (Home Address option / Type 2 Routing header)
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


def classify(packet: IPv6) -> str:
    """``tunnel`` when an IPv6 header carries another (Figures 15/16), ``ro`` when a Home Address
    option or Type 2 Routing header is present (Figures 18/19), otherwise ``plain``."""
    if isinstance(packet.payload, IPv6):
        return "tunnel"
    if _has_ro(packet):
        return "ro"
    return "plain"


def category_of(name: str) -> str:
    if name in ND_NAMES:
        return "nd"
    if name in SIGNALLING_NAMES or name.startswith("MH type"):
        return "signalling"
    return "data"


def _info(record: CaptureRecord, spds: list[Any]) -> PacketInfo:
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
    kind = classify(p)
    decrypted = False
    if esp and spds:
        opened = open_esp(p, spds)
        if opened is not None:
            decrypted = True
            nm = packet_name(opened.packet)
            if opened.mode == "tunnel" and kind == "plain":
                kind = "tunnel"
            if kind == "plain" and _has_ro(opened.packet):
                kind = "ro"
    return PacketInfo(nm, text, kind, esp, category_of(nm), bytes(raw), decrypted)


_INFO_CACHE: weakref.WeakKeyDictionary[Capture, dict[int, PacketInfo]] = weakref.WeakKeyDictionary()


def packet_info(lab: Lab, record: CaptureRecord) -> PacketInfo:
    """Facts about ``record``, computed once per record."""
    cache = _INFO_CACHE.setdefault(lab.capture, {})
    info = cache.get(record.index)
    if info is None:
        info = _info(record, find_spds(lab) if _needs_keys(record) else [])
        cache[record.index] = info
    return info


def _needs_keys(record: CaptureRecord) -> bool:
    frame = record.decoded
    return frame is not None and isinstance(frame.payload, IPv6) and _has_esp(frame.payload)


# =========================================================================== messages
@dataclass
class Message:
    """One packet's journey: the capture records of its hops, from the origin to the last receivers."""

    records: list[CaptureRecord]
    info: PacketInfo
    index: int = 0  # position in the message list
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
        marks = (" [tunnel]" if self.info.kind == "tunnel" else " [RO]" if self.info.kind == "ro" else "") + (
            " [ESP]" if self.info.esp else ""
        )
        return f"{self.time:9.4f}  {self.origin} -> {to}  {self.name}{marks}"


class MessageIndex:
    """The capture turned into messages, kept up to date incrementally (call :meth:`update`)."""

    def __init__(self, lab: Lab, collapse: bool = True) -> None:
        self.lab = lab
        self.collapse = collapse
        self.messages: list[Message] = []
        self._done = 0
        self._open: dict[bytes, list[Message]] = {}

    def update(self) -> list[Message]:
        recs = self.lab.capture.records
        for r in recs[self._done :]:
            self._add(r)
        self._done = len(recs)
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
        m = Message([r], info, len(self.messages), [r.link])
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


# =========================================================================== runs and nodes
def producing_run(lab: Lab, record: CaptureRecord) -> AlgorithmRun | None:
    """The run that transmitted ``record``: the sender's sending run (Figure 35), or a router's
    receiving run when it forwarded the packet. None for Neighbor Discovery (no run)."""
    return lab.trace.run_by_id(record.trace_id) if record.trace_id else None


def receive_runs(lab: Lab, record: CaptureRecord) -> list[AlgorithmRun]:
    """Receiving-algorithm runs the frame caused at its receivers (same packet value, not earlier)."""
    frame = record.decoded
    if frame is None or not isinstance(frame.payload, IPv6) or not record.receivers:
        return []
    pkt = frame.payload
    runs = lab.trace.runs  # appended in simulated-time order
    out = []
    for i in range(bisect.bisect_left(runs, record.time, key=lambda r: r.time), len(runs)):
        run = runs[i]
        if run.time > record.time + 1.0:
            break
        if run.algorithm == "receive" and run.node in record.receivers and run.packet == pkt:
            out.append(run)
    return out


def mac_owners(lab: Lab) -> dict[str, str]:
    """Unicast MAC -> node name (to name the intended receiver of a lost frame)."""
    return {iface.mac: name for name, n in lab.nodes.items() for iface in n.interfaces.values()}


def movable_nodes(lab: Lab) -> list[str]:
    """Mobile nodes first (by topology role), then plain hosts: the nodes a reader may move."""
    roles = {n.name: n.role for n in lab.topology.nodes.values()}
    mobile = [n for n, r in roles.items() if r == "mobile-node"]
    hosts = [n for n, r in roles.items() if r in ("host", "correspondent")]
    return mobile + hosts


def home_link(lab: Lab, node: str) -> str | None:
    """The link ``node``'s first interface is on in the topology (its home link for a mobile node)."""
    ifs = lab.topology.interfaces_of(node)
    return ifs[0].link if ifs else None
