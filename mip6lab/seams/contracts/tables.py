"""Rules for the tables: binding cache, binding update list, home agents list."""

from __future__ import annotations

from typing import Any

from mip6lab.seams.contracts import Mismatch, expect, rule
from mip6lab.wire.ip import Addr

HOA = Addr("2001:db8:1::100")
HOA2 = Addr("2001:db8:1::200")
COA = Addr("2001:db8:2::100")
COA2 = Addr("2001:db8:3::100")
HA = Addr("2001:db8:1::1")
CN = Addr("2001:db8:4::10")
CN2 = Addr("2001:db8:4::20")
LL = [Addr(f"fe80::{i}") for i in range(1, 4)]
G = [Addr(f"2001:db8:1::{i}") for i in range(1, 4)]

BC = ("ha.binding_cache", "cn.binding_cache")


def _fields(e: Any, *names: str) -> dict[str, Any]:
    return {n: getattr(e, n, "<missing>") for n in names}


# --------------------------------------------------------------------------- binding cache
@rule(*BC, rfc="§9.1", hint="start with an empty table (a dict keyed by home address)")
def bc_empty(make: Any) -> None:
    """a new cache is empty"""
    c = make()
    expect("lookup(HoA) on a new cache", None, c.lookup(HOA))
    expect("entries() on a new cache", [], list(c.entries()))
    expect("full on a new cache without a limit", False, bool(c.full))


@rule(*BC, rfc="§9.1, §9.5.2", hint="store a BindingCacheEntry with every field given; expiry = now + lifetime")
def bc_create(make: Any) -> None:
    """create stores a binding with its fields"""
    c = make()
    e = c.create(10.0, HOA, COA, 60.0, sequence_number=7, home_registration=True)
    got = c.lookup(HOA)
    if got is None:
        raise Mismatch("create(10, HoA, CoA, 60, sequence_number=7, home_registration=True); lookup(HoA)", e, None)
    names = ("home_address", "care_of_address", "lifetime", "expiry", "sequence_number", "home_registration")
    expect(
        "create(10, HoA, CoA, 60, sequence_number=7, home_registration=True); lookup(HoA)",
        {
            "home_address": HOA,
            "care_of_address": COA,
            "lifetime": 60.0,
            "expiry": 70.0,
            "sequence_number": 7,
            "home_registration": True,
        },
        _fields(got, *names),
    )


@rule(*BC, rfc="§9.5.2", hint="one entry per home address: update it in place and restart the lifetime from now")
def bc_create_or_update(make: Any) -> None:
    """create_or_update refreshes an existing binding: new care-of address, sequence number, lifetime"""
    c = make()
    c.create_or_update(0.0, HOA, COA, 60.0, sequence_number=1)
    c.create_or_update(30.0, HOA, COA2, 60.0, sequence_number=2)
    inputs = "create_or_update(0, HoA, CoA, 60, seq 1); create_or_update(30, HoA, CoA2, 60, seq 2)"
    expect(inputs + "; len(entries())", 1, len(list(c.entries())))
    expect(
        inputs + "; lookup(HoA)",
        {"care_of_address": COA2, "sequence_number": 2, "expiry": 90.0},
        _fields(c.lookup(HOA), "care_of_address", "sequence_number", "expiry"),
    )


@rule(*BC, rfc="§9.5.2", hint="update only the fields passed (None means: leave it); a new lifetime restarts now")
def bc_update(make: Any) -> None:
    """update changes only the fields it is given"""
    c = make()
    c.create(0.0, HOA, COA, 60.0, sequence_number=5)
    c.update(10.0, HOA, sequence_number=6)
    expect(
        "create(0, HoA, CoA, 60, seq 5); update(10, HoA, sequence_number=6); lookup(HoA)",
        {"care_of_address": COA, "sequence_number": 6, "expiry": 60.0},
        _fields(c.lookup(HOA), "care_of_address", "sequence_number", "expiry"),
    )


@rule(*BC, rfc="§9.1 (Lifetime)", hint="lookup_valid: an entry whose expiry has passed counts as absent")
def bc_lookup_valid(make: Any) -> None:
    """lookup_valid treats an expired binding as absent (lookup still finds it until expire)"""
    c = make()
    e = c.create(0.0, HOA, COA, 10.0)
    expect("create(0, HoA, CoA, lifetime 10); lookup_valid(5, HoA) is the entry", True, c.lookup_valid(5.0, HOA) is e)
    expect("... lookup_valid(11, HoA)", None, c.lookup_valid(11.0, HOA))
    expect("... lookup(HoA) at any time before expire()", True, c.lookup(HOA) is e)


@rule(*BC, rfc="§9.1", hint="expire(now): remove and return the entries whose expiry <= now; keep the others")
def bc_expire(make: Any) -> None:
    """expire removes exactly the expired bindings and returns them"""
    c = make()
    c.create(0.0, HOA, COA, 10.0)
    c.create(0.0, HOA2, COA2, 100.0)
    gone = c.expire(50.0)
    inputs = "create HoA lifetime 10, HoA2 lifetime 100; expire(50)"
    expect(inputs + " returned", [HOA], [e.home_address for e in gone])
    expect(inputs + "; entries() left", [HOA2], [e.home_address for e in c.entries()])


@rule(*BC, rfc="§9.5.3", hint="delete returns the removed entry, or None when there was none")
def bc_delete(make: Any) -> None:
    """delete removes a binding and returns it; deleting an absent one returns None"""
    c = make()
    e = c.create(0.0, HOA, COA, 60.0)
    expect("create HoA; delete(HoA) is the entry", True, c.delete(HOA) is e)
    expect("... then lookup(HoA)", None, c.lookup(HOA))
    expect("... then delete(HoA) again", None, c.delete(HOA))


@rule(*BC, rfc="(determinism)", hint="keep insertion order (a dict does): the order can reach the wire")
def bc_order(make: Any) -> None:
    """entries lists every binding once, in the order they were created"""
    c = make()
    for hoa in (HOA2, HOA, COA):
        c.create(0.0, hoa, COA2, 60.0)
    expect("create HoA2, HoA, CoA; entries()", [HOA2, HOA, COA], [e.home_address for e in c.entries()])


# --------------------------------------------------------------------------- binding update list
@rule("mn.binding_update_list", rfc="§11.1", hint="start with an empty table")
def bul_empty(make: Any) -> None:
    """a new list is empty"""
    b = make()
    expect("lookup(CN) on a new list", None, b.lookup(CN))
    expect("lookup_home_registration() on a new list", None, b.lookup_home_registration())
    expect("entries() on a new list", [], list(b.entries()))


@rule(
    "mn.binding_update_list",
    rfc="§11.1",
    hint="get_or_add makes a library BindingUpdateListEntry(destination, home_address, home_registration=...) "
    "once and returns the same object afterwards",
)
def bul_get_or_add(make: Any) -> None:
    """get_or_add creates the entry once, then returns the same one"""
    from mip6lab.mobility.bul import BindingUpdateListEntry

    b = make()
    e = b.get_or_add(HA, HOA, home_registration=True)
    expect(
        "get_or_add(HA, HoA, home_registration=True) is a BindingUpdateListEntry",
        True,
        isinstance(e, BindingUpdateListEntry),
    )
    expect(
        "... its fields",
        {"destination": HA, "home_address": HOA, "home_registration": True},
        _fields(e, "destination", "home_address", "home_registration"),
    )
    expect("... get_or_add(HA, HoA) again is the same entry", True, b.get_or_add(HA, HOA) is e)
    expect("... len(entries())", 1, len(list(b.entries())))


@rule("mn.binding_update_list", rfc="§11.1", hint="the key is (destination, home address)")
def bul_lookup(make: Any) -> None:
    """lookup finds an entry by destination, and by (destination, home address)"""
    b = make()
    e1 = b.get_or_add(CN, HOA)
    e2 = b.get_or_add(CN, HOA2)
    expect("get_or_add(CN, HoA), (CN, HoA2); lookup(CN, HoA2) is the second", True, b.lookup(CN, HOA2) is e2)
    expect("... lookup(CN) is the first", True, b.lookup(CN) is e1)
    expect("... lookup(CN2)", None, b.lookup(CN2))
    expect("... lookup(CN, CoA)", None, b.lookup(CN, COA))


@rule("mn.binding_update_list", rfc="§11.1", hint="the home registration is the entry with home_registration=True")
def bul_home_registration(make: Any) -> None:
    """lookup_home_registration finds the home agent's entry, correspondents() the others"""
    b = make()
    cn = b.get_or_add(CN, HOA)
    ha = b.get_or_add(HA, HOA, home_registration=True)
    expect("entries for CN and (H) HA; lookup_home_registration() is HA's", True, b.lookup_home_registration() is ha)
    expect("... lookup_home_registration(HoA) is HA's", True, b.lookup_home_registration(HOA) is ha)
    expect("... lookup_home_registration(HoA2)", None, b.lookup_home_registration(HOA2))
    expect("... correspondents() is [CN's]", [True], [e is cn for e in b.correspondents()])


@rule("mn.binding_update_list", rfc="§11.1", hint="remove returns the removed entry, or None")
def bul_remove(make: Any) -> None:
    """remove deletes an entry and returns it; removing an absent one returns None"""
    b = make()
    e = b.get_or_add(CN, HOA)
    other = b.get_or_add(CN2, HOA)
    expect("get_or_add(CN, HoA), (CN2, HoA); remove(CN, HoA) is the entry", True, b.remove(CN, HOA) is e)
    expect("... lookup(CN)", None, b.lookup(CN))
    expect("... remove(CN) again", None, b.remove(CN))
    expect("... entries() left", [True], [x is other for x in b.entries()])


# --------------------------------------------------------------------------- home agents list
HAL = "ha.home_agents_list"


@rule(HAL, rfc="§10.5.1", hint="an RA with H=1 adds (link-local -> global addresses, preference, expiry now+lifetime)")
def hal_add(make: Any) -> None:
    """update_from_ra adds a home agent"""
    h = make()
    h.update_from_ra(5.0, LL[0], [G[0]], 1800, 10)
    e = h.lookup(LL[0])
    if e is None:
        raise Mismatch("update_from_ra(5, fe80::1, [G1], 1800, 10); lookup(fe80::1)", "an entry", None)
    expect(
        "update_from_ra(5, fe80::1, [G1], 1800, 10); lookup(fe80::1)",
        {"global_addresses": [G[0]], "preference": 10, "expiry": 1805.0},
        {"global_addresses": list(e.global_addresses), "preference": e.preference, "expiry": e.expiry},
    )


@rule(HAL, rfc="§10.5.1", hint="a Home Agent Lifetime of 0 removes the entry (and update_from_ra returns None)")
def hal_zero(make: Any) -> None:
    """lifetime 0 removes the home agent"""
    h = make()
    h.update_from_ra(0.0, LL[0], [G[0]], 1800, 0)
    expect("... then update_from_ra(1, fe80::1, [], 0) returns", None, h.update_from_ra(1.0, LL[0], [], 0, 0))
    expect("... lookup(fe80::1)", None, h.lookup(LL[0]))


@rule(HAL, rfc="§10.5.1 (DHAAD order)", hint="sort by preference, highest first")
def hal_ordered(make: Any) -> None:
    """ordered() puts the highest preference first; DHAAD replies follow that order"""
    h = make()
    for ll, g, pref in zip(LL, G, (0, 10, 5)):
        h.update_from_ra(0.0, ll, [g], 1800, pref)
    expect("preferences 0, 10, 5; ordered()", [LL[1], LL[2], LL[0]], [e.link_local_address for e in h.ordered()])
    expect("... addresses_for_reply()", [G[1], G[2], G[0]], list(h.addresses_for_reply()))


@rule(HAL, rfc="§10.5.1", hint="expire(now) removes and returns the entries whose lifetime ran out")
def hal_expire(make: Any) -> None:
    """expire drops home agents whose lifetime ran out"""
    h = make()
    h.update_from_ra(0.0, LL[0], [G[0]], 10, 0)
    h.update_from_ra(0.0, LL[1], [G[1]], 1800, 0)
    gone = h.expire(100.0)
    expect("lifetimes 10 and 1800; expire(100) returned", [LL[0]], [e.link_local_address for e in gone])
    expect("... lookup(fe80::1)", None, h.lookup(LL[0]))


@rule(HAL, rfc="§10.5.1", hint="a new RA refreshes lifetime and preference and keeps the addresses already known")
def hal_refresh(make: Any) -> None:
    """a later RA refreshes the entry and adds new addresses after the known ones"""
    h = make()
    h.update_from_ra(0.0, LL[0], [G[0]], 100, 1)
    h.update_from_ra(50.0, LL[0], [G[1]], 100, 2)
    e = h.lookup(LL[0])
    expect(
        "RA (G1, pref 1, 100 s) at 0, RA (G2, pref 2, 100 s) at 50; lookup(fe80::1)",
        {"global_addresses": [G[0], G[1]], "preference": 2, "expiry": 150.0},
        {"global_addresses": list(e.global_addresses), "preference": e.preference, "expiry": e.expiry},
    )
