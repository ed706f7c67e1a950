"""One sample packet of every message kind (and every option kind somewhere), for the wire tests."""

from __future__ import annotations

from ipaddress import IPv6Address

from mip6lab.wire import icmp as I
from mip6lab.wire import mh as M
from mip6lab.wire.ip import (
    ESP,
    DestinationOptions,
    Fragment,
    HomeAddressOption,
    HopByHopOptions,
    IPv6,
    RawPayload,
    RoutingHeader,
    RoutingType2,
    UnknownOption,
)
from mip6lab.wire.transport import TCP, UDP

HOA = IPv6Address("2001:db8:1::100")
COA = IPv6Address("2001:db8:2::100")
HA = IPv6Address("2001:db8:1::1")
CN = IPv6Address("2001:db8:3::5")
HAO = DestinationOptions((HomeAddressOption(HOA),))
PIO = I.PrefixInformation(IPv6Address("2001:db8:1::"), R=True)

# One packet of every message kind (and every option kind somewhere).
KINDS: dict[str, IPv6] = {
    "BRR": IPv6(CN, COA, M.MobilityHeader(M.BindingRefreshRequest()), (RoutingType2(HOA),)),
    "HoTI": IPv6(HA, CN, IPv6(HOA, CN, M.MobilityHeader(M.HomeTestInit(b"12345678")))),
    "CoTI": IPv6(COA, CN, M.MobilityHeader(M.CareofTestInit(b"abcdefgh"))),
    "HoT": IPv6(CN, HOA, M.MobilityHeader(M.HomeTest(3, b"12345678", b"tokentok"))),
    "CoT": IPv6(CN, COA, M.MobilityHeader(M.CareofTest(4, b"abcdefgh", b"TOKENTOK"))),
    "BU": IPv6(
        COA,
        HA,
        M.MobilityHeader(M.BindingUpdate(1, 150, H=True, options=(M.AlternateCareofAddress(COA),))),
        (HAO,),
    ),
    "BU-CN": IPv6(
        COA,
        CN,
        M.MobilityHeader(
            M.BindingUpdate(2, 100, options=(M.NonceIndices(7, 9), M.BindingAuthorizationData(bytes(range(12)))))
        ),
        (HAO,),
    ),
    "BA": IPv6(
        HA,
        COA,
        M.MobilityHeader(M.BindingAcknowledgement(0, 1, 150, options=(M.BindingRefreshAdvice(75),))),
        (RoutingType2(HOA),),
    ),
    "BE": IPv6(CN, COA, M.MobilityHeader(M.BindingError(1, HOA))),
    "MH-unknown": IPv6(COA, CN, M.MobilityHeader(M.UnknownMobilityMessage(42, bytes(10)))),
    "MH-unknown-opt": IPv6(
        COA, CN, M.MobilityHeader(M.BindingRefreshRequest(options=(M.UnknownMobilityOption(99, b"xyz"),)))
    ),
    "Echo": IPv6(COA, CN, I.EchoRequest(1, 2, b"ping"), (HAO,)),
    "EchoReply": IPv6(CN, COA, I.EchoReply(1, 2, b"ping"), (RoutingType2(HOA),)),
    "DU": IPv6(HA, COA, I.DestinationUnreachable(3, bytes(48))),
    "PTB": IPv6(HA, COA, I.PacketTooBig(1280, bytes(48))),
    "TE": IPv6(HA, COA, I.TimeExceeded(0, bytes(48))),
    "PP": IPv6(HA, COA, I.ParameterProblem(0, 42, bytes(48))),
    "RS": IPv6(
        COA,
        IPv6Address("ff02::2"),
        I.RouterSolicitation((I.SourceLinkLayerAddress("00:00:5e:00:53:01"),)),
        hlim=255,
    ),
    "RA": IPv6(
        IPv6Address("fe80::1"),
        IPv6Address("ff02::1"),
        I.RouterAdvertisement(
            H=True,
            options=(
                PIO,
                I.MTUOption(1500),
                I.AdvertisementInterval(3000),
                I.HomeAgentInformation(-5, 1800),
                I.SourceLinkLayerAddress("00:00:5e:00:53:01"),
                I.UnknownNDOption(99, bytes(6)),
            ),
        ),
        hlim=255,
    ),
    "NS": IPv6(
        COA,
        IPv6Address("ff02::1:ff00:1"),
        I.NeighborSolicitation(HA, (I.SourceLinkLayerAddress("00:00:5e:00:53:02"),)),
    ),
    "NA": IPv6(
        HA,
        COA,
        I.NeighborAdvertisement(HA, R=True, S=True, options=(I.TargetLinkLayerAddress("00:00:5e:00:53:03"),)),
    ),
    "HAAD-Req": IPv6(COA, IPv6Address("2001:db8:1:0:fdff:ffff:ffff:fffe"), I.HomeAgentAddressDiscoveryRequest(7)),
    "HAAD-Rep": IPv6(HA, COA, I.HomeAgentAddressDiscoveryReply(7, (HA, IPv6Address("2001:db8:1::2")))),
    "MPS": IPv6(COA, HA, I.MobilePrefixSolicitation(8), (HAO,)),
    "MPA": IPv6(HA, COA, I.MobilePrefixAdvertisement(8, M=True, options=(PIO,)), (RoutingType2(HOA),)),
    "ICMP-unknown": IPv6(COA, CN, I.UnknownICMPv6(200, 1, b"body")),
    "TCP": IPv6(CN, COA, TCP(80, 40001, 1, 2, 0x12, options=b"\x02\x04\x05\xb4"), (RoutingType2(HOA),)),
    "UDP": IPv6(COA, CN, UDP(40001, 40002, b"data"), (HAO,)),
    "ESP": IPv6(COA, HA, ESP(0x100, 1, bytes(28)), (HAO,)),
    "raw": IPv6(COA, CN, RawPayload(253, b"experiment")),
    "HBH+frag+RH0": IPv6(
        COA,
        CN,
        UDP(1, 2, b"x"),
        (HopByHopOptions((UnknownOption(5, b"\0\0"),)), Fragment(0, False, 9), RoutingHeader(0, 0, bytes(4))),
    ),
    "tunnel": IPv6(HA, COA, IPv6(CN, HOA, TCP(80, 40001, data=b"payload"))),
}
