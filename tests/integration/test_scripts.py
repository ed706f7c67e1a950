"""The set-up scripts: wait for the dpkg lock, hand signals to JupyterLab, hide setuptools' noise."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETUP = (ROOT / "scripts" / "_setup.sh").read_text()


def test_every_apt_get_waits_for_the_dpkg_lock() -> None:
    calls = re.findall(r"apt-get [^\n]*", SETUP)
    assert calls
    assert all("-o DPkg::Lock::Timeout=600" in c for c in calls), calls


def test_lab_script_execs_so_signals_reach_jupyter() -> None:
    lines = [ln for ln in (ROOT / "scripts" / "lab").read_text().splitlines() if ln and not ln.startswith("#")]
    assert lines[-1].startswith("exec .venv/bin/mip6lab lab")


def test_setuptools_warning_block_is_hidden_and_the_rest_shown() -> None:
    program = re.search(r"^awk '(.*?)'", SETUP, re.S | re.M).group(1)  # type: ignore[union-attr]
    pip_out = (
        "Obtaining file:///x\n  !!\n\n  ****\n  editable install warning\n  ****\n\n!!\n"
        "WARNING: Location '/opt/x' is ignored.\n"
        "  /tmp/pip-build-env/editable_wheel.py:354: BuildBackendWarning: Editable installation.\n"
        '    with strategy, WheelFile(wheel_path, "w") as wheel_obj:\n'
        "/tmp/x/SetuptoolsDeprecationWarning: something\n"
        "ERROR: a real problem\n"
    )
    out = subprocess.run(["awk", program], input=pip_out, capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["Obtaining file:///x", "ERROR: a real problem"]
