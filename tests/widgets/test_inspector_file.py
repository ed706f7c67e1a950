"""The packet inspector opens a saved capture; a missing or corrupt file is one clear LabError."""

from __future__ import annotations

from pathlib import Path

import pytest

from mip6lab.lab import Lab, LabError
from mip6lab.widgets.inspector import PacketInspector


def test_saved_capture_opens_in_the_inspector(tmp_path: Path) -> None:
    lab = Lab("ping")
    lab.run(until=6.0)
    (path,) = lab.save_pcap(tmp_path / "run.pcapng")
    insp = PacketInspector.from_file(path)
    assert len(insp.lab.capture) == len(lab.capture)
    assert [r.frame for r in insp.lab.capture] == [r.frame for r in lab.capture]


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (None, "cannot read capture file"),
        (b"", "is not a readable pcapng or pcap capture"),
        (b"hello, this is not a capture at all", "is not a readable pcapng or pcap capture"),
        (b"\x0a\x0d\x0d\x0a" + b"\xff" * 40, "is not a readable pcapng or pcap capture"),
    ],
)
def test_corrupt_capture_is_one_clear_line(tmp_path: Path, content: bytes | None, needle: str) -> None:
    path = tmp_path / "bad.pcapng"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(LabError) as exc:
        PacketInspector.from_file(path)
    assert needle in str(exc.value) and "\n" not in str(exc.value)


def test_truncated_capture_is_refused(tmp_path: Path) -> None:
    lab = Lab("ping")
    lab.run(until=4.0)
    (path,) = lab.save_pcap(tmp_path / "run.pcapng")
    data = Path(path).read_bytes()
    Path(path).write_bytes(data[: len(data) // 2 + 3])
    with pytest.raises(LabError, match="not a readable pcapng or pcap capture"):
        PacketInspector.from_file(path)
