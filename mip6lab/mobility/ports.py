"""A unit's narrow view of its role and node: the names it declares, nothing else.

Each unit of a role (mobile node, home agent, correspondent node) declares what it uses as data (its
``NEEDS``); the role hands it a :class:`UnitPort` that reads (and calls) exactly those names - the
role's own first (its tables, its other parts, the clock/trace/timer/sending delegations of
:class:`~mip6lab.ipv6.role.NodeRole`), else the role's node's - and refuses any other with an
``AttributeError`` naming the unit, so a unit's dependencies are visible in one place and cannot grow
unnoticed (``tests/mobility/test_layering.py`` checks each list against the unit's code).

Units read their ports on every packet (issue 13), so a port is an instance of a class made once per
(unit, role class): each declared name is a property there. A name the role has (a method, a property
such as ``now``, a table such as ``bul``) reads straight through the role (``operator.attrgetter``, no
Python frame; should the role not have it, ``__getattr__`` reads the node's); any other name is looked up
at each read in the role's own attributes, then its node's. Nothing is cached: a value the role or node
changes (or a method a test replaces on the instance) is seen at the next read, exactly as if the unit
held the role itself. An undeclared name still falls through to ``__getattr__``, which refuses it.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

__all__ = ["UnitPort", "unit_port"]


_NAME_SETS: dict[tuple[str, ...], frozenset[str]] = {}


class UnitPort:
    """``node`` (a role, or a plain node) as ``unit`` may see it: the attributes in ``names`` only. A name
    the role does not have is read from the role's node (``role.node``)."""

    __slots__ = ("_node", "_unit", "_names")

    def __new__(cls, node: Any, unit: str, names: tuple[str, ...]) -> UnitPort:
        if cls is UnitPort:  # the class of this (unit, role class): one property per declared name
            cls = _port_class(unit, tuple(names), node)
        return object.__new__(cls)

    def __init__(self, node: Any, unit: str, names: tuple[str, ...]) -> None:
        object.__setattr__(self, "_node", node)
        object.__setattr__(self, "_unit", unit)
        names = tuple(names)
        shared = _NAME_SETS.get(names)  # one set per unit class, shared by every node's ports (issue 13)
        if shared is None:
            shared = _NAME_SETS[names] = frozenset(names)
        object.__setattr__(self, "_names", shared)

    def __getattr__(self, name: str) -> Any:
        if name in self._names:  # declared, but its property found no such attribute on the role: the node's
            return _read(self._node, name)
        raise AttributeError(f"{self._unit} does not declare {name!r} in its NEEDS (it sees {sorted(self._names)})")

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{self._unit} may not set {name!r} on its node: tell the node through a method")

    def __repr__(self) -> str:
        return f"<{self._unit}'s view of {getattr(self._node, 'name', self._node)!r}>"


def _read(target: Any, name: str) -> Any:
    """``name`` of the role ``target`` if it has one, else of its node (the port's rule, read now)."""
    if not hasattr(type(target), name) and name not in getattr(target, "__dict__", {}):
        target = getattr(target, "node", target)  # a role reads the rest from its node
    return getattr(target, name)


def _reader(name: str, on_role: bool) -> Callable[[UnitPort], Any]:
    if on_role:  # the role's (class or instance): read through it; if it has none, __getattr__ reads the node's
        return attrgetter(f"_node.{name}")

    def read(port: UnitPort) -> Any:
        role = port._node
        d = getattr(role, "__dict__", None)
        if d is not None and name in d:
            return d[name]
        return getattr(getattr(role, "node", role), name)

    read.__name__ = name
    return read


_CLASSES: dict[tuple[str, tuple[str, ...], type], type[UnitPort]] = {}


def _port_class(unit: str, names: tuple[str, ...], role: Any) -> type[UnitPort]:
    """The port class for ``unit`` over roles of ``role``'s class. Each name is read the way that is fast
    for where the first such role keeps it (every way gives the port's rule: role first, then node): a
    name of the role (class, or instance so far) through the role, falling back to ``__getattr__``; any
    other by a small function that looks in the role's attributes, then the node's."""
    role_class = type(role)
    key = (unit, names, role_class)
    cls = _CLASSES.get(key)
    if cls is None:
        own = getattr(role, "__dict__", {})
        plain = not hasattr(role_class, "__getattr__")  # (a role's own __getattr__ would answer for its node)
        props = {
            n: property(_reader(n, plain and (hasattr(role_class, n) or n in own)), doc=f"the role's (or node's) {n!r}")
            for n in names
        }
        cls = _CLASSES[key] = type(f"{unit}Port", (UnitPort,), {"__slots__": (), **props})
    return cls


def unit_port(node: Any, unit: type) -> UnitPort:
    """``node`` (usually the unit's role) as the unit class ``unit`` may see it: the names of ``unit.NEEDS``."""
    return UnitPort(node, unit.__name__, unit.NEEDS)
