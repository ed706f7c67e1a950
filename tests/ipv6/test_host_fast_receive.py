"""A host reads a frame to its own MAC without the Ethernet value (``IPv6Node.handle_frame``'s fast path):
whatever the frame, the node does and records exactly what the full path does."""

from __future__ import annotations

import dataclasses
from ipaddress import IPv6Address as A

import pytest

from mip6lab.ipv6 import node as node_module
from mip6lab.ipv6.node import IPv6Node
from mip6lab.trace import Trace
from mip6lab.transport.udp import UDPLayer
from mip6lab.wire import icmp as I
from mip6lab.wire.codec import encode_frame, encode_ipv6
from mip6lab.wire.ip import DestinationOptions, Ethernet, HomeAddressOption, IPv6
from mip6lab.wire.transport import SYN, TCP, UDP

MAC = "02:00:00:00:00:0a"
PEER_MAC = "02:00:00:00:00:0b"
ME = A("2001:db8:1::a")
PEER = A("2001:db8:1::b")


def _host(traced: bool = True) -> tuple[IPv6Node, list[tuple]]:
    node = IPv6Node("h", trace=Trace(enabled=traced))
    node.add_interface("eth0", MAC)
    node.handle_link_change(0.0, "eth0", True)
    node.add_address("eth0", ME, 64, dad=False)
    node.interfaces["eth0"].neighbors.learned(PEER, PEER_MAC, 0.0)
    got: list[tuple] = []
    UDPLayer(node).bind(4000, lambda src, sport, data: got.append((src, sport, data)))
    node.drain()
    return node, got


def _frame(pkt: IPv6 | bytes, dst_mac: str = MAC) -> bytes:
    return encode_frame(Ethernet(dst_mac, PEER_MAC, pkt))


def _frames() -> list[bytes]:
    good = IPv6(PEER, ME, UDP(5000, 4000, b"hello"))
    octets = encode_ipv6(good)
    bad_checksum = octets[:46] + bytes([octets[46] ^ 0xFF]) + octets[47:]
    return [
        _frame(good),
        _frame(IPv6(PEER, ME, UDP(5000, 4001, b"nobody"))),  # no socket: ICMPv6 port unreachable
        _frame(bad_checksum),
        _frame(good)[:60],  # truncated: undecodable
        _frame(IPv6(PEER, ME, I.EchoRequest(1, 2, b"ping"))),
        _frame(IPv6(PEER, ME, I.NeighborSolicitation(ME, options=(I.SourceLinkLayerAddress(PEER_MAC),)), hlim=255)),
        _frame(IPv6(PEER, ME, UDP(5000, 4000, b"hao"), (DestinationOptions((HomeAddressOption(PEER),)),))),
        _frame(IPv6(PEER, A("2001:db8:1::99"), UDP(5000, 4000, b"not ours"))),
        _frame(good, "02:00:00:00:00:ff"),  # another host's MAC: not accepted
        _frame(good, "33:33:00:00:00:01"),  # a group MAC the interface accepts
        _frame(IPv6(PEER, ME, TCP(5000, 4000, 1, 0, SYN))),  # no TCP: a reset
        _frame(encode_ipv6(IPv6(PEER, ME, TCP(5000, 4000, 1, 0, SYN)))[:-2] + b"\0\0"),  # bad checksum
    ]


def _observe(node: IPv6Node, got: list[tuple]) -> tuple:
    runs = [(r.algorithm, r.result, [(s.number, s.decision) for s in r.steps]) for r in node.trace.runs]
    events = [(e.category, e.message) for e in node.trace.events]
    return runs, events, list(got)


@pytest.mark.parametrize("index", range(len(_frames())))
def test_fast_receive_does_what_the_full_path_does(index: int, monkeypatch: pytest.MonkeyPatch) -> None:
    frame = _frames()[index]
    fast, fast_got = _host()
    fast_out = fast.handle_frame(1.0, "eth0", frame)
    with monkeypatch.context() as m:
        m.setattr(node_module, "_own_mac_octets", lambda mac: None)  # every frame takes the full path
        full, full_got = _host()
        full_out = full.handle_frame(1.0, "eth0", frame)
    assert [dataclasses.astuple(a) for a in fast_out] == [dataclasses.astuple(a) for a in full_out]
    assert _observe(fast, fast_got) == _observe(full, full_got)


@pytest.mark.parametrize("index", range(len(_frames())))
def test_untraced_receive_does_what_the_traced_one_does(index: int) -> None:
    frame = _frames()[index]
    untraced, untraced_got = _host(traced=False)
    traced, traced_got = _host(traced=True)
    untraced_out = untraced.handle_frame(1.0, "eth0", frame)
    traced_out = traced.handle_frame(1.0, "eth0", frame)
    assert [dataclasses.astuple(a)[:2] for a in untraced_out] == [dataclasses.astuple(a)[:2] for a in traced_out]
    assert untraced_got == traced_got
    assert list(untraced.trace.runs) == []


def test_the_fast_path_is_taken_and_delivers(monkeypatch: pytest.MonkeyPatch) -> None:
    node, got = _host()

    def no_ethernet_value(frame: bytes) -> None:
        raise AssertionError("the full path decoded the frame")

    monkeypatch.setattr(node_module, "decode_frame", no_ethernet_value)
    node.handle_frame(1.0, "eth0", _frames()[0])
    assert got == [(PEER, 5000, b"hello")]
    assert node.trace.runs[-1].result == "delivered to UDP"


def test_undecodable_frame_is_reported() -> None:
    node, _ = _host()
    node.handle_frame(1.0, "eth0", _frames()[3])
    assert any(e.category == "decode" and "undecodable" in e.message for e in node.trace.events)


def test_own_mac_octets_only_for_the_decoded_form() -> None:
    assert node_module._own_mac_octets("02:00:00:00:00:0a") == bytes.fromhex("02000000000a")
    assert node_module._own_mac_octets("02-00-00-00-00-0a") is None  # decoding never gives this text
    assert node_module._own_mac_octets("02:00:00:00:00:0A") is None
    assert node_module._own_mac_octets("not a mac") is None
