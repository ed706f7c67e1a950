"""Live mode: a real Linux IPv6 stack on a simulated link (``mip6lab live``, :class:`LiveLink`).

:mod:`mip6lab.live.netns` makes the network namespace and its TAP interface; :mod:`mip6lab.live.driver`
bridges the TAP to a simulated link (an :class:`~mip6lab.net.station.ExternalStation`) and paces the lab
to the wall clock while it is attached.
"""

from mip6lab.live.driver import KERNEL_MAC, LiveLink, live
from mip6lab.live.netns import LiveError, missing_privileges

__all__ = ["KERNEL_MAC", "LiveError", "LiveLink", "live", "missing_privileges"]
