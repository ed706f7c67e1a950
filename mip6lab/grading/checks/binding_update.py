"""Exercise 01: a home registration Binding Update built with scapy (RFC 6275 §6.1.7, §6.3, §6.1.1)."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from mip6lab.grading.checks._common import rand_addr, rand_prefix, seq_near_wrap
from mip6lab.grading.core import Case, Verdict, run_check

FIELDS = (
    "source",
    "destination",
    "home address option",
    "MH type",
    "sequence",
    "lifetime (4 s units)",
    "A flag",
    "H flag",
    "checksum verifies",
)
HINTS = {
    "source": "RFC 6275 §11.7.1 / white paper 'Binding Update': away from home the BU leaves from the care-of "
    "address (IPv6 Source Address = care-of address)",
    "destination": "RFC 6275 §11.7.1: a home registration goes to the home agent's address",
    "home address option": "RFC 6275 §6.3 / §11.7.1: the home address travels in a Home Address option inside a "
    "Destination Options header (scapy: IPv6ExtHdrDestOpt(options=[HAO(hoa=...)])) before the Mobility Header",
    "MH type": "RFC 6275 §6.1.7: a Binding Update is Mobility Header type 5 (scapy: MIP6MH_BU)",
    "sequence": "RFC 6275 §6.1.7: the Sequence Number field carries seq as given",
    "lifetime (4 s units)": "RFC 6275 §6.1.7: Lifetime counts 4-second units: mhtime = lifetime_seconds // 4",
    "A flag": "RFC 6275 §11.7.1: a home registration sets A (Acknowledge): the home agent must answer",
    "H flag": "RFC 6275 §6.1.7 / §11.7.1: H (Home Registration) asks the receiver to act as home agent",
    "checksum verifies": "RFC 6275 §6.1.1: the MH checksum's pseudo-header uses the home address from the Home "
    "Address option as source; leave cksum unset so scapy computes it over the whole packet, HAO included",
    "packet": "return a scapy packet starting with IPv6(...) (or its bytes), "
    "e.g. IPv6()/IPv6ExtHdrDestOpt()/MIP6MH_BU()",
}


def summarize(packet: Any) -> tuple[Any, ...]:
    """The fields a home registration is judged on, read back by mip6lab's own decoder."""
    from mip6lab.wire.codec import decode_ipv6, upper_checksum_ok
    from mip6lab.wire.mh import BindingUpdate, MobilityHeader

    raw = packet if isinstance(packet, bytes | bytearray) else bytes(packet)
    pkt = decode_ipv6(bytes(raw))
    hao = pkt.home_address_option
    mh = pkt.payload
    msg = mh.message if isinstance(mh, MobilityHeader) else None
    bu = msg if isinstance(msg, BindingUpdate) else None
    return (
        str(pkt.src),
        str(pkt.dst),
        str(hao.home_address) if hao is not None else None,
        type(msg).__name__ if msg is not None else type(mh).__name__,
        bu.seq if bu else None,
        bu.lifetime if bu else None,
        bu.A if bu else None,
        bu.H if bu else None,
        upper_checksum_ok(pkt),
    )


def reference(hoa: str, coa: str, ha: str, seq: int, lifetime: int) -> tuple[Any, ...]:
    """What the decoded packet must show (written out, not built, so the check needs no scapy of its own)."""
    import ipaddress

    def norm(a: str) -> str:
        return str(ipaddress.IPv6Address(a))

    return (norm(coa), norm(ha), norm(hoa), "BindingUpdate", seq, lifetime // 4, True, True, True)


def _compare(got: Any, expected: Any) -> bool:
    return got == expected


def _show(s: Any) -> str:
    if not isinstance(s, tuple) or len(s) != len(FIELDS):
        return repr(s)
    return "; ".join(f"{k}={v}" for k, v in zip(FIELDS, s))


def _hint(case: Case, expected: Any, got: Any) -> str:
    if not isinstance(got, tuple) or len(got) != len(FIELDS):
        return HINTS["packet"]
    for name, e, g in zip(FIELDS, expected, got):
        if e != g:
            return f"{name}: {HINTS[name]}"
    return HINTS["packet"]


VISIBLE = [
    Case(
        ("2001:db8:1::ff:fe00:301", "2001:db8:2::ff:fe00:301", "2001:db8:1::ff:fe00:101", 1, 600),
        "home address 2001:db8:1::ff:fe00:301, care-of 2001:db8:2::ff:fe00:301, home agent 2001:db8:1::ff:fe00:101, "
        "seq 1, lifetime 600 s",
    ),
]


def _hidden(rng: random.Random) -> list[Case]:
    out = []
    for _ in range(6):
        home = rand_prefix(rng)
        hoa, ha, coa = rand_addr(rng, home), rand_addr(rng, home), rand_addr(rng)
        out.append(Case((hoa, coa, ha, seq_near_wrap(rng), 4 * rng.randrange(1, 16000))))
    return out


def check_binding_update(build: Callable[..., Any], **kw: Any) -> Verdict:
    """build(home_address, care_of_address, home_agent, seq, lifetime_seconds) -> a scapy packet."""

    def fn(*args: Any) -> Any:
        return summarize(build(*args))

    fn.__name__ = getattr(build, "__name__", "build")
    return run_check("Binding Update", fn, reference, VISIBLE, _hidden, _hint, compare=_compare, show=_show, **kw)
