"""``scale``: a home agent under load (chapter 12, ``mip6lab bench``).

N mobile nodes share one home link and one home agent; four foreign links hang off a backbone with one
router each; ten correspondents sit on their own link. Mobile node *i* starts away from home, on foreign
link ``i mod 4`` (so the home link's multicasts do not reach N nodes), and moves to the next foreign link
every :data:`MOVE_EVERY` seconds from ``10 + 10 i / N`` s (the moves are spread evenly); from
``3 + 10 i / N`` s it sends a :data:`FLOW_RATE` packet/s UDP flow to correspondent ``i mod 10``, which
return routability turns into a route-optimized one. The run lasts :data:`DURATION` simulated seconds.

``mip6lab run scale --mobile-nodes N`` and ``SCENARIOS["scale"].with_parameters(mobile_nodes=N)`` pick N
(default :data:`DEFAULT_MOBILE_NODES`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mip6lab.errors import LabError
from mip6lab.scenarios.base import Scenario, register
from mip6lab.topology import MAX_NODES, Topology

if TYPE_CHECKING:
    from mip6lab.lab import Lab

__all__ = ["DEFAULT_MOBILE_NODES", "scale_scenario", "scale_topology", "size_caches"]

DEFAULT_MOBILE_NODES = 10
FOREIGN_LINKS = 4
CORRESPONDENTS = 10
MOVE_EVERY = 10.0  # seconds between two moves of one mobile node
FLOW_DELAY = 3.0  # seconds after the start (plus its offset) a mobile node starts its flow (registered by then)
FLOW_RATE = 10.0  # packets per second per mobile node
FLOW_SIZE = 100  # UDP payload octets
FLOW_PORT = 40000  # correspondent k receives mobile node i's flow on FLOW_PORT + i // CORRESPONDENTS
DURATION = 60.0


def _check(mobile_nodes: object) -> int:
    extra = 2 + FOREIGN_LINKS + CORRESPONDENTS + 1  # home agent, backbone routers, correspondents, rcn
    if isinstance(mobile_nodes, bool) or not isinstance(mobile_nodes, int) or mobile_nodes < 1:
        raise LabError(f"mobile_nodes must be a whole number >= 1, not {mobile_nodes!r}")
    if mobile_nodes > MAX_NODES - extra:
        raise LabError(f"mobile_nodes must be at most {MAX_NODES - extra:,}, not {mobile_nodes:,}")
    return mobile_nodes


def foreign_link(k: int) -> str:
    return f"foreign{k + 1}"


def scale_topology(mobile_nodes: int = DEFAULT_MOBILE_NODES) -> Topology:
    """Home link (home agent + N mobile nodes), a backbone, four foreign links, a correspondent link."""
    n = _check(mobile_nodes)
    t = Topology(f"scale-{n}")
    t.add_link("home", "2001:db8:1::/64", label="Home link", fast_ra=True, pos=(0.0, 2.0))
    t.add_link("backbone", "2001:db8:ff::/64", label="Backbone", pos=(0.0, 0.0))
    for k in range(FOREIGN_LINKS):
        t.add_link(foreign_link(k), f"2001:db8:{0x10 + k:x}::/64", fast_ra=True, pos=(-1.5 + k, -2.0))
    t.add_link("cn-link", "2001:db8:4::/64", label="Correspondent link", pos=(2.5, 0.0))

    t.add_node("ha", "home-agent", "Home agent", pos=(0.0, 1.0))
    t.connect("ha", "home", "eth0", iid=1)
    t.connect("ha", "backbone", "eth1", iid=1)
    for k in range(FOREIGN_LINKS):
        r = f"r{k + 1}"
        t.add_node(r, "router", f"Router {k + 1}", pos=(-1.5 + k, -1.0))
        t.connect(r, "backbone", "eth0", iid=2 + k)
        t.connect(r, foreign_link(k), "eth1", iid=1)
    t.add_node("rcn", "router", "Router (CN)", pos=(1.5, 0.0))
    t.connect("rcn", "backbone", "eth0", iid=2 + FOREIGN_LINKS)
    t.connect("rcn", "cn-link", "eth1", iid=1)
    for c in range(CORRESPONDENTS):
        name = f"cn{c}"
        t.add_node(name, "correspondent", f"Correspondent {c}", pos=(3.0, -1.0 + 0.2 * c))
        t.connect(name, "cn-link", "eth0")
    for i in range(n):
        name = f"mn{i}"
        t.add_node(name, "mobile-node", f"Mobile node {i}", pos=(-2.0 + 4.0 * i / n, 3.0))
        t.connect(name, "home", "eth0")
    return t


def _flow(lab: Lab, name: str, i: int, start: float) -> None:
    lab.udp_flood(
        name,
        f"cn{i % CORRESPONDENTS}",
        rate=FLOW_RATE,
        size=FLOW_SIZE,
        duration=DURATION - start,
        port=FLOW_PORT + i // CORRESPONDENTS,
        name=f"flow{i}",
    )


def size_caches(lab: Lab, n: int) -> None:
    """Size every node's destination and neighbor caches for ``n`` mobile nodes, as an operator does
    for a network of that size (RFC 6583 §7.1 leaves the bounds to configuration): a foreign link's
    router meets every mobile node's care-of address over the run, and the home agent and the
    correspondents' router forward to all of them (home and care-of addresses). With the defaults
    (1,024 entries) a lab of a few thousand mobile nodes evicted and re-resolved entries on every
    packet, and the cost of a hop grew with N. The bound on address resolutions in progress grows the
    same way. Labs whose needs fit the defaults are left as they are (their captures do not change)."""
    # a mobile node's home address and one care-of address per foreign link it visits (it moves
    # every MOVE_EVERY s): with room for only two, the correspondents' router evicted live entries
    # (325 at N = 1,000 in 15 s) and looked their routes up again
    destinations = (1 + FOREIGN_LINKS) * n + 64
    neighbors = n + 64
    for node in lab.nodes.values():
        dest = getattr(node, "dest_cache", None)
        if dest is not None and dest.limit < destinations:
            dest.limit = destinations
        for iface in getattr(node, "interfaces", {}).values():
            cache = getattr(iface, "neighbors", None)
            if cache is None:
                continue
            cache.limit = max(cache.limit, neighbors)
            # and as many resolutions in progress: every mobile node of a link arrives at once at 0 s,
            # so its router resolves them all within a second; with the default bound (256) 12,320
            # resolutions were refused at N = 10,000, the home agent's Binding Acknowledgements to them
            # were lost, and half the mobile nodes registered only at ~12 s (their flows tunnelled
            # through the home agent until then)
            cache.incomplete_limit = max(cache.incomplete_limit, neighbors)


def _setup(n: int) -> object:
    def setup(lab: Lab) -> None:
        size_caches(lab, n)
        for i in range(n):
            name = f"mn{i}"
            k = i % FOREIGN_LINKS
            lab.move(name, foreign_link(k))  # away from home from the start: the home link stays quiet
            offset = MOVE_EVERY * i / n
            move_at = offset + MOVE_EVERY
            while move_at < DURATION:
                k = (k + 1) % FOREIGN_LINKS
                lab.at(move_at, lambda name=name, k=k: lab.move(name, foreign_link(k)))
                move_at += MOVE_EVERY
            start = FLOW_DELAY + offset
            lab.at(start, lambda name=name, i=i, start=start: _flow(lab, name, i, start))

    return setup


def scale_scenario(mobile_nodes: int = DEFAULT_MOBILE_NODES) -> Scenario:
    """The ``scale`` scenario with ``mobile_nodes`` mobile nodes."""
    n = _check(mobile_nodes)
    return Scenario(
        "scale",
        f"a home agent under load: {n} mobile nodes moving every {MOVE_EVERY:g} s among {FOREIGN_LINKS} "
        f"foreign links, each with a {FLOW_RATE:g} packet/s route-optimized flow to one of "
        f"{CORRESPONDENTS} correspondents",
        _setup(n),  # type: ignore[arg-type]
        duration=DURATION,
        figures=(1,),  # Figure 1's roles (mobile nodes, home agent, correspondents), many of them
        topology=lambda: scale_topology(n),
        variant=scale_scenario,
        parameters=(("mobile_nodes", n),),
    )


register(scale_scenario())
