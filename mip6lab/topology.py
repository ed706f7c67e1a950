"""Topologies: which nodes sit on which links, as a networkx graph, and the white paper's Figure 1.

The graph is bipartite: one vertex per node and one per link, an edge per interface. That is how the
white paper draws its figures (links as bars, nodes hanging off them) and it lets networkx compute the
routers' static routes (shortest paths through the link vertices).

A :class:`Topology` is only a description. :func:`mip6lab.lab.Lab` turns it into running nodes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv6Address, IPv6Network
from typing import Any

import networkx as nx

FAST_RA = {"min_interval": 1.0, "max_interval": 3.0, "min_delay_between_ras": 0.03}
"""RA timing on links a mobile node visits. RFC 6275 §7.5 allows down to 0.03-0.07 s; 1-3 s keeps
captures readable while movement detection still works within seconds (RS on attach is immediate)."""


ROLES = ("host", "router", "mobile-node", "home-agent", "correspondent")


class TopologyError(ValueError):
    """A topology description that cannot be built (unknown node or link, duplicate name, ...)."""


MAX_NODES = 0xFFFFFF  # three octets of the MAC address number the node
MAX_INTERFACES = 0xFF  # one octet numbers its interfaces


def mac_for(node_index: int, if_index: int) -> str:
    """The MAC address the Lab gives interface ``if_index`` of the ``node_index``-th node of the topology
    (locally administered, readable in EUI-64 interface IDs: node 3, interface 1 -> ...:ff:fe00:301).

    Octets 3-5 number the node (up to 16,777,215 nodes), octet 6 the interface; below 256 nodes the
    addresses are the two-hex-digit ones earlier versions gave, so captures do not change."""
    n, i = node_index + 1, if_index + 1
    if not 0 < n <= MAX_NODES:
        raise TopologyError(f"a lab holds at most {MAX_NODES:,} nodes (node index {node_index})")
    if not 0 < i <= MAX_INTERFACES:
        raise TopologyError(f"a node has at most {MAX_INTERFACES} interfaces (interface index {if_index})")
    return f"02:00:{n >> 16:02x}:{(n >> 8) & 0xFF:02x}:{n & 0xFF:02x}:{i:02x}"


@dataclass
class LinkSpec:
    name: str
    prefix: IPv6Network
    kind: str = "ethernet"  # or "p2p"
    delay: float = 0.001
    label: str = ""
    fast_ra: bool = False  # RFC 6275 §7.5 fast RAs (0.03-0.07 s) for movement detection


@dataclass
class NodeSpec:
    name: str
    role: str
    label: str = ""
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class InterfaceSpec:
    node: str
    link: str
    ifname: str
    iid: int | None = None  # interface identifier for a manual address (routers); None = SLAAC only


class Topology:
    """Nodes, links and interfaces, plus drawing positions."""

    def __init__(self, name: str = "") -> None:
        self.name = name
        self.links: dict[str, LinkSpec] = {}
        self.nodes: dict[str, NodeSpec] = {}
        self.interfaces: list[InterfaceSpec] = []
        self.pos: dict[str, tuple[float, float]] = {}
        # Interfaces by node and by link, so that building a lab of N nodes is linear in N.
        self._by_node: dict[str, list[InterfaceSpec]] = {}
        self._by_link: dict[str, list[InterfaceSpec]] = {}
        self._indexed = 0  # how many of ``interfaces`` the indexes hold

    def _index(self) -> None:
        """Bring the indexes up to date with ``interfaces`` (rebuilt if someone edited the list itself)."""
        if self._indexed > len(self.interfaces):
            self._by_node, self._by_link, self._indexed = {}, {}, 0
        for spec in self.interfaces[self._indexed :]:
            self._by_node.setdefault(spec.node, []).append(spec)
            self._by_link.setdefault(spec.link, []).append(spec)
        self._indexed = len(self.interfaces)

    # ---------------------------------------------------------------- building
    def add_link(
        self,
        name: str,
        prefix: str,
        kind: str = "ethernet",
        delay: float = 0.001,
        label: str = "",
        fast_ra: bool = False,
        pos: tuple[float, float] | None = None,
    ) -> LinkSpec:
        if name in self.links or name in self.nodes:
            raise TopologyError(f"name {name!r} is already used")
        if kind not in ("ethernet", "p2p"):
            raise TopologyError(f"link kind must be 'ethernet' or 'p2p', not {kind!r}")
        spec = LinkSpec(name, IPv6Network(prefix), kind, delay, label or name, fast_ra)
        self.links[name] = spec
        if pos:
            self.pos[name] = pos
        return spec

    def add_node(
        self,
        name: str,
        role: str = "host",
        label: str = "",
        pos: tuple[float, float] | None = None,
        **options: Any,
    ) -> NodeSpec:
        if name in self.nodes or name in self.links:
            raise TopologyError(f"name {name!r} is already used")
        if role not in ROLES:
            raise TopologyError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        spec = NodeSpec(name, role, label or name, dict(options))
        self.nodes[name] = spec
        if pos:
            self.pos[name] = pos
        return spec

    def connect(self, node: str, link: str, ifname: str | None = None, iid: int | None = None) -> InterfaceSpec:
        if node not in self.nodes:
            raise TopologyError(f"unknown node {node!r}")
        if link not in self.links:
            raise TopologyError(f"unknown link {link!r}")
        mine = self.interfaces_of(node)
        if ifname is None:
            ifname = f"eth{len(mine)}"
        if any(i.ifname == ifname for i in mine):
            raise TopologyError(f"{node} already has an interface {ifname}")
        if self.links[link].kind == "p2p" and len(self.attached(link)) >= 2:
            raise TopologyError(f"point-to-point link {link} already has two ends")
        spec = InterfaceSpec(node, link, ifname, iid)
        self.interfaces.append(spec)
        return spec

    # ---------------------------------------------------------------- queries
    def interfaces_of(self, node: str) -> list[InterfaceSpec]:
        self._index()
        return list(self._by_node.get(node, ()))

    def attached(self, link: str) -> list[InterfaceSpec]:
        self._index()
        return list(self._by_link.get(link, ()))

    def router_address(self, node: str, link: str) -> IPv6Address:
        """The manual global address of ``node`` on ``link`` (prefix + iid)."""
        for i in self.interfaces_of(node):
            if i.link == link and i.iid is not None:
                return self.links[link].prefix[i.iid]
        raise TopologyError(f"{node} has no manual address on {link}")

    def graph(self) -> nx.Graph:
        """Bipartite graph: vertices ("node", name) and ("link", name); edges are interfaces."""
        g = nx.Graph()
        for n in self.nodes.values():
            g.add_node(("node", n.name), kind="node", role=n.role, label=n.label)
        for lk in self.links.values():
            g.add_node(("link", lk.name), kind="link", link_kind=lk.kind, prefix=str(lk.prefix), label=lk.label)
        for i in self.interfaces:
            g.add_edge(("node", i.node), ("link", i.link), ifname=i.ifname)
        return g

    def static_routes(self) -> dict[str, list[tuple[IPv6Network, IPv6Address, str]]]:
        """For each router, a route (prefix, next hop, ifname) to every link it is not attached to.

        Paths go only through routers (hosts never forward); the next hop is the neighbouring
        router's manual address on the shared link.
        """
        g = nx.Graph()
        for i in self.interfaces:
            if self.nodes[i.node].role in ("router", "home-agent"):
                g.add_edge(("node", i.node), ("link", i.link))
        routes: dict[str, list[tuple[IPv6Network, IPv6Address, str]]] = {}
        for r in sorted(n.name for n in self.nodes.values() if n.role in ("router", "home-agent")):
            own_links = {i.link for i in self.interfaces_of(r)}
            out: list[tuple[IPv6Network, IPv6Address, str]] = []
            for lk in sorted(self.links):
                if lk in own_links or ("link", lk) not in g or ("node", r) not in g:
                    continue
                try:
                    path = nx.shortest_path(g, ("node", r), ("link", lk))
                except nx.NetworkXNoPath:
                    continue
                # path: router, link, next router, link, ...
                first_link, next_router = path[1][1], path[2][1]
                ifname = next(i.ifname for i in self.interfaces_of(r) if i.link == first_link)
                out.append((self.links[lk].prefix, self.router_address(next_router, first_link), ifname))
            routes[r] = out
        return routes

    # ---------------------------------------------------------------- drawing
    def positions(self) -> dict[tuple[str, str], tuple[float, float]]:
        g = self.graph()
        fixed = {("node", k) if k in self.nodes else ("link", k): v for k, v in self.pos.items()}
        if len(fixed) == g.number_of_nodes():
            return fixed
        return nx.spring_layout(g, pos=fixed or None, fixed=list(fixed) or None, seed=1)


ROLE_COLOURS = {
    "host": "#1f77b4",
    "router": "#7f7f7f",
    "mobile-node": "#d62728",
    "home-agent": "#ff7f0e",
    "correspondent": "#2ca02c",
}


def draw(topology: Topology, ax: Any = None) -> Any:
    """Draw the description with matplotlib: links as dark bars labelled with their prefix, nodes as
    discs coloured by role. (The network view widget draws a *running* lab, with packets.)"""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 5))
    g = topology.graph()
    pos = topology.positions()
    links = [v for v in g if v[0] == "link"]
    nodes = [v for v in g if v[0] == "node"]
    nx.draw_networkx_edges(g, pos, ax=ax, edge_color="#999999")
    nx.draw_networkx_nodes(g, pos, nodelist=links, node_shape="s", node_color="#333333", node_size=120, ax=ax)
    nx.draw_networkx_nodes(
        g, pos, nodelist=nodes, node_color=[ROLE_COLOURS[g.nodes[v]["role"]] for v in nodes], node_size=420, ax=ax
    )
    labels = {v: g.nodes[v]["label"] for v in nodes}
    labels.update(
        {v: f"{g.nodes[v]['label']}\n{g.nodes[v]['prefix']}" for v in links if g.nodes[v]["link_kind"] != "p2p"}
    )
    nx.draw_networkx_labels(g, {v: (x, y - 0.22) for v, (x, y) in pos.items()}, labels, font_size=7, ax=ax)
    ax.set_axis_off()
    return ax


def figure1() -> Topology:
    """The white paper's Figure 1: home link with home agent and a node on it, two foreign links,
    an IPv6 network between them, and a correspondent node on its own link.

    The home agent is also the home link's router (as in the white paper's figures). Prefixes are from
    the documentation range 2001:db8::/32.
    """
    t = Topology("figure1")
    t.add_link("home", "2001:db8:1::/64", label="Home link", pos=(0.0, 2.0), fast_ra=True)
    t.add_link("foreign1", "2001:db8:2::/64", label="Foreign link 1", pos=(-1.5, -1.0), fast_ra=True)
    t.add_link("foreign2", "2001:db8:3::/64", label="Foreign link 2", pos=(0.0, -1.6), fast_ra=True)
    t.add_link("cn-link", "2001:db8:4::/64", label="Correspondent link", pos=(2.2, 0.0))
    t.add_link("core-ha", "2001:db8:ff:1::/64", kind="p2p", pos=(0.0, 1.05), delay=0.005)
    t.add_link("core-r1", "2001:db8:ff:2::/64", kind="p2p", pos=(-0.75, -0.1), delay=0.005)
    t.add_link("core-r2", "2001:db8:ff:3::/64", kind="p2p", pos=(0.0, -0.55), delay=0.005)
    t.add_link("core-rcn", "2001:db8:ff:4::/64", kind="p2p", pos=(1.1, 0.0), delay=0.005)

    t.add_node("ha", "home-agent", "Home agent", pos=(0.0, 1.5))
    t.add_node("hn", "host", "Node on the home link", pos=(1.0, 2.6))
    t.add_node("mn", "mobile-node", "Mobile node", pos=(-1.0, 2.6))
    t.add_node("core", "router", "IPv6 network", pos=(0.0, 0.0))
    t.add_node("r1", "router", "Router 1", pos=(-1.5, -0.4))
    t.add_node("r2", "router", "Router 2", pos=(0.0, -1.1))
    t.add_node("rcn", "router", "Router (CN)", pos=(1.7, 0.0))
    t.add_node("cn", "correspondent", "Correspondent node", pos=(2.7, 0.6))

    t.connect("ha", "home", "eth0", iid=1)
    t.connect("ha", "core-ha", "eth1", iid=2)
    t.connect("core", "core-ha", "eth0", iid=1)
    t.connect("core", "core-r1", "eth1", iid=1)
    t.connect("core", "core-r2", "eth2", iid=1)
    t.connect("core", "core-rcn", "eth3", iid=1)
    t.connect("r1", "core-r1", "eth1", iid=2)
    t.connect("r1", "foreign1", "eth0", iid=1)
    t.connect("r2", "core-r2", "eth1", iid=2)
    t.connect("r2", "foreign2", "eth0", iid=1)
    t.connect("rcn", "core-rcn", "eth1", iid=2)
    t.connect("rcn", "cn-link", "eth0", iid=1)
    t.connect("hn", "home", "eth0")
    t.connect("mn", "home", "eth0")
    t.connect("cn", "cn-link", "eth0")
    return t
