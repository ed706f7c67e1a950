"""UDP sockets (RFC 768) over a node's :class:`~mip6lab.ipv6.upper.UpperLayerHost`, sans-IO.

UDP has no connection, so a node that moves without Mobile IPv6 does not "lose" anything at the
sender: datagrams simply stop arriving (they go to an address the node no longer has). With Mobile
IPv6 the socket keeps the home address and datagrams keep flowing after a short gap. The stream
application in :mod:`mip6lab.transport.apps` counts exactly that.

A datagram to a port with no socket is answered with ICMPv6 Destination Unreachable, code 4 (port
unreachable), as the white paper's receiving algorithm step 11 says.
"""

from __future__ import annotations

from collections.abc import Callable

from mip6lab.ipv6.upper import Delivery, UpperLayerHost
from mip6lab.wire.icmp import DEST_UNREACH, DU_PORT_UNREACHABLE
from mip6lab.wire.ip import Addr
from mip6lab.wire.transport import UDP
from mip6lab.wire.values import constructor

IPPROTO_UDP = 17
EPHEMERAL_PORTS = (49152, 65535)

_new_udp = constructor(UDP)  # UDP(sport, dport, data, checksum), built faster (every datagram sent)

DatagramHandler = Callable[[Addr, int, bytes], None]  # (source address, source port, data)


class UDPError(Exception):
    """Misuse of a UDP socket (port in use, socket closed, no source address)."""


class UDPSocket:
    """A bound UDP port. ``addr`` None means "any of the node's addresses"."""

    def __init__(self, layer: UDPLayer, port: int, addr: Addr | None, on_datagram: DatagramHandler | None):
        self.layer = layer
        self.port = port
        self.addr = addr
        self.on_datagram = on_datagram
        self.open = True
        self.datagrams_sent = 0
        self.datagrams_received = 0
        self.send_failures = 0  # datagrams the node could not send (no route, no source address)

    def __repr__(self) -> str:
        return f"<UDPSocket [{self.addr or '::'}]:{self.port}>"

    def sendto(self, data: bytes, dst: Addr, dport: int, src: Addr | None = None) -> bool:
        """Send one datagram; False if the node could not send it now (it is then simply lost)."""
        if not self.open:
            raise UDPError("socket is closed")
        host = self.layer.host
        own = None
        if src is None:
            if self.addr is not None:
                src = self.addr
            else:
                # an IPv6Node answers source selection and has_address in one question (every datagram)
                own = getattr(host, "own_source_for", None)
                src = host.source_address_for(dst) if own is None else own(dst)
        self.datagrams_sent += 1
        if src is None or (own is None and not host.has_address(src)):
            self.send_failures += 1
            host.trace.event(host.now, host.name, "udp", f"cannot send to [{dst}]:{dport}: no source address")
            return False
        ok = host.send_upper(_new_udp(self.port, dport, bytes(data), None), dst, src)
        if not ok:
            self.send_failures += 1
        return ok

    def close(self) -> None:
        self.open = False
        layer = self.layer
        if layer._sockets.get((self.addr, self.port)) is self:  # closing twice never closes a later socket
            layer._forget(self)


class UDPLayer:
    """UDP for one node: the port table and the demultiplexing of arriving datagrams."""

    def __init__(self, host: UpperLayerHost) -> None:
        self.host = host
        self._sockets: dict[tuple[Addr | None, int], UDPSocket] = {}
        self._bound_to_address = False  # any socket bound to one address (else a datagram needs one look-up)
        # kept as sockets come and go, not found by scanning them: a correspondent of the `scale` scenario
        # binds a port per mobile node, and scanning on every bind was quadratic in N
        self._address_bound = 0
        self._port_use: dict[int, int] = {}
        self.port_unreachable_sent = 0
        host.register_upper(IPPROTO_UDP, self._on_delivery)

    def bind(self, port: int, on_datagram: DatagramHandler | None = None, addr: Addr | None = None) -> UDPSocket:
        """Open a socket on ``port`` (0 picks an ephemeral port). ``on_datagram(src, sport, data)``."""
        if port == 0:
            port = self._ephemeral_port()
        if (addr, port) in self._sockets:
            raise UDPError(f"UDP port {port} already bound")
        sock = UDPSocket(self, port, addr, on_datagram)
        self._sockets[(addr, port)] = sock
        self._port_use[port] = self._port_use.get(port, 0) + 1
        if addr is not None:
            self._address_bound += 1
            self._bound_to_address = True
        return sock

    def _forget(self, sock: UDPSocket) -> None:
        del self._sockets[(sock.addr, sock.port)]
        left = self._port_use[sock.port] - 1
        if left:
            self._port_use[sock.port] = left
        else:
            del self._port_use[sock.port]
        if sock.addr is not None:
            self._address_bound -= 1
            self._bound_to_address = self._address_bound > 0

    @property
    def sockets(self) -> list[UDPSocket]:
        return list(self._sockets.values())

    def _ephemeral_port(self) -> int:
        lo, hi = EPHEMERAL_PORTS
        for _ in range(1000):
            port = self.host.rng.randint(lo, hi)
            if port not in self._port_use:
                return port
        raise UDPError("no free ephemeral port")

    def _on_delivery(self, d: Delivery) -> None:
        dgram = d.payload
        if not isinstance(dgram, UDP):
            return
        sock = self._sockets.get((d.dst, dgram.dport)) if self._bound_to_address else None
        if sock is None:
            sock = self._sockets.get((None, dgram.dport))
        if sock is None:
            host = self.host
            host.trace.event(
                host.now,
                host.name,
                "udp",
                f"no socket on port {dgram.dport}: ICMPv6 port unreachable",
                src=str(d.src),
                dport=dgram.dport,
            )
            icmp_error = getattr(host, "icmp_error", None)
            if icmp_error is not None:
                self.port_unreachable_sent += 1
                icmp_error(d.packet, DEST_UNREACH, DU_PORT_UNREACHABLE)
            return
        sock.datagrams_received += 1
        if sock.on_datagram is not None:
            sock.on_datagram(d.src, dgram.sport, dgram.data)
