"""Nodes, routers and mobile node roles keep at most 29 instance attributes after a run: past that CPython 3.11
gives each instance a dictionary of its own (~1.6 KB per node, slower attribute reads on every packet's path).
A new attribute belongs in the class's ``_Seldom`` holder unless packets read it."""

from __future__ import annotations

from mip6lab.bench import _scale_lab
from mip6lab.ipv6.node import IPv6Node, Router
from mip6lab.mobility.mobile_node import MobileNodeRole

COMPACT_MAX = 29


def test_nodes_and_mobile_node_roles_stay_compact() -> None:
    lab = _scale_lab(4, trace=False)
    lab.run(until=8.0)
    seen: dict[str, int] = {}
    for node in lab.nodes.values():
        for obj in (node, node.role):
            if isinstance(obj, IPv6Node | MobileNodeRole):
                name = type(obj).__name__
                seen[name] = max(seen.get(name, 0), len(vars(obj)))
    assert set(seen) >= {IPv6Node.__name__, Router.__name__, MobileNodeRole.__name__}
    assert all(n <= COMPACT_MAX for n in seen.values()), seen
    node = next(n for n in lab.nodes.values() if type(n) is IPv6Node)
    node.echo_replies.append((0.0, None, 1, 1))  # the holder's fields read and set as the node's own
    node.proxies = {("eth0", None): True}
    assert node.echo_replies[-1][2] == 1 and ("eth0", None) in node._seldom.proxies
