"""Scenarios of correspondent registration and route optimization (white paper Figures 13, 18-23, 29-30).

Every scenario runs on Figure 1 (``both-away`` adds a second home link) with the mobile node leaving
home at :data:`MOVE_AT` and its home registration done a second or two later. Then:

========================  ===========================================================================
``return-routability``    Figure 13: one ping from the mobile node starts it: HoTI through the reverse
                          tunnel (ESP), CoTI direct, HoT through the home agent's tunnel (ESP), CoT
                          direct; then the BU/BA that the tokens authorise
``mn-initiates``          Figure 29: the mobile node opens a TCP connection: SYN reverse-tunnelled,
                          RR + BU/BA meanwhile, then the segments go direct (HAO / Type 2 RH)
``cn-initiates``          Figure 30: the correspondent opens it: SYN to the home address, tunnelled
                          by the home agent; receiving step 6 starts RR; then direct
``route-optimized-data``  Figures 18-19: steady data both ways once registered: MN -> CN from the
                          care-of address with a Home Address option, CN -> MN to the care-of address
                          with a Type 2 Routing header
``cn-binding-maintenance`` Figures 22-23: a short binding lifetime (52 s) in active use: the mobile
                          node refreshes it at half its lifetime (BU/BA; the keygen tokens are still
                          fresh, so no new RR); at 30 s its refresh policy is relaxed and from then on
                          the correspondent's Binding Refresh Request (20 s before expiry) comes first
``non-mipv6-cn``          the correspondent has no Mobile IPv6: HoTI/CoTI answered with ICMPv6
                          Parameter Problem code 1, the BUL entry marked, traffic keeps tunnelling; the
                          mobile node retries return routability every :data:`RR_RETRY` seconds
``lost-binding-update``   Figure 33 gone wrong: after a move the BU to the correspondent is lost (the
                          link's ``drop_next``). Recovery 1: the BU retransmission (INITIAL_BINDACK_TIMEOUT)
``lost-binding-update-nud``   recovery 2: every BU is lost; the old foreign link's router gives up on the
                          old care-of address (NUD), sends ICMPv6 address unreachable; the correspondent
                          drops its binding and sends to the home address (tunnel) until BUs get through
``lost-binding-update-expiry`` recovery 3: every BU is lost and the session is idle; the binding simply
                          expires (short lifetime); traffic afterwards goes via the home agent. The
                          correspondent's BRR (to the home address, RFC 6275 §6.1) reaches the mobile
                          node through the tunnel; the BU it answers with is lost too, and restarts the
                          retransmission back-off, so the BU that gets through comes at ~99 s
``both-away``             the correspondent is itself a mobile node away from home (its own home agent
                          and home link): after registrations both ways, data carries a Type 2 Routing
                          header *before* the Destination Options header with the Home Address option
========================  ===========================================================================

The three lost-BU recoveries are separate scenarios (not one long one) so that each capture shows one
recovery cleanly: in one run the retransmission would always win before NUD or expiry could happen.

Where RFC 6275 and the white paper differ: the white paper says a BU to (and a BA/BRR from) a
correspondent that is itself away from home carries a Type 2 Routing header / Home Address option
(notes under Figures 22 and 23). RFC 6275 §6.1 forbids a Type 2 Routing header on anything but a BA
and a Home Address option on anything but a BU, and Mobility Header packets bypass the Binding Cache
and Binding Update List; so in ``both-away`` those messages travel through the home agents' tunnels,
and only *data* has the RH2-before-HAO form. The workbook says so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mip6lab.scenarios.base import Scenario, register
from mip6lab.topology import Topology, figure1
from mip6lab.wire.codec import DecodeError, decode_frame
from mip6lab.wire.ip import IPv6
from mip6lab.wire.mh import BindingUpdate, MobilityHeader

if TYPE_CHECKING:
    from mip6lab.lab import Lab

MOVE_AT = 3.0  # the mobile node leaves home
TRAFFIC_AT = 8.0  # home registration done by then (RS/RA, DAD of the care-of address, BU/BA)
SECOND_MOVE_AT = 20.0
RR_RETRY = 20.0  # non-mipv6-cn: seconds between return routability retries
SHORT_LIFETIME = 60.0  # seconds the mobile node asks its home agent for (caps correspondent bindings)
NUD_FILTER_OFF = 60.0  # lost-binding-update-nud: BUs get through again (after the ICMPv6 error at ~54 s)
EXPIRY_RESUME = 80.0  # lost-binding-update-expiry: BUs get through again, the correspondent pings


def is_bu_to(frame: bytes, dst: object | None = None) -> bool:
    """Is ``frame`` a Binding Update (with H=0: a correspondent registration) to ``dst``?
    Used as the links' drop predicate; undecodable frames are not BUs."""
    try:
        eth = decode_frame(frame)
    except DecodeError:
        return False
    p = eth.payload
    if not isinstance(p, IPv6):
        return False
    while isinstance(p.payload, IPv6):  # the BU may be inside a tunnel (both-away)
        p = p.payload
    m = p.payload.message if isinstance(p.payload, MobilityHeader) else None
    return isinstance(m, BindingUpdate) and not m.H and (dst is None or p.dst == dst)


# ---------------------------------------------------------------------------------------- scripts
def _away(lab: Lab, link: str = "foreign1") -> None:
    lab.at(MOVE_AT, lambda: lab.move("mn", link))


def _return_routability(lab: Lab) -> None:
    _away(lab)
    lab.at(TRAFFIC_AT, lambda: lab.ping("mn", "cn", count=1))


def _mn_initiates(lab: Lab) -> None:
    _away(lab)
    lab.at(TRAFFIC_AT, lambda: lab.tcp_stream("mn", "cn", rate=5.0, chunk=200, duration=6.0))


def _cn_initiates(lab: Lab) -> None:
    _away(lab)
    lab.at(TRAFFIC_AT, lambda: lab.tcp_stream("cn", "mn", rate=5.0, chunk=200, duration=6.0))


def _route_optimized_data(lab: Lab) -> None:
    _away(lab)
    lab.at(TRAFFIC_AT, lambda: lab.tcp_stream("cn", "mn", rate=10.0, chunk=200, duration=12.0, name="down"))
    lab.at(TRAFFIC_AT, lambda: lab.tcp_stream("mn", "cn", rate=10.0, chunk=200, duration=12.0, port=40081, name="up"))


def _maintenance_topology() -> Topology:
    t = figure1()
    t.nodes["mn"].options.update(home_lifetime=SHORT_LIFETIME, refresh_fraction=0.5)
    t.nodes["cn"].options.update(brr_before_expiry=20.0)
    return t


def _cn_binding_maintenance(lab: Lab) -> None:
    _away(lab)
    # A steady stream keeps the binding "in active use" (the correspondent's condition for a BRR).
    lab.at(TRAFFIC_AT, lambda: lab.tcp_stream("cn", "mn", rate=2.0, chunk=100, duration=110.0))

    def relax() -> None:
        # The first binding was refreshed by the mobile node itself at half its lifetime; from now on it
        # would refresh only after expiry, so the correspondent's Binding Refresh Request comes first.
        lab.role("mn").config.refresh_fraction = 1.5

    lab.at(30.0, relax)


def _non_mipv6_topology() -> Topology:
    t = figure1()
    t.nodes["cn"].options["mipv6"] = False
    t.nodes["mn"].options["rr_retry_interval"] = RR_RETRY
    return t


def _non_mipv6_cn(lab: Lab) -> None:
    _away(lab)
    lab.at(TRAFFIC_AT, lambda: lab.tcp_stream("mn", "cn", rate=5.0, chunk=200, duration=40.0))


def _lost_bu_common(lab: Lab, every: bool, stream: bool) -> None:
    _away(lab)
    if stream:
        lab.at(TRAFFIC_AT, lambda: lab.tcp_stream("cn", "mn", rate=5.0, chunk=200, duration=80.0))
    else:
        lab.at(TRAFFIC_AT, lambda: lab.ping("mn", "cn", count=2))

    def second_move() -> None:
        link = lab.world.links["foreign2"]
        cn = lab.address_of("cn")
        if every:
            link.drop_filter = lambda frame: is_bu_to(frame, cn)
        else:
            link.drop_next(1, lambda frame: is_bu_to(frame, cn))
        lab.move("mn", "foreign2")

    lab.at(SECOND_MOVE_AT, second_move)


def _lost_bu_retransmission(lab: Lab) -> None:
    _lost_bu_common(lab, every=False, stream=True)


def _lost_bu_nud(lab: Lab) -> None:
    _lost_bu_common(lab, every=True, stream=True)
    lab.at(NUD_FILTER_OFF, lambda: setattr(lab.world.links["foreign2"], "drop_filter", None))


def _lost_bu_expiry(lab: Lab) -> None:
    _lost_bu_common(lab, every=True, stream=False)

    def resume() -> None:
        lab.world.links["foreign2"].drop_filter = None
        lab.ping("cn", "mn", count=3)

    lab.at(EXPIRY_RESUME, resume)


def _short_lifetime_topology() -> Topology:
    t = figure1()
    t.nodes["mn"].options["home_lifetime"] = SHORT_LIFETIME
    return t


# ---------------------------------------------------------------------------------------- both away
def both_away_topology() -> Topology:
    """Figure 1 plus a second home link (2001:db8:5::/64) with its own home agent ``ha2`` and a second
    mobile node ``mn2`` that plays the correspondent (it answers return routability and keeps a
    Binding Cache as well as being a mobile node)."""
    t = figure1()
    t.add_link("home2", "2001:db8:5::/64", label="Home link 2", pos=(2.2, 2.0), fast_ra=True)
    t.add_link("core-ha2", "2001:db8:ff:5::/64", kind="p2p", pos=(1.1, 1.0), delay=0.005)
    t.add_node("ha2", "home-agent", "Home agent 2", pos=(1.7, 1.5))
    t.add_node(
        "mn2",
        "mobile-node",
        "Mobile node 2 (correspondent)",
        pos=(2.7, 2.6),
        home_prefix="2001:db8:5::/64",
        home_agent="2001:db8:5::1",
        correspondent=True,
    )
    t.nodes["mn"].options["correspondent"] = True
    t.connect("ha2", "home2", "eth0", iid=1)
    t.connect("ha2", "core-ha2", "eth1", iid=2)
    t.connect("core", "core-ha2", "eth4", iid=1)
    t.connect("mn2", "home2", "eth0")
    return t


def _both_away(lab: Lab) -> None:
    lab.at(MOVE_AT, lambda: lab.move("mn", "foreign1"))
    lab.at(MOVE_AT, lambda: lab.move("mn2", "foreign2"))
    lab.at(TRAFFIC_AT, lambda: lab.tcp_stream("mn2", "mn", rate=5.0, chunk=200, duration=10.0))


register(
    Scenario(
        "return-routability",
        "Figure 13: HoTI through the reverse tunnel, CoTI direct, HoT through the home agent's tunnel, CoT "
        "direct, then BU/BA with the binding management key",
        _return_routability,
        duration=12.0,
        figures=(13, 22, 23),
    )
)
register(
    Scenario(
        "mn-initiates",
        "Figure 29: the mobile node away from home opens TCP to a new correspondent: SYN tunnelled, "
        "RR + BU/BA, then direct",
        _mn_initiates,
        duration=16.0,
        figures=(29, 16, 17, 18, 19),
    )
)
register(
    Scenario(
        "cn-initiates",
        "Figure 30: a new correspondent opens TCP to the home address: SYN tunnelled by the home agent, "
        "the mobile node starts RR + BU/BA, then direct",
        _cn_initiates,
        duration=16.0,
        figures=(30, 14, 15, 18, 19),
    )
)
register(
    Scenario(
        "route-optimized-data",
        "Figures 18-19: data both ways after correspondent registration: Home Address option from the "
        "mobile node, Type 2 Routing header from the correspondent",
        _route_optimized_data,
        duration=22.0,
        figures=(18, 19),
    )
)
register(
    Scenario(
        "cn-binding-maintenance",
        "Figures 22-23: a 60 s binding in active use: the mobile node refreshes it (RR + BU/BA) and the "
        "correspondent sends a Binding Refresh Request before it expires",
        _cn_binding_maintenance,
        duration=120.0,
        figures=(22, 23),
        topology=_maintenance_topology,
    )
)
register(
    Scenario(
        "non-mipv6-cn",
        "a correspondent without Mobile IPv6: Parameter Problem code 1 for HoTI/CoTI, the BUL entry "
        "marked, traffic keeps tunnelling, return routability retried periodically",
        _non_mipv6_cn,
        duration=50.0,
        figures=(16, 17),
        topology=_non_mipv6_topology,
    )
)
register(
    Scenario(
        "lost-binding-update",
        "Figure 33 with the BU to the correspondent lost: recovery 1, the mobile node retransmits it",
        _lost_bu_retransmission,
        duration=30.0,
        figures=(33,),
    )
)
register(
    Scenario(
        "lost-binding-update-nud",
        "every BU to the correspondent lost: recovery 2, NUD at the old foreign router -> ICMPv6 address "
        "unreachable -> the correspondent drops its binding and falls back to the home agent",
        _lost_bu_nud,
        duration=100.0,
        figures=(33, 14, 15),
    )
)
register(
    Scenario(
        "lost-binding-update-expiry",
        "every BU to the correspondent lost on an idle session: recovery 3, the binding expires; "
        "traffic afterwards goes through the home agent until a BU gets through",
        _lost_bu_expiry,
        duration=110.0,
        figures=(33, 14, 15),
        topology=_short_lifetime_topology,
    )
)
register(
    Scenario(
        "both-away",
        "the correspondent is itself a mobile node away from home: registrations both ways, then data "
        "with a Type 2 Routing header before the Destination Options header with the Home Address option",
        _both_away,
        duration=20.0,
        figures=(18, 19, 22, 23),
        topology=both_away_topology,
    )
)
