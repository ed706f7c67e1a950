"""Users' mistakes get a LabError with one clear line naming the valid choices (never a WorldError)."""

from __future__ import annotations

import pytest

from mip6lab.lab import Lab, LabError


@pytest.mark.parametrize(
    ("call", "needle"),
    [
        (lambda lab: lab.inject("nowhere", b"\0" * 60), "unknown link 'nowhere' (links: home, "),
        (lambda lab: lab.inject("home", "not bytes"), "a frame must be bytes (an Ethernet frame), not str"),
        (lambda lab: lab.inject("home", b"\0" * 10), "a frame is at least 14 octets (the Ethernet header), not 10"),
        (lambda lab: lab.inject("home", b"\0" * 2000), "does not fit home's MTU (1500 octets after the header)"),
        (lambda lab: lab.add_tester("eve", "mars"), "unknown link 'mars'"),
        (lambda lab: lab.add_tester("mn", "home"), "there is already a node named 'mn'"),
        (lambda lab: lab.add_tester("eve", "home", ["not-an-address"]), "'not-an-address' is not an IPv6 address"),
        (lambda lab: lab.add_tester("eve", "home", mac="zz"), "'zz' is not a MAC address"),
    ],
)
def test_misuse_is_a_lab_error(call, needle: str) -> None:  # type: ignore[no-untyped-def]
    lab = Lab("ping")
    with pytest.raises(LabError) as exc:
        call(lab)
    assert needle in str(exc.value) and "\n" not in str(exc.value)
