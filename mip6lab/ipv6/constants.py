"""Neighbor Discovery (RFC 4861 §10) and SLAAC (RFC 4862) constants, in seconds unless noted.

Every other module takes its numbers from here (ARCHITECTURE.md: "never repeat a number elsewhere").
RFC 6275 §7.5 lets Mobile IPv6 routers advertise far more often than RFC 4861 allows, so that a
mobile node notices movement quickly; those lower limits are here too.
"""

from __future__ import annotations

# Host constants (RFC 4861 §10).
MAX_RTR_SOLICITATION_DELAY = 1.0
RTR_SOLICITATION_INTERVAL = 4.0
MAX_RTR_SOLICITATIONS = 3

# Node constants (RFC 4861 §10).
MAX_MULTICAST_SOLICIT = 3
MAX_UNICAST_SOLICIT = 3
MAX_ANYCAST_DELAY_TIME = 1.0
MAX_NEIGHBOR_ADVERTISEMENT = 3
REACHABLE_TIME = 30.0  # BaseReachableTime default
RETRANS_TIMER = 1.0
DELAY_FIRST_PROBE_TIME = 5.0
MIN_RANDOM_FACTOR = 0.5
MAX_RANDOM_FACTOR = 1.5

# Router constants (RFC 4861 §10).
MAX_INITIAL_RTR_ADVERT_INTERVAL = 16.0
MAX_INITIAL_RTR_ADVERTISEMENTS = 3
MAX_FINAL_RTR_ADVERTISEMENTS = 3
MIN_DELAY_BETWEEN_RAS = 3.0
MAX_RA_DELAY_TIME = 0.5

# Router configuration variable defaults (RFC 4861 §6.2.1).
MAX_RTR_ADV_INTERVAL = 600.0
MIN_RTR_ADV_INTERVAL_FACTOR = 0.33  # MinRtrAdvInterval default = 0.33 * MaxRtrAdvInterval
MAX_ROUTER_LIFETIME = 9000  # AdvDefaultLifetime upper bound
CUR_HOP_LIMIT = 64  # AdvCurHopLimit / the host's default hop limit (IANA)
ND_HOP_LIMIT = 255  # every ND message is sent with it and checked on receipt (§6.1, §7.1)
RA_PREFIX_VALID_LIFETIME = 2592000  # AdvValidLifetime default (30 days)
RA_PREFIX_PREFERRED_LIFETIME = 604800  # AdvPreferredLifetime default (7 days)

# Mobile IPv6 lower limits (RFC 6275 §7.5, §13).
MIN_MIN_RTR_ADV_INTERVAL_MIPV6 = 0.03
MIN_MAX_RTR_ADV_INTERVAL_MIPV6 = 0.07
MIN_DELAY_BETWEEN_RAS_MIPV6 = 0.03  # MinDelayBetweenRAs may be configured down to this

# SLAAC (RFC 4862).
DUP_ADDR_DETECT_TRANSMITS = 1
TWO_HOURS = 7200.0  # §5.5.3 (e): the "two-hour rule" protecting valid lifetimes
SLAAC_PREFIX_LEN = 64  # EUI-64 interface identifiers need a /64 (RFC 4291 §2.5.1)

# IPv6 (RFC 8200) and ICMPv6 (RFC 4443).
IPV6_MIN_MTU = 1280
ETHERNET_MTU = 1500
ICMP_ERROR_BUCKET_SIZE = 10  # token bucket for error messages (§2.4 (f))
ICMP_ERROR_RATE = 10.0  # tokens per second

# Neighbor cache: packets held per INCOMPLETE entry (RFC 4861 §7.2.2 asks for at least one).
NEIGHBOR_QUEUE_LIMIT = 3

# Bounds on what an outsider can make a node remember (RFC 6583 §6-7: a scan of a /64 makes a router
# start address resolution for every address; RFC 4861 §5.3/§7.3.5 leave garbage collection to the node).
NEIGHBOR_INCOMPLETE_LIMIT = 256  # INCOMPLETE entries per interface; beyond it resolution fails at once
NEIGHBOR_CACHE_LIMIT = 1024  # entries per interface; a new one replaces the oldest STALE entry
DEST_CACHE_LIMIT = 1024  # destination cache entries; a new destination replaces the oldest
