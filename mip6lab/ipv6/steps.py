"""The steps of the white paper's two host algorithms, defined once.

:data:`SEND_ALGORITHM` is Figure 35 (the Mobile IPv6 host sending algorithm, steps 1-19) and
:data:`RECEIVE_ALGORITHM` is Figure 36 (the host receiving algorithm, steps 1-12). Each
:class:`AlgorithmStep` holds the step's number (terminals have names), a short label, the white
paper's text for the step (verbatim; terminals describe themselves), its kind and its outgoing
edges with their labels.

Both users read this table and keep no step text of their own:

* the algorithms (:mod:`mip6lab.ipv6.sending`, :mod:`mip6lab.ipv6.receiving`) record each step
  under its label with :func:`send_step` / :func:`receive_step`, adding only their decision and
  inputs;
* the flowchart widget (:mod:`mip6lab.widgets.flowcharts`) draws the boxes and arrows from it,
  adding only where each box sits.

The edges follow the figures' arrows as the algorithms implement them (see those modules' docs);
:data:`IMPLIED` lists the transitions a real run makes that the figures draw no arrow for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from mip6lab.trace import NO_RUN, AlgorithmRun

__all__ = [
    "Key",
    "Kind",
    "AlgorithmStep",
    "SEND_ALGORITHM",
    "RECEIVE_ALGORITHM",
    "SEND",
    "RECEIVE",
    "ALGORITHMS",
    "IMPLIED",
    "algorithm_steps",
    "edges_of",
    "send_step",
    "receive_step",
]

Key = int | str
"""A white paper step number, or the name of a terminal ("start", "end", ...)."""

Kind = Literal["decision", "action", "terminal"]


@dataclass(frozen=True, slots=True)
class AlgorithmStep:
    """One step of Figure 35 or 36: what it is called and where it can go next."""

    key: Key
    short: str  # the label: the flowchart box and the name a run records the step under
    text: str  # the white paper's text for the step (paragraphs separated by a blank line)
    kind: Kind
    edges: tuple[tuple[str, Key], ...]  # (label, target key) in the figure's order


def _step(key: Key, short: str, text: str, kind: Kind, *edges: tuple[str, Key]) -> AlgorithmStep:
    return AlgorithmStep(key, short, text, kind, edges)


SEND_ALGORITHM: tuple[AlgorithmStep, ...] = (
    _step("start", "Start", "A unicast or anycast packet to send.", "terminal", ("", 1)),
    _step(
        1,
        "Check the destination cache",
        "Check the destination cache for an entry matching the destination address.",
        "action",
        ("", 2),
    ),
    _step(
        2,
        "Entry found in destination cache?",
        "If an entry matching the destination address is not found in the destination cache, go to step 13.",
        "decision",
        ("yes", 3),
        ("no", 13),
    ),
    _step(
        3,
        "Entry points to a binding cache entry?",
        "If an entry matching the destination address is found in the destination cache, check for a pointer "
        "to an entry in the binding cache (this algorithm assumes the use of separate destination and binding "
        "caches). This pointer will be present if the destination is a mobile node away from home.",
        "decision",
        ("yes", 4),
        ("no", 5),
    ),
    _step(
        4,
        "Destination := care-of address; insert Type 2 Routing header",
        "If there is a pointer to an entry in the binding cache, the sending host sets the destination address "
        "in the IPv6 header to the destination node's care-of address and inserts a Type 2 Routing header that "
        "includes the destination node's home address. The binding cache entry for the home address contains a "
        "pointer to the destination cache entry for the care-of address, from which the sending host obtains "
        "the next-hop address and interface for the care-of address.",
        "action",
        ("", 6),
    ),
    _step(
        5,
        "Next hop from the destination cache entry",
        "If there is no pointer to an entry in the binding cache, the sending host obtains the next-hop address "
        "and interface from the destination cache entry.",
        "action",
        ("", 6),
    ),
    _step(
        6,
        "Packet tunneled to the home agent?",
        "If the packet is tunneled to the home agent, go to step 16.",
        "decision",
        ("yes", 16),
        ("no", 7),
    ),
    _step(
        7,
        "Is the sending host a mobile node at home?",
        "If the sending host is a mobile node that is at home, go to step 16.",
        "decision",
        ("at home / not MN / source not HoA", 16),
        ("away", 8),
    ),
    _step(
        8,
        "Binding update list entry for the destination?",
        "If the sending host is a mobile node away from home, it checks its binding update list for an entry "
        "matching the destination.",
        "decision",
        ("yes", 9),
        ("no", 10),
        ("Mobility Header", 12),
    ),
    _step(
        9,
        "Source := care-of address; insert Home Address option",
        "If an entry is found, the sending host sets the source address in the IPv6 header to the sending "
        "host's care-of address and inserts a Destination Options header that includes the Home Address option "
        "containing the sending host's home address. Go to step 16.",
        "action",
        ("", 16),
    ),
    _step(
        10,
        "Destination Mobile IPv6-capable?",
        "If an entry is not found, the sending host checks whether the destination has been determined to be "
        "Mobile IPv6 capable. If the destination is not Mobile IPv6-capable, go to step 12",
        "decision",
        ("yes / unknown", 11),
        ("no", 12),
    ),
    _step(
        11,
        "Correspondent registration initiated? (no: initiate it)",
        "If the sending host has not yet determined whether the destination is Mobile IPv6-capable (the "
        "assumption is that it is capable until determined otherwise), it checks whether a correspondent "
        "registration has already been initiated with the destination, and if not, it initiates one.",
        "action",
        ("", 12),
    ),
    _step(
        12,
        "Reverse tunnel: encapsulate care-of address -> home agent",
        "The sending host sets the source address to the home address and the destination address to "
        "correspondent node’s address, and then encapsulates the packets with IPv6 header from care-of "
        "address to home agent’s address. Go to step 1.",
        "action",
        ("", 1),
    ),
    _step(
        13,
        "Check the routing table (longest match)",
        "Check the local IPv6 routing table for the longest matching route with the lowest metric to the "
        "destination address. If there are multiple longest matching routes with the lowest metric, IPv6 "
        "chooses a route to use.",
        "action",
        ("", 14),
    ),
    _step(
        14,
        "Determine next-hop address and interface",
        "Based on the chosen route, determine the next-hop interface and address used for forwarding the "
        "packet.\n\nIf no route is found, IPv6 assumes that the destination is directly reachable. The next-hop "
        "address is set to the destination address and an interface is chosen.",
        "action",
        ("", 15),
    ),
    _step(15, "Update the destination cache", "Update the destination cache.", "action", ("", 3)),
    _step(
        16,
        "Entry found in neighbor cache?",
        "Check the neighbor cache for an entry matching the next-hop address.",
        "decision",
        ("yes", 17),
        ("no", 18),
    ),
    _step(
        17,
        "Link-layer address from the neighbor cache",
        "If an entry matching the next-hop address is found in the neighbor cache, obtain the link-layer address.",
        "action",
        ("", 19),
    ),
    _step(
        18,
        "Address resolution",
        "If an entry matching the next-hop address is not found in the neighbor cache, use address resolution "
        "to obtain the link-layer address for the next-hop address.\n\nIf address resolution is not successful, "
        "indicate an error.",
        "action",
        ("resolved", 19),
    ),
    _step(
        19,
        "Send using the link-layer address",
        "Send the packet by using the link-layer address of the neighbor cache entry.",
        "action",
        ("", "end"),
    ),
    _step("end", "Packet sent", "The frame is on the link.", "terminal"),
)
"""White paper Figure 35, the Mobile IPv6 host sending algorithm (steps 1-19)."""

RECEIVE_ALGORITHM: tuple[AlgorithmStep, ...] = (
    _step("start", "Start", "A unicast or anycast packet arrives.", "terminal", ("", 1)),
    _step(
        1,
        "Destination assigned to a local interface?",
        "Verify whether the destination address in the IPv6 packet corresponds to an IPv6 address assigned to "
        "a local host interface.\n\nIf the destination address is not assigned to a local host interface, "
        "silently discard the IPv6 packet.",
        "decision",
        ("yes", 2),
        ("no", "not-ours"),
    ),
    _step(
        "not-ours",
        "Silently discard (router: forward; HA: intercept)",
        "Not for this node: a host discards it, a router forwards it, a home agent intercepts it for a binding.",
        "terminal",
    ),
    _step(
        2,
        "Type 2 Routing header? (yes: destination := Home Address)",
        "Check to see if there is a Type 2 Routing header present. If so, process it and set the destination "
        "address of the IPv6 packet to the value of the Home Address field in the Type 2 Routing header.",
        "decision",
        ("", 3),
    ),
    _step(
        3,
        "Tunneled from the home agent?",
        "Check to see if the packet was tunneled from the home agent. If the packet was not tunneled from the "
        "home agent, go to step 8.",
        "decision",
        ("yes", 4),
        ("no", 8),
    ),
    _step(
        4,
        "Home Test message?",
        "If the packet is a Home Test message, process its contents.",
        "decision",
        ("yes", "hot"),
        ("no", 5),
    ),
    _step("hot", "Process the Home Test", "The Home Test is processed by the mobile node.", "terminal"),
    _step(
        5,
        "Sender Mobile IPv6-capable?",
        "If the packet is not a Home Test message, check to see whether the sender has been determined to be "
        "Mobile IPv6-capable. If the sender is not Mobile IPv6-capable, go to step 7.",
        "decision",
        ("yes / unknown", 6),
        ("no", 7),
    ),
    _step(
        6,
        "Correspondent registration initiated? (no: initiate it)",
        "If the sender has not been determined to be Mobile IPv6-capable (the assumption is that it is capable "
        "until determined otherwise), it checks whether a correspondent registration has already been "
        "initiated with the sender, and if not, the sender initiates one.",
        "action",
        ("", 7),
    ),
    _step(
        7,
        "Strip the outer header; process ESP",
        "Strip the outer IPv6 header (in which the destination address is set to the receiving node's care-of "
        "address and the source address is set to the home agent), and then process and remove the ESP header "
        "and trailer, if present.",
        "action",
        ("", 8),
    ),
    _step(
        8,
        "Home Address option? (yes: source := home address)",
        "Check to see if there is a Destination Options header with a Home Address option. If so, logically "
        "set the source address of the IPv6 packet to the home address in the Home Address option.",
        "decision",
        ("", 9),
    ),
    _step(
        9,
        "Process extension headers; protocol for Next Header exists?",
        "Based on the Next Header field, process extension headers (if present) and pass the upper layer PDU "
        "to the appropriate upper-layer protocol.\n\nIf the protocol does not exist, send an ICMPv6 Parameter "
        "Problem-Unrecognized Next Header Type Encountered message back to the sender and discard the packet.",
        "decision",
        ("TCP/UDP", 11),
        ("other", 10),
        ("none", "param-problem"),
    ),
    _step(
        "param-problem",
        "ICMPv6 Parameter Problem; discard",
        "Send ICMPv6 Parameter Problem - Unrecognized Next Header Type Encountered, discard the packet.",
        "terminal",
    ),
    _step(
        10,
        "Pass the PDU to its protocol",
        "If the upper layer PDU is not a TCP segment or UDP message, pass the upper layer PDU to the "
        "appropriate protocol.",
        "action",
        ("", "end"),
    ),
    _step(
        11,
        "Application on the destination port?",
        "If the upper layer PDU is a TCP segment or UDP message, check the destination port.\n\nIf no "
        "application exists for the UDP port number, send an ICMPv6 Destination Unreachable-Port Unreachable "
        "message back to the sender and discard the packet. If no application exists for the TCP port number, "
        "send a TCP Connection Reset segment back to the sender and discard the packet.",
        "decision",
        ("yes", 12),
        ("no", "no-app"),
    ),
    _step(
        "no-app",
        "UDP: Port Unreachable; TCP: reset",
        "Send ICMPv6 Destination Unreachable - Port Unreachable (UDP) or a TCP Connection Reset segment.",
        "terminal",
    ),
    _step(
        12,
        "Process the contents",
        "If an application exists for the UDP or TCP destination port, process the contents of the TCP segment "
        "or UDP message.",
        "action",
        ("", "end"),
    ),
    _step("end", "Delivered", "The upper layer has the packet.", "terminal"),
)
"""White paper Figure 36, the Mobile IPv6 host receiving algorithm (steps 1-12)."""

SEND: Mapping[Key, AlgorithmStep] = {s.key: s for s in SEND_ALGORITHM}
"""Figure 35's steps by number (or terminal name): ``SEND[6].short``."""

RECEIVE: Mapping[Key, AlgorithmStep] = {s.key: s for s in RECEIVE_ALGORITHM}
"""Figure 36's steps by number (or terminal name)."""

ALGORITHMS: Mapping[str, tuple[AlgorithmStep, ...]] = {"send": SEND_ALGORITHM, "receive": RECEIVE_ALGORITHM}
"""The tables by the ``AlgorithmRun.algorithm`` name."""

IMPLIED: dict[tuple[str, Key, Key], str] = {
    ("send", 3, 13): "step 4 needs a route to the care-of address: steps 13-15 run for it first",
    ("send", 15, 4): "back in step 4 with the destination cache entry for the care-of address",
}
"""Transitions the algorithms make that the figure leaves implicit (no arrow is drawn for them)."""


def algorithm_steps(algorithm: str) -> tuple[AlgorithmStep, ...]:
    """The table for ``"send"`` (Figure 35) or ``"receive"`` (Figure 36)."""
    try:
        return ALGORITHMS[algorithm]
    except KeyError:
        raise ValueError(f"algorithm must be 'send' or 'receive', not {algorithm!r}") from None


def edges_of(algorithm: str) -> frozenset[tuple[Key, Key]]:
    """Every (from, to) arrow of the figure, without labels."""
    return frozenset((s.key, t) for s in algorithm_steps(algorithm) for _, t in s.edges)


_SEND_SHORT: dict[Key, str] = {k: s.short for k, s in SEND.items()}
_RECEIVE_SHORT: dict[Key, str] = {k: s.short for k, s in RECEIVE.items()}


def send_step(run: Any, number: int, decision: str = "", /, **inputs: Any) -> None:
    """Record sending step ``number`` on ``run`` under the table's label (nothing when tracing is off)."""
    if type(run) is AlgorithmRun:  # the common case: AlgorithmRun.record_step, inlined (every packet passes here)
        pending = run._pending
        if pending is None:
            run._pending = [number, _SEND_SHORT[number], decision, inputs]
        else:
            pending += (number, _SEND_SHORT[number], decision, inputs)
    elif run is not NO_RUN:
        run.step(number, SEND[number].short, decision, **inputs)


def receive_step(run: Any, number: int, decision: str = "", /, **inputs: Any) -> None:
    """Record receiving step ``number`` on ``run`` under the table's label (nothing when tracing is off)."""
    if type(run) is AlgorithmRun:  # AlgorithmRun.record_step, inlined
        pending = run._pending
        if pending is None:
            run._pending = [number, _RECEIVE_SHORT[number], decision, inputs]
        else:
            pending += (number, _RECEIVE_SHORT[number], decision, inputs)
    elif run is not NO_RUN:
        run.step(number, RECEIVE[number].short, decision, **inputs)
