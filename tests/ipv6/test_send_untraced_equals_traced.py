"""The untraced sending path (``sending._send_untraced``, and the plain node's shortcut in ``send``) does what the
traced loop of Figure 35 does: for each branch of the figure, two identical fresh nodes send the same packet, one
with tracing on and one with it off, and they must return the same answer, put the same frames on the link and ask
their mobility hooks the same questions in the same order (the promise in ``_send_untraced``'s docstring)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv6Address as A
from typing import Any

import pytest
from conftest import Net
from test_algorithms import CN, COA, HA, HOA, Binding, FakeMobility, X, Y, mobile_pair, pair

from mip6lab.ipv6 import sending
from mip6lab.ipv6.node import IPv6Node
from mip6lab.wire.ip import IPv6, RoutingType2
from mip6lab.wire.mh import BindingUpdate, HomeTestInit, MobilityHeader
from mip6lab.wire.transport import UDP

FAR_COA = A("2001:db9::5")  # a care-of address the correspondent has no route to
BUL_ENTRY = "a binding update list entry"  # equal across the two runs (an object() would not be)


class Hooks(FakeMobility):
    """test_algorithms' FakeMobility, except that a mobile node without a home agent cannot tunnel."""

    def tunnel_to_home_agent(self, packet: IPv6) -> IPv6 | None:
        if self.home_agent_address is None:
            return None
        return super().tunnel_to_home_agent(packet)


class Recorder:
    """Wraps the hooks: every method call and attribute read is appended to ``calls`` as (name, args)."""

    def __init__(self, inner: Any, calls: list[tuple]) -> None:
        object.__setattr__(self, "_inner", inner)
        object.__setattr__(self, "_calls", calls)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._inner, name)
        if not callable(value):
            self._calls.append((name, ()))
            return value

        def call(*args: Any) -> Any:
            self._calls.append((name, args))
            return value(*args)

        return call


def _mobile(net: Net, **kw: Any) -> tuple[IPv6Node, Any]:
    """test_algorithms' mobile_pair with Hooks (the mobile node away, care-of address COA, home agent HA)."""
    mn, _, _ = mobile_pair(net)
    hooks = Hooks(HOA, COA, HA, away=True)
    for key, value in kw.items():
        setattr(hooks, key, value)
    mn.mobility = hooks
    return mn, hooks


def _correspondent(net: Net, coa: A = X, *, route_to_hoa: bool = True) -> tuple[IPv6Node, Any]:
    """y holds a binding HOA -> ``coa``; the home network is reached through x unless ``route_to_hoa`` is off."""
    _, y = pair(net)
    hooks = Hooks(bindings={HOA: Binding(HOA, coa)})
    y.mobility = hooks
    if route_to_hoa:
        y.add_route("2001:db8:1::", 64, X, "eth0")
    return y, hooks


def _plain(net: Net) -> tuple[IPv6Node, Any]:
    x, _ = pair(net)
    x.add_route("::", 0, Y, "eth0")
    return x, None


@dataclass(frozen=True)
class Case:
    build: Callable[[Net], tuple[IPv6Node, Any]]
    packet: IPv6
    sent: bool  # what send answers (the traced loop, pinned so that both paths cannot drift together)
    result: str  # the traced run's result


SENT = "sent after address resolution"
DATA = UDP(40001, 40002, b"data")
CASES: dict[str, Case] = {
    "binding cache pointer": Case(_correspondent, IPv6(Y, HOA, DATA), True, SENT),
    "binding update list hit": Case(lambda net: _mobile(net, bul={CN: BUL_ENTRY}), IPv6(HOA, CN, DATA), True, SENT),
    "reverse tunnel, registration initiated": Case(_mobile, IPv6(HOA, CN, DATA), True, SENT),
    "reverse tunnel, registration already initiated": Case(
        lambda net: _mobile(net, initiated=[CN], capable={CN: True}),
        IPv6(HOA, CN, DATA),
        True,
        SENT,
    ),
    "is_mipv6_capable False": Case(lambda net: _mobile(net, capable={CN: False}), IPv6(HOA, CN, DATA), True, SENT),
    "no home agent": Case(
        lambda net: _mobile(net, home_agent_address=None),
        IPv6(HOA, CN, DATA),
        False,
        "discarded: no home agent to tunnel to",
    ),
    "no route to the care-of address": Case(
        lambda net: _correspondent(net, FAR_COA), IPv6(Y, HOA, DATA), False, "discarded: no route to care-of address"
    ),
    "no route to the destination": Case(
        lambda net: _correspondent(net, route_to_hoa=False),
        IPv6(Y, HOA, DATA),
        False,
        "discarded: no route to destination",
    ),
    "Mobility Header from the home address": Case(
        _mobile, IPv6(HOA, HA, MobilityHeader(HomeTestInit(bytes(8)))), True, SENT
    ),
    "Mobility Header from the care-of address": Case(
        _mobile, IPv6(COA, HA, MobilityHeader(BindingUpdate(1, 10, H=True))), True, SENT
    ),
    "mobile node at home": Case(lambda net: _mobile(net, away=False), IPv6(HOA, CN, DATA), True, SENT),
    "mobile node away, sending from its care-of address": Case(_mobile, IPv6(COA, CN, DATA), True, SENT),
    "already carries a Type 2 Routing header": Case(
        _correspondent, IPv6(Y, HOA, DATA, (RoutingType2(HOA),)), True, SENT
    ),
    "plain node without mobility": Case(_plain, IPv6(X, CN, DATA), True, SENT),
}


def _send(case: Case, *, traced: bool) -> tuple[bool, list[tuple], list[bytes], str | None]:
    """On a fresh network: what ``send`` answers, the hook calls it makes, the frames the node then puts on the link
    (address resolution included), and the traced run's result."""
    net = Net()
    node, hooks = case.build(net)
    calls: list[tuple] = []
    if hooks is not None:
        node.mobility = Recorder(hooks, calls)  # type: ignore[assignment]
    mark = len(net.world.capture)
    runs = len(net.trace.runs_for(node.name, "send"))

    def go(n: IPv6Node) -> bool:
        n.trace.enabled = traced
        try:
            return sending.send(n, case.packet)
        finally:
            n.trace.enabled = True

    ok = net.call(node, go)
    asked = list(calls)
    net.run(net.world.sim.now + 3)
    frames = [r.frame for r in list(net.world.capture)[mark:] if r.sender == node.name]
    new_runs = net.trace.runs_for(node.name, "send")[runs:]
    result = new_runs[0].result if new_runs else None
    return ok, asked, frames, result


@pytest.mark.parametrize("name", list(CASES))
def test_untraced_send_equals_the_traced_loop(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    case = CASES[name]
    traced = _send(case, traced=True)
    assert traced[0] is case.sent and traced[3] == case.result
    if case.sent:
        assert traced[2], "the traced send put no frame on the link"

    fast_calls = []
    real = sending._send_untraced
    monkeypatch.setattr(sending, "_send_untraced", lambda *a: fast_calls.append(a) or real(*a))
    untraced = _send(case, traced=False)
    # the untraced run took the fast path (the mobility one, or the plain node's shortcut) and left no run
    assert len(fast_calls) == (0 if name == "plain node without mobility" else 1)
    assert untraced[3] is None
    assert untraced[:3] == traced[:3]
