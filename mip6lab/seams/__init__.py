"""Seams: the components a reader writes and plugs into a running lab.

>>> from mip6lab import Lab
>>> from mip6lab.seams import SEAMS, check
>>> sorted(SEAMS)[:2]
['cn.binding_cache', 'cn.bu_checks']
>>> lab = Lab("first-foreign-link", replace={"mn.binding_update_list": MyBUL})  # doctest: +SKIP
>>> print(check("mn.binding_update_list", MyBUL))  # doctest: +SKIP

* :data:`SEAMS` -- name -> :class:`Seam` (``.role``, ``.protocol``, ``.chapter``, ``.doc``, ``.rfc``,
  ``.kind``, ``.install``, ``.default()``); ``mip6lab seams`` prints one per line, name first.
* :mod:`mip6lab.seams.protocols` -- the ``typing.Protocol`` of each seam.
* ``Lab(..., replace={name: replacement})`` -- install (``node:NAME.<seam>`` for one node only).
* :func:`check` / :func:`contract` -- run a candidate against the seam's rules (:mod:`mip6lab.seams.contracts`).
"""

from __future__ import annotations

from mip6lab.seams.contracts import Contract, RuleResult, Verdict, check, contract
from mip6lab.seams.install import SeamError, SeamFailure, SeamPlan, protocol_problems
from mip6lab.seams.registry import ROLES, SEAMS, Seam

__all__ = [
    "ROLES",
    "SEAMS",
    "Contract",
    "RuleResult",
    "Seam",
    "SeamError",
    "SeamFailure",
    "SeamPlan",
    "Verdict",
    "check",
    "contract",
    "protocol_problems",
]
