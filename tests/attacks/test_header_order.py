"""Hole 9: a Hop-by-Hop Options header anywhere but first is refused (RFC 8200 §4)."""

from __future__ import annotations

from ipaddress import IPv6Address

from mip6lab.lab import Lab
from mip6lab.wire.icmp import PP_UNRECOGNIZED_NEXT_HEADER, EchoRequest, ParameterProblem
from mip6lab.wire.ip import DestinationOptions, HopByHopOptions, IPv6, PadN

EVE = IPv6Address("2001:db8:1::66")


def _probe(ext: tuple) -> tuple[Lab, list]:
    lab = Lab("ping")
    lab.run(until=3.0)
    eve = lab.add_tester("eve", "home", [EVE])
    eve.send(IPv6(EVE, lab.address_of("hn"), EchoRequest(7, 1, b"x"), ext=ext))
    lab.run(until=4.0)
    assert lab.world.errors == []
    return lab, [r.packet for r in eve.received if r.packet is not None and r.name not in ("NS", "NA", "RA")]


def test_hop_by_hop_after_destination_options_gets_parameter_problem_code_1() -> None:
    lab, got = _probe((DestinationOptions((PadN(b"\0" * 4),)), HopByHopOptions((PadN(b"\0" * 4),))))
    assert len(got) == 1
    pp = got[0].payload
    assert isinstance(pp, ParameterProblem)
    assert pp.code == PP_UNRECOGNIZED_NEXT_HEADER
    assert pp.pointer == 40  # the Destination Options header's Next Header field, which named Hop-by-Hop
    assert pp.invoking[40] == 0  # ... and it holds 0 (Hop-by-Hop)


def test_hop_by_hop_first_is_still_answered() -> None:
    lab, got = _probe((HopByHopOptions((PadN(b"\0" * 4),)), DestinationOptions((PadN(b"\0" * 4),))))
    assert [type(p.payload).__name__ for p in got] == ["EchoReply"]
