"""A ``scale`` point of ``mip6lab bench`` in this process: its extra figures (which traffic the per-hop cost covers)."""

from __future__ import annotations


def test_scale_point_says_which_links_carried_the_hops() -> None:
    """The extra figures of a scale point, counted independently from the capture of the same run: every frame
    sent is a hop on its link, and a frame counts as a reception once per receiver (a lost one none)."""
    from bench_capture import assert_point_counts_its_traffic

    from mip6lab.bench import _scale_point
    from mip6lab.wire.icmp import RouterAdvertisement

    p = _scale_point(2, 4.0)
    links = p["hops_by_link"]
    assert {"home", "backbone", "foreign1", "cn-link"} <= set(links) and links["foreign1"] > 0
    assert p["events_per_hop"] >= 1 and p["cpu_us_per_reception"] > 0
    counted = assert_point_counts_its_traffic(p)
    records = counted["records"]
    # the capture can tell per receiver from per frame: a Router Advertisement on the correspondents' link is one
    # hop heard by every other node there, and frames nobody hears (an empty foreign link's RAs) are hops too
    ras = [r for r in records if r.decoded is not None and isinstance(r.decoded.payload.payload, RouterAdvertisement)]
    heard = [r for r in ras if r.link == "cn-link"]
    on_cn_link = {name for name, _ in counted["lab"].world.links["cn-link"].ends}
    assert len(on_cn_link) > 2
    assert heard and all(set(r.receivers) == on_cn_link - {r.sender} for r in heard)
    assert any(not r.receivers for r in ras)
    assert sum(len(r.receivers) for r in records) != sum(1 for r in records if r.receivers)


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
