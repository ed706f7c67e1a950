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
        (lambda lab: lab.link("mars"), "unknown link 'mars' (links: home, "),
        (lambda lab: lab.add_tester("mn", "home"), "there is already a node named 'mn'"),
        (lambda lab: lab.add_tester("eve", "home", ["not-an-address"]), "'not-an-address' is not an IPv6 address"),
        (lambda lab: lab.add_tester("eve", "home", mac="zz"), "'zz' is not a MAC address"),
        (lambda lab: lab.ping("hn", "ha", count="3"), "count must be a whole number >= 1, not '3'"),
        (lambda lab: lab.ping("hn", "ha", count=0), "count must be a whole number >= 1, not 0"),
        (lambda lab: lab.ping("hn", "ha", interval=-1), "interval must be more than 0 seconds"),
        (lambda lab: lab.tcp_stream("hn", "ha", rate=0), "rate must be more than 0 per second"),
        (lambda lab: lab.tcp_stream("hn", "ha", chunk=-5), "chunk/size must be a whole number of octets"),
        (lambda lab: lab.tcp_stream("hn", "ha", port=70000), "port must be a whole number from 1 to 65535"),
        (lambda lab: lab.tcp_stream("hn", "ha", duration=-1), "duration must be more than 0 seconds"),
        (lambda lab: lab.udp_flood("hn", "ha", duration=0), "duration must be more than 0 seconds"),
        (lambda lab: lab.where("hn", "eth9"), "hn has no interface 'eth9' (has: eth0)"),
        (lambda lab: lab.save_pcap("/nonexistent/dir/x.pcapng"), "cannot write /nonexistent/dir/x.pcapng"),
        (lambda lab: lab.save_esp_keys("/nonexistent/dir/x"), "cannot write /nonexistent/dir/x"),
        (lambda lab: Lab("ping", seed=True), "seed must be an integer, not True"),
        (lambda lab: Lab("ping", topology="figure1"), "topology must be a mip6lab.topology.Topology"),
    ],
)
def test_misuse_is_a_lab_error(call, needle: str) -> None:  # type: ignore[no-untyped-def]
    lab = Lab("ping")
    lab.run(until=3.0)
    with pytest.raises(LabError) as exc:
        call(lab)
    assert needle in str(exc.value) and "\n" not in str(exc.value)


def test_dashboard_run_must_be_a_time() -> None:
    from mip6lab.widgets import dashboard

    with pytest.raises(LabError, match="until must be a finite number of seconds, not 'soon'"):
        dashboard("ping", run="soon")  # type: ignore[arg-type]
