"""Every scenario's capture as a SHA-256 per seed: the "behaviour unchanged" fixture of issue 9.

``python tests/scenarios/capture_digests.py`` rewrites ``capture_digests.json`` (run it only when a
documented fix changes the packets on purpose, and say which and why in the commit);
``tests/scenarios/test_capture_digests.py`` compares against it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

FIXTURE = Path(__file__).with_name("capture_digests.json")
SEEDS = (0, 1)


def digest(scenario: str, seed: int) -> str:
    """SHA-256 of the pcapng bytes of ``scenario`` run to its duration with ``seed`` (ESP null, the default)."""
    from mip6lab.lab import Lab

    lab = Lab(scenario, seed=seed)
    lab.run()
    return hashlib.sha256(lab.capture.to_bytes_pcapng()).hexdigest()


def all_digests() -> dict[str, dict[str, str]]:
    from mip6lab.scenarios import SCENARIOS

    return {name: {str(s): digest(name, s) for s in SEEDS} for name in SCENARIOS}


if __name__ == "__main__":
    FIXTURE.write_text(json.dumps(all_digests(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {FIXTURE}")
