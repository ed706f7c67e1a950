"""Named scenarios: a topology, a script of what happens when, and how long to run.

A scenario's ``setup(lab)`` only schedules things (moves, applications, pings) with ``lab.at(...)``;
running is the caller's business. ``mip6lab scenarios`` lists this registry in order.
"""

from __future__ import annotations

# The modules that register scenarios, imported in listing order.
# isort: off
from mip6lab.scenarios import basic as _basic  # noqa: F401
from mip6lab.scenarios import home_agent as _home_agent  # noqa: F401
from mip6lab.scenarios import route_optimization as _route_optimization  # noqa: F401
from mip6lab.scenarios import attacks as _attacks  # noqa: F401
from mip6lab.scenarios import scale as _scale  # noqa: F401

# isort: on
from mip6lab.scenarios.base import SCENARIOS, Scenario, register

__all__ = ["SCENARIOS", "Scenario", "register"]
