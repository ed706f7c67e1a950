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
        (["run", "ping", "--until", "-1"], "cannot run until -1.0 s"),
        (["run", "ping", "--until", "soon"], "until must be a finite number of seconds, not 'soon'"),
        (["run", "ping", "--seed", "x"], "seed must be an integer"),
        (["run", "ping", "--esp", "rot13"], "esp must be 'off', 'null' or 'aes', not 'rot13'"),
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

    def fake_execv(path, cmd):  # type: ignore[no-untyped-def]
        seen["path"], seen["cmd"] = path, cmd

    monkeypatch.setattr(cli.os, "execv", fake_execv)  # exec: a signal to `mip6lab lab` reaches JupyterLab
    monkeypatch.setattr(cli.os, "chdir", lambda d: seen.setdefault("cwd", d))
    assert main(["lab", "--no-browser", "--port", "9999"]) == 0
    cmd = seen["cmd"]
    assert cmd[1] == "lab" and "notebooks/00-start-here.ipynb" in cmd and "--port=9999" in cmd  # type: ignore[index,operator]
    # the printed URL (no browser on the machine) opens the front page, not the launcher
    assert "--LabApp.default_url=/lab/tree/notebooks/00-start-here.ipynb" in cmd  # type: ignore[operator]
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


def test_no_arguments_lists_the_commands(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main([]) == 0
    out = capsys.readouterr().out
    for command in ("scenarios", "run", "lab", "bench", "fuzz"):
        assert f"  {command} " in out


def test_pcap_in_a_missing_folder_fails_before_running(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    import mip6lab.lab as lab_module

    def never(*a, **k):  # type: ignore[no-untyped-def]
        raise AssertionError("the scenario ran before the path was checked")

    monkeypatch.setattr(lab_module.Lab, "run", never)
    assert main(["run", "ping", "--pcap", "/nonexistent/dir/x"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["mip6lab: error: cannot write /nonexistent/dir/x: folder /nonexistent/dir does not exist"]


def test_fuzz_prints_its_figures_and_exits_zero(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["fuzz", "--count", "60", "--seed", "3", "--scenario", "attack-unknown-mh"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "packets tried: 60"
    assert "exceptions: 0" in out and "invariant violations: 0" in out
    assert out[1].startswith("outcomes: ")


def test_fuzz_bad_input_is_one_line() -> None:
    for args, needle in [
        (["fuzz", "--count", "0"], "count must be at least 1"),
        (["fuzz", "--count", "many"], "count must be a whole number"),
        (["fuzz", "--scenario", "nope"], "unknown scenario 'nope'"),
    ]:
        p = run_cli(*args)
        assert p.returncode == 2 and "Traceback" not in p.stderr, args
        assert len(p.stderr.strip().splitlines()) == 1 and needle in p.stderr, (args, p.stderr)


def test_cli_and_python_give_the_same_message_for_the_same_mistake(capsys) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from mip6lab.lab import Lab, LabError

    for args, call in [
        (["run", "nope"], lambda: Lab("nope")),
        (["run", "ping", "--esp", "rot13"], lambda: Lab("ping", esp="rot13")),
        (["run", "ping", "--until", "soon"], lambda: Lab("ping").run(until="soon")),  # type: ignore[arg-type]
        (["run", "ping", "--until", "-1"], lambda: Lab("ping").run(until=-1.0)),
    ]:
        assert main(args) == 2
        cli_message = capsys.readouterr().err.strip().removeprefix("mip6lab: error: ")
        with pytest.raises(LabError) as exc:
            call()
        assert str(exc.value) == cli_message, args
