"""What the widgets show, computed from a Lab's capture and trace: no widgets, no protocol logic.

Everything here only *reads* a :class:`~mip6lab.lab.Lab` (its capture records, trace runs, node
state) so that every view (network, sequence chart, inspector, tracer) agrees on the same facts.
The message concept (:func:`packet_info`, :class:`Message`, :func:`messages`, :func:`open_esp`) is
:mod:`mip6lab.messages`, shared with ``Lab.messages()`` and the CLI; it is re-exported here. Views add:

* :func:`receive_runs` - the receiving-algorithm runs (Figure 36) a frame caused at its receivers
  (stamped by the World with the capture record's index, not matched by time).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mip6lab.messages import (
    ND_NAMES,
    SIGNALLING_NAMES,
    EspOpened,
    Message,
    MessageIndex,
    PacketInfo,
    category_of,
    classify,
    find_spds,
    messages,
    open_esp,
    packet_info,
)

if TYPE_CHECKING:
    from mip6lab.lab import Lab
    from mip6lab.net.capture import CaptureRecord
    from mip6lab.trace import AlgorithmRun

__all__ = [
    "ND_NAMES",
    "SIGNALLING_NAMES",
    "PacketInfo",
    "Message",
    "MessageIndex",
    "EspOpened",
    "category_of",
    "classify",
    "packet_info",
    "messages",
    "find_spds",
    "open_esp",
    "receive_runs",
    "producing_run",
    "mac_owners",
    "movable_nodes",
    "home_link",
]


# =========================================================================== runs and nodes
def producing_run(lab: Lab, record: CaptureRecord) -> AlgorithmRun | None:
    """The run that transmitted ``record``: the sender's sending run (Figure 35), or a router's
    receiving run when it forwarded the packet. None for Neighbor Discovery (no run)."""
    return lab.trace.run_by_id(record.trace_id) if record.trace_id else None


def receive_runs(lab: Lab, record: CaptureRecord) -> list[AlgorithmRun]:
    """Receiving-algorithm runs (Figure 36) the delivery of ``record`` started at its receivers: the
    World stamps each such run with the record's index (``AlgorithmRun.record``)."""
    return lab.trace.runs_for_record(record.index) if record.receivers else []


def mac_owners(lab: Lab) -> dict[str, str]:
    """Unicast MAC -> node name (to name the intended receiver of a lost frame)."""
    return {iface.mac: name for name, n in lab.nodes.items() for iface in n.interfaces.values()}


def movable_nodes(lab: Lab) -> list[str]:
    """Mobile nodes first (by topology role), then plain hosts: the nodes a reader may move."""
    roles = {n.name: n.role for n in lab.topology.nodes.values()}
    mobile = [n for n, r in roles.items() if r == "mobile-node"]
    hosts = [n for n, r in roles.items() if r in ("host", "correspondent")]
    return mobile + hosts


def home_link(lab: Lab, node: str) -> str | None:
    """The link ``node``'s first interface is on in the topology (its home link for a mobile node)."""
    ifs = lab.topology.interfaces_of(node)
    return ifs[0].link if ifs else None
