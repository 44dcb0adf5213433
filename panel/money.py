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
from fractions import Fraction
from typing import Sequence

from babel.numbers import format_currency, format_decimal

__all__ = [
    "CURRENCIES",
    "MAX_MINOR",
    "InvalidAmount",
    "InvalidPercent",
    "InvalidQuantity",
    "allocate",
    "format_amount",
    "format_plain",
    "line_total",
    "parse_amount",
    "parse_percent",
    "parse_quantity",
    "percent_of",
    "quantity",
    "round_half_up",
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


# --------------------------------------------------------------------------------------------
# Arithmetic on minor units: rounding, percentages, splitting, quantities
#
# Exact all the way: values are int, Decimal or Fraction and the arithmetic is Fraction's, so
# nothing is lost before the one rounding at the end. A float is refused with TypeError: it has
# already lost the exact value (0.1 is not one tenth), and rounding it would hide that.
# --------------------------------------------------------------------------------------------

Exact = int | Decimal | Fraction


def _exact(value: Exact, what: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, Fraction)):
        raise TypeError(f"{what} must be int, Decimal or Fraction (never float), got {type(value).__name__}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"{what} must be a finite number, got {value}")
    return Fraction(value)


def _minor(value: int, what: str = "amount") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be int minor units, got {type(value).__name__}")
    return value


def round_half_up(value: Exact) -> int:
    """Round an exact count of minor units to a whole one; halves go away from zero.

    12.5 -> 13, 12.49 -> 12, -12.5 -> -13: what a customer checks by hand, the same both ways
    for a refund (no banker's rounding).
    """
    exact = _exact(value, "value")
    whole, rest = divmod(abs(exact.numerator), exact.denominator)
    if 2 * rest >= exact.denominator:
        whole += 1
    return -whole if exact < 0 else whole


# --- percentages --------------------------------------------------------------------------

PERCENT_PLACES = 4  # "12.3456 %" is the finest a discount is set to
MAX_PERCENT = 100
_PERCENT_RE = re.compile(r"([0-9]+)(?:[.,]([0-9]+))?")


class InvalidPercent(ValueError):
    """User input that is not a percentage; ``code`` is a machine code for the UI."""

    EMPTY = "empty"
    FORMAT = "format"
    PRECISION = "precision"  # more than PERCENT_PLACES decimals
    RANGE = "range"  # above MAX_PERCENT

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def parse_percent(text: str) -> Decimal:
    """Parse "5", "12.5", "12,5" or "12,5 %" into an exact Decimal (Decimal("12.5")).

    0 to 100 with at most four decimals (trailing zeros do not count); no sign, no float.
    """
    s = (text or "").strip().removesuffix("%").rstrip()
    if not s:
        raise InvalidPercent(InvalidPercent.EMPTY)
    match = _PERCENT_RE.fullmatch(s)
    if match is None:
        raise InvalidPercent(InvalidPercent.FORMAT)
    whole, fraction = match.group(1).lstrip("0") or "0", (match.group(2) or "").rstrip("0")
    if len(fraction) > PERCENT_PLACES:
        raise InvalidPercent(InvalidPercent.PRECISION)
    value = Decimal(f"{whole}.{fraction}" if fraction else whole)
    if len(whole) > 3 or value > MAX_PERCENT:
        raise InvalidPercent(InvalidPercent.RANGE)
    return value


def percent_of(amount: int, percent: Exact) -> int:
    """`percent` % of `amount` (minor units), rounded half up once: percent_of(1999, 15) == 300."""
    return round_half_up(Fraction(_minor(amount)) * _exact(percent, "percent") * Fraction(1, 100))


# --- splitting ----------------------------------------------------------------------------

def allocate(total: int, weights: Sequence[Exact]) -> list[int]:
    """Split `total` minor units in proportion to `weights` by the largest-remainder method.

    Each part is its exact share rounded down (towards zero for a negative total); the units
    left go one each to the parts with the largest remainders, ties to the larger weight, then
    to the earlier line. The parts always sum to `total`: allocate(100, [1, 1, 1]) is
    [34, 33, 33]. A zero weight gets nothing; a negative weight is an error, as is a non-zero
    total over no weight at all; a total of 0 gives zeros.
    """
    _minor(total, "total")
    shares = [_exact(w, "weight") for w in weights]
    if any(w < 0 for w in shares):
        raise ValueError("weights must not be negative")
    weight_sum = sum(shares, Fraction(0))
    if weight_sum == 0:
        if total:
            raise ValueError("cannot split a non-zero total over no weight")
        return [0] * len(shares)
    size = abs(total)
    per_weight = Fraction(weight_sum.denominator, weight_sum.numerator)  # 1 / sum, without "/"
    quotas = [size * w * per_weight for w in shares]
    parts = [q.numerator // q.denominator for q in quotas]
    left = size - sum(parts)
    # left < the number of parts with a remainder (each remainder is below 1): zero weights,
    # whose remainder is 0, never get a unit.
    order = sorted(range(len(shares)), key=lambda i: (parts[i] - quotas[i], -shares[i], i))
    for i in order[:left]:
        parts[i] += 1
    return parts if total >= 0 else [-p for p in parts]


# --- quantities ---------------------------------------------------------------------------

QUANTITY_PLACES = 3  # 0.5 l, 1.25 kg, 0.125 kg
MAX_QUANTITY = 1_000_000
_QUANTUM = Decimal(1).scaleb(-QUANTITY_PLACES)
_QUANTITY_RE = re.compile(r"([0-9]+)(?:[.,]([0-9]+))?")


class InvalidQuantity(ValueError):
    """Not a quantity; ``code`` is a machine code for the UI, the message says what is wrong."""

    EMPTY = "empty"
    FORMAT = "format"
    PRECISION = "precision"
    NEGATIVE = "negative"
    TOO_LARGE = "too_large"

    MESSAGES = {
        EMPTY: "a quantity is required",
        FORMAT: "a quantity is a number such as 2, 0.5 or 1,25",
        PRECISION: f"a quantity has at most {QUANTITY_PLACES} decimals",
        NEGATIVE: "a quantity cannot be negative",
        TOO_LARGE: f"a quantity is at most {MAX_QUANTITY}",
    }

    def __init__(self, code: str) -> None:
        super().__init__(self.MESSAGES[code])
        self.code = code


def parse_quantity(text: str) -> Decimal:
    """Parse "2", "0.5" or "1,25" into a Decimal with three places (Decimal("1.250")).

    Refused with InvalidQuantity: more than three decimals (trailing zeros do not count),
    a sign, thousands separators, NaN, infinity, anything else.
    """
    s = (text or "").strip()
    if not s:
        raise InvalidQuantity(InvalidQuantity.EMPTY)
    if s[0] in _MINUS_SIGNS and _QUANTITY_RE.fullmatch(s[1:].lstrip()):
        raise InvalidQuantity(InvalidQuantity.NEGATIVE)
    match = _QUANTITY_RE.fullmatch(s)
    if match is None:
        raise InvalidQuantity(InvalidQuantity.FORMAT)
    whole, fraction = match.group(1).lstrip("0") or "0", (match.group(2) or "").rstrip("0")
    if len(whole) > len(str(MAX_QUANTITY)):  # before Decimal: absurd inputs stay cheap
        raise InvalidQuantity(InvalidQuantity.TOO_LARGE)
    if len(fraction) > QUANTITY_PLACES:
        raise InvalidQuantity(InvalidQuantity.PRECISION)
    return quantity(Decimal(f"{whole}.{fraction}" if fraction else whole))


def quantity(value: int | Decimal) -> Decimal:
    """A quantity given in code, checked as parse_quantity checks text; three places."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise TypeError(f"quantity must be int or Decimal (never float), got {type(value).__name__}")
    value = Decimal(value)
    if not value.is_finite():
        raise InvalidQuantity(InvalidQuantity.FORMAT)
    if value < 0:
        raise InvalidQuantity(InvalidQuantity.NEGATIVE)
    if value > MAX_QUANTITY:
        raise InvalidQuantity(InvalidQuantity.TOO_LARGE)
    if value != value.quantize(_QUANTUM):
        raise InvalidQuantity(InvalidQuantity.PRECISION)
    return value.quantize(_QUANTUM).copy_abs()  # copy_abs: "-0" is 0.000, not -0.000


def line_total(qty: int | Decimal, unit_price: int) -> int:
    """Quantity times unit price (minor units), rounded half up once: 0.333 x 1000 = 333."""
    return round_half_up(Fraction(quantity(qty)) * _minor(unit_price, "unit price"))
