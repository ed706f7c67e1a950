"""The home agent's IPsec databases: which mobile nodes it has security associations with (RFC 6275
§5.1, RFC 3776/4877 manual keying; :mod:`mip6lab.mobility.ipsec`).

With manual keying both ends compute the same keys from (home address, home agent address, SPI)
(:func:`~mip6lab.mobility.ipsec.manual_sa_pair`), so the home agent needs only to know *which home
addresses* it serves. Two ways, both used:

* **From the lab topology** (:func:`mip6lab.roles.mobile_node_home_addresses`): a mobile
  node forms its home address by SLAAC, i.e. home prefix + the modified EUI-64 of its interface MAC,
  and the Lab gives each interface a fixed MAC. So the home agent's configuration step installs SAs for
  every mobile-node on the home link before anything runs (Wireshark can be given the table at once).
* **When the home prefix changes** (Figure 32): the home agent's own renumbering installs the SAs of
  each served home address's twin on the new prefix, keyed with the same home agent address.
* **Lazily, for a home address seen** (:meth:`HomeAgentIPsec.ensure`): the first home-registration
  packet (ESP or not) for an address on a home prefix that has *no* SAs yet installs them, keyed with
  the home agent's own address for that home address (never the packet's destination).

Only configuration and renumbering (:meth:`HomeAgentIPsec.install`) may replace security state. A
packet that has not been verified never does: :meth:`HomeAgentIPsec.ensure` adds SAs only for a home
address without any, and refuses when the SPIs are taken.

In mode ``"off"`` nothing is installed and signalling travels in clear. Otherwise the SPD *requires*
ESP for the BU, BA, MPS, MPA, HoTI and HoT of every served home address: a Binding Update that
arrives in clear is discarded (traced).

SPIs come from :func:`~mip6lab.mobility.ipsec.default_spi_base`, which uses the whole home address:
a home address renumbered by a home prefix change gets new SPIs, so its SAs are added next to the old
address's (which stay until that binding ends). The Lab's configuration hands every mobile node and
the home agent the same plan (:func:`~mip6lab.mobility.ipsec.allocate_spi_bases`): where two home
addresses would share SPIs (more than 256 mobile nodes on a home link) the later one gets the next free
base, so every mobile node has its own pair. A renumbered twin keeps its address's step
(:func:`~mip6lab.mobility.ipsec.renumbered_spi_base`). If two served addresses still share SPIs (a
1/256 prefix-tag collision after renumbering), or a home address is re-keyed with another home agent
address, a trusted install removes the older SAs first
(:meth:`~mip6lab.mobility.ipsec.SecurityPolicyDatabase.remove_sa`).
"""

from __future__ import annotations

import random

from mip6lab.mobility.ipsec import (
    EspMode,
    SecurityAssociation,
    SecurityPolicyDatabase,
    default_spi_base,
    manual_sa_pair,
    renumbered_spi_base,
)
from mip6lab.wire.codec import encode_ipv6, encode_upper
from mip6lab.wire.ip import ESP, NH_IPV6, Addr, IPv6

__all__ = ["HomeAgentIPsec"]

_SA_COUNT = 4  # spi_base + 1 .. + 4 (ipsec.py's table)
_IID_MASK = (1 << 64) - 1


class HomeAgentIPsec:
    """The home agent's SAD/SPD (one :class:`~mip6lab.mobility.ipsec.SecurityPolicyDatabase`)."""

    def __init__(self, mode: EspMode, rng: random.Random, name: str = "HA") -> None:
        self.mode: EspMode = mode
        self._rng = rng
        self.db = SecurityPolicyDatabase(name=name, iv_rng=random.Random(rng.getrandbits(64)))
        self.served: dict[Addr, Addr] = {}  # home address -> home agent address its SAs are keyed with
        self.secret = b""  # keying material shared with the mobile nodes (a Lab sets it from its seed)
        self.spi_bases: dict[Addr, int] = {}  # the configuration's plan (allocate_spi_bases), shared with the MNs
        self._base: dict[Addr, int] = {}  # served home address -> the SPI base its SAs use
        self._owner: dict[int, Addr] = {}  # SPI base -> the served home address using it
        self._by_iid: dict[int, tuple[Addr, int]] = {}  # interface identifier -> (home address, base)

    @property
    def enabled(self) -> bool:
        return self.mode != EspMode.OFF

    def spi_base(self, home_address: Addr) -> int:
        """The configured base, else the step of a served address with the same interface identifier
        (a renumbered twin), else :func:`default_spi_base`. The mobile node computes the same."""
        base = self._base.get(home_address)
        if base is None:
            base = self.spi_bases.get(home_address)
        if base is None:
            known = self._by_iid.get(int(home_address) & _IID_MASK)
            if known is not None and known[0] != home_address:
                base = renumbered_spi_base(home_address, *known)
        return default_spi_base(home_address) if base is None else base

    def _spis(self, home_address: Addr) -> set[int]:
        base = self.spi_base(home_address)
        return {base + i for i in range(1, _SA_COUNT + 1)}

    def _install(self, home_address: Addr, ha_address: Addr) -> None:
        base = self.spi_base(home_address)
        manual_sa_pair(
            home_address, ha_address, self.mode, self._rng, spi_base=base, ha_sad=self.db, secret=self.secret
        )
        self.served[home_address] = ha_address
        self._base[home_address] = base
        self._owner[base] = home_address
        self._by_iid.setdefault(int(home_address) & _IID_MASK, (home_address, base))

    def install(self, home_address: Addr, ha_address: Addr) -> bool:
        """*Trusted* installation (configuration, our own renumbering): the four SAs and their
        policies for ``home_address`` keyed with ``ha_address``, replacing an older pair for the same
        home address or one that shares its SPIs. True if anything changed."""
        if not self.enabled or self.served.get(home_address) == ha_address:
            return False
        self._forget(self._spis(home_address))
        self._install(home_address, ha_address)
        return True

    def ensure(self, home_address: Addr, ha_address: Addr) -> bool:
        """Installation triggered by a packet *not yet verified*: only when ``home_address`` has no
        SAs and its SPIs are free. It never replaces or removes anything, so a forged packet cannot
        change the keys of a mobile node we already serve. True if new."""
        if not self.enabled or home_address in self.served:
            return False
        if any(self.db.sa_for_spi(s) is not None for s in self._spis(home_address)):
            return False  # SPIs taken by another home address: only a trusted install may replace it
        self._install(home_address, ha_address)
        return True

    def home_inbound_ok(self, home_address: Addr, dst: Addr, protocol: int, msg_type: int, via_spi: int | None) -> bool:
        """Did a BU or Mobile Prefix Solicitation from ``home_address`` arrive as the SPD requires?
        For a served home address the selector uses *our* address its SAs are keyed with, not the
        packet's destination: a cleartext BU sent to another of our addresses (say the Home-Agents
        anycast address) must not slip past a policy written for the unicast one."""
        return self.db.inbound_ok(home_address, self.served.get(home_address, dst), protocol, msg_type, via_spi)

    def _forget(self, spis: set[int]) -> None:
        """Drop SAs and policies using ``spis`` (an older home address with the same SPIs)."""
        if not any(self.db.sa_for_spi(s) is not None for s in spis):
            return
        for s in sorted(spis):
            self.db.remove_sa(s)
        owner = self._owner.pop(min(spis) - 1, None)
        if owner is not None:
            self.served.pop(owner, None)
            self._base.pop(owner, None)

    def sa_for_spi(self, spi: int) -> SecurityAssociation | None:
        return self.db.sa_for_spi(spi)

    def inbound_ok(
        self, src: Addr, dst: Addr, protocol: int, msg_type: int | None, via_spi: int | None, *, tunnel: bool = False
    ) -> bool:
        return self.db.inbound_ok(src, dst, protocol, msg_type, via_spi, tunnel=tunnel)

    def protect_transport(self, src: Addr, dst: Addr, payload: object, msg_type: int) -> object:
        """``payload`` (MH or ICMPv6 message) protected by ESP if the SPD says so (selector with the
        logical addresses: home agent -> home address), else unchanged. The upper-layer checksum is
        computed with the same logical addresses, which are its pseudo-header (§6.1.1)."""
        nh, octets = encode_upper(payload, src, dst)
        sa = self.db.outbound(src, dst, nh, msg_type)
        if sa is None:
            return payload
        return self.db.protect(sa, nh, octets)

    def protect_tunnel(self, inner: IPv6, protocol: int, msg_type: int | None) -> ESP | None:
        """Tunnel-mode ESP around ``inner`` if the SPD has a tunnel policy for it (a HoT to a home address)."""
        sa = self.db.outbound(inner.src, inner.dst, protocol, msg_type, tunnel=True)
        if sa is None:
            return None
        return self.db.protect(sa, NH_IPV6, encode_ipv6(inner))
