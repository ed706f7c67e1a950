"""Checking a reader's component against its seam's Protocol, and installing it in a lab.

Three promises (issue 9): an unknown seam name or a replacement of the wrong type is a
:class:`SeamError` (a :class:`~mip6lab.errors.LabError`) naming the valid seams; a component that
does not satisfy its Protocol is a :class:`SeamError` naming the seam and the missing or broken
member, raised while the Lab is built; a component that raises while the lab runs is contained
(the World records it, the node goes on) and reported as a :class:`SeamFailure` naming the seam.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mip6lab.errors import LabError
from mip6lab.seams.registry import SEAMS, Seam

__all__ = ["SeamError", "SeamFailure", "SeamPlan", "protocol_members", "protocol_problems"]

_PASS_THROUGH: tuple[type[BaseException], ...] = ()
"""Exceptions a component may raise as part of its contract (filled lazily: BindingCacheFull)."""


class SeamError(LabError):
    """A replacement that cannot be plugged in: unknown seam, wrong type, or a broken Protocol member."""


class SeamFailure(RuntimeError):
    """A reader's component raised while the lab ran; the message names the seam and the member."""

    def __init__(self, seam: str, member: str, error: BaseException) -> None:
        self.seam, self.member, self.error = seam, member, error
        super().__init__(f"seam {seam}: {member} raised {type(error).__name__}: {error}")


def _valid_names() -> str:
    return ", ".join(SEAMS)


# --------------------------------------------------------------------------- Protocol checks
def protocol_members(protocol: type) -> dict[str, Any]:
    """Name -> ``inspect.Signature`` (methods, ``__call__``) or ``property`` of a Protocol class."""
    out: dict[str, Any] = {}
    for name, value in vars(protocol).items():
        if name.startswith("_") and name != "__call__":
            continue
        if isinstance(value, property):
            out[name] = value
        elif callable(value):
            out[name] = inspect.signature(value)
    return out


def _call_shapes(sig: inspect.Signature, drop_self: bool = True) -> list[tuple[list[Any], dict[str, Any]]]:
    """The ways the library calls a member: with every argument, and with only the required ones."""
    params = list(sig.parameters.values())[1 if drop_self else 0 :]
    full_pos: list[Any] = []
    full_kw: dict[str, Any] = {}
    req_pos: list[Any] = []
    req_kw: dict[str, Any] = {}
    for p in params:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        required = p.default is p.empty
        if p.kind == p.KEYWORD_ONLY:
            full_kw[p.name] = None
            if required:
                req_kw[p.name] = None
        else:
            full_pos.append(None)
            if required:
                req_pos.append(None)
    return [(full_pos, full_kw), (req_pos, req_kw)]


def _signature_problem(what: str, candidate: Any, proto_sig: inspect.Signature) -> str | None:
    try:
        sig = inspect.signature(candidate)
    except (TypeError, ValueError):
        return None  # a builtin or C function: nothing to check
    shown = str(proto_sig).replace("(self, ", "(").replace("(self)", "()")
    for pos, kw in _call_shapes(proto_sig):
        try:
            sig.bind(*pos, **kw)
        except TypeError as e:
            return f"{what} cannot be called as the library calls it, {what.split('(')[0]}{shown}: {e}"
    return None


def protocol_problems(seam: Seam, candidate: Any) -> list[str]:
    """What is missing or broken in ``candidate`` (an instance, function or namespace) for ``seam``."""
    members = protocol_members(seam.protocol)
    if seam.kind == "function":
        if not callable(candidate):
            return [f"expected a function, got {type(candidate).__name__} {candidate!r:.60}"]
        problem = _signature_problem("the function", candidate, members["__call__"])
        return [problem] if problem else []
    problems: list[str] = []
    for name, spec in members.items():
        if not hasattr(type(candidate), name) and not hasattr(candidate, name):
            kind = "property" if isinstance(spec, property) else "method"
            problems.append(f"missing {kind} {name!r}")
            continue
        if isinstance(spec, property):
            continue
        member = getattr(candidate, name)
        if not callable(member):
            problems.append(f"{name!r} is not callable ({type(member).__name__})")
            continue
        problem = _signature_problem(f"{name}()", member, spec)
        if problem:
            problems.append(problem)
    return problems


def check_component(seam: Seam, candidate: Any, where: str = "") -> Any:
    """``candidate`` if it satisfies ``seam``'s Protocol, else :class:`SeamError` naming what is wrong."""
    problems = protocol_problems(seam, candidate)
    if problems:
        at = f" (for {where})" if where else ""
        raise SeamError(
            f"seam {seam.name}{at}: {type(candidate).__name__} does not satisfy {seam.protocol.__name__}: "
            + "; ".join(problems)
        )
    return candidate


# --------------------------------------------------------------------------- run-time containment
def _pass_through() -> tuple[type[BaseException], ...]:
    global _PASS_THROUGH
    if not _PASS_THROUGH:
        from mip6lab.mobility.binding_cache import BindingCacheFull

        _PASS_THROUGH = (BindingCacheFull, SeamFailure)
    return _PASS_THROUGH


def guard_function(seam: str, member: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` with any exception turned into a :class:`SeamFailure` naming ``seam`` and ``member``."""

    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except _pass_through():
            raise
        except Exception as e:
            raise SeamFailure(seam, member, e) from e

    guarded.__name__ = getattr(fn, "__name__", member)
    guarded.__doc__ = getattr(fn, "__doc__", None)
    guarded.__wrapped__ = fn  # type: ignore[attr-defined]
    return guarded


class Guarded:
    """A reader's component behind a guard: every Protocol member (methods and properties) that raises
    becomes a :class:`SeamFailure`; other attributes pass through (reading and setting)."""

    def __init__(self, seam: Seam, component: Any) -> None:
        object.__setattr__(self, "_seam", seam)
        object.__setattr__(self, "_component", component)
        object.__setattr__(self, "_members", protocol_members(seam.protocol))

    def __getattr__(self, name: str) -> Any:
        seam, component = self._seam, self._component
        if name not in self._members:
            return getattr(component, name)
        try:
            value = getattr(component, name)
        except _pass_through():
            raise
        except Exception as e:
            raise SeamFailure(seam.name, name, e) from e
        return guard_function(seam.name, f"{name}()", value) if callable(value) else value

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._component, name, value)

    def __iter__(self) -> Any:
        return iter(self.entries()) if "entries" in self._members else iter(self._component)

    def __len__(self) -> int:
        return len(self.entries()) if "entries" in self._members else len(self._component)

    def __repr__(self) -> str:
        return f"<{self._seam.name}: {self._component!r}>"

    @property
    def component(self) -> Any:
        """The reader's own object."""
        return self._component


# --------------------------------------------------------------------------- the plan for one lab
@dataclass
class SeamPlan:
    """The validated ``replace=`` of one Lab: seam name -> replacement, for every node or one node."""

    everywhere: dict[str, Any] = field(default_factory=dict)
    per_node: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def from_replace(cls, replace: Mapping[str, Any] | None) -> SeamPlan:
        """Check the keys and the kinds of values; function and namespace seams are checked against their
        Protocol at once, factories when each node's component is made."""
        plan = cls()
        if replace is None:
            return plan
        if not isinstance(replace, Mapping):
            raise SeamError(f"replace must be a dict of seam name -> replacement, not {type(replace).__name__}")
        for key, value in replace.items():
            if not isinstance(key, str):
                raise SeamError(f"seam names are strings, not {key!r} (seams: {_valid_names()})")
            node, name = None, key
            if key.startswith("node:"):
                node, _, name = key[len("node:") :].partition(".")
                if not node or not name:
                    raise SeamError(f"{key!r}: write node:NAME.SEAM, e.g. node:mn.sending_algorithm")
            seam = SEAMS.get(name)
            if seam is None:
                raise SeamError(f"unknown seam {name!r} (seams: {_valid_names()})")
            if seam.kind == "factory":
                if not callable(value):
                    raise SeamError(
                        f"seam {name}: expected a class or a factory ({seam.install}), "
                        f"got {type(value).__name__} {value!r:.60}"
                    )
            else:
                check_component(seam, value)
            if node is None:
                plan.everywhere[name] = value
            else:
                plan.per_node.setdefault(node, {})[name] = value
        return plan

    def check_nodes(self, names: list[str]) -> None:
        """``node:NAME.*`` keys must name nodes of the lab."""
        for node in self.per_node:
            if node not in names:
                raise SeamError(f"replace: unknown node {node!r} (nodes: {', '.join(names)})")

    def replacement(self, node: str, name: str) -> Any | None:
        return self.per_node.get(node, {}).get(name, self.everywhere.get(name))

    def parts(self, node: str, prefix: str) -> dict[str, Any]:
        """The replaced components of ``node``'s role ``prefix`` ("mn", "ha", "cn"), keyed by
        :attr:`Seam.part`, ready for the role's constructor: factories wrapped so that what they make is
        checked (at construction) and guarded (at run time); functions and namespaces guarded."""
        out: dict[str, Any] = {}
        for name, seam in SEAMS.items():
            if seam.prefix != prefix:
                continue
            value = self.replacement(node, name)
            if value is not None:
                out[seam.part] = _ready(seam, value, node)
        return out

    def algorithm(self, node: str, name: str) -> Callable[..., Any] | None:
        """The replaced sending or receiving algorithm for ``node`` (guarded), or None."""
        value = self.replacement(node, name)
        return None if value is None else guard_function(name, name, value)

    def __bool__(self) -> bool:
        return bool(self.everywhere or self.per_node)


def _ready(seam: Seam, value: Any, node: str) -> Any:
    if seam.kind == "function":
        return guard_function(seam.name, f"{seam.part}()", value)
    if seam.kind == "functions":
        return Guarded(seam, value)

    def make(*args: Any, **kwargs: Any) -> Any:
        try:
            component = value(*args, **kwargs)
        except Exception as e:
            raise SeamError(f"seam {seam.name} (for {node}): the factory raised {type(e).__name__}: {e}") from e
        return Guarded(seam, check_component(seam, component, node))

    return make
