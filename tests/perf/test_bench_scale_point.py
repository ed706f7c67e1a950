"""A ``scale`` point of ``mip6lab bench`` in this process: its extra figures (which traffic the per-hop cost covers)."""

from __future__ import annotations


def test_scale_point_says_which_links_carried_the_hops() -> None:
    """The extra figures of a scale point: hops per link add up to the hops the per-hop cost divides by,
    and every hop received (a frame on a link with a receiver) was a kernel event."""
    from mip6lab.bench import _scale_point

    p = _scale_point(2, 4.0)
    links = p["hops_by_link"]
    assert sum(links.values()) == p["hops"] > 0
    assert {"home", "backbone", "foreign1", "cn-link"} <= set(links) and links["foreign1"] > 0
    assert p["events_per_hop"] >= 1
    # Router Advertisements and Neighbor Solicitations reach several receivers, a lost frame none
    assert p["receptions"] > 0 and p["cpu_us_per_reception"] > 0


def test_points_taking_turns_run_what_one_run_runs() -> None:
    """``scale_points`` runs each N in turns of wall time, the smaller N again and again while the biggest makes its
    run: every run is still the run made in one go (the same frames on the same links, to the same simulated time),
    and the per-hop cost is over every complete run."""
    from mip6lab.bench import _scale_point, scale_points

    one = _scale_point(3, 3.0)
    turns = scale_points((3, 1), 3.0, turn_s=0.3, big_turn_s=0.05)
    assert [p["mobile_nodes"] for p in turns] == [3, 1]
    assert turns[0]["simulated_s"] == turns[1]["simulated_s"] == 3.0
    for key in ("hops", "hops_by_link", "receptions"):
        assert turns[0][key] == one[key], key
    big, small = turns
    assert big["runs"] == 1 and small["runs"] > 1  # turns of 0.3 s hold several runs of one mobile node
    assert 0 < small["hops"] < big["hops"]
    assert big["wall_s"] > big["setup_s"] > 0
    # per hop over the complete runs: a cost of the order of one run's own
    assert 0.2 < small["cpu_us_per_hop"] / (1e6 * (small["wall_s"] - small["setup_s"]) / small["hops"]) < 5
