"""A capture of a realistic run opens in tshark: one interface per link, nothing malformed, no bad
ICMPv6/TCP/UDP checksum (tshark's checksum preferences on)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mip6lab import tshark
from mip6lab.lab import Lab
from mip6lab.scenarios import SCENARIOS

pytestmark = [pytest.mark.tshark, pytest.mark.skipif(not tshark.available(), reason="tshark not installed")]


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_scenario_capture_is_clean_in_tshark(scenario: str, tmp_path: Path) -> None:
    lab = Lab(scenario)
    lab.run()
    [path] = lab.save_pcap(tmp_path / f"{scenario}.pcapng")
    result = tshark.check(path)
    assert result.frames == len(lab.capture)
    assert result.bad == []


def test_interfaces_are_the_links_and_checksums_are_verified(tmp_path: Path) -> None:
    lab = Lab("tcp-transfer")
    lab.run(until=8.0)
    [path] = lab.save_pcap(tmp_path / "t.pcapng")
    rows = tshark.fields(path, ["frame.interface_name", "tcp.checksum.status", "icmpv6.checksum.status"])
    assert {r["frame.interface_name"] for r in rows} <= set(lab.world.links)
    tcp = [r for r in rows if r["tcp.checksum.status"]]
    icmp = [r for r in rows if r["icmpv6.checksum.status"]]
    assert tcp and all(r["tcp.checksum.status"] == "1" for r in tcp)  # 1 = good: really verified
    assert icmp and all(r["icmpv6.checksum.status"] == "1" for r in icmp)
    # per-link pcap files open too
    files = lab.save_pcap(tmp_path / "per-link", per_link=True)
    assert len(files) == len(lab.world.links)
    assert all(tshark.check(f).bad == [] for f in files if tshark.fields(f, ["frame.number"]))


def test_the_check_catches_bad_checksums(tmp_path: Path) -> None:
    """Negative control: a TCP segment and an ICMPv6 error with a wrong checksum are reported."""
    import dataclasses

    from mip6lab.wire.codec import decode_frame, encode_frame
    from mip6lab.wire.icmp import DestinationUnreachable
    from mip6lab.wire.transport import TCP

    lab = Lab("tcp-transfer")
    lab.run(until=6.0)
    tcp = next(r for r in lab.capture if isinstance(getattr(r.decoded.payload, "payload", None), TCP))
    eth = decode_frame(tcp.frame)
    seg = eth.payload.payload
    bad_tcp = dataclasses.replace(
        eth, payload=dataclasses.replace(eth.payload, payload=dataclasses.replace(seg, checksum=seg.checksum ^ 0x0101))
    )
    err = DestinationUnreachable(3, b"\x60" + bytes(47), checksum=0x1234)
    bad_icmp = dataclasses.replace(eth, payload=dataclasses.replace(eth.payload, payload=err))
    lab.inject(tcp.link, encode_frame(bad_tcp))
    lab.inject(tcp.link, encode_frame(bad_icmp))
    lab.run(until=7.0)
    [path] = lab.save_pcap(tmp_path / "bad.pcapng")
    bad = tshark.check(path).bad
    # routers forward both (they do not check upper-layer checksums), so each shows on several links
    injected = {r.index + 1 for r in lab.capture if r.sender == "inject"}
    assert injected <= {int(b["frame.number"]) for b in bad}
    assert any("Destination Unreachable" in b["_ws.col.Info"] for b in bad)
    assert any("TCP" in b["_ws.col.Info"] or "SYN" in b["_ws.col.Info"] for b in bad)
