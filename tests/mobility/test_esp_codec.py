"""ESP-protected home registration through the package codec: the packet a mobile node sends.

BU from the care-of address with a Home Address option, ESP (transport mode) around the Mobility
Header, checksum computed with the home address (RFC 6275 §6.1.1); the home agent decodes, opens
and gets the same Binding Update back. scapy builds the same octets.
"""

from __future__ import annotations

import random
from ipaddress import IPv6Address as A

import pytest
from scapy.compat import raw
from scapy.layers.inet6 import HAO, IPv6ExtHdrDestOpt
from scapy.layers.inet6 import IPv6 as ScapyIPv6
from scapy.layers.ipsec import ESP as ScapyESP

from mip6lab.mobility.ipsec import manual_sa_pair
from mip6lab.wire.codec import decode_ipv6, encode_ipv6, encode_upper, upper_checksum_ok
from mip6lab.wire.ip import ESP, NH_MOBILITY, DestinationOptions, HomeAddressOption, IPv6, RawPayload
from mip6lab.wire.mh import MH_BU, AlternateCareofAddress, BindingUpdate, MobilityHeader

HOA, HA, COA = A("2001:db8:1::100"), A("2001:db8:1::1"), A("2001:db8:2::100")


@pytest.mark.parametrize("mode", ["null", "aes"])
def test_protected_home_bu_through_the_codec(mode: str) -> None:
    mn, ha = manual_sa_pair(HOA, HA, mode, random.Random(4))  # type: ignore[arg-type]
    bu = MobilityHeader(BindingUpdate(seq=9, lifetime=150, A=True, H=True, options=(AlternateCareofAddress(COA),)))
    nh, mh_octets = encode_upper(bu, HOA, HA)  # pseudo-header: home address (§6.1.1)
    sa = mn.outbound(HOA, HA, NH_MOBILITY, MH_BU)
    assert sa is not None and nh == NH_MOBILITY
    esp = mn.protect(sa, nh, mh_octets)
    pkt = IPv6(src=COA, dst=HA, ext=(DestinationOptions((HomeAddressOption(HOA),)),), payload=esp)
    wire = encode_ipv6(pkt)

    ref = ScapyIPv6(src=str(COA), dst=str(HA)) / IPv6ExtHdrDestOpt(options=[HAO(hoa=str(HOA))])
    assert wire == raw(ref / ScapyESP(spi=esp.spi, seq=esp.seq, data=esp.data))

    got = decode_ipv6(wire)
    assert isinstance(got.payload, ESP) and got.payload == esp
    hao = got.home_address_option
    assert hao is not None and hao.home_address == HOA
    _, got_nh, plain = ha.open(got.payload)
    assert ha.inbound_ok(hao.home_address, got.dst, got_nh, MH_BU, sa.spi)
    # re-parse the opened octets as the upper layer of the logical (HoA -> HA) packet
    inner = decode_ipv6(encode_ipv6(IPv6(src=HOA, dst=HA, payload=RawPayload(got_nh, plain))))
    assert isinstance(inner.payload, MobilityHeader) and upper_checksum_ok(inner)
    msg = inner.payload.message
    assert isinstance(msg, BindingUpdate) and (msg.seq, msg.lifetime, msg.A, msg.H) == (9, 150, True, True)
    assert AlternateCareofAddress(COA) in msg.options  # the decoder keeps the PadN before it too
