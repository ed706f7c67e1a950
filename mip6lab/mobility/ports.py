"""A unit's narrow view of its role and node: the names it declares, nothing else.

Each unit of a role (mobile node, home agent, correspondent node) declares what it uses as data (its
``NEEDS``); the role hands it a :class:`UnitPort` that reads (and calls) exactly those names - the
role's own first (its tables, its other parts, the clock/trace/timer/sending delegations of
:class:`~mip6lab.ipv6.role.NodeRole`), else the role's node's - and refuses any other with an
``AttributeError`` naming the unit, so a unit's dependencies are visible in one place and cannot grow
unnoticed (``tests/mobility/test_layering.py`` checks each list against the unit's code).
"""

from __future__ import annotations

from typing import Any

__all__ = ["UnitPort", "unit_port"]


_NAME_SETS: dict[tuple[str, ...], frozenset[str]] = {}


class UnitPort:
    """``node`` (a role, or a plain node) as ``unit`` may see it: the attributes in ``names`` only. A name
    the role does not have is read from the role's node (``role.node``)."""

    __slots__ = ("_node", "_unit", "_names")

    def __init__(self, node: Any, unit: str, names: tuple[str, ...]) -> None:
        object.__setattr__(self, "_node", node)
        object.__setattr__(self, "_unit", unit)
        names = tuple(names)
        shared = _NAME_SETS.get(names)  # one set per unit class, shared by every node's ports (issue 13)
        if shared is None:
            shared = _NAME_SETS[names] = frozenset(names)
        object.__setattr__(self, "_names", shared)

    def __getattr__(self, name: str) -> Any:
        if name in self._names:
            target = self._node
            if not hasattr(type(target), name) and name not in getattr(target, "__dict__", {}):
                target = getattr(target, "node", target)  # a role reads the rest from its node
            return getattr(target, name)
        raise AttributeError(f"{self._unit} does not declare {name!r} in its NEEDS (it sees {sorted(self._names)})")

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{self._unit} may not set {name!r} on its node: tell the node through a method")

    def __repr__(self) -> str:
        return f"<{self._unit}'s view of {getattr(self._node, 'name', self._node)!r}>"


def unit_port(node: Any, unit: type) -> UnitPort:
    """``node`` (usually the unit's role) as the unit class ``unit`` may see it: the names of ``unit.NEEDS``."""
    return UnitPort(node, unit.__name__, unit.NEEDS)
