"""TCP sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4).

Sequence numbers wrap, so "a comes before b" means "b - a, taken modulo 2^32, is a small positive
number" (less than 2^31). Every comparison of sequence or acknowledgment numbers in
:mod:`mip6lab.transport.tcp` goes through these helpers, which is what lets a connection whose ISN
is just below 2^32 carry on across the wrap.
"""

from __future__ import annotations

SEQ_MOD = 1 << 32
SEQ_MASK = SEQ_MOD - 1
_HALF = 1 << 31


def seq_add(a: int, n: int) -> int:
    """``a + n`` modulo 2^32."""
    return (a + n) & SEQ_MASK


def seq_diff(a: int, b: int) -> int:
    """Signed distance ``a - b`` in the sequence space (in ``[-2^31, 2^31)``)."""
    d = (a - b) & SEQ_MASK
    return d - SEQ_MOD if d >= _HALF else d


def seq_lt(a: int, b: int) -> bool:
    return seq_diff(a, b) < 0


def seq_le(a: int, b: int) -> bool:
    return seq_diff(a, b) <= 0


def seq_gt(a: int, b: int) -> bool:
    return seq_diff(a, b) > 0


def seq_ge(a: int, b: int) -> bool:
    return seq_diff(a, b) >= 0


def seq_in_window(x: int, start: int, size: int) -> bool:
    """``start <= x < start + size`` in the sequence space."""
    return 0 <= seq_diff(x, start) < size
