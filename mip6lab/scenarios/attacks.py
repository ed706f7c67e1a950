"""Attacks on Mobile IPv6 and how RFC 6275 defeats them (chapter 11, RFC 6275 §15).

Each scenario starts from a working set-up on Figure 1 (the mobile node registered at its home agent
and, where it matters, with the correspondent) and adds ``eve``, a scripted tester node
(:mod:`mip6lab.tester`) that sends crafted packets. The capture shows the attack and the answer
(or the silence) that defeats it; ``eve.received`` holds what came back to her.

==========================  =========================================================================
``attack-spoofed-bu``       eve sends the correspondent a BU for the mobile node's home address with
                            her own care-of address and no return-routability tokens: silently
                            discarded (§9.5.1), the binding still points at the real care-of address
``attack-replayed-bu``      eve sniffs the mobile node's BU to the correspondent on foreign link 1; after
                            the mobile node has moved on she forges an ICMPv6 "address unreachable"
                            about its new care-of address (the correspondent deletes the binding) and
                            replays the old BU: the correspondent still knows the sequence number
                            (§5.2.8, §9.5.1), answers BA 135, and nothing points at the old address
``attack-flooding``         eve asks the correspondent to send to a victim (the home link node) as her
                            care-of address: the Care-of Test goes to the victim, she never learns the
                            care-of keygen token, her BU fails the authenticator and no data floods
                            the victim (§15.4.4)
``attack-forged-ba``        eve forges a cleartext BA "DAD failed" (134) from the home agent: the
                            mobile node's policy requires ESP, so it is discarded (§5.1, §11.7.3)
``attack-spoofed-ra``       eve advertises the home prefix on foreign link 1 from her link-local
                            address: movement is not confirmed, so the mobile node stays registered
                            (§11.5.1, §11.5.4)
``attack-hao-spoofing``     eve sends the correspondent an Echo Request with a Home Address option
                            naming the mobile node's home address, without a binding for her address:
                            Binding Error status 1 (§9.3.1), nothing delivered
``attack-unknown-mh``       eve sends the correspondent a Mobility Header of an unknown type (42):
                            Binding Error status 2 (§9.2)
``attack-cleartext-bu-ha``  eve sends the home agent a cleartext home registration BU for the mobile
                            node's home address with her care-of address: the SPD requires ESP, the BU
                            is discarded and the binding unchanged (§5.1, §10.3.1)
==========================  =========================================================================
"""

from __future__ import annotations

from ipaddress import IPv6Address
from typing import TYPE_CHECKING

from mip6lab.scenarios.base import Scenario, register
from mip6lab.wire.codec import encode_ipv6
from mip6lab.wire.icmp import (
    DU_ADDRESS_UNREACHABLE,
    DestinationUnreachable,
    EchoRequest,
    PrefixInformation,
    RouterAdvertisement,
    SourceLinkLayerAddress,
)
from mip6lab.wire.ip import DestinationOptions, HomeAddressOption, IPv6
from mip6lab.wire.mh import (
    BA_DAD_FAILED,
    AlternateCareofAddress,
    BindingAcknowledgement,
    BindingAuthorizationData,
    BindingUpdate,
    CareofTestInit,
    HomeTest,
    HomeTestInit,
    MobilityHeader,
    NonceIndices,
    UnknownMobilityMessage,
)

if TYPE_CHECKING:
    from mip6lab.lab import Lab
    from mip6lab.tester import Received, TesterNode

MOVE_AT = 3.0  # the mobile node leaves home
TRAFFIC_AT = 8.0  # home registration done; return routability with the correspondent starts
ATTACK_AT = 15.0  # every binding is in place
EVE_CN_LINK = IPv6Address("2001:db8:4::e7e")  # eve on the correspondent's link
EVE_FOREIGN1 = IPv6Address("2001:db8:2::e7e")  # eve on foreign link 1
EVE_LINK_LOCAL = IPv6Address("fe80::e7e")
HOME_PREFIX = IPv6Address("2001:db8:1::")
ROUTER_FOREIGN2 = IPv6Address("2001:db8:3::1")
REPLAY_AT = 25.53  # attack-replayed-bu


def _registered_with_cn(lab: Lab) -> None:
    """The mobile node on foreign link 1 talking to the correspondent: route-optimised data both ways."""
    lab.at(MOVE_AT, lambda: lab.move("mn", "foreign1"))
    lab.at(TRAFFIC_AT, lambda: lab.tcp_stream("cn", "mn", rate=5.0, chunk=200, duration=20.0))


def _mh(src: IPv6Address, dst: IPv6Address, message: object, hoa: IPv6Address | None = None) -> IPv6:
    ext = (DestinationOptions((HomeAddressOption(hoa),)),) if hoa is not None else ()
    return IPv6(src, dst, MobilityHeader(message), ext=ext)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------ scenarios
def _spoofed_bu(lab: Lab) -> None:
    _registered_with_cn(lab)
    eve = lab.add_tester("eve", "cn-link", [EVE_CN_LINK])

    def attack() -> None:
        bu = BindingUpdate(seq=60000, lifetime=100, A=True)  # no Nonce Indices, no authenticator
        eve.send(_mh(EVE_CN_LINK, lab.address_of("cn"), bu, hoa=lab.address_of("mn")))

    lab.at(ATTACK_AT, attack)


def _replayed_bu(lab: Lab) -> None:
    _registered_with_cn(lab)
    eve = lab.add_tester("eve", "foreign1", [EVE_FOREIGN1], promiscuous=True)
    lab.at(20.0, lambda: lab.move("mn", "foreign2"))

    def replay() -> None:
        sniffed = [
            r for r in eve.received if r.name == "BU" and r.packet is not None and r.packet.dst == lab.address_of("cn")
        ]
        if sniffed:
            eve.send_frame(sniffed[-1].frame[:6] + bytes.fromhex(eve.mac.replace(":", "")) + sniffed[-1].frame[12:])

    def unreachable() -> None:
        # A forged "address unreachable" about the new care-of address, as if from foreign link 2's
        # router: the correspondent deletes the binding (ICMPv6 is not authenticated) ...
        cn, coa = lab.address_of("cn"), lab.role("mn").care_of_address
        quote = encode_ipv6(IPv6(cn, coa, EchoRequest(1, 1)))
        eve.send(IPv6(ROUTER_FOREIGN2, cn, DestinationUnreachable(DU_ADDRESS_UNREACHABLE, quote)))

    lab.at(REPLAY_AT - 0.03, unreachable)
    # the replay comes before the mobile node's next packet repairs the binding; the correspondent still
    # remembers the sequence number while the nonces are valid (§5.2.8)
    lab.at(REPLAY_AT, replay)


def _flooding(lab: Lab) -> None:
    _registered_with_cn(lab)
    eve = lab.add_tester("eve", "cn-link", [EVE_CN_LINK])
    hot: list[HomeTest] = []  # the Home Test eve does receive (her "home address" is her own)

    def keep_hot(t: TesterNode, rec: Received) -> None:
        pkt = rec.packet
        if pkt is not None and isinstance(pkt.payload, MobilityHeader) and isinstance(pkt.payload.message, HomeTest):
            hot.append(pkt.payload.message)

    eve.on_receive(keep_hot)

    def test_init() -> None:
        cn, victim = lab.address_of("cn"), lab.address_of("hn")
        eve.send(_mh(EVE_CN_LINK, cn, HomeTestInit(b"eve-home")))
        eve.send(_mh(victim, cn, CareofTestInit(b"eve-coa!")))  # spoofed: the CoT goes to the victim

    def bu() -> None:
        if not hot:
            return
        victim, index = lab.address_of("hn"), hot[-1].nonce_index
        # Without the care-of keygen token eve cannot compute Kbm: her authenticator is a guess.
        options = (NonceIndices(index, index), AlternateCareofAddress(victim), BindingAuthorizationData(bytes(12)))
        bu = BindingUpdate(seq=1, lifetime=100, A=True, options=options)
        eve.send(_mh(victim, lab.address_of("cn"), bu, hoa=EVE_CN_LINK))

    lab.at(ATTACK_AT, test_init)
    lab.at(ATTACK_AT + 1.0, bu)


def _forged_ba(lab: Lab) -> None:
    lab.at(MOVE_AT, lambda: lab.move("mn", "foreign1"))
    eve = lab.add_tester("eve", "foreign1", [EVE_FOREIGN1])

    def attack() -> None:
        mn = lab.role("mn")
        hoa, coa, ha = lab.address_of("mn"), mn.care_of_address, lab.address_of("ha")
        from mip6lab.wire.ip import RoutingType2

        ba = BindingAcknowledgement(BA_DAD_FAILED, seq=0, lifetime=0)
        eve.send(IPv6(ha, coa, MobilityHeader(ba), ext=(RoutingType2(hoa),)))

    lab.at(ATTACK_AT, attack)


def _spoofed_ra(lab: Lab) -> None:
    lab.at(MOVE_AT, lambda: lab.move("mn", "foreign1"))
    eve = lab.add_tester("eve", "foreign1", [EVE_LINK_LOCAL])

    def attack() -> None:
        ra = RouterAdvertisement(
            router_lifetime=1800,
            options=(SourceLinkLayerAddress(eve.mac), PrefixInformation(HOME_PREFIX, 64)),
        )
        eve.send(IPv6(EVE_LINK_LOCAL, IPv6Address("ff02::1"), ra, hlim=255))

    for i in range(5):  # repeated every 2 s, as an attacker would
        lab.at(ATTACK_AT + 2.0 * i, attack)


def _hao_spoofing(lab: Lab) -> None:
    _registered_with_cn(lab)
    eve = lab.add_tester("eve", "cn-link", [EVE_CN_LINK])

    def attack() -> None:
        ping = EchoRequest(0xE7E, 1, b"from your mobile node, honest")
        hao = (DestinationOptions((HomeAddressOption(lab.address_of("mn")),)),)
        eve.send(IPv6(EVE_CN_LINK, lab.address_of("cn"), ping, ext=hao))

    lab.at(ATTACK_AT, attack)


def _unknown_mh(lab: Lab) -> None:
    _registered_with_cn(lab)
    eve = lab.add_tester("eve", "cn-link", [EVE_CN_LINK])
    lab.at(ATTACK_AT, lambda: eve.send(_mh(EVE_CN_LINK, lab.address_of("cn"), UnknownMobilityMessage(42, bytes(10)))))


def _cleartext_bu_ha(lab: Lab) -> None:
    lab.at(MOVE_AT, lambda: lab.move("mn", "foreign1"))
    eve = lab.add_tester("eve", "foreign1", [EVE_FOREIGN1])

    def attack() -> None:
        bu = BindingUpdate(seq=65000, lifetime=150, A=True, H=True)
        eve.send(_mh(EVE_FOREIGN1, lab.address_of("ha"), bu, hoa=lab.address_of("mn")))

    lab.at(ATTACK_AT, attack)


_ATTACKS = (
    ("attack-spoofed-bu", "BU for the mobile node's home address without return-routability tokens", _spoofed_bu),
    ("attack-replayed-bu", "a sniffed BU replayed after the move and a forged unreachable: BA 135", _replayed_bu),
    ("attack-flooding", "a victim's address as care-of address: the CoT goes to the victim, BU refused", _flooding),
    ("attack-forged-ba", "a cleartext BA 'DAD failed' forged from the home agent: discarded (ESP)", _forged_ba),
    ("attack-spoofed-ra", "RAs for the home prefix spoofed on the foreign link: movement not confirmed", _spoofed_ra),
    ("attack-hao-spoofing", "a Home Address option without a binding: Binding Error status 1", _hao_spoofing),
    ("attack-unknown-mh", "a Mobility Header of unknown type 42: Binding Error status 2", _unknown_mh),
    ("attack-cleartext-bu-ha", "a cleartext home registration BU to the home agent: discarded (ESP)", _cleartext_bu_ha),
)

for _name, _description, _setup in _ATTACKS:
    register(Scenario(_name, _description, _setup, duration=30.0, figures=()))
