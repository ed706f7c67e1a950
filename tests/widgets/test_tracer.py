"""AlgorithmTracer: a frame -> its sending run and the receivers' runs; stepping on the flowchart."""

from __future__ import annotations

import re

from mip6lab.lab import Lab
from mip6lab.widgets.model import packet_info
from mip6lab.widgets.tracer import AlgorithmTracer, runs_for_record


def _current(t: AlgorithmTracer) -> str | None:
    m = re.search(r'class="box visited current" data-step="([^"]+)"', t.chart.value)
    return m.group(1) if m else None


def _first(lab: Lab, name: str, link: str) -> int:
    return next(r.index for r in lab.capture if r.link == link and packet_info(lab, r).name == name)


def test_echo_request_from_the_mobile_node(lab: Lab) -> None:
    t = AlgorithmTracer(lab)
    t.select_record(_first(lab, "Echo Request", "home"))
    labels = [label for label, _ in t.run_choice.options]
    assert labels[0].startswith("sending (Fig. 35) on mn") and labels[1].startswith("receiving (Fig. 36) on ha")
    assert t.run is not None and t.run.algorithm == "send" and t.run.node == "mn"
    assert t.highlighted == [1, 2, 13, 14, 15, 3, 5, 6, 7, 16, 17, 19, "end"]  # opens at the last step
    assert _current(t) == "19" and "step 12 of 12" in t.position_label.value
    assert t.next_button.disabled and not t.prev_button.disabled
    t.prev_button.click()
    assert t.current_step.number == 17 and _current(t) == "17"
    assert "<b>Step 17</b>: Link-layer address from the neighbor cache" in t.detail.value  # the step's label
    assert "obtain the link-layer address" in t.detail.value  # the white paper's text
    t.first_button.click()
    assert t.position == 0 and t.highlighted == [1] and _current(t) == "1" and t.prev_button.disabled
    t.prev()  # before the first step: stays
    assert t.position == 0
    t.next_button.click()
    assert t.highlighted == [1, 2] and "no -&gt; step 13" in t.detail.value
    t.next_button.click()
    assert t.highlighted == [1, 2, 13] and "routing table" in t.detail.value
    assert 'data-from="2" data-to="13"' in t.chart.value


def test_receiving_run_at_the_correspondent(lab: Lab) -> None:
    t = AlgorithmTracer(lab)
    t.select_record(_first(lab, "Echo Request", "cn-link"))
    (recv,) = [r for r in t.runs if r.node == "cn"]
    t.run_choice.value = recv.id
    assert t.run is recv and 'data-algorithm="receive"' in t.chart.value
    assert t.highlighted == [1, 2, 3, 8, 9, 10, "end"]
    assert "Figure 36 step 10" in t.position_label.value
    assert "ICMPv6" in t.detail.value


def test_forwarded_frame_is_traced_to_the_routers_receiving_run(lab: Lab) -> None:
    rec = lab.capture[_first(lab, "Echo Request", "core-ha")]
    runs = runs_for_record(lab, rec)
    assert (runs[0].algorithm, runs[0].node, runs[0].result) == ("receive", "ha", "forwarded after address resolution")
    assert runs[1].node == "core"
    t = AlgorithmTracer(lab)
    t.select_record(rec.index)
    assert t.highlighted == [1, "not-ours"]


def test_neighbor_discovery_has_no_run(lab: Lab) -> None:
    t = AlgorithmTracer(lab)
    nd = next(r for r in lab.capture if not r.trace_id)
    t.select_record(nd.index)
    assert t.run is None and "no algorithm run" in t.detail.value


def test_text_filter(lab: Lab) -> None:
    t = AlgorithmTracer(lab)
    t.text.value = "echo reply"
    assert t.packet.options and all("Echo Reply" in label for label, _ in t.packet.options)
