"""Random inputs for the hidden cases, and small display helpers shared by the checks."""

from __future__ import annotations

import ipaddress
import random

SEQ_MODULUS = 1 << 16


def rand_prefix(rng: random.Random) -> str:
    """A random global unicast /64 (documentation space and beyond, so it is not always 2001:db8)."""
    first = rng.choice([0x2001, 0x2A02, 0x2600, 0x2C0F])
    words = [first] + [rng.randrange(0x10000) for _ in range(3)]
    return str(ipaddress.IPv6Network(((sum(w << (16 * (7 - i)) for i, w in enumerate(words))), 64)))


def rand_addr(rng: random.Random, prefix: str | None = None) -> str:
    """A random unicast address, in ``prefix`` when given."""
    net = ipaddress.IPv6Network(prefix or rand_prefix(rng))
    host = rng.randrange(1, 1 << (128 - net.prefixlen))
    return str(net[host])


def seq_near_wrap(rng: random.Random) -> int:
    """A sequence number within 40 of the 2^16 wrap, or of the half-way point, or anywhere."""
    where = rng.choice([0, 0, SEQ_MODULUS // 2, rng.randrange(SEQ_MODULUS)])
    return (where + rng.randrange(-40, 41)) % SEQ_MODULUS


def hexs(value: object) -> str:
    """Bytes as hex (what Wireshark shows); anything else as repr."""
    return value.hex() if isinstance(value, bytes | bytearray) else repr(value)
