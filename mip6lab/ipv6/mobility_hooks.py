"""The seam between the plain IPv6 node and Mobile IPv6: one hooks object, ``node.mobility``.

The sending and receiving algorithms (white paper Figures 35 and 36) run on every node. Their
mobility steps ask this object; a plain node has ``node.mobility = None`` and the steps are
recorded as "not applicable". A mobile node, home agent or correspondent node is a plain node with a
role object attached (``node.attach_role``, :mod:`mip6lab.ipv6.role`); the role has these methods
(``typing.Protocol``: no base class needed) and ``attach_role`` makes it ``node.mobility``, so the
algorithms never touch a role class.

Which step each method serves (S = sending, Figure 35; R = receiving, Figure 36):

=====================================  ===========================================================
``binding_cache_lookup(dst)``           S3: does the destination cache entry point at a binding?
``care_of_address`` of that entry       S4: the new destination, home address goes in a Type 2 RH
``is_mobile_node()``                    S7
``away_from_home()``                    S7: a mobile node at home sends like any host
``home_address``                        S7, S9, S12; source address selection (RFC 6724 rule 4)
``bul_lookup(dst)``                     S8: a binding update list entry usable for route optimization
``care_of_address``                     S9: the source of a route-optimized packet
``is_mipv6_capable(addr)``              S10, R5 (True / None = not known yet, assumed capable / False)
``registration_initiated(addr)``        S11, R6
``initiate_registration(addr)``         S11, R6: start return routability + correspondent BU
``tunnel_to_home_agent(packet)``        S12: the outer packet (care-of address -> home agent)
``intercept(packet, ifname)``           R1: a home agent takes packets for the home addresses it serves
``process_type2_routing(packet, rh)``   R2: accept the Type 2 Routing header -> the home address
``tunneled_from_home_agent(packet)``    R3
``strip_tunnel(packet)``                R7: remove the outer header (and ESP); the inner packet
``process_home_test(inner)``            R4: a tunneled Home Test is processed here
``process_home_address_option(...)``    R8: verify the Home Address option -> the logical source
``on_link_change(ifname, attached)``    movement detection (RFC 6275 §11.5.1), called by the node
=====================================  ===========================================================

Rules the algorithms apply themselves (so every hooks implementation gets them right):
Mobility Header packets bypass the binding cache and the binding update list (RFC 6275 §6.1):
step 3 ignores the binding pointer for them, and a Mobility Header sent from the home address
while away is always reverse-tunnelled (step 8 -> 12) without starting a registration.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from mip6lab.wire.ip import Addr, HomeAddressOption, IPv6, RoutingType2


@runtime_checkable
class BindingPointer(Protocol):
    """What the sending algorithm needs from a binding cache entry (step 4)."""

    home_address: Addr
    care_of_address: Addr


@runtime_checkable
class MobilityHooks(Protocol):
    """The mobility half of Figures 35 and 36. Every method is called with the node's ``now`` set."""

    # ------------------------------------------------------------------ state (properties)
    @property
    def home_address(self) -> Addr | None:
        """The mobile node's home address (None for a node that is not a mobile node)."""
        ...

    @property
    def care_of_address(self) -> Addr | None:
        """The mobile node's current primary care-of address (None at home / not a mobile node)."""
        ...

    @property
    def home_agent_address(self) -> Addr | None:
        """The mobile node's home agent (the outer destination of step 12)."""
        ...

    # ------------------------------------------------------------------ sending (Figure 35)
    def binding_cache_lookup(self, dst: Addr) -> BindingPointer | None:
        """Step 3: the binding cache entry for home address ``dst``, if the destination is a mobile
        node away from home (correspondent and home agent role); None otherwise."""
        ...

    def is_mobile_node(self) -> bool:
        """Step 7: is this node a mobile node at all?"""
        ...

    def away_from_home(self) -> bool:
        """Step 7: is the mobile node attached to a foreign link with a registered care-of address?"""
        ...

    def bul_lookup(self, dst: Addr) -> Any | None:
        """Step 8: a binding update list entry for correspondent ``dst`` that allows route
        optimization (the correspondent accepted our binding); None otherwise."""
        ...

    def is_mipv6_capable(self, addr: Addr) -> bool | None:
        """Steps S10 and R5: True if known capable, None if not determined yet (the algorithm then
        assumes capable), False if determined not capable (e.g. ICMP Parameter Problem for NH 135)."""
        ...

    def registration_initiated(self, addr: Addr) -> bool:
        """Steps S11 and R6: has a correspondent registration with ``addr`` been started?"""
        ...

    def initiate_registration(self, addr: Addr) -> None:
        """Steps S11 and R6: start one (return routability, then a Binding Update). Must only
        schedule work: the packet being sent or received goes on through the algorithm."""
        ...

    def tunnel_to_home_agent(self, packet: IPv6) -> IPv6 | None:
        """Step 12: ``packet`` (source home address) encapsulated in an outer header from the
        care-of address to the home agent (with ESP if configured). None: cannot (no home agent)."""
        ...

    # ------------------------------------------------------------------ receiving (Figure 36)
    def intercept(self, packet: IPv6, ifname: str) -> bool:
        """Step 1, destination not ours: a home agent intercepts packets for a registered home
        address and tunnels them to the care-of address (RFC 6275 §10.4.1). True = consumed."""
        ...

    def process_type2_routing(self, packet: IPv6, rh: RoutingType2) -> Addr | None:
        """Step 2: check the Type 2 Routing header (RFC 6275 §6.4, §9.3.2 rules) and return the
        home address to use as the logical destination; None = discard the packet."""
        ...

    def tunneled_from_home_agent(self, packet: IPv6) -> bool:
        """Step 3: is ``packet`` from our home agent to our care-of address and a tunnel: its payload
        an inner IPv6 packet, or ESP in tunnel mode (RFC 3776 §4.2: how the home agent forwards a
        Home Test)? Called only for IPv6 or ESP payloads."""
        ...

    def strip_tunnel(self, packet: IPv6) -> IPv6 | None:
        """Step 7: the inner packet (outer header, and ESP if present, verified and removed);
        None = discard. Called before step 4, which needs the inner packet."""
        ...

    def process_home_test(self, inner: IPv6) -> bool:
        """Step 4: if ``inner`` is a Home Test, process it and return True (consumed)."""
        ...

    def process_home_address_option(self, packet: IPv6, hao: HomeAddressOption) -> Addr | None:
        """Step 8: verify the Home Address option (binding exists and its care-of address is the
        packet source, or the packet is a Binding Update; else send Binding Error status 1) and
        return the home address as the logical source; None = discard."""
        ...

    # ------------------------------------------------------------------ movement detection
    def on_link_change(self, ifname: str, attached: bool) -> None:
        """The node's interface went up on a (possibly new) link or down."""
        ...
