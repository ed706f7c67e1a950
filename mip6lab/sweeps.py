"""``mip6lab.sweep`` (module ``mip6lab.sweeps``): a scenario over a grid of parameters and seeds, a row per run.

>>> table = sweep("first-foreign-link", seeds=range(200), measure=outage)      # doctest: +SKIP
>>> table.plot("seed", "outage_s")                                              # doctest: +SKIP

* ``grid`` maps a name to the values to try. A name is a :class:`~mip6lab.Lab` option (``esp``, ``trace``,
  ``mld``), a :meth:`~mip6lab.Lab.bound_memory` option (``capture``, ``trace_runs``, ...), ``until``
  (simulated seconds; default the scenario's duration) or a parameter of the scenario
  (``mobile_nodes`` for ``scale``). Every combination runs once per seed.
* ``measure(lab)`` reads a finished lab and returns a dict (one row), a list of dicts (several rows, e.g.
  one per handover) or a number (a ``value`` column). It runs in a worker process, so it must be a
  module-level function (picklable), not a lambda.
* Runs go to ``executor`` - any :class:`concurrent.futures.Executor`: Dask's distributed executor
  (``Client(cluster).get_executor()``) spreads a big sweep over a course's cluster - or, by default, to a
  :class:`~concurrent.futures.ProcessPoolExecutor` on every local core (``workers=1``: in this process).
* A progress bar (tqdm; in notebooks and terminals) appears when the sweep takes more than two seconds.

Each run is deterministic (scenario + seed + parameters), so the table is the same whatever ran where;
rows come back in grid-then-seed order.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import Any

from mip6lab.errors import LabError

__all__ = ["LAB_OPTIONS", "SweepTable", "frame_counts", "handover_latency", "run_one", "sweep"]

LAB_OPTIONS = ("esp", "trace", "mld")
"""Grid names that are :class:`~mip6lab.Lab` keyword arguments (the rest are scenario parameters)."""
MEMORY_OPTIONS = ("capture", "trace_runs", "trace_events", "app_history", "keep_decoded")
"""Grid names passed to :meth:`~mip6lab.Lab.bound_memory` (e.g. ``{"capture": ["off"]}`` for speed)."""
_NOT_SCENARIO = (*LAB_OPTIONS, *MEMORY_OPTIONS, "until")

Measure = Callable[[Any], Any]


class SweepTable(list):
    """Rows (dicts) of a sweep: the run's parameters, ``seed``, ``wall_s`` and what the measure returned.

    A plain list of dicts (``pandas.DataFrame(table)`` works), with helpers to pick a column and plot."""

    @property
    def columns(self) -> list[str]:
        seen: dict[str, None] = {}
        for row in self:
            seen.update(dict.fromkeys(row))
        return list(seen)

    def column(self, name: str) -> list[Any]:
        if self and name not in self.columns:
            raise LabError(f"no column {name!r} (columns: {', '.join(self.columns)})")
        return [row.get(name) for row in self]

    def where(self, **equal: Any) -> SweepTable:
        """The rows whose columns have these values."""
        return SweepTable(r for r in self if all(r.get(k) == v for k, v in equal.items()))

    def plot(self, x: str, y: str, *, by: str | None = None, ax: Any = None, kind: str = "scatter") -> Any:
        """``y`` against ``x`` with matplotlib (one series per value of ``by``); returns the axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 4))
        groups: dict[Any, list[dict[str, Any]]] = {}
        for row in self:
            if row.get(x) is not None and row.get(y) is not None:
                groups.setdefault(row.get(by) if by else None, []).append(row)
        for key, rows in groups.items():
            xs, ys = [r[x] for r in rows], [r[y] for r in rows]
            label = f"{by}={key}" if by else None
            if kind == "line":
                ax.plot(xs, ys, marker="o", label=label)
            else:
                ax.scatter(xs, ys, s=12, label=label)
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        if by:
            ax.legend()
        return ax


# ------------------------------------------------------------------------------ ready-made measures
def frame_counts(lab: Any) -> dict[str, Any]:
    """Frames and octets on the wire, and node errors: the cheapest sanity measure."""
    return {
        "frames": len(lab.capture),
        "octets": sum(len(r.frame) for r in lab.capture),
        "errors": len(lab.world.errors),
    }


def handover_latency(lab: Any) -> list[dict[str, Any]]:
    """One row per move of every mobile node: the outage and its parts (movement detection, DAD, home
    registration, return routability, correspondent registration, first packet), from
    :func:`mip6lab.measure.handovers` (so the parts add up to the outage, as that module checks).
    Needs the trace on (the default)."""
    from mip6lab.measure import handovers

    rows = []
    for name, spec in lab.topology.nodes.items():
        if spec.role == "mobile-node":
            rows += [{"move": i, **h.as_dict()} for i, h in enumerate(handovers(lab, name))]
    return rows


def run_one(scenario: str, params: Mapping[str, Any], seed: int, measure: Measure | None) -> list[dict[str, Any]]:
    """One run of a sweep (what a worker executes): build, run, measure; the rows it yields."""
    from mip6lab.lab import Lab
    from mip6lab.scenarios import SCENARIOS

    lab_kw = {k: v for k, v in params.items() if k in LAB_OPTIONS}
    until = params.get("until")
    memory_kw = {k: v for k, v in params.items() if k in MEMORY_OPTIONS}
    scenario_kw = {k: v for k, v in params.items() if k not in _NOT_SCENARIO}
    start = time.perf_counter()
    lab = Lab(SCENARIOS[scenario].with_parameters(**scenario_kw), seed=seed, **lab_kw)
    if memory_kw:
        lab.bound_memory(**memory_kw)
    lab.run(until=until)
    base = {**params, "seed": seed}
    got = measure(lab) if measure is not None else {"frames": len(lab.capture)}
    wall = time.perf_counter() - start
    if isinstance(got, Mapping):
        rows = [dict(got)]
    elif isinstance(got, (list, tuple)):
        rows = [dict(r) for r in got]
    else:
        rows = [{"value": got}]
    return [{**base, **r, "wall_s": wall} for r in rows]


def _points(grid: Mapping[str, Iterable[Any]] | None) -> list[dict[str, Any]]:
    if not grid:
        return [{}]
    names = list(grid)
    values = [list(grid[n]) for n in names]
    return [dict(zip(names, combo)) for combo in itertools.product(*values)]


def sweep(
    scenario: str,
    grid: Mapping[str, Iterable[Any]] | None = None,
    seeds: Iterable[int] = range(10),
    measure: Measure | None = None,
    *,
    executor: Executor | None = None,
    workers: int | None = None,
    progress: bool | None = None,
) -> SweepTable:
    """Run ``scenario`` for every grid point and seed; one row per run (or per item ``measure`` returns).

    ``executor``: where runs go (any :class:`concurrent.futures.Executor`, e.g. Dask's); by default a process
    pool of ``workers`` processes (default: every local core; 1 runs here, in order). ``progress``: True
    always shows a bar, False never, None after two seconds."""
    from mip6lab.scenarios import SCENARIOS

    if scenario not in SCENARIOS:
        raise LabError(f"unknown scenario {scenario!r} (known: {', '.join(SCENARIOS)})")
    points = _points(grid)
    seed_list = list(seeds)
    if not seed_list:
        raise LabError("seeds is empty: give at least one seed (e.g. range(10))")
    for s in seed_list:
        if isinstance(s, bool) or not isinstance(s, int):
            raise LabError(f"seeds must be integers, not {s!r}")
    if measure is not None and not callable(measure):
        raise LabError(f"measure must be a function lab -> dict, not {measure!r}")
    sc = SCENARIOS[scenario]
    for p in points:  # bad names and values fail here, in one line, before anything runs
        sc.with_parameters(**{k: v for k, v in p.items() if k not in _NOT_SCENARIO})
    jobs = [(p, s) for p in points for s in seed_list]

    from tqdm.auto import tqdm

    bar = tqdm(
        total=len(jobs), desc=f"sweep {scenario}", unit="run", disable=progress is False, delay=0.0 if progress else 2.0
    )
    results: list[list[dict[str, Any]] | None] = [None] * len(jobs)
    try:
        n_workers = workers if workers is not None else (os.cpu_count() or 1)
        if executor is None and (n_workers <= 1 or len(jobs) == 1):
            for i, (p, s) in enumerate(jobs):
                results[i] = run_one(scenario, p, s, measure)
                bar.update(1)
        else:
            own = executor is None
            ex = executor if executor is not None else ProcessPoolExecutor(max_workers=n_workers)
            try:
                futures: dict[Future[Any], int] = {
                    ex.submit(run_one, scenario, p, s, measure): i for i, (p, s) in enumerate(jobs)
                }
                _collect(futures, results, bar)
            finally:
                if own:
                    ex.shutdown(wait=True, cancel_futures=True)
    finally:
        bar.close()
    table = SweepTable()
    for rows in results:
        table.extend(rows or [])
    return table


def _collect(futures: dict[Future[Any], int], results: Sequence[Any], bar: Any) -> None:
    from concurrent.futures import as_completed

    out: list[Any] = results  # type: ignore[assignment]
    for fut in as_completed(futures):
        out[futures[fut]] = fut.result()
        bar.update(1)
