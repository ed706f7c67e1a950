"""Encapsulating Security Payload (RFC 4303) with real cryptography.

RFC 6275 §5.1 requires the Binding Update and Acknowledgement between a mobile node and its home
agent (and the Mobile Prefix Solicitation/Advertisement, and the HoTI/HoT that travel through the
home agent tunnel) to be protected by IPsec ESP (RFC 3776 / RFC 4877). mip6lab uses manually keyed SAs
with two transforms a reader can decrypt in Wireshark:

* ``enc="null"``   : ESP_NULL (RFC 2410) + HMAC-SHA1-96 (RFC 2404): integrity only, payload readable;
* ``enc="aes-cbc"``: AES-CBC (RFC 3602, random 16-octet IV per packet) + HMAC-SHA1-96.

Packet layout (RFC 4303 §2)::

    SPI (4) | Sequence Number (4) | [IV] | payload | padding | Pad Length (1) | Next Header (1) | ICV (12)
                                          \\__________ encrypted (AES) ______________________/
            \\_____________________ covered by the ICV (HMAC over SPI..Next Header) _____________/

Padding (§2.4): the bytes 1, 2, 3, ... until payload + padding + 2 is a multiple of 4 (NULL) or of
the AES block size, 16. ``mip6lab.wire.ip.ESP`` carries ``spi``, ``seq`` and ``data`` (= everything
after the sequence number); only this module knows how to build and open ``data``.

The SA carries mutable state (the outbound counter and the inbound anti-replay window, §3.4.3), so
the functions here change ``sa``; they touch nothing else and use randomness only from the ``rng``
handed in (for the IV), so runs stay deterministic.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import struct
from dataclasses import dataclass
from typing import Literal, Protocol

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from mip6lab.wire.ip import ESP, NH_DSTOPTS, NH_ICMPV6, NH_IPV6, NH_MOBILITY, NH_NONE, NH_TCP, NH_UDP, Addr

__all__ = [
    "ESP_ICV_LEN",
    "EspError",
    "EspKeys",
    "SecurityAssociation",
    "esp_bytes",
    "esp_decrypt",
    "esp_open",
    "esp_protect",
]

EncAlgo = Literal["null", "aes-cbc"]
AuthAlgo = Literal["hmac-sha1-96"]

ESP_ICV_LEN = 12  # HMAC-SHA1-96: the first 96 bits of HMAC-SHA1 (RFC 2404)
AES_BLOCK = 16
SHA1_KEY_LEN = 20  # RFC 2404: 160-bit key
MAX_SEQ = 0xFFFFFFFF  # 32-bit sequence numbers; no Extended Sequence Numbers with manual keying


class EspError(Exception):
    """Why an ESP packet was refused. ``reason`` is one of: "spi", "short", "replay", "icv",
    "length", "padding", "seq-overflow". Receivers discard the packet (RFC 4303 §3.4)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass
class SecurityAssociation:
    """One direction of manually keyed ESP (RFC 4301 §4.4.2 SAD entry, trimmed).

    ``src``/``dst`` name the endpoints for display and the Wireshark table; ``None`` means "any"
    (the mobile node's care-of address changes with each move, RFC 4877 §4.4).
    """

    spi: int
    src: Addr | None
    dst: Addr | None
    enc: EncAlgo = "null"
    enc_key: bytes = b""
    auth: AuthAlgo = "hmac-sha1-96"
    auth_key: bytes = b"\0" * SHA1_KEY_LEN
    mode: Literal["transport", "tunnel"] = "transport"
    name: str = ""
    # outbound: the sequence number of the last packet sent (the first packet carries 1)
    seq: int = 0
    # inbound anti-replay window (RFC 4303 §3.4.3): highest accepted seq and a bitmap below it
    replay_window: int = 64
    replay_top: int = 0
    replay_bitmap: int = 0

    def __post_init__(self) -> None:
        if not 256 <= self.spi <= 0xFFFFFFFF:
            raise ValueError(f"SPI {self.spi:#x}: values 1-255 are reserved (RFC 4303 §2.1)")
        if self.enc == "aes-cbc":
            if len(self.enc_key) not in (16, 24, 32):
                raise ValueError("AES-CBC needs a 128, 192 or 256-bit key")
        elif self.enc == "null":
            if self.enc_key:
                raise ValueError("ESP_NULL takes no key")
        else:
            raise ValueError(f"unknown encryption {self.enc!r}")
        if self.auth != "hmac-sha1-96":
            raise ValueError(f"unknown authentication {self.auth!r}")
        if len(self.auth_key) != SHA1_KEY_LEN:
            raise ValueError("HMAC-SHA1-96 needs a 160-bit key (RFC 2404)")

    @property
    def iv_len(self) -> int:
        return AES_BLOCK if self.enc == "aes-cbc" else 0

    @property
    def align(self) -> int:
        """Payload + padding + 2 must be a multiple of this (RFC 4303 §2.4)."""
        return AES_BLOCK if self.enc == "aes-cbc" else 4

    # ------------------------------------------------------------ anti-replay (RFC 4303 §3.4.3)
    def replay_check(self, seq: int) -> bool:
        """True if ``seq`` is new and inside the window (does not update the window)."""
        if seq == 0:
            return False
        if seq > self.replay_top:
            return True
        diff = self.replay_top - seq
        if diff >= self.replay_window:
            return False  # too old: left of the window
        return not (self.replay_bitmap >> diff) & 1

    def replay_update(self, seq: int) -> None:
        """Mark ``seq`` as received; call only after the ICV verified (§3.4.3)."""
        mask = (1 << self.replay_window) - 1
        if seq > self.replay_top:
            shift = seq - self.replay_top
            self.replay_bitmap = ((self.replay_bitmap << shift) | 1) & mask
            self.replay_top = seq
        else:
            self.replay_bitmap |= 1 << (self.replay_top - seq)


def _icv(sa: SecurityAssociation, authenticated: bytes) -> bytes:
    return hmac.new(sa.auth_key, authenticated, hashlib.sha1).digest()[:ESP_ICV_LEN]


def _padding(sa: SecurityAssociation, payload_len: int) -> bytes:
    pad_len = -(payload_len + 2) % sa.align
    return bytes(range(1, pad_len + 1))


def esp_protect(sa: SecurityAssociation, next_header: int, payload_bytes: bytes, iv_rng: random.Random | None) -> ESP:
    """Wrap ``payload_bytes`` (whose protocol is ``next_header``) in ESP with ``sa``.

    Transport mode: ``next_header`` is the upper layer (135 for a BU/BA, 58 for MPS/MPA). Tunnel mode:
    it is 41 and ``payload_bytes`` an encoded inner IPv6 packet (HoTI/HoT through the home agent).
    Advances ``sa.seq``. ``iv_rng`` supplies the AES IV (may be None for NULL encryption).
    """
    if not 0 <= next_header <= 255:
        raise ValueError(f"Next Header {next_header}")
    if sa.seq >= MAX_SEQ:
        raise EspError("seq-overflow", "a manually keyed SA must not cycle (RFC 4303 §3.3.3)")
    sa.seq += 1
    padding = _padding(sa, len(payload_bytes))
    plaintext = payload_bytes + padding + bytes((len(padding), next_header))
    if sa.enc == "aes-cbc":
        if iv_rng is None:
            raise ValueError("AES-CBC needs an rng for the IV")
        iv = iv_rng.randbytes(AES_BLOCK)
        enc = Cipher(algorithms.AES(sa.enc_key), modes.CBC(iv)).encryptor()
        body = iv + enc.update(plaintext) + enc.finalize()
    else:
        body = plaintext
    header = struct.pack("!II", sa.spi, sa.seq)
    return ESP(spi=sa.spi, seq=sa.seq, data=body + _icv(sa, header + body))


class EspKeys(Protocol):
    """What opening ESP needs from an SA: its SPI, transforms and keys - not its replay window.
    A :class:`SecurityAssociation` is one; so is a read-only view of it (``mobility.ipsec.SAView``)."""

    @property
    def spi(self) -> int: ...
    @property
    def enc(self) -> str: ...
    @property
    def enc_key(self) -> bytes: ...
    @property
    def auth_key(self) -> bytes: ...
    @property
    def iv_len(self) -> int: ...


def _check_spi_and_length(sa: EspKeys, esp: ESP) -> None:
    if esp.spi != sa.spi:
        raise EspError("spi", f"SPI {esp.spi:#x} is not this SA's {sa.spi:#x}")
    if len(esp.data) < sa.iv_len + 2 + ESP_ICV_LEN:
        raise EspError("short", f"{len(esp.data)} octets")


def esp_decrypt(sa: EspKeys, esp: ESP) -> tuple[int, bytes]:
    """Verify the ICV, decrypt and check the padding: ``(next_header, payload_bytes)`` or
    :class:`EspError`. Reads only the keys, never the anti-replay window, so a viewer (the packet
    inspector) can open any captured packet, any number of times, without changing the simulation."""
    _check_spi_and_length(sa, esp)
    body, icv = esp.data[:-ESP_ICV_LEN], esp.data[-ESP_ICV_LEN:]
    expected = hmac.new(sa.auth_key, struct.pack("!II", esp.spi, esp.seq) + body, hashlib.sha1).digest()
    if not hmac.compare_digest(icv, expected[:ESP_ICV_LEN]):
        raise EspError("icv", "integrity check value does not match")
    if sa.enc == "aes-cbc":
        iv, ct = body[:AES_BLOCK], body[AES_BLOCK:]
        if not ct or len(ct) % AES_BLOCK:
            raise EspError("length", f"ciphertext of {len(ct)} octets is not whole AES blocks")
        dec = Cipher(algorithms.AES(sa.enc_key), modes.CBC(iv)).decryptor()
        plaintext = dec.update(ct) + dec.finalize()
    else:
        plaintext = body
        if len(plaintext) % 4:
            raise EspError("length", f"payload+trailer of {len(plaintext)} octets is not 4-octet aligned")
    pad_len, nh = plaintext[-2], plaintext[-1]
    if pad_len + 2 > len(plaintext):
        raise EspError("padding", f"Pad Length {pad_len} exceeds the packet")
    padding = plaintext[-2 - pad_len : -2]
    if padding != bytes(range(1, pad_len + 1)):
        raise EspError("padding", "padding is not 1, 2, 3, ... (RFC 4303 §2.4)")
    return nh, plaintext[: -2 - pad_len]


def esp_open(sa: SecurityAssociation, esp: ESP) -> tuple[int, bytes]:
    """Receive ``esp`` on ``sa``: ``(next_header, payload_bytes)`` or raise :class:`EspError`.

    Order as RFC 4303 §3.4: SPI, replay pre-check, ICV, then decrypt and check the padding
    (:func:`esp_decrypt`); the replay window moves only for packets whose ICV verified.
    """
    _check_spi_and_length(sa, esp)
    if not sa.replay_check(esp.seq):
        raise EspError("replay", f"sequence number {esp.seq} already seen or too old")
    nh, payload = esp_decrypt(sa, esp)
    sa.replay_update(esp.seq)
    return nh, payload


def esp_bytes(esp: ESP) -> bytes:
    """The ESP header and body as on the wire (for tests and tools; the codec does the same)."""
    return struct.pack("!II", esp.spi, esp.seq) + esp.data


_PEEKABLE = frozenset({4, NH_TCP, NH_UDP, NH_IPV6, NH_ICMPV6, NH_NONE, NH_DSTOPTS, NH_MOBILITY})
"""Next Headers a NULL-encrypted ESP payload may plausibly carry (4: IPv4, never decoded)."""


def null_esp_peek(esp: ESP, icv_len: int = 12) -> tuple[int, bytes] | None:
    """Read an ESP payload that uses NULL encryption *without* its keys (as Wireshark's "attempt to
    detect/decode NULL encrypted ESP payloads" does): strip an ICV of ``icv_len`` octets, check the
    RFC 4303 self-describing padding 1, 2, 3, ... and return (next header, plaintext); None if the
    data does not look like NULL encryption (e.g. AES). Integrity is NOT checked: it is a view."""
    body = esp.data[:-icv_len] if icv_len else esp.data
    if len(body) < 2 or len(body) % 4:
        return None
    pad_len, nh = body[-2], body[-1]
    if pad_len + 2 > len(body) or body[len(body) - 2 - pad_len : -2] != bytes(range(1, pad_len + 1)):
        return None
    if nh not in _PEEKABLE:
        return None
    return nh, body[: len(body) - 2 - pad_len]
