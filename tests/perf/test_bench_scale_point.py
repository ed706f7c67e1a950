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
    """``scale_points`` runs each N in slices, the N taking turns: each point is still the same run (the same
    frames on the same links) as the point run in one go, up to the same simulated time."""
    from mip6lab.bench import _scale_point, scale_points

    one = _scale_point(3, 3.0)
    turns = scale_points((3, 2), 3.0, slices=4)
    assert [p["mobile_nodes"] for p in turns] == [3, 2]
    assert turns[0]["simulated_s"] == turns[1]["simulated_s"] == 3.0
    for key in ("hops", "hops_by_link", "receptions"):
        assert turns[0][key] == one[key], key
    assert 0 < turns[1]["hops"] < turns[0]["hops"]
    assert turns[0]["wall_s"] > turns[0]["setup_s"] > 0
