"""MLDv2 reports for the groups a node joins (RFC 3810; RFC 4861 §7.2.1, RFC 8504 §5.10).

RFC 4861 §7.2.1 says joining the solicited-node group is done with MLD, and RFC 8504 §5.10 makes MLDv2
a MUST for every IPv6 node: behind a snooping switch (RFC 4541) a node that never reports its groups
misses the NS and DAD probes sent to them. On the simulated links nothing snoops, so reports are off
unless the Lab turns them on (``Lab(mld=True)``, or when a live link is attached: a real station's
multicast reception follows what it reports, and Linux bridges snoop).

What is sent: one State Change Report (RFC 3810 §6.1) to ff02::16 whenever a group other than all-nodes
(never reported, §6) is joined (CHANGE_TO_EXCLUDE_MODE, no sources) or left (CHANGE_TO_INCLUDE_MODE),
and on link up one report of every group the interface listens to. Source: the link-local address once
it is valid, else the unspecified address (RFC 3590 §4); Hop Limit 1 with a Router Alert option
(RFC 3810 §5). Simplifications: the [Robustness Variable] - 1 retransmissions at random intervals
(§6.1) are not sent (their randomness would shift every other random choice of the node), and queries
are not answered (no simulated router is a multicast router).
"""

from __future__ import annotations

from ipaddress import IPv6Address

from mip6lab.wire.icmp import MLDV2_REPORT, UnknownICMPv6
from mip6lab.wire.ip import HopByHopOptions, IPv6, UnknownOption

ALL_MLDV2_ROUTERS = IPv6Address("ff02::16")
ALL_NODES = IPv6Address("ff02::1")
CHANGE_TO_INCLUDE_MODE = 3
CHANGE_TO_EXCLUDE_MODE = 4
ROUTER_ALERT = UnknownOption(5, b"\x00\x00")  # RFC 2711, value 0: the datagram holds an MLD message


def reportable(group: IPv6Address) -> bool:
    """RFC 3810 §6: all-nodes is never reported; neither are reserved scopes 0 and 1."""
    return group != ALL_NODES and (group.packed[1] & 0x0F) > 1


def report(src: IPv6Address, changes: list[tuple[IPv6Address, bool]]) -> IPv6:
    """An MLDv2 Report: one record per ``(group, joined)``, in the order given."""
    body = bytearray(b"\x00\x00" + len(changes).to_bytes(2, "big"))
    for group, joined in changes:
        rtype = CHANGE_TO_EXCLUDE_MODE if joined else CHANGE_TO_INCLUDE_MODE
        body += bytes((rtype, 0, 0, 0)) + group.packed
    msg = UnknownICMPv6(MLDV2_REPORT, 0, bytes(body))
    return IPv6(src, ALL_MLDV2_ROUTERS, msg, ext=(HopByHopOptions((ROUTER_ALERT,)),), hlim=1)
