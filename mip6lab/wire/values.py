"""Positional constructors for the frozen, slotted dataclasses every packet is made of (issue 13).

A frozen dataclass's ``__init__`` assigns each field through ``object.__setattr__`` (its own
``__setattr__`` refuses); building a packet's values - the IPv6 header, the UDP datagram, the
:class:`~mip6lab.ipv6.upper.Delivery` - that way costs about as much as encoding the packet.
:func:`constructor` returns a function that makes the same object by writing each slot through its
descriptor: equal to, and indistinguishable from, what the class itself builds (same type, same
field values, same equality and hash), for the hot paths that know every field's value.

It applies only where that is exactly so: a dataclass with ``__slots__`` whose fields are all
``__init__`` parameters and which has no ``__post_init__``; for any other class it returns the
class itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

__all__ = ["constructor"]


def constructor(cls: type) -> Callable[..., Any]:
    """``make(*every_field_in_order)`` -> the instance ``cls(*every_field_in_order)`` would be."""
    if not dataclasses.is_dataclass(cls) or "__slots__" not in cls.__dict__ or hasattr(cls, "__post_init__"):
        return cls
    fields = dataclasses.fields(cls)
    if any(not f.init for f in fields) or len(fields) != len(cls.__slots__):
        return cls
    names = [f.name for f in fields]
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    lines = [f"def make({', '.join(names)}):", "    obj = _new(_cls)"]
    for name in names:
        namespace[f"_set_{name}"] = getattr(cls, name).__set__  # the slot's member descriptor
        lines.append(f"    _set_{name}(obj, {name})")
    lines.append("    return obj")
    exec("\n".join(lines), namespace)  # noqa: S102 - code built from the class's own field names
    make = namespace["make"]
    make.__doc__ = f"A {cls.__name__} from all its fields, positionally (see mip6lab.wire.values)."
    return make
