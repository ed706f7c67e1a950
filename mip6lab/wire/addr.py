"""Interned IPv6 addresses for the hot path (issue 13).

The standard library's :class:`~ipaddress.IPv6Address` recomputes its text, its hash and its 16 octets
on every use, and tests multicast or link-local scope by network membership: on a simulated hop those
cost more than the hop itself. :class:`FastAddress` is an ``IPv6Address`` (``isinstance`` holds, it
compares and hashes equal to the plain address of the same value, its ``repr`` is the plain one) that
keeps its octets and hash, formats itself once, and answers the scope tests from its first octets.

:func:`intern` / :func:`from_packed` hand out one object per address value, so dictionaries keyed by
addresses hit on identity. The codec decodes every address through :func:`from_packed`; the node's
address arithmetic goes through :func:`intern`. Addresses built elsewhere stay plain ``IPv6Address``
objects and mix freely with these.
"""

from __future__ import annotations

from ipaddress import IPv6Address
from typing import Any

__all__ = ["FastAddress", "intern", "from_packed"]

_LIMIT = 1 << 20  # distinct addresses kept (a 10,000-node lab uses a few tens of thousands)


class FastAddress(IPv6Address):
    """An ``IPv6Address`` that caches its text, hash and octets (see the module doc)."""

    __slots__ = ("_packed", "_hash", "_text")

    def __init__(self, address: Any) -> None:
        if isinstance(address, IPv6Address):
            self._ip = address._ip
            self._scope_id = address._scope_id
        else:
            super().__init__(address)
        self._packed = self._ip.to_bytes(16, "big")
        self._hash = hash((self._ip, self._scope_id))  # IPv6Address.__hash__: equal values, equal hashes
        self._text: str | None = None

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if other is self:
            return True
        return IPv6Address.__eq__(self, other)

    def __str__(self) -> str:
        text = self._text
        if text is None:
            text = self._text = IPv6Address.__str__(self)
        return text

    def __format__(self, fmt: str) -> str:
        return self.__str__() if not fmt else IPv6Address.__format__(self, fmt)

    def __repr__(self) -> str:
        return f"IPv6Address('{self}')"

    def __reduce__(self) -> tuple[Any, tuple[int]]:
        return IPv6Address, (self._ip,)  # pickles as the plain address it equals

    @property
    def packed(self) -> bytes:
        return self._packed

    @property
    def is_multicast(self) -> bool:  # ff00::/8
        return self._packed[0] == 0xFF

    @property
    def is_link_local(self) -> bool:  # fe80::/10
        return self._ip >> 118 == 0x3FA

    @property
    def is_unspecified(self) -> bool:
        return self._ip == 0


_BY_PACKED: dict[bytes, FastAddress] = {}


def from_packed(octets: bytes) -> FastAddress:
    """The interned address whose 16 octets are ``octets``."""
    a = _BY_PACKED.get(octets)
    if a is None:
        if len(_BY_PACKED) >= _LIMIT:
            _BY_PACKED.clear()
        a = FastAddress(bytes(octets))
        _BY_PACKED[a._packed] = a
    return a


def intern(address: IPv6Address | str | int | bytes) -> FastAddress:
    """The interned address equal to ``address`` (an address, its text, its integer or its octets)."""
    if type(address) is FastAddress:
        return _BY_PACKED.get(address._packed) or _keep(address)
    if isinstance(address, IPv6Address) and address._scope_id is None:
        return from_packed(address._ip.to_bytes(16, "big"))
    if isinstance(address, bytes) and len(address) == 16:
        return from_packed(address)
    a = FastAddress(address)
    if a._scope_id is not None:
        return a  # a scoped address is not interned (its scope is part of its value)
    return _BY_PACKED.get(a._packed) or _keep(a)


def _keep(a: FastAddress) -> FastAddress:
    if len(_BY_PACKED) >= _LIMIT:
        _BY_PACKED.clear()
    _BY_PACKED[a._packed] = a
    return a
