"""RFC 4443 §2.4 rules: when an error may be sent, truncation, rate limiting."""

from __future__ import annotations

from ipaddress import IPv6Address as A

from mip6lab.ipv6.icmp import MAX_INVOKING, TokenBucket, error_allowed, make_error
from mip6lab.wire import icmp as I
from mip6lab.wire.codec import encode_ipv6
from mip6lab.wire.ip import IPv6
from mip6lab.wire.transport import UDP

S, D = A("2001:db8::1"), A("2001:db8::2")


def test_error_allowed_rules() -> None:
    udp = IPv6(S, D, UDP(1, 2))
    assert error_allowed(udp, I.DEST_UNREACH, 4) == (True, "")
    assert not error_allowed(IPv6(S, D, I.DestinationUnreachable(3, b"")), I.DEST_UNREACH, 4)[0]
    assert not error_allowed(IPv6(A("::"), D, UDP(1, 2)), I.DEST_UNREACH, 4)[0]
    mc = IPv6(S, A("ff02::1"), UDP(1, 2))
    assert not error_allowed(mc, I.DEST_UNREACH, 4)[0]
    assert error_allowed(mc, I.PACKET_TOO_BIG, 0)[0]
    assert error_allowed(mc, I.PARAM_PROBLEM, 2, option_type=0x80)[0]
    assert not error_allowed(mc, I.PARAM_PROBLEM, 2, option_type=0xC9)[0]
    assert not error_allowed(udp, I.DEST_UNREACH, 4, link_multicast=True)[0]
    # informational messages are fine to complain about
    assert error_allowed(IPv6(S, D, I.EchoRequest()), I.TIME_EXCEEDED, 0)[0]


def test_error_truncated_to_minimum_mtu() -> None:
    big = encode_ipv6(IPv6(S, D, UDP(1, 2, b"x" * 1400)))
    m = make_error(I.TIME_EXCEEDED, 0, big)
    assert len(m.invoking) == MAX_INVOKING == 1232
    assert len(encode_ipv6(IPv6(D, S, m))) == 1280


def test_token_bucket() -> None:
    tb = TokenBucket(capacity=2, rate=1.0)
    assert [tb.take(0.0) for _ in range(3)] == [True, True, False]
    assert tb.take(1.0) and not tb.take(1.0)
