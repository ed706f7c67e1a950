"""The pcapng / pcap writer and reader on their own: layout, padding, options, errors."""

from __future__ import annotations

import struct

import pytest

from mip6lab.net.pcapng import (
    BT_EPB,
    BT_IDB,
    BT_SHB,
    OPT_COMMENT,
    SHB_USERAPPL,
    PcapFormatError,
    PcapngWriter,
    decode_options,
    encode_options,
    pcap_bytes,
    read_pcap,
    read_pcapng,
)


def _blocks(data: bytes) -> list[tuple[int, int]]:
    out, off = [], 0
    while off < len(data):
        btype, total = struct.unpack_from("<II", data, off)
        assert struct.unpack_from("<I", data, off + total - 4)[0] == total
        out.append((btype, total))
        off += total
    return out


def test_options_are_padded_to_four_bytes_and_terminated():
    enc = encode_options([(1, b"abcde"), (9, b"\x06")])
    assert enc == b"\x01\x00\x05\x00abcde\x00\x00\x00" + b"\x09\x00\x01\x00\x06\x00\x00\x00" + b"\x00" * 4
    assert decode_options(enc) == [(1, b"abcde"), (9, b"\x06")]
    assert encode_options([]) == b""


def test_writer_layout_every_block_length_a_multiple_of_four():
    w = PcapngWriter()
    i0 = w.add_interface("home")
    i1 = w.add_interface("foreign")
    for n in range(1, 8):  # every padding case
        w.add_packet(i1 if n % 2 else i0, 1.0 + n / 1e6, bytes(range(n)) * 3, "c" * n if n % 3 == 0 else None)
    data = w.getvalue()
    blocks = _blocks(data)
    assert [b for b, _ in blocks] == [BT_SHB, BT_IDB, BT_IDB] + [BT_EPB] * 7
    assert all(total % 4 == 0 for _, total in blocks)
    f = read_pcapng(data)
    assert (SHB_USERAPPL, b"mip6lab") in f.shb_options
    assert [p.data for p in f.packets] == [bytes(range(n)) * 3 for n in range(1, 8)]
    assert [p.timestamp for p in f.packets] == [1_000_000 + n for n in range(1, 8)]
    assert [p.comments for p in f.packets][2] == ["ccc"]
    assert f.packets[2].options == [(OPT_COMMENT, b"ccc")]
    assert f.packets[0].time() == pytest.approx(1.000001)


def test_output_is_deterministic_and_has_no_wall_clock():
    def build() -> bytes:
        w = PcapngWriter()
        w.add_interface("x")
        w.add_packet(0, 0.5, b"\x00" * 20)
        return w.getvalue()

    assert build() == build()


def test_large_timestamps_use_both_halves():
    w = PcapngWriter()
    w.add_interface("x")
    w.add_packet(0, 5000.0, b"abc")  # 5e9 microseconds > 2**32
    assert read_pcapng(w.getvalue()).packets[0].timestamp == 5_000_000_000


def test_unknown_interface_id_is_refused():
    w = PcapngWriter()
    with pytest.raises(ValueError):
        w.add_packet(0, 0.0, b"")


def test_reader_rejects_damaged_files():
    w = PcapngWriter()
    w.add_interface("x")
    w.add_packet(0, 0.0, b"abcd")
    data = w.getvalue()
    with pytest.raises(PcapFormatError):
        read_pcapng(data[:-3])
    with pytest.raises(PcapFormatError):
        read_pcapng(data[:-4] + b"\x00\x00\x00\x00")  # trailer mismatch
    with pytest.raises(PcapFormatError):
        read_pcapng(data[:8] + b"\x00\x00\x00\x00" + data[12:])  # bad byte-order magic


def test_classic_pcap_round_trip():
    data = pcap_bytes([(0.0, b"a" * 14), (1.234567, b"b" * 60)])
    assert struct.unpack_from("<I", data)[0] == 0xA1B2C3D4
    linktype, pkts = read_pcap(data)
    assert linktype == 1
    assert pkts == [(0.0, b"a" * 14), (pytest.approx(1.234567), b"b" * 60)]
    with pytest.raises(PcapFormatError):
        read_pcap(b"\x00" * 24)
