"""With traces off, the mobility hosts send by ``sending._send_untraced`` and receive route-optimized datagrams by
``receiving.receive``'s direct path (issue 13), and the capture is still byte for byte the recorded one (made with
traces on, through the whole figures)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from mip6lab import Lab
from mip6lab.ipv6 import receiving, sending

RECORDED = json.loads((Path(__file__).parents[1] / "scenarios" / "capture_digests.json").read_text())


@pytest.mark.parametrize("scenario", ["route-optimized-data", "tunneled-data"])
def test_untraced_mobility_paths_carry_the_traffic_and_send_the_recorded_bytes(
    scenario: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"send": 0, "hao": 0}
    send, plain = sending._send_untraced, receiving._plain_home_address_option

    def counting_send(node, packet, hooks):  # type: ignore[no-untyped-def]
        calls["send"] += 1
        return send(node, packet, hooks)

    def counting_plain(ext):  # type: ignore[no-untyped-def]
        hao = plain(ext)
        calls["hao"] += hao is not None
        return hao

    monkeypatch.setattr(sending, "_send_untraced", counting_send)
    monkeypatch.setattr(receiving, "_plain_home_address_option", counting_plain)
    lab = Lab(scenario, seed=1, trace=False)
    lab.run()
    assert hashlib.sha256(lab.capture.to_bytes_pcapng()).hexdigest() == RECORDED[scenario]["1"]
    assert calls["send"] > 0
    if scenario == "route-optimized-data":
        assert calls["hao"] > 0  # the correspondent's direct path really received the datagrams
