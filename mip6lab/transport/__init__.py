"""mip6lab.transport: UDP sockets, a compact TCP, and small applications with counters.

Everything here talks to its node only through :class:`mip6lab.ipv6.upper.UpperLayerHost`.
"""

from mip6lab.transport.apps import (
    Exchange,
    RequestResponseClient,
    RequestResponseServer,
    StreamReceiver,
    StreamSender,
)
from mip6lab.transport.tcp import TRANSITIONS, TCPConnection, TCPError, TCPLayer, TCPListener, TCPState
from mip6lab.transport.udp import UDPError, UDPLayer, UDPSocket

__all__ = [
    "TRANSITIONS",
    "Exchange",
    "RequestResponseClient",
    "RequestResponseServer",
    "StreamReceiver",
    "StreamSender",
    "TCPConnection",
    "TCPError",
    "TCPLayer",
    "TCPListener",
    "TCPState",
    "UDPError",
    "UDPLayer",
    "UDPSocket",
]
