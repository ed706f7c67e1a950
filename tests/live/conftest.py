"""Live tests: the Linux kernel in a network namespace as the simulated nodes' peer (marker ``live``).

They need CAP_NET_ADMIN + CAP_SYS_ADMIN and /dev/net/tun (CI runs as root) and are skipped with the
reason otherwise. Each test leaves no namespace or TAP interface behind, and checks it.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from mip6lab.live import missing_privileges
from mip6lab.live.netns import cleanup

NETNS = f"mip6lab-test-{os.getpid()}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    why = missing_privileges()
    for item in items:
        if "tests/live/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.live)
            if why is not None:
                item.add_marker(pytest.mark.skip(reason=why))


@pytest.fixture
def netns() -> str:
    """A namespace name for one test; after it, neither the namespace nor its TAP may exist."""
    yield NETNS
    names = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    left = NETNS in names.split() or os.path.exists(f"/run/netns/{NETNS}")
    cleanup(NETNS)  # even when the test failed half-way, leave nothing for the next one
    assert not left, f"namespace {NETNS} left behind"
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    assert "mip6tap" not in links, "a TAP interface leaked into the host's namespace"
