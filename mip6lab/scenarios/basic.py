"""Plain IPv6 scenarios on Figure 1: the network before any mobility, and what breaks without it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mip6lab.scenarios.base import Scenario, register

if TYPE_CHECKING:
    from mip6lab.lab import Lab


def _ping(lab: Lab) -> None:
    lab.at(5.0, lambda: lab.ping("mn", "cn", count=3))


def _tcp_transfer(lab: Lab) -> None:
    lab.at(5.0, lambda: lab.tcp_stream("cn", "mn", rate=20.0, chunk=200, duration=10.0))


def _tcp_breaks(lab: Lab) -> None:
    lab.at(5.0, lambda: lab.tcp_stream("cn", "mn", rate=20.0, chunk=200, duration=60.0))
    lab.at(10.0, lambda: lab.move("mn", "foreign1"))


register(
    Scenario(
        "ping",
        "plain IPv6 on Figure 1: SLAAC, DAD, router discovery, then a ping from the mobile node to the correspondent",
        _ping,
        duration=10.0,
        figures=(1,),
        mobility=False,
    )
)
register(
    Scenario(
        "tcp-transfer",
        "plain IPv6: a TCP stream from the correspondent to the node on its home link",
        _tcp_transfer,
        duration=20.0,
        figures=(1,),
        mobility=False,
    )
)
register(
    Scenario(
        "tcp-breaks-without-mip6",
        "no Mobile IPv6: the node moves to a foreign link, its address changes, its TCP connection times out",
        _tcp_breaks,
        duration=300.0,
        figures=(1,),
        mobility=False,
    )
)
