"""A small, dependency-free pcapng / pcap writer and reader.

Why our own: captures must be byte-for-byte reproducible (same scenario + seed -> same file), so the
writer never reads a wall clock, a host name or an OS version, and the Section Header Block carries
a fixed option set. The reader exists so tests can read back what was written without scapy.

pcapng block layout (all little-endian here)::

    block type (4) | block total length (4) | body ... | block total length (4)

Options are ``code (2) | length (2) | value, padded to 4 bytes``, ended by ``opt_endofopt`` (0, 0).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

# Block types
BT_SHB = 0x0A0D0D0A
BT_IDB = 0x00000001
BT_EPB = 0x00000006
BYTE_ORDER_MAGIC = 0x1A2B3C4D

LINKTYPE_ETHERNET = 1

# Option codes
OPT_ENDOFOPT = 0
OPT_COMMENT = 1
SHB_USERAPPL = 4
IF_NAME = 2
IF_DESCRIPTION = 3
IF_TSRESOL = 9
EPB_FLAGS = 2

PCAP_MAGIC_US = 0xA1B2C3D4
SNAPLEN = 262144

_U32 = struct.Struct("<I")
_EPB_HEAD = struct.Struct("<IIIIIII")  # type, total len, if id, ts high, ts low, captured len, orig len


def _pad4(n: int) -> int:
    return (4 - n % 4) % 4


def encode_options(options: list[tuple[int, bytes]]) -> bytes:
    """Encode ``(code, value)`` pairs, padded, followed by opt_endofopt; empty list -> no bytes."""
    if not options:
        return b""
    out = bytearray()
    for code, value in options:
        out += struct.pack("<HH", code, len(value))
        out += value
        out += b"\x00" * _pad4(len(value))
    out += b"\x00\x00\x00\x00"
    return bytes(out)


def _block(block_type: int, body: bytes) -> bytes:
    total = 12 + len(body)
    return struct.pack("<II", block_type, total) + body + _U32.pack(total)


def section_header_block(user_appl: str = "mip6lab") -> bytes:
    """SHB, version 1.0, section length unknown (-1); only a fixed ``shb_userappl`` option."""
    body = struct.pack("<IHHq", BYTE_ORDER_MAGIC, 1, 0, -1)
    body += encode_options([(SHB_USERAPPL, user_appl.encode())])
    return _block(BT_SHB, body)


def interface_description_block(
    name: str, linktype: int = LINKTYPE_ETHERNET, snaplen: int = SNAPLEN, tsresol: int = 6
) -> bytes:
    """IDB with ``if_name`` and an explicit ``if_tsresol`` (10^-tsresol seconds per tick)."""
    body = struct.pack("<HHI", linktype, 0, snaplen)
    body += encode_options([(IF_NAME, name.encode()), (IF_TSRESOL, bytes([tsresol]))])
    return _block(BT_IDB, body)


def enhanced_packet_block(interface_id: int, timestamp: int, data: bytes, comment: str | None = None) -> bytes:
    """EPB; ``timestamp`` is in the interface's ticks (microseconds for our IDBs)."""
    opts = encode_options([(OPT_COMMENT, comment.encode())]) if comment else b""
    pad = _pad4(len(data))
    total = 32 + len(data) + pad + len(opts)
    return b"".join(
        (
            _EPB_HEAD.pack(
                BT_EPB,
                total,
                interface_id,
                (timestamp >> 32) & 0xFFFFFFFF,
                timestamp & 0xFFFFFFFF,
                len(data),
                len(data),
            ),
            data,
            b"\x00" * pad,
            opts,
            _U32.pack(total),
        )
    )


class PcapngWriter:
    """Builds one pcapng section in memory: ``add_interface`` then ``add_packet``; ``getvalue()``."""

    def __init__(self, user_appl: str = "mip6lab") -> None:
        self._parts: list[bytes] = [section_header_block(user_appl)]
        self._n_if = 0

    def add_interface(self, name: str, linktype: int = LINKTYPE_ETHERNET) -> int:
        self._parts.append(interface_description_block(name, linktype))
        self._n_if += 1
        return self._n_if - 1

    def add_packet(self, interface_id: int, time: float, data: bytes, comment: str | None = None) -> None:
        """``time`` in simulated seconds; stored as whole microseconds (rounded, not truncated)."""
        if not 0 <= interface_id < self._n_if:
            raise ValueError(f"unknown interface id {interface_id}")
        self._parts.append(enhanced_packet_block(interface_id, round(time * 1_000_000), data, comment))

    def getvalue(self) -> bytes:
        return b"".join(self._parts)


def pcap_bytes(packets: list[tuple[float, bytes]], linktype: int = LINKTYPE_ETHERNET) -> bytes:
    """Classic libpcap file (microsecond magic) of ``(time, frame)`` pairs."""
    parts = [struct.pack("<IHHiIII", PCAP_MAGIC_US, 2, 4, 0, 0, SNAPLEN, linktype)]
    for t, data in packets:
        us = round(t * 1_000_000)
        parts.append(struct.pack("<IIII", us // 1_000_000, us % 1_000_000, len(data), len(data)))
        parts.append(data)
    return b"".join(parts)


# --------------------------------------------------------------------------------------------- reader


class PcapFormatError(ValueError):
    """The bytes are not a well-formed pcapng / pcap file (as far as this small reader understands)."""


@dataclass
class Interface:
    linktype: int
    snaplen: int
    name: str | None = None
    tsresol: int = 6
    options: list[tuple[int, bytes]] = field(default_factory=list)


@dataclass
class Packet:
    interface_id: int
    timestamp: int  # ticks of the interface's resolution
    data: bytes
    orig_len: int
    comments: list[str] = field(default_factory=list)
    options: list[tuple[int, bytes]] = field(default_factory=list)

    def time(self, tsresol: int = 6) -> float:
        return self.timestamp / 10**tsresol


@dataclass
class PcapngFile:
    blocks: list[tuple[int, bytes]]  # (block type, body) in file order
    shb_options: list[tuple[int, bytes]]
    interfaces: list[Interface]
    packets: list[Packet]


def decode_options(data: bytes, endian: str = "<") -> list[tuple[int, bytes]]:
    out: list[tuple[int, bytes]] = []
    off = 0
    while off + 4 <= len(data):
        code, length = struct.unpack_from(endian + "HH", data, off)
        off += 4
        if code == OPT_ENDOFOPT:
            break
        if off + length > len(data):
            raise PcapFormatError(f"option {code} runs past the end of its block")
        out.append((code, data[off : off + length]))
        off += length + _pad4(length)
    return out


def read_pcapng(data: bytes) -> PcapngFile:
    """Parse every block of a (single- or multi-section) pcapng file; unknown blocks are kept raw."""
    blocks: list[tuple[int, bytes]] = []
    shb_options: list[tuple[int, bytes]] = []
    interfaces: list[Interface] = []
    packets: list[Packet] = []
    endian = "<"
    off = 0
    while off < len(data):
        if off + 12 > len(data):
            raise PcapFormatError(f"truncated block header at offset {off}")
        (btype,) = struct.unpack_from("<I", data, off)
        if btype == BT_SHB:
            (magic,) = struct.unpack_from("<I", data, off + 8)
            if magic == BYTE_ORDER_MAGIC:
                endian = "<"
            elif magic == 0x4D3C2B1A:
                endian = ">"
            else:
                raise PcapFormatError(f"bad byte-order magic at offset {off}")
            interfaces = []  # interface ids are per section
        btype, total = struct.unpack_from(endian + "II", data, off)
        if total < 12 or total % 4 or off + total > len(data):
            raise PcapFormatError(f"bad block length {total} at offset {off}")
        (trailer,) = struct.unpack_from(endian + "I", data, off + total - 4)
        if trailer != total:
            raise PcapFormatError(f"block length trailer mismatch at offset {off}")
        body = data[off + 8 : off + total - 4]
        blocks.append((btype, body))
        if btype == BT_SHB:
            shb_options = decode_options(body[16:], endian)
        elif btype == BT_IDB:
            linktype, _res, snaplen = struct.unpack_from(endian + "HHI", body, 0)
            opts = decode_options(body[8:], endian)
            iface = Interface(linktype, snaplen, options=opts)
            for code, value in opts:
                if code == IF_NAME:
                    iface.name = value.decode()
                elif code == IF_TSRESOL:
                    if value[0] & 0x80:
                        raise PcapFormatError("power-of-two if_tsresol is not supported by this reader")
                    iface.tsresol = value[0]
            interfaces.append(iface)
        elif btype == BT_EPB:
            if_id, ts_hi, ts_lo, cap_len, orig_len = struct.unpack_from(endian + "IIIII", body, 0)
            if if_id >= len(interfaces):
                raise PcapFormatError(f"packet refers to unknown interface {if_id}")
            pkt_data = body[20 : 20 + cap_len]
            opts = decode_options(body[20 + cap_len + _pad4(cap_len) :], endian)
            comments = [v.decode() for c, v in opts if c == OPT_COMMENT]
            packets.append(Packet(if_id, (ts_hi << 32) | ts_lo, pkt_data, orig_len, comments, opts))
        off += total
    return PcapngFile(blocks, shb_options, interfaces, packets)


def read_pcap(data: bytes) -> tuple[int, list[tuple[float, bytes]]]:
    """Parse a classic pcap file: ``(linktype, [(time, frame), ...])``."""
    if len(data) < 24:
        raise PcapFormatError("truncated pcap header")
    (magic,) = struct.unpack_from("<I", data, 0)
    if magic == PCAP_MAGIC_US:
        endian = "<"
    elif magic == 0xD4C3B2A1:
        endian = ">"
    else:
        raise PcapFormatError(f"not a microsecond pcap file (magic {magic:#x})")
    linktype = struct.unpack_from(endian + "I", data, 20)[0]
    out: list[tuple[float, bytes]] = []
    off = 24
    while off < len(data):
        if off + 16 > len(data):
            raise PcapFormatError(f"truncated record header at offset {off}")
        sec, usec, cap_len, _orig = struct.unpack_from(endian + "IIII", data, off)
        off += 16
        out.append((sec + usec / 1_000_000, data[off : off + cap_len]))
        off += cap_len
    return linktype, out
