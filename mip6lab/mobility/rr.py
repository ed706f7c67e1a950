"""Return routability crypto (RFC 6275 §5.2): Kcn, nonces, keygen tokens, Kbm, the authenticator.

Return routability lets a correspondent node believe a Binding Update without any prior security
association: the mobile node proves it can receive at its home address (the Home Test, routed via the
home agent) *and* at its care-of address (the Care-of Test, sent directly). Each test delivers one
keygen token; only a node holding both can compute Kbm and the Binding Update's authenticator::

    home keygen token    = First(64, HMAC_SHA1(Kcn, home address    | nonce | 0))
    care-of keygen token = First(64, HMAC_SHA1(Kcn, care-of address | nonce | 1))
    Kbm                  = SHA1(home keygen token | care-of keygen token)
    Kbm (de-registration)= SHA1(home keygen token)
    Authenticator        = First(96, HMAC_SHA1(Kbm, care-of address | correspondent | MH Data))

The "0"/"1" is one octet. "MH Data" is the Mobility Header with Checksum = 0 and the 12 authenticator
octets *removed* (not zeroed): the option's type and length octets stay in (§6.2.7).

The correspondent keeps no per-mobile-node state for the tests (§5.2.3): it recomputes the tokens
from Kcn, the addresses in the Binding Update and the nonces named by the Nonce Indices option. Its
only state is :class:`CorrespondentSecrets` -- Kcn and a short table of recent nonces.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import sys
from dataclasses import dataclass, replace
from ipaddress import IPv6Address
from typing import Any, TypeVar

from mip6lab.mobility.constants import MAX_NONCE_LIFETIME, MAX_TOKEN_LIFETIME
from mip6lab.wire.codec import encode_upper
from mip6lab.wire.ip import Addr
from mip6lab.wire.mh import (
    MOPT_BINDING_AUTH_DATA,
    MOPT_PAD1,
    BindingAcknowledgement,
    BindingAuthorizationData,
    BindingUpdate,
    CareofTest,
    CareofTestInit,
    HomeTest,
    HomeTestInit,
    MobilityHeader,
)

__all__ = [
    "AUTHENTICATOR_LENGTH",
    "COOKIE_LENGTH",
    "KCN_LENGTH",
    "KEYGEN_TOKEN_LENGTH",
    "NONCE_INDEX_MODULUS",
    "NONCE_LENGTH",
    "NONCE_REGENERATION_INTERVAL",
    "CorrespondentSecrets",
    "Nonce",
    "authenticator",
    "authenticator_input",
    "authenticator_offset",
    "binding_message_authenticator",
    "careof_keygen_token",
    "careof_test_for",
    "home_keygen_token",
    "home_test_for",
    "kbm",
    "new_cookie",
    "sign_binding_message",
    "token_fresh",
    "verify_binding_message",
]

KCN_LENGTH = 20  # §5.2.1: Kcn is a 20-octet secret known only to the correspondent
NONCE_LENGTH = 8  # the nonce length is the correspondent's own choice; 64 bits as in UMIP
NONCE_INDEX_MODULUS = 1 << 16  # §6.1.5: nonces are named by a 16-bit Nonce Index
KEYGEN_TOKEN_LENGTH = 8  # §5.2.5: First(64, ...)
COOKIE_LENGTH = 8  # §6.1.3: 64-bit Home/Care-of Init Cookie
AUTHENTICATOR_LENGTH = 12  # §6.2.7: First(96, ...)
# §5.2.7 lets the correspondent pick how often it makes a new nonce. Generating one every
# MAX_NONCE_LIFETIME - MAX_TOKEN_LIFETIME seconds (30 s, as UMIP does) means a token handed out at
# any moment stays acceptable for the whole MAX_TOKEN_LIFETIME the mobile node may use it.
NONCE_REGENERATION_INTERVAL = MAX_NONCE_LIFETIME - MAX_TOKEN_LIFETIME

_HOME = b"\x00"  # the single octet appended for the home keygen token
_CAREOF = b"\x01"  # ... and for the care-of keygen token

# Where the options start in a BU and a BA: 6 octets of MH header + 6 octets of message (§6.1.7/8).
_OPTIONS_START = 12


# --------------------------------------------------------------------------- correspondent secrets
@dataclass(frozen=True, slots=True)
class Nonce:
    """One correspondent nonce: its 16-bit index (the name sent in HoT/CoT) and when it was made."""

    index: int
    value: bytes
    generated_at: float

    def valid_at(self, now: float, lifetime: float = MAX_NONCE_LIFETIME) -> bool:
        """§5.2.7: never accepted more than ``lifetime`` seconds after it was first handed out.
        Measured from generation, which is never later than the first use, so this is safe."""
        return self.generated_at <= now <= self.generated_at + lifetime


class CorrespondentSecrets:
    """The correspondent node's only return-routability state (§5.2.1, §5.2.7).

    ``kcn`` is drawn once from the injected ``rng``. Nonces are made lazily: the first request at or
    after ``regeneration_interval`` seconds since the newest nonce makes a new one with the next
    index. Nonces older than ``nonce_lifetime`` are forgotten, so a Binding Update naming them gets
    status 136/137/138.
    """

    def __init__(
        self,
        rng: random.Random,
        *,
        regeneration_interval: float = NONCE_REGENERATION_INTERVAL,
        nonce_lifetime: float = MAX_NONCE_LIFETIME,
        first_index: int = 0,
    ) -> None:
        self._rng = rng
        self.kcn: bytes = rng.randbytes(KCN_LENGTH)
        self.regeneration_interval = regeneration_interval
        self.nonce_lifetime = nonce_lifetime
        self._next_index = first_index % NONCE_INDEX_MODULUS
        self._nonces: dict[int, Nonce] = {}  # insertion order = age order

    @property
    def nonces(self) -> tuple[Nonce, ...]:
        """The nonces still held, oldest first (for display)."""
        return tuple(self._nonces.values())

    def current_nonce(self, now: float) -> Nonce:
        """The nonce to hand out in a HoT/CoT at ``now``, making a new one when the newest is due."""
        self._forget_expired(now)
        newest = next(reversed(self._nonces.values()), None)
        if newest is not None and now < newest.generated_at + self.regeneration_interval:
            return newest
        nonce = Nonce(self._next_index, self._rng.randbytes(NONCE_LENGTH), now)
        self._next_index = (self._next_index + 1) % NONCE_INDEX_MODULUS
        self._nonces.pop(nonce.index, None)  # an index reused after 65536 generations
        self._nonces[nonce.index] = nonce
        return nonce

    def lookup(self, index: int, now: float) -> Nonce | None:
        """The nonce named ``index`` if it is still recognised at ``now`` (else None)."""
        nonce = self._nonces.get(index)
        if nonce is None or not nonce.valid_at(now, self.nonce_lifetime):
            return None
        return nonce

    def is_valid(self, index: int, now: float) -> bool:
        return self.lookup(index, now) is not None

    def _forget_expired(self, now: float) -> None:
        for index in [i for i, n in self._nonces.items() if not n.valid_at(now, self.nonce_lifetime)]:
            del self._nonces[index]


# --------------------------------------------------------------------------- tokens and keys
def _octets(address: Addr | str) -> bytes:
    """The 16 octets of ``address`` (an address as is: the codec's interned ones keep theirs; text parsed)."""
    return address.packed if isinstance(address, IPv6Address) else Addr(address).packed


def _keygen_token(kcn: bytes, address: Addr, nonce: bytes, which: bytes) -> bytes:
    mac = hmac.new(kcn, _octets(address) + nonce + which, hashlib.sha1).digest()
    return mac[:KEYGEN_TOKEN_LENGTH]


def home_keygen_token(kcn: bytes, home_address: Addr, nonce: bytes) -> bytes:
    """§5.2.5: First(64, HMAC_SHA1(Kcn, home address | nonce | 0))."""
    return _keygen_token(kcn, home_address, nonce, _HOME)


def careof_keygen_token(kcn: bytes, careof_address: Addr, nonce: bytes) -> bytes:
    """§5.2.5: First(64, HMAC_SHA1(Kcn, care-of address | nonce | 1))."""
    return _keygen_token(kcn, careof_address, nonce, _CAREOF)


def kbm(home_token: bytes, careof_token: bytes | None = None) -> bytes:
    """§5.2.5 binding management key: SHA1(home token | care-of token).

    ``careof_token=None`` is the de-registration case (§5.2.6): a mobile node back home has no
    care-of address to test, so Kbm = SHA1(home keygen token).
    """
    return hashlib.sha1(home_token + (careof_token or b"")).digest()


def token_fresh(received_at: float, now: float) -> bool:
    """§5.2.7: a mobile node may use a keygen token for MAX_TOKEN_LIFETIME seconds after receiving it."""
    return 0 <= now - received_at <= MAX_TOKEN_LIFETIME


def new_cookie(rng: random.Random) -> bytes:
    """A fresh 64-bit Home/Care-of Init Cookie (§5.2.3) from the node's injected generator."""
    return rng.randbytes(COOKIE_LENGTH)


# --------------------------------------------------------------------------- the tests (stateless CN side)
def _keys(keys: Any) -> Any:
    """The key functions to use: a reader's namespace (the ``*.rr_keys`` seams) or this module's."""
    return sys.modules[__name__] if keys is None else keys


def home_test_for(
    secrets: CorrespondentSecrets, now: float, home_address: Addr, hoti: HomeTestInit, *, keys: Any = None
) -> HomeTest:
    """The correspondent's answer to a HoTI (§5.2.3, §9.4.1): no state kept, the cookie echoed.

    ``home_address`` is the HoTI's source address (the mobile node's home address, since the HoTI
    comes through the home agent's tunnel).
    """
    nonce = secrets.current_nonce(now)
    return HomeTest(
        nonce_index=nonce.index,
        cookie=hoti.cookie,
        keygen_token=_keys(keys).home_keygen_token(secrets.kcn, home_address, nonce.value),
    )


def careof_test_for(
    secrets: CorrespondentSecrets, now: float, careof_address: Addr, coti: CareofTestInit, *, keys: Any = None
) -> CareofTest:
    """The correspondent's answer to a CoTI (§5.2.3, §9.4.2); ``careof_address`` is its source."""
    nonce = secrets.current_nonce(now)
    return CareofTest(
        nonce_index=nonce.index,
        cookie=coti.cookie,
        keygen_token=_keys(keys).careof_keygen_token(secrets.kcn, careof_address, nonce.value),
    )


# --------------------------------------------------------------------------- the authenticator
def authenticator_input(careof_address: Addr, correspondent_address: Addr, mh_data: bytes, auth_offset: int) -> bytes:
    """The exact octets the authenticator MACs (§6.2.7): CoA | CN | MH Data without the 12
    authenticator octets at ``auth_offset``. ``mh_data`` must already have Checksum = 0."""
    if not 0 <= auth_offset <= len(mh_data) - AUTHENTICATOR_LENGTH:
        raise ValueError(f"authenticator offset {auth_offset} outside a {len(mh_data)}-octet MH")
    return (
        _octets(careof_address)
        + _octets(correspondent_address)
        + mh_data[:auth_offset]
        + mh_data[auth_offset + AUTHENTICATOR_LENGTH :]
    )


def authenticator(
    kbm: bytes, careof_address: Addr, correspondent_address: Addr, mh_data: bytes, auth_offset: int
) -> bytes:
    """§5.2.6 / §6.2.7: First(96, HMAC_SHA1(Kbm, care-of address | correspondent | MH Data))."""
    data = authenticator_input(careof_address, correspondent_address, mh_data, auth_offset)
    return hmac.new(kbm, data, hashlib.sha1).digest()[:AUTHENTICATOR_LENGTH]


def authenticator_offset(mh_data: bytes) -> int:
    """Where the 12 authenticator octets sit in an encoded BU or BA: walk the options (Pad1 is one
    octet, every other option is type | length | data) to the Binding Authorization Data option."""
    i = _OPTIONS_START
    while i < len(mh_data):
        otype = mh_data[i]
        if otype == MOPT_PAD1:
            i += 1
            continue
        if i + 2 > len(mh_data):
            break
        if otype == MOPT_BINDING_AUTH_DATA:
            return i + 2
        i += 2 + mh_data[i + 1]
    raise ValueError("no Binding Authorization Data option in this Mobility Header")


_Msg = TypeVar("_Msg", BindingUpdate, BindingAcknowledgement)
_PLACEHOLDER = BindingAuthorizationData(bytes(AUTHENTICATOR_LENGTH))
_UNSPECIFIED = Addr("::")


def _with_bad_last(message: _Msg) -> _Msg:
    """The message with a Binding Authorization Data option as its last option (placeholder added
    if it has none; any existing one keeps its place, its content is excluded from the MAC)."""
    if any(isinstance(o, BindingAuthorizationData) for o in message.options):
        return message
    return replace(message, options=(*message.options, _PLACEHOLDER))


def _encode_zero_checksum(message: BindingUpdate | BindingAcknowledgement) -> bytes:
    """The MH octets with Checksum forced to 0 (§6.2.7): the codec is the one module that knows bytes.
    With an explicit checksum the pseudo-header addresses are not used, so any address will do."""
    _, data = encode_upper(MobilityHeader(message, checksum=0), _UNSPECIFIED, _UNSPECIFIED)
    return data


def binding_message_authenticator(
    message: BindingUpdate | BindingAcknowledgement,
    kbm: bytes,
    careof_address: Addr,
    correspondent_address: Addr,
    *,
    keys: Any = None,
) -> bytes:
    """The authenticator ``message`` should carry, computed over its encoding with Checksum = 0.

    If ``message`` has no Binding Authorization Data option, the value is computed as if one were
    appended last (which is where :func:`sign_binding_message` puts it).
    """
    data = _encode_zero_checksum(_with_bad_last(message))
    return _keys(keys).authenticator(kbm, careof_address, correspondent_address, data, authenticator_offset(data))


def sign_binding_message(
    message: _Msg, kbm: bytes, careof_address: Addr, correspondent_address: Addr, *, keys: Any = None
) -> _Msg:
    """``message`` (BU from a mobile node, or BA from a correspondent) with the real
    Binding Authorization Data: a placeholder is encoded, the option located, the MAC computed."""
    with_bad = _with_bad_last(message)
    auth = binding_message_authenticator(with_bad, kbm, careof_address, correspondent_address, keys=keys)
    options = tuple(
        BindingAuthorizationData(auth) if isinstance(o, BindingAuthorizationData) else o for o in with_bad.options
    )
    return replace(with_bad, options=options)


def verify_binding_message(
    message: BindingUpdate | BindingAcknowledgement,
    kbm: bytes,
    careof_address: Addr,
    correspondent_address: Addr,
    *,
    keys: Any = None,
) -> bool:
    """True iff ``message``'s Binding Authorization Data option holds the right authenticator.
    (Whether the option is present and last is the caller's check; see registration.py.)"""
    bad = next((o for o in message.options if isinstance(o, BindingAuthorizationData)), None)
    if bad is None or len(bad.authenticator) != AUTHENTICATOR_LENGTH:
        return False
    expected = binding_message_authenticator(message, kbm, careof_address, correspondent_address, keys=keys)
    return hmac.compare_digest(expected, bad.authenticator)
