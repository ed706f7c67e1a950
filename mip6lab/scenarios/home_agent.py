"""Scenarios of the mobile node / home agent half of Mobile IPv6 (white paper Figures 14-17, 24-28, 31-34)."""

from __future__ import annotations
