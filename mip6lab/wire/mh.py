"""The Mobility Header (RFC 6275 §6.1) and its messages and options.

Lifetimes travel in units of 4 seconds (``lifetime`` holds the wire value; ``lifetime_seconds`` is
the readable view). Flags keep the RFC's one-letter names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from mip6lab.wire.ip import NH_NONE, Addr

# MH Types (§6.1.2 - §6.1.9).
MH_BRR = 0
MH_HOTI = 1
MH_COTI = 2
MH_HOT = 3
MH_COT = 4
MH_BU = 5
MH_BA = 6
MH_BE = 7

# Mobility option types (§6.2).
MOPT_PAD1 = 0
MOPT_PADN = 1
MOPT_BINDING_REFRESH_ADVICE = 2
MOPT_ALTERNATE_COA = 3
MOPT_NONCE_INDICES = 4
MOPT_BINDING_AUTH_DATA = 5

LIFETIME_UNIT = 4  # seconds per unit of the BU/BA Lifetime and Binding Refresh Advice fields

# Binding Acknowledgement status (§6.1.8). Values below 128 mean "accepted".
BA_ACCEPTED = 0
BA_ACCEPTED_PREFIX_DISCOVERY = 1
BA_REASON_UNSPECIFIED = 128
BA_ADMIN_PROHIBITED = 129
BA_INSUFFICIENT_RESOURCES = 130
BA_HOME_REGISTRATION_NOT_SUPPORTED = 131
BA_NOT_HOME_SUBNET = 132
BA_NOT_HOME_AGENT = 133
BA_DAD_FAILED = 134
BA_SEQUENCE_OUT_OF_WINDOW = 135
BA_EXPIRED_HOME_NONCE = 136
BA_EXPIRED_COA_NONCE = 137
BA_EXPIRED_NONCES = 138
BA_REGISTRATION_TYPE_CHANGE = 139

BA_STATUS_NAMES: dict[int, str] = {
    0: "Binding Update accepted",
    1: "Accepted but prefix discovery necessary",
    128: "Reason unspecified",
    129: "Administratively prohibited",
    130: "Insufficient resources",
    131: "Home registration not supported",
    132: "Not home subnet",
    133: "Not home agent for this mobile node",
    134: "Duplicate Address Detection failed",
    135: "Sequence number out of window",
    136: "Expired home nonce index",
    137: "Expired care-of nonce index",
    138: "Expired nonces",
    139: "Registration type change disallowed",
}

# Binding Error status (§6.1.9).
BE_UNKNOWN_BINDING = 1  # Home Address destination option without a binding
BE_UNRECOGNIZED_MH_TYPE = 2

MH_NAMES: dict[int, str] = {
    MH_BRR: "Binding Refresh Request",
    MH_HOTI: "Home Test Init",
    MH_COTI: "Care-of Test Init",
    MH_HOT: "Home Test",
    MH_COT: "Care-of Test",
    MH_BU: "Binding Update",
    MH_BA: "Binding Acknowledgement",
    MH_BE: "Binding Error",
}
MH_SHORT: dict[int, str] = {
    MH_BRR: "BRR",
    MH_HOTI: "HoTI",
    MH_COTI: "CoTI",
    MH_HOT: "HoT",
    MH_COT: "CoT",
    MH_BU: "BU",
    MH_BA: "BA",
    MH_BE: "BE",
}


# --------------------------------------------------------------------------- options
@dataclass(frozen=True, slots=True)
class MobPad1:
    """Pad1 mobility option: a single zero octet."""


@dataclass(frozen=True, slots=True)
class MobPadN:
    data: bytes = b""


@dataclass(frozen=True, slots=True)
class BindingRefreshAdvice:
    """§6.2.4: how soon (4-second units) the mobile node should refresh; home agent BAs only."""

    interval: int

    @property
    def interval_seconds(self) -> int:
        return self.interval * LIFETIME_UNIT


@dataclass(frozen=True, slots=True)
class AlternateCareofAddress:
    """§6.2.5: the care-of address to register, covered by IPsec unlike the IPv6 source address."""

    address: Addr


@dataclass(frozen=True, slots=True)
class NonceIndices:
    """§6.2.6: which nonces the correspondent used for the home and care-of keygen tokens."""

    home_nonce_index: int
    careof_nonce_index: int


@dataclass(frozen=True, slots=True)
class BindingAuthorizationData:
    """§6.2.7: the 96-bit authenticator, First(96, HMAC_SHA1(Kbm, CoA | CN | MH Data)).
    It must be the last option, with no padding after it."""

    authenticator: bytes  # 12 octets


@dataclass(frozen=True, slots=True)
class UnknownMobilityOption:
    """An option a receiver must skip (§6.2.1) while processing the rest."""

    otype: int
    data: bytes


MobilityOption = Union[
    MobPad1,
    MobPadN,
    BindingRefreshAdvice,
    AlternateCareofAddress,
    NonceIndices,
    BindingAuthorizationData,
    UnknownMobilityOption,
]


# --------------------------------------------------------------------------- messages
@dataclass(frozen=True, slots=True)
class BindingRefreshRequest:
    """§6.1.2: "please send me a fresh Binding Update"."""

    reserved: int = 0
    options: tuple[MobilityOption, ...] = ()


@dataclass(frozen=True, slots=True)
class HomeTestInit:
    """§6.1.3: sent from the home address through the reverse tunnel."""

    cookie: bytes  # 8 octets: Home Init Cookie
    reserved: int = 0
    options: tuple[MobilityOption, ...] = ()


@dataclass(frozen=True, slots=True)
class CareofTestInit:
    """§6.1.4: sent directly from the care-of address."""

    cookie: bytes
    reserved: int = 0
    options: tuple[MobilityOption, ...] = ()


@dataclass(frozen=True, slots=True)
class HomeTest:
    """§6.1.5: the answer to HoTI, carrying the home keygen token."""

    nonce_index: int
    cookie: bytes
    keygen_token: bytes  # 8 octets
    options: tuple[MobilityOption, ...] = ()


@dataclass(frozen=True, slots=True)
class CareofTest:
    """§6.1.6: the answer to CoTI, carrying the care-of keygen token."""

    nonce_index: int
    cookie: bytes
    keygen_token: bytes
    options: tuple[MobilityOption, ...] = ()


@dataclass(frozen=True, slots=True)
class BindingUpdate:
    """§6.1.7. A: acknowledge, H: home registration, L: link-local compatibility, K: key management
    mobility capability. ``reserved`` holds the 12 bits after K (later RFCs' M, R, P, ... flags)."""

    seq: int
    lifetime: int  # 4-second units
    A: bool = True
    H: bool = False
    L: bool = False
    K: bool = False
    reserved: int = 0
    options: tuple[MobilityOption, ...] = ()

    @property
    def lifetime_seconds(self) -> int:
        return self.lifetime * LIFETIME_UNIT


@dataclass(frozen=True, slots=True)
class BindingAcknowledgement:
    """§6.1.8. Status < 128 means accepted; ``reserved`` holds the 7 bits after K."""

    status: int
    seq: int
    lifetime: int  # 4-second units
    K: bool = False
    reserved: int = 0
    options: tuple[MobilityOption, ...] = ()

    @property
    def lifetime_seconds(self) -> int:
        return self.lifetime * LIFETIME_UNIT

    @property
    def accepted(self) -> bool:
        return self.status < 128


@dataclass(frozen=True, slots=True)
class BindingError:
    """§6.1.9: status 1 (Home Address option without binding) or 2 (unrecognized MH Type)."""

    status: int
    home_address: Addr
    reserved: int = 0
    options: tuple[MobilityOption, ...] = ()


@dataclass(frozen=True, slots=True)
class UnknownMobilityMessage:
    """An MH Type the receiver does not know; RFC 6275 §9.2 answers it with Binding Error status 2."""

    mh_type: int
    data: bytes  # everything after the checksum


MobilityMessage = Union[
    BindingRefreshRequest,
    HomeTestInit,
    CareofTestInit,
    HomeTest,
    CareofTest,
    BindingUpdate,
    BindingAcknowledgement,
    BindingError,
    UnknownMobilityMessage,
]


@dataclass(frozen=True, slots=True)
class MobilityHeader:
    """The Mobility extension header (Next Header 135) around one message.

    ``payload_proto`` must be 59; ``header_len`` is derived on encode unless given (a decoded header
    keeps the value it carried so that receivers can apply §9.2's minimum-length check).
    """

    message: MobilityMessage
    payload_proto: int = NH_NONE
    reserved: int = 0
    checksum: int | None = None

    @property
    def mh_type(self) -> int:
        return mh_type_of(self.message)


_TYPE_OF: dict[type, int] = {
    BindingRefreshRequest: MH_BRR,
    HomeTestInit: MH_HOTI,
    CareofTestInit: MH_COTI,
    HomeTest: MH_HOT,
    CareofTest: MH_COT,
    BindingUpdate: MH_BU,
    BindingAcknowledgement: MH_BA,
    BindingError: MH_BE,
}


def mh_type_of(message: MobilityMessage) -> int:
    if isinstance(message, UnknownMobilityMessage):
        return message.mh_type
    return _TYPE_OF[type(message)]
