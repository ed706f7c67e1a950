"""The scenario record and its registry (the modules that define scenarios import this, not the package,
so that importing :mod:`mip6lab.scenarios` has no import cycle)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

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
    variant: Callable[..., Scenario] | None = None  # parameters -> the scenario built with them (``scale``)
    parameters: tuple[tuple[str, Any], ...] = ()  # the parameters this one was built with

    def with_parameters(self, **params: Any) -> Scenario:
        """The same scenario built with other parameters (``SCENARIOS["scale"].with_parameters(mobile_nodes=1000)``);
        a scenario without parameters only accepts none."""
        if not params:
            return self
        if self.variant is None:
            from mip6lab.errors import LabError

            raise LabError(f"scenario {self.name!r} takes no parameters (got {', '.join(params)})")
        return self.variant(**params)


SCENARIOS: dict[str, Scenario] = {}


def register(scenario: Scenario) -> Scenario:
    if scenario.name in SCENARIOS:
        raise ValueError(f"scenario {scenario.name!r} registered twice")
    SCENARIOS[scenario.name] = scenario
    return scenario
