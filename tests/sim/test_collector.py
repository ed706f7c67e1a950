"""The collector runs less often while a lab runs, and its thresholds come back afterwards."""

from __future__ import annotations

import gc

import pytest

from mip6lab import Lab
from mip6lab.sim import collector


def test_a_run_raises_the_young_threshold_and_puts_it_back() -> None:
    before = gc.get_threshold()
    lab = Lab("first-foreign-link")
    seen: list[tuple[int, int, int]] = []
    lab.at(1.0, lambda: seen.append(gc.get_threshold()))
    lab.run(2.0)
    lab.at(3.0, lambda: seen.append(gc.get_threshold()))
    lab.run_for(2.0)
    assert seen == [collector.RUN_THRESHOLD, collector.RUN_THRESHOLD]
    assert gc.get_threshold() == before


def test_thresholds_come_back_after_an_error_and_when_nested() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), collector.running():
        with collector.running():
            assert gc.get_threshold() == collector.RUN_THRESHOLD
        assert gc.get_threshold() == collector.RUN_THRESHOLD
        raise RuntimeError("boom")
    assert gc.get_threshold() == before


def test_the_run_is_the_same_with_the_collector_tuned_or_not() -> None:
    """The collector decides only when memory is reclaimed, never what runs: same frames either way."""
    tuned = Lab("first-foreign-link", seed=3)
    tuned.run(12.0)
    plain = Lab("first-foreign-link", seed=3)
    saved = collector.RUN_THRESHOLD
    try:
        collector.RUN_THRESHOLD = gc.get_threshold()
        plain.run(12.0)
    finally:
        collector.RUN_THRESHOLD = saved
    assert len(tuned.capture) > 20
    assert [(r.time, r.link, r.frame) for r in tuned.capture] == [(r.time, r.link, r.frame) for r in plain.capture]


def test_an_earlier_big_lab_is_reclaimed_before_the_next_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    """A big lab's objects are frozen (out of the collector's scans); dropped, it is reclaimed when the next lab
    starts building - not after that lab is built, which held two labs' worth of memory at the peak."""
    import weakref

    from mip6lab import SCENARIOS
    from mip6lab import lab as lab_module

    big = SCENARIOS["scale"].with_parameters(mobile_nodes=250)
    first = Lab(big, trace=False)
    assert gc.get_freeze_count() > 0  # it was big enough to freeze
    world = weakref.ref(first.world)
    gc.collect()
    assert world() is not None  # frozen, and still referenced
    del first
    gc.collect()
    assert world() is not None  # a frozen cycle: an ordinary collection does not reclaim it
    seen: list[bool] = []
    paused = collector.paused

    def watching(*args: object, **kwargs: object) -> object:
        seen.append(world() is None)
        return paused(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(lab_module.collector, "paused", watching)
    Lab("first-foreign-link", trace=False)
    assert seen and seen[0]  # gone when the next build began
    assert gc.get_freeze_count() == 0  # a small lab freezes nothing; nothing is left frozen
