"""An untraced correspondent receives a route-optimized datagram (a Destination Options header with only the Home
Address option and padding, then UDP or TCP) by Figure 36's path for it directly (``receiving.receive``): whatever
the packet, the node sends, delivers and reports exactly what the whole figure does, traced or not."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from ipaddress import IPv6Address as A

import pytest
from test_cn_registration import register
from test_cn_support import CN, COA, COA2, HOA, cn_bench, with_hao

from mip6lab.ipv6 import receiving
from mip6lab.transport.udp import UDPLayer
from mip6lab.wire.codec import encode_ipv6
from mip6lab.wire.ip import DestinationOptions, HomeAddressOption, IPv6, Pad1, PadN, UnknownOption
from mip6lab.wire.transport import SYN, TCP, UDP

OTHER_HOA = A("2001:db8:1::200")


def _hao_ext(*options: object) -> tuple[DestinationOptions, ...]:
    return (DestinationOptions(tuple(options)),)


def _bad_checksum(pkt: IPv6) -> bytes:
    octets = encode_ipv6(pkt)
    return octets[:-1] + bytes([octets[-1] ^ 0xFF])


PACKETS: list[IPv6 | bytes] = [
    with_hao(IPv6(COA, CN, UDP(5000, 4000, b"bound")), HOA),  # a binding for HOA at COA: delivered from HOA
    with_hao(IPv6(COA2, CN, UDP(5000, 4000, b"wrong coa")), HOA),  # Binding Error 1
    with_hao(IPv6(COA, CN, UDP(5000, 4000, b"no binding")), OTHER_HOA),  # Binding Error 1
    with_hao(IPv6(COA, CN, UDP(5000, 4000, b"multicast hoa")), A("ff0e::1")),  # not routable: dropped
    with_hao(IPv6(COA, CN, UDP(5000, 4001, b"no socket")), HOA),  # port unreachable
    with_hao(IPv6(COA, CN, TCP(5000, 4000, 1, 0, SYN)), HOA),  # no TCP: a reset
    _bad_checksum(with_hao(IPv6(COA, CN, UDP(5000, 4000, b"bad checksum")), HOA)),
    IPv6(COA, CN, UDP(5000, 4000, b"padded"), _hao_ext(Pad1(), HomeAddressOption(HOA), PadN(b"\0\0\0"))),
    IPv6(COA, CN, UDP(5000, 4000, b"two"), _hao_ext(HomeAddressOption(HOA), HomeAddressOption(OTHER_HOA))),
    IPv6(COA, CN, UDP(5000, 4000, b"skip me"), _hao_ext(HomeAddressOption(HOA), UnknownOption(0x1E, b"ab"))),
    IPv6(COA, CN, UDP(5000, 4000, b"discard"), _hao_ext(HomeAddressOption(HOA), UnknownOption(0x5E, b"ab"))),
    IPv6(COA, CN, UDP(5000, 4000, b"answer"), _hao_ext(HomeAddressOption(HOA), UnknownOption(0x9E, b"ab"))),
    IPv6(COA, CN, UDP(5000, 4000, b"pad only"), _hao_ext(PadN(b"\0\0\0\0"))),
    IPv6(COA, CN, UDP(5000, 4000, b"plain")),  # no extension header at a node with mobility
    IPv6(HOA, CN, UDP(5000, 4000, b"twice"), (*_hao_ext(HomeAddressOption(HOA)), *_hao_ext(PadN(b"\0\0\0\0")))),
]


def _run(packet: IPv6 | bytes, *, runs: bool, then: Callable[[], object] = lambda: None) -> tuple:
    """What a correspondent with a binding HOA -> COA does with ``packet``: the frames it sends, the datagrams
    it delivers, its trace events. ``runs=False``: tracing off for the algorithms (their fast paths), the events
    still kept to compare. ``then`` runs after the registration, before ``packet`` arrives."""
    bench, role = cn_bench()
    register(bench)
    got: list[tuple] = []
    UDPLayer(bench.node).bind(4000, lambda src, sport, data: got.append((src, sport, data)))
    if not runs:
        bench.node.trace.start_run = lambda *a, **k: None  # type: ignore[method-assign]
    then()
    bench.mark()
    events = len(bench.node.trace.events)
    if isinstance(packet, bytes):
        bench.inject_raw(packet)
    else:
        bench.inject(packet)
    frames = [r.frame for r in list(bench.world.capture)[bench._mark :] if r.sender == "cn"]
    seen = [(e.category, e.message) for e in list(bench.node.trace.events)[events:]]
    usage = [(e.home_address, e.usage_count) for e in role.cache]
    return frames, got, seen, usage


@pytest.mark.parametrize("index", range(len(PACKETS)))
def test_untraced_receive_does_what_the_whole_figure_does(index: int, monkeypatch: pytest.MonkeyPatch) -> None:
    packet = PACKETS[index]
    fast = _run(packet, runs=False)
    assert fast == _run(packet, runs=True)
    with monkeypatch.context() as m:
        m.setattr(receiving, "_plain_home_address_option", lambda ext: None)  # steps 2-12 in full
        assert fast == _run(packet, runs=False)


def test_the_direct_path_is_taken_for_a_route_optimized_datagram(monkeypatch: pytest.MonkeyPatch) -> None:
    def general(*a: object, **k: object) -> None:
        raise AssertionError("steps 2-12 in full")

    frames, got, _, _ = _run(
        PACKETS[0], runs=False, then=lambda: monkeypatch.setattr(receiving, "_receive_general", general)
    )
    assert got == [(HOA, 5000, b"bound")] and frames == []


def test_a_plain_home_address_option_is_recognised() -> None:
    hao = HomeAddressOption(HOA)
    assert receiving._plain_home_address_option(_hao_ext(PadN(b"\0\0"), hao)) is hao
    assert receiving._plain_home_address_option(_hao_ext(hao, HomeAddressOption(OTHER_HOA))) is hao
    assert receiving._plain_home_address_option(_hao_ext(PadN(b"\0\0"))) is None
    assert receiving._plain_home_address_option(_hao_ext(hao, UnknownOption(0x1E, b""))) is None
    assert receiving._plain_home_address_option((*_hao_ext(hao), *_hao_ext(hao))) is None
    assert receiving._plain_home_address_option(replace(PACKETS[0], ext=()).ext) is None
