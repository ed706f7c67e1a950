"""Set-up linear in N (issue 13): no garbage collection walks a half-built lab, and a big lab's objects
leave the collector's scans once built (``mip6lab.sim.collector``)."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from mip6lab import SCENARIOS, Lab
from mip6lab.sim import collector


@contextmanager
def _collections() -> Iterator[list[int]]:
    """Generations of the collections that run inside the block."""
    seen: list[int] = []

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            seen.append(info["generation"])

    gc.callbacks.append(callback)
    try:
        yield seen
    finally:
        gc.callbacks.remove(callback)


def _scale(n: int) -> Lab:
    return Lab(SCENARIOS["scale"].with_parameters(mobile_nodes=n), trace=False)


def test_building_a_big_lab_runs_no_collection_and_freezes_it() -> None:
    gc.unfreeze()  # an earlier test's big lab would be handed back (one full collection) first
    gc.collect()
    with _collections() as seen:
        lab = _scale(300)
    # Reference counting frees garbage as before; the cyclic collector does not rescan the lab
    # built so far: one young-generation collection when the topology is made, none after the build.
    assert seen in ([], [0]), seen
    assert gc.isenabled()
    assert gc.get_freeze_count() > 50_000  # ~250 objects per mobile node, out of every later scan
    lab.run(until=3.0)  # a frozen lab runs as any other
    assert not lab.world.errors
    del lab
    small = Lab("ping", trace=False)  # the next lab hands the big one back and it is collected
    assert gc.get_freeze_count() == 0
    assert small.nodes


def test_the_collector_without_the_pause_would_have_walked_the_lab() -> None:
    """The test above can fail: the same build with collection on runs collections."""
    gc.collect()
    gc.unfreeze()
    built = []
    with _collections() as seen:
        original = collector.paused
        collector.paused = _no_pause  # type: ignore[assignment]
        try:
            built.append(_scale(300))
        finally:
            collector.paused = original  # type: ignore[assignment]
    assert len(seen) > 10
    built.clear()
    gc.unfreeze()
    gc.collect()


@contextmanager
def _no_pause(settle_after: bool = False) -> Iterator[None]:
    yield


def test_pause_restores_the_collector_even_on_error() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector.paused():
        assert not gc.isenabled()
        raise RuntimeError("boom")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()


@pytest.mark.slow
def test_set_up_time_per_mobile_node_does_not_grow() -> None:
    """Generous slack (a shared machine): per node, 1,600 nodes cost at most twice what 200 do."""
    per_node = {}
    for n in (200, 1600):
        gc.collect()
        start = time.process_time()
        lab = _scale(n)
        per_node[n] = (time.process_time() - start) / n
        del lab
        gc.unfreeze()
        gc.collect()
    assert per_node[1600] < 2.0 * per_node[200], per_node
