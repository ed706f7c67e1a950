"""Which class plays which role in scenarios with Mobile IPv6.

Each role module registers a factory ``(lab, spec) -> node`` in :data:`mip6lab.lab.ROLE_FACTORIES`
when imported. A factory may give its node a ``lab_configure(lab, spec)`` method, which the Lab
calls after interfaces and manual addresses exist (e.g. a home agent's RA with the H flag).
"""

from __future__ import annotations

import importlib

ROLE_MODULES = ("mip6lab.mobility.mobile_node", "mip6lab.mobility.home_agent", "mip6lab.mobility.correspondent")

for _name in ROLE_MODULES:
    try:
        importlib.import_module(_name)
    except ModuleNotFoundError as _e:  # a role not written yet: plain IPv6 nodes play it
        if _e.name != _name:
            raise
