"""External stations as link ends, and the simulated nodes' MLDv2 reports (issue 14), without privileges."""

from __future__ import annotations

from ipaddress import IPv6Address

import pytest
from scapy.layers.inet6 import ICMPv6MLReport2
from scapy.layers.inet6 import IPv6 as SIPv6

from mip6lab import Lab
from mip6lab.ipv6 import mld
from mip6lab.net.pcapng import read_pcapng
from mip6lab.net.station import ExternalStation
from mip6lab.scenarios import SCENARIOS
from mip6lab.wire.codec import decode_frame, encode_frame, encode_ipv6
from mip6lab.wire.icmp import EchoRequest, UnknownICMPv6, mldv2_records
from mip6lab.wire.ip import Ethernet, IPv6

STATION_MAC = "02:00:00:00:ee:01"
STATION_LL = IPv6Address("fe80::ff:fe00:ee01")


def is_mld(frame: bytes) -> bool:
    p = decode_frame(frame).payload
    return isinstance(p, IPv6) and isinstance(p.payload, UnknownICMPv6) and p.payload.type == mld.MLDV2_REPORT


def station_frame(dst_mac: str, pkt: IPv6) -> bytes:
    return encode_frame(Ethernet(dst_mac, STATION_MAC, pkt))


def test_mld_report_is_what_scapy_reads() -> None:
    group = IPv6Address("ff02::1:ff00:301")
    octets = encode_ipv6(mld.report(STATION_LL, [(group, True), (IPv6Address("ff02::1:ff00:1"), False)]))
    s = SIPv6(octets)
    rep = s[ICMPv6MLReport2]
    assert s.hlim == 1 and s.dst == "ff02::16"
    assert rep.records_number == 2 and (rep.records[0].rtype, rep.records[0].dst) == (4, str(group))
    assert bytes(SIPv6(octets)) == octets  # scapy rebuilds the same bytes (its checksum agrees)
    body = octets[40 + 8 + 4 :]  # after the fixed header, the Hop-by-Hop header and type, code, checksum
    assert mldv2_records(body) == [(4, group), (3, IPv6Address("ff02::1:ff00:1"))]


def test_mld_off_by_default_and_captures_change_only_by_the_reports() -> None:
    plain = Lab("first-foreign-link", seed=0)
    plain.run()
    with_mld = Lab("first-foreign-link", seed=0, mld=True)
    with_mld.run()
    assert not any(is_mld(r.frame) for r in plain.capture)
    reports = [r for r in with_mld.capture if is_mld(r.frame)]
    assert reports
    others = [(r.time, r.link, r.sender, r.receivers, r.frame) for r in with_mld.capture if not is_mld(r.frame)]
    assert others == [(r.time, r.link, r.sender, r.receivers, r.frame) for r in plain.capture]
    again = Lab("first-foreign-link", seed=0, mld=True)
    again.run()
    assert [r.frame for r in again.capture] == [r.frame for r in with_mld.capture]  # deterministic
    assert not [row for row in with_mld.messages(signalling_only=True) if row.name == "MLDv2 Report"]


def test_a_node_reports_what_it_joins_before_probing_it() -> None:
    """The mobile node's first report on the foreign link comes before its DAD probe for the care-of
    address (RFC 4862 §5.4.2: join the solicited-node group before sending the NS)."""
    lab = Lab("first-foreign-link", seed=0, mld=True)
    lab.run(until=8)
    mine = [decode_frame(r.frame).payload for r in lab.capture if r.sender == "mn" and r.link == "foreign1"]
    first_dad = next(
        i for i, p in enumerate(mine) if p.src.is_unspecified and type(p.payload).__name__ == "NeighborSolicitation"
    )
    reported = [
        g for p in mine[:first_dad] if isinstance(p.payload, UnknownICMPv6) for _t, g in mldv2_records(p.payload.body)
    ]
    target = mine[first_dad].payload.target
    assert IPv6Address(int(IPv6Address("ff02::1:ff00:0")) | (int(target) & 0xFFFFFF)) in reported
    assert IPv6Address("ff02::1") not in reported  # all-nodes is never reported (RFC 3810 §6)


def test_external_station_receives_what_its_mac_would_and_learns_groups_from_its_reports() -> None:
    lab = Lab("ping", seed=0)
    lab.run(until=3)
    got: list[bytes] = []
    st = ExternalStation("linux", STATION_MAC, got.append)
    lab.world.attach_station(st, "cn-link")
    cn = lab.address_of("cn")
    # unicast to someone else and multicast to a group it has not reported: not delivered
    lab.world.call(
        "cn",
        lambda n: n.send_on_link(
            "eth0", IPv6Address("ff02::1:ff00:ee01"), "33:33:ff:00:ee:01", cn, EchoRequest(1, 1, b"")
        ),
    )
    lab.run(until=3.1)
    assert got == []
    # its MLDv2 report (sent at 3.2 s: stamped with that time) makes it a listener of the group
    report = mld.report(STATION_LL, [(IPv6Address("ff02::1:ff00:ee01"), True)])
    stamp = lab.world.station_send(st, station_frame("33:33:00:00:00:16", report), at=3.2)
    assert stamp == 3.2 and lab.now == 3.2
    rec = lab.capture[-1]
    assert rec.sender == "linux" and rec.time == 3.2 and rec.receivers == ()
    lab.world.call(
        "cn",
        lambda n: n.send_on_link(
            "eth0", IPv6Address("ff02::1:ff00:ee01"), "33:33:ff:00:ee:01", cn, EchoRequest(1, 2, b"")
        ),
    )
    assert "linux" in lab.capture[-1].receivers
    lab.run(until=3.3)
    assert len(got) == 1 and decode_frame(got[0]).payload.payload.seq == 2  # byte for byte what was sent
    assert got[0] == lab.capture[-1].frame
    # a frame it sends to a simulated node is delivered and named in the capture and in messages()
    ping = IPv6(IPv6Address("2001:db8:4::ff:fe00:ee01"), cn, EchoRequest(7, 1, b"hi"))
    lab.world.station_send(st, station_frame(lab.nodes["cn"].interfaces["eth0"].mac, ping))
    assert lab.capture[-1].receivers == ("cn",)
    lab.run(until=4)
    rows = [r for r in lab.messages() if r.sender == "linux" and r.name == "Echo Request"]
    assert rows and rows[0].origin == "linux" and rows[0].destination == "cn"
    # to reply, cn resolves the station's address: its NS goes to the group the station reported
    ns = [r for r in lab.capture if r.sender == "cn" and r.time > 3.3 and r.dst_mac == "33:33:ff:00:ee:01"]
    assert ns and ns[0].receivers == ("linux",)
    # leaving: CHANGE_TO_INCLUDE with no sources
    lab.world.station_send(
        st, station_frame("33:33:00:00:00:16", mld.report(STATION_LL, [(IPv6Address("ff02::1:ff00:ee01"), False)]))
    )
    assert st.groups == {}
    assert not st.interfaces["tap"].accepts("33:33:ff:00:ee:01")
    assert st.interfaces["tap"].accepts("33:33:00:00:00:01")  # all-nodes, always


def test_capture_time_origin_shifts_exports_only(tmp_path) -> None:
    lab = Lab("ping", seed=0)
    lab.run(until=2)
    lab.capture.time_origin = 1_700_000_000.0
    path = tmp_path / "x.pcapng"
    lab.save_pcap(path)
    pk = read_pcapng(path.read_bytes()).packets
    assert abs(pk[0].time() - (1_700_000_000.0 + lab.capture[0].time)) < 1e-6
    assert lab.capture[0].time < 3


@pytest.mark.slow
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_capture_changes_only_by_the_mld_reports(name: str) -> None:
    """Turning MLD on adds reports and nothing else, in every scenario (same frames, times, receivers)."""
    plain = Lab(name, seed=0)
    plain.run()
    with_mld = Lab(name, seed=0, mld=True)
    with_mld.run()
    others = [(r.time, r.link, r.sender, r.receivers, r.frame) for r in with_mld.capture if not is_mld(r.frame)]
    assert others == [(r.time, r.link, r.sender, r.receivers, r.frame) for r in plain.capture]
