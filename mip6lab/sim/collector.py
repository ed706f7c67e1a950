"""Python's cyclic garbage collector and big labs (issue 13).

Building a lab allocates millions of long-lived objects (nodes, addresses, routes, timers) in one
go. With the collector running, every generation-2 collection during the build walks everything
built so far - quadratic set-up - and every one during the run walks the whole lab again, so the
cost of a hop grew with N. Two remedies, both invisible to the simulation (the collector never
changes what runs, only when memory is reclaimed):

* :func:`paused` - no collection while the lab is built (reference counting still frees garbage);
* :func:`settle` - after building a big lab, move everything that exists into the collector's
  permanent generation (``gc.freeze``), so that collections during the run walk only what the run
  allocated. Frozen objects are reclaimed only by reference counting, so before freezing (and before
  building any later lab) what an earlier lab froze is handed back to the collector and collected
  once (``gc.unfreeze`` + ``gc.collect``, :func:`release`): building labs one after another (a sweep, a
  notebook) keeps at most the latest big lab frozen, and an earlier big lab nobody holds any more is
  reclaimed before the next is built, not after (two labs' worth of memory at the peak otherwise).
  Small labs (the chapters) freeze nothing, and building one after them collects nothing.

A third, for the run itself: :func:`running` - while a lab runs, the youngest generation is collected
after :data:`RUN_THRESHOLD` new objects instead of 700. A run allocates packets, runs and steps at a
high rate, almost none of them in reference cycles (reference counting frees them); each young
collection still walks everything allocated since the last one, and a traced run keeps many more
objects alive, so tracing paid twice (a traced ``scale`` run: 12% less CPU, untraced unchanged).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused(settle_after: bool = False) -> Iterator[None]:
    """No automatic collection inside the block (restored on the way out, even on an error);
    ``settle_after``: :func:`settle` what the block built before collection resumes."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        if settle_after:
            settle()
    finally:
        if was_enabled:
            gc.enable()


BIG_BUILD = 50_000
"""A build that left more new container objects than this (``gc.get_count()[0]`` with collection
paused) is frozen: the ``scale`` scenario with about 200 mobile nodes (~250 objects each); chapter
labs stay far below it."""


def release() -> bool:
    """Before a build: give what an earlier lab froze back to the collector and collect it, so that a big lab
    no longer referenced is reclaimed now. Nothing (no collection) when nothing is frozen. Returns whether it
    released anything."""
    if not gc.get_freeze_count():
        return False
    gc.unfreeze()
    gc.collect()
    return True


def settle(threshold: int = BIG_BUILD) -> bool:
    """After a build under :func:`paused`: give back what an earlier lab froze, then freeze this
    build if it is big. Returns whether it froze."""
    big = gc.get_count()[0] > threshold
    release()
    if big:
        gc.freeze()
        return True
    return False


RUN_THRESHOLD = (50_000, 20, 100)
"""The collector's thresholds while a lab runs (:func:`running`); Python's defaults are (700, 10, 10)."""


@contextmanager
def running() -> Iterator[None]:
    """Collect less often while the block runs the simulation; the thresholds are put back after
    (even on an error). Nesting keeps the outermost block's saved thresholds."""
    saved = gc.get_threshold()
    gc.set_threshold(*RUN_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*saved)
