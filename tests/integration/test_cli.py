"""The `mip6lab` command: listing, running, errors as one line (no traceback)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from mip6lab.cli import main
from mip6lab.scenarios import SCENARIOS


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mip6lab.cli", *args], capture_output=True, text=True, timeout=120)


def test_scenarios_lists_name_then_description(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["scenarios"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [ln.split()[0] for ln in lines] == list(SCENARIOS)
    assert all(len(ln.split(None, 1)) == 2 for ln in lines)


def test_run_prints_time_ordered_messages_and_writes_pcap(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    pcap = tmp_path / "p.pcapng"
    assert main(["run", "ping", "--seed", "1", "--until", "8", "--pcap", str(pcap)]) == 0
    out = capsys.readouterr().out.splitlines()
    times = [float(ln.split()[0]) for ln in out[:-1]]
    assert times == sorted(times) and times
    assert any("Echo Request" in ln for ln in out)
    assert not any(" RA " in ln or " NS " in ln for ln in out)  # plumbing hidden without --all
    assert out[-1].startswith("wrote ") and pcap.stat().st_size > 0


def test_bad_input_is_one_clear_line() -> None:
    for args, needle in [
        (["run", "nope"], "unknown scenario 'nope'"),
        (["run", "ping", "--until", "-1"], "time must be"),
        (["run", "ping", "--until", "soon"], "not a time"),
        (["run", "ping", "--seed", "x"], "seed must be an integer"),
        (["run", "ping", "--esp", "rot13"], "invalid choice"),
        (["run", "ping", "--pcap", "/no/such/dir/x.pcapng"], "cannot write"),
        (["frobnicate"], "invalid choice"),
    ]:
        p = run_cli(*args)
        assert p.returncode == 2, args
        assert "Traceback" not in p.stderr
        lines = p.stderr.strip().splitlines()
        assert len(lines) == 1 and needle in lines[0], (args, p.stderr)


def test_lab_opens_the_workbook_front_page(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import mip6lab.cli as cli

    seen: dict[str, object] = {}

    def fake_call(cmd, cwd=None):  # type: ignore[no-untyped-def]
        seen["cmd"], seen["cwd"] = cmd, cwd
        return 0

    monkeypatch.setattr(cli.subprocess, "call", fake_call)
    assert main(["lab", "--no-browser", "--port", "9999"]) == 0
    cmd = seen["cmd"]
    assert cmd[1] == "lab" and "notebooks/00-start-here.ipynb" in cmd and "--port=9999" in cmd  # type: ignore[index,operator]
    assert (Path(str(seen["cwd"])) / "notebooks" / "00-start-here.ipynb").is_file()


def test_readme_recipe_decrypts_aes_esp_with_tshark(tmp_path: Path) -> None:
    """`mip6lab run ... --esp aes --pcap F` writes F.esp_sa; with it tshark opens the BU and BA."""
    import pytest

    from mip6lab import tshark

    if not tshark.available():
        pytest.skip("tshark not installed")
    pcap = tmp_path / "run.pcapng"
    p = run_cli("run", "first-foreign-link", "--esp", "aes", "--pcap", str(pcap))
    assert p.returncode == 0, p.stderr
    lines = (tmp_path / "run.pcapng.esp_sa").read_text().splitlines()
    assert len(lines) == 4 and all("AES-CBC" in ln for ln in lines)
    keys = [a for ln in lines for a in ("-o", f"uat:esp_sa:{ln}")]
    assert tshark.fields(pcap, ["mip6.mhtype"], display_filter="mipv6") == []  # encrypted: unreadable
    opened = tshark.fields(pcap, ["mip6.mhtype"], "mipv6", extra=("-o", "esp.enable_encryption_decode:TRUE", *keys))
    assert {r["mip6.mhtype"] for r in opened} == {"5", "6"}  # Binding Update and Acknowledgement


def test_run_shows_each_packet_once_with_its_origin_and_destination(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["run", "ping", "--until", "8"]) == 0
    out = capsys.readouterr().out.splitlines()
    requests = [ln for ln in out if "Echo Request" in ln]
    assert len(requests) == 3  # one line per ping, not one per link it crossed
    assert all(" mn => cn " in ln and " home " in ln for ln in requests)
    assert main(["run", "ping", "--until", "8", "--all"]) == 0
    every = capsys.readouterr().out.splitlines()
    assert len([ln for ln in every if "Echo Request" in ln]) == 3 * 4  # home, core-ha, core-rcn, cn-link
