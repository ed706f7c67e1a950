"""Mutation fuzzing of real captured packets, injected into running scenarios (``mip6lab fuzz``).

For each scenario, a reference run gives real frames of every kind (ND, ICMPv6, MH signalling in and
out of ESP and tunnels, TCP, UDP). A second run of the same scenario is driven step by step; at
times spread over the run, a mutant of one of those frames is handed to the nodes attached to the
link it was captured on, as a frame from an unknown station. Mutations:

* ``bytes``     1-3 random octets changed;
* ``bits``      1-4 bits flipped;
* ``truncate``  the frame cut short;
* ``length``    the Payload Length, or the first extension / Mobility header's length octet, changed;
* ``type``      the ICMPv6 or MH Type replaced by another (known or unknown) value;
* ``tunnel``    the packet wrapped in 1-3 more IPv6-in-IPv6 headers;
* ``chain``     5-40 Destination Options / Hop-by-Hop headers put in front of the upper layer.

Most decodable mutants of ICMPv6 and Mobility Header packets get their checksums repaired, so they
pass the checksum and reach the protocol code. TCP and UDP checksums are never repaired: forging an
in-window segment is TCP's weakness, not Mobile IPv6's, and the streams must stay exactly-once.

After each mutant: no node raised (``lab.world.errors``); a node whose receiving algorithm refused
the packet (discarded, ICMPv6 error, Binding Error, or an undecodable frame) has the same addresses,
routes and mobility state as before it; every table is within its bound. After each scenario: every
stream was delivered exactly once (nothing lost, nothing duplicated).
"""

from __future__ import annotations

import contextlib
import dataclasses
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from mip6lab.lab import Lab
from mip6lab.wire.codec import DecodeError, decode_frame, encode_frame
from mip6lab.wire.icmp import DestinationUnreachable, PacketTooBig, ParameterProblem, TimeExceeded
from mip6lab.wire.ip import (
    NH_DSTOPTS,
    NH_HOPOPTS,
    NH_ICMPV6,
    NH_MOBILITY,
    NH_ROUTING,
    DestinationOptions,
    HopByHopOptions,
    IPv6,
    PadN,
    RoutingType2,
)
from mip6lab.wire.mh import BindingError, MobilityHeader
from mip6lab.wire.summary import name as packet_name

DEFAULT_SCENARIOS = ("route-optimized-data", "returning-home", "both-away", "attack-hao-spoofing")
MUTATIONS = ("bytes", "bits", "truncate", "length", "type", "tunnel", "chain")
ICMP_ERRORS = (ParameterProblem, DestinationUnreachable, TimeExceeded, PacketTooBig)
PLUMBING = {"NS", "NA", "RS", "RA", "DAD NS"}
SCRIPT_ENTRIES = ("call", "at")  # World.errors entries of the scenario's script, not of a node
OUTCOME_ORDER = ("Binding Error", "ICMPv6 error", "answered", "discarded")  # a mutant counts as the first
TABLE_BOUND = 1024  # binding caches and binding update lists (their defaults are far below)


@dataclass
class FuzzReport:
    """What ``mip6lab fuzz`` prints."""

    tried: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    mutations: Counter[str] = field(default_factory=Counter)
    exceptions: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    seconds: float = 0.0
    evidence: list[Any] = field(default_factory=list)  # (before, after) of each violation
    script_failures: list[str] = field(default_factory=list)  # a scenario step impossible after an attack

    @property
    def ok(self) -> bool:
        return not self.exceptions and not self.violations

    def lines(self) -> list[str]:
        out = [f"packets tried: {self.tried}"]
        out.append("outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items())))
        out.append("mutations: " + ", ".join(f"{k} {v}" for k, v in sorted(self.mutations.items())))
        out.append(f"exceptions: {len(self.exceptions)}")
        out += [f"  {e}" for e in self.exceptions[:10]]
        if self.script_failures:
            out.append(f"scenario steps that could not run after an accepted packet: {len(self.script_failures)}")
            out += [f"  {f}" for f in self.script_failures[:5]]
        out.append(f"invariant violations: {len(self.violations)}")
        out += [f"  {v}" for v in self.violations[:10]]
        out.append(f"time: {self.seconds:.1f} s")
        return out


# ------------------------------------------------------------------------------------ mutations
def _fresh_checksums(p: Any) -> Any:
    if isinstance(p, IPv6):
        return dataclasses.replace(p, payload=_fresh_checksums(p.payload))
    if dataclasses.is_dataclass(p) and hasattr(p, "checksum"):
        return dataclasses.replace(p, checksum=None)  # type: ignore[type-var]
    return p


def _innermost(p: IPv6) -> IPv6:
    while isinstance(p.payload, IPv6):
        p = p.payload
    return p


def _repairable(eth: Any) -> bool:
    pkt = eth.payload
    if not isinstance(pkt, IPv6):
        return False
    inner = _innermost(pkt)
    if any(isinstance(h, RoutingType2) and h.segments_left == 0 for h in inner.ext):
        return False  # the checksum's pseudo-header would change meaning
    return type(inner.payload).__name__ not in ("TCP", "UDP", "ESP", "RawPayload")


def _upper_offset(frame: bytes) -> tuple[int, int] | None:
    """Octet offset and Next Header of an ICMPv6 or MH upper layer in ``frame`` (after the extension
    headers), or None."""
    if len(frame) < 54:
        return None
    pos, nh = 14 + 40, frame[20]
    while nh in (NH_HOPOPTS, NH_ROUTING, NH_DSTOPTS) and pos + 2 <= len(frame):
        nh, pos = frame[pos], pos + (frame[pos + 1] + 1) * 8
    return (pos, nh) if pos < len(frame) and nh in (NH_ICMPV6, NH_MOBILITY) else None


def mutate(frame: bytes, rng: random.Random) -> tuple[str, bytes]:
    """One mutant of ``frame``: (mutation name, bytes)."""
    kind = rng.choice(MUTATIONS)
    fr = bytearray(frame)
    if kind == "bytes":
        for _ in range(rng.randint(1, 3)):
            fr[rng.randrange(14, len(fr))] = rng.randrange(256)
    elif kind == "bits":
        for _ in range(rng.randint(1, 4)):
            fr[rng.randrange(14, len(fr))] ^= 1 << rng.randrange(8)
    elif kind == "truncate":
        return kind, bytes(fr[: rng.randrange(14, len(fr))])
    elif kind == "length":
        at = rng.choice([18, 19, 55]) if len(fr) > 56 else 18
        fr[at] = rng.choice([0, 1, 2, 255, rng.randrange(256), (fr[at] + rng.choice([-8, -1, 1, 8])) % 256])
    elif kind == "type":
        upper = _upper_offset(frame)
        if upper is None:
            fr[rng.randrange(14, len(fr))] = rng.randrange(256)
        else:
            at = upper[0] if upper[1] == 58 else upper[0] + 2  # ICMPv6 Type / MH Type
            if at < len(fr):
                fr[at] = rng.choice([rng.randrange(256), rng.randrange(8), rng.randrange(128, 160)])
    elif kind in ("tunnel", "chain"):
        try:
            eth = decode_frame(frame)
        except DecodeError:
            return kind, frame
        pkt = eth.payload
        if not isinstance(pkt, IPv6):
            return kind, frame
        if kind == "tunnel":
            for _ in range(rng.randint(1, 3)):
                pkt = IPv6(pkt.src, pkt.dst, pkt, hlim=pkt.hlim)
        else:
            chain = tuple(
                rng.choice([DestinationOptions((PadN(b"\0" * 4),)), HopByHopOptions((PadN(b"\0" * 4),))])
                for _ in range(rng.randint(5, 40))
            )
            pkt = dataclasses.replace(pkt, ext=pkt.ext + chain)
        try:
            out = encode_frame(dataclasses.replace(eth, payload=pkt))
        except Exception:  # noqa: BLE001 - a value the encoder refuses (too long...) is skipped
            return kind, frame
        return kind, out[:1514]
    mutant = bytes(fr)
    if rng.random() < 0.9:
        try:
            eth = decode_frame(mutant)
        except DecodeError:
            return kind, mutant
        if _repairable(eth):
            with contextlib.suppress(Exception):  # a decoded value the encoder cannot re-encode: keep raw
                mutant = encode_frame(dataclasses.replace(eth, payload=_fresh_checksums(eth.payload)))
    return kind, mutant


# ------------------------------------------------------------------------------------ invariants
def _stable(lab: Lab, name: str) -> Any:
    """A node's addresses, routes and mobility state (not its caches: answering with an ICMPv6 error
    may resolve a neighbor), as cheaply comparable values."""
    node = lab.nodes[name]
    addrs = tuple((e.ifname, e.addr, e.state, e.origin) for e in node.addresses.all())
    routes = tuple((r.prefix, r.next_hop, r.ifname, r.metric) for r in node.routes.routes)
    snap = getattr(node.role, "snapshot", None)
    return addrs, routes, snap() if snap is not None else None  # same clock before and after: comparable


def _tables(lab: Lab) -> list[str]:
    bad = []
    for name, node in lab.nodes.items():
        if len(node.dest_cache.entries) > node.dest_cache.limit:
            bad.append(f"{name}: destination cache {len(node.dest_cache.entries)} > {node.dest_cache.limit}")
        for ifn, iface in node.interfaces.items():
            nc = iface.neighbors
            if len(nc.entries) > nc.limit:
                bad.append(f"{name} {ifn}: neighbor cache {len(nc.entries)} > {nc.limit}")
        mob = lab.state(name).get("mobility") or {}
        for table in ("binding_cache", "binding_update_list"):
            if len(mob.get(table, ())) > TABLE_BOUND:
                bad.append(f"{name}: {table} {len(mob[table])} > {TABLE_BOUND}")
    return bad


def _describe(frame: bytes) -> str:
    from mip6lab.wire.summary import summary

    try:
        return summary(decode_frame(frame))
    except DecodeError as e:
        return f"undecodable: {e}"


def _outcome(sent: list[Any]) -> str:
    names = []
    for r in sent:
        pkt = getattr(r.decoded, "payload", None)
        if isinstance(pkt, IPv6) and isinstance(pkt.payload, ICMP_ERRORS):
            return "ICMPv6 error"
        mh = pkt.payload if isinstance(pkt, IPv6) else None
        if isinstance(mh, MobilityHeader) and isinstance(mh.message, BindingError):
            return "Binding Error"
        names.append(packet_name(r.decoded) if r.decoded is not None else "malformed")
    return "answered" if any(n not in PLUMBING for n in names) else "discarded"


def _refused(lab: Lab, node: str, runs_before: int, decodes: bool, outcome: str) -> bool:
    """Did ``node``'s receiving algorithm refuse the mutant (so it must have changed nothing)?"""
    if outcome in ("ICMPv6 error", "Binding Error") or not decodes:
        return True
    runs = [r for r in lab.trace.runs[runs_before:] if r.node == node and r.algorithm == "receive"]
    return bool(runs) and all(r.result.startswith(("discarded", "ICMPv6")) for r in runs)


# ------------------------------------------------------------------------------------ driver
def fuzz_scenario(name: str, count: int, rng: random.Random, report: FuzzReport, seed: int = 0) -> None:
    lab = Lab(name, seed=seed)
    world = lab.world
    duration = lab.scenario.duration
    times = sorted(rng.uniform(1.0, duration) for _ in range(count))
    by_kind: dict[str, list[Any]] = {}  # message name -> real frames captured so far in this run
    seen = 0
    for t in times:
        lab.run(until=t)
        for r in lab.capture.records[seen:]:
            if r.sender != "fuzz" and not r.dropped and r.decoded is not None:
                by_kind.setdefault(packet_name(r.decoded), []).append(r)
        seen = len(lab.capture)
        if not by_kind:
            continue
        # Every kind of packet equally often (a run's frames are mostly TCP segments).
        rec = rng.choice(by_kind[rng.choice(list(by_kind))])
        kind, mutant = mutate(rec.frame, rng)
        link = world.links[rec.link]
        # Every attached interface that would accept the frame, as a frame from an unknown station.
        targets = link.receivers(mutant[0:6].hex(":"), bool(mutant[0] & 1), None)
        targets = [(n, i) for n, i in targets if n.name in lab.nodes]
        for n, _ in targets:
            n.now = world.now  # so that nothing merely expires between the two snapshots
        before = {n.name: _stable(lab, n.name) for n, _ in targets}
        errors, runs = len(world.errors), len(lab.trace.runs)
        receivers = tuple(n.name for n, _ in targets)
        world.capture.record(
            world.now, link.name, "fuzz", receivers, mutant[6:12].hex(":"), mutant[0:6].hex(":"), mutant, 0
        )
        cap = len(lab.capture)
        world._deliver(link, targets, mutant)  # at once: what changes now is this frame's doing
        report.tried += 1
        report.mutations[kind] += 1
        sent = lab.capture.records[cap:]
        outcomes = {n.name: _outcome([r for r in sent if r.sender == n.name]) for n, _ in targets}
        outcome = min(outcomes.values(), key=OUTCOME_ORDER.index, default="discarded")
        report.outcomes[outcome] += 1
        for e in world.errors[errors:]:  # raised while handling the mutant
            report.exceptions.append(
                f"{name} t={t:.3f} {e.node} {e.entry}: {type(e.exception).__name__}: {e.exception}"
            )
        del world.errors[errors:]  # reported once
        try:
            decode_frame(mutant)
            decodes = True
        except DecodeError:
            decodes = False
        for n, _ in targets:
            refused = _refused(lab, n.name, runs, decodes, outcomes[n.name])
            after = _stable(lab, n.name) if refused else before[n.name]
            if after != before[n.name]:
                parts = [p for p, x, y in zip(("addresses", "routes", "mobility"), before[n.name], after) if x != y]
                report.violations.append(
                    f"{name} t={t:.3f} {n.name}: refused {kind} mutant changed its {'/'.join(parts)}: "
                    f"{_describe(mutant)}"
                )
                report.evidence.append((before[n.name], after))
        if report.tried % 256 == 0:
            report.violations += [f"{name} t={t:.3f} {b}" for b in _tables(lab)]
        if len(lab.trace.runs) > 50_000:  # keep memory flat on long fuzzing runs
            del lab.trace.runs[:]
    lab.run()
    report.violations += [f"{name} end: {b}" for b in _tables(lab)]
    for app_name, app in lab.apps.items():
        if app_name.endswith("-rx") and (app.duplicated or app.lost):
            report.violations.append(f"{name}: stream {app_name} not exactly-once: {app.stats()}")
    for e in world.errors:
        what = f"{name} t={e.time:.3f} {e.node} {e.entry}: {type(e.exception).__name__}: {e.exception}"
        if e.entry in SCRIPT_ENTRIES:  # the scenario's own script failed: the attack worked, no node crashed
            report.script_failures.append(what)
        else:
            report.exceptions.append(what)


def fuzz(count: int, seed: int = 0, scenarios: tuple[str, ...] | None = None) -> FuzzReport:
    """Inject ``count`` mutants, shared out over ``scenarios``; deterministic for a ``seed``."""
    names = scenarios or DEFAULT_SCENARIOS
    rng = random.Random(f"fuzz/{seed}")
    report = FuzzReport()
    start = time.perf_counter()
    for i, name in enumerate(names):
        share = count // len(names) + (1 if i < count % len(names) else 0)
        if share:
            fuzz_scenario(name, share, rng, report, seed=seed)
    report.seconds = time.perf_counter() - start
    return report
