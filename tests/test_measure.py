"""mip6lab.measure: handover parts read from a run's trace and capture; path stretch and overhead."""

from __future__ import annotations

import pytest

from mip6lab import Lab
from mip6lab.ipv6.constants import RETRANS_TIMER
from mip6lab.lab import LabError
from mip6lab.measure import (
    PARTS,
    SIGNALLING_PARTS,
    handover,
    handovers,
    parts_figure,
    path_stats,
    path_stretch,
    silence_link_layer,
)
from mip6lab.net.capture import CaptureRecord
from mip6lab.widgets.model import packet_info
from mip6lab.wire.ip import IPv6
from mip6lab.wire.transport import TCP


def _run(scenario: str, seed: int = 0, until: float | None = None) -> Lab:
    lab = Lab(scenario, seed=seed)
    lab.run(until)
    return lab


@pytest.fixture(scope="module")
def new_foreign_link() -> Lab:
    return _run("new-foreign-link")


def _first_tcp_data_to_mn(lab: Lab, after: float) -> float:
    """Read straight from the capture: arrival of the first TCP segment with data delivered to mn."""
    for r in lab.capture:
        if "mn" not in r.receivers:
            continue
        p = getattr(r.decoded, "payload", None)
        while isinstance(p, IPv6) and isinstance(p.payload, IPv6):
            p = p.payload
        arrival = r.time + lab.world.links[r.link].delay
        if isinstance(p, IPv6) and isinstance(p.payload, TCP) and p.payload.data and arrival >= after:
            return arrival
    raise AssertionError("no data after the move")


def test_parts_add_up_to_the_outage_seen_in_the_capture(new_foreign_link: Lab) -> None:
    lab = new_foreign_link
    h = handover(lab)
    assert h.link == "foreign2" and h.move_time == 12.0
    assert list(h.parts) == list(PARTS)
    assert all(v >= 0 for v in h.parts.values())
    outage = _first_tcp_data_to_mn(lab, h.move_time) - h.move_time
    assert sum(h.parts.values()) == pytest.approx(outage, abs=1e-9)
    assert h.outage == pytest.approx(outage, abs=1e-9)
    assert h.latency == pytest.approx(h.cn_registered - h.move_time)
    assert sum(h.signalling[p] for p in SIGNALLING_PARTS) == pytest.approx(h.latency)


def test_each_part_matches_its_messages(new_foreign_link: Lab) -> None:
    """Figure 33: DAD takes RetransTimer, the home registration is the BU->BA round trip, only
    CoTI/CoT is repeated, and the correspondent registration is the BU->BA round trip with the CN."""
    lab = new_foreign_link
    h = handover(lab)
    assert h.parts["dad"] == pytest.approx(RETRANS_TIMER)
    assert 0 < h.parts["movement_detection"] < 2.0
    assert h.rs_sent is not None and h.move_time <= h.rs_sent <= h.ra_received == h.detected
    # The BU to the home agent leaves as soon as the care-of address is ready; its BA arrives home_registration later.
    bus = [r for r in lab.capture if r.sender == "mn" and r.time >= h.move_time and _mh(lab, r, "BU")]
    home_bu, cn_bu = bus[0], bus[1]
    assert home_bu.time == pytest.approx(h.address_ready)
    bas = [r for r in lab.capture if "mn" in r.receivers and r.time >= h.move_time and _mh(lab, r, "BA")]
    assert h.parts["home_registration"] == pytest.approx(
        bas[0].time + lab.world.links[bas[0].link].delay - home_bu.time
    )
    assert h.parts["correspondent_registration"] == pytest.approx(
        bas[1].time + lab.world.links[bas[1].link].delay - cn_bu.time
    )
    assert h.parts["return_routability"] > 0
    assert h.correspondents == (str(lab.address_of("cn")),)
    assert h.complete


def _mh(lab: Lab, r: CaptureRecord, name: str) -> bool:
    """The frame carries a Mobility Header message ``name`` (ESP opened with the lab's keys)."""
    return packet_info(lab, r).name == name


def test_returning_home_has_no_dad_and_deregisters() -> None:
    h = handover(_run("returning-home"))
    assert h.home and h.link == "home"
    assert h.parts["dad"] == 0.0 and h.address_ready == h.detected
    assert h.correspondents and h.complete
    assert h.parts["return_routability"] > 0  # HoTI/HoT (Figure 34 step 6)


def test_first_move_without_correspondents() -> None:
    lab = _run("first-foreign-link")
    (h,) = handovers(lab)
    assert h.correspondents == () and h.rr_done is None
    assert h.parts["return_routability"] == h.parts["correspondent_registration"] == 0.0
    # No data flows: the outage ends with the home registration. The home agent's DAD for the home
    # address (first registration) makes it take about a RetransTimer.
    assert h.first_data is None and h.outage == pytest.approx(h.home_registered - h.move_time)
    assert h.parts["home_registration"] >= RETRANS_TIMER


def test_a_lost_binding_update_shows_in_the_correspondent_registration() -> None:
    lost = handover(_run("lost-binding-update"))
    fine = handover(_run("new-foreign-link"))
    assert lost.parts["correspondent_registration"] > fine.parts["correspondent_registration"] + 0.9


def test_handovers_lists_every_move_and_is_deterministic(new_foreign_link: Lab) -> None:
    hs = handovers(new_foreign_link)
    assert [h.link for h in hs] == ["foreign1", "foreign2"]
    assert handover(new_foreign_link, index=0) == hs[0]
    assert [h.as_dict() for h in handovers(_run("new-foreign-link"))] == [h.as_dict() for h in hs]
    row = hs[1].as_dict()
    assert row["outage"] == pytest.approx(hs[1].outage) and "movement_detection" in row


def test_bad_input_is_a_lab_error(new_foreign_link: Lab) -> None:
    with pytest.raises(LabError, match="has not moved"):
        handover(_run("ping", until=2.0))
    with pytest.raises(LabError, match="index"):
        handover(new_foreign_link, index=5)
    with pytest.raises(LabError, match="unknown node"):
        handover(new_foreign_link, node="nobody")
    with pytest.raises(LabError, match="by must be"):
        path_stretch(new_foreign_link, "cn", "mn", by="bytes")


def test_path_stretch_and_tunnel_overhead() -> None:
    lab = _run("route-optimized-data")
    stats = path_stats(lab, "cn", "mn")
    assert stats["tunnel"].overhead_octets == 40  # the outer IPv6 header (Figure 15)
    assert stats["ro"].overhead_octets == 24  # the Type 2 Routing header (Figure 19)
    assert path_stats(lab, "mn", "cn")["ro"].overhead_octets == 24  # the Destination Options header with the HAO
    assert stats["tunnel"].hops > stats["ro"].hops
    assert path_stretch(lab, "cn", "mn", by="hops") == stats["tunnel"].hops / stats["ro"].hops
    assert path_stretch(lab, "cn", "mn") > 1.0
    with pytest.raises(LabError, match="no tunnel"):
        path_stretch(lab, "cn", "mn", since=15.0)


def test_without_link_layer_hints_detection_waits_for_missed_advertisements() -> None:
    """RFC 6275 §11.5.1: with no media-change indication the new prefix counts only once the old
    router is presumed lost (MISSED_RA_INTERVALS Advertisement Intervals without an RA)."""
    from mip6lab.mobility.mn_movement import MISSED_RA_INTERVALS

    hinted = handover(_run("new-foreign-link", until=16.0))
    lab = Lab("new-foreign-link", seed=0)
    silence_link_layer(lab, at=11.0)
    lab.run(14.0)
    unfinished = handover(lab)  # still waiting for the old router's advertisements to stop
    assert not unfinished.complete and unfinished.detected is None
    assert unfinished.parts["movement_detection"] == pytest.approx(14.0 - 12.0) == unfinished.outage
    lab.run(25.0)
    silent = handover(lab)
    assert silent.complete
    assert not [
        e
        for e in lab.trace.events_for(node="mn", category="movement")
        if e.time >= 12.0 and e.details.get("hint") == "media change"
    ]
    assert silent.parts["movement_detection"] > hinted.parts["movement_detection"] + 1.0
    # the foreign routers announce 3 s Advertisement Intervals (FAST_RA max_interval)
    assert silent.parts["movement_detection"] <= MISSED_RA_INTERVALS * 3.0 + 1.0
    with pytest.raises(LabError, match="unknown node"):
        silence_link_layer(lab, node="nobody")


def test_parts_figure_draws_one_bar_per_handover(new_foreign_link: Lab) -> None:
    hs = handovers(new_foreign_link)
    fig = parts_figure(hs, title="t")
    (ax,) = fig.axes
    assert len(ax.get_yticklabels()) == len(hs)
    assert len(ax.patches) == len(hs) * len(PARTS)
    widths = [p.get_width() for p in ax.patches]
    assert sum(widths) == pytest.approx(sum(h.outage for h in hs))
