"""The fast hop's memo (``Router.fast_forward``): per header, what the checks and lookups found, used
only while it still holds - the same frame out as the full path, and the full path's answer (None
from the fast hop) as soon as the route, the neighbor, our addresses or the frame's length say so."""

from __future__ import annotations

from ipaddress import IPv6Address, IPv6Network

import pytest

from mip6lab import Lab, Scenario
from mip6lab.bench import chain_topology
from mip6lab.ipv6 import node as node_module
from mip6lab.ipv6.node import IPv6Node, Router
from mip6lab.ipv6.routing import RouteOrigin
from mip6lab.sansio import Transmit
from mip6lab.wire import codec
from mip6lab.wire.addr import from_packed
from mip6lab.wire.codec import decode_frame, encode_ipv6, frame_carries_transport
from mip6lab.wire.ip import IPv6, RawPayload
from mip6lab.wire.mh import HomeTestInit, MobilityHeader


@pytest.fixture
def hop(monkeypatch: pytest.MonkeyPatch):
    """A chain lab after a short UDP flow from a to b, r1 (in the middle) and a frame it forwarded fast."""
    lab = Lab(Scenario("chain", "chain", lambda lab: None, mobility=False), topology=chain_topology(), trace=False)
    lab.run(until=3.0)
    lab.udp_flood("a", "b", rate=100.0, size=200, duration=0.05)
    seen: list[tuple[str, bytes]] = []
    original = Router.fast_forward

    def spy(self, now, ifname, frame, traced=False):  # type: ignore[no-untyped-def]
        out = original(self, now, ifname, frame, traced)
        if self.name == "r1" and out is not None:
            seen.append((ifname, frame))
        return out

    monkeypatch.setattr(Router, "fast_forward", spy)
    lab.run(until=lab.now + 0.5)
    monkeypatch.setattr(Router, "fast_forward", original)
    assert seen, "the fast hop carried the flow"
    r1 = lab.world.nodes["r1"]
    ifname, frame = seen[-1]
    return lab, r1, ifname, frame


def full_path(r: Router, now: float, ifname: str, frame: bytes) -> list[Transmit]:
    return [a for a in IPv6Node.handle_frame(r, now, ifname, frame) if isinstance(a, Transmit)]


def test_the_memo_sends_what_the_full_path_sends(hop) -> None:
    lab, r1, ifname, frame = hop
    now = lab.now
    first = r1.fast_forward(now, ifname, frame)
    again = r1.fast_forward(now, ifname, frame)  # from the memo
    assert first == again == full_path(r1, now, ifname, frame)
    assert first[0].frame[21] == frame[21] - 1 and first[0].frame[22:] == frame[22:]
    # the next packet of the flow (another payload, same header) reuses the entry
    other = frame[:54] + bytes(reversed(frame[54:]))
    assert r1.fast_forward(now, ifname, other) == full_path(r1, now, ifname, other)


def test_a_length_the_header_does_not_announce_takes_the_full_path(hop) -> None:
    lab, r1, ifname, frame = hop
    assert r1.fast_forward(lab.now, ifname, frame) is not None
    assert r1.fast_forward(lab.now, ifname, frame + b"\x00") is None
    assert r1.fast_forward(lab.now, ifname, frame[:-1]) is None


def test_a_destination_that_became_ours_takes_the_full_path(hop) -> None:
    lab, r1, ifname, frame = hop
    assert r1.fast_forward(lab.now, ifname, frame) is not None
    r1.add_address(ifname, IPv6Address(frame[38:54]), 128, dad=False, on_link=False)
    assert r1.fast_forward(lab.now, ifname, frame) is None


def test_a_forgotten_neighbor_takes_the_full_path(hop) -> None:
    lab, r1, ifname, frame = hop
    out = r1.fast_forward(lab.now, ifname, frame)
    neighbors = r1.interfaces[out[0].ifname].neighbors
    for addr in list(neighbors.entries):
        neighbors.delete(addr)
    assert r1.fast_forward(lab.now, ifname, frame) is None


def test_a_new_route_is_followed_at_once(hop) -> None:
    """A more specific route back towards r0 (whose neighbor entry r1 holds): the memo's route is
    dropped with the destination cache and the very next frame leaves on the new interface."""
    lab, r1, ifname, frame = hop
    before = r1.fast_forward(lab.now, ifname, frame)
    back = next(a for a, e in r1.interfaces[ifname].neighbors.entries.items() if e.mac)
    r1.routes.add(IPv6Network(f"{IPv6Address(frame[38:54])}/128"), back, ifname, 1, RouteOrigin.MANUAL)
    after = r1.fast_forward(lab.now, ifname, frame)
    assert before[-1].ifname != ifname
    assert after is not None
    sent = [a for a in after if isinstance(a, Transmit)]  # (and NUD's timer if the neighbor was STALE)
    assert len(sent) == 1 and sent[0].ifname == ifname
    assert sent == full_path(r1, lab.now, ifname, frame)


def test_a_new_header_to_a_known_destination_reuses_its_route(hop) -> None:
    """Another header (here a different Hop Limit) to the same destination: a new header entry, the
    destination's route record found again, the full path's frame out."""
    lab, r1, ifname, frame = hop
    r1.fast_forward(lab.now, ifname, frame)
    other = frame[:21] + bytes([frame[21] - 7]) + frame[22:]
    out = r1.fast_forward(lab.now, ifname, other)
    assert out is not None and out[0].frame[21] == frame[21] - 8
    assert len(r1._forwarding_routes) == 1 and len(r1._forwarding) == 2
    assert out == full_path(r1, lab.now, ifname, other)


def _traced_hop(r: Router, now: float, ifname: str, frame: bytes, handle) -> tuple[list[bytes], list[tuple]]:
    """The frames ``handle`` sends for ``frame`` and the runs and events it records (without ids)."""
    trace = r.trace
    runs, events = len(trace.runs), len(trace.events)
    out = [a.frame for a in handle(r, now, ifname, frame) if isinstance(a, Transmit)]
    recorded = [(x.algorithm, x.node, x.packet, x.steps, x.result, x.output) for x in list(trace.runs)[runs:]]
    recorded += [(e.category, e.message) for e in list(trace.events)[events:]]
    return out, recorded


def _mobility_header_frame(frame: bytes) -> bytes:
    """``frame``'s Ethernet header, addresses and Hop Limit around a Mobility Header (a HoTI from a to b): a body
    frame_carries_transport cannot vouch for from the octets, so a traced router asks frame_upper about it."""
    packet = IPv6(from_packed(frame[22:38]), from_packed(frame[38:54]), MobilityHeader(HomeTestInit(bytes(range(8)))))
    octets = encode_ipv6(packet)
    return frame[:14] + octets[:7] + frame[21:22] + octets[8:]


@pytest.mark.parametrize("body", ["decodes", "udp-length-wrong", "seen-before", "tcp-offset-wrong"])
def test_a_traced_hop_records_what_the_full_path_records(hop, body: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tracing on, a router decides from the octets or the bodies decoded before whether a frame decodes (only
    then the fast hop, with its run): a UDP Length or a TCP Data Offset that disagrees takes the full path.
    "seen-before": a Mobility Header whose body was decoded at another Hop Limit: frame_upper answers from the
    bodies decoded before, without decoding again, what the full decoding gives."""
    lab, r1, ifname, frame = hop
    lab.trace.enabled = True
    answers: list[tuple[str, object]] = []
    decodes: list[bytes] = []
    if body == "udp-length-wrong":
        frame = frame[:58] + bytes([frame[58] ^ 1]) + frame[59:]  # the UDP Length field
    elif body == "tcp-offset-wrong":  # a UDP datagram read as a TCP segment: Data Offset 0
        frame = frame[:20] + bytes([6]) + frame[21:66] + bytes([0]) + frame[67:]
    elif body == "seen-before":
        frame = _mobility_header_frame(frame)
        assert not frame_carries_transport(frame)  # the verdict has to come from frame_upper
        earlier = frame[:21] + bytes([frame[21] - 3]) + frame[22:]  # the same body under another header
        Router.handle_frame(r1, lab.now, ifname, earlier)  # decoded (and kept) here
        real_upper, real_decode = node_module.frame_upper, codec.decode_frame_ipv6

        def upper(f: bytes) -> object:
            try:
                got = real_upper(f)
            except Exception as exc:
                answers.append(("raised", exc))
                raise
            answers.append(("answered", got))
            return got

        def decode(f: bytes, *a: object, **k: object) -> IPv6:
            decodes.append(f)
            return real_decode(f, *a, **k)

        monkeypatch.setattr(node_module, "frame_upper", upper)
        monkeypatch.setattr(codec, "decode_frame_ipv6", decode)  # what frame_upper decodes with when it must
    fast = _traced_hop(r1, lab.now, ifname, frame, Router.handle_frame)
    if body == "seen-before":
        assert answers == [("answered", decode_frame(frame).payload.payload)]
        assert isinstance(answers[0][1], MobilityHeader) and decodes == []  # not decoded a second time
    full = _traced_hop(r1, lab.now, ifname, frame, IPv6Node.handle_frame)
    assert fast == full
    run = fast[1][0]
    assert run[4] == "forwarded" and len(fast[0]) == 1
    # malformed: read as transit (RFC 8200 §4), the payload kept raw, and a "decode" event says so
    malformed = body in ("udp-length-wrong", "tcp-offset-wrong")
    assert isinstance(run[2].payload, RawPayload) == malformed
    assert [x[0] for x in fast[1][1:]] == (["decode"] if malformed else [])
