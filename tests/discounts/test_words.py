"""The rule said back in words, in English, Polish and Czech."""
from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest
from flask_babel import force_locale

from panel.services.discounts.words import Rule, Window, days_text, describe

HAPPY = Window((1, 2, 3, 4, 5), time(15), time(17))


def say(app, rule: Rule, locale: str, currency: str = "PLN") -> str:
    with app.test_request_context(), force_locale(locale):
        return describe(rule, currency, locale)


CASES = [
    (Rule(percent=Decimal(5), selectable=False, weekly=(HAPPY,)), {
        "en": "5% off the whole bill, hidden on the terminal, Mon–Fri 15:00–17:00",
        "pl": "Rabat 5% na cały rachunek, ukryty w terminalu, pon.–pt. 15:00–17:00",
        "cs": "Sleva 5\u00a0% na celý účet, skrytá v terminálu, po–pá 15:00–17:00"}),
    (Rule(amount=1000, scope="categories", categories=("Drinks",), excluded_categories=("Tobacco",),
          valid_from=date(2027, 1, 1), valid_to=date(2027, 1, 31)), {
        "en": "PLN10.00 off each item in the category Drinks, except the category Tobacco, "
              "from 1 January 2027 to 31 January 2027",
        "pl": "Rabat 10,00\u00a0zł na każdą sztukę z kategorii Drinks, z wyłączeniem kategorii Tobacco, "
              "od 1 stycznia 2027 do 31 stycznia 2027",
        "cs": "Sleva 10,00\u00a0PLN na každý kus z kategorie Drinks, kromě kategorie Tobacco, "
              "od 1. ledna 2027 do 31. ledna 2027"}),
    (Rule(percent=Decimal("12.5"), scope="categories", categories=("Napoje", "Desery"),
          excluded_products=("Piwo", "Cola", "Wino")), {
        "en": "12.5% off the categories Napoje, Desery, except the products Piwo, Cola, Wino",
        "pl": "Rabat 12,5% na kategorie Napoje, Desery, z wyłączeniem produktów Piwo, Cola, Wino",
        "cs": "Sleva 12,5\u00a0% na kategorie Napoje, Desery, kromě produktů Piwo, Cola, Wino"}),
    (Rule(percent=Decimal(10), scope="products", products=("Pivo",), valid_to=date(2027, 3, 31)), {
        "en": "10% off the product Pivo, until 31 March 2027",
        "pl": "Rabat 10% na produkt Pivo, do 31 marca 2027",
        "cs": "Sleva 10\u00a0% na produkt Pivo, do 31. března 2027"}),
    (Rule(percent=Decimal(5), min_bill=5000, valid_from=date(2027, 5, 1), valid_to=date(2027, 5, 1)), {
        "en": "5% off the whole bill, minimum bill PLN50.00, only on 1 May 2027",
        "pl": "Rabat 5% na cały rachunek, przy rachunku od 50,00\u00a0zł, tylko 1 maja 2027",
        "cs": "Sleva 5\u00a0% na celý účet, při útratě od 50,00\u00a0PLN, pouze 1. května 2027"}),
]


@pytest.mark.parametrize("rule, said", CASES)
@pytest.mark.parametrize("locale", ["en", "pl", "cs"])
def test_the_rule_in_words(app, rule, said, locale):
    assert say(app, rule, locale) == said[locale]


def test_czech_crowns_and_the_weekend_all_day(app):
    rule = Rule(amount=2500, scope="products", products=("Pivo", "Kofola"),
                weekly=(Window((6, 7), time(0), time(0)), Window((5,), time(22), time(2))))
    assert say(app, rule, "cs", "CZK") == ("Sleva 25,00\u00a0Kč na každý kus produktů Pivo, Kofola, "
                                           "so, ne celý den; pá 22:00–02:00")
    assert say(app, rule, "pl", "CZK").endswith("sob., niedz. przez cały dzień; pt. 22:00–02:00")


@pytest.mark.parametrize("locale, many", [
    ("en", "A, B, C, D, E and 1 more"), ("pl", "A, B, C, D, E i 1 inny"), ("cs", "A, B, C, D, E a 1 další"),
])
def test_a_long_list_is_cut_with_a_count(app, locale, many):
    rule = Rule(percent=Decimal(5), scope="products", products=tuple("ABCDEF"))
    assert many in say(app, rule, locale)


@pytest.mark.parametrize("n, pl, cs", [(2, "i 2 inne", "a 2 další"), (7, "i 7 innych", "a 7 dalších"),
                                       (22, "i 22 inne", "a 22 dalších")])
def test_polish_and_czech_plurals_of_the_rest(app, n, pl, cs):
    rule = Rule(percent=Decimal(5), scope="products", products=tuple(f"P{i}" for i in range(5 + n)))
    assert pl in say(app, rule, "pl")
    assert cs in say(app, rule, "cs")


@pytest.mark.parametrize("days, en, pl", [
    ((1, 2, 3, 4, 5), "Mon–Fri", "pon.–pt."),
    ((6, 7), "Sat, Sun", "sob., niedz."),
    ((1, 2, 3, 4, 5, 6, 7), "every day", "codziennie"),
    ((1, 3, 4, 5, 7), "Mon, Wed–Fri, Sun", "pon., śr.–pt., niedz."),
    ((1, 2), "Mon, Tue", "pon., wt."),
])
def test_days_grouped_into_ranges(app, days, en, pl):
    with app.test_request_context():
        with force_locale("en"):
            assert days_text(days, "en") == en
        with force_locale("pl"):
            assert days_text(days, "pl") == pl


def test_a_rule_still_being_typed(app):
    assert say(app, Rule(scope="categories"), "en") == "… off categories not chosen yet"
    assert say(app, Rule(scope="products", amount=100), "pl") == "Rabat 1,00\u00a0zł na produkty (jeszcze niewybrane)"
