"""``mip6lab live``: the prompt moves the mobile node, a leftover namespace from a crashed run is cleaned
up, Ctrl-C tears everything down, and the capture is written with wall-clock timestamps."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mip6lab.cli import main
from mip6lab.net.pcapng import read_pcapng


def read_until(proc: subprocess.Popen[str], marker: str, timeout: float = 15.0) -> list[str]:
    lines: list[str] = []
    end = time.monotonic() + timeout
    assert proc.stdout is not None
    while time.monotonic() < end:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if marker in line:
            return lines
    raise AssertionError(f"{marker!r} never came: {''.join(lines)}")


def test_live_cli_prompt_leftovers_and_ctrl_c(netns: str, tmp_path: Path) -> None:
    subprocess.run(["ip", "netns", "add", netns], check=True)  # what a crashed run would have left
    pcap = tmp_path / "live.pcapng"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    cmd = [sys.executable, "-m", "mip6lab.cli", "live", "home", "--link", "cn-link"]
    proc = subprocess.Popen(
        [*cmd, "--netns", netns, "--pcap", str(pcap)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        head = "".join(read_until(proc, "try:"))
        assert f"namespace {netns}" in head and "2001:db8:4::ff:fe00:ee01" in head
        assert f"ip netns exec {netns} ping -6 2001:db8:1::ff:fe00:301" in head
        assert proc.stdin is not None
        proc.stdin.write("move foreign2\nbogus\n")
        proc.stdin.flush()
        assert "mn moved to foreign2" in "".join(read_until(proc, "moved"))
        assert "commands: move LINK | home | status | quit" in "".join(read_until(proc, "commands"))
        time.sleep(3.5)  # movement detection, DAD of the care-of address, BU, the home agent's DAD, BA
        proc.stdin.write("status\n")
        proc.stdin.flush()
        status = "".join(read_until(proc, "mn on"))
        assert "mn on foreign2 (foreign)" in status and "care-of address 2001:db8:3::" in status, status
        assert "registered" in status and "not registered" not in status
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert err == ""
    assert f"namespace {netns} removed" in out
    frames = read_pcapng(pcap.read_bytes()).packets
    assert frames and frames[0].time() > 1.6e9  # wall-clock timestamps (seconds since 1970)


def test_live_cli_bad_link_is_one_line_and_leaves_nothing(netns: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["live", "home", "--link", "core-ha", "--netns", netns]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "point-to-point" in err, err
