"""Measuring a run: handover latency and its parts, tunnelling overhead and path stretch.

Everything here reads a finished (or paused) :class:`~mip6lab.lab.Lab` -- its trace and its capture --
and returns plain data, so that a notebook can tabulate or plot it and a sweep can collect it over
seeds and parameters (``handover(lab).as_dict()`` is one row).

**Handover** (:func:`handover`). A move of the mobile node is a timeline of milestones, each read from
the node's trace:

=============================  ==================================================================
milestone                      trace event (node ``mn``)
=============================  ==================================================================
``move_time``                  ``link``: "eth0 attached to <link>" (the link-layer media change)
``detected``                   ``movement``: "... attached to a foreign link / the home link"
                               (the Router Advertisement that proves the move)
``address_ready``              ``movement``: "primary care-of address ..." (DAD passed); at home the
                               home address is used at once (no DAD)
``home_registered``            ``binding``: "BA from home agent ... accept"
``rr_done``                    ``rr``: the last "HoT from"/"CoT from" a correspondent needed
``cn_registered``              ``binding``: "BA from correspondent ... accept" (the last one)
``first_data``                 capture: the first data packet delivered to the mobile node after the
                               move (its arrival time); data = TCP with payload, UDP, Echo
=============================  ==================================================================

Only correspondent registrations that the handover itself started count (those begun no later than
the home registration completed: Figure 33 step 5 / Figure 34 step 6), so that a correspondent first
contacted long after the move does not inflate the handover.

The **parts** are the gaps between consecutive milestones (a phase that did not happen is 0):
``movement_detection``, ``dad``, ``home_registration``, ``return_routability``,
``correspondent_registration`` and ``first_packet`` (from the last signalling milestone until data
arrives again). They add up to the **outage**: from the move until the first data packet arrives (or,
with no data flowing, until the last signalling milestone). When data resumes through the home agent's
tunnel before route optimization is complete, the outage ends there and the later parts are clipped
to 0 in ``parts``; ``signalling`` keeps every protocol part unclipped (they add up to ``latency``).
A handover that has not completed (``complete`` is False) counts the time so far -- until now, or
until the next move -- in the phase it is stuck in.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from mip6lab.wire.icmp import EchoReply, EchoRequest
from mip6lab.wire.ip import IPv6
from mip6lab.wire.transport import TCP, UDP

if TYPE_CHECKING:
    from mip6lab.lab import Lab
    from mip6lab.net.capture import CaptureRecord

__all__ = [
    "PARTS",
    "SIGNALLING_PARTS",
    "Handover",
    "PathSample",
    "PathStats",
    "data_paths",
    "handover",
    "handovers",
    "path_stats",
    "path_stretch",
    "parts_figure",
    "silence_link_layer",
]

SIGNALLING_PARTS = (
    "movement_detection",
    "dad",
    "home_registration",
    "return_routability",
    "correspondent_registration",
)
"""The protocol phases of a handover, in the order they happen (RFC 6275 §11.5, §11.7.1, §5.2.5, §11.7.2)."""

PARTS = SIGNALLING_PARTS + ("first_packet",)
"""The parts of the outage: the protocol phases, then the wait for the first data packet."""

_ATTACHED = re.compile(r"^(\S+) attached to (\S+)$")
_DETECTED = re.compile(r"attached to (a foreign link|the home link)")
_TOKEN = re.compile(r"^(HoT|CoT) from (\S+): ")
_CN_BA = re.compile(r"^BA from correspondent (\S+?): status (\d+).*: accept")


@dataclass(frozen=True)
class Handover:
    """One move of a mobile node, measured. Times are simulated seconds; milestones that did not
    happen are None. ``parts`` add up to ``outage``; ``signalling`` adds up to ``latency``."""

    node: str
    link: str
    move_time: float
    detected: float | None
    address_ready: float | None
    home_bu: float | None
    home_registered: float | None
    rr_done: float | None
    cn_registered: float | None
    first_data: float | None
    last_data_before: float | None
    rs_sent: float | None  # the first Router Solicitation on the new link (movement detection's own parts)
    ra_received: float | None
    correspondents: tuple[str, ...]
    home: bool  # the move was back to the home link (Figure 34)
    parts: dict[str, float] = field(default_factory=dict)
    signalling: dict[str, float] = field(default_factory=dict)

    @property
    def outage(self) -> float:
        """Seconds from the move until data arrives again (or the handover's signalling ends)."""
        return sum(self.parts.values())

    @property
    def latency(self) -> float:
        """Seconds from the move until the last signalling milestone (the handover latency proper)."""
        return sum(self.signalling.values())

    @property
    def gap(self) -> float | None:
        """The silence the application sees: last data before the move to the first after it."""
        if self.first_data is None or self.last_data_before is None:
            return None
        return self.first_data - self.last_data_before

    @property
    def complete(self) -> bool:
        """Every registration the handover started was acknowledged."""
        if self.home_registered is None:
            return False
        return not self.correspondents or self.cn_registered is not None

    def as_dict(self) -> dict[str, Any]:
        """One flat row (milestones, parts, outage, latency) for a table or a sweep."""
        row = {k: v for k, v in asdict(self).items() if k not in ("parts", "signalling")}
        row["correspondents"] = ",".join(self.correspondents)
        row.update(self.parts)
        row.update({f"signalling_{k}": v for k, v in self.signalling.items()})
        row.update(outage=self.outage, latency=self.latency, gap=self.gap, complete=self.complete)
        return row


# ================================================================================ handover
def _moves(lab: Lab, node: str) -> list[tuple[float, str]]:
    """(time, new link) of each move: an attachment that follows a detachment at the same time."""
    out: list[tuple[float, str]] = []
    detached_at: float | None = None
    for e in lab.trace.events_for(node=node, category="link"):
        if " detached from " in e.message:
            detached_at = e.time
            continue
        m = _ATTACHED.match(e.message)
        if m and detached_at is not None and e.time == detached_at:
            out.append((e.time, m.group(2)))
            detached_at = None
    return out


def handovers(lab: Lab, node: str = "mn") -> list[Handover]:
    """Every move of ``node`` in the run so far, measured (see :func:`handover`)."""
    moves = _moves(lab, _check_node(lab, node))
    return [
        _measure(lab, node, t, link, moves[i + 1][0] if i + 1 < len(moves) else math.inf)
        for i, (t, link) in enumerate(moves)
    ]


def handover(lab: Lab, node: str = "mn", index: int = -1) -> Handover:
    """The ``index``-th move of ``node`` (default: the last), broken into parts from the trace and the
    capture. Raises :class:`~mip6lab.lab.LabError` when the node has not moved."""
    from mip6lab.lab import LabError

    moves = _moves(lab, _check_node(lab, node))
    if not moves:
        raise LabError(f"{node} has not moved yet (run the lab past its first move)")
    try:
        t, link = moves[index]
    except (IndexError, TypeError):
        raise LabError(f"index must be an integer from {-len(moves)} to {len(moves) - 1}, not {index!r}") from None
    i = index % len(moves)
    end = moves[i + 1][0] if i + 1 < len(moves) else math.inf
    return _measure(lab, node, t, link, end)


def _check_node(lab: Lab, node: str) -> str:
    lab.node(node)  # LabError for an unknown node
    return node


def _first(events: list[Any], pred: Any, after: float, before: float) -> Any | None:
    for e in events:
        if after <= e.time < before and pred(e):
            return e
    return None


def _measure(lab: Lab, node: str, t0: float, link: str, window_end: float) -> Handover:
    events = [e for e in lab.trace.events_for(node=node) if t0 <= e.time < window_end]
    inf = math.inf

    def at(e: Any) -> float | None:
        return None if e is None else e.time

    det = _first(events, lambda e: e.category == "movement" and _DETECTED.search(e.message), t0, inf)
    detected = at(det)
    home = det is not None and "home link" in det.message
    if home:
        address_ready = detected
    else:
        address_ready = at(
            _first(events, lambda e: e.category == "movement" and "care_of_address" in e.details, detected or t0, inf)
        )
    after_addr = address_ready if address_ready is not None else inf
    home_bu = at(
        _first(events, lambda e: e.category == "binding" and e.message.startswith("BU to home agent"), after_addr, inf)
    )
    home_registered = at(
        _first(
            events,
            lambda e: (
                e.category == "binding" and e.message.startswith("BA from home agent") and ": accept" in e.message
            ),
            home_bu if home_bu is not None else inf,
            inf,
        )
    )

    # Correspondent registrations the handover started (no later than the home registration completed).
    started: dict[str, float] = {}
    if home_registered is not None:
        for e in events:
            cn = e.details.get("correspondent")
            if e.category == "rr" and "tests" in e.details and e.time <= home_registered + 1e-9 and cn is not None:
                started.setdefault(str(cn), e.time)
    rr_done_by: dict[str, float] = {}
    registered_by: dict[str, float] = {}
    for cn, start in started.items():
        ba = _first(
            events,
            lambda e, cn=cn: (
                e.category == "binding" and (m := _CN_BA.match(e.message)) is not None and m.group(1) == cn
            ),
            start,
            inf,
        )
        stop = ba.time if ba is not None else inf
        tokens = [
            e.time
            for e in events
            if start <= e.time <= stop and e.category == "rr" and (m := _TOKEN.match(e.message)) and m.group(2) == cn
        ]
        rr_done_by[cn] = max(tokens) if tokens else start
        if ba is not None:
            registered_by[cn] = ba.time
    rr_done = max(rr_done_by.values()) if rr_done_by else None
    cn_registered = max(registered_by.values()) if started and len(registered_by) == len(started) else None

    rs = _first(events, lambda e: e.category == "nd" and "Router Solicitation" in e.message, t0, inf)
    ra = _first(events, lambda e: e.category == "nd" and e.message.startswith("default router"), t0, inf)

    last_before, first_after = _data_around(lab, node, t0, window_end)

    milestones = [detected, address_ready, home_registered, rr_done, cn_registered]
    signalling: dict[str, float] = {}
    prev = t0
    for name, m in zip(SIGNALLING_PARTS, milestones):
        cur = prev if m is None else max(m, prev)
        signalling[name] = cur - prev
        prev = cur
    # A handover still under way (or cut short by the next move) counts the time so far in the phase
    # it is stuck in, so that an unfinished one never looks fast.
    required = [detected, address_ready, home_registered] + ([rr_done, cn_registered] if started else [])
    pending = next((SIGNALLING_PARTS[i] for i, m in enumerate(required) if m is None), None)
    if pending is not None and first_after is None:
        stop = min(lab.now, window_end)
        signalling[pending] += max(stop - prev, 0.0)
        prev = max(stop, prev)
    end = first_after if first_after is not None else prev
    parts: dict[str, float] = {}
    prev = t0
    for name in SIGNALLING_PARTS:
        cur = min(prev + signalling[name], end)
        parts[name] = max(cur - prev, 0.0)
        prev = max(cur, prev)
    parts["first_packet"] = max(end - prev, 0.0)

    return Handover(
        node=node,
        link=link,
        move_time=t0,
        detected=detected,
        address_ready=address_ready,
        home_bu=home_bu,
        home_registered=home_registered,
        rr_done=rr_done,
        cn_registered=cn_registered,
        first_data=first_after,
        last_data_before=last_before,
        rs_sent=at(rs),
        ra_received=at(ra),
        correspondents=tuple(started),
        home=home,
        parts=parts,
        signalling=signalling,
    )


# ================================================================================ data packets
def _innermost(pkt: Any) -> IPv6 | None:
    """The packet inside any IPv6-in-IPv6 tunnel (ESP-protected payloads stay opaque)."""
    if not isinstance(pkt, IPv6):
        return None
    while isinstance(pkt.payload, IPv6):
        pkt = pkt.payload
    return pkt


def _is_data(pkt: IPv6 | None) -> bool:
    if pkt is None:
        return False
    p = pkt.payload
    return isinstance(p, UDP) or (isinstance(p, TCP) and bool(p.data)) or isinstance(p, (EchoRequest, EchoReply))


def _arrival(lab: Lab, r: CaptureRecord) -> float:
    return r.time + lab.world.links[r.link].delay


def _data_around(lab: Lab, node: str, t0: float, window_end: float) -> tuple[float | None, float | None]:
    """Arrival times of the last data packet ``node`` received before ``t0`` and the first at/after it."""
    last: float | None = None
    for r in lab.capture:
        if node not in r.receivers or r.dropped:
            continue
        frame = r.decoded
        if frame is None or not _is_data(_innermost(frame.payload)):
            continue
        t = _arrival(lab, r)
        if t < t0:
            last = t
        elif t < window_end:
            return last, t
        else:
            break
    return last, None


# ================================================================================ paths
@dataclass(frozen=True)
class PathSample:
    """One data packet from ``src`` to ``dst``: when it left and arrived, the links it crossed, how it
    travelled (``tunnel``: through the home agent; ``ro``: route-optimized with a Home Address option or
    Type 2 Routing header; ``plain``) and the octets Mobile IPv6 added to it (an outer IPv6 header,
    extension headers) on its longest-wrapped hop."""

    sent: float
    arrived: float
    links: tuple[str, ...]
    mode: str
    wire_octets: int  # IPv6 octets summed over every hop (the load the packet puts on the network)
    overhead_octets: int

    @property
    def delay(self) -> float:
        return self.arrived - self.sent

    @property
    def hops(self) -> int:
        return len(self.links)


@dataclass(frozen=True)
class PathStats:
    """Means over the samples of one mode."""

    mode: str
    packets: int
    hops: float
    delay: float
    overhead_octets: float
    wire_octets: float


def _key(pkt: IPv6) -> tuple[Any, ...] | None:
    p = pkt.payload
    if isinstance(p, TCP):
        return ("tcp", p.sport, p.dport, p.seq, p.data)
    if isinstance(p, UDP):
        return ("udp", p.sport, p.dport, p.data)
    if isinstance(p, (EchoRequest, EchoReply)):
        return (type(p).__name__, p.ident, p.seq, p.data)
    return None


def _plain_size(pkt: IPv6) -> int:
    """Octets of the same packet with no Mobile IPv6 additions: an IPv6 header and the payload."""
    from mip6lab.wire.codec import encode_ipv6

    return len(encode_ipv6(IPv6(pkt.src, pkt.dst, pkt.payload)))


def _mode(outer: IPv6) -> str:
    if isinstance(outer.payload, IPv6):
        return "tunnel"
    if outer.home_address_option is not None or outer.routing_type2 is not None:
        return "ro"
    return "plain"


def data_paths(lab: Lab, src: str, dst: str) -> list[PathSample]:
    """Every data packet ``src``'s upper layers sent to ``dst`` that arrived, followed hop by hop through
    the capture (a home agent's tunnel is part of the same journey). TCP retransmissions count again."""
    lab.node(src)
    lab.node(dst)
    open_: dict[tuple[Any, ...], dict[str, Any]] = {}
    out: list[PathSample] = []
    for r in lab.capture:
        frame = r.decoded
        outer = getattr(frame, "payload", None)
        inner = _innermost(outer)
        if not _is_data(inner):
            continue
        if inner is None or not isinstance(outer, IPv6):
            continue
        key = _key(inner)
        if key is None:
            continue
        overhead = len(r.frame) - 14 - _plain_size(inner)
        j = open_.get(key)
        if r.sender == src:
            j = open_[key] = {"sent": r.time, "links": [], "modes": [], "octets": 0, "overhead": 0}
        elif j is None:
            continue
        j["links"].append(r.link)
        j["modes"].append(_mode(outer))
        j["octets"] += len(r.frame) - 14
        j["overhead"] = max(j["overhead"], overhead)
        if dst in r.receivers and not r.dropped:
            modes = j["modes"]
            mode = "tunnel" if "tunnel" in modes else "ro" if "ro" in modes else "plain"
            out.append(PathSample(j["sent"], _arrival(lab, r), tuple(j["links"]), mode, j["octets"], j["overhead"]))
            del open_[key]
    return out


def path_stats(lab: Lab, src: str, dst: str, since: float = 0.0) -> dict[str, PathStats]:
    """Mean hops, delay and overhead of the data packets from ``src`` to ``dst`` sent at or after
    ``since``, per mode (``tunnel``, ``ro``, ``plain``)."""
    by: dict[str, list[PathSample]] = {}
    for s in data_paths(lab, src, dst):
        if s.sent >= since:
            by.setdefault(s.mode, []).append(s)
    out = {}
    for mode, ss in by.items():
        n = len(ss)
        out[mode] = PathStats(
            mode,
            n,
            sum(s.hops for s in ss) / n,
            sum(s.delay for s in ss) / n,
            sum(s.overhead_octets for s in ss) / n,
            sum(s.wire_octets for s in ss) / n,
        )
    return out


def path_stretch(lab: Lab, src: str, dst: str, by: str = "delay", since: float = 0.0) -> float:
    """How much longer the tunnelled path is than the route-optimized one (``by`` = "delay" or "hops"):
    the mean over tunnelled packets divided by the mean over route-optimized ones (1.0 = no stretch)."""
    from mip6lab.lab import LabError

    if by not in ("delay", "hops"):
        raise LabError(f"by must be 'delay' or 'hops', not {by!r}")
    stats = path_stats(lab, src, dst, since)
    missing = [m for m in ("tunnel", "ro") if m not in stats]
    if missing:
        raise LabError(f"no {' or '.join(missing)} data packets from {src} to {dst} in this run")
    return getattr(stats["tunnel"], by) / getattr(stats["ro"], by)


# ================================================================================ experiments and pictures
def silence_link_layer(lab: Lab, node: str = "mn", at: float | None = None) -> None:
    """From simulated time ``at`` (default: now) on, ``node`` gets no link-layer media-change indications:
    a link layer that does not report attachments (RFC 6275 §11.5.1 then leaves movement detection to
    Router Advertisements: a new prefix only counts once the old router is presumed lost, after missing
    its advertisements). Keep ``at`` after the initial attachment at time 0."""
    n = lab.node(node)

    def silence() -> None:
        n.handle_link_change = lambda now, ifname, attached: []  # type: ignore[method-assign]

    lab.at(lab.now if at is None else at, silence)


PART_COLOURS = {
    "movement_detection": "#1f77b4",
    "dad": "#9467bd",
    "home_registration": "#ff7f0e",
    "return_routability": "#2ca02c",
    "correspondent_registration": "#17becf",
    "first_packet": "#bbbbbb",
}


def parts_figure(
    rows: list[Handover],
    labels: list[str] | None = None,
    *,
    title: str = "",
    parts: tuple[str, ...] = PARTS,
    width: float = 8.0,
) -> Any:
    """Horizontal stacked bars, one per handover: where the outage went (a matplotlib Figure that the
    notebook displays; nothing global is touched)."""
    from mip6lab.widgets._util import new_figure

    labels = labels if labels is not None else [f"{h.link} @ {h.move_time:g} s" for h in rows]
    n = max(len(rows), 1)
    axes_h = 0.34 * n + 0.2  # inches
    bottom, top = 1.05, 0.35 if title else 0.1
    height = axes_h + bottom + top
    fig = new_figure(width, height, dpi=80)
    ax = fig.add_axes((0.16, bottom / height, 0.8, axes_h / height))
    for i, h in enumerate(rows):
        left = 0.0
        for p in parts:
            v = h.parts.get(p, 0.0)
            label = p.replace("_", " ") if i == 0 else None
            ax.barh(i, v, left=left, color=PART_COLOURS.get(p, "#999"), edgecolor="white", height=0.7, label=label)
            left += v
    ax.set_yticks(range(len(rows)), labels)
    ax.invert_yaxis()
    ax.set_xlabel("seconds after the move")
    if title:
        ax.set_title(title, fontsize=11)
    ax.legend(ncol=3, fontsize=8, loc="upper center", bbox_to_anchor=(0.45, -0.5 / axes_h), frameon=False)
    return fig
