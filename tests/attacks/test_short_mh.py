"""Hole 9: a Mobility Header whose Header Len is below its type's minimum gets RFC 6275 §9.2's
Parameter Problem (code 0, pointer at Header Len) even when octets follow it - and changes nothing."""

from __future__ import annotations

from ipaddress import IPv6Address

import pytest

from mip6lab.lab import Lab
from mip6lab.wire.codec import encode_ipv6
from mip6lab.wire.icmp import PP_ERRONEOUS_HEADER, ParameterProblem
from mip6lab.wire.ip import IPv6
from mip6lab.wire.mh import HomeTestInit, MobilityHeader

EVE = IPv6Address("2001:db8:4::66")


@pytest.mark.parametrize("trailing", [False, True])
def test_short_header_len_gets_parameter_problem(trailing: bool) -> None:
    lab = Lab("return-routability")
    lab.run(until=3.0)
    cn = lab.address_of("cn")
    before = lab.state("cn")["mobility"]
    octets = bytearray(encode_ipv6(IPv6(EVE, cn, MobilityHeader(HomeTestInit(b"12345678")))))
    assert octets[41] == 1  # HoTI: Header Len 1 (16 octets), the minimum
    octets[41] = 0  # announce 8 octets; the other 8 stay behind as trailing bytes ...
    if not trailing:  # ... or are cut off
        octets = octets[:48]
        octets[4:6] = (8).to_bytes(2, "big")
    eve = lab.add_tester("eve", "cn-link", [EVE])
    eve.send(bytes(octets))
    lab.run(until=4.0)
    errors = [r.packet.payload for r in eve.received if r.packet is not None and r.name == "Parameter Problem"]
    assert len(errors) == 1
    assert isinstance(errors[0], ParameterProblem)
    assert errors[0].code == PP_ERRONEOUS_HEADER and errors[0].pointer == 41
    assert lab.state("cn")["mobility"] == before
    assert lab.world.errors == []
