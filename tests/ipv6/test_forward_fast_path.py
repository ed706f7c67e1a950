"""The forwarding fast path sends exactly the octets the slow path would.

A router forwards the frame it received with a new Ethernet header and the Hop Limit octet rewritten
(``Router.forwarded_octets``) instead of encoding ``replace(packet, hlim=packet.hlim - 1)`` again.
These tests hold the two side by side for every packet the routers of several scenarios forward:
tunnels, Home Address options, Type 2 Routing headers, ESP (null and AES) and ICMPv6 errors in transit.
"""

from __future__ import annotations

import collections
from dataclasses import replace
from ipaddress import IPv6Address as A

import pytest

from mip6lab.ipv6.node import Router
from mip6lab.lab import Lab
from mip6lab.wire import icmp as I
from mip6lab.wire.codec import decode_frame, encode_frame, encode_ipv6, with_hop_limit
from mip6lab.wire.ip import ESP, Ethernet, IPv6, RawPayload
from mip6lab.wire.transport import UDP

SCENARIOS = [
    ("tunneled-data", "null"),
    ("tunneled-data", "aes"),
    ("home-prefix-change", "null"),
    ("lost-binding-update-nud", "aes"),
    ("tcp-breaks-without-mip6", "null"),
    ("both-away", "null"),
]
ICMP_ERRORS = (I.DestinationUnreachable, I.PacketTooBig, I.TimeExceeded, I.ParameterProblem)


def kinds(p: IPv6) -> set[str]:
    """What a forwarded packet carries, for the coverage check."""
    inner = p.payload.payload if isinstance(p.payload, IPv6) else p.payload
    found = {
        "tunnel": isinstance(p.payload, IPv6),
        "ESP": isinstance(p.payload, ESP) or isinstance(inner, ESP),
        "HAO": p.home_address_option is not None,
        "RH2": p.routing_type2 is not None,
        "ICMPv6 error": isinstance(inner, ICMP_ERRORS),
    }
    return {k for k, v in found.items() if v}


def run_with_spy(
    monkeypatch: pytest.MonkeyPatch, name: str, esp: str, fast_hop: bool = False
) -> tuple[Lab, list[tuple[IPv6, bytes, bool]]]:
    """Run scenario ``name``; record every ``forwarded_octets`` call: (out, octets, fast path taken).
    Without ``fast_hop`` routers forward through ``Router.forward`` only (with tracing on too, the
    fast hop, ``Router.fast_forward``, would carry most transit packets: tests/perf/test_fast_hop.py)."""
    calls: list[tuple[IPv6, bytes, bool]] = []
    if not fast_hop:
        monkeypatch.setattr(Router, "fast_forward", lambda self, now, ifname, frame, packet=None: None)
    original = Router.forwarded_octets

    def spy(self: Router, packet: IPv6, out: IPv6) -> bytes:
        fast = self.received is not None and self.received[0] is packet
        octets = original(self, packet, out)
        calls.append((out, octets, fast))
        return octets

    monkeypatch.setattr(Router, "forwarded_octets", spy)
    lab = Lab(name, esp=esp)
    lab.world.strict = True
    lab.run()
    return lab, calls


@pytest.mark.parametrize(("name", "esp"), SCENARIOS)
def test_fast_path_octets_equal_the_encoded_packet(monkeypatch: pytest.MonkeyPatch, name: str, esp: str) -> None:
    _lab, calls = run_with_spy(monkeypatch, name, esp)
    fast = [(out, octets) for out, octets, f in calls if f]
    assert fast, "the routers never took the fast path"
    for out, octets in fast:
        assert octets == encode_ipv6(out)


@pytest.mark.parametrize(("name", "esp"), SCENARIOS)
def test_forwarded_frames_equal_the_slow_path(monkeypatch: pytest.MonkeyPatch, name: str, esp: str) -> None:
    """Every frame a router forwarded (found through its receive run) is byte for byte the encoding of
    the received packet with the Hop Limit one less, between the MACs of that hop (fast hop included)."""
    lab, _calls = run_with_spy(monkeypatch, name, esp, fast_hop=True)
    routers = {n for n, node in lab.world.nodes.items() if isinstance(node, Router)}
    frames = collections.defaultdict(list)
    for rec in lab.capture:
        if rec.sender in routers and rec.trace_id:
            frames[rec.trace_id].append(rec)
    checked = 0
    for run in lab.trace.runs:
        if run.algorithm != "receive" or run.node not in routers or not run.result.startswith("forwarded"):
            continue
        out = replace(run.packet, hlim=run.packet.hlim - 1)
        assert run.output == out
        (rec,) = [r for r in frames[run.id] if r.sender == run.node]
        assert rec.frame == encode_frame(Ethernet(rec.dst_mac, rec.src_mac, out))
        checked += 1
    assert checked > 0


def test_fast_path_covers_tunnels_hao_rh2_esp_and_icmp_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: set[str] = set()
    for name, esp in SCENARIOS:
        _lab, calls = run_with_spy(monkeypatch, name, esp)
        for out, _octets, fast in calls:
            if fast:
                seen |= kinds(out)
    assert seen == {"tunnel", "ESP", "HAO", "RH2", "ICMPv6 error"}


def test_hop_limit_rewrite_equals_encoding_for_every_captured_packet() -> None:
    """The identity the fast path rests on, for every IPv6 packet of the scenarios (not only the
    forwarded ones): rewriting the Hop Limit octet == encoding the decoded packet with that Hop Limit."""
    n = 0
    for name, esp in SCENARIOS:
        lab = Lab(name, esp=esp, trace=False)
        lab.run()
        for rec in lab.capture:
            pkt = decode_frame(rec.frame).payload
            assert isinstance(pkt, IPv6)
            for hlim in {max(pkt.hlim - 1, 0), 0, 255}:
                assert with_hop_limit(rec.frame[14:], hlim) == encode_ipv6(replace(pkt, hlim=hlim))
                n += 1
    assert n > 1000


def test_a_packet_not_from_the_frame_is_encoded() -> None:
    """The fast path is for the packet decoded from the frame being handled; any other packet (one a
    router built or decapsulated) is encoded, even while a frame is being handled."""
    r = Router("r")
    pkt = IPv6(A("2001:db8:1::1"), A("2001:db8:2::2"), UDP(1, 2, b"data"), hlim=9)
    twin = IPv6(A("2001:db8:1::1"), A("2001:db8:2::2"), RawPayload(59, b""), hlim=9)
    out = replace(pkt, hlim=8)
    assert r.received is None
    assert r.forwarded_octets(pkt, out) == encode_ipv6(out)
    r.received = (twin, bytes(14) + encode_ipv6(twin))
    assert r.forwarded_octets(pkt, out) == encode_ipv6(out)
    r.received = (pkt, bytes(14) + encode_ipv6(pkt))
    assert r.forwarded_octets(pkt, out) == encode_ipv6(out)
    r.received = (pkt, bytes(14) + bytes(range(40)))  # the fast path copies the frame, it does not encode
    assert r.forwarded_octets(pkt, out) == bytes(range(7)) + bytes([8]) + bytes(range(8, 40))
