"""Deliberately minimal reader-style components, written the way a workbook reader would write them
(plain dicts and lists, only what the seam's Protocol asks), and broken variants of them."""

from __future__ import annotations

from ipaddress import IPv6Network
from typing import Any

from mip6lab.mobility.binding_cache import BindingCacheEntry
from mip6lab.mobility.bul import BindingUpdateListEntry
from mip6lab.wire import icmp as I


class ReaderBindingCache:
    """A binding cache in a dict, home address -> BindingCacheEntry."""

    def __init__(self) -> None:
        self.table: dict[Any, BindingCacheEntry] = {}

    @property
    def full(self) -> bool:
        return False

    def lookup(self, home_address):
        return self.table.get(home_address)

    def lookup_valid(self, now, home_address):
        e = self.table.get(home_address)
        if e is None or now >= e.expiry:
            return None
        return e

    def entries(self):
        return list(self.table.values())

    def create(
        self,
        now,
        home_address,
        care_of_address,
        lifetime,
        *,
        sequence_number=0,
        home_registration=False,
        link_local_compat=False,
    ):
        e = BindingCacheEntry(
            home_address,
            care_of_address,
            lifetime,
            now + lifetime,
            home_registration,
            sequence_number,
            link_local_compat,
            created=now,
            updated=now,
        )
        self.table[home_address] = e
        return e

    def update(
        self,
        now,
        home_address,
        *,
        care_of_address=None,
        lifetime=None,
        sequence_number=None,
        home_registration=None,
        link_local_compat=None,
    ):
        e = self.table[home_address]
        if care_of_address is not None:
            e.care_of_address = care_of_address
        if lifetime is not None:
            e.lifetime, e.expiry = lifetime, now + lifetime
        if sequence_number is not None:
            e.sequence_number = sequence_number
        if home_registration is not None:
            e.home_registration = home_registration
        if link_local_compat is not None:
            e.link_local_compat = link_local_compat
        e.updated = now
        return e

    def create_or_update(
        self,
        now,
        home_address,
        care_of_address,
        lifetime,
        *,
        sequence_number=0,
        home_registration=False,
        link_local_compat=False,
    ):
        if home_address in self.table:
            return self.update(
                now,
                home_address,
                care_of_address=care_of_address,
                lifetime=lifetime,
                sequence_number=sequence_number,
                home_registration=home_registration,
                link_local_compat=link_local_compat,
            )
        return self.create(
            now,
            home_address,
            care_of_address,
            lifetime,
            sequence_number=sequence_number,
            home_registration=home_registration,
            link_local_compat=link_local_compat,
        )

    def delete(self, home_address):
        return self.table.pop(home_address, None)

    def expire(self, now):
        gone = [e for e in self.table.values() if now >= e.expiry]
        for e in gone:
            del self.table[e.home_address]
        return gone


class ReaderBUL:
    """A binding update list in a list of entries."""

    def __init__(self) -> None:
        self.items: list[BindingUpdateListEntry] = []

    def lookup(self, destination, home_address=None):
        for e in self.items:
            if e.destination == destination and (home_address is None or e.home_address == home_address):
                return e
        return None

    def lookup_home_registration(self, home_address=None):
        for e in self.items:
            if e.home_registration and (home_address is None or e.home_address == home_address):
                return e
        return None

    def get_or_add(self, destination, home_address, *, home_registration=False):
        e = self.lookup(destination, home_address)
        if e is None:
            e = BindingUpdateListEntry(destination, home_address, home_registration=home_registration)
            self.items.append(e)
        return e

    def remove(self, destination, home_address=None):
        e = self.lookup(destination, home_address)
        if e is not None:
            self.items.remove(e)
        return e

    def entries(self):
        return list(self.items)

    def correspondents(self):
        return [e for e in self.items if not e.home_registration]


class ReaderMovementDetector:
    """Movement detection from Router Advertisements only: the home prefix means home, a prefix
    other than the one in use means a new foreign link."""

    def __init__(self, node) -> None:
        self.node = node
        self.heard: dict[str, list[IPv6Network]] = {}

    def on_link_change(self, ifname, attached):
        self.heard[ifname] = []
        self.node.attachment_changed(ifname, attached)

    def on_ra(self, ifname, src, ra):
        prefixes = [
            IPv6Network(f"{o.prefix}/{o.prefix_len}", strict=False)
            for o in ra.options
            if isinstance(o, I.PrefixInformation)
        ]
        heard = self.heard.setdefault(ifname, [])
        heard += [p for p in prefixes if p not in heard]
        if not prefixes:
            return
        if self.node.home_prefix in prefixes:
            if self.node.location != "home":
                self.node.attached_home(ifname, src)
        elif self.node.location != "foreign" or self.node.current_foreign_prefix not in prefixes:
            self.node.attached_foreign(ifname, prefixes[0], src)

    def prefixes_on(self, ifname):
        return list(self.heard.get(ifname, []))


# --------------------------------------------------------------------------- broken ones
class BULWithoutRemove(ReaderBUL):
    """Forgot ``remove`` (a Protocol member)."""

    remove = None  # type: ignore[assignment]


class BULWithWrongLookup(ReaderBUL):
    """``lookup`` takes no home address."""

    def lookup(self, destination):  # type: ignore[override]
        return super().lookup(destination)


class CacheThatForgets(ReaderBindingCache):
    """Never stores anything: satisfies the Protocol, breaks the rules."""

    def create(self, now, home_address, care_of_address, lifetime, **kw):
        return BindingCacheEntry(home_address, care_of_address, lifetime, now + lifetime)

    def create_or_update(self, now, home_address, care_of_address, lifetime, **kw):
        return self.create(now, home_address, care_of_address, lifetime)


class CacheThatCrashes(ReaderBindingCache):
    """Raises on the first lookup of a real Binding Update."""

    def lookup_valid(self, now, home_address):
        raise ZeroDivisionError("reader's bug")
