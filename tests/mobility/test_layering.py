"""Layering: the Mobile IPv6 protocol modules never import the Lab driver; ``mobility/roles.py`` is the
one module that knows both, and it registers the role factories explicitly."""

from __future__ import annotations

import ast
from pathlib import Path

import mip6lab.mobility
from mip6lab.lab import ROLE_FACTORIES, Lab
from mip6lab.mobility import roles
from mip6lab.mobility.home_agent import HomeAgent
from mip6lab.mobility.mobile_node import MobileNode

MOBILITY = Path(mip6lab.mobility.__file__).parent
GLUE = {"roles.py"}


def _imports(path: Path) -> set[str]:
    """Every module a file imports (at run time or under TYPE_CHECKING: the protocol layer should not
    even name the driver)."""
    out: set[str] = set()
    for n in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(n, ast.Import):
            out.update(a.name for a in n.names)
        elif isinstance(n, ast.ImportFrom) and n.module:
            out.add(n.module)
            out.update(f"{n.module}.{a.name}" for a in n.names)
    return out


def test_protocol_modules_do_not_import_the_lab() -> None:
    offenders = {
        p.name: sorted(m for m in _imports(p) if m == "mip6lab.lab" or m.startswith("mip6lab.lab."))
        for p in sorted(MOBILITY.glob("*.py"))
        if p.name not in GLUE
    }
    assert {k: v for k, v in offenders.items() if v} == {}


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


def test_no_private_lab_names_used_anywhere_in_mobility() -> None:
    used = {p.name: _private_lab_names(p) for p in sorted(MOBILITY.glob("*.py"))}
    assert {k: v for k, v in used.items() if v} == {}


def test_private_lab_name_check_catches_each_form(tmp_path: Path) -> None:
    f = tmp_path / "m.py"
    f.write_text(
        "from mip6lab import lab as _lab\nfrom mip6lab.lab import _plain_node\n"
        "def g(lab):\n    return _lab._x(1), lab._build, lab.nodes, _lab.__name__\n"
    )
    assert sorted(_private_lab_names(f)) == ["_lab._x", "_plain_node", "lab._build"]


def test_roles_registers_the_three_factories() -> None:
    assert ROLE_FACTORIES["mobile-node"] is roles.make_mobile_node
    assert ROLE_FACTORIES["home-agent"] is roles.make_home_agent
    assert ROLE_FACTORIES["correspondent"] is roles.make_correspondent


def test_factories_give_nodes_their_lab_configure() -> None:
    lab = Lab("first-foreign-link")
    ha, mn = lab.node("ha"), lab.node("mn")
    assert isinstance(ha, HomeAgent) and isinstance(mn, MobileNode)
    assert ha.hooks.home_links and callable(ha.lab_configure)  # type: ignore[attr-defined]
    assert list(ha.hooks.ipsec.served) == roles.mobile_node_home_addresses(
        lab, lab.topology.links[lab.where("mn", "eth0")]
    )
