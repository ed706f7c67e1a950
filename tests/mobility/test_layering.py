"""Layering: the protocol modules (sans-IO core and the network) never import the lab layer (the Lab,
the topology, the scenarios, the role glue, the seams, the widgets); ``mip6lab/roles.py`` is the one
module that knows both sides; and no module of ``mip6lab/`` takes part in a run-time import cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

import mip6lab
from mip6lab import roles
from mip6lab.errors import LabError
from mip6lab.ipv6.node import IPv6Node, Router
from mip6lab.lab import Lab
from mip6lab.mobility.correspondent import CorrespondentRole
from mip6lab.mobility.home_agent import HomeAgentRole
from mip6lab.mobility.mobile_node import MobileNodeRole
from mip6lab.wire.ip import IPv6
from mip6lab.wire.mh import MobilityHeader

PACKAGE = Path(mip6lab.__file__).parent
MOBILITY = PACKAGE / "mobility"
PROTOCOL_ROOMS = ("ipv6", "transport", "mobility", "wire", "net", "sim")
PROTOCOL_FILES = ("sansio.py", "trace.py")
LAB_LAYER = (
    "mip6lab.lab",
    "mip6lab.topology",
    "mip6lab.scenarios",
    "mip6lab.widgets",
    "mip6lab.roles",
    "mip6lab.seams",
)


def _imports(path: Path) -> set[str]:
    """Every module a file imports (at run time, inside functions or under TYPE_CHECKING: the protocol
    layer should not even name the driver)."""
    out: set[str] = set()
    for n in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(n, ast.Import):
            out.update(a.name for a in n.names)
        elif isinstance(n, ast.ImportFrom) and n.module:
            out.add(n.module)
            out.update(f"{n.module}.{a.name}" for a in n.names)
    return out


def _protocol_modules() -> list[Path]:
    files = [p for room in PROTOCOL_ROOMS for p in sorted((PACKAGE / room).glob("*.py"))]
    return files + [PACKAGE / f for f in PROTOCOL_FILES]


def _outside_protocol_layer(module: str) -> bool:
    """A module of ``mip6lab`` that is not in a protocol room (nor sansio/trace): the lab layer and
    everything over it (lab, topology, scenarios, roles, seams, widgets, workbook, messages, grading, ...)."""
    if module != "mip6lab" and not module.startswith("mip6lab."):
        return False
    allowed = [f"mip6lab.{r}" for r in PROTOCOL_ROOMS] + [f"mip6lab.{f[:-3]}" for f in PROTOCOL_FILES]
    return not any(module == x or module.startswith(x + ".") for x in allowed)


def test_protocol_modules_import_no_lab_layer_module() -> None:
    offenders = {
        str(p.relative_to(PACKAGE)): sorted(
            m
            for m in _imports(p)
            if any(m == x or m.startswith(x + ".") for x in LAB_LAYER) or _outside_protocol_layer(m)
        )
        for p in _protocol_modules()
    }
    assert {k: v for k, v in offenders.items() if v} == {}
    assert len(_protocol_modules()) > 60  # the rooms were found


def test_the_layer_check_names_every_module_above_the_protocol_rooms() -> None:
    above = [
        "mip6lab",
        "mip6lab.lab",
        "mip6lab.workbook.intro",
        "mip6lab.messages",
        "mip6lab.grading",
        "mip6lab.errors",
    ]
    assert all(_outside_protocol_layer(m) for m in above)
    assert not any(_outside_protocol_layer(m) for m in ("mip6lab.wire.ip", "mip6lab.trace", "random", "networkx"))


# --------------------------------------------------------------------------- import cycles
def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_imports(path: Path, modules: set[str]) -> set[str]:
    """Modules of the package imported when ``path`` is imported: module-level statements only (not in
    functions, not under ``if TYPE_CHECKING``). ``from pkg import sub`` counts as importing ``pkg.sub``."""
    out: set[str] = set()

    def visit(body: list[ast.stmt]) -> None:
        for n in body:
            if isinstance(n, ast.If) and "TYPE_CHECKING" in ast.unparse(n.test):
                visit(n.orelse)
                continue
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            if isinstance(n, ast.Import):
                out.update(a.name for a in n.names)
            elif isinstance(n, ast.ImportFrom) and n.module and n.level == 0:
                for a in n.names:
                    sub = f"{n.module}.{a.name}"
                    out.add(sub if sub in modules else n.module)
            if isinstance(n, ast.ClassDef):
                visit(n.body)
            for child in ("body", "orelse", "finalbody"):
                if not isinstance(n, ast.ClassDef) and isinstance(getattr(n, child, None), list):
                    visit(getattr(n, child))
            for h in getattr(n, "handlers", []):
                visit(h.body)

    visit(ast.parse(path.read_text(), str(path)).body)
    return {m for m in out if m in modules}


def import_cycles(root: Path) -> list[list[str]]:
    files = {_module_name(p, root): p for p in root.rglob("*.py")}
    graph = nx.DiGraph()
    graph.add_nodes_from(files)
    for name, path in files.items():
        graph.add_edges_from((name, m) for m in _runtime_imports(path, set(files)) if m != name)
    return sorted(sorted(c) for c in nx.simple_cycles(graph))


def test_no_runtime_import_cycle_in_mip6lab() -> None:
    assert import_cycles(PACKAGE) == []


def test_cycle_check_catches_a_cycle(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg import b\n")
    (pkg / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import c\nimport pkg.a\n"
    )
    (pkg / "c.py").write_text("from pkg.b import x\ndef f():\n    from pkg import a\n")
    assert import_cycles(pkg) == [["pkg.a", "pkg.b"]]


# --------------------------------------------------------------------------- the glue
def _private_lab_names(path: Path) -> list[str]:
    """Private names of the Lab a file uses: ``lab._x`` / ``_lab._x`` reads and ``from mip6lab.lab
    import _x``."""
    out: list[str] = []
    for n in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id in ("lab", "_lab"):
            if n.attr.startswith("_") and not n.attr.startswith("__"):
                out.append(f"{n.value.id}.{n.attr}")
        elif isinstance(n, ast.ImportFrom) and n.module == "mip6lab.lab":
            out += [a.name for a in n.names if a.name.startswith("_")]
    return out


def test_no_private_lab_names_used_by_the_glue_or_mobility() -> None:
    files = [*sorted(MOBILITY.glob("*.py")), PACKAGE / "roles.py"]
    used = {p.name: _private_lab_names(p) for p in files}
    assert {k: v for k, v in used.items() if v} == {}


def test_private_lab_name_check_catches_each_form(tmp_path: Path) -> None:
    f = tmp_path / "m.py"
    f.write_text(
        "from mip6lab import lab as _lab\nfrom mip6lab.lab import _plain_node\n"
        "def g(lab):\n    return _lab._x(1), lab._build, lab.nodes, _lab.__name__\n"
    )
    assert sorted(_private_lab_names(f)) == ["_lab._x", "_plain_node", "lab._build"]


def test_roles_builds_the_three_roles_and_configures_two() -> None:
    assert {
        "mobile-node": roles.make_mobile_node,
        "home-agent": roles.make_home_agent,
        "correspondent": roles.make_correspondent,
    } == roles.ROLE_FACTORIES
    assert {
        "mobile-node": roles.configure_mobile_node,
        "home-agent": roles.configure_home_agent,
    } == roles.ROLE_CONFIGURE


def test_nodes_get_no_lab_attributes_patched_on() -> None:
    lab = Lab("first-foreign-link")
    ha, mn = lab.node("ha"), lab.node("mn")
    assert not hasattr(ha, "lab_configure") and not hasattr(mn, "lab_configure")
    assert lab.role("ha").home_links  # configured by roles.configure_home_agent
    assert list(lab.role("ha").ipsec.served) == roles.mobile_node_home_addresses(
        lab, lab.topology.links[lab.where("mn", "eth0")]
    )


# --------------------------------------------------------------------------- one role shape
def test_roles_are_objects_attached_to_plain_nodes() -> None:
    lab = Lab("route-optimized-data")
    kinds = {"mn": (IPv6Node, MobileNodeRole), "ha": (Router, HomeAgentRole), "cn": (IPv6Node, CorrespondentRole)}
    for name, (node_cls, role_cls) in kinds.items():
        node = lab.node(name)
        assert type(node) is node_cls  # a plain node: no subclass per role
        assert isinstance(node.role, role_cls) and node.mobility is node.role and node.role.node is node
        assert lab.role(name) is node.role and lab.role(name, role_cls) is node.role
        assert node.role.kind == lab.topology.nodes[name].role  # what the role is: the topology's role name
    with_roles = ", ".join(n for n, x in lab.nodes.items() if x.role is not None)
    assert lab.node("r1").role is None
    with pytest.raises(LabError, match=rf"^r1 has no Mobile IPv6 role \(nodes with one: {with_roles}\)$"):
        lab.role("r1")
    with pytest.raises(LabError, match=r"^cn has no HomeAgentRole \(nodes with one: ha\)$"):
        lab.role("cn", HomeAgentRole)
    with pytest.raises(ValueError, match="already has a role"):
        lab.node("cn").attach_role(CorrespondentRole(lab.node("cn")))


def test_attach_role_installs_what_the_role_declares_and_answers_the_nodes_policy() -> None:
    from ipaddress import IPv6Address

    from mip6lab.wire.ip import NH_ESP, NH_ICMPV6, NH_IPV6, NH_MOBILITY

    node = Router("ha")
    role = HomeAgentRole(node)
    assert node.upper == {} and node.ra_listeners == [] and node.role is None  # nothing before attach_role
    with pytest.raises(ValueError, match="built for another node"):
        Router("other").attach_role(role)
    node.attach_role(role)
    assert node.upper == {nh: [role.doors()[nh]] for nh in (NH_MOBILITY, NH_ICMPV6, NH_ESP, NH_IPV6)}
    assert node.ra_listeners == [role.router_advertisement]
    assert "mpa" in role.timer_handlers()
    assert all(node._timer_handlers[k] == h for k, h in role.timer_handlers().items())
    node.handle_frame(0.0, "eth9", bytes(range(14)))  # no such interface: the role saw the frame first anyway
    assert role.last_frame_source == {"eth9": "06:07:08:09:0a:0b"}
    anycast = IPv6Address("2001:db8:1:0:fdff:ffff:ffff:fffe")
    assert not node.is_local_destination(anycast)
    node.add_interface("eth0", "02:00:00:00:01:01")
    role.configure_home_link("eth0", "2001:db8:1::/64", "2001:db8:1::1")
    assert node.is_local_destination(anycast)  # the role's Home-Agents anycast address (RFC 2526)
    plain = IPv6Node("h")
    assert (
        plain.role is None
        and plain.should_answer_ns("eth0", anycast, anycast)
        and not plain.is_local_destination(anycast)
    )


def test_each_role_takes_each_mobility_message_through_one_table() -> None:
    from mip6lab.wire import icmp as I
    from mip6lab.wire import mh as M

    lab = Lab("both-away")
    mn = lab.role("mn")
    ha = lab.role("ha")
    assert mn.correspondent is not None  # both-away has mobile nodes that are correspondents too
    mn_types = set(mn.mh_dispatch.table)
    assert {M.BindingAcknowledgement, M.BindingRefreshRequest, M.HomeTest, M.CareofTest, M.BindingError} <= mn_types
    # the correspondent half's messages are in the same table, handed to the half's Mobility Header input
    for cls in (M.BindingUpdate, M.HomeTestInit, M.CareofTestInit, M.UnknownMobilityMessage):
        assert mn.mh_dispatch.handler_for(cls) == mn._correspondent_input
    assert mn.correspondent.mh_dispatch.handler_for(M.BindingUpdate) is not None
    assert [n for n, _ in mn.icmp_dispatch.describe()] == [
        "HomeAgentAddressDiscoveryReply",
        "MobilePrefixAdvertisement",
        "ParameterProblem",
        "DestinationUnreachable",
    ]
    assert {n for n, _ in ha.mh_dispatch.describe()} >= {"BindingUpdate", "HomeTestInit", "CareofTestInit"}
    assert [n for n, _ in ha.icmp_dispatch.describe()] == [
        "DestinationUnreachable",
        "HomeAgentAddressDiscoveryRequest",
        "MobilePrefixSolicitation",
    ]
    assert [n for n, _ in ha.esp_dispatch.describe()] == ["IPv6", "MobilityHeader", "MobilePrefixSolicitation"]
    assert ha.tunnel_dispatch.describe() == [("IPv6", "_reverse_tunnel_input")]
    assert [n for n, _ in mn.esp_dispatch.describe()] == ["MobilityHeader", "MobilePrefixAdvertisement"]
    assert ha.icmp_dispatch.handler_for(I.HomeAgentAddressDiscoveryRequest) == ha._dhaad_request_input


def test_the_table_is_the_door() -> None:
    from mip6lab.wire import mh as M

    lab = Lab("first-foreign-link")
    mn = lab.role("mn")
    seen: list[int] = []
    mn.mh_dispatch.table[M.BindingAcknowledgement] = lambda d, m: seen.append(m.status)
    lab.run()
    assert seen and set(seen) == {0}  # the home agent's BAs reached the handler the table names, and only it
    assert not mn.home_registration.registered


def test_the_home_agents_esp_and_tunnel_tables_are_its_doors() -> None:
    lab = Lab("first-foreign-link")
    ha = lab.role("ha")
    tunnelled: list[str] = []
    protected: list[str] = []
    ha.tunnel_dispatch.table[IPv6] = lambda d, inner, spi: tunnelled.append(type(inner.payload).__name__)
    ha.esp_dispatch.table[MobilityHeader] = lambda d, mh, sa, logical: protected.append(type(mh.message).__name__)
    lab.run()
    assert protected and set(protected) == {"BindingUpdate"}  # the ESP door hands home BUs to its table only
    assert not lab.role("mn").home_registration.registered and tunnelled == []


def test_roles_attach_through_the_one_entry_point() -> None:
    assignments = []
    for p in _protocol_modules():
        for n in ast.walk(ast.parse(p.read_text(), str(p))):
            if isinstance(n, (ast.Assign, ast.AnnAssign)):
                for t in n.targets if isinstance(n, ast.Assign) else [n.target]:
                    if isinstance(t, ast.Attribute) and t.attr == "mobility":
                        assignments.append((str(p.relative_to(PACKAGE)), n.lineno))
    assert [f for f, _ in assignments] == ["ipv6/node.py"] * len(assignments)  # __init__ and attach_role only
    assert len(assignments) == 2
    # and attach_role is called by the lab layer only (roles.py), never by a protocol module
    callers = [
        str(p.relative_to(PACKAGE))
        for p in _protocol_modules()
        if any(
            isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "attach_role"
            for n in ast.walk(ast.parse(p.read_text(), str(p)))
        )
    ]
    assert callers == []
    assert "attach_role" in (PACKAGE / "roles.py").read_text()


# --------------------------------------------------------------------------- narrow units
def _node_names_used(module: Path, cls: str, node: str = "mn") -> set[str]:
    """Names a unit class reads from its node (``mn.x`` / ``self.mn.x``; ``node.x`` / ``self.node.x``)."""
    tree = ast.parse(module.read_text(), str(module))
    c = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls)
    out = set()
    for n in ast.walk(c):
        if isinstance(n, ast.Attribute):
            v = n.value
            if (isinstance(v, ast.Name) and v.id == node) or (
                isinstance(v, ast.Attribute)
                and v.attr == node
                and isinstance(v.value, ast.Name)
                and v.value.id == "self"
            ):
                out.add(n.attr)
    return out


def test_each_mobile_node_unit_declares_exactly_what_it_uses_and_sees_only_that() -> None:
    from mip6lab.mobility.mn_correspondents import CorrespondentRegistrations
    from mip6lab.mobility.mn_discovery import HomeAgentDiscovery, MobilePrefixDiscovery
    from mip6lab.mobility.mn_home_registration import HomeRegistration
    from mip6lab.mobility.ports import UnitPort

    units = {
        "mn_discovery.py": (HomeAgentDiscovery, MobilePrefixDiscovery),
        "mn_home_registration.py": (HomeRegistration,),
        "mn_correspondents.py": (CorrespondentRegistrations,),
    }
    for file, classes in units.items():
        for cls in classes:
            assert set(cls.NEEDS) == _node_names_used(MOBILITY / file, cls.__name__), cls.__name__
            assert len(cls.NEEDS) < 25
    mn = Lab("first-foreign-link").role("mn")
    port = mn.home_registration.mn
    assert isinstance(port, UnitPort) and port.bul is mn.bul and port.addresses is mn.node.addresses
    with pytest.raises(AttributeError, match="HomeRegistration does not declare 'movement' in its NEEDS"):
        port.movement  # noqa: B018
    with pytest.raises(AttributeError, match="may not set 'location'"):
        port.location = "home"


def test_each_correspondent_and_home_agent_unit_declares_what_it_uses_and_sees_only_that() -> None:
    from mip6lab.mobility.cn_maintenance import BindingMaintenance
    from mip6lab.mobility.cn_mh import BindingErrorSender
    from mip6lab.mobility.cn_registration import CorrespondentRegistration
    from mip6lab.mobility.cn_rr import ReturnRoutabilityResponder
    from mip6lab.mobility.ha_discovery import HomeAgentDiscovery, MobilePrefixAgent
    from mip6lab.mobility.ha_proxy import ProxyND
    from mip6lab.mobility.ha_registration import HomeRegistrar
    from mip6lab.mobility.ha_tunnel import HomeTunnel
    from mip6lab.mobility.ports import UnitPort

    units = [
        ("cn_rr.py", ReturnRoutabilityResponder),
        ("cn_registration.py", CorrespondentRegistration),
        ("cn_maintenance.py", BindingMaintenance),
        ("cn_mh.py", BindingErrorSender),
    ]
    for file, cls in units:
        assert set(cls.NEEDS) == _node_names_used(MOBILITY / file, cls.__name__, "node"), cls.__name__
    ha_units = [
        ("ha_proxy.py", ProxyND),
        ("ha_discovery.py", HomeAgentDiscovery),
        ("ha_discovery.py", MobilePrefixAgent),
        ("ha_registration.py", HomeRegistrar),
        ("ha_tunnel.py", HomeTunnel),
    ]
    for file, cls in ha_units:  # a home agent unit reads its role (and the router) as ``ha`` / ``self.ha`` only
        assert set(cls.NEEDS) == _node_names_used(MOBILITY / file, cls.__name__, "ha"), cls.__name__
        assert _node_names_used(MOBILITY / file, cls.__name__, "node") == set(), cls.__name__
        assert _node_names_used(MOBILITY / file, cls.__name__, "hooks") == set(), cls.__name__
    ha = Lab("first-foreign-link").role("ha")
    assert all(isinstance(u.ha, UnitPort) for u in (ha.proxy, ha.discovery, ha.prefixes, ha.registrar, ha.tunnel))
    assert ha.tunnel.ha.cache is ha.cache and ha.registrar.ha.interfaces is ha.node.interfaces  # role first, then node
    with pytest.raises(AttributeError, match="HomeTunnel does not declare 'receive_algorithm'"):
        ha.tunnel.ha.receive_algorithm  # noqa: B018  (it re-enters the node through the role's reenter)
    with pytest.raises(AttributeError, match="HomeRegistrar does not declare 'tunnel'"):
        ha.registrar.ha.tunnel  # noqa: B018
    cn = Lab("route-optimized-data").role("cn")
    for unit in (cn.rr, cn.registration, cn.maintenance, cn.binding_errors):
        assert isinstance(unit.node, UnitPort)
    with pytest.raises(AttributeError, match="CorrespondentRegistration does not declare 'routes'"):
        cn.registration.node.routes  # noqa: B018


def test_a_tunnelled_home_test_reaches_the_one_handler_of_the_table() -> None:
    from mip6lab.wire import mh as M

    lab = Lab("route-optimized-data")
    mn = lab.role("mn")
    seen: list[tuple[bool, str]] = []
    mn.mh_dispatch.table[M.HomeTest] = lambda d, m: seen.append((d.tunneled, str(d.src)))
    lab.run()
    cn = lab.address_of("cn")
    assert seen and set(seen) == {(True, str(cn))}  # away from home: through step 4's tunnel checks, then the table
    entries = [e for e in mn.bul.entries() if e.destination == cn]
    assert entries and all(e.rr.home_keygen_token is None for e in entries)  # nobody else took it
