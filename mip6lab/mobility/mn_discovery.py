"""Dynamic Home Agent Address Discovery (§11.4.1) and Mobile Prefix Discovery (§11.4.2, §11.4.3).

DHAAD: away from home and not knowing a home agent (or told by a BA with status 132/133 that the one it
has will not do), the node sends an ICMPv6 Home Agent Address Discovery Request from its care-of
address to the Home-Agents anycast address of its home prefix (white paper Figure 24). No answer within
INITIAL_DHAAD_TIMEOUT: resend, doubling the wait, at most DHAAD_RETRIES times. The Reply (Figure 25)
lists home agents by preference; the node takes the first it has not been refused by.

Mobile Prefix Discovery: the node asks its home agent for the current home prefixes with a Mobile
Prefix Solicitation (from the care-of address, Home Address option, ESP; Figure 26), resent from
INITIAL_SOLICIT_TIMER with exponential back-off to MAX_BINDACK_TIMEOUT; the Mobile Prefix
Advertisement (Figure 27) either refreshes the home address's lifetimes or brings a new home prefix
(Figure 32: new home address, new home registration, HoTI-only return routability with each
correspondent). Unsolicited advertisements from the home agent are accepted too and answered with a
Binding Update, which is what stops the home agent's retransmissions (§10.6.2, §11.4.3).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING

from mip6lab.ipv6.router_discovery import prefix_network
from mip6lab.mobility.constants import DHAAD_RETRIES, INITIAL_DHAAD_TIMEOUT, INITIAL_SOLICIT_TIMER, MAX_BINDACK_TIMEOUT
from mip6lab.wire import icmp as I
from mip6lab.wire.codec import ha_anycast
from mip6lab.wire.ip import Addr, DestinationOptions, HomeAddressOption, IPv6

if TYPE_CHECKING:
    from mip6lab.mobility.mobile_node import MobileNodeRole

__all__ = ["HomeAgentDiscovery", "MobilePrefixDiscovery", "first_home_agent"]


def first_home_agent(addresses: Sequence[Addr], exclude: Sequence[Addr]) -> Addr | None:
    """§11.4.1: the DHAAD Reply lists home agents by preference; try the first one that has not
    refused us yet (the ``mn.home_agent_selection`` seam)."""
    return next((a for a in addresses if a not in exclude), None)


class HomeAgentDiscovery:
    """The DHAAD client: one request outstanding at a time."""

    NEEDS = (
        "cancel_timer",
        "care_of_address",
        "home_agent_found",
        "home_prefix",
        "hop_limit",
        "now",
        "register_timer_handler",
        "rng",
        "select_home_agent",
        "send_packet",
        "set_timer",
        "trace_event",
    )
    """What this unit uses of its mobile node: all it sees (a :class:`~mip6lab.mobility.ports.UnitPort`)."""

    def __init__(self, mn: MobileNodeRole) -> None:
        self.mn = mn
        self.identifier: int | None = None
        self.retries = 0
        self.timeout = INITIAL_DHAAD_TIMEOUT
        self.exclude: list[Addr] = []
        self.sent_times: list[float] = []
        mn.register_timer_handler("mn-dhaad", self._timer)

    @property
    def running(self) -> bool:
        return self.identifier is not None

    def start(self, exclude: list[Addr] | tuple[Addr, ...] = ()) -> None:
        """Begin discovery (ignored while one runs); ``exclude`` = home agents that refused us."""
        for a in exclude:
            if a not in self.exclude:
                self.exclude.append(a)
        if self.running:
            return
        self.identifier = self.mn.rng.randrange(1 << 16)
        self.retries = 0
        self.timeout = INITIAL_DHAAD_TIMEOUT
        self._send()

    def _send(self) -> None:
        mn = self.mn
        prefix, coa = mn.home_prefix, mn.care_of_address
        if prefix is None or coa is None or self.identifier is None:
            mn.trace_event("dhaad", "cannot send a DHAAD Request: no home prefix or care-of address")
            self.identifier = None
            return
        anycast = ha_anycast(prefix)
        mn.trace_event(
            "dhaad",
            f"DHAAD Request {self.identifier} to {anycast} (attempt {self.retries + 1})",
            identifier=self.identifier,
            anycast=anycast,
        )
        self.sent_times.append(mn.now)
        mn.send_packet(IPv6(coa, anycast, I.HomeAgentAddressDiscoveryRequest(self.identifier), hlim=mn.hop_limit()))
        mn.set_timer(("mn-dhaad",), mn.now + self.timeout)

    def _timer(self, key: Hashable) -> None:
        if not self.running:
            return
        if self.retries >= DHAAD_RETRIES:
            self.mn.trace_event("dhaad", f"no DHAAD Reply after {DHAAD_RETRIES} retransmissions: giving up")
            self.identifier = None
            return
        self.retries += 1
        self.timeout *= 2
        self._send()

    def on_reply(self, src: Addr, reply: I.HomeAgentAddressDiscoveryReply) -> None:
        if reply.identifier != self.identifier:
            self.mn.trace_event("dhaad", f"DHAAD Reply {reply.identifier} from {src} does not match: ignored")
            return
        self.identifier = None
        self.mn.cancel_timer(("mn-dhaad",))
        choice = self.mn.select_home_agent(reply.addresses, self.exclude)
        self.mn.trace_event(
            "dhaad",
            f"DHAAD Reply from {src}: home agents {[str(a) for a in reply.addresses]}; chose {choice}",
            addresses=reply.addresses,
            chosen=choice,
        )
        if choice is not None:
            self.mn.home_agent_found(choice)


class MobilePrefixDiscovery:
    """The Mobile Prefix Solicitation client and Mobile Prefix Advertisement processing."""

    NEEDS = (
        "cancel_timer",
        "care_of_address",
        "change_home_address",
        "home_address",
        "home_agent_address",
        "home_prefix",
        "home_registration",
        "hop_limit",
        "ipsec",
        "now",
        "refresh_home_address_lifetimes",
        "register_timer_handler",
        "rng",
        "send_packet",
        "set_timer",
        "trace_event",
    )
    """What this unit uses of its mobile node: all it sees (a :class:`~mip6lab.mobility.ports.UnitPort`)."""

    def __init__(self, mn: MobileNodeRole) -> None:
        self.mn = mn
        self.identifier: int | None = None
        self.timeout = INITIAL_SOLICIT_TIMER
        self.sent_times: list[float] = []
        mn.register_timer_handler("mn-mps", self._timer)

    @property
    def soliciting(self) -> bool:
        return self.identifier is not None

    def solicit(self, reason: str = "") -> None:
        if self.soliciting:
            return
        self.identifier = self.mn.rng.randrange(1 << 16)
        self.timeout = INITIAL_SOLICIT_TIMER
        self.mn.trace_event("mpd", f"Mobile Prefix Solicitation needed{': ' + reason if reason else ''}")
        self._send()

    def _send(self) -> None:
        mn = self.mn
        hoa, coa, ha = mn.home_address, mn.care_of_address, mn.home_agent_address
        if hoa is None or coa is None or ha is None or self.identifier is None:
            mn.trace_event("mpd", "cannot solicit: not away from home with a home agent")
            self.identifier = None
            return
        msg = I.MobilePrefixSolicitation(self.identifier)
        payload = mn.ipsec.protect(hoa, ha, msg, hoa, ha)
        pkt = IPv6(coa, ha, payload, ext=(DestinationOptions((HomeAddressOption(hoa),)),), hlim=mn.hop_limit())
        self.sent_times.append(mn.now)
        mn.trace_event("mpd", f"Mobile Prefix Solicitation {self.identifier} to {ha}", identifier=self.identifier)
        mn.send_packet(pkt)
        mn.set_timer(("mn-mps",), mn.now + self.timeout)

    def _timer(self, key: Hashable) -> None:
        if not self.soliciting:
            return
        self.timeout = min(self.timeout * 2, MAX_BINDACK_TIMEOUT)
        self._send()

    def on_advertisement(self, src: Addr, mpa: I.MobilePrefixAdvertisement) -> None:
        """§11.4.3: only from our home agent (ESP checked by the caller); solicited or not."""
        mn = self.mn
        if src != mn.home_agent_address:
            mn.trace_event("mpd", f"Mobile Prefix Advertisement from {src}, not our home agent: ignored")
            return
        solicited = self.identifier is not None and mpa.identifier == self.identifier
        if solicited:
            self.identifier = None
            mn.cancel_timer(("mn-mps",))
        pios = [o for o in mpa.options if isinstance(o, I.PrefixInformation)]
        mn.trace_event(
            "mpd",
            f"{'solicited' if solicited else 'unsolicited'} Mobile Prefix Advertisement from {src}: "
            f"{[f'{p.prefix}/{p.prefix_len}' for p in pios]}",
            solicited=solicited,
        )
        home = mn.home_prefix
        current = None
        fresh: list[I.PrefixInformation] = []
        for p in pios:
            net = prefix_network(p.prefix, p.prefix_len)
            if net == home:
                current = p
            elif p.A and p.valid_lifetime > 0 and p.prefix_len == 64:
                fresh.append(p)
        # A renumbered home link (Figure 32) advertises the old prefix deprecated (preferred lifetime
        # 0) next to the new one: like SLAAC (RFC 4862 §5.5.4) the node moves to the preferred prefix
        # and keeps the deprecated one only while nothing better is offered.
        fresh = [p for p in fresh if p.preferred_lifetime > 0] or fresh
        deprecated = current is not None and current.preferred_lifetime == 0 and bool(fresh)
        if current is not None and current.valid_lifetime > 0 and not deprecated:
            mn.refresh_home_address_lifetimes(current.valid_lifetime, current.preferred_lifetime)
        elif fresh:
            p = fresh[0]
            net = prefix_network(p.prefix, p.prefix_len)
            mn.change_home_address(net, p.valid_lifetime, p.preferred_lifetime)
            return  # the new home registration also acknowledges the advertisement
        if not solicited:
            mn.home_registration.register("unsolicited Mobile Prefix Advertisement")
