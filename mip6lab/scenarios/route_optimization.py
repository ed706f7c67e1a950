"""Scenarios of correspondent registration and route optimization (white paper Figures 13, 18-23, 29-30)."""

from __future__ import annotations
