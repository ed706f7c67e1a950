"""RFC 6275 §6.1 on the wire, in every scenario's capture: "Mobility Header messages MUST NOT be sent with
a type 2 routing header, except as described in Section 9.5.4 for Binding Acknowledgement" and "MUST NOT
be used with a Home Address destination option, except as described in Sections 11.7.1 and 11.7.2 for
Binding Update". Every Mobility Header is looked at where it travels: in the clear, inside IPv6-in-IPv6,
and inside NULL-encrypted ESP (transport or tunnel mode, read without keys)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mip6lab.lab import Lab
from mip6lab.scenarios import SCENARIOS
from mip6lab.wire.codec import DecodeError, decode_upper
from mip6lab.wire.esp import null_esp_peek
from mip6lab.wire.ip import ESP, DestinationOptions, HomeAddressOption, IPv6, RoutingType2
from mip6lab.wire.mh import BindingAcknowledgement, BindingUpdate, MobilityHeader


def mobility_headers(packet: IPv6) -> Iterator[tuple[IPv6, MobilityHeader]]:
    """(the IPv6 header that carries it, the Mobility Header) for each Mobility Header in ``packet``."""
    payload = packet.payload
    if isinstance(payload, ESP):
        peek = null_esp_peek(payload)
        if peek is None:
            return
        try:
            payload = decode_upper(*peek)
        except DecodeError:
            return
    if isinstance(payload, IPv6):
        yield from mobility_headers(payload)
    elif isinstance(payload, MobilityHeader):
        yield packet, payload


def has_rh2(p: IPv6) -> bool:
    return any(isinstance(h, RoutingType2) for h in p.ext)


def has_hao(p: IPv6) -> bool:
    return any(
        isinstance(h, DestinationOptions) and any(isinstance(o, HomeAddressOption) for o in h.options) for h in p.ext
    )


def test_the_walk_sees_through_tunnels_and_null_esp() -> None:
    """The check can fail: the capture of a home registration shows a BA with a Type 2 Routing header
    inside ESP and a BU with a Home Address option."""
    lab = Lab("cn-binding-maintenance")
    lab.run(10.0)
    seen = {
        (type(mh.message).__name__, has_rh2(p), has_hao(p))
        for r in lab.capture
        if r.decoded is not None and isinstance(r.decoded.payload, IPv6)
        for p, mh in mobility_headers(r.decoded.payload)
    }
    assert ("BindingAcknowledgement", True, False) in seen and ("BindingUpdate", False, True) in seen


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_no_type2_routing_header_but_on_a_ba_no_home_address_option_but_on_a_bu(scenario: str) -> None:
    lab = Lab(scenario, seed=0)
    lab.run()
    wrong = []
    for r in lab.capture:
        if r.decoded is None or not isinstance(r.decoded.payload, IPv6):
            continue
        for p, mh in mobility_headers(r.decoded.payload):
            m = mh.message
            if has_rh2(p) and not isinstance(m, BindingAcknowledgement):
                wrong.append(f"{r.time:.3f} {r.link} {r.sender}: {type(m).__name__} with a Type 2 Routing header")
            if has_hao(p) and not isinstance(m, BindingUpdate):
                wrong.append(f"{r.time:.3f} {r.link} {r.sender}: {type(m).__name__} with a Home Address option")
    assert wrong == [], "RFC 6275 §6.1:\n" + "\n".join(wrong[:10])


def test_home_agent_brr_travels_the_tunnel_and_the_mobile_node_answers() -> None:
    """No scenario lets a home registration near expiry (the mobile node refreshes first): here the home
    agent asks 30 s before expiry and the mobile node would refresh only at 95 % of the lifetime."""
    from mip6lab.topology import figure1

    t = figure1()
    t.nodes["ha"].options.update(brr_before_expiry=30.0, refresh_advice_fraction=None)
    t.nodes["mn"].options.update(home_lifetime=60.0, refresh_fraction=0.95)
    lab = Lab("first-foreign-link", topology=t)
    lab.world.strict = True
    lab.run(45.0)
    ha, hoa = lab.address_of("ha"), lab.address_of("mn")
    coa = lab.state("mn")["mobility"]["care_of_address"]
    brrs = [
        (r, p, mh)
        for r in lab.capture.filter(link="foreign1")
        if r.decoded is not None and isinstance(r.decoded.payload, IPv6)
        for p, mh in mobility_headers(r.decoded.payload)
        if type(mh.message).__name__ == "BindingRefreshRequest"
    ]
    assert len(brrs) == 1
    r, inner, _ = brrs[0]
    outer = r.decoded.payload
    assert (str(outer.src), str(outer.dst), outer.ext) == (str(ha), str(coa), ())
    assert (str(inner.src), str(inner.dst), inner.ext) == (str(ha), str(hoa), ())
    home_bus = [
        rec.time
        for rec in lab.capture.filter(link="foreign1")
        if rec.sender == "mn"
        and rec.time >= r.time
        and rec.decoded is not None
        and isinstance(rec.decoded.payload, IPv6)
        for _, mh in mobility_headers(rec.decoded.payload)
        if isinstance(mh.message, BindingUpdate) and mh.message.H
    ]
    assert home_bus and home_bus[0] - r.time < 0.01  # the mobile node refreshes at once (§11.7.4)
