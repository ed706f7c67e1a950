from __future__ import annotations

import pytest
from widget_samples import ping_lab

from mip6lab.lab import Lab


@pytest.fixture
def lab() -> Lab:
    return ping_lab()
