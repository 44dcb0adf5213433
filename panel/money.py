"""Money as integer minor units (grosze, haléře, cents).

Amounts live as ``int`` minor units everywhere: in the database, in
arithmetic, between layers. Text is converted only at the edges:
``parse_amount`` for user input, ``format_amount`` / ``format_plain`` for
display. No float is ever involved - parsing is pure string and int work,
formatting goes through ``decimal.Decimal`` - so 0.10 + 0.20 is exactly 30.

Pure module: no Flask. Babel does the locale-aware formatting.
"""

from __future__ import annotations

import re
from decimal import Decimal

from babel.numbers import format_currency, format_decimal

__all__ = [
    "CURRENCIES",
    "MAX_MINOR",
    "InvalidAmount",
    "format_amount",
    "format_plain",
    "parse_amount",
]

# Currency code -> exponent (number of minor-unit digits).
CURRENCIES: dict[str, int] = {"PLN": 2, "CZK": 2, "EUR": 2}

# Largest accepted absolute amount, in minor units (10 000 000 000.00 PLN):
# far above any real wallet operation, and it catches pasted card numbers.
MAX_MINOR = 10**12

# Symbols/codes a user may type before or after the number, per currency.
# Only the amount's own currency is accepted: "12 €" in a PLN field is a
# mistake, not 12 zł. ASCII spellings cover keyboards without Polish/Czech
# letters; matching ignores case.
_SYMBOLS: dict[str, tuple[str, ...]] = {
    "PLN": ("zł", "zl", "PLN"),
    "CZK": ("Kč", "Kc", "CZK"),
    "EUR": ("€", "EUR"),
}

# Minus signs: ASCII hyphen-minus and U+2212, which some locales format with.
_MINUS_SIGNS = ("-", "\u2212")
# Space-like thousands separators: space, NBSP (Babel's pl/cs output) and
# narrow NBSP (fr output, some OS keyboard layouts).
_SPACES = (" ", "\u00a0", "\u202f")
_SEPARATOR_CLASS = "[ \u00a0\u202f.,]"
# Digit runs joined by single separators; which separator means what is
# decided afterwards. ASCII digits only (no Arabic-Indic or full-width).
_NUMBER_RE = re.compile(rf"[0-9]+(?:{_SEPARATOR_CLASS}[0-9]+)*")
_SPLIT_RE = re.compile(rf"({_SEPARATOR_CLASS})")
# Integer digits beyond this are too large for any currency here; checked
# before int() so absurd inputs never reach big-number arithmetic.
_MAX_INTEGER_DIGITS = 13


class InvalidAmount(ValueError):
    """User input that is not an amount; ``code`` is a machine code for the UI."""

    EMPTY = "empty"
    FORMAT = "format"
    PRECISION = "precision"  # more decimals than the currency has
    TOO_LARGE = "too_large"

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def parse_amount(text: str, currency: str = "PLN") -> int:
    """Parse user input such as "1 234,50 zł" into minor units (123450).

    Accepted: "12", "12,50", "12.50", "1 234,50" (space, NBSP or narrow NBSP
    grouping), "1.234,50", "1,234.50", a leading minus, and the currency's
    symbol or code before or after the number ("12 zł", "PLN 12", "€12").

    Ambiguity rule: when the number has exactly one separator, "." or ",",
    followed by exactly three digits and preceded by a valid leading group
    (1-3 digits, no leading zero), it is a thousands separator: "1.234" and
    "1,234" are 1234, not 1.234 - for a currency with at most two decimals
    three decimals could never be valid, while "1.234" is how many people
    write a thousand. Followed by one or two digits it is the decimal
    separator ("1,5" is 1.50). When both "." and "," occur, the last one is
    the decimal separator.

    Raises InvalidAmount with code "empty", "format", "precision" or
    "too_large"; ValueError for an unknown currency (a programming error).
    """
    exponent = _exponent(currency)
    s = text.strip()
    if not s:
        raise InvalidAmount(InvalidAmount.EMPTY)

    negative = s.startswith(_MINUS_SIGNS)
    if negative:
        s = s[1:].lstrip()
    s = _strip_symbol(s, currency)
    if not _NUMBER_RE.fullmatch(s):
        raise InvalidAmount(InvalidAmount.FORMAT)

    # "1 234,50" -> groups ["1", "234", "50"], seps [" ", ","]
    parts = _SPLIT_RE.split(s)
    groups, seps = parts[0::2], parts[1::2]
    decimal_sep = _decimal_separator(groups, seps, exponent)
    if decimal_sep is None:
        integer_groups, group_seps, fraction = groups, seps, ""
    else:
        integer_groups, group_seps, fraction = groups[:-1], seps[:-1], groups[-1]

    if group_seps and not _valid_grouping(integer_groups, group_seps, decimal_sep):
        raise InvalidAmount(InvalidAmount.FORMAT)
    if len(fraction) > exponent:
        raise InvalidAmount(InvalidAmount.PRECISION)

    integer_digits = "".join(integer_groups).lstrip("0")
    if len(integer_digits) > _MAX_INTEGER_DIGITS:
        raise InvalidAmount(InvalidAmount.TOO_LARGE)
    minor = int(integer_digits or "0") * 10**exponent + int(fraction.ljust(exponent, "0") or "0")
    if minor > MAX_MINOR:
        raise InvalidAmount(InvalidAmount.TOO_LARGE)
    return -minor if negative else minor


def format_amount(minor: int, currency: str, locale: str) -> str:
    """Format for display with the currency symbol: pl "1 234,50 zł" (NBSPs, as Babel gives)."""
    return format_currency(_to_decimal(minor, currency), currency, locale=locale)


def format_plain(minor: int, currency: str, locale: str) -> str:
    """Format for an input field's value: no symbol, no grouping, e.g. pl "1234,50".

    The output is accepted by ``parse_amount`` (for locales whose decimal
    separator is "." or ","), so a form round-trips unchanged.
    """
    exponent = _exponent(currency)
    pattern = "0." + "0" * exponent if exponent else "0"
    return format_decimal(_to_decimal(minor, currency), format=pattern, locale=locale)


def _exponent(currency: str) -> int:
    try:
        return CURRENCIES[currency]
    except KeyError:
        raise ValueError(f"unknown currency: {currency!r}") from None


def _to_decimal(minor: int, currency: str) -> Decimal:
    # bool is an int subclass, and a float here would mean the value was
    # already computed inexactly somewhere: refuse both.
    if not isinstance(minor, int) or isinstance(minor, bool):
        raise TypeError(f"amount must be int minor units, got {type(minor).__name__}")
    # Decimal(int) is exact and scaleb only moves the exponent (exact while
    # the coefficient fits the context's 28 digits - far beyond MAX_MINOR).
    return Decimal(minor).scaleb(-_exponent(currency))


def _strip_symbol(s: str, currency: str) -> str:
    """Remove one currency symbol/code before or after the number."""
    for symbol in _SYMBOLS.get(currency, (currency,)):
        n, wanted = len(symbol), symbol.casefold()
        # Compare slices of ``s`` so that the cut is made in ``s`` itself.
        if s[:n].casefold() == wanted:
            return s[n:].lstrip()
        if s[-n:].casefold() == wanted:
            return s[:-n].rstrip()
    return s


def _decimal_separator(groups: list[str], seps: list[str], exponent: int) -> str | None:
    """Return the decimal separator among ``seps`` (always the last one), or None."""
    if not seps:
        return None
    last = seps[-1]
    if last in _SPACES:
        return None  # "1 234": spaces only ever group
    if seps.count(last) > 1:
        return None  # "1.234.567": a repeated separator groups
    lone_thousands = (
        len(seps) == 1
        and len(groups[-1]) == 3
        and exponent < 3
        and _valid_leading_group(groups[0])
    )
    return None if lone_thousands else last


def _valid_grouping(groups: list[str], seps: list[str], decimal_sep: str | None) -> bool:
    """Thousands grouping: one separator kind, "1"-"999" then groups of three."""
    kinds = {" " if sep in _SPACES else sep for sep in seps}
    if len(kinds) != 1 or decimal_sep in kinds:
        return False
    return _valid_leading_group(groups[0]) and all(len(g) == 3 for g in groups[1:])


def _valid_leading_group(group: str) -> bool:
    return 1 <= len(group) <= 3 and not group.startswith("0")
