"""Every frame put on every link, recorded at send time; pcapng / pcap export.

The capture is the simulator's "wire": it sees a frame once, when it is transmitted, whether or not
anybody receives it. Frames the link loses (loss model, drop filter) are still recorded, marked
``dropped``, so a reader can see *that* a Binding Acknowledgement was lost and not only that the
mobile node retransmitted its Binding Update.

Export: one pcapng file with one interface per link (Wireshark shows the link name as the interface
name), or one classic pcap per link. Timestamps are simulated time in microseconds, so the bytes only
depend on the scenario and its seed.

Memory is the reader's choice (issue 13). By default everything is kept (what a chapter expects); for
long or large runs:

* :meth:`Capture.keep_last` - a ring buffer of the last N frames;
* :meth:`Capture.stream_to` - every frame written to a pcapng file as the run goes; ``capture[i]``
  (and the inspector) read any frame back from the file, so memory is 8 octets per frame;
* :meth:`Capture.only` - record only frames of some nodes, links or message kinds;
* :meth:`Capture.off` (``enabled = False``) - record nothing;
* ``keep_decoded = False`` - decoded views are made on demand and not kept with the record.

``frames`` counts every frame the links carried, whatever was kept.
"""

from __future__ import annotations

import os
import re
import struct
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import IO, TYPE_CHECKING, Any

from mip6lab.net.pcapng import (
    BT_EPB,
    LINKTYPE_ETHERNET,
    OPT_COMMENT,
    PcapngWriter,
    decode_options,
    enhanced_packet_block,
    interface_description_block,
    pcap_bytes,
    section_header_block,
)

if TYPE_CHECKING:
    from mip6lab.wire.ip import Ethernet

DROP_COMMENT = "dropped by the link's loss model"
MTU_DROP_COMMENT = "dropped: larger than the link MTU"

_UNSET: Any = object()
_NOKEEP: Any = object()  # decode on every use, keep nothing (Capture.keep_decoded = False)


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
        if self._decoded is _UNSET or self._decoded is _NOKEEP:
            from mip6lab.wire.codec import DecodeError, decode_frame

            try:
                value = decode_frame(self.frame)
            except DecodeError:
                value = None
            if self._decoded is _NOKEEP:
                return value
            self._decoded = value
        return self._decoded

    def __repr__(self) -> str:
        flag = f" DROPPED({self.drop_reason})" if self.dropped else ""
        return (
            f"<CaptureRecord #{self.index} t={self.time:.6f} {self.link} {self.sender}->"
            f"{','.join(self.receivers) or '-'} {self.src_mac}>{self.dst_mac} {len(self.frame)}B{flag}>"
        )


class Capture:
    """The :class:`CaptureRecord` list in transmission order, plus exports.

    ``enabled = False`` stops recording (benchmarks); ``links`` lists link names in the order they
    were registered, which fixes the pcapng interface ids. ``capture[i]`` is the frame with index ``i``;
    ``len(capture)`` is one more than the last index (with a ring buffer, older frames are gone).
    """

    def __init__(self) -> None:
        self.records: list[CaptureRecord] | deque[CaptureRecord] = []
        self.links: list[str] = []
        self.enabled = True
        self.keep_decoded = True  # False: decoded views are made on each use and not kept
        self.frames = 0  # every frame offered to the capture, kept or not
        # Seconds since the Unix epoch that simulated time 0 stands for in exports. 0 keeps files a
        # function of the scenario and seed; live mode sets the wall-clock start so Wireshark shows
        # the real time of day next to the kernel's own timestamps.
        self.time_origin = 0.0
        self._next = 0  # the index the next kept frame gets
        self._filter: Callable[[CaptureRecord], bool] | None = None
        self._stream: _Stream | None = None

    # ------------------------------------------------------------------------------ memory choices
    def keep_last(self, n: int | None) -> None:
        """Keep only the last ``n`` frames (a ring buffer); ``None`` keeps everything again."""
        if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
            raise ValueError(f"keep_last needs a whole number of frames >= 1 or None, not {n!r}")
        self.records = list(self.records) if n is None else deque(self.records, maxlen=n)

    def stream_to(self, path: str | os.PathLike[str], keep: int | None = 0) -> str:
        """Write every frame from now on to the pcapng file ``path`` as it is captured (one interface
        per link; each packet's comment names its sender and receivers). ``keep`` frames stay in memory
        too (0: none, None: all); any frame can still be read back: ``capture[i]``."""
        if self._stream is not None:
            self._stream.close()
        if self._next and (not self.records or self.records[0].index > 0):
            raise ValueError("stream_to must be called before frames leave memory (call it right after Lab())")
        stream = _Stream(path, self)
        for r in self.records:  # frames captured so far go first, so that index i is the file's i-th packet
            stream.write(r)
        self._stream = stream
        if keep is None:
            self.records = list(self.records)
        elif keep == 0:
            self.records = deque(maxlen=0)
        else:
            self.keep_last(keep)
        return os.fspath(path)

    def close(self) -> None:
        """Flush and close the streamed file (reading frames back from it still works)."""
        if self._stream is not None:
            self._stream.flush()

    def only(
        self,
        node: str | Iterable[str] | None = None,
        link: str | Iterable[str] | None = None,
        kind: str | Iterable[str] | None = None,
    ) -> None:
        """Record only frames sent or received by ``node``, on ``link``, of message ``kind`` (names as
        :func:`mip6lab.wire.summary.name` gives them: "BU", "UDP", "NS" ...). No arguments: record all."""
        nodes, links, kinds = _names(node), _names(link), _names(kind)
        if nodes is None and links is None and kinds is None:
            self._filter = None
            return

        def keep(r: CaptureRecord) -> bool:
            if links is not None and r.link not in links:
                return False
            if nodes is not None and r.sender not in nodes and not any(n in nodes for n in r.receivers):
                return False
            if kinds is not None:
                from mip6lab.wire.summary import name

                frame = r.decoded
                return frame is not None and name(frame) in kinds
            return True

        self._filter = keep

    def off(self) -> None:
        """Record nothing (``enabled = False``)."""
        self.enabled = False

    def configure(self, spec: Any) -> None:
        """One setting for all of the above (what ``sweep`` grids use): "all", "off", an int N (ring of N
        frames), a path ending in .pcapng (streamed), or a dict of keep_last / stream_to / only arguments."""
        if spec in (None, "all"):
            return
        if spec == "off":
            self.off()
        elif isinstance(spec, int) and not isinstance(spec, bool):
            self.keep_last(spec)
        elif isinstance(spec, (str, os.PathLike)):
            self.stream_to(spec)
        elif isinstance(spec, dict):
            if "keep_last" in spec:
                self.keep_last(spec["keep_last"])
            if "stream_to" in spec:
                self.stream_to(spec["stream_to"], keep=spec.get("keep", 0))
            if "only" in spec:
                self.only(**spec["only"])
            if "keep_decoded" in spec:
                self.keep_decoded = bool(spec["keep_decoded"])
        else:
            raise ValueError(f"capture must be 'all', 'off', a frame count, a .pcapng path or a dict, not {spec!r}")

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
        self.frames += 1
        rec = CaptureRecord(
            self._next,
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
        if not self.keep_decoded:
            rec._decoded = _NOKEEP
        if self._filter is not None and not self._filter(rec):
            return None
        self._next += 1
        if self._stream is not None:
            self._stream.write(rec)
        self.records.append(rec)
        return rec

    def clear(self) -> None:
        self.records.clear()
        self._next = 0
        if self._stream is not None:
            self._stream.truncate()

    # ------------------------------------------------------------------------------ list protocol
    def __len__(self) -> int:
        return self._next

    def __iter__(self) -> Iterator[CaptureRecord]:
        if self._stream is not None and (not self.records or self.records[0].index > 0):
            return self._stream.iter_records()
        return iter(list(self.records)) if isinstance(self.records, deque) else iter(self.records)

    @property
    def first_kept(self) -> int:
        """The lowest frame index that can still be read: 0, unless a ring buffer (:meth:`keep_last`)
        let older frames go - then it is also how many frames were dropped from memory."""
        if self._stream is not None:
            return 0
        return self.records[0].index if self.records else self._next

    def get(self, i: int | None) -> CaptureRecord | None:
        """Frame ``i``, or None when there is no such frame or it has left the ring buffer (views)."""
        if i is None or not 0 <= i < self._next:
            return None
        try:
            return self[i]
        except IndexError:
            return None

    def since(self, start: int) -> list[CaptureRecord]:
        """The frames with index >= ``start`` that can still be read, in order (frames that left a ring
        buffer are skipped; streamed ones are read back from the file). Costs what it returns."""
        recs = self.records
        first = recs[0].index if recs else self._next
        start = max(start, 0)
        out: list[CaptureRecord] = []
        if self._stream is not None and start < first:
            out = [self._stream.read(i) for i in range(start, first)]
        start = max(start, first)
        if isinstance(recs, list):
            return out + recs[start - first :]
        n = len(recs)
        return out + [recs[j] for j in range(n - min(self._next - start, n), n)]

    def __getitem__(self, i: int) -> CaptureRecord:
        if isinstance(self.records, list) and self._stream is None and (not self.records or self.records[0].index == 0):
            return self.records[i]
        if i < 0:
            i += self._next
        if self.records and i >= self.records[0].index:
            return self.records[i - self.records[0].index]
        if self._stream is not None and 0 <= i < self._next:
            return self._stream.read(i)
        if 0 <= i < self._next:
            raise IndexError(f"frame {i} has left the ring buffer (the last {len(self.records)} frames are kept)")
        raise IndexError(f"no frame {i} (the capture has {self._next})")

    def filter(
        self,
        link: str | None = None,
        node: str | None = None,
        predicate: Callable[[CaptureRecord], bool] | None = None,
    ) -> list[CaptureRecord]:
        """Records on ``link``, sent or received by ``node``, for which ``predicate`` is true."""
        return [
            r
            for r in self
            if (link is None or r.link == link)
            and (node is None or r.sender == node or node in r.receivers)
            and (predicate is None or predicate(r))
        ]

    # ------------------------------------------------------------------------------ export
    def _all_links(self) -> list[str]:
        names = list(self.links)
        seen = set(names)
        for r in self:
            if r.link not in seen:
                seen.add(r.link)
                names.append(r.link)
        return names

    def to_bytes_pcapng(self) -> bytes:
        """The whole capture as pcapng: one IDB per link (``if_name`` = link name), EPBs in order."""
        w = PcapngWriter()
        ids = {name: w.add_interface(name, LINKTYPE_ETHERNET) for name in self._all_links()}
        for r in self:
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
                for r in self
                if r.link == name and (include_dropped or not r.dropped)
            ]
            path = os.path.join(directory, _safe_filename(name) + ".pcap")
            with open(path, "wb") as f:
                f.write(pcap_bytes(pkts, LINKTYPE_ETHERNET))
            paths.append(path)
        return paths


def _safe_filename(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name) or "link"


def _names(value: str | Iterable[str] | None) -> frozenset[str] | None:
    if value is None:
        return None
    return frozenset([value] if isinstance(value, str) else value)


class _Stream:
    """A pcapng file written as frames are captured, with the file offset of each frame so that any
    frame can be read back. Each EPB's comment carries what the pcapng format has no field for:
    "<sender> -> <receivers>", the drop reason, the trace id."""

    def __init__(self, path: str | os.PathLike[str], capture: Capture) -> None:
        self.path = os.fspath(path)
        self.capture = capture
        self.file: IO[bytes] = open(self.path, "w+b")  # noqa: SIM115 (closed by close())
        self.offsets = array("Q")
        self.ids: dict[str, int] = {}
        self.names: list[str] = []
        self.file.write(section_header_block())
        for name in capture.links:
            self._interface(name)

    def _interface(self, name: str) -> int:
        if name not in self.ids:
            self.ids[name] = len(self.names)
            self.names.append(name)
            self.file.write(interface_description_block(name, LINKTYPE_ETHERNET))
        return self.ids[name]

    def write(self, r: CaptureRecord) -> None:
        if_id = self._interface(r.link)
        comment = f"{r.sender} -> {','.join(r.receivers) or '-'}"
        if r.dropped:
            comment += f"; {MTU_DROP_COMMENT if r.drop_reason == 'mtu' else DROP_COMMENT} ({r.drop_reason})"
        if r.trace_id:
            comment += f"; trace {r.trace_id}"
        self.offsets.append(self.file.tell())
        ts = round((self.capture.time_origin + r.time) * 1_000_000)
        self.file.write(enhanced_packet_block(if_id, ts, r.frame, comment))

    def flush(self) -> None:
        self.file.flush()

    def close(self) -> None:
        self.file.close()

    def truncate(self) -> None:
        self.file.seek(self.offsets[0] if self.offsets else self.file.tell())
        self.file.truncate()
        self.offsets = array("Q")

    def read(self, i: int) -> CaptureRecord:
        end = self.file.tell()
        try:
            self.file.seek(self.offsets[i])
            head = self.file.read(8)
            btype, total = struct.unpack("<II", head)
            body = self.file.read(total - 12)
        finally:
            self.file.seek(end)
        assert btype == BT_EPB
        if_id, ts_hi, ts_lo, cap_len, _orig = struct.unpack_from("<IIIII", body, 0)
        frame = bytes(body[20 : 20 + cap_len])
        opts = decode_options(body[20 + cap_len + (-cap_len % 4) :])
        comment = next((v.decode() for c, v in opts if c == OPT_COMMENT), "")
        parts = comment.split("; ")
        sender, _, to = parts[0].partition(" -> ")
        receivers = () if to == "-" else tuple(to.split(","))
        reason, trace_id = "", 0
        for p in parts[1:]:
            if p.startswith("trace "):
                trace_id = int(p[6:])
            elif p.endswith(")") and "(" in p:
                reason = p[p.rindex("(") + 1 : -1]
        t = ((ts_hi << 32) | ts_lo) / 1_000_000 - self.capture.time_origin
        rec = CaptureRecord(
            i,
            t,
            self.names[if_id],
            sender,
            receivers,
            frame[6:12].hex(":"),
            frame[0:6].hex(":"),
            frame,
            trace_id,
            reason,
        )
        if not self.capture.keep_decoded:
            rec._decoded = _NOKEEP
        return rec

    def iter_records(self) -> Iterator[CaptureRecord]:
        for i in range(len(self.offsets)):
            yield self.read(i)
