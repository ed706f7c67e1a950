"""The Binding Update List remembers its last (destination, home address) look-up while the table is unchanged
(a mobile node asks for the same pair before every packet): the memo answers what the table answers, through
adds, removals and expiry."""

from __future__ import annotations

from ipaddress import IPv6Address as A

from mip6lab.mobility.bul import BindingUpdateList, BindingUpdateListEntry
from mip6lab.wire.addr import intern

HOA = intern("2001:db8:1::100")
CN1 = intern("2001:db8:5::1")
CN2 = intern("2001:db8:6::1")


def _table_answer(bul: BindingUpdateList, dst: A, hoa: A) -> BindingUpdateListEntry | None:
    return dict(bul._entries).get((dst, hoa))


def test_memo_answers_what_the_table_answers() -> None:
    bul = BindingUpdateList()
    pairs = [(CN1, HOA), (CN2, HOA), (A(str(CN1)), A(str(HOA))), (CN1, intern("2001:db8:1::101"))]

    def check() -> None:
        for _ in range(2):  # the second round is answered by the memo
            for dst, hoa in pairs:
                assert bul.lookup(dst, hoa) is _table_answer(bul, dst, hoa)
                assert bul.lookup(dst, hoa) is bul.lookup(dst, hoa)

    check()
    assert bul.lookup(CN1, HOA) is None  # remembered just before each change
    one = bul.add(BindingUpdateListEntry(CN1, HOA))
    check()
    assert bul.lookup(CN1, HOA) is one
    assert bul.lookup(CN2, HOA) is None
    two = bul.get_or_add(CN2, HOA)
    check()
    assert bul.lookup(CN2, HOA) is two
    assert bul.lookup(CN1, HOA) is one
    bul.remove(CN1, HOA)
    check()
    assert bul.lookup(CN1, HOA) is None
    two.expiry = 5.0
    assert bul.lookup(CN2, HOA) is two
    assert bul.expire(10.0) == [two]
    assert bul.lookup(CN2, HOA) is None
    check()
    assert bul.lookup(CN2, HOA) is None and len(bul) == 0
    assert bul.lookup("2001:db8:5::1", "2001:db8:1::100") is None  # text forms: parsed, never remembered
    bul.add(BindingUpdateListEntry(CN1, HOA))
    assert bul.lookup("2001:db8:5::1", "2001:db8:1::100") is bul.lookup(CN1, HOA) is not None
