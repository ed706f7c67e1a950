"""The topology builder: description checks, and drawing Figure 1."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from mip6lab.topology import Topology, TopologyError, draw, figure1  # noqa: E402


def test_builder_refuses_what_cannot_be_built() -> None:
    t = Topology()
    t.add_link("a", "2001:db8:a::/64")
    t.add_link("p", "2001:db8:b::/64", kind="p2p")
    t.add_node("r", "router")
    with pytest.raises(TopologyError, match="already used"):
        t.add_node("a")
    with pytest.raises(TopologyError, match="role must be"):
        t.add_node("x", "toaster")
    with pytest.raises(TopologyError, match="unknown link"):
        t.connect("r", "nowhere")
    t.add_node("s", "router")
    t.add_node("u", "router")
    t.connect("r", "p", iid=1)
    t.connect("s", "p", iid=2)
    with pytest.raises(TopologyError, match="two ends"):
        t.connect("u", "p")


def test_figure1_draws_every_node_and_link() -> None:
    t = figure1()
    ax = draw(t)
    texts = {x.get_text().split("\n")[0] for x in ax.texts}
    assert {"Mobile node", "Home agent", "Correspondent node", "Home link", "Foreign link 1"} <= texts
    assert len(t.graph()) == len(t.nodes) + len(t.links)
