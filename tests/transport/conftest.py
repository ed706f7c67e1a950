"""Fixtures for the transport tests (the fakes live in transport_fakes.py)."""

from __future__ import annotations

import pytest
from transport_fakes import A, B, FakeHost, FakeNet


@pytest.fixture
def net() -> FakeNet:
    return FakeNet()


@pytest.fixture
def pair(net: FakeNet) -> tuple[FakeNet, FakeHost, FakeHost]:
    return net, net.host("a", str(A)), net.host("b", str(B))
