"""The user-facing error every layer above the protocol core raises (one readable line)."""

from __future__ import annotations

__all__ = ["LabError"]


class LabError(ValueError):
    """A mistake in how the lab was asked to do something; the message is one readable line."""
