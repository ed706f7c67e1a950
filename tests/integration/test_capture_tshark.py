"""A capture of a realistic run opens in tshark: one interface per link, nothing malformed, no bad
ICMPv6/TCP/UDP checksum (tshark's checksum preferences on)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mip6lab import tshark
from mip6lab.lab import Lab

pytestmark = [pytest.mark.tshark, pytest.mark.skipif(not tshark.available(), reason="tshark not installed")]


@pytest.mark.parametrize("scenario", ["ping", "tcp-transfer", "tcp-breaks-without-mip6"])
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
