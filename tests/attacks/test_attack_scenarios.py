"""Each attack scenario (``mip6lab scenarios``: attack-*) fails, and the capture proves it."""

from __future__ import annotations

from functools import cache
from ipaddress import IPv6Address

from mip6lab.lab import Lab, MessageRow
from mip6lab.scenarios import SCENARIOS
from mip6lab.scenarios.attacks import ATTACK_AT, REPLAY_AT
from mip6lab.wire.ip import IPv6
from mip6lab.wire.mh import BindingAcknowledgement, BindingError, BindingUpdate, MobilityHeader
from mip6lab.wire.summary import name as packet_name

ATTACKS = [n for n in SCENARIOS if n.startswith("attack-")]


@cache
def _run(name: str) -> Lab:
    lab = Lab(name)
    lab.run()
    assert lab.world.errors == []
    return lab


def _after(lab: Lab, t: float = ATTACK_AT) -> list[MessageRow]:
    return [r for r in lab.messages(signalling_only=True, first_hop_only=True) if r.time >= t]


def _mn_coa(lab: Lab) -> str:
    return lab.state("mn")["mobility"]["care_of_address"]


def _cn_binding(lab: Lab) -> list[tuple[str, str]]:
    return [(e["home_address"], e["care_of_address"]) for e in lab.state("cn")["mobility"]["binding_cache"]]


def _mh_sent(lab: Lab, sender: str, t: float = ATTACK_AT) -> list[tuple[float, IPv6]]:
    out = []
    for r in lab.capture:
        pkt = getattr(r.decoded, "payload", None)
        if r.time >= t and r.sender == sender and isinstance(pkt, IPv6) and isinstance(pkt.payload, MobilityHeader):
            out.append((r.time, pkt))
    return out


def test_every_attack_is_a_listed_scenario() -> None:
    assert len(ATTACKS) == 8
    for name in ATTACKS:
        assert SCENARIOS[name].description


def test_spoofed_bu_without_tokens_is_silently_discarded() -> None:
    lab = _run("attack-spoofed-bu")
    sent = _mh_sent(lab, "eve")
    assert len(sent) == 1 and isinstance(sent[0][1].payload.message, BindingUpdate)
    assert not any(isinstance(p.payload.message, BindingAcknowledgement) for _, p in _mh_sent(lab, "cn"))
    assert _cn_binding(lab) == [(str(lab.address_of("mn")), _mn_coa(lab))]  # still the real care-of address
    assert _mn_coa(lab).startswith("2001:db8:2::")


def test_replayed_bu_gets_135_even_after_a_forged_unreachable_deleted_the_binding() -> None:
    lab = _run("attack-replayed-bu")
    replayed = [p for _, p in _mh_sent(lab, "eve", REPLAY_AT)]
    assert len(replayed) == 1 and isinstance(replayed[0].payload.message, BindingUpdate)
    forged = [r for r in lab.capture if r.sender == "eve" and packet_name(r.frame) == "Destination Unreachable"]
    assert len(forged) == 1  # the correspondent took it: the binding to the new care-of address is gone ...
    answers = [(t, p.payload.message) for t, p in _mh_sent(lab, "cn", REPLAY_AT)]
    first = next(a for _, a in answers if isinstance(a, BindingAcknowledgement))
    assert first.status == 135  # ... yet no rollback (then the mobile node's own next BU re-registers)
    assert _mn_coa(lab).startswith("2001:db8:3::")
    assert all(not coa.startswith("2001:db8:2::") for _, coa in _cn_binding(lab))


def test_flooding_attack_cot_goes_to_the_victim_and_the_bu_is_refused() -> None:
    lab = _run("attack-flooding")
    victim = str(lab.address_of("hn"))
    cot = [r for r in _after(lab) if r.name == "CoT"]
    assert [r.destination for r in cot] == ["hn"]  # the care-of keygen token went to the victim, not eve
    assert "HoT" in lab.testers["eve"].names() and "CoT" not in lab.testers["eve"].names()
    bu = [p for _, p in _mh_sent(lab, "eve") if isinstance(p.payload.message, BindingUpdate)]
    assert len(bu) == 1
    assert not any(isinstance(p.payload.message, BindingAcknowledgement) for _, p in _mh_sent(lab, "cn"))
    assert all(coa != victim for _, coa in _cn_binding(lab))
    to_victim = [
        r for r in lab.messages(link="home", signalling_only=True) if r.time > ATTACK_AT and "hn" in r.receivers
    ]
    assert [r.name for r in to_victim] == ["CoT"]  # no flood: the CoT only (and neighbor discovery)


def test_forged_cleartext_ba_is_ignored() -> None:
    lab = _run("attack-forged-ba")
    forged = [p for _, p in _mh_sent(lab, "eve")]
    assert len(forged) == 1 and forged[0].payload.message.status == 134
    mn = lab.state("mn")["mobility"]
    assert mn["registered"] and mn["location"] == "foreign"
    assert lab.state("ha")["mobility"]["binding_cache"][0]["care_of_address"] == _mn_coa(lab)
    assert not [r for r in _mh_sent(lab, "mn")]  # no reaction: no new BU


def test_spoofed_ra_for_the_home_prefix_does_not_move_the_mobile_node() -> None:
    lab = _run("attack-spoofed-ra")
    ras = [r for r in lab.capture.filter(link="foreign1") if r.sender == "eve" and r.time >= ATTACK_AT]
    assert len(ras) == 5
    bus = [p.payload.message for _, p in _mh_sent(lab, "mn") if isinstance(p.payload, MobilityHeader)]
    assert bus == []  # no de-registration ("returned home"), no re-registration
    from mip6lab.wire.ip import ESP

    assert not [
        r
        for r in lab.capture
        if r.sender == "mn" and r.time >= ATTACK_AT and isinstance(getattr(r.decoded.payload, "payload", None), ESP)
    ]
    mn = lab.state("mn")["mobility"]
    assert mn["location"] == "foreign" and mn["registered"] and _mn_coa(lab).startswith("2001:db8:2::")
    assert any(a["address"] == _mn_coa(lab) for a in lab.state("mn")["addresses"])
    assert not any(r["prefix"] == "2001:db8:1::/64" for r in lab.state("mn")["routes"])  # home never on-link abroad


def test_home_registration_refresh_still_works_under_spoofed_ras() -> None:
    lab = Lab("attack-spoofed-ra")
    lab.run(until=ATTACK_AT + 1.0)
    from mip6lab.wire.summary import name as nm

    seq_before = lab.state("ha")["mobility"]["binding_cache"][0]["sequence_number"]
    lab.move("mn", "foreign2")  # a real move while eve keeps spoofing on foreign1 ...
    lab.move("mn", "foreign1")  # ... and back: the home registration must succeed with her RAs around
    lab.run(until=ATTACK_AT + 8.0)
    bc = lab.state("ha")["mobility"]["binding_cache"]
    assert bc[0]["sequence_number"] != seq_before and bc[0]["care_of_address"] == _mn_coa(lab)
    assert lab.state("mn")["mobility"]["registered"]
    assert "BA" in [nm(r.frame) for r in lab.capture.filter(link="foreign1") if r.time > ATTACK_AT + 1.0]


def test_hao_without_binding_gets_binding_error_1_and_is_not_delivered() -> None:
    lab = _run("attack-hao-spoofing")
    be = [p for _, p in _mh_sent(lab, "cn") if isinstance(p.payload.message, BindingError)]
    assert len(be) == 1
    assert be[0].payload.message.status == 1 and be[0].dst == IPv6Address("2001:db8:4::e7e")
    assert be[0].payload.message.home_address == lab.address_of("mn")
    assert "Echo Reply" not in [r.name for r in _after(lab)]
    assert "BE" in lab.testers["eve"].names()


def test_unknown_mh_type_gets_binding_error_2() -> None:
    lab = _run("attack-unknown-mh")
    be = [p.payload.message for _, p in _mh_sent(lab, "cn") if isinstance(p.payload.message, BindingError)]
    assert [b.status for b in be] == [2]


def test_cleartext_home_registration_bu_is_discarded_by_the_home_agent() -> None:
    lab = _run("attack-cleartext-bu-ha")
    assert len(_mh_sent(lab, "eve")) == 1
    assert not [p for _, p in _mh_sent(lab, "ha")]  # no BA (not even an error) to eve
    bc = lab.state("ha")["mobility"]["binding_cache"]
    assert [(e["care_of_address"], e["sequence_number"] < 65000) for e in bc] == [(_mn_coa(lab), True)]
