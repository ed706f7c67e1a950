"""RFC 8200 §4: extension headers other than Hop-by-Hop are examined only at the destination. A
router must forward a packet whose Mobility Header (or Destination Options header) is malformed."""

from __future__ import annotations

from ipaddress import IPv6Address

import pytest

from mip6lab.lab import Lab
from mip6lab.wire.codec import DecodeError, decode_frame_transit, decode_ipv6, encode_frame, encode_ipv6
from mip6lab.wire.ip import NH_MOBILITY, DestinationOptions, Ethernet, HopByHopOptions, IPv6, RawPayload, UnknownOption

BAD_MH = bytes([59, 0, 5, 0, 0, 0, 0, 0])  # a BU (MH Type 5) with Header Len 0: below its minimum


def _lab_and_frame(pkt_for) -> tuple[Lab, bytes, str]:
    lab = Lab("ping")
    lab.run(3.0)
    pkt = pkt_for(lab)
    with pytest.raises(DecodeError):
        decode_ipv6(encode_ipv6(pkt))
    cn = lab.nodes["cn"]
    rcn_mac = next(i.mac for n, i in lab.nodes["rcn"].interfaces.items() if lab.world.link_of("rcn", n) == "cn-link")
    return lab, encode_frame(Ethernet(rcn_mac, cn.interfaces["eth0"].mac, pkt)), "cn-link"


def _copies(lab: Lab, octets: bytes, since: int) -> list[tuple[str, str, tuple[str, ...]]]:
    """Where the packet went after ``since``: (link, sender, receivers) of frames carrying it
    (compared without the Hop Limit, which each router lowers)."""
    want = octets[14:21] + octets[22:]
    return [
        (r.link, r.sender, r.receivers) for r in lab.capture.records[since:] if r.frame[14:21] + r.frame[22:] == want
    ]


def test_routers_forward_a_malformed_mobility_header_to_its_destination() -> None:
    lab, octets, link = _lab_and_frame(
        lambda lab: IPv6(lab.address_of("cn"), lab.address_of("mn"), RawPayload(NH_MOBILITY, BAD_MH))
    )
    since = len(lab.capture)
    lab.inject(link, octets)
    lab.run_for(0.5)
    hops = _copies(lab, octets, since)
    assert hops[0][:2] == ("cn-link", "inject")
    assert hops[-1][0] == "home" and "mn" in hops[-1][2]  # it reached the mobile node's link and node
    senders = [s for _, s, _ in hops[1:]]
    assert senders[0] == "rcn" and "core" in senders  # forwarded by every router on the way
    forwarded = [r for r in lab.trace.runs if r.algorithm == "receive" and r.node == "rcn" and r.time > 3.0]
    assert forwarded and forwarded[-1].step_numbers == [1] and "forwards" in forwarded[-1].steps[0].decision
    # the destination, not a router, is the one that finds the Mobility Header malformed
    notes = [e for e in lab.trace.events if e.category == "decode" and e.time > 3.0]
    assert any(e.node == "mn" and "discarded" in e.message for e in notes)
    assert not any(e.node in ("rcn", "core", "ha") and "discarded" in e.message for e in notes)


def test_a_malformed_destination_options_header_is_forwarded_too() -> None:
    bad_dst_opts = bytes([NH_MOBILITY, 5]) + b"\0" * 6  # Hdr Ext Len 5 runs past the end

    lab, octets, link = _lab_and_frame(
        lambda lab: IPv6(lab.address_of("cn"), lab.address_of("mn"), RawPayload(60, bad_dst_opts))
    )
    since = len(lab.capture)
    lab.inject(link, octets)
    lab.run_for(0.5)
    assert any(link_ == "home" for link_, _, _ in _copies(lab, octets, since))


def test_a_router_still_reads_hop_by_hop_and_drops_it_when_malformed() -> None:
    bad_hbh = bytes([59, 3]) + b"\0" * 6  # Hdr Ext Len 3: 32 octets announced, 8 present
    lab, octets, link = _lab_and_frame(
        lambda lab: IPv6(lab.address_of("cn"), lab.address_of("mn"), RawPayload(0, bad_hbh))
    )
    since = len(lab.capture)
    lab.inject(link, octets)
    lab.run_for(0.5)
    assert [h[0] for h in _copies(lab, octets, since)] == ["cn-link"]  # rcn read it, found it bad, dropped it


def test_transit_decoding_reads_only_the_ipv6_and_hop_by_hop_headers() -> None:
    hbh = HopByHopOptions((UnknownOption(0x1E, b"\0\0\0\0"),))
    pkt = IPv6(
        IPv6Address("2001:db8::1"),
        IPv6Address("2001:db8::2"),
        RawPayload(NH_MOBILITY, BAD_MH),
        ext=(hbh, DestinationOptions((UnknownOption(0x1E, b"\0\0\0\0"),))),
    )
    eth = decode_frame_transit(encode_frame(Ethernet("02:00:00:00:00:01", "02:00:00:00:00:02", pkt)))
    got = eth.payload
    assert isinstance(got, IPv6) and got.ext == (hbh,)
    assert isinstance(got.payload, RawPayload) and got.payload.nh == 60  # Destination Options left opaque
    assert encode_ipv6(got) == encode_ipv6(pkt)  # nothing lost: forwarding sends the same octets
