"""Binding Update sequence numbers: 16-bit counters compared modulo 2**16 (RFC 6275 §9.5.1).

A receiver accepts a Binding Update only if its Sequence Number is *greater* than the last one it
accepted for that home address. "Greater" wraps: a number "is considered less than or equal to the
last received number if its value lies in the range of the last received number and the preceding
32768 values, inclusive". So, with ``d = (new - last) mod 65536``:

* ``d`` in ``[1, 32767]``    -> greater: accept;
* ``d == 0`` or ``d >= 32768`` -> not greater: reject (Binding Acknowledgement status 135).

Worked boundary (last = 15): 16 and 32782 are accepted; 15, 14, 0, 65535 and 32783 are rejected.
This is UMIP's ``MIP6_SEQ_GT(x, y) = (short)(x - y) > 0``.

Note the asymmetry at distance 32768: ``a`` and ``a + 32768`` are each "not greater" than the other,
so ``seq_gt`` is not a total order -- exactly as the RFC's rule implies.
"""

from __future__ import annotations

from collections.abc import Callable

from mip6lab.mobility.constants import SEQ_HALF, SEQ_MODULUS

__all__ = ["seq_acceptable", "seq_distance", "seq_gt", "seq_lt", "next_seq", "SEQ_MODULUS"]


def _check(x: int) -> int:
    if not 0 <= x < SEQ_MODULUS:
        raise ValueError(f"sequence number {x} is not a 16-bit value")
    return x


def seq_distance(new: int, last: int) -> int:
    """``(new - last) mod 65536``: how far ``new`` is ahead of ``last`` on the 16-bit circle."""
    return (_check(new) - _check(last)) % SEQ_MODULUS


def seq_gt(a: int, b: int) -> bool:
    """True iff ``a`` is greater than ``b`` in RFC 6275 §9.5.1's modulo-2**16 sense."""
    return 1 <= seq_distance(a, b) < SEQ_HALF


def seq_lt(a: int, b: int) -> bool:
    """True iff ``a`` is less than ``b`` (i.e. ``b`` is greater than ``a``)."""
    return seq_gt(b, a)


def seq_acceptable(new: int, last: int | None, greater: Callable[[int, int], bool] | None = None) -> bool:
    """The §9.5.1 window test: accept ``new`` iff it is greater than ``last``.

    ``last`` is ``None`` when the receiver has no Binding Cache entry for the home address; then
    "any Sequence Number value is accepted". ``greater`` is the comparison (default :func:`seq_gt`;
    the ``*.sequence_compare`` seams put a reader's here).
    """
    if last is None:
        _check(new)
        return True
    _check(new)
    _check(last)
    return bool((greater or seq_gt)(new, last))


def next_seq(seq: int) -> int:
    """The next Sequence Number a mobile node sends after ``seq`` (wraps 65535 -> 0)."""
    return (_check(seq) + 1) % SEQ_MODULUS
