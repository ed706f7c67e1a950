"""Scenarios of the mobile node / home agent half of Mobile IPv6 (white paper Figures 14-17, 24-28, 31-34).

Each scenario reproduces one process of the white paper on Figure 1 (or a small variant of it) and its
capture shows that figure's messages in the figure's order, with its addresses and extension headers:

================  ===========================================================================
scenario          what the capture shows
================  ===========================================================================
home              the mobile node at home is an ordinary IPv6 host: no Mobility Header, no tunnel
first-foreign-    Figure 28: RS, RA, DAD for the care-of address, BU (H, A; HAO; ESP), the home
link              agent's DAD for the home address, its proxy NA to ff02::1 (O=1), BA (RH2; ESP)
home-link-node    Figure 31: a node on the home link reaches the away mobile node through the home
                  agent's proxy NA and tunnel, then return routability and direct traffic
home-prefix-      Figure 32: the home link is renumbered; unsolicited MPA, new home address, BU to
change            the home agent, HoTI/HoT only with the correspondent, BU/BA with it
new-foreign-link  Figure 33: the second move; BU/BA with the home agent, CoTI/CoT only, BU/BA
returning-home    Figure 34: BU from the home address (lifetime 0), BA, unsolicited NA (O=1),
                  HoTI/HoT only, BU/BA with the correspondent
ha-discovery      Figures 24-25: DHAAD request to the Home-Agents anycast address, reply listing
                  two home agents by preference
prefix-discovery  Figures 26-27: Mobile Prefix Solicitation (HAO, ESP), Advertisement (RH2, ESP)
tunneled-data     Figures 14-17: a correspondent without Mobile IPv6; intercept, tunnel, reverse
                  tunnel, forward
================  ===========================================================================

Times are chosen so that each phase has settled before the next begins (movement detection, DAD and
the home registration take about 1.5-3 s on Figure 1's fast-RA links).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mip6lab.scenarios.base import Scenario, register
from mip6lab.topology import Topology, figure1

if TYPE_CHECKING:
    from mip6lab.lab import Lab

__all__ = ["NEW_HOME_PREFIX", "home_link_node_topology", "ha_discovery_topology", "tunneled_data_topology"]

NEW_HOME_PREFIX = "2001:db8:5::/64"
"""The home link's prefix after renumbering in ``home-prefix-change`` (Figure 32)."""


# --------------------------------------------------------------------------- topologies
def home_link_node_topology() -> Topology:
    """Figure 1 with the node on the home link able to be a correspondent (Figure 31 needs its BU/BA)."""
    t = figure1()
    t.nodes["hn"].role = "correspondent"
    return t


def ha_discovery_topology() -> Topology:
    """Figure 1 with a second home agent on the home link (more preferred than the first), so the
    DHAAD Reply has two entries in preference order (Figure 25) and the mobile node picks the first."""
    t = figure1()
    t.nodes["ha"].options["ha_preference"] = 10
    t.add_node("ha2", "home-agent", "Home agent 2", pos=(0.6, 1.5), ha_preference=20)
    t.connect("ha2", "home", "eth0", iid=2)
    t.nodes["mn"].options["home_agent"] = "discover"
    return t


def tunneled_data_topology() -> Topology:
    """Figure 1 with a correspondent that has no Mobile IPv6: traffic stays in the tunnel (Figures 14-17)."""
    t = figure1()
    t.nodes["cn"].options["mipv6"] = False
    return t


# --------------------------------------------------------------------------- scripts
def _home(lab: Lab) -> None:
    lab.at(4.0, lambda: lab.ping("mn", "cn", count=3))
    lab.at(4.0, lambda: lab.tcp_stream("cn", "mn", rate=10.0, chunk=200, duration=4.0))


def _first_foreign_link(lab: Lab) -> None:
    lab.at(4.0, lambda: lab.move("mn", "foreign1"))


def _home_link_node(lab: Lab) -> None:
    lab.at(3.0, lambda: lab.move("mn", "foreign1"))
    lab.at(8.0, lambda: lab.tcp_stream("hn", "mn", rate=10.0, chunk=200, duration=6.0, name="hn"))


def _stream_then_move(lab: Lab, duration: float) -> None:
    """A route-optimized correspondent: a TCP stream CN -> MN that starts at home and follows the moves."""
    lab.at(3.5, lambda: lab.tcp_stream("cn", "mn", rate=10.0, chunk=200, duration=duration))
    lab.at(4.0, lambda: lab.move("mn", "foreign1"))


def _home_prefix_change(lab: Lab) -> None:
    from mip6lab.roles import renumber_home_link

    lab.at(3.0, lambda: lab.move("mn", "foreign1"))
    lab.at(6.0, lambda: lab.ping("cn", "mn", count=4, interval=0.5))  # the correspondent registration
    lab.at(12.0, lambda: lab.world.call("ha", lambda n: renumber_home_link(lab, "ha", NEW_HOME_PREFIX)))
    lab.at(20.0, lambda: lab.ping("cn", "mn", count=4, interval=0.5))  # to the new home address


def _new_foreign_link(lab: Lab) -> None:
    _stream_then_move(lab, 14.0)
    lab.at(12.0, lambda: lab.move("mn", "foreign2"))


def _returning_home(lab: Lab) -> None:
    _stream_then_move(lab, 14.0)
    lab.at(12.0, lambda: lab.move("mn", "home"))


def _ha_discovery(lab: Lab) -> None:
    lab.at(4.0, lambda: lab.move("mn", "foreign1"))


def _prefix_discovery(lab: Lab) -> None:
    lab.at(3.0, lambda: lab.move("mn", "foreign1"))
    lab.at(
        8.0,
        lambda: lab.world.call("mn", lambda n: n.role.prefix_discovery.solicit("scenario: what are my home prefixes?")),
    )


def _tunneled_data(lab: Lab) -> None:
    lab.at(3.0, lambda: lab.move("mn", "foreign1"))
    lab.at(7.0, lambda: lab.tcp_stream("cn", "mn", rate=5.0, chunk=200, duration=3.0))


# --------------------------------------------------------------------------- registry
register(
    Scenario(
        "home",
        "the mobile node at home: plain IPv6 with the correspondent (ping, TCP), no mobility signalling, no tunnel",
        _home,
        duration=10.0,
        figures=(1,),
    )
)
register(
    Scenario(
        "first-foreign-link",
        "Figure 28: RS, RA, DAD for the care-of address, BU (H, A, HAO, ESP), home agent DAD and proxy NA, BA",
        _first_foreign_link,
        duration=10.0,
        figures=(20, 21, 28),
    )
)
register(
    Scenario(
        "home-link-node",
        "Figure 31: a home-link node reaches the away mobile node: proxy NA, tunnelled TCP, then RR, BU/BA, direct",
        _home_link_node,
        duration=16.0,
        figures=(15, 16, 31),
        topology=home_link_node_topology,
    )
)
register(
    Scenario(
        "home-prefix-change",
        "Figure 32: home link renumbered: unsolicited MPA, new home address, BU/BA with the HA, HoTI/HoT only, BU/BA",
        _home_prefix_change,
        duration=24.0,
        figures=(27, 32),
    )
)
register(
    Scenario(
        "new-foreign-link",
        "Figure 33: a second move with a TCP stream: BU/BA with the home agent, CoTI/CoT only, BU/BA with the CN",
        _new_foreign_link,
        duration=20.0,
        figures=(33,),
    )
)
register(
    Scenario(
        "returning-home",
        "Figure 34: back home: BU from the home address (lifetime 0), BA, unsolicited NA, HoTI/HoT only, BU/BA",
        _returning_home,
        duration=20.0,
        figures=(34,),
    )
)
register(
    Scenario(
        "ha-discovery",
        "Figures 24-25: DHAAD Request to the Home-Agents anycast address, Reply with two home agents by preference",
        _ha_discovery,
        duration=10.0,
        figures=(24, 25),
        topology=ha_discovery_topology,
    )
)
register(
    Scenario(
        "prefix-discovery",
        "Figures 26-27: Mobile Prefix Solicitation (HAO, ESP) to the home agent, Advertisement (RH2, ESP)",
        _prefix_discovery,
        duration=12.0,
        figures=(26, 27),
    )
)
register(
    Scenario(
        "tunneled-data",
        "Figures 14-17: a correspondent without Mobile IPv6: intercepted, tunnelled, reverse-tunnelled, forwarded",
        _tunneled_data,
        duration=12.0,
        figures=(14, 15, 16, 17),
        topology=tunneled_data_topology,
    )
)
