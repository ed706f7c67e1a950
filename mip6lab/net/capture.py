"""Every frame put on every link, recorded at send time; pcapng / pcap export.

The capture is the simulator's "wire": it sees a frame once, when it is transmitted, whether or not
anybody receives it. Frames the link loses (loss model, drop filter) are still recorded, marked
``dropped``, so a reader can see *that* a Binding Acknowledgement was lost and not only that the
mobile node retransmitted its Binding Update.

Export: one pcapng file with one interface per link (Wireshark shows the link name as the interface
name), or one classic pcap per link. Timestamps are simulated time in microseconds, so the bytes only
depend on the scenario and its seed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from mip6lab.net.pcapng import LINKTYPE_ETHERNET, PcapngWriter, pcap_bytes

if TYPE_CHECKING:
    from mip6lab.wire.ip import Ethernet

DROP_COMMENT = "dropped by the link's loss model"
MTU_DROP_COMMENT = "dropped: larger than the link MTU"

_UNSET: Any = object()


class CaptureRecord:
    """One frame seen on one link. ``receivers`` names the nodes whose interface accepted it
    (empty when ``dropped``). ``drop_reason`` is "" or one of "loss", "filter", "mtu"."""

    __slots__ = (
        "index",
        "time",
        "link",
        "sender",
        "receivers",
        "src_mac",
        "dst_mac",
        "frame",
        "trace_id",
        "drop_reason",
        "_decoded",
    )

    def __init__(
        self,
        index: int,
        time: float,
        link: str,
        sender: str,
        receivers: tuple[str, ...],
        src_mac: str,
        dst_mac: str,
        frame: bytes,
        trace_id: int = 0,
        drop_reason: str = "",
    ) -> None:
        self.index = index
        self.time = time
        self.link = link
        self.sender = sender
        self.receivers = receivers
        self.src_mac = src_mac
        self.dst_mac = dst_mac
        self.frame = frame
        self.trace_id = trace_id
        self.drop_reason = drop_reason
        self._decoded = _UNSET

    @property
    def dropped(self) -> bool:
        """The link lost or refused the frame (it has a ``drop_reason``)."""
        return bool(self.drop_reason)

    @property
    def decoded(self) -> Ethernet | None:
        """The frame as a typed value (decoded once, on first use); None if it does not decode."""
        if self._decoded is _UNSET:
            from mip6lab.wire.codec import DecodeError, decode_frame

            try:
                self._decoded = decode_frame(self.frame)
            except DecodeError:
                self._decoded = None
        return self._decoded

    def __repr__(self) -> str:
        flag = f" DROPPED({self.drop_reason})" if self.dropped else ""
        return (
            f"<CaptureRecord #{self.index} t={self.time:.6f} {self.link} {self.sender}->"
            f"{','.join(self.receivers) or '-'} {self.src_mac}>{self.dst_mac} {len(self.frame)}B{flag}>"
        )


class Capture:
    """The list of :class:`CaptureRecord` in transmission order, plus exports.

    ``enabled = False`` stops recording (benchmarks); ``links`` lists link names in the order they
    were registered, which fixes the pcapng interface ids.
    """

    def __init__(self) -> None:
        self.records: list[CaptureRecord] = []
        self.links: list[str] = []
        self.enabled = True
        # Seconds since the Unix epoch that simulated time 0 stands for in exports. 0 keeps files a
        # function of the scenario and seed; live mode sets the wall-clock start so Wireshark shows
        # the real time of day next to the kernel's own timestamps.
        self.time_origin = 0.0

    def add_link(self, name: str) -> None:
        if name not in self.links:
            self.links.append(name)

    def record(
        self,
        time: float,
        link: str,
        sender: str,
        receivers: tuple[str, ...],
        src_mac: str,
        dst_mac: str,
        frame: bytes,
        trace_id: int = 0,
        drop_reason: str = "",
    ) -> CaptureRecord | None:
        if not self.enabled:
            return None
        rec = CaptureRecord(
            len(self.records),
            time,
            link,
            sender,
            receivers,
            src_mac,
            dst_mac,
            frame,
            trace_id,
            drop_reason,
        )
        self.records.append(rec)
        return rec

    def clear(self) -> None:
        self.records.clear()

    # ------------------------------------------------------------------------------ list protocol
    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[CaptureRecord]:
        return iter(self.records)

    def __getitem__(self, i: int) -> CaptureRecord:
        return self.records[i]

    def filter(
        self,
        link: str | None = None,
        node: str | None = None,
        predicate: Callable[[CaptureRecord], bool] | None = None,
    ) -> list[CaptureRecord]:
        """Records on ``link``, sent or received by ``node``, for which ``predicate`` is true."""
        return [
            r
            for r in self.records
            if (link is None or r.link == link)
            and (node is None or r.sender == node or node in r.receivers)
            and (predicate is None or predicate(r))
        ]

    # ------------------------------------------------------------------------------ export
    def _all_links(self) -> list[str]:
        names = list(self.links)
        seen = set(names)
        for r in self.records:
            if r.link not in seen:
                seen.add(r.link)
                names.append(r.link)
        return names

    def to_bytes_pcapng(self) -> bytes:
        """The whole capture as pcapng: one IDB per link (``if_name`` = link name), EPBs in order."""
        w = PcapngWriter()
        ids = {name: w.add_interface(name, LINKTYPE_ETHERNET) for name in self._all_links()}
        for r in self.records:
            comment = None
            if r.dropped:
                comment = MTU_DROP_COMMENT if r.drop_reason == "mtu" else DROP_COMMENT
            w.add_packet(ids[r.link], self.time_origin + r.time, r.frame, comment)
        return w.getvalue()

    def write_pcapng(self, path: str | os.PathLike[str]) -> str:
        with open(path, "wb") as f:
            f.write(self.to_bytes_pcapng())
        return os.fspath(path)

    def write_pcap_per_link(self, directory: str | os.PathLike[str], include_dropped: bool = True) -> list[str]:
        """One classic pcap per link, ``<directory>/<link>.pcap`` (classic pcap cannot mark a frame
        as dropped; pass ``include_dropped=False`` to leave lost frames out)."""
        os.makedirs(directory, exist_ok=True)
        paths = []
        for name in self._all_links():
            pkts = [
                (self.time_origin + r.time, r.frame)
                for r in self.records
                if r.link == name and (include_dropped or not r.dropped)
            ]
            path = os.path.join(directory, _safe_filename(name) + ".pcap")
            with open(path, "wb") as f:
                f.write(pcap_bytes(pkts, LINKTYPE_ETHERNET))
            paths.append(path)
        return paths


def _safe_filename(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name) or "link"
