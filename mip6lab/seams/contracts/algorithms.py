"""Rules for the sending and receiving algorithms: whole scenarios run with the candidate in every node
and compared, packet by packet, with the same scenarios run by the library's algorithms."""

from __future__ import annotations

from functools import cache
from typing import Any

from mip6lab.seams.contracts import Mismatch, rule


def _packets(scenario: str, replace: dict[str, Any] | None) -> list[str]:
    from mip6lab.lab import Lab

    lab = Lab(scenario, replace=replace)
    lab.world.strict = False
    lab.run()
    errors = [f"{e.node}: {type(e.exception).__name__}: {e.exception}" for e in lab.world.errors]
    if errors:
        return [f"error {e}" for e in errors]
    return [f"{r.time:.4f} {r.link} {r.summary}" for r in lab.messages(signalling_only=True, first_hop_only=True)]


@cache
def _library(scenario: str) -> tuple[str, ...]:
    return tuple(_packets(scenario, None))


def _same_packets(seam: str, scenario: str, candidate: Any) -> None:
    want = list(_library(scenario))
    got = _packets(scenario, {seam: candidate})
    if got == want:
        return
    i = next((k for k, (a, b) in enumerate(zip(want, got)) if a != b), min(len(want), len(got)))
    raise Mismatch(
        f"Lab({scenario!r}) run to its end; packet {i + 1} of {len(want)} (time, link, message)",
        want[i] if i < len(want) else "(no more packets)",
        got[i] if i < len(got) else "(no more packets)",
    )


_PLAIN = "with no mobility involved, send and receive as plain IPv6 does"


@rule("sending_algorithm", rfc="RFC 8200, RFC 4861 (plain IPv6)", hint=_PLAIN)
def send_ping(candidate: Any) -> None:
    """plain IPv6: the ping scenario's packets are the library's"""
    _same_packets("sending_algorithm", "ping", candidate)


@rule("receiving_algorithm", rfc="RFC 8200, RFC 4861 (plain IPv6)", hint=_PLAIN)
def receive_ping(candidate: Any) -> None:
    """plain IPv6: the ping scenario's packets are the library's"""
    _same_packets("receiving_algorithm", "ping", candidate)


@rule(
    "sending_algorithm",
    rfc="§6.1, §9.3.2, §11.3.1",
    hint="step 3: a binding for the destination -> send to its care-of address with a Type 2 Routing header; "
    "step 9: away from home -> care-of source with a Home Address option (or the reverse tunnel)",
)
def send_route_optimized(candidate: Any) -> None:
    """route optimization: the route-optimized-data scenario's packets are the library's"""
    _same_packets("sending_algorithm", "route-optimized-data", candidate)


@rule(
    "receiving_algorithm",
    rfc="§9.3.1, §11.3.2",
    hint="step 6-8: swap in the home address of a Home Address option when a binding exists; "
    "Type 2 Routing header: deliver only for your own home address; decapsulate tunnelled packets",
)
def receive_route_optimized(candidate: Any) -> None:
    """route optimization: the route-optimized-data scenario's packets are the library's"""
    _same_packets("receiving_algorithm", "route-optimized-data", candidate)
