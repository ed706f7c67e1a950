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
