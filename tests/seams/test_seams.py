"""The seams (issue 9): registry, CLI, contract suites, and ``Lab(replace=)`` with a reader's components."""

from __future__ import annotations

import hashlib
import inspect
import typing
from functools import cache

import pytest
from reader_parts import (
    BULWithoutRemove,
    BULWithWrongLookup,
    CacheThatCrashes,
    CacheThatForgets,
    ReaderBindingCache,
    ReaderBUL,
    ReaderMovementDetector,
)

from mip6lab.cli import main
from mip6lab.lab import Lab, LabError
from mip6lab.seams import SEAMS, SeamError, SeamFailure, check, contract
from mip6lab.seams.protocols import MovementPort

CANONICAL = [
    "mn.binding_update_list",
    "ha.binding_cache",
    "cn.binding_cache",
    "ha.home_agents_list",
    "mn.sequence_compare",
    "ha.sequence_compare",
    "cn.sequence_compare",
    "mn.rr_keys",
    "cn.rr_keys",
    "cn.bu_checks",
    "ha.bu_checks",
    "mn.ba_processing",
    "mn.movement_detection",
    "mn.home_agent_selection",
    "sending_algorithm",
    "receiving_algorithm",
]
CHAPTERS = {
    "04-data-structures",
    "05-leaving-home",
    "07-return-routability",
    "08-route-optimization",
    "09-sending-and-receiving",
    "10-moving-on-and-coming-home",
}
READER = {
    "ha.binding_cache": ReaderBindingCache,
    "cn.binding_cache": ReaderBindingCache,
    "mn.binding_update_list": ReaderBUL,
    "mn.movement_detection": ReaderMovementDetector,
}


@cache
def library_capture(scenario: str) -> str:
    lab = Lab(scenario)
    lab.run()
    return hashlib.sha256(lab.capture.to_bytes_pcapng()).hexdigest()


# --------------------------------------------------------------------------- registry and CLI
def test_registry_has_exactly_the_canonical_seams() -> None:
    assert list(SEAMS) == CANONICAL
    for name, s in SEAMS.items():
        assert s.name == name and s.chapter in CHAPTERS and s.doc and s.rfc.startswith("§")
        assert getattr(s.protocol, "_is_protocol", False), name  # a typing.Protocol
        assert s.kind in ("factory", "function", "functions")
        assert s.role == {"mn": "mobile node", "ha": "home agent", "cn": "correspondent", "": "every node"}[s.prefix]


def test_cli_lists_one_seam_per_line_name_first(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["seams"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [ln.split()[0] for ln in lines] == CANONICAL
    for ln, s in zip(lines, SEAMS.values()):
        assert s.role in ln and s.protocol.__name__ in ln and ln.rstrip().endswith(s.chapter)


# --------------------------------------------------------------------------- contract suites
@pytest.mark.parametrize("name", CANONICAL)
def test_library_implementation_passes_its_contract(name: str) -> None:
    verdict = check(name, SEAMS[name].default())
    assert verdict.passed, str(verdict)
    assert len(verdict.results) >= 2  # every seam has real rules


@pytest.mark.parametrize(
    "name", ["ha.binding_cache", "cn.binding_cache", "mn.binding_update_list", "mn.movement_detection"]
)
def test_reader_components_pass_the_contract(name: str) -> None:
    verdict = check(name, READER[name])
    assert verdict.passed, str(verdict)


def test_a_wrong_comparison_fails_with_inputs_expected_got_and_hint() -> None:
    verdict = check("ha.sequence_compare", lambda a, b: a > b)
    assert not verdict.passed and not verdict
    wrap = next(r for r in verdict.failures if r.rule == "wraps around at 2**16")
    assert (wrap.inputs, wrap.expected, wrap.got) == ("a=0, b=65535", "True", "False")
    assert "2**15" in wrap.hint and wrap.rfc == "§9.5.1"
    text = str(verdict)
    assert text.startswith("ha.sequence_compare: 3 of 4 rules broken")
    assert "FAIL wraps around at 2**16 (RFC 6275 §9.5.1)" in text and "expected: True" in text
    with pytest.raises(AssertionError, match="rules broken"):
        verdict.raise_for_failure()


def test_a_cache_that_forgets_breaks_named_rules() -> None:
    verdict = check("cn.binding_cache", CacheThatForgets)
    broken = {r.rule for r in verdict.failures}
    assert "create stores a binding with its fields" in broken
    assert "a new cache is empty" not in broken


def test_a_candidate_missing_a_member_fails_before_any_rule() -> None:
    verdict = check("mn.binding_update_list", BULWithoutRemove)
    assert not verdict.passed and verdict.results == ()
    assert "'remove' is not callable" in str(verdict)


def test_a_raising_candidate_fails_the_rule_with_the_exception() -> None:
    def broken(addresses: object, exclude: object) -> None:
        raise RuntimeError("oops")

    verdict = check("mn.home_agent_selection", broken)
    assert all(not r.passed and r.got == "raised RuntimeError: oops" for r in verdict.results)


def test_contract_of_an_unknown_seam_names_the_valid_ones() -> None:
    with pytest.raises(SeamError, match=r"unknown seam 'mn.bul' \(seams: mn.binding_update_list, "):
        contract("mn.bul")


def test_fake_port_satisfies_the_movement_port_protocol() -> None:
    from mip6lab.seams.contracts.movement import FakePort

    members = {n for n in vars(MovementPort) if not n.startswith("_")}
    assert members <= set(dir(FakePort()))
    assert typing.get_type_hints(MovementPort.attached_foreign)  # annotations resolve


# --------------------------------------------------------------------------- Lab(replace=)
def test_reader_components_run_every_mobility_scenario_byte_identically() -> None:
    for scenario in ("first-foreign-link", "returning-home", "route-optimized-data", "both-away"):
        lab = Lab(scenario, replace=READER)
        lab.world.strict = True
        lab.run()
        assert hashlib.sha256(lab.capture.to_bytes_pcapng()).hexdigest() == library_capture(scenario), scenario
        assert isinstance(lab.role("mn").bul.component, ReaderBUL)  # type: ignore[attr-defined]
        assert isinstance(lab.role("ha").cache.component, ReaderBindingCache)  # type: ignore[attr-defined]


def test_reader_cache_holds_the_home_registration() -> None:
    lab = Lab("first-foreign-link", replace={"ha.binding_cache": ReaderBindingCache})
    lab.run()
    table = lab.role("ha").cache.component.table  # type: ignore[attr-defined]
    assert [e.home_address for e in table.values()] == [lab.address_of("mn")]
    assert lab.state("ha")["mobility"]["binding_cache"]


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ({"mn.bul": ReaderBUL}, r"unknown seam 'mn.bul' \(seams: mn.binding_update_list, ha.binding_cache, "),
        ({"mn.binding_update_list": 42}, r"seam mn.binding_update_list: expected a class or a factory"),
        ({"ha.sequence_compare": "gt"}, r"seam ha.sequence_compare: str does not satisfy SequenceCompare: expected a"),
        ({"ha.sequence_compare": lambda a: True}, r"seam ha.sequence_compare: .*cannot be called as the library"),
        ({"cn.rr_keys": object()}, r"seam cn.rr_keys: .*missing method 'home_keygen_token'"),
        ({"node:nobody.sending_algorithm": lambda n, p: True}, r"replace: unknown node 'nobody' \(nodes: "),
        ({"node:mn": lambda n, p: True}, r"write node:NAME.SEAM"),
        ([("mn.binding_update_list", ReaderBUL)], r"replace must be a dict"),
    ],
)
def test_bad_replacements_are_one_line_lab_errors(replace: object, message: str) -> None:
    with pytest.raises(LabError, match=message) as info:
        Lab("first-foreign-link", replace=replace)  # type: ignore[arg-type]
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("component", "member"),
    [(BULWithoutRemove, "'remove' is not callable"), (BULWithWrongLookup, "lookup() cannot be called")],
)
def test_a_broken_component_is_refused_at_lab_construction(component: type, member: str) -> None:
    with pytest.raises(SeamError) as info:
        Lab("first-foreign-link", replace={"mn.binding_update_list": component})
    text = str(info.value)
    assert text.startswith("seam mn.binding_update_list (for mn): ") and member in text
    assert "BindingUpdateListTable" in text


def test_a_component_that_raises_while_running_is_contained_and_named() -> None:
    lab = Lab("first-foreign-link", replace={"ha.binding_cache": CacheThatCrashes})
    lab.run()  # no exception escapes
    failures = [e.exception for e in lab.world.errors if isinstance(e.exception, SeamFailure)]
    assert failures and all(f.seam == "ha.binding_cache" and f.member == "lookup_valid()" for f in failures)
    assert str(failures[0]) == "seam ha.binding_cache: lookup_valid() raised ZeroDivisionError: reader's bug"
    assert any("seam ha.binding_cache" in ev.message for ev in lab.trace.events if ev.category == "error")


def test_a_replaced_algorithm_runs_in_one_node_only() -> None:
    from mip6lab.ipv6.sending import send

    calls: list[str] = []

    def mine(node: typing.Any, packet: typing.Any) -> bool:
        calls.append(node.name)
        return send(node, packet)

    lab = Lab("ping", replace={"node:cn.sending_algorithm": mine})
    lab.run()
    assert calls and set(calls) == {"cn"}
    assert library_capture("ping") == hashlib.sha256(lab.capture.to_bytes_pcapng()).hexdigest()


def test_replaced_functions_are_called() -> None:
    from mip6lab.mobility.seqno import seq_gt

    seen: list[tuple[int, int]] = []

    def greater(a: int, b: int) -> bool:
        seen.append((a, b))
        return seq_gt(a, b)

    lab = Lab("returning-home", replace={"ha.sequence_compare": greater})
    lab.run()
    assert seen  # the home agent compared the refresh / de-registration with its binding
    assert hashlib.sha256(lab.capture.to_bytes_pcapng()).hexdigest() == library_capture("returning-home")


class _Recording:
    """The library's namespace with every call recorded (for the "functions" seams)."""

    def __init__(self, target: typing.Any, calls: list[str]) -> None:
        self._target, self._calls = target, calls

    def __getattr__(self, name: str) -> typing.Any:
        fn = getattr(self._target, name)

        def call(*args: typing.Any, **kwargs: typing.Any) -> typing.Any:
            self._calls.append(name)
            return fn(*args, **kwargs)

        return call


@pytest.mark.parametrize(
    ("name", "scenario"),
    [
        ("mn.sequence_compare", "returning-home"),
        ("ha.sequence_compare", "returning-home"),
        ("cn.sequence_compare", "returning-home"),
        ("mn.rr_keys", "route-optimized-data"),
        ("cn.rr_keys", "route-optimized-data"),
        ("cn.bu_checks", "route-optimized-data"),
        ("ha.bu_checks", "first-foreign-link"),
        ("mn.ba_processing", "first-foreign-link"),
        ("mn.home_agent_selection", "ha-discovery"),
        ("ha.home_agents_list", "ha-discovery"),
        ("receiving_algorithm", "ping"),
    ],
)
def test_each_replaced_component_is_the_one_the_lab_uses(name: str, scenario: str) -> None:
    seam = SEAMS[name]
    calls: list[str] = []
    if seam.kind == "function":
        library = seam.default()

        def replacement(*args: typing.Any, **kwargs: typing.Any) -> typing.Any:
            calls.append(name)
            return library(*args, **kwargs)

        # the checks are called with keywords only: keep the library's signature visible to the validator
        replacement.__signature__ = inspect.signature(library)  # type: ignore[attr-defined]
    elif seam.kind == "functions":
        replacement = _Recording(seam.default(), calls)  # type: ignore[assignment]
    else:

        def replacement() -> typing.Any:  # type: ignore[misc]
            return _Recording(seam.default()(), calls)

    lab = Lab(scenario, replace={name: replacement})
    lab.world.strict = True
    lab.run()
    assert calls, f"{name} was never called in {scenario}"
    assert hashlib.sha256(lab.capture.to_bytes_pcapng()).hexdigest() == library_capture(scenario)


def test_movement_detectors_get_a_narrow_port_not_the_node() -> None:
    from mip6lab.mobility.mobile_node import MovementPort as Port

    lab = Lab("first-foreign-link", replace={"node:mn.mn.movement_detection": ReaderMovementDetector})
    detector = lab.role("mn").movement.component  # type: ignore[attr-defined]
    assert isinstance(detector.node, Port)
    assert not hasattr(detector.node, "interfaces") and not hasattr(detector.node, "bul")
    protocol_members = {n for n in vars(MovementPort) if not n.startswith("_")}
    assert {n for n in dir(Port) if not n.startswith("_")} == protocol_members
    assert isinstance(Lab("first-foreign-link").role("mn").movement.mn, Port)  # type: ignore[attr-defined]


def test_a_rule_from_another_rfc_is_named_once() -> None:
    """A plain-IPv6 rule cites RFC 8200/4861 itself; the verdict does not put 'RFC 6275' in front of it."""

    def drop_everything(node: object, packet: object) -> bool:
        return False

    text = str(check("sending_algorithm", drop_everything))
    assert "(RFC 8200, RFC 4861 (plain IPv6))" in text and "RFC 6275 RFC" not in text
