"""Capture records and their pcapng / pcap export (read back by our reader and by tshark)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from mip6lab.net import World
from mip6lab.net.capture import DROP_COMMENT
from mip6lab.net.pcapng import LINKTYPE_ETHERNET, read_pcap, read_pcapng

TSHARK = "/usr/bin/tshark"


def _scripted_world(fakes, seed: int = 1, loss: float = 0.25) -> World:
    """Two links and a router between them; traffic both ways with loss; fully scripted."""
    w = World(seed=seed)
    w.strict = True
    w.add_link("home", delay=0.001, loss=loss)
    w.add_link("foreign net", delay=0.005, loss=loss)
    w.add_node(fakes.FakeNode("mn", {"eth0": fakes.MAC_A}, [fakes.GROUP]))
    w.add_node(fakes.FakeNode("r", {"e0": "02:00:00:00:01:00", "e1": "02:00:00:00:01:01"}))
    cn = w.add_node(fakes.FakeNode("cn", {"eth0": fakes.MAC_C}))
    cn.echo = True
    w.attach("mn", "eth0", "home")
    w.attach("r", "e0", "home")
    w.attach("r", "e1", "foreign net")
    w.attach("cn", "eth0", "foreign net")
    for i in range(40):
        w.at(0.1 * i, lambda n, i=i: n.send("e0", fakes.GROUP, b"ra %d" % i, trace_id=i), "r")
        w.at(0.1 * i + 0.05, lambda n, i=i: n.send("e1", fakes.MAC_C, b"ping %d" % i), "r")
    w.at(2.0, lambda: w.move("mn", "eth0", "foreign net"))
    w.run(until=5.0)
    return w


def test_records_carry_who_what_when(lan, fakes):
    w, a, b, c = lan
    w.run(until=0.25)
    w.call("a", lambda n: n.send("eth0", fakes.MAC_B, b"x", trace_id=17))
    w.links["lan"].drop_next()
    w.call("b", lambda n: n.send("eth0", fakes.GROUP, b"y"))
    r0, r1 = w.capture.records
    assert (r0.index, r0.time, r0.link, r0.sender, r0.receivers) == (0, 0.25, "lan", "a", ("b",))
    assert (r0.src_mac, r0.dst_mac, r0.trace_id, r0.dropped) == (fakes.MAC_A, fakes.MAC_B, 17, False)
    assert r0.frame == fakes.eth_frame(fakes.MAC_B, fakes.MAC_A, b"x")
    assert (r1.index, r1.dropped, r1.receivers, r1.dst_mac) == (1, True, (), fakes.GROUP)
    assert len(w.capture) == 2 and list(w.capture) == [r0, r1] and w.capture[1] is r1
    assert "DROPPED" in repr(r1)


def test_filter_by_link_node_and_predicate(fakes):
    w = _scripted_world(fakes, loss=0.0)
    home = w.capture.filter(link="home")
    assert home and all(r.link == "home" for r in home)
    mn = w.capture.filter(node="mn")
    assert mn and all("mn" in r.receivers or r.sender == "mn" for r in mn)
    # after the move (t=2) the mn hears the foreign link's multicast only if somebody sends there
    assert {r.link for r in mn} == {"home"}
    echoes = w.capture.filter(node="cn", predicate=lambda r: r.sender == "cn")
    assert len(echoes) == 40 and all(r.receivers == ("r",) for r in echoes)


def test_capture_can_be_switched_off(lan, fakes):
    w, a, b, c = lan
    w.capture.enabled = False
    w.call("a", lambda n: n.send("eth0", fakes.MAC_B))
    w.run_until_idle()
    assert len(w.capture) == 0 and len(b.rx) == 1


def test_decoded_is_lazy_cached_and_none_on_garbage(lan, fakes):
    codec = pytest.importorskip("mip6lab.wire.codec")
    if not hasattr(codec, "decode_frame"):
        pytest.skip("codec has no decode_frame yet")
    from scapy.layers.inet6 import ICMPv6EchoRequest, IPv6
    from scapy.layers.l2 import Ether

    w, a, b, c = lan
    ip = IPv6(src="fe80::a", dst="fe80::b") / ICMPv6EchoRequest()
    good = bytes(Ether(dst=fakes.MAC_B, src=fakes.MAC_A) / ip)
    bad = fakes.eth_frame(fakes.MAC_B, fakes.MAC_A, b"\x60\x00", ethertype=0x86DD)
    w.inject("lan", good)
    w.inject("lan", bad)
    r_good, r_bad = w.capture.records
    d = r_good.decoded
    assert d is not None and d.dst == fakes.MAC_B and d.src == fakes.MAC_A
    assert r_good.decoded is d  # cached
    assert r_bad.decoded is None


def test_pcapng_reads_back_with_one_interface_per_link(fakes, tmp_path):
    w = _scripted_world(fakes)
    path = w.capture.write_pcapng(tmp_path / "all.pcapng")
    f = read_pcapng(Path(path).read_bytes())
    assert [i.name for i in f.interfaces] == ["home", "foreign net"]
    assert all(i.linktype == LINKTYPE_ETHERNET and i.tsresol == 6 for i in f.interfaces)
    assert len(f.packets) == len(w.capture)
    for rec, pkt in zip(w.capture, f.packets):
        assert f.interfaces[pkt.interface_id].name == rec.link
        assert pkt.data == rec.frame and pkt.orig_len == len(rec.frame)
        assert pkt.timestamp == round(rec.time * 1e6)
        assert pkt.comments == ([DROP_COMMENT] if rec.dropped else [])
    assert any(r.dropped for r in w.capture) and not all(r.dropped for r in w.capture)


def test_pcap_per_link(fakes, tmp_path):
    w = _scripted_world(fakes)
    paths = w.capture.write_pcap_per_link(tmp_path / "pcaps")
    assert [os.path.basename(p) for p in paths] == ["home.pcap", "foreign_net.pcap"]
    for p, link in zip(paths, ["home", "foreign net"]):
        linktype, pkts = read_pcap(Path(p).read_bytes())
        recs = w.capture.filter(link=link)
        assert linktype == LINKTYPE_ETHERNET
        assert [d for _, d in pkts] == [r.frame for r in recs]
        assert [t for t, _ in pkts] == pytest.approx([r.time for r in recs])
    kept = w.capture.write_pcap_per_link(tmp_path / "kept", include_dropped=False)
    _, pkts = read_pcap(Path(kept[0]).read_bytes())
    assert len(pkts) == len(w.capture.filter(link="home", predicate=lambda r: not r.dropped))


def test_same_seed_same_capture_bytes_different_seed_differs(fakes):
    a = _scripted_world(fakes, seed=42).capture.to_bytes_pcapng()
    b = _scripted_world(fakes, seed=42).capture.to_bytes_pcapng()
    c = _scripted_world(fakes, seed=43).capture.to_bytes_pcapng()
    assert a == b
    assert a != c


@pytest.mark.tshark
@pytest.mark.skipif(not os.path.exists(TSHARK) or shutil.which("tshark") is None, reason="no tshark")
def test_tshark_reads_the_pcapng_with_link_names(fakes, tmp_path):
    w = _scripted_world(fakes)
    path = w.capture.write_pcapng(tmp_path / "all.pcapng")
    out = subprocess.run(
        [TSHARK, "-r", path, "-T", "fields", "-E", "separator=|"]
        + ["-e", "frame.interface_name", "-e", "frame.time_epoch", "-e", "eth.src", "-e", "frame.comment"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert len(out) == len(w.capture)
    for line, rec in zip(out, w.capture):
        ifname, t, src, comment = line.split("|")
        assert ifname == rec.link
        assert float(t) == pytest.approx(rec.time, abs=1e-6)
        assert src == rec.src_mac
        assert comment == (DROP_COMMENT if rec.dropped else "")


@pytest.mark.tshark
@pytest.mark.skipif(not os.path.exists(TSHARK), reason="no tshark")
def test_tshark_reads_a_per_link_pcap(fakes, tmp_path):
    w = _scripted_world(fakes)
    paths = w.capture.write_pcap_per_link(tmp_path)
    out = subprocess.run(
        [TSHARK, "-r", paths[1], "-T", "fields", "-e", "eth.dst"], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == [r.dst_mac for r in w.capture.filter(link="foreign net")]
