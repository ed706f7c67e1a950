"""Which role a topology node plays in a Lab, and the glue between the roles and the Lab (the lab layer).

The protocol modules (:mod:`mip6lab.mobility.mobile_node`, :mod:`~mip6lab.mobility.home_agent`,
:mod:`~mip6lab.mobility.correspondent` and their units) never import the Lab, the topology or the
scenarios: they are sans-IO role objects attached to plain nodes. This module is the one place that
knows both sides. For each topology role it has a factory ``(lab, spec) -> node`` (:data:`ROLE_FACTORIES`)
that builds a plain :class:`~mip6lab.ipv6.node.IPv6Node` / :class:`~mip6lab.ipv6.node.Router` and
attaches the role object (``node.attach_role``; the node keeps it as ``node.role``) and, where the role
needs it, a configuration step ``(lab, spec, role)`` the Lab runs once interfaces and manual addresses
exist (:data:`ROLE_CONFIGURE`). Home-link renumbering across the lab's routers (Figure 32) is here too.
The Lab imports this module; it never imports the Lab at run time (no import cycle).
"""

from __future__ import annotations

from collections.abc import Callable
from ipaddress import IPv6Address, IPv6Network
from typing import TYPE_CHECKING, Any

from mip6lab.ipv6.addresses import address_from_prefix, interface_id_from_mac
from mip6lab.ipv6.node import IPv6Node, Router
from mip6lab.mobility.correspondent import CorrespondentRole
from mip6lab.mobility.home_agent import HomeAgentRole
from mip6lab.mobility.ipsec import allocate_spi_bases
from mip6lab.mobility.mn_config import MobileNodeConfig
from mip6lab.mobility.mobile_node import MobileNodeRole, add_correspondent_role
from mip6lab.topology import FAST_RA, LinkSpec, NodeSpec, mac_for
from mip6lab.wire.ip import Addr

if TYPE_CHECKING:
    from mip6lab.lab import Lab

__all__ = [
    "ROLE_CONFIGURE",
    "ROLE_FACTORIES",
    "NodeConfigure",
    "NodeFactory",
    "configure_home_agent",
    "configure_mobile_node",
    "make_correspondent",
    "make_home_agent",
    "make_mobile_node",
    "mobile_node_home_addresses",
    "plain_node",
    "renumber_home_link",
]

NodeFactory = Callable[["Lab", NodeSpec], IPv6Node]
NodeConfigure = Callable[["Lab", NodeSpec, Any], None]


def plain_node(lab: Lab, spec: NodeSpec) -> IPv6Node:
    """A plain IPv6 host or router (every role when a scenario has ``mobility=False``)."""
    cls = Router if spec.role in ("router", "home-agent") else IPv6Node
    return cls(spec.name, lab.world.sim.child_rng(f"node/{spec.name}"), lab.trace)


def esp_secret(lab: Lab) -> bytes:
    """The lab's manual IPsec keying material: 32 octets from the scenario's seeded randomness (the same
    for every node of one lab, another for another seed), not a constant anyone could look up."""
    return lab.world.sim.child_rng("esp/manual-keying").randbytes(32)


# --------------------------------------------------------------------------- mobile node
def configure_mobile_node(lab: Lab, spec: NodeSpec, mn: MobileNodeRole) -> None:
    """A manually configured home address that SLAAC would not form is assigned by hand."""
    del lab, spec
    mn.assign_manual_home_address()


def make_mobile_node(lab: Lab, spec: NodeSpec) -> IPv6Node:
    """``ROLE_FACTORIES["mobile-node"]``: a plain host with a :class:`MobileNodeRole` (configuration from
    ``spec.options``, ESP mode from the lab). ``options["correspondent"] = True`` gives the role a
    correspondent half (:func:`~mip6lab.mobility.mobile_node.add_correspondent_role`)."""
    cfg = MobileNodeConfig.from_options(spec.options)
    node = IPv6Node(spec.name, lab.world.sim.child_rng(f"node/{spec.name}"), lab.trace)
    mn = MobileNodeRole(
        node,
        config=cfg,
        esp=lab.esp,
        esp_rng=lab.world.sim.lazy_child_rng(f"esp/{spec.name}"),  # type: ignore[arg-type]
        parts=lab.seams.parts(spec.name, "mn"),
    )
    mn.ipsec.secret = esp_secret(lab)
    mn.ipsec.spi_bases = dict(spi_plan(lab)[1].get(spec.name, {}))
    if cfg.extra.get("correspondent"):
        add_correspondent_role(mn, parts=lab.seams.parts(spec.name, "cn"))
    node.attach_role(mn)
    return node


# --------------------------------------------------------------------------- home agent
_HA_OPTIONS = (
    "proxy_nd",
    "is_home_agent",
    "ha_preference",
    "ha_lifetime",
    "max_bindings",
    "max_lifetime",
    "brr_before_expiry",
    "refresh_advice_fraction",
)


def _mobile_node_home_addresses(lab: Lab, link: LinkSpec) -> list[tuple[str, Addr]]:
    t = lab.topology
    out: list[tuple[str, Addr]] = []
    seen: set[Addr] = set()
    for n_index, spec in enumerate(t.nodes.values()):
        if spec.role != "mobile-node":
            continue
        for if_index, ifs in enumerate(t.interfaces_of(spec.name)):
            if ifs.link == link.name:
                mac = mac_for(n_index, if_index)
                hoa = address_from_prefix(link.prefix, interface_id_from_mac(mac))
                out.append((spec.name, hoa))
                seen.add(hoa)
        manual = spec.options.get("home_address")  # a configured home address SLAAC would not form
        if manual is not None and IPv6Address(manual) in link.prefix and IPv6Address(manual) not in seen:
            out.append((spec.name, IPv6Address(manual)))
            seen.add(IPv6Address(manual))
    return out


def mobile_node_home_addresses(lab: Lab, link: LinkSpec) -> list[Addr]:
    """The SLAAC home addresses of the mobile-node roles attached to ``link`` in the lab topology
    (home prefix + modified EUI-64 of the interface MAC the Lab assigns, :func:`mip6lab.topology.mac_for`)."""
    return [hoa for _name, hoa in _mobile_node_home_addresses(lab, link)]


def spi_plan(lab: Lab) -> tuple[dict[Addr, int], dict[str, dict[Addr, int]]]:
    """Every mobile node home address's SPI base, all different (:func:`allocate_spi_bases`, links and
    nodes in topology order), and the same per mobile node: both ends of each pair are configured from
    it. Computed once per lab."""
    if lab.spi_plan is None:
        pairs = [p for lk in lab.topology.links.values() for p in _mobile_node_home_addresses(lab, lk)]
        bases = allocate_spi_bases(hoa for _name, hoa in pairs)
        per_node: dict[str, dict[Addr, int]] = {}
        for name, hoa in pairs:
            per_node.setdefault(name, {})[hoa] = bases[hoa]
        lab.spi_plan = (bases, per_node)
    return lab.spi_plan


def configure_home_agent(lab: Lab, spec: NodeSpec, ha: HomeAgentRole) -> None:
    """Home link(s): Ethernet links with our manual address and a mobile node on them (else every
    Ethernet link with our manual address); RA per §7; ESP SAs for those mobile nodes (configuration,
    so trusted: :mod:`mip6lab.mobility.ha_ipsec`)."""
    t = lab.topology
    mine = [i for i in t.interfaces_of(spec.name) if i.iid is not None and t.links[i.link].kind == "ethernet"]
    with_mn = [i for i in mine if any(t.nodes[j.node].role == "mobile-node" for j in t.attached(i.link))]
    for ifs in with_mn or mine:
        lk = t.links[ifs.link]
        addr = lk.prefix[ifs.iid]  # type: ignore[index]
        timing = dict(FAST_RA) if lk.fast_ra else {}
        ha.configure_home_link(ifs.ifname, lk.prefix, addr, ra_timing=timing)
        ha.ipsec.spi_bases = spi_plan(lab)[0]
        for hoa in mobile_node_home_addresses(lab, lk):
            if ha.ipsec.install(hoa, addr):
                ha.trace_event("esp", f"SAs installed for mobile node home address {hoa}", home_address=hoa)


def make_home_agent(lab: Lab, spec: NodeSpec) -> IPv6Node:
    """``ROLE_FACTORIES["home-agent"]``: a plain router with a :class:`HomeAgentRole` (ESP mode from
    ``lab.esp``; knobs from ``spec.options``)."""
    opts = {k: spec.options[k] for k in _HA_OPTIONS if k in spec.options}
    router = Router(spec.name, lab.world.sim.child_rng(f"node/{spec.name}"), lab.trace)
    ha = HomeAgentRole(router, esp=lab.esp, parts=lab.seams.parts(spec.name, "ha"), **opts)
    ha.ipsec.secret = esp_secret(lab)
    router.attach_role(ha)
    return router


# --------------------------------------------------------------------------- correspondent
_CN_OPTIONS = ("max_bindings", "brr_before_expiry", "brr_requires_use")


def make_correspondent(lab: Lab, spec: NodeSpec) -> IPv6Node:
    """``ROLE_FACTORIES["correspondent"]``: a plain host with a
    :class:`~mip6lab.mobility.correspondent.CorrespondentRole`. ``spec.options``: ``mipv6`` (default
    True; False: no role, a plain IPv6 node), and the role's knobs ``max_bindings``,
    ``brr_before_expiry``, ``brr_requires_use``."""
    node = IPv6Node(spec.name, lab.world.sim.child_rng(f"node/{spec.name}"), lab.trace)
    if not spec.options.get("mipv6", True):
        return node
    opts: dict[str, Any] = {k: spec.options[k] for k in _CN_OPTIONS if k in spec.options}
    node.attach_role(CorrespondentRole(node, parts=lab.seams.parts(spec.name, "cn"), **opts))
    return node


# --------------------------------------------------------------------------- home-link renumbering
def renumber_home_link(lab: Lab, ha: str, new_prefix: str, *, old_valid_lifetime: float = 600.0) -> Addr:
    """The Figure 32 set-up in a Lab: every other router that routes the old home prefix learns the
    same route for the new one, then the home agent renumbers its home link. Returns its new address."""
    role = lab.role(ha, HomeAgentRole)
    link = next(iter(role.home_links.values()))
    old = link.current.network
    net = IPv6Network(new_prefix)
    for other in lab.nodes.values():
        if other is role.node or not isinstance(other, Router):
            continue
        for r in list(other.routes.routes):
            if r.prefix == old and r.next_hop is not None:
                other.add_route(net.network_address, net.prefixlen, r.next_hop, r.ifname)
    return role.change_home_prefix(net, old_valid_lifetime=old_valid_lifetime)


ROLE_FACTORIES: dict[str, NodeFactory] = {
    "mobile-node": make_mobile_node,
    "home-agent": make_home_agent,
    "correspondent": make_correspondent,
}
"""Topology role -> factory, for scenarios with mobility; other roles (and every role when a scenario
has ``mobility=False``) get :func:`plain_node`."""

ROLE_CONFIGURE: dict[str, NodeConfigure] = {
    "mobile-node": configure_mobile_node,
    "home-agent": configure_home_agent,
}
"""Topology role -> the set-up the Lab runs (with the node's role) once the node's interfaces and manual
addresses exist."""
