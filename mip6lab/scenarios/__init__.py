"""Named scenarios: a topology, a script of what happens when, and how long to run.

A scenario's ``setup(lab)`` only schedules things (moves, applications, pings) with ``lab.at(...)``;
running is the caller's business. ``mip6lab scenarios`` lists this registry in order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mip6lab.topology import Topology, figure1

if TYPE_CHECKING:
    from mip6lab.lab import Lab


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    setup: Callable[[Lab], None]
    duration: float = 30.0
    figures: tuple[int, ...] = ()  # white paper figures it reproduces
    topology: Callable[[], Topology] = field(default=figure1)
    mobility: bool = True  # False: plain IPv6 nodes only (the "without Mobile IPv6" contrast)


SCENARIOS: dict[str, Scenario] = {}


def register(scenario: Scenario) -> Scenario:
    if scenario.name in SCENARIOS:
        raise ValueError(f"scenario {scenario.name!r} registered twice")
    SCENARIOS[scenario.name] = scenario
    return scenario


# Import the modules that register scenarios (order = listing order).
# isort: off
from mip6lab.scenarios import basic as _basic  # noqa: E402,F401
from mip6lab.scenarios import home_agent as _home_agent  # noqa: E402,F401
from mip6lab.scenarios import route_optimization as _route_optimization  # noqa: E402,F401
from mip6lab.scenarios import attacks as _attacks  # noqa: E402,F401
# isort: on
