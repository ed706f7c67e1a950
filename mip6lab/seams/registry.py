"""The seams: every component a reader may replace in a running lab, by name.

``SEAMS[name]`` is a :class:`Seam`: which role holds the component, the ``typing.Protocol`` it must
satisfy (:mod:`mip6lab.seams.protocols`), the workbook chapter that builds it, one line of what it
does, the RFC 6275 clause, what kind of replacement is expected and how the lab installs it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mip6lab.seams import protocols as P

__all__ = ["ROLES", "SEAMS", "Seam"]

ROLES = {"mn": "mobile node", "ha": "home agent", "cn": "correspondent", "": "every node"}
"""Name prefix -> role. ``cn.*`` seams apply to correspondents and to the correspondent half of a
mobile node that is also a correspondent; a home agent's own correspondent half keeps the library's."""


@dataclass(frozen=True)
class Seam:
    """One replaceable component."""

    name: str  # e.g. "mn.binding_update_list"
    role: str  # "mobile node" | "home agent" | "correspondent" | "every node"
    protocol: type  # the typing.Protocol the component satisfies
    chapter: str  # the notebook that builds it, e.g. "04-data-structures"
    doc: str  # one line: what the component does
    rfc: str  # the RFC 6275 clause that defines its behaviour
    kind: str  # "factory" | "function" | "functions" (see mip6lab.seams.protocols)
    install: str  # how the lab installs it (what the replacement is called with)
    _default: Callable[[], Any]  # -> the library's own implementation (imported lazily)

    @property
    def part(self) -> str:
        """The name without its role prefix (``binding_update_list``): the role's keyword for it."""
        return self.name.rsplit(".", 1)[-1]

    @property
    def prefix(self) -> str:
        return self.name.split(".", 1)[0] if "." in self.name else ""

    def default(self) -> Any:
        """The library's implementation (a class, a function or a module), which passes the contract."""
        return self._default()

    def line(self) -> str:
        """One line of ``mip6lab seams``: name, role, protocol, chapter."""
        return f"{self.name:<26} {self.role:<14} {self.protocol.__name__:<24} {self.chapter}"


def _bc() -> Any:
    from mip6lab.mobility.binding_cache import BindingCache

    return BindingCache


def _bul() -> Any:
    from mip6lab.mobility.bul import BindingUpdateList

    return BindingUpdateList


def _hal() -> Any:
    from mip6lab.mobility.ha_list import HomeAgentsList

    return HomeAgentsList


def _seq() -> Any:
    from mip6lab.mobility.seqno import seq_gt

    return seq_gt


def _rr() -> Any:
    from mip6lab.mobility import rr

    return rr


def _cn_checks() -> Any:
    from mip6lab.mobility.registration import check_correspondent_bu

    return check_correspondent_bu


def _ha_checks() -> Any:
    from mip6lab.mobility.registration import check_home_bu

    return check_home_bu


def _ba() -> Any:
    from mip6lab.mobility.registration import process_ba_at_mn

    return process_ba_at_mn


def _movement() -> Any:
    from mip6lab.mobility.mn_movement import MovementDetector

    return MovementDetector


def _select() -> Any:
    from mip6lab.mobility.mn_discovery import first_home_agent

    return first_home_agent


def _send() -> Any:
    from mip6lab.ipv6.sending import send

    return send


def _receive() -> Any:
    from mip6lab.ipv6.receiving import receive

    return receive


_FACTORY = "factory() -> a fresh table for each node"
_FUNCTION = "the function itself, called as the protocol shows"
_SEQ_DOC = "sequence numbers compared modulo 2**16: a > b iff 0 < (a - b) mod 2**16 < 2**15"
_RR_DOC = "return-routability keys: home/care-of keygen tokens, Kbm and the BU/BA authenticator"

_ALL = [
    Seam(
        "mn.binding_update_list",
        "mobile node",
        P.BindingUpdateListTable,
        "04-data-structures",
        "the Binding Update List: one entry per (destination, home address) the node sent a BU to",
        "§11.1",
        "factory",
        _FACTORY,
        _bul,
    ),
    Seam(
        "ha.binding_cache",
        "home agent",
        P.BindingCacheTable,
        "04-data-structures",
        "the home agent's Binding Cache: home address -> care-of address, lifetime, sequence number",
        "§9.1, §10.1",
        "factory",
        _FACTORY,
        _bc,
    ),
    Seam(
        "cn.binding_cache",
        "correspondent",
        P.BindingCacheTable,
        "04-data-structures",
        "the correspondent's Binding Cache (route optimization bindings)",
        "§9.1",
        "factory",
        _FACTORY,
        _bc,
    ),
    Seam(
        "ha.home_agents_list",
        "home agent",
        P.HomeAgentsListTable,
        "04-data-structures",
        "the Home Agents List learnt from RAs with H=1, ordered by preference for DHAAD replies",
        "§10.1, §10.5.1",
        "factory",
        _FACTORY,
        _hal,
    ),
    Seam(
        "mn.sequence_compare",
        "mobile node",
        P.SequenceCompare,
        "04-data-structures",
        _SEQ_DOC + " (the BUL entry's maximum sequence number sent)",
        "§11.1, §9.5.1",
        "function",
        _FUNCTION,
        _seq,
    ),
    Seam(
        "ha.sequence_compare",
        "home agent",
        P.SequenceCompare,
        "04-data-structures",
        _SEQ_DOC + " (the home agent's window test)",
        "§9.5.1",
        "function",
        _FUNCTION,
        _seq,
    ),
    Seam(
        "cn.sequence_compare",
        "correspondent",
        P.SequenceCompare,
        "04-data-structures",
        _SEQ_DOC + " (the correspondent's window test)",
        "§9.5.1",
        "function",
        _FUNCTION,
        _seq,
    ),
    Seam(
        "mn.rr_keys",
        "mobile node",
        P.RRKeys,
        "07-return-routability",
        _RR_DOC + " (the mobile node: Kbm, signing BUs, checking BAs)",
        "§5.2.5, §5.2.6",
        "functions",
        "a namespace (module, class or object) with the four functions",
        _rr,
    ),
    Seam(
        "cn.rr_keys",
        "correspondent",
        P.RRKeys,
        "07-return-routability",
        _RR_DOC + " (the correspondent: HoT/CoT tokens, checking BUs, signing BAs)",
        "§5.2.5, §5.2.6",
        "functions",
        "a namespace (module, class or object) with the four functions",
        _rr,
    ),
    Seam(
        "cn.bu_checks",
        "correspondent",
        P.CorrespondentBUChecks,
        "08-route-optimization",
        "the correspondent's checks on a Binding Update, in order, to accept / reject (status) / discard",
        "§9.5.1-§9.5.4",
        "function",
        _FUNCTION,
        _cn_checks,
    ),
    Seam(
        "ha.bu_checks",
        "home agent",
        P.HomeAgentBUChecks,
        "05-leaving-home",
        "the home agent's checks on a home registration, in order, to accept / reject / discard / DAD",
        "§9.5.1, §10.3.1, §10.3.2",
        "function",
        _FUNCTION,
        _ha_checks,
    ),
    Seam(
        "mn.ba_processing",
        "mobile node",
        P.BAProcessing,
        "05-leaving-home",
        "the mobile node's processing of a Binding Acknowledgement: accept / reject with follow-up actions",
        "§11.7.3",
        "function",
        _FUNCTION,
        _ba,
    ),
    Seam(
        "mn.movement_detection",
        "mobile node",
        P.MovementDetection,
        "05-leaving-home",
        "movement detection: media changes and Router Advertisements -> home / foreign link",
        "§11.5.1",
        "factory",
        "factory(port: MovementPort) -> a detector for that mobile node",
        _movement,
    ),
    Seam(
        "mn.home_agent_selection",
        "mobile node",
        P.HomeAgentSelection,
        "05-leaving-home",
        "the home agent to try from a DHAAD Reply's addresses, skipping ones that refused us",
        "§11.4.1",
        "function",
        _FUNCTION,
        _select,
    ),
    Seam(
        "sending_algorithm",
        "every node",
        P.SendingAlgorithm,
        "09-sending-and-receiving",
        "the host sending algorithm (white paper Figure 35) run for every packet a node sends",
        "§11.3.1 (white paper Figure 35)",
        "function",
        _FUNCTION + " (node:NAME.sending_algorithm: one node only)",
        _send,
    ),
    Seam(
        "receiving_algorithm",
        "every node",
        P.ReceivingAlgorithm,
        "09-sending-and-receiving",
        "the host receiving algorithm (white paper Figure 36) run for every packet a node receives",
        "§9.3.1, §11.3.2 (white paper Figure 36)",
        "function",
        _FUNCTION + " (node:NAME.receiving_algorithm: one node only)",
        _receive,
    ),
]

SEAMS: dict[str, Seam] = {s.name: s for s in _ALL}
"""Seam name -> :class:`Seam`, in the order ``mip6lab seams`` lists them."""
