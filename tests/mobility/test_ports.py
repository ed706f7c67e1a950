"""A unit's port reads through to its role (or the role's node) at every read: nothing it returns is a
stale copy, and an undeclared name is still refused (issue 13 made the declared names properties)."""

from __future__ import annotations

from ipaddress import IPv6Address, IPv6Network

import pytest

from mip6lab.ipv6.router_discovery import prefix_network
from mip6lab.lab import Lab
from mip6lab.mobility.ports import UnitPort


class _Node:
    def __init__(self) -> None:
        self.addresses = "node's addresses"
        self.now = 1.0


class _Role:
    def __init__(self) -> None:
        self.node = _Node()

    def send_packet(self, packet: object) -> str:
        return f"sent {packet}"


def test_a_port_sees_later_changes_of_its_role_and_node() -> None:
    role = _Role()
    port = UnitPort(role, "Unit", ("send_packet", "addresses", "now", "bul"))
    assert port.send_packet("p") == "sent p" and port.addresses == "node's addresses" and port.now == 1.0
    role.node.now = 2.5
    role.node.addresses = "new"
    assert port.now == 2.5 and port.addresses == "new"
    role.now = 9.0  # the role gains the name: the role's comes first from now on
    role.send_packet = lambda packet: "replaced"  # type: ignore[method-assign]
    assert port.now == 9.0 and port.send_packet("p") == "replaced"
    with pytest.raises(AttributeError):
        port.bul  # noqa: B018  (declared, but neither the role nor its node has one)
    with pytest.raises(AttributeError, match="Unit does not declare 'routes'"):
        port.routes  # noqa: B018
    with pytest.raises(AttributeError, match="may not set 'now'"):
        port.now = 3.0


def test_a_name_the_role_drops_is_read_from_its_node() -> None:
    role = _Role()
    role.addresses = "role's own"  # type: ignore[attr-defined]
    port = UnitPort(role, "Unit2", ("addresses",))
    assert port.addresses == "role's own"
    del role.addresses  # type: ignore[attr-defined]
    assert port.addresses == "node's addresses"


def test_a_mobile_node_unit_reads_the_current_care_of_address() -> None:
    lab = Lab("first-foreign-link")
    mn = lab.role("mn")
    port = mn.correspondents.mn
    assert port.care_of_address is None and port.bul is mn.bul
    lab.run(until=12)
    assert mn.care_of_address is not None and port.care_of_address == mn.care_of_address
    assert port.now == mn.now > 0


def test_prefix_network_clears_host_bits_and_answers_equal_values() -> None:
    net = prefix_network(IPv6Address("2001:db8:1:0:abcd::1"), 64)
    assert net == IPv6Network("2001:db8:1::/64")
    assert prefix_network(IPv6Address("2001:db8:1:0:abcd::1"), 64) is net  # parsed once
    assert prefix_network(IPv6Address("2001:db8:1::"), 64) == net
    assert prefix_network(IPv6Address("2001:db8:1::"), 32) == IPv6Network("2001:db8::/32")
