"""Unit tests for panel.money (pure, no app, no DB)."""

from __future__ import annotations

import ast
import inspect
import random
from decimal import Decimal

import pytest
from babel.numbers import get_currency_precision

from panel import money
from panel.money import (
    CURRENCIES,
    MAX_MINOR,
    InvalidAmount,
    format_amount,
    format_plain,
    parse_amount,
)

NBSP = "\u00a0"
NNBSP = "\u202f"


def test_currencies() -> None:
    assert CURRENCIES == {"PLN": 2, "CZK": 2, "EUR": 2}
    # Our exponents agree with CLDR, so Babel prints exactly our digits.
    for code, exponent in CURRENCIES.items():
        assert get_currency_precision(code) == exponent


# --- parse_amount: accepted forms ----------------------------------------------


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("12", 1200),
        ("12,50", 1250),
        ("12.50", 1250),
        ("12,5", 1250),
        ("12.5", 1250),
        ("0,01", 1),
        ("0.99", 99),
        ("0", 0),
        ("007", 700),
        ("  12,50  ", 1250),
        ("1 234,50", 123450),
        (f"1{NBSP}234,50", 123450),
        (f"1{NNBSP}234,50", 123450),
        ("1 234 567,89", 123456789),
        ("1 234.50", 123450),
        ("1.234,50", 123450),
        ("1,234.50", 123450),
        ("1.234.567,89", 123456789),
        ("1,234,567.89", 123456789),
        ("1 234", 123400),
        ("1.234.567", 123456700),
        ("1,234,567", 123456700),
        ("-12,50", -1250),
        ("- 12,50", -1250),
        ("\u221212,50", -1250),  # U+2212 MINUS SIGN
        ("-1 234,50", -123450),
        ("-0", 0),
        ("-0,00", 0),
        ("12,50 zł", 1250),
        ("12,50zł", 1250),
        ("12,50 ZŁ", 1250),
        ("12,50 zl", 1250),
        ("12,50 PLN", 1250),
        ("12,50 pln", 1250),
        ("PLN 12.50", 1250),
        (f"1{NBSP}234,50{NBSP}zł", 123450),  # Babel's own pl output
        ("-1 234,50 zł", -123450),
        ("-PLN1,234.50", -123450),  # Babel's en output
    ],
)
def test_parse_accepts(text: str, minor: int) -> None:
    assert parse_amount(text) == minor
    assert parse_amount(text, "PLN") == minor


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("12,50 Kč", "CZK", 1250),
        ("12,50 Kc", "CZK", 1250),
        ("12,50 CZK", "CZK", 1250),
        ("12,50 €", "EUR", 1250),
        ("€12.50", "EUR", 1250),
        ("12,50 EUR", "EUR", 1250),
        ("12,50 eur", "EUR", 1250),
        (f"1{NNBSP}234,50{NBSP}€", "EUR", 123450),  # Babel's fr output
        ("1.234,50 €", "EUR", 123450),  # Babel's de output
    ],
)
def test_parse_currency_symbols(text: str, currency: str, minor: int) -> None:
    assert parse_amount(text, currency) == minor


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        # A lone separator followed by exactly three digits groups thousands...
        ("1.234", 123400),
        ("1,234", 123400),
        ("12,345", 1234500),
        ("999.999", 99999900),
        ("12,500", 1250000),
        # ...followed by one or two digits it is the decimal separator.
        ("1.23", 123),
        ("1,2", 120),
        ("1234,5", 123450),
    ],
)
def test_parse_ambiguous_separator(text: str, minor: int) -> None:
    assert parse_amount(text) == minor


@pytest.mark.parametrize(
    ("text", "currency"),
    [
        ("0,125", "PLN"),  # "0" cannot lead a thousands group: three decimals
        ("0.500", "PLN"),
        ("1234,567", "PLN"),  # four-digit leading group: three decimals
        ("1 234,567", "PLN"),  # grouping is spaces, so "," is decimal
        ("1.234,567", "PLN"),
        ("1,234.567", "PLN"),
        ("12,3456", "PLN"),
        ("0,001", "EUR"),
    ],
)
def test_parse_rejects_too_many_decimals(text: str, currency: str) -> None:
    with pytest.raises(InvalidAmount) as exc:
        parse_amount(text, currency)
    assert exc.value.code == "precision"


# --- parse_amount: rejections -----------------------------------------------------


@pytest.mark.parametrize("text", ["", " ", "\t\n", NBSP])
def test_parse_rejects_empty(text: str) -> None:
    with pytest.raises(InvalidAmount) as exc:
        parse_amount(text)
    assert exc.value.code == "empty"


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "-",
        "zł",
        "12,",
        "12.",
        ",50",
        ".5",
        "1,2,3",
        "12 50",  # groups after the first must be three digits
        "1 23",
        "1.234.56",
        "1,234,56",
        "1  234",  # two spaces
        "1 234.567.890",  # mixed grouping separators
        "1.234 567",
        "1,234,567,89",
        "0 123",  # leading group with a zero
        "1234 567",  # four-digit leading group
        "+12",
        "--12",
        "12-",
        "12,50 €",  # another currency's symbol in a PLN field
        "12,50 Kč",
        "12,50 zł zł",
        "12e3",
        "1_000",
        "0x10",
        "12,50 PLNX",
        "NaN",
        "inf",
        "١٢",  # Arabic-Indic digits
        "１２",  # full-width digits
        "(12,50)",
        "1'234.50",
    ],
)
def test_parse_rejects_format(text: str) -> None:
    with pytest.raises(InvalidAmount) as exc:
        parse_amount(text)
    assert exc.value.code == "format"


@pytest.mark.parametrize(
    "text",
    [
        "10000000000,01",  # MAX_MINOR + 1
        "10 000 000 001",
        "99999999999",
        "-10000000000,01",
        "1" * 14,
        "9" * 5000,  # beyond Python's int-from-str digit limit: must not crash
        "4111 1111 1111 1111".replace(" ", ""),  # a pasted card number
    ],
)
def test_parse_rejects_too_large(text: str) -> None:
    with pytest.raises(InvalidAmount) as exc:
        parse_amount(text)
    assert exc.value.code == "too_large"


def test_parse_limit_is_inclusive() -> None:
    assert parse_amount("10000000000") == MAX_MINOR
    assert parse_amount("-10 000 000 000,00") == -MAX_MINOR
    assert parse_amount("0000000000000000000000012,50") == 1250  # zeros are not size


def test_invalid_amount_is_a_value_error_with_code() -> None:
    err = InvalidAmount("format")
    assert isinstance(err, ValueError)
    assert err.code == "format"
    assert (InvalidAmount.EMPTY, InvalidAmount.FORMAT, InvalidAmount.PRECISION, InvalidAmount.TOO_LARGE) == (
        "empty",
        "format",
        "precision",
        "too_large",
    )


def test_unknown_currency_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown currency") as exc:
        parse_amount("12", "USD")
    assert not isinstance(exc.value, InvalidAmount)
    with pytest.raises(ValueError, match="unknown currency"):
        format_amount(1200, "USD", "pl")
    with pytest.raises(ValueError, match="unknown currency"):
        format_plain(1200, "usd", "pl")


# --- exactness: no floats ----------------------------------------------------------


def test_parse_is_exact_where_floats_are_not() -> None:
    assert parse_amount("0.10") == 10
    assert parse_amount("0.20") == 20
    assert parse_amount("0.10") + parse_amount("0.20") == parse_amount("0.30") == 30
    assert parse_amount("1,15") == 115  # float(1.15) * 100 == 114.99999999999999
    assert parse_amount("4,35") == 435  # float: 434.99999999999994
    assert parse_amount("99999999,99") == 9999999999
    assert parse_amount("9 999 999 999,99") == 999999999999


def test_results_are_int() -> None:
    assert type(parse_amount("12,50")) is int
    assert type(parse_amount("-0")) is int


def test_module_source_has_no_float() -> None:
    tree = ast.parse(inspect.getsource(money))
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    float_literals = [
        node for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, float)
    ]
    assert "float" not in names
    assert not float_literals
    assert not any(isinstance(node, ast.Div) for node in ast.walk(tree))  # "/" yields floats on ints


@pytest.mark.parametrize("bad", [12.5, 1.0, True, Decimal("12.50"), "1250", None])
def test_format_refuses_non_int(bad: object) -> None:
    with pytest.raises(TypeError):
        format_amount(bad, "PLN", "pl")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        format_plain(bad, "PLN", "pl")  # type: ignore[arg-type]


# --- format_amount --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minor", "currency", "locale", "expected"),
    [
        (123450, "PLN", "pl", f"1{NBSP}234,50{NBSP}zł"),
        (123450, "CZK", "cs", f"1{NBSP}234,50{NBSP}Kč"),
        (123450, "EUR", "pl", f"1{NBSP}234,50{NBSP}€"),
        (123450, "PLN", "en", "PLN1,234.50"),
        (123450, "EUR", "en", "€1,234.50"),
        (123450, "PLN", "pl_PL", f"1{NBSP}234,50{NBSP}zł"),
        (-123450, "PLN", "pl", f"-1{NBSP}234,50{NBSP}zł"),
        (-123450, "CZK", "cs", f"-1{NBSP}234,50{NBSP}Kč"),
        (-123450, "PLN", "en", "-PLN1,234.50"),
        (0, "PLN", "pl", f"0,00{NBSP}zł"),
        (1, "PLN", "pl", f"0,01{NBSP}zł"),
        (-1, "PLN", "pl", f"-0,01{NBSP}zł"),
        (99, "PLN", "pl", f"0,99{NBSP}zł"),
        (100, "PLN", "pl", f"1,00{NBSP}zł"),
        (123456789, "PLN", "pl", f"1{NBSP}234{NBSP}567,89{NBSP}zł"),
        (MAX_MINOR, "PLN", "pl", f"10{NBSP}000{NBSP}000{NBSP}000,00{NBSP}zł"),
        (999999999999, "EUR", "en", "€9,999,999,999.99"),
    ],
)
def test_format_amount(minor: int, currency: str, locale: str, expected: str) -> None:
    assert format_amount(minor, currency, locale) == expected


# --- format_plain --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minor", "locale", "expected"),
    [
        (123450, "pl", "1234,50"),
        (123450, "cs", "1234,50"),
        (123450, "en", "1234.50"),
        (-123450, "pl", "-1234,50"),
        (0, "pl", "0,00"),
        (1, "pl", "0,01"),
        (-1, "en", "-0.01"),
        (100, "pl", "1,00"),
        (123456789, "pl", "1234567,89"),
        (MAX_MINOR, "pl", "10000000000,00"),
    ],
)
def test_format_plain(minor: int, locale: str, expected: str) -> None:
    assert format_plain(minor, "PLN", locale) == expected


ROUND_TRIP_VALUES = [
    0,
    1,
    9,
    10,
    99,
    100,
    101,
    999,
    1000,
    99999,
    100000,
    123450,
    123456789,
    9999999999,
    MAX_MINOR,
    -1,
    -99,
    -100,
    -123450,
    -123456789,
    -MAX_MINOR,
]


@pytest.mark.parametrize("locale", ["pl", "cs", "en", "de", "fr"])
@pytest.mark.parametrize("currency", sorted(CURRENCIES))
@pytest.mark.parametrize("minor", ROUND_TRIP_VALUES)
def test_round_trip_plain(minor: int, currency: str, locale: str) -> None:
    assert parse_amount(format_plain(minor, currency, locale), currency) == minor


@pytest.mark.parametrize("locale", ["pl", "cs", "en", "de", "fr"])
@pytest.mark.parametrize("currency", sorted(CURRENCIES))
def test_round_trip_display_format(currency: str, locale: str) -> None:
    # Staff paste what the panel showed them; it must read back the same,
    # as long as the symbol belongs to the field's currency.
    for minor in ROUND_TRIP_VALUES:
        assert parse_amount(format_amount(minor, currency, locale), currency) == minor


def test_round_trip_random() -> None:
    rng = random.Random(1234)
    for _ in range(2000):
        minor = rng.randint(-MAX_MINOR, MAX_MINOR)
        for locale in ("pl", "en"):
            assert parse_amount(format_plain(minor, "PLN", locale)) == minor
            assert parse_amount(format_amount(minor, "PLN", locale)) == minor
