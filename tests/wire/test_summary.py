"""summary() and name(): one readable line / one chart label per packet."""

from __future__ import annotations

from ipaddress import IPv6Address

import pytest
from wire_samples import COA, HA, HOA, KINDS

from mip6lab.wire import icmp as I
from mip6lab.wire import mh as M
from mip6lab.wire.codec import encode_frame
from mip6lab.wire.ip import DestinationOptions, Ethernet, HomeAddressOption, IPv6
from mip6lab.wire.summary import name, summary
from mip6lab.wire.transport import TCP

EXPECTED_NAMES = {
    "BRR": "BRR",
    "HoTI": "HoTI",
    "CoTI": "CoTI",
    "HoT": "HoT",
    "CoT": "CoT",
    "BU": "BU",
    "BU-CN": "BU",
    "BA": "BA",
    "BE": "BE",
    "MH-unknown": "MH type 42",
    "MH-unknown-opt": "BRR",
    "Echo": "Echo Request",
    "EchoReply": "Echo Reply",
    "DU": "Destination Unreachable",
    "PTB": "Packet Too Big",
    "TE": "Time Exceeded",
    "PP": "Parameter Problem",
    "RS": "RS",
    "RA": "RA",
    "NS": "NS",
    "NA": "NA",
    "HAAD-Req": "HAAD Request",
    "HAAD-Rep": "HAAD Reply",
    "MPS": "MPS",
    "MPA": "MPA",
    "ICMP-unknown": "ICMPv6 type 200",
    "TCP": "TCP",
    "UDP": "UDP",
    "ESP": "ESP",
    "raw": "Next Header 253",
    "HBH+frag+RH0": "UDP",
    "tunnel": "TCP",
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_names(kind: str) -> None:
    assert name(KINDS[kind]) == EXPECTED_NAMES[kind]
    frame = Ethernet("00:00:5e:00:53:01", "00:00:5e:00:53:02", KINDS[kind])
    assert name(frame) == EXPECTED_NAMES[kind]
    assert name(encode_frame(frame)) == EXPECTED_NAMES[kind]
    line = summary(encode_frame(frame))
    assert line == summary(KINDS[kind]) and "\n" not in line and line


def test_home_binding_update() -> None:
    bu = IPv6(
        COA,
        HA,
        M.MobilityHeader(M.BindingUpdate(1, 150, A=True, H=True)),
        (DestinationOptions((HomeAddressOption(HOA),)),),
    )
    assert summary(bu) == "BU seq=1 A H lifetime=600s [HAO 2001:db8:1::100]"


def test_tunnelled_hoti_named_hoti() -> None:
    assert name(KINDS["HoTI"]) == "HoTI"
    assert summary(KINDS["HoTI"]) == "tunnel[ HoTI cookie=3132333435363738 ]"


def test_messages_read_like_wireshark() -> None:
    syn = IPv6(HOA, IPv6Address("2001:db8:3::5"), TCP(40001, 80, 100, 0, 0x02))
    assert summary(syn) == "TCP 40001 > 80 [S] seq=100 win=65535 len=0"
    ns = IPv6(HOA, IPv6Address("ff02::1:ff00:1"), I.NeighborSolicitation(IPv6Address("fe80::1")))
    assert summary(ns) == "NS who-has fe80::1"
    ra = summary(KINDS["RA"])
    assert ra.startswith("RA H-flag prefixes=2001:db8:1::/64 R")
    assert "adv-interval=3000ms" in ra and "HA-info pref=-5 lifetime=1800s" in ra
    assert summary(KINDS["DU"]) == "ICMPv6 Destination Unreachable (address unreachable)"
    assert summary(KINDS["BA"]).startswith("BA seq=1 status=0 (Binding Update accepted) lifetime=600s refresh=300s")
    assert summary(KINDS["BA"]).endswith("[RH2 2001:db8:1::100]")
    assert "NonceIndices=7/9" in summary(KINDS["BU-CN"]) and "BAD=000102" in summary(KINDS["BU-CN"])
    assert summary(KINDS["BE"]).startswith("BE status=1 (unknown binding for Home Address option)")
    assert summary(KINDS["HAAD-Rep"]) == "HAAD Reply id=7 home-agents=2001:db8:1::1,2001:db8:1::2"
    assert summary(KINDS["MPA"]).startswith("MPA id=8 M prefixes=2001:db8:1::/64")


def test_malformed_and_non_ipv6_frames() -> None:
    assert summary(b"\x00" * 5).startswith("malformed Ethernet")
    assert name(b"\x00" * 5) == "malformed"
    other = Ethernet("ff:ff:ff:ff:ff:ff", "00:00:5e:00:53:01", b"\x00" * 28, 0x0806)
    assert summary(other) == "Ethernet type 0x0806 (28 bytes)"
    assert name(other) == "EtherType 0x0806"
