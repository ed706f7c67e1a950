"""``mip6lab bench --quick --json``: every key is there with a sane value (speed itself is not tested)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from bench_capture import assert_point_counts_its_traffic

from mip6lab.cli import main

pytestmark = pytest.mark.slow


def _positive(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) and x > 0


def test_quick_bench_writes_every_figure(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "bench.json"
    assert main(["bench", "--quick", "--json", str(out), "--mobile-nodes", "3,6", "--scale-until", "3"]) == 0
    r = json.loads(out.read_text())
    for key in (
        "hops_per_second",
        "scapy_per_second",
        "ratio_vs_scapy",
        "trace_cost",
        "bytes_per_binding",
        "cn_bu_per_second",
        "chain_hops_per_second",
    ):
        assert _positive(r[key]), key
    assert r["ratio_vs_scapy"] == pytest.approx(r["hops_per_second"] / r["scapy_per_second"])
    assert (r["ns3_hops_per_second"] is None) == (r["ratio_vs_ns3"] is None)
    if r["ns3_hops_per_second"] is not None:
        assert r["ratio_vs_ns3"] == pytest.approx(r["chain_hops_per_second"] / r["ns3_hops_per_second"])
    assert 100 < r["bytes_per_binding"] < 10_000
    assert set(r["ha_bu_per_second"]) == {"1000", "2000"} and all(map(_positive, r["ha_bu_per_second"].values()))
    assert set(r["decisions_per_second"]) == {"traces_on", "traces_off"}
    rounds = r["trace_cost_rounds"]  # the quick bench's two rounds; the figure is their median
    assert len(rounds) == 2 and all(map(_positive, rounds)) and _positive(r["trace_cost_total"])
    assert r["trace_cost"] == pytest.approx(sum(rounds) / 2)
    assert [p["mobile_nodes"] for p in r["scale"]] == [3, 6]
    for p in r["scale"]:
        assert {"mobile_nodes", "wall_s", "peak_mb", "us_per_hop"} <= set(p)
        assert _positive(p["wall_s"]) and _positive(p["peak_mb"]) and _positive(p["us_per_hop"])
        assert p["events_per_hop"] >= 1 and p["simulated_s"] == 3.0
        assert_point_counts_its_traffic(p)  # hops, hops per link, receptions: as the same run's capture counts them
    assert r["scale"][1]["hops"] > r["scale"][0]["hops"]
    assert "packet-hops/s" in capsys.readouterr().out


def test_bench_bad_arguments_are_one_line(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["bench", "--mobile-nodes", "10,x"]) == 2
    assert "--mobile-nodes" in capsys.readouterr().err
    assert main(["bench", "--json", "/no/such/dir/b.json"]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_trace_cost_is_the_median_round() -> None:
    from mip6lab.bench import trace_cost

    with pytest.raises(ValueError, match="at least one round"):
        trace_cost(n_mobile=3, until=5.0, rounds=0)

    r = trace_cost(n_mobile=3, until=5.0, rounds=3)
    rounds = r["trace_cost_rounds"]
    assert len(rounds) == 3 and all(map(_positive, rounds))
    assert r["trace_cost"] == sorted(rounds)[1]
    assert _positive(r["decisions_per_second"]["traces_on"])
    # the same decisions in fewer seconds with traces off: the two rates differ exactly as the summed times do
    on, off = r["decisions_per_second"]["traces_on"], r["decisions_per_second"]["traces_off"]
    assert off / on == pytest.approx(r["trace_cost_total"])
