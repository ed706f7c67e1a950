"""mip6lab: Mobile IPv6 (RFC 6275) on a deterministic, simulated IPv6 network, for teaching.

The public API is small on purpose (notebooks and exercises are written against it):

* :class:`Lab` - build a scenario, run or step it, move a node, read captures, traces and state;
* :data:`SCENARIOS` - the named scenarios (``mip6lab scenarios`` lists them);
* :func:`sweep` - a scenario over a grid of parameters and seeds, in parallel, as a tidy table;
* :mod:`mip6lab.widgets` - the views (``mip6lab.widgets.dashboard("return-routability")``).
"""

from mip6lab.lab import Lab, LabError
from mip6lab.scenarios import SCENARIOS, Scenario
from mip6lab.sweeps import SweepTable, sweep

__version__ = "0.1.0"
__all__ = ["Lab", "LabError", "SCENARIOS", "Scenario", "SweepTable", "__version__", "sweep"]
