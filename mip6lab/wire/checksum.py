"""The Internet checksum (RFC 1071) and the IPv6 upper-layer pseudo-header (RFC 8200 §8.1).

RFC 6275 changes *which addresses* go into the pseudo-header (the home address from a Home Address
option as source, the home address from a Type 2 Routing header as destination); the arithmetic is
the ordinary one. :mod:`mip6lab.wire.codec` chooses the addresses, this module only adds.

Speed trick: the 16-bit one's complement sum of a byte string is congruent to the string read as
one big integer modulo 0xFFFF (because 2**16 = 1 mod 0xFFFF), so one ``int.from_bytes`` and one
``%`` replace a Python loop over words.
"""

from __future__ import annotations

import struct

_PSEUDO = struct.Struct("!16s16sI3xB")


def ones_complement_sum(data: bytes) -> int:
    """The 16-bit one's complement sum of ``data`` (odd length padded with a zero octet).

    The result is 0 only when every word is zero; otherwise it lies in 1..0xFFFF, exactly what the
    end-around-carry loop of RFC 1071 gives.
    """
    if len(data) & 1:
        data += b"\x00"
    value = int.from_bytes(data, "big")
    if value == 0:
        return 0
    s = value % 0xFFFF
    return s if s else 0xFFFF


def internet_checksum(data: bytes) -> int:
    """RFC 1071 checksum: the one's complement of the one's complement sum."""
    return ~ones_complement_sum(data) & 0xFFFF


def pseudo_header(src: bytes, dst: bytes, upper_length: int, next_header: int) -> bytes:
    """RFC 8200 §8.1 pseudo-header: source, destination, Upper-Layer Packet Length, zero, Next Header.

    ``src``/``dst`` are 16-octet packed addresses: the caller has already applied RFC 6275's
    substitutions (home address for care-of address).
    """
    return _PSEUDO.pack(src, dst, upper_length, next_header)


def upper_layer_sum(src: int, dst: int, next_header: int, upper: bytes) -> int:
    """The one's complement sum of the pseudo-header of ``src``/``dst`` (the addresses as integers) and
    ``upper``: what :func:`ones_complement_sum` gives for ``pseudo_header(...) + upper``, without building it.

    By the congruence above each pseudo-header field, read as an integer, is its own sum modulo 0xFFFF,
    and the 40-octet pseudo-header leaves ``upper``'s words where they were (an odd ``upper`` is padded
    at its end either way): the fields are added instead of packed and joined (every packet sent or
    received is summed once).
    """
    n = len(upper)
    value = src + dst + n + next_header + int.from_bytes(upper, "big") * (256 if n & 1 else 1)
    if value == 0:
        return 0
    s = value % 0xFFFF
    return s if s else 0xFFFF


def upper_layer_checksum(src: bytes, dst: bytes, next_header: int, upper: bytes) -> int:
    """Checksum of ``upper`` (checksum field zeroed) under the IPv6 pseudo-header."""
    return ~upper_layer_sum(int.from_bytes(src, "big"), int.from_bytes(dst, "big"), next_header, upper) & 0xFFFF


def verify_upper_layer(src: bytes, dst: bytes, next_header: int, upper: bytes) -> bool:
    """True when ``upper`` (checksum field as received) sums to all ones with its pseudo-header."""
    return upper_layer_sum(int.from_bytes(src, "big"), int.from_bytes(dst, "big"), next_header, upper) == 0xFFFF


def udp_checksum(src: int, dst: int, sport: int, dport: int, data: bytes) -> int:
    """The UDP checksum field (RFC 768, RFC 8200 §8.1) of a datagram from ``sport`` to ``dport`` carrying
    ``data``, under the pseudo-header of ``src``/``dst`` (integers): :func:`upper_layer_checksum` of the
    encoded datagram with a zero checksum field, its header words added rather than packed, and a
    computed zero sent as all ones."""
    n = 8 + len(data)
    value = src + dst + n + 17 + sport + dport + n + int.from_bytes(data, "big") * (256 if n & 1 else 1)
    s = value % 0xFFFF  # value > 0 (the Next Header, 17, is in it)
    ck = ~(s if s else 0xFFFF) & 0xFFFF
    return ck if ck else 0xFFFF
