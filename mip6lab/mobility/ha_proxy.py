"""Proxy Neighbor Discovery for a registered home address (RFC 6275 §10.4.1; white paper
"Attaching to the Foreign Link", step 7).

While a mobile node is away, its home agent answers Neighbor Solicitations for the home address (and
for the link-local address with the same interface identifier when the BU had L=1) with its own
link-layer address, so that packets for the mobile node come to the home agent, which tunnels them.
It joins the solicited-node multicast group of each address to hear the solicitations. The white
paper describes two implementations, both selectable here:

* ``"unsolicited-na"`` (default): at once multicast MAX_NEIGHBOR_ADVERTISEMENT unsolicited Neighbor
  Advertisements to ff02::1 with Override set (Target = home address, TLLA = the home agent's MAC,
  R=0, S=0), so every neighbor cache on the home link switches at once;
* ``"answer-multicast-ns"``: no announcement; nodes still holding the mobile node's MAC find out by
  Neighbor Unreachability Detection, whose final multicast solicitation the home agent answers.

On de-registration or expiry the home agent stops defending the addresses and leaves the groups.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mip6lab.wire.ip import Addr

if TYPE_CHECKING:
    from mip6lab.mobility.ports import UnitPort

__all__ = ["ANSWER_MULTICAST_NS", "UNSOLICITED_NA", "ProxyND"]

UNSOLICITED_NA = "unsolicited-na"
ANSWER_MULTICAST_NS = "answer-multicast-ns"


class ProxyND:
    """The home agent defending its mobile nodes' home addresses on the home link (proxy Neighbor Discovery)."""

    NEEDS = ("add_proxy", "interfaces", "proxies", "remove_proxy", "trace_event")
    """What this unit uses of its home agent role and router: all it sees (a
    :class:`~mip6lab.mobility.ports.UnitPort` over the role, read as ``self.ha``)."""

    def __init__(self, ha: UnitPort, mode: str = UNSOLICITED_NA) -> None:
        if mode not in (UNSOLICITED_NA, ANSWER_MULTICAST_NS):
            raise ValueError(f"proxy ND mode must be {UNSOLICITED_NA!r} or {ANSWER_MULTICAST_NS!r}, not {mode!r}")
        self.ha = ha
        self.mode = mode

    def start(self, ifname: str, addresses: tuple[Addr, ...]) -> None:
        ha = self.ha
        for a in addresses:
            ha.interfaces[ifname].neighbors.delete(a)  # the mobile node's old MAC is no longer right
            ha.add_proxy(ifname, a, announce=self.mode == UNSOLICITED_NA)
            ha.trace_event(
                "ha",
                f"{ifname}: proxy ND for {a}"
                + (" (unsolicited NAs to ff02::1)" if self.mode == UNSOLICITED_NA else " (answering NS only)"),
                address=a,
            )

    def stop(self, ifname: str, addresses: tuple[Addr, ...]) -> None:
        ha = self.ha
        for a in addresses:
            if (ifname, a) in ha.proxies:
                ha.remove_proxy(ifname, a)
                ha.trace_event("ha", f"{ifname}: stopped proxy ND for {a}, left its solicited-node group", address=a)

    def defending(self, ifname: str, address: Addr) -> bool:
        return (ifname, address) in self.ha.proxies
