"""The correspondent side of return routability (RFC 6275 §5.2, §9.4; white paper Figure 13).

The correspondent answers a Home Test Init with a Home Test and a Care-of Test Init with a Care-of
Test, each as it arrives, in any order, and keeps **no state** about either (§5.2.3): the keygen
tokens are recomputed from Kcn and the nonce indices when the Binding Update comes
(:mod:`mip6lab.mobility.rr`). The only state is :class:`~mip6lab.mobility.rr.CorrespondentSecrets`.

* HoTI arrives from the home address (through the home agent's reverse tunnel); the HoT goes back
  to the home address, where the home agent intercepts it and tunnels it to the care-of address.
* CoTI arrives from the care-of address; the CoT goes straight back to it.
* A HoTI or CoTI carrying a Home Address option is silently ignored (§9.4.1, §9.4.2: the test
  must reach the address it is about; with a HAO the answer would go somewhere else).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mip6lab.mobility import rr
from mip6lab.mobility.cn_mh import mh_packet
from mip6lab.mobility.registration import is_unicast_routable
from mip6lab.wire.mh import CareofTestInit, HomeTestInit

if TYPE_CHECKING:
    from mip6lab.ipv6.node import IPv6Node
    from mip6lab.ipv6.upper import Delivery

__all__ = ["ReturnRoutabilityResponder"]


class ReturnRoutabilityResponder:
    """Answers HoTI/CoTI statelessly with the node's :class:`~mip6lab.mobility.rr.CorrespondentSecrets`."""

    NEEDS = ("now", "send_packet", "trace_event")
    """What this unit uses of its node: all it sees (a :class:`~mip6lab.mobility.ports.UnitPort`)."""

    def __init__(self, node: IPv6Node, secrets: rr.CorrespondentSecrets, *, keys: Any = None) -> None:
        self.node = node
        self.secrets = secrets
        self.keys = keys  # the cn.rr_keys seam (None: mip6lab.mobility.rr)
        self.home_tests_sent = 0
        self.careof_tests_sent = 0

    def _usable(self, d: Delivery, what: str) -> bool:
        node = self.node
        if d.packet.home_address_option is not None:
            node.trace_event("rr", f"{what} from {d.packet.src} carries a Home Address option: ignored (§9.4)")
            return False
        if d.packet.routing_type2 is not None:
            node.trace_event("rr", f"{what} from {d.packet.src} came with a Type 2 Routing header: ignored")
            return False
        if not is_unicast_routable(d.src):
            node.trace_event("rr", f"{what} from non-routable {d.src}: ignored")
            return False
        return True

    def home_test_init(self, d: Delivery, hoti: HomeTestInit) -> bool:
        """§9.4.1: HoT to the HoTI's source (the home address), same cookie, home keygen token."""
        if not self._usable(d, "HoTI"):
            return False
        node = self.node
        hot = rr.home_test_for(self.secrets, node.now, d.src, hoti, keys=self.keys)
        node.trace_event(
            "rr",
            f"HoTI from {d.src}: Home Test with nonce index {hot.nonce_index}",
            home_address=d.src,
            nonce_index=hot.nonce_index,
        )
        self.home_tests_sent += 1
        return node.send_packet(mh_packet(d.dst, d.src, hot))

    def careof_test_init(self, d: Delivery, coti: CareofTestInit) -> bool:
        """§9.4.2: CoT to the CoTI's source (the care-of address), same cookie, care-of keygen token."""
        if not self._usable(d, "CoTI"):
            return False
        node = self.node
        cot = rr.careof_test_for(self.secrets, node.now, d.src, coti, keys=self.keys)
        node.trace_event(
            "rr",
            f"CoTI from {d.src}: Care-of Test with nonce index {cot.nonce_index}",
            careof_address=d.src,
            nonce_index=cot.nonce_index,
        )
        self.careof_tests_sent += 1
        return node.send_packet(mh_packet(d.dst, d.src, cot))
