"""One table per role from message type to handler: how a role takes its input.

Each role (mobile node, correspondent, home agent) keeps a :class:`Dispatch` per door: Mobility Header
and ICMPv6 messages (all three), ESP (the mobile node and the home agent: keyed by what the opened packet
carries) and IPv6-in-IPv6 (the home agent's reverse tunnel): message class -> the one handler that takes
it. The role's door for that protocol (its upper-layer handler, installed by ``attach_role``) does the
checks common to every message (ESP policy, §9.2 header checks) and then asks the table; a message class
missing from the table goes to the table's ``otherwise``. ``describe()`` lists the table for the
documentation and the tests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["Dispatch"]


class Dispatch:
    """``message class -> handler(delivery, message, *extra)``; exact classes (no subclass walk)."""

    def __init__(
        self,
        owner: str,
        table: Mapping[type, Callable[..., Any]],
        otherwise: Callable[..., Any] | None = None,
    ) -> None:
        self.owner = owner
        self.table: dict[type, Callable[..., Any]] = dict(table)
        self.otherwise = otherwise

    def __call__(self, d: Any, message: Any, *extra: Any) -> Any:
        handler = self.table.get(type(message), self.otherwise)
        return None if handler is None else handler(d, message, *extra)

    def handler_for(self, message_class: type) -> Callable[..., Any] | None:
        return self.table.get(message_class)

    def describe(self) -> list[tuple[str, str]]:
        """(message class, handler name) in table order."""
        return [(cls.__name__, getattr(h, "__name__", repr(h))) for cls, h in self.table.items()]
