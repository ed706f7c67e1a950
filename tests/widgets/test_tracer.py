"""AlgorithmTracer: a frame -> its sending run and the receivers' runs; stepping on the flowchart."""

from __future__ import annotations

import html
import re

from mip6lab.lab import Lab
from mip6lab.widgets.flowcharts import edge_label
from mip6lab.widgets.model import messages, packet_info
from mip6lab.widgets.tracer import AlgorithmTracer, header_origins, runs_for_record


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
    assert t.position == 0 and t.highlighted == [1] and _current(t) == "1"  # opens on the FIRST step
    assert "step 1 of 12" in t.position_label.value
    assert not t.next_button.disabled and t.prev_button.disabled and t.first_button.disabled
    t.last_button.click()
    assert t.highlighted == [1, 2, 13, 14, 15, 3, 5, 6, 7, 16, 17, 19, "end"]
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
    t.last_button.click()
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
    t.last_button.click()
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


def _taken_label(t: AlgorithmTracer, a: int, b: int) -> str:
    m = re.search(rf'<text class="edge-label taken" data-from="{a}" data-to="{b}"[^>]*>([^<]*)</text>', t.chart.value)
    assert m, (a, b)
    return html.unescape(m.group(1))


def test_the_lit_edge_is_the_recorded_decision() -> None:
    """The mobile node's BU to its home agent, from the care-of address: step 7 goes to step 16 because
    the packet is not sent from the home address - the lit arrow says so, and so does the decision."""
    lab = Lab("first-foreign-link")
    lab.run()
    bu = next(m for m in messages(lab) if m.name == "BU" and m.origin == "mn")
    t = AlgorithmTracer(lab)
    t.select_record(bu.first.index)
    assert t.run is not None and t.run.node == "mn" and t.position == 0
    numbers = t.run.step_numbers
    i7 = numbers.index(7)
    assert numbers[i7 + 1] == 16
    t.go(i7 + 1)  # step 16 reached: the arrow 7 -> 16 is lit
    label = _taken_label(t, 7, 16)
    decision = t.run.steps[i7].decision
    assert decision.split(":")[0] in label.split(" / ")  # the decision names the arrow it took
    assert decision.startswith("source not HoA")
    t.go(i7)
    assert 'class="edge-taken" data-from="7" data-to="16"' in t.detail.value and html.escape(label) in t.detail.value


def test_step_7_decisions_always_name_their_arrow() -> None:
    for name in ("first-foreign-link", "route-optimized-data", "home"):
        lab = Lab(name)
        lab.run()
        for run in lab.trace.runs_for(algorithm="send"):
            nums = run.step_numbers
            if 7 in nums and nums.index(7) + 1 < len(nums):
                label = edge_label("send", 7, nums[nums.index(7) + 1])
                assert label and run.steps[nums.index(7)].decision.split(":")[0] in label.split(" / "), run


def test_the_tracer_says_where_each_header_came_from() -> None:
    lab = Lab("first-foreign-link")
    lab.run()
    bu = next(m for m in messages(lab) if m.name == "BU" and m.origin == "mn")
    t = AlgorithmTracer(lab)
    t.select_record(bu.first.index)
    assert t.run is not None and 9 not in t.run.step_numbers  # step 9 never ran ...
    origins = dict(header_origins(t.run))
    assert "mobility code" in origins["Home Address option"] and "step 9" in origins["Home Address option"]
    assert "Where each header came from" in t.detail.value and "Home Address option" in t.detail.value
    lab2 = Lab("tunneled-data")
    lab2.run()
    tunnelled = next(r for r in lab2.trace.runs_for("mn", "send") if 12 in r.step_numbers)
    assert header_origins(tunnelled)[0][0] == "outer IPv6 header" and "step 12" in header_origins(tunnelled)[0][1]


def test_the_step_details_wrap_below_the_chart_instead_of_clipping(lab: Lab) -> None:
    t = AlgorithmTracer(lab)
    row = t.widget.children[-1]
    assert row.layout.flex_flow == "row wrap" and t.detail.layout.min_width == "320px"
    assert t.detail.layout.width is None and t.chart.layout.max_width == "100%"
