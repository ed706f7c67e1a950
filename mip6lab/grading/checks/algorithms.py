"""Exercises 12 and 13: the white paper's host sending (Figure 35) and receiving (Figure 36) algorithms,
as the path of step numbers a packet takes through them."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from mip6lab.grading.core import Case, Verdict, run_check
from mip6lab.ipv6.steps import RECEIVE_ALGORITHM, SEND_ALGORITHM, AlgorithmStep

Key = int | str


def _repr_changed(obj: Any) -> str:
    parts = [f"{f.name}={getattr(obj, f.name)!r}" for f in fields(obj)]
    return f"{type(obj).__name__}({', '.join(parts)})"


@dataclass(frozen=True)
class SendSituation:
    """Everything Figure 35's decisions depend on for one packet (see the exercise for each field)."""

    destination_cached: bool = True  # step 2: the destination cache has an entry for the destination
    binding_cache_entry: bool = False  # step 3: ... which points to a binding cache entry (destination away)
    mobile_node: bool = False  # step 7: the sender is a mobile node ...
    away_from_home: bool = False  # ... away from home, sending from its home address
    mobility_header: bool = False  # step 8: the packet is a Mobility Header message (BU to the HA, HoTI)
    bul_entry: bool = False  # step 8: the binding update list has an entry for the destination
    destination_mipv6_capable: bool | None = None  # step 10: True, False or None (not known yet)
    neighbor_cached: bool = True  # step 16: the next hop's link-layer address is in the neighbor cache

    __repr__ = _repr_changed


@dataclass(frozen=True)
class ReceiveSituation:
    """Everything Figure 36's decisions depend on for one received packet."""

    destination_local: bool = True  # step 1: the destination is one of this node's addresses
    type2_header: bool = False  # step 2: a (valid) Type 2 Routing header
    tunneled_from_home_agent: bool = False  # step 3
    home_test: bool = False  # step 4: the inner packet is a Home Test
    sender_mipv6_capable: bool | None = None  # step 5: True, False or None (not known yet)
    home_address_option: bool = False  # step 8
    next_header: str = "TCP"  # step 9: "TCP", "UDP", "ICMPv6", "MH" or "unknown" (no such protocol)
    application_listening: bool = True  # step 11: an application on the destination port

    __repr__ = _repr_changed


def reference_send(s: SendSituation) -> list[Key]:
    """The steps of Figure 35 the packet visits (the reverse-tunnelled packet's second pass included)."""
    path: list[Key] = [1, 2]
    path += [3] if s.destination_cached else [13, 14, 15, 3]
    path += [4, 6] if s.binding_cache_entry else [5, 6]
    if s.mobile_node and s.away_from_home:
        path += [7, 8]
        if not s.mobility_header and s.bul_entry:
            path += [9]
        else:
            if not s.mobility_header:
                path += [10, 11] if s.destination_mipv6_capable is not False else [10]
            # step 12: encapsulate to the home agent; the outer packet starts again at step 1 (its destination,
            # the home agent, is in the destination cache, not in the binding cache, and it is tunneled: 6 -> 16)
            path += [12, 1, 2, 3, 5, 6]
    else:
        path += [7]
    path += [16, 17, 19] if s.neighbor_cached else [16, 18, 19]
    return [*path, "end"]


def reference_receive(s: ReceiveSituation) -> list[Key]:
    """The steps of Figure 36 the packet visits, ending in its terminal."""
    if not s.destination_local:
        return [1, "not-ours"]
    path: list[Key] = [1, 2, 3]
    if s.tunneled_from_home_agent:
        path += [4]
        if s.home_test:
            return [*path, "hot"]
        path += [5, 6, 7] if s.sender_mipv6_capable is not False else [5, 7]
    path += [8, 9]
    if s.next_header in ("TCP", "UDP"):
        return [*path, 11, 12, "end"] if s.application_listening else [*path, 11, "no-app"]
    if s.next_header == "unknown":
        return [*path, "param-problem"]
    return [*path, 10, "end"]


def _step_hint(figure: int, table: tuple[AlgorithmStep, ...]) -> Callable[[Case, Any, Any], str]:
    by_key = {s.key: s for s in table}

    def hint(case: Case, expected: list[Key], got: Any) -> str:
        if not isinstance(got, list | tuple):
            return "return the list of step numbers (and the final terminal's name), e.g. [1, 2, 3, 5, 6, 7, ...]"
        got = list(got)
        i = next((i for i, (e, g) in enumerate(zip(expected, got)) if e != g), min(len(expected), len(got)))
        if i == 0:
            return f"Figure {figure} starts at step 1"
        at = expected[i - 1]
        step = by_key.get(at)
        nxt = expected[i] if i < len(expected) else "(the end)"
        text = step.text.split("\n")[0] if step else ""
        return (
            f"white paper Figure {figure}, after step {at} ({step.short if step else '?'}) the packet goes to "
            f"{nxt}, not {got[i] if i < len(got) else '(nothing)'}. Step {at}: {text}"
        )

    return hint


SEND_VISIBLE = [
    Case((SendSituation(),), "a plain host, destination cached, neighbour cached"),
    Case((SendSituation(destination_cached=False, neighbor_cached=False),), "a first packet to a new destination"),
    Case((SendSituation(binding_cache_entry=True),), "to a mobile node away from home that we hold a binding for"),
    Case((SendSituation(mobile_node=True, away_from_home=True, bul_entry=True),), "route optimization"),
    Case(
        (SendSituation(mobile_node=True, away_from_home=True, destination_mipv6_capable=False),),
        "to a correspondent without Mobile IPv6",
    ),
    Case((SendSituation(mobile_node=True, away_from_home=True),), "a first packet to a correspondent, no binding yet"),
    Case((SendSituation(mobile_node=True, away_from_home=True, mobility_header=True),), "a HoTI"),
    Case((SendSituation(mobile_node=True),), "a mobile node at home"),
]

RECEIVE_VISIBLE = [
    Case((ReceiveSituation(),), "a TCP segment to a listening socket"),
    Case((ReceiveSituation(destination_local=False),), "not for us"),
    Case((ReceiveSituation(type2_header=True),), "route-optimized, to a mobile node"),
    Case((ReceiveSituation(tunneled_from_home_agent=True, home_test=True),), "a Home Test through the tunnel"),
    Case(
        (
            ReceiveSituation(
                tunneled_from_home_agent=True,
                sender_mipv6_capable=False,
                next_header="UDP",
                application_listening=False,
            ),
        ),
        "tunneled UDP from a plain correspondent, no socket",
    ),
    Case((ReceiveSituation(home_address_option=True, next_header="MH"),), "a Binding Update at a correspondent"),
    Case((ReceiveSituation(next_header="unknown"),), "an unknown Next Header"),
]


def _send_hidden(rng: random.Random) -> list[Case]:
    out = []
    for _ in range(60):
        mn = rng.random() < 0.6
        out.append(
            Case(
                (
                    SendSituation(
                        destination_cached=rng.random() < 0.7,
                        binding_cache_entry=rng.random() < 0.3,
                        mobile_node=mn,
                        away_from_home=mn and rng.random() < 0.8,
                        mobility_header=rng.random() < 0.2,
                        bul_entry=rng.random() < 0.5,
                        destination_mipv6_capable=rng.choice([True, False, None]),
                        neighbor_cached=rng.random() < 0.7,
                    ),
                )
            )
        )
    return out


def _receive_hidden(rng: random.Random) -> list[Case]:
    out = []
    for _ in range(60):
        out.append(
            Case(
                (
                    ReceiveSituation(
                        destination_local=rng.random() < 0.9,
                        type2_header=rng.random() < 0.3,
                        tunneled_from_home_agent=rng.random() < 0.4,
                        home_test=rng.random() < 0.3,
                        sender_mipv6_capable=rng.choice([True, False, None]),
                        home_address_option=rng.random() < 0.3,
                        next_header=rng.choice(["TCP", "UDP", "ICMPv6", "MH", "unknown"]),
                        application_listening=rng.random() < 0.7,
                    ),
                )
            )
        )
    return out


def _cmp(got: Any, expected: list[Key]) -> bool:
    return isinstance(got, list | tuple) and list(got) == expected


def check_sending(sending_path: Callable[[SendSituation], list[Key]], **kw: Any) -> Verdict:
    """sending_path(situation) -> the Figure 35 steps a packet visits, ending in 'end'."""
    return run_check(
        "sending_path",
        sending_path,
        reference_send,
        SEND_VISIBLE,
        _send_hidden,
        _step_hint(35, SEND_ALGORITHM),
        compare=_cmp,
        **kw,
    )


def check_receiving(receiving_path: Callable[[ReceiveSituation], list[Key]], **kw: Any) -> Verdict:
    """receiving_path(situation) -> the Figure 36 steps a packet visits, ending in its terminal's name."""
    return run_check(
        "receiving_path",
        receiving_path,
        reference_receive,
        RECEIVE_VISIBLE,
        _receive_hidden,
        _step_hint(36, RECEIVE_ALGORITHM),
        compare=_cmp,
        **kw,
    )
