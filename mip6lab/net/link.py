"""Simulated links: an Ethernet-like multi-access segment, or a point-to-point link.

A link knows which interfaces are attached to it and decides, for one transmitted frame, (1) whether
the frame is lost and (2) which interfaces receive it. It does not schedule anything: the
:class:`~mip6lab.net.world.World` asks it and carries out the delivery after ``delay``.

MAC filtering is what a NIC does, so the link does it:

* ``ff:ff:ff:ff:ff:ff`` reaches every other attached interface;
* a group address (I/G bit set, e.g. ``33:33:xx:xx:xx:xx`` for IPv6 multicast, RFC 2464 §7) reaches the
  interfaces whose ``accepts(mac)`` is true - the node knows which groups it joined (solicited-node,
  all-nodes, all-routers ...);
* a unicast address reaches the attached interface(s) with that MAC.

A frame is never delivered back to the interface that sent it. A point-to-point link is the same
thing with at most two ends (frames still carry Ethernet headers and are MAC-filtered).

Loss is deterministic: a frame is lost with probability ``loss`` drawn from the link's own random
generator, derived from the scenario seed and the link's name (``Simulator.child_rng("link/<name>")``).
The generator is consulted once per transmitted frame whenever ``loss > 0`` - also for frames a
scripted drop removes - so scripting one drop does not change which other frames the model loses.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any, Literal

BROADCAST = "ff:ff:ff:ff:ff:ff"


class LinkError(Exception):
    """A misuse of a link (third end on a point-to-point link, attaching twice, ...)."""


class Link:
    """One link. ``ends`` maps ``(node name, ifname)`` to ``(node, iface)`` in attachment order."""

    def __init__(
        self,
        name: str,
        kind: Literal["ethernet", "p2p"] = "ethernet",
        delay: float = 0.001,
        loss: float = 0.0,
        mtu: int = 1500,
        rng: random.Random | None = None,
    ) -> None:
        if kind not in ("ethernet", "p2p"):
            raise LinkError(f"unknown link kind {kind!r} (ethernet or p2p)")
        if delay < 0:
            raise LinkError(f"negative link delay {delay}")
        if not 0.0 <= loss <= 1.0:
            raise LinkError(f"loss must be a probability, got {loss}")
        self.name = name
        self.kind = kind
        self.delay = float(delay)
        self.loss = float(loss)
        self.mtu = mtu
        # The World replaces this with Simulator.child_rng(f"link/{name}"); a lone Link uses seed 0.
        self.rng = rng if rng is not None else random.Random(f"0/link/{name}")
        self.drop_filter: Callable[[bytes], bool] | None = None
        self._drop_next: list[list[Any]] = []  # [remaining count, predicate or None]
        self.ends: dict[tuple[str, str], tuple[Any, Any]] = {}
        # Indexes so that delivering a frame does not ask every interface (issue 13): ends by unicast MAC,
        # ends by the group MACs they accept (interfaces that report their groups through
        # ``mac_watchers``), and the ends that cannot be indexed (asked each time, as before).
        self._seq: dict[tuple[str, str], int] = {}  # attachment order, which delivery order follows
        self._attached = 0
        self._by_mac: dict[str, list[tuple[str, str]]] = {}
        self._by_group: dict[str, set[tuple[str, str]]] = {}
        self._unindexed: set[tuple[str, str]] = set()
        self._watchers: dict[tuple[str, str], Callable[[str, bool], None]] = {}
        self.sniffers: list[tuple[str, str]] = []  # promiscuous ends: they receive every frame
        # Who receives a frame depends only on its destination MAC and the sending end while no end
        # attaches, detaches or changes its groups: the answer is kept (``deliveries``). An end that
        # attaches or detaches changes the answers for frames to its MAC and for group frames only, so
        # just those are dropped (with thousands of mobile nodes moving, emptying the whole cache on
        # every move meant recomputing nearly every frame's receivers; issue 13); a group change drops
        # the group frames'. Group frames are not kept while an unindexed end is attached.
        self._deliveries: dict[tuple[bytes, tuple[str, str] | None], tuple[list[tuple[Any, str]], tuple[str, ...]]] = {}
        self._kept_by_dst: dict[bytes, list[tuple[bytes, tuple[str, str] | None]]] = {}  # unicast keys by MAC
        self._kept_groups: list[tuple[bytes, tuple[str, str] | None]] = []  # group frames' keys
        self.frames_sent = 0
        self.frames_dropped = 0
        self.frames_delivered = 0  # receptions: a frame counts once per receiver (the World counts them)
        self.detaches = 0  # ends detached so far: a frame in flight checks its receivers only if it changed

    def __repr__(self) -> str:
        ends = ", ".join(f"{n}:{i}" for n, i in self.ends)
        return f"<Link {self.name} {self.kind} delay={self.delay} loss={self.loss} [{ends}]>"

    # ------------------------------------------------------------------------------ membership
    def attach(self, node: Any, ifname: str) -> None:
        key = (node.name, ifname)
        if key in self.ends:
            raise LinkError(f"{node.name}:{ifname} is already attached to {self.name}")
        if self.kind == "p2p" and len(self.ends) >= 2:
            raise LinkError(f"point-to-point link {self.name} already has two ends")
        iface = node.interfaces[ifname]
        self.ends[key] = (node, iface)
        self._forget(iface.mac)
        self._attached += 1
        self._seq[key] = self._attached
        self._by_mac.setdefault(str(iface.mac).lower(), []).append(key)
        if getattr(iface, "promiscuous", False):
            self.sniffers.append(key)
            self._forget(None)  # a sniffer receives every frame
        watchers = getattr(iface, "mac_watchers", None)
        macs = getattr(iface, "_macs", None)
        if watchers is None or macs is None:
            self._unindexed.add(key)
            return
        for mac in macs:
            self._by_group.setdefault(mac, set()).add(key)

        def watch(mac: str, joined: bool) -> None:
            self._forget_groups()
            if joined:
                self._by_group.setdefault(mac, set()).add(key)
            else:
                members = self._by_group.get(mac)
                if members is not None:
                    members.discard(key)

        watchers.append(watch)
        self._watchers[key] = watch

    def detach(self, node_name: str, ifname: str) -> None:
        key = (node_name, ifname)
        end = self.ends.pop(key, None)
        if end is None:
            raise LinkError(f"{node_name}:{ifname} is not attached to {self.name}")
        iface = end[1]
        self.detaches += 1
        self._forget(None if key in self.sniffers else iface.mac)
        self._seq.pop(key, None)
        same = self._by_mac.get(str(iface.mac).lower())
        if same is not None and key in same:
            same.remove(key)
        self._unindexed.discard(key)
        if key in self.sniffers:
            self.sniffers.remove(key)
        watch = self._watchers.pop(key, None)
        if watch is not None:
            iface.mac_watchers.remove(watch)
            for mac in iface._macs:
                members = self._by_group.get(mac)
                if members is not None:
                    members.discard(key)

    def _forget(self, mac: Any) -> None:
        """An end with ``mac`` attached or detached: drop the kept answers it may change (frames to its
        MAC, group frames); ``None``: all of them."""
        if mac is None:
            self._deliveries.clear()
            self._kept_by_dst.clear()
            self._kept_groups = []
            return
        try:
            octets = bytes.fromhex(str(mac).replace(":", "").replace("-", ""))
        except ValueError:  # not a MAC a frame can carry: forget everything rather than guess
            octets = None
        if octets is None or len(octets) != 6:
            self._forget(None)
            return
        self._forget_groups()
        keys = self._kept_by_dst.pop(octets, None)
        if keys:
            deliveries = self._deliveries
            for k in keys:
                deliveries.pop(k, None)

    def _forget_groups(self) -> None:
        deliveries = self._deliveries
        for k in self._kept_groups:
            deliveries.pop(k, None)
        self._kept_groups = []

    def is_attached(self, node_name: str, ifname: str) -> bool:
        return (node_name, ifname) in self.ends

    # ------------------------------------------------------------------------------ loss
    def drop_next(self, n: int = 1, predicate: Callable[[bytes], bool] | None = None) -> None:
        """Drop the next ``n`` frames (for which ``predicate`` is true, if given)."""
        if n > 0:
            self._drop_next.append([n, predicate])

    def drop_decision(self, frame: bytes) -> str:
        """Why ``frame`` is lost ("loss", "filter") or "" if it is not. Call once per frame."""
        lost = self.loss > 0.0 and self.rng.random() < self.loss
        if self._drop_next:
            for entry in self._drop_next:
                pred = entry[1]
                if pred is None or pred(frame):
                    entry[0] -= 1
                    if entry[0] <= 0:
                        self._drop_next.remove(entry)
                    return "filter"
        if self.drop_filter is not None and self.drop_filter(frame):
            return "filter"
        return "loss" if lost else ""

    # ------------------------------------------------------------------------------ filtering
    def deliveries(
        self, dst_octets: bytes, sender: tuple[str, str] | None
    ) -> tuple[list[tuple[Any, str]], tuple[str, ...]]:
        """:meth:`receivers` for a frame whose first six octets are ``dst_octets``, with the receiving
        node names (for the capture): kept until the link's membership changes. The list is shared -
        callers must not change it."""
        key = (dst_octets, sender)
        hit = self._deliveries.get(key)
        if hit is not None:
            return hit
        group = bool(dst_octets[0] & 1)
        targets = self.receivers(dst_octets.hex(":"), group, sender)
        hit = (targets, tuple([n.name for n, _ in targets]))
        if not (group and self._unindexed and dst_octets != b"\xff" * 6):
            if len(self._deliveries) >= 4096 + 4 * len(self.ends):  # bounded (a scan of MACs), yet a link
                self._forget(None)  # with thousands of ends keeps each end's both directions
            self._deliveries[key] = hit
            if group:
                self._kept_groups.append(key)
            else:
                self._kept_by_dst.setdefault(dst_octets, []).append(key)
        return hit

    def receivers(self, dst_mac: str, group: bool, sender: tuple[str, str] | None) -> list[tuple[Any, str]]:
        """``(node, ifname)`` of every attached interface that accepts a frame to ``dst_mac``,
        excluding the ``sender`` end. ``group`` is the I/G bit of the destination address."""
        out = []
        ends = self.ends
        if not group:
            for key in self._by_mac.get(dst_mac, ()):
                node, iface = ends[key]
                if iface.mac == dst_mac and key != sender:
                    out.append((node, key[1]))
        elif dst_mac == BROADCAST:
            for key, (node, _iface) in ends.items():
                if key != sender:
                    out.append((node, key[1]))
        else:
            members = self._by_group.get(dst_mac)
            keys = list(members) if members else []
            if self._unindexed:
                keys += [k for k in self._unindexed if ends[k][1].accepts(dst_mac)]
            if len(keys) > 1:
                seq = self._seq
                keys.sort(key=seq.__getitem__)
            for key in keys:
                if key != sender:
                    out.append((ends[key][0], key[1]))
        for key in self.sniffers:  # a card in promiscuous mode takes every frame (a tester sniffing)
            node = ends[key][0]
            if key != sender and (node, key[1]) not in out:
                out.append((node, key[1]))
        return out
