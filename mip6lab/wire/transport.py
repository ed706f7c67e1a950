"""UDP and TCP segments as typed values (RFC 768, RFC 9293).

Their checksums cover a pseudo-header; RFC 6275 §6.3/§6.4 make that pseudo-header use the home
address (from a Home Address option or a Type 2 Routing header), not the care-of address.
"""

from __future__ import annotations

from dataclasses import dataclass

# TCP flag bits.
FIN = 0x01
SYN = 0x02
RST = 0x04
PSH = 0x08
ACK = 0x10
URG = 0x20
ECE = 0x40
CWR = 0x80

_FLAG_NAMES = ((SYN, "S"), (FIN, "F"), (RST, "R"), (PSH, "P"), (ACK, "A"), (URG, "U"), (ECE, "E"), (CWR, "C"))


@dataclass(frozen=True, slots=True)
class UDP:
    sport: int
    dport: int
    data: bytes = b""
    checksum: int | None = None


@dataclass(frozen=True, slots=True)
class TCP:
    sport: int
    dport: int
    seq: int = 0
    ack: int = 0
    flags: int = 0
    window: int = 65535
    data: bytes = b""
    options: bytes = b""  # raw TCP options, already padded to a multiple of 4 octets
    urgent: int = 0
    reserved: int = 0  # the 4 reserved bits
    checksum: int | None = None

    @property
    def flag_names(self) -> str:
        return "".join(n for bit, n in _FLAG_NAMES if self.flags & bit)
