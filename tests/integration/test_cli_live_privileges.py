"""Without the privileges live mode needs, ``mip6lab live`` says what is missing in one line (exit 2)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_live_without_privileges_is_one_line() -> None:
    cmd = [sys.executable, "-m", "mip6lab.cli", "live", "ping", "--link", "cn-link", "--netns", "mip6lab-nopriv"]
    if os.geteuid() == 0:  # become nobody, without capabilities
        if shutil.which("setpriv") is None:
            import pytest

            pytest.skip("setpriv (util-linux) is needed to drop root's privileges")
        nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"]
        cmd = [*nobody, *cmd]
    env = dict(os.environ, PYTHONPATH=str(ROOT), HOME="/tmp")
    if os.geteuid() == 0:
        probe = subprocess.run(
            [*nobody, sys.executable, "-c", "import mip6lab.cli"], capture_output=True, env=env, cwd="/tmp", timeout=60
        )
        if probe.returncode != 0:  # e.g. a checkout under a 0700 directory (mktemp -d): nobody cannot read it
            import pytest

            pytest.skip("user nobody cannot import mip6lab from this checkout (directory permissions)")
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd="/tmp", timeout=60)
    assert p.returncode == 2, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert "CAP_NET_ADMIN" in lines[0] and "root" in lines[0]
    assert p.stdout == ""
    assert not os.path.exists("/run/netns/mip6lab-nopriv")
