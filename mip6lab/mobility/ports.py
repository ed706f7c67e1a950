"""A unit's narrow view of its node: the names it declares, nothing else.

Each unit of the mobile node declares what it uses of the node as data (its ``NEEDS``); the node hands
it a :class:`UnitPort` that reads (and calls) exactly those names and refuses any other with an
``AttributeError`` naming the unit, so a unit's dependencies are visible in one place and cannot grow
unnoticed (``tests/mobility/test_layering.py`` checks each list against the unit's code).
"""

from __future__ import annotations

from typing import Any

__all__ = ["UnitPort", "unit_port"]


class UnitPort:
    """``node`` as ``unit`` may see it: the attributes in ``names`` only."""

    __slots__ = ("_node", "_unit", "_names")

    def __init__(self, node: Any, unit: str, names: tuple[str, ...]) -> None:
        object.__setattr__(self, "_node", node)
        object.__setattr__(self, "_unit", unit)
        object.__setattr__(self, "_names", frozenset(names))

    def __getattr__(self, name: str) -> Any:
        if name in self._names:
            return getattr(self._node, name)
        raise AttributeError(f"{self._unit} does not declare {name!r} in its NEEDS (it sees {sorted(self._names)})")

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{self._unit} may not set {name!r} on its node: tell the node through a method")

    def __repr__(self) -> str:
        return f"<{self._unit}'s view of {getattr(self._node, 'name', self._node)!r}>"


def unit_port(node: Any, unit: type) -> UnitPort:
    """``node`` as the unit class ``unit`` may see it: the names of ``unit.NEEDS``."""
    return UnitPort(node, unit.__name__, unit.NEEDS)
