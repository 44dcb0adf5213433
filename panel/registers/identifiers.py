"""Validation and normalisation of Polish and Czech company identifiers.

Every ``normalize_*`` function returns the canonical form or raises
:class:`InvalidIdentifier` whose ``code`` (``"nip_checksum"``, ``"ico_length"``, ...)
the web layer translates.  Validating locally matters: neither register checks
checksums, so a typo would cost a round trip and come back as "not found".
"""

from __future__ import annotations

import re

__all__ = [
    "InvalidIdentifier",
    "normalize_nip",
    "normalize_regon",
    "normalize_ico",
    "normalize_dic",
    "is_valid_nip",
    "is_valid_ico",
]

_NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)
_REGON9_WEIGHTS = (8, 9, 2, 3, 4, 5, 6, 7)
_REGON14_WEIGHTS = (2, 4, 8, 5, 0, 9, 7, 3, 6, 1, 2, 4, 8)
# People type separators in every style; they carry no meaning.
_SEPARATORS = re.compile(r"[\s\-]+")


class InvalidIdentifier(ValueError):
    """The input is not a valid identifier; ``code`` says why, for translation."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _digits(value: str, kind: str, prefix: str = "") -> str:
    """Strip separators and an optional country prefix; insist on digits only."""
    cleaned = _SEPARATORS.sub("", value or "").upper()
    if prefix and cleaned.startswith(prefix):
        cleaned = cleaned[len(prefix):]
    if not cleaned:
        raise InvalidIdentifier(f"{kind}_empty")
    # isdecimal() would accept non-ASCII digits such as Arabic-Indic ones.
    if not (cleaned.isascii() and cleaned.isdigit()):
        raise InvalidIdentifier(f"{kind}_format")
    return cleaned


def _weighted_mod11(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights)) % 11


def _ico_checksum_ok(digits: str) -> bool:
    remainder = sum(int(d) * (8 - i) for i, d in enumerate(digits[:7])) % 11
    return (11 - remainder) % 10 == int(digits[7])


def normalize_nip(value: str) -> str:
    """Polish NIP → 10 digits. Accepts a ``PL`` prefix, spaces and dashes."""
    nip = _digits(value, "nip", prefix="PL")
    if len(nip) != 10:
        raise InvalidIdentifier("nip_length")
    check = _weighted_mod11(nip, _NIP_WEIGHTS)
    # A remainder of 10 is never issued as a NIP, so it cannot match any digit.
    if check == 10 or check != int(nip[9]):
        raise InvalidIdentifier("nip_checksum")
    return nip


def normalize_regon(value: str) -> str:
    """Polish REGON → 9 digits (unit) or 14 digits (local unit)."""
    regon = _digits(value, "regon")
    if len(regon) not in (9, 14):
        raise InvalidIdentifier("regon_length")
    # A REGON-14 embeds its parent REGON-9, which must be valid on its own.
    if _weighted_mod11(regon[:8], _REGON9_WEIGHTS) % 10 != int(regon[8]):
        raise InvalidIdentifier("regon_checksum")
    if len(regon) == 14 and _weighted_mod11(regon[:13], _REGON14_WEIGHTS) % 10 != int(regon[13]):
        raise InvalidIdentifier("regon_checksum")
    return regon


def normalize_ico(value: str) -> str:
    """Czech IČO → 8 digits; shorter input is left-padded with zeros, as ARES does."""
    ico = _digits(value, "ico")
    if len(ico) > 8:
        raise InvalidIdentifier("ico_length")
    ico = ico.zfill(8)
    if not _ico_checksum_ok(ico):
        raise InvalidIdentifier("ico_checksum")
    return ico


def normalize_dic(value: str) -> str:
    """Czech DIČ → ``CZ`` + 8–10 digits (the prefix is part of a DIČ, so it is kept).

    The ``CZ`` prefix is optional on input.  Only the 8-digit form (a legal
    person's DIČ, which is ``CZ`` + IČO) has a checksum we can verify; 9 and
    10 digits are derived from personal numbers with rules we do not check.
    """
    digits = _digits(value, "dic", prefix="CZ")
    if not 8 <= len(digits) <= 10:
        raise InvalidIdentifier("dic_length")
    if len(digits) == 8 and not _ico_checksum_ok(digits):
        raise InvalidIdentifier("dic_checksum")
    return "CZ" + digits


def is_valid_nip(value: str) -> bool:
    try:
        normalize_nip(value)
    except InvalidIdentifier:
        return False
    return True


def is_valid_ico(value: str) -> bool:
    try:
        normalize_ico(value)
    except InvalidIdentifier:
        return False
    return True
