"""RFC 6275 protocol constants (§12) and configuration-variable defaults (§13).

Every number the mobility code uses lives here, once, with the section that defines it. Times are
seconds of simulated time. The names are the RFC's own, so a reader can grep the RFC for them.
"""

from __future__ import annotations

# --------------------------------------------------------------------------- §12 protocol constants
DHAAD_RETRIES = 4  # §12: DHAAD Request retransmissions (§11.4.1)
INITIAL_BINDACK_TIMEOUT = 1.0  # §12: first BU retransmission timeout (binding exists) and RR tests (§11.8)
INITIAL_DHAAD_TIMEOUT = 3.0  # §12: first DHAAD retransmission, doubled each time (§11.4.1)
INITIAL_SOLICIT_TIMER = 3.0  # §12: Mobile Prefix Solicitation retransmission (§11.4.2)
MAX_BINDACK_TIMEOUT = 32.0  # §12: cap of the exponential back-off (§11.8)
MAX_NONCE_LIFETIME = 240.0  # §12: a CN must not accept a nonce older than this (§5.2.7)
MAX_TOKEN_LIFETIME = 210.0  # §12: a MN must not use a keygen token older than this (§5.2.7)
MAX_RR_BINDING_LIFETIME = 420.0  # §12: ceiling for bindings authorised by return routability (§5.2.6)
MAX_UPDATE_RATE = 3  # §12: at most this many MH messages of one type to one peer per second (§11.8)
PREFIX_ADV_RETRIES = 3  # §12: unsolicited Mobile Prefix Advertisement retransmissions (§10.6.2)
PREFIX_ADV_TIMEOUT = 3.0  # §12: first MPA retransmission, doubled thereafter (§10.6.2)

# --------------------------------------------------------------------------- §13 configuration variables
# §13: "Home agents MUST allow the first three variables to be configured by system management, and
# mobile nodes MUST allow the last variable to be configured by system management." These are the
# defaults; node roles take the configured value as a constructor argument.
MaxMobPfxAdvInterval = 86_400.0  # §13: longest gap between unsolicited MPAs
MinMobPfxAdvInterval = 600.0  # §13: shortest gap between unsolicited MPAs
MinDelayBetweenRAs = 3.0  # §13: overrides RFC 4861 MIN_DELAY_BETWEEN_RAS ...
MinDelayBetweenRAs_MIN = 0.03  # §13: ... and may be configured as low as 30 ms
# §13: 1.5 x RetransTimer (1 s) x DupAddrDetectTransmits (1): the home agent runs DAD for the home
# address before it answers the first home registration, so the first BU needs a longer timeout.
InitialBindackTimeoutFirstReg = 1.5

# ------------------------------------------------------------------- §7.5 faster Router Advertisements
# §7.5 lets routers serving mobile nodes advertise far more often than RFC 4861 allows, so movement is
# detected quickly (radvd: MIN_MinRtrAdvInterval_MIPv6 = 3/100, MIN_MaxRtrAdvInterval_MIPv6 = 7/100).
MIPV6_MIN_MinRtrAdvInterval = 0.03
MIPV6_MIN_MaxRtrAdvInterval = 0.07

# --------------------------------------------------------------------------- wire limits that shape state
MAX_LIFETIME_UNITS = 0xFFFF  # §6.1.7: the BU/BA Lifetime field is 16 bits of 4-second units
MIN_IPV6_MTU = 1280  # RFC 8200 §5: the DHAAD Reply must fit it (§10.5.1 / §11.4.1)
SEQ_MODULUS = 1 << 16  # §9.5.1: sequence numbers are compared modulo 2**16
SEQ_HALF = 1 << 15  # ... "the preceding 32768 values, inclusive" are "not greater"

# --------------------------------------------------------------------------- bounds on outsider-fed tables
# Implementation choices (RFC 6275 leaves them open): every table a packet from an unverified sender can
# grow has a bound, so that a flood costs the node a fixed amount of memory.
HOME_AGENTS_LIST_LIMIT = 128  # home agents on one home link (H-bit RAs, §10.5.1); above a full DHAAD reply (77)
HOME_AGENT_ADDRESSES_LIMIT = 16  # global addresses remembered per home agent
RR_RETRY_INTERVAL = 300.0  # seconds before route optimization is tried again with a peer that refused it
CN_BINDING_CACHE_LIMIT = 1024  # a correspondent's bindings (§9.5.2 lets a full cache refuse with BA 130)
LOG_LIMIT = 256  # entries kept in each decision / reply log the widgets read (the newest)
MAX_CONCURRENT_RR = 16  # correspondent registrations the algorithms may start at once (tunnelled sources)
RR_MAX_RETRIES = 5  # HoTI/CoTI retransmissions (t+1 ... t+31 s) before giving up until RR_RETRY_INTERVAL
