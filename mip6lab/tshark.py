"""tshark as an independent decoder: read a capture back and report what Wireshark thinks of it.

Used by the tests (every scenario's capture must decode with no malformed packet and no bad checksum)
and by readers who want Wireshark's view next to mip6lab's. Checksum validation is switched on for
TCP and UDP (tshark leaves it off by default); ICMPv6 checksums are always validated. tshark does not
validate the Mobility Header checksum (see wire-notes.md), so mip6lab's own codec checks that.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

CHECKSUM_PREFS = ("-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE")

# A frame is "bad" if tshark marks it malformed, or finds a bad checksum or an expert error in it.
# One exception, a tshark limitation rather than a fault of the frame: inside an ICMPv6 error, tshark
# checks the *invoking* packet's TCP/UDP checksum against its IPv6 Destination Address, without the
# home address of its Type 2 Routing header that RFC 6275 §6.4 puts in the pseudo-header (it does apply
# it to packets that are not inside an error). So for ICMPv6 errors (types < 128) only the error's own
# checksum (the outermost ICMPv6 layer, "#1") and malformation count.
_ERROR_FRAME = "icmpv6.type#1 < 128"
BAD_FILTER = (
    "_ws.malformed || icmpv6.checksum.status#1 == 0 "
    f"|| ((tcp.checksum.status == 0 || udp.checksum.status == 0 || _ws.expert.severity >= error) && !({_ERROR_FRAME}))"
)


class TsharkError(RuntimeError):
    pass


def available() -> bool:
    return shutil.which("tshark") is not None


def _run(args: list[str]) -> str:
    exe = shutil.which("tshark")
    if exe is None:
        raise TsharkError("tshark is not installed (Debian: apt-get install tshark)")
    proc = subprocess.run([exe, *args], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise TsharkError(f"tshark failed ({proc.returncode}): {proc.stderr.strip()[:500]}")
    return proc.stdout


def fields(
    path: str | Path, names: list[str], display_filter: str | None = None, extra: tuple[str, ...] = ()
) -> list[dict[str, str]]:
    """One dict per frame with the requested tshark fields (all occurrences joined by ',')."""
    args = [
        "-r",
        str(path),
        *CHECKSUM_PREFS,
        *extra,
        "-T",
        "fields",
        "-E",
        "separator=\t",
        "-E",
        "occurrence=a",
        "-E",
        "aggregator=,",
    ]
    if display_filter:
        args += ["-Y", display_filter]
    for n in names:
        args += ["-e", n]
    rows = []
    for line in _run(args).splitlines():
        parts = line.split("\t")
        parts += [""] * (len(names) - len(parts))
        rows.append(dict(zip(names, parts)))
    return rows


@dataclass
class CheckResult:
    frames: int
    bad: list[dict[str, str]]

    @property
    def ok(self) -> bool:
        return self.frames > 0 and not self.bad


def check(path: str | Path) -> CheckResult:
    """Count the frames and list those tshark finds malformed or with a bad checksum."""
    total = len(fields(path, ["frame.number"]))
    bad = fields(
        path, ["frame.number", "frame.interface_name", "_ws.col.Info", "_ws.expert.message"], display_filter=BAD_FILTER
    )
    return CheckResult(total, bad)
