"""Card code canonicalisation for keyboard-wedge RFID/NFC/barcode readers.

A member's card code is stored twice:

* as typed, trimmed (``clean(raw)``) - for display, audit and re-keying;
* as a canonical lookup key (``lookup_key(raw, fmt)``) - what the unique
  index ``(tenant_id, card_key)`` and every lookup compare.

Readers disagree on how they print the same UID (10-digit decimal vs hex,
little- vs big-endian, case, separators; see
/work/shared/reference/card-readers.md), so the key folds those variants
together. One card then works from any of the tenant's readers.

Keys depend on the tenant's reader format: when a tenant changes the
format, recompute every key from the stored ``clean()`` form.

Pure module: no Flask, no database.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal, TypedDict

__all__ = [
    "DEFAULT_FORMAT",
    "FORMAT_AUTO",
    "FORMAT_DEC10_BE",
    "FORMAT_DEC10_LE",
    "FORMAT_EXACT",
    "FORMAT_HEX_FWD",
    "FORMAT_HEX_REV",
    "MAX_CODE_LENGTH",
    "MAX_KEY_LENGTH",
    "READER_FORMATS",
    "CardCodeInfo",
    "InvalidCardCode",
    "clean",
    "describe",
    "format_or_default",
    "is_valid_format",
    "lookup_key",
]

# Reader formats (a tenant setting).
FORMAT_AUTO = "auto"  # byte order unknown: order-independent key
FORMAT_DEC10_LE = "dec10_le"  # readers type 10-digit little-endian decimals
FORMAT_DEC10_BE = "dec10_be"  # readers type 10-digit big-endian decimals
FORMAT_HEX_FWD = "hex_fwd"  # readers type hex in read order
FORMAT_HEX_REV = "hex_rev"  # readers type hex with the bytes reversed
FORMAT_EXACT = "exact"  # no conversion at all (e.g. numeric barcodes)

READER_FORMATS: tuple[str, ...] = (
    FORMAT_AUTO,
    FORMAT_DEC10_LE,
    FORMAT_DEC10_BE,
    FORMAT_HEX_FWD,
    FORMAT_HEX_REV,
    FORMAT_EXACT,
)
DEFAULT_FORMAT = FORMAT_AUTO

MAX_CODE_LENGTH = 64
# Key = one-letter prefix + at most the whole code; size the DB column for this.
MAX_KEY_LENGTH = MAX_CODE_LENGTH + 1

# Prefixes keep the two key spaces apart: a barcode that happens to read
# "U1C78F2BF" becomes "XU1C78F2BF" and can never equal a UID key.
_UID_PREFIX = "U"
_EXACT_PREFIX = "X"

# 4-byte UIDs (MIFARE Classic, EM4100 low 32 bits) and 7-byte UIDs
# (Ultralight, DESFire, NTAG). A 7-byte UID as decimal exceeds 10 digits,
# so only 4-byte UIDs arrive as 10-digit decimals.
_UID_LENGTHS = (4, 7)
_UID_HEX_LENGTHS = tuple(2 * n for n in _UID_LENGTHS)
_DEC10_RE = re.compile(r"[0-9]{10}")
_HEX_RE = re.compile(r"(?:[0-9A-Fa-f]{2})+")
_HEX_SEPARATORS = (":", "-", " ")
_WHITESPACE_RUN_RE = re.compile(r"\s+")

# How each fixed format turns what its readers type into the UID bytes in
# read (physical) order: (byte order of 10-digit decimals, is hex reversed).
# Hex readers' decimals are taken as little-endian, the common wedge default;
# decimal readers' hex is taken in read order, as phones' NFC apps show it.
# For FORMAT_AUTO the orientation is irrelevant: the key takes min() of both.
_Endian = Literal["little", "big"]
_RULES: dict[str, tuple[_Endian, bool]] = {
    FORMAT_AUTO: ("little", False),
    FORMAT_DEC10_LE: ("little", False),
    FORMAT_DEC10_BE: ("big", False),
    FORMAT_HEX_FWD: ("little", False),
    FORMAT_HEX_REV: ("little", True),
}

# Why FORMAT_AUTO treats an 8- or 14-digit number as a hex UID although it
# may be a barcode (EAN-8, ITF-14/GTIN-14) or a printed number: a hex UID can
# consist of digits only (about 2.3% of random 4-byte UIDs do), and phones and
# hex readers type it exactly like that. Reading such strings as exact text
# would make those cards fail cross-reader matching at random. The price is
# that a numeric barcode gets a UID key: it still matches itself, but it can
# also collide with its byte-reversal ("12345678" == "78563412") or with a
# decimal card of the same value ("0305419896" is 0x12345678). The same holds
# for 10-digit numbers below 2**32. In a panel that moves money a false match
# is unacceptable, so tenants whose cards carry such barcodes choose
# FORMAT_EXACT. (In auto mode two distinct cards whose UIDs are byte
# reversals of each other also collide; for random UIDs that is negligible.)


class InvalidCardCode(ValueError):
    """A card code that cannot be stored; ``code`` is a machine code for the UI."""

    EMPTY = "empty"
    TOO_LONG = "too_long"

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class CardCodeInfo(TypedDict):
    """What ``describe`` returns; the four variants are None for non-UIDs."""

    code: str  # the cleaned code, as it will be stored
    uid_length: int | None  # 4 or 7 (bytes), None when not a UID
    dec_le: str | None  # 10-digit little-endian decimal (4-byte UIDs only)
    dec_be: str | None  # 10-digit big-endian decimal (4-byte UIDs only)
    hex_fwd: str | None  # uppercase hex, bytes in read order
    hex_rev: str | None  # uppercase hex, bytes reversed


def is_valid_format(fmt: object) -> bool:
    """True if ``fmt`` is one of READER_FORMATS."""
    return isinstance(fmt, str) and fmt in READER_FORMATS


def format_or_default(fmt: object) -> str:
    """``fmt`` if it is a reader format, else DEFAULT_FORMAT (a stored value from an older release)."""
    return fmt if is_valid_format(fmt) else DEFAULT_FORMAT


def clean(raw: str) -> str:
    """Return the code as it is stored: control characters dropped, trimmed.

    Readers end a code with Enter, Tab or CR+LF, and copy-paste can bring
    zero-width or BOM characters; none of them belong to the code. Inner
    text (spaces, case, leading zeros) is kept: for barcodes it is the
    code, and "0004340757" must not lose its zeros.

    Raises InvalidCardCode (a ValueError) when nothing is left or the
    result is longer than MAX_CODE_LENGTH.
    """
    # Cc: control characters (\r \n \t ...); Cf: format characters
    # (zero-width space, BOM, bidi marks).
    text = "".join(ch for ch in raw if unicodedata.category(ch) not in ("Cc", "Cf"))
    text = text.strip()
    if not text:
        raise InvalidCardCode(InvalidCardCode.EMPTY)
    if len(text) > MAX_CODE_LENGTH:
        raise InvalidCardCode(InvalidCardCode.TOO_LONG)
    return text


def lookup_key(raw: str, fmt: str) -> str:
    """Return the canonical key of ``raw`` for a tenant whose readers use ``fmt``.

    UIDs give "U" + uppercase hex (physical order for fixed formats, the
    smaller of both byte orders for auto); everything else gives "X" + the
    cleaned code, so it only matches itself.
    """
    _check_format(fmt)
    code = clean(raw)
    if fmt == FORMAT_EXACT:
        return _EXACT_PREFIX + code
    uid = _uid_bytes(code, fmt)
    if uid is None:
        return _EXACT_PREFIX + code
    if fmt == FORMAT_AUTO:
        # Byte order unknown: pick an order-independent representative.
        return _UID_PREFIX + min(uid.hex().upper(), uid[::-1].hex().upper())
    return _UID_PREFIX + uid.hex().upper()


def describe(raw: str) -> CardCodeInfo:
    """Return the parsed variants of ``raw`` to show staff when enrolling a card.

    Staff compare them with the number printed on the card or a phone's NFC
    app to spot a reader configured differently. Detection follows the auto
    rules; hex is taken in read order and a decimal as little-endian, so for
    a decimal input ``dec_le`` is the input itself. The variants are None
    when the code is not a UID.
    """
    code = clean(raw)
    uid = _uid_bytes(code, FORMAT_AUTO)
    if uid is None:
        return CardCodeInfo(
            code=code, uid_length=None, dec_le=None, dec_be=None, hex_fwd=None, hex_rev=None
        )
    four_bytes = len(uid) == 4
    return CardCodeInfo(
        code=code,
        uid_length=len(uid),
        dec_le=f"{int.from_bytes(uid, 'little'):010d}" if four_bytes else None,
        dec_be=f"{int.from_bytes(uid, 'big'):010d}" if four_bytes else None,
        hex_fwd=uid.hex().upper(),
        hex_rev=uid[::-1].hex().upper(),
    )


def _check_format(fmt: str) -> None:
    if not is_valid_format(fmt):
        raise ValueError(f"unknown reader format: {fmt!r}")


def _uid_bytes(code: str, fmt: str) -> bytes | None:
    """UID bytes in read order under ``fmt``, or None if ``code`` is not a UID."""
    decimal_order, hex_reversed = _RULES[fmt]
    if _DEC10_RE.fullmatch(code):
        value = int(code)
        # 10 digits reach 9999999999, but a 4-byte UID stops at 2**32 - 1;
        # bigger values are some other number and match exactly.
        if value >= 2**32:
            return None
        return value.to_bytes(4, decimal_order)
    uid = _parse_hex(code)
    if uid is None:
        return None
    return uid[::-1] if hex_reversed else uid


def _parse_hex(code: str) -> bytes | None:
    """Parse "1C78F2BF", "1c:78:f2:bf", "1C-78-F2-BF" or "1C 78 F2 BF"."""
    if _HEX_RE.fullmatch(code):
        digits = code
    else:
        # Whitespace is collapsed only here, so "1C  78 F2 BF" is detected
        # while the stored code keeps its spacing. One separator kind per
        # code, each between single bytes.
        collapsed = _WHITESPACE_RUN_RE.sub(" ", code)
        digits = ""
        for sep in _HEX_SEPARATORS:
            parts = collapsed.split(sep)
            if len(parts) > 1 and all(len(p) == 2 and _HEX_RE.fullmatch(p) for p in parts):
                digits = "".join(parts)
                break
    if len(digits) not in _UID_HEX_LENGTHS:
        return None
    return bytes.fromhex(digits)
