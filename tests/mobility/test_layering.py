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
from mip6lab.lab import Lab
from mip6lab.mobility.home_agent import HomeAgent
from mip6lab.mobility.mobile_node import MobileNode

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


def test_protocol_modules_import_no_lab_layer_module() -> None:
    offenders = {
        str(p.relative_to(PACKAGE)): sorted(
            m for m in _imports(p) if any(m == x or m.startswith(x + ".") for x in LAB_LAYER)
        )
        for p in _protocol_modules()
    }
    assert {k: v for k, v in offenders.items() if v} == {}
    assert len(_protocol_modules()) > 60  # the rooms were found


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
    assert isinstance(ha, HomeAgent) and isinstance(mn, MobileNode)
    assert not hasattr(ha, "lab_configure") and not hasattr(mn, "lab_configure")
    assert ha.hooks.home_links  # configured by roles.configure_home_agent
    assert list(ha.hooks.ipsec.served) == roles.mobile_node_home_addresses(
        lab, lab.topology.links[lab.where("mn", "eth0")]
    )


# --------------------------------------------------------------------------- one table per role
def test_each_role_takes_each_mobility_message_through_one_table() -> None:
    from mip6lab.wire import mh as M

    lab = Lab("both-away")
    roles_by_kind = {type(n.mobility).__name__: n for n in lab.nodes.values() if n.mobility is not None}
    mn = next(n for n in lab.nodes.values() if isinstance(n, MobileNode))
    ha = next(n for n in lab.nodes.values() if isinstance(n, HomeAgent))
    assert roles_by_kind  # both-away has mobile nodes that are correspondents too
    mn_types = {cls for cls, _ in mn.mh_dispatch.table.items()}
    assert {M.BindingAcknowledgement, M.BindingRefreshRequest, M.HomeTest, M.CareofTest, M.BindingError} <= mn_types
    assert M.BindingUpdate not in mn_types  # a correspondent's message: its correspondent half's table
    cn_half = mn.mobility.correspondent  # type: ignore[attr-defined]
    assert cn_half.mh_dispatch.handler_for(M.BindingUpdate) is not None
    assert {n for n, _ in ha.hooks.mh_dispatch.describe()} >= {"BindingUpdate", "HomeTestInit", "CareofTestInit"}
    assert [n for n, _ in mn.icmp_dispatch.describe()] == [
        "HomeAgentAddressDiscoveryReply",
        "MobilePrefixAdvertisement",
        "ParameterProblem",
    ]


def test_the_table_is_the_door() -> None:
    from mip6lab.wire import mh as M

    lab = Lab("first-foreign-link")
    mn = lab.node("mn")
    seen: list[int] = []
    mn.mh_dispatch.table[M.BindingAcknowledgement] = lambda d, m: seen.append(m.status)  # type: ignore[attr-defined]
    lab.run()
    assert seen and set(seen) == {0}  # the home agent's BAs reached the handler the table names, and only it
    assert not mn.home_registration.registered  # type: ignore[attr-defined]


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
    mn = Lab("first-foreign-link").node("mn")
    port = mn.home_registration.mn  # type: ignore[attr-defined]
    assert isinstance(port, UnitPort) and port.bul is mn.bul  # type: ignore[attr-defined]
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
    from mip6lab.mobility.ports import UnitPort

    units = [
        ("cn_rr.py", ReturnRoutabilityResponder),
        ("cn_registration.py", CorrespondentRegistration),
        ("cn_maintenance.py", BindingMaintenance),
        ("cn_mh.py", BindingErrorSender),
        ("ha_proxy.py", ProxyND),
        ("ha_discovery.py", HomeAgentDiscovery),
        ("ha_discovery.py", MobilePrefixAgent),
    ]
    for file, cls in units:
        assert set(cls.NEEDS) == _node_names_used(MOBILITY / file, cls.__name__, "node"), cls.__name__
    ha = Lab("first-foreign-link").node("ha").hooks  # type: ignore[attr-defined]
    assert all(isinstance(u.node, UnitPort) for u in (ha.proxy, ha.discovery, ha.prefixes, ha.registration))
    hooks = Lab("route-optimized-data").node("cn").mobility
    for unit in (hooks.rr, hooks.registration, hooks.maintenance, hooks.binding_errors):  # type: ignore[union-attr]
        assert isinstance(unit.node, UnitPort)
    with pytest.raises(AttributeError, match="CorrespondentRegistration does not declare 'routes'"):
        hooks.registration.node.routes  # type: ignore[union-attr]  # noqa: B018
