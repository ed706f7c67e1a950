"""``mip6lab.sweep``: a tidy table, the same rows in this process, on local cores and on Dask (issue 13)."""

from __future__ import annotations

import importlib.util

import matplotlib
import pytest

matplotlib.use("Agg")

from mip6lab import LabError, sweep  # noqa: E402
from mip6lab.sweeps import frame_counts, handover_latency  # noqa: E402

GRID = {"esp": ["off", "null"], "until": [8.0]}


def _without_wall(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "wall_s"} for r in rows]


def test_rows_are_grid_then_seed_and_the_same_in_process_and_on_cores() -> None:
    here = sweep("first-foreign-link", GRID, seeds=[0, 1], measure=frame_counts, workers=1, progress=False)
    assert [(r["esp"], r["seed"]) for r in here] == [("off", 0), ("off", 1), ("null", 0), ("null", 1)]
    assert set(here.columns) >= {"esp", "until", "seed", "frames", "octets", "errors", "wall_s"}
    assert all(r["frames"] > 0 and r["errors"] == 0 for r in here)
    assert here.where(esp="off").column("octets") != here.where(esp="null").column("octets")  # ESP costs octets
    pooled = sweep("first-foreign-link", GRID, seeds=[0, 1], measure=frame_counts, workers=2, progress=False)
    assert _without_wall(pooled) == _without_wall(here)
    ax = here.plot("seed", "frames", by="esp")
    assert len(ax.collections) == 2


def test_dask_distributed_executor_gives_the_same_table() -> None:
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None, processes=True) as cluster,
        distributed.Client(cluster) as client,
    ):
        table = sweep("first-foreign-link", GRID, seeds=[0, 1], measure=frame_counts, executor=client.get_executor())
    here = sweep("first-foreign-link", GRID, seeds=[0, 1], measure=frame_counts, workers=1, progress=False)
    assert _without_wall(table) == _without_wall(here)


def test_bad_sweeps_fail_before_running_in_one_line() -> None:
    with pytest.raises(LabError, match="unknown scenario"):
        sweep("nope")
    with pytest.raises(LabError, match="takes no parameters"):
        sweep("ping", {"mobile_nodes": [3]}, seeds=[0])
    with pytest.raises(LabError, match="seeds"):
        sweep("ping", seeds=[])
    with pytest.raises(LabError, match="no column"):
        sweep("ping", {"until": [1.0]}, seeds=[0], workers=1, progress=False).column("nope")


@pytest.mark.skipif(importlib.util.find_spec("mip6lab.measure") is None, reason="mip6lab.measure not merged yet")
def test_handover_parts_add_up_to_the_outage_in_every_run() -> None:
    from mip6lab.measure import PARTS

    table = sweep("first-foreign-link", seeds=range(4), measure=handover_latency, workers=2, progress=False)
    assert len({r["seed"] for r in table}) == 4
    for r in table:
        assert sum(r[p] for p in PARTS) == pytest.approx(r["outage"], abs=1e-9)
        assert r["outage"] > 0
