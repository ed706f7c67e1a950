"""Reading the route optimization scenarios' captures in tests: one run per scenario (cached), the
packets as (time, link, sender, outer packet, innermost packet), short names for message order."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from mip6lab.lab import Lab
from mip6lab.wire import icmp as I
from mip6lab.wire.codec import DecodeError, decode_ipv6
from mip6lab.wire.ip import ESP, NH_IPV6, IPv6
from mip6lab.wire.mh import MobilityHeader
from mip6lab.wire.transport import TCP, UDP


@cache
def run(name: str) -> Lab:
    """The scenario run to its end once per test session (strict: a node exception fails the test)."""
    lab = Lab(name)
    lab.world.strict = True
    lab.run()
    return lab


@dataclass(frozen=True)
class Pkt:
    index: int
    time: float
    link: str
    sender: str
    receivers: tuple[str, ...]
    dropped: bool
    outer: IPv6
    inner: IPv6  # innermost IPv6 of IPv6-in-IPv6 (== outer when not tunnelled)
    frame: bytes
    esp_tunnel: bool = False  # the inner packet was inside tunnel-mode ESP

    @property
    def tunnelled(self) -> bool:
        return self.inner is not self.outer

    @property
    def msg(self) -> Any:
        p = self.inner.payload
        return p.message if isinstance(p, MobilityHeader) else p


def packets(lab: Lab, link: str | None = None, sender: str | None = None) -> list[Pkt]:
    out = []
    for r in lab.capture.filter(link=link):
        eth = r.decoded
        if eth is None or not isinstance(eth.payload, IPv6) or (sender is not None and r.sender != sender):
            continue
        outer = inner = eth.payload
        esp = False
        while True:
            if isinstance(inner.payload, IPv6):
                inner = inner.payload
                continue
            if isinstance(inner.payload, ESP):
                opened = null_esp_tunnel(inner.payload)
                if opened is not None:
                    inner, esp = opened, True
                    continue
            break
        out.append(Pkt(r.index, r.time, r.link, r.sender, tuple(r.receivers), r.dropped, outer, inner, r.frame, esp))
    return out


ICV_LEN = 12  # HMAC-SHA1-96


def null_esp_tunnel(esp: ESP) -> IPv6 | None:
    """The inner packet of tunnel-mode ESP with NULL encryption (RFC 4303 §2: payload, padding, Pad
    Length, Next Header, ICV), read straight from the octets; None for anything else."""
    body = esp.data[:-ICV_LEN]
    if len(body) < 2 or body[-1] != NH_IPV6:
        return None
    try:
        return decode_ipv6(body[: len(body) - 2 - body[-2]])
    except DecodeError:
        return None


SHORT = {
    "HomeTestInit": "HoTI",
    "CareofTestInit": "CoTI",
    "HomeTest": "HoT",
    "CareofTest": "CoT",
    "BindingUpdate": "BU",
    "BindingAcknowledgement": "BA",
    "BindingRefreshRequest": "BRR",
    "BindingError": "BE",
}


def name(p: Pkt) -> str:
    """HoTI/CoTI/HoT/CoT/BU/BA/BRR/BE, ESP, TCP, UDP, PP (Parameter Problem), DU, Echo..., ND names."""
    m = p.msg
    if isinstance(p.inner.payload, MobilityHeader):
        return SHORT.get(type(m).__name__, type(m).__name__)
    if isinstance(m, ESP):
        return "ESP"
    if isinstance(m, TCP):
        return "TCP"
    if isinstance(m, UDP):
        return "UDP"
    if isinstance(m, I.ParameterProblem):
        return "PP"
    if isinstance(m, I.DestinationUnreachable):
        return "DU"
    return type(m).__name__


def on_link(lab: Lab, link: str, sender: str, names: tuple[str, ...], after: float = 0.0) -> list[Pkt]:
    return [p for p in packets(lab, link, sender) if p.time >= after and name(p) in names]


def order(pkts: list[Pkt]) -> list[str]:
    return [name(p) for p in pkts]


def first(pkts: list[Pkt], what: str) -> Pkt:
    for p in pkts:
        if name(p) == what:
            return p
    raise AssertionError(f"no {what} in {order(pkts)}")
