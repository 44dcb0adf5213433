"""Unit tests for panel.money (pure, no app, no DB)."""

from __future__ import annotations

import ast
import inspect
import math
import random
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import pytest
from babel.numbers import get_currency_precision
from hypothesis import given, settings
from hypothesis import strategies as st

from panel import money
from panel.money import (
    CURRENCIES,
    MAX_MINOR,
    InvalidAmount,
    InvalidPercent,
    InvalidQuantity,
    allocate,
    format_amount,
    format_plain,
    line_total,
    parse_amount,
    parse_percent,
    parse_quantity,
    percent_of,
    quantity,
    round_half_up,
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



# ------------------------------------------------------------------------------------------
# Rounding, percentages, allocation, quantities: hand examples, then generated inputs checked
# against a naive reading of each rule (Decimal arithmetic, loops), written apart from the module.
# ------------------------------------------------------------------------------------------

GENERATED = settings(max_examples=300, deadline=None)


def naive_round(x: Fraction) -> int:
    with localcontext() as ctx:
        ctx.prec = 200
        return int((Decimal(x.numerator) / Decimal(x.denominator)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def naive_allocate(total: int, weights: list) -> list[int]:
    """The rule as written: everyone gets the floor of their share; then, one unit at a time,
    the line with the largest remainder not yet served (larger weight, then earlier line)."""
    if total == 0:
        return [0] * len(weights)
    size = abs(total)
    weight_sum = sum(Fraction(w) for w in weights)
    shares = [Fraction(size) * Fraction(w) / weight_sum for w in weights]
    parts = [math.floor(share) for share in shares]
    served: set[int] = set()
    while sum(parts) < size:
        best = max((i for i in range(len(weights)) if i not in served),
                   key=lambda i: (shares[i] - math.floor(shares[i]), Fraction(weights[i]), -i))
        parts[best] += 1
        served.add(best)
    return parts if total > 0 else [-p for p in parts]


exact_numbers = st.one_of(
    st.integers(-10**9, 10**9),
    st.fractions(min_value=-10**9, max_value=10**9, max_denominator=10**6),
    st.decimals(min_value=-10**9, max_value=10**9, places=4, allow_nan=False, allow_infinity=False),
)


@pytest.mark.parametrize("value, rounded", [
    (Fraction(5, 2), 3), (Fraction(-5, 2), -3), (Fraction(3, 2), 2), (Fraction(-3, 2), -2),
    (Decimal("12.5"), 13), (Decimal("12.49"), 12), (Decimal("12.51"), 13), (Decimal("-12.49"), -12),
    (Decimal("0.5"), 1), (Decimal("-0.5"), -1), (Decimal("0.4999"), 0), (Fraction(1, 3), 0),
    (Fraction(2, 3), 1), (Fraction(-2, 3), -1), (7, 7), (-7, -7), (0, 0), (Decimal("-0"), 0),
])
def test_round_half_up_examples(value, rounded) -> None:
    assert round_half_up(value) == rounded and type(round_half_up(value)) is int


@GENERATED
@given(exact_numbers)
def test_round_half_up_matches_decimal_half_up(value) -> None:
    assert round_half_up(value) == naive_round(Fraction(value))


@pytest.mark.parametrize("call", [
    lambda: round_half_up(0.5), lambda: round_half_up(True), lambda: round_half_up("1"),
    lambda: percent_of(1000, 12.5), lambda: percent_of(1000.0, 5), lambda: percent_of(True, 5),
    lambda: allocate(100, [0.5, 0.5]), lambda: allocate(100.0, [1]), lambda: quantity(0.5),
    lambda: line_total(0.5, 100), lambda: line_total(Decimal("1"), 1.0),
])
def test_floats_are_refused_everywhere(call) -> None:
    with pytest.raises(TypeError):
        call()


def test_infinite_and_nan_decimals_are_refused() -> None:
    for bad in (Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")):
        with pytest.raises(ValueError):
            round_half_up(bad)
        with pytest.raises(ValueError):
            percent_of(100, bad)


@pytest.mark.parametrize("text, value", [
    ("5", Decimal("5")), ("12.5", Decimal("12.5")), ("12,5", Decimal("12.5")), (" 12,5 % ", Decimal("12.5")),
    ("0", Decimal("0")), ("100", Decimal("100")), ("100,0000", Decimal("100")), ("7.1250", Decimal("7.125")),
    ("0.0001", Decimal("0.0001")), ("05", Decimal("5")), ("12.5%", Decimal("12.5")),
])
def test_parse_percent_accepts(text, value) -> None:
    assert parse_percent(text) == value and isinstance(parse_percent(text), Decimal)


@pytest.mark.parametrize("text, code", [
    ("", InvalidPercent.EMPTY), ("  % ", InvalidPercent.EMPTY), ("abc", InvalidPercent.FORMAT),
    ("-5", InvalidPercent.FORMAT), ("1e2", InvalidPercent.FORMAT), ("12.", InvalidPercent.FORMAT),
    (".5", InvalidPercent.FORMAT), ("1 2", InvalidPercent.FORMAT), ("NaN", InvalidPercent.FORMAT),
    ("inf", InvalidPercent.FORMAT), ("12.34567", InvalidPercent.PRECISION), ("100.01", InvalidPercent.RANGE),
    ("1000", InvalidPercent.RANGE), ("9" * 40, InvalidPercent.RANGE), ("\u0661\u0662", InvalidPercent.FORMAT),
])
def test_parse_percent_refuses(text, code) -> None:
    with pytest.raises(InvalidPercent) as err:
        parse_percent(text)
    assert err.value.code == code


@pytest.mark.parametrize("amount, percent, part", [
    (1999, 15, 300),  # 299.85
    (1000, Decimal("12.5"), 125), (1, Decimal("50"), 1), (3, Decimal("50"), 2),  # 1.5 rounds up
    (-3, Decimal("50"), -2), (999, Decimal("33.3333"), 333), (0, 15, 0), (12345, 100, 12345),
    (12345, Fraction(1, 3), 41), (250, Decimal("0.2"), 1),  # 0.5
])
def test_percent_of_examples(amount, percent, part) -> None:
    assert percent_of(amount, percent) == part


@GENERATED
@given(st.integers(-MAX_MINOR, MAX_MINOR), st.decimals(min_value=0, max_value=100, places=4))
def test_percent_of_matches_decimal_arithmetic(amount, percent) -> None:
    with localcontext() as ctx:
        ctx.prec = 60
        naive = int((Decimal(amount) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert percent_of(amount, percent) == naive
    assert percent_of(amount, parse_percent(str(percent).replace(".", ","))) == naive


@pytest.mark.parametrize("total, weights, parts", [
    (100, [1, 1, 1], [34, 33, 33]),
    (-100, [1, 1, 1], [-34, -33, -33]),
    (101, [1, 1, 1], [34, 34, 33]),
    (1, [1, 1], [1, 0]),  # a tie of equal weights: the earlier line
    (3, [1, 2, 3], [0, 1, 2]),  # remainders 0.5, 0, 0.5: the larger weight
    (10, [1, 2, 0, 3], [2, 3, 0, 5]),  # a zero weight gets nothing
    (5, [0, 0, 7], [0, 0, 5]),
    (0, [1, 2], [0, 0]), (0, [0, 0], [0, 0]), (0, [], []),
    (100, [Decimal("0.5"), Fraction(1, 2)], [50, 50]),
    (7, [Decimal("2.5"), 1], [5, 2]),
    (1000, [999, 1], [999, 1]),
    (1, [1, 1, 1, 1], [1, 0, 0, 0]),
])
def test_allocate_examples(total, weights, parts) -> None:
    assert allocate(total, weights) == parts


def test_allocate_refuses_what_cannot_be_split() -> None:
    with pytest.raises(ValueError, match="negative"):
        allocate(100, [1, -1, 2])
    with pytest.raises(ValueError, match="no weight"):
        allocate(100, [0, 0])
    with pytest.raises(ValueError, match="no weight"):
        allocate(1, [])


weights_lists = st.lists(
    st.one_of(st.integers(0, 10**6), st.decimals(min_value=0, max_value=10**4, places=3),
              st.fractions(min_value=0, max_value=10**4, max_denominator=1000)),
    min_size=1, max_size=12,
).filter(lambda ws: sum(Fraction(w) for w in ws) > 0)


@GENERATED
@given(st.integers(-10**9, 10**9), weights_lists)
def test_allocate_matches_the_rule_and_always_sums_to_the_total(total, weights) -> None:
    parts = allocate(total, weights)
    assert parts == naive_allocate(total, weights)
    assert sum(parts) == total and len(parts) == len(weights)
    weight_sum = sum(Fraction(w) for w in weights)
    for part, w in zip(parts, weights, strict=True):
        share = Fraction(total) * Fraction(w) / weight_sum
        assert math.floor(share) <= part <= math.ceil(share)  # never more than a unit off its share


@GENERATED
@given(st.integers(-10**6, 10**6), weights_lists, st.integers(1, 50))
def test_allocate_depends_only_on_the_proportions(total, weights, k) -> None:
    assert allocate(total, [Fraction(w) * k for w in weights]) == allocate(total, weights)


@pytest.mark.parametrize("text, value", [
    ("0.5", "0.500"), ("1,25", "1.250"), ("2", "2.000"), ("0,125", "0.125"), (" 3 ", "3.000"),
    ("1.2500", "1.250"), ("0", "0.000"), ("007", "7.000"), ("1000000", "1000000.000"),
])
def test_parse_quantity_accepts(text, value) -> None:
    parsed = parse_quantity(text)
    assert parsed == Decimal(value) and str(parsed) == value


@pytest.mark.parametrize("text, code", [
    ("", InvalidQuantity.EMPTY), ("   ", InvalidQuantity.EMPTY), ("1.2345", InvalidQuantity.PRECISION),
    ("0,0001", InvalidQuantity.PRECISION), ("-1", InvalidQuantity.NEGATIVE), ("\u22120,5", InvalidQuantity.NEGATIVE),
    ("NaN", InvalidQuantity.FORMAT), ("inf", InvalidQuantity.FORMAT), ("Infinity", InvalidQuantity.FORMAT),
    ("1,2,3", InvalidQuantity.FORMAT), ("1 000", InvalidQuantity.FORMAT), ("1e3", InvalidQuantity.FORMAT),
    ("0.5 kg", InvalidQuantity.FORMAT), (".5", InvalidQuantity.FORMAT), ("+1", InvalidQuantity.FORMAT),
    ("1000000.001", InvalidQuantity.TOO_LARGE), ("9" * 50, InvalidQuantity.TOO_LARGE),
])
def test_parse_quantity_refuses_with_a_clear_message(text, code) -> None:
    with pytest.raises(InvalidQuantity) as err:
        parse_quantity(text)
    assert err.value.code == code and str(err.value) == InvalidQuantity.MESSAGES[code]


def test_quantity_checks_values_given_in_code() -> None:
    assert quantity(2) == Decimal("2.000") and quantity(Decimal("0.25")) == Decimal("0.250")
    assert str(quantity(Decimal("-0"))) == "0.000"
    for bad, code in ((Decimal("0.0005"), InvalidQuantity.PRECISION), (Decimal("-1"), InvalidQuantity.NEGATIVE),
                      (Decimal("NaN"), InvalidQuantity.FORMAT), (Decimal("Infinity"), InvalidQuantity.FORMAT)):
        with pytest.raises(InvalidQuantity) as err:
            quantity(bad)
        assert err.value.code == code


@pytest.mark.parametrize("qty, unit, total", [
    ("0.5", 1299, 650),  # 649.5
    ("1.25", 1000, 1250), ("0.333", 1000, 333), ("2", 450, 900), ("0.125", 4, 1),  # 0.5
    ("0.001", 499, 0), ("0.001", 500, 1), ("3", -200, -600), ("0.5", -1, -1),  # -0.5
])
def test_line_total_examples(qty, unit, total) -> None:
    assert line_total(parse_quantity(qty), unit) == total


@GENERATED
@given(st.decimals(min_value=0, max_value=10**6, places=3), st.integers(-10**8, 10**8))
def test_line_total_and_quantity_text_match_decimal_arithmetic(qty, unit) -> None:
    for text in (str(qty), str(qty).replace(".", ",")):
        assert parse_quantity(text) == qty
    with localcontext() as ctx:
        ctx.prec = 60
        naive = int((qty * unit).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert line_total(qty, unit) == naive
