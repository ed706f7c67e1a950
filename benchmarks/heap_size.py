"""What a bigger lab costs the same code: ``heapq`` pop + push on an event heap of n entries (issue 13).

The kernel's timers live in a heap of ``(time, priority, seq, event)`` entries; a ``scale`` lab holds a few
per mobile node. This times one pop and one push (the next event out, a timer set for up to 0.2 s later)
on heaps of several sizes: the same two calls, doing a logarithmic number of comparisons, cost more than
their logarithm predicts once the entries no longer fit in the processor's caches - the effect that makes
every part of a hop slower at N = 10,000 (``benchmarks/hop_parts.py``).

    .venv/bin/python benchmarks/heap_size.py

A script, not a test: it prints figures and asserts nothing about speed.
"""

from __future__ import annotations

import heapq
import random
import time

SIZES = (300, 3_000, 30_000, 100_000)


class _Event:
    __slots__ = ("label",)


def pop_push_us(n: int, ops: int = 200_000) -> float:
    """Microseconds per pop + push on a heap kept at ``n`` entries (built from ``n`` random times)."""
    rng = random.Random(1)
    heap = [(rng.random() * 10, 0, i, _Event()) for i in range(n)]
    heapq.heapify(heap)
    seq = n
    start = time.perf_counter()
    for _ in range(ops):
        entry = heapq.heappop(heap)
        seq += 1
        heapq.heappush(heap, (entry[0] + rng.random() * 0.2, 0, seq, entry[3]))
    return (time.perf_counter() - start) / ops * 1e6


if __name__ == "__main__":
    for n in SIZES:
        print(f"{n:>8,} entries: {pop_push_us(n):.2f} µs per pop + push")
