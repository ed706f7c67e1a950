"""tshark as an independent decoder: every message/option kind, written as pcapng by mip6lab.

Checks field values (names from wire-notes.md §3), no "Malformed", and good ICMPv6/TCP/UDP
checksums (tshark validates them with the Mobile IPv6 pseudo-header rules; it does not validate the
MH checksum at all, which test_checksums.py covers).
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import pytest
from wire_samples import CN, COA, KINDS

from mip6lab.net.pcapng import PcapngWriter
from mip6lab.wire import icmp as I
from mip6lab.wire.codec import encode_frame, encode_ipv6
from mip6lab.wire.ip import Ethernet, IPv6
from mip6lab.wire.transport import UDP

pytestmark = [
    pytest.mark.tshark,
    pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark not installed"),
]

INVOKING = encode_ipv6(IPv6(COA, CN, UDP(40001, 40002, b"offending")))
PACKETS = dict(KINDS)
PACKETS["DU"] = dataclasses.replace(KINDS["DU"], payload=I.DestinationUnreachable(3, INVOKING))
PACKETS["PTB"] = dataclasses.replace(KINDS["PTB"], payload=I.PacketTooBig(1280, INVOKING))
PACKETS["TE"] = dataclasses.replace(KINDS["TE"], payload=I.TimeExceeded(0, INVOKING))
PACKETS["PP"] = dataclasses.replace(KINDS["PP"], payload=I.ParameterProblem(0, 6, INVOKING))
for k in ("raw", "ICMP-unknown", "MH-unknown", "HBH+frag+RH0"):
    PACKETS.pop(k)  # deliberately odd values; tshark rightly comments on them
ORDER = list(PACKETS)

FIELDS = [
    "mip6.mhtype",
    "mip6.bu.seqnr",
    "mip6.bu.a_flag",
    "mip6.bu.h_flag",
    "mip6.bu.lifetime",
    "mip6.ba.status",
    "mip6.ba.lifetime",
    "mip6.bra.interval",
    "mip6.acoa.acoa",
    "mip6.ni.hni",
    "mip6.ni.cni",
    "mip6.bad.auth",
    "mip6.hoti.cookie",
    "mip6.hot.nindex",
    "mip6.be.status",
    "mip6.be.haddr",
    "ipv6.opt.mipv6.home_address",
    "ipv6.routing.mipv6.home_address",
    "icmpv6.type",
    "icmpv6.mip6.identifier",
    "icmpv6.mip6.home_agent_address",
    "icmpv6.mip6.flag.m",
    "icmpv6.nd.ra.flag.h",
    "icmpv6.opt.prefix.flag.r",
    "icmpv6.opt.advertisement_interval",
    "icmpv6.opt.home_agent_preference",
    "icmpv6.checksum.status",
    "tcp.checksum.status",
    "udp.checksum.status",
    "_ws.malformed",
    "_ws.expert.severity",
]


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    w = PcapngWriter()
    ifc = w.add_interface("wire-test")
    for i, kind in enumerate(ORDER):
        frame = Ethernet("00:00:5e:00:53:01", "00:00:5e:00:53:02", PACKETS[kind])
        w.add_packet(ifc, i * 0.001, encode_frame(frame))
    # negative control: a Binding Update whose Header Len claims more octets than the packet holds
    bad = bytearray(encode_frame(Ethernet("00:00:5e:00:53:01", "00:00:5e:00:53:02", PACKETS["BU"])))
    bad[14 + 40 + 24 + 1] += 4
    w.add_packet(ifc, 1.0, bytes(bad))
    path: Path = tmp_path_factory.mktemp("tshark") / "all.pcapng"
    path.write_bytes(w.getvalue())
    cmd = ["tshark", "-r", str(path), "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE"]
    cmd += ["-T", "fields", "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=True).stdout
    lines = out.rstrip("\n").split("\n")
    assert len(lines) == len(ORDER) + 1
    return {kind: dict(zip(FIELDS, line.split("\t"))) for kind, line in zip([*ORDER, "control"], lines)}


def test_nothing_malformed_no_bad_checksum(rows: dict[str, dict[str, str]]) -> None:
    assert rows["control"]["_ws.malformed"] != ""  # the check can fail
    for kind, r in rows.items():
        if kind == "control":
            continue
        assert r["_ws.malformed"] == "", kind
        for f in ("icmpv6.checksum.status", "tcp.checksum.status", "udp.checksum.status"):
            # 1 = Good; inner packets of ICMP errors are quoted, so only the first value counts
            if r[f]:
                assert r[f].split(",")[0] == "1", (kind, f, r[f])


def test_mobility_fields(rows: dict[str, dict[str, str]]) -> None:
    bu = rows["BU"]
    assert (bu["mip6.mhtype"], bu["mip6.bu.seqnr"], bu["mip6.bu.lifetime"]) == ("5", "1", "150")
    assert (bu["mip6.bu.a_flag"], bu["mip6.bu.h_flag"]) in {("1", "1"), ("True", "True")}
    assert bu["ipv6.opt.mipv6.home_address"] == "2001:db8:1::100"
    assert bu["mip6.acoa.acoa"] == "2001:db8:2::100"
    cn = rows["BU-CN"]
    assert (cn["mip6.ni.hni"], cn["mip6.ni.cni"]) == ("7", "9")
    assert cn["mip6.bad.auth"].replace(":", "") == bytes(range(12)).hex()
    ba = rows["BA"]
    assert (ba["mip6.ba.status"], ba["mip6.ba.lifetime"], ba["mip6.bra.interval"]) == ("0", "150", "75")
    assert ba["ipv6.routing.mipv6.home_address"] == "2001:db8:1::100"
    assert int(rows["HoTI"]["mip6.hoti.cookie"], 16) == int.from_bytes(b"12345678", "big")  # tunnelled
    assert rows["HoT"]["mip6.hot.nindex"] == "3"
    assert (rows["BE"]["mip6.be.status"], rows["BE"]["mip6.be.haddr"]) == ("1", "2001:db8:1::100")
    for kind, t in [("BRR", "0"), ("CoTI", "2"), ("CoT", "4")]:
        assert rows[kind]["mip6.mhtype"] == t


def test_icmp_fields(rows: dict[str, dict[str, str]]) -> None:
    assert rows["HAAD-Req"]["icmpv6.type"] == "144" and rows["HAAD-Req"]["icmpv6.mip6.identifier"] == "7"
    rep = rows["HAAD-Rep"]
    assert rep["icmpv6.type"] == "145"
    assert rep["icmpv6.mip6.home_agent_address"] == "2001:db8:1::1,2001:db8:1::2"
    assert rows["MPS"]["icmpv6.type"] == "146"
    assert rows["MPA"]["icmpv6.type"] == "147" and rows["MPA"]["icmpv6.mip6.flag.m"] in ("1", "True")
    assert rows["MPA"]["icmpv6.opt.prefix.flag.r"] in ("1", "True")
    ra = rows["RA"]
    assert ra["icmpv6.nd.ra.flag.h"] in ("1", "True")
    assert ra["icmpv6.opt.advertisement_interval"] == "3000"
    pref = int(ra["icmpv6.opt.home_agent_preference"])
    assert pref in (-5, 65531)  # tshark 4.0 shows it unsigned
    for kind, t in [("DU", "1"), ("PTB", "2"), ("TE", "3"), ("PP", "4"), ("RS", "133"), ("NS", "135"), ("NA", "136")]:
        assert rows[kind]["icmpv6.type"].split(",")[0] == t
