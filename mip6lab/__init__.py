"""mip6lab: Mobile IPv6 (RFC 6275) on a deterministic, simulated IPv6 network, for teaching."""

__version__ = "0.1.0"
