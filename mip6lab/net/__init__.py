"""mip6lab.net: the simulated network that drives sans-IO nodes (links, capture, World)."""

from mip6lab.net.capture import Capture, CaptureRecord
from mip6lab.net.link import BROADCAST, Link, LinkError
from mip6lab.net.world import NodeError, World, WorldError

__all__ = [
    "BROADCAST",
    "Capture",
    "CaptureRecord",
    "Link",
    "LinkError",
    "NodeError",
    "World",
    "WorldError",
]
