"""A discount's rule said back in words, in the reader's language.

"5% off the whole bill, hidden on the terminal, Mon–Fri 15:00–17:00" in English; Polish and
Czech say it with their own grammar ("Rabat 5% na cały rachunek, ukryty w terminalu, pon.–pt.
15:00–17:00", "Sleva 5 % na celý účet, skrytá v terminálu, po–pá 15:00–17:00"). The discount
form shows the sentence as it is typed, the list shows it on every row and the API answers it as
`description`, so what the owner reads is what the pricing engine does.

Pure: it receives a Rule (names, not rows) and the locale; gettext (flask_babel) picks the
language's sentence, Babel writes numbers, money, dates and day names. Category and product
names follow a noun in the case the noun governs ("na kategorię Napoje", "kromě kategorie
Tabák"), so a name the owner typed is never inflected.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_percent

from ...i18n import translations
from ...money import format_amount


# flask_babel's gettext and ngettext, read from the request's catalog once looked up
# (panel.i18n.translations): the list says a sentence a row, and Flask-Babel's own lookup was
# a third of each sentence's time.
def _(message: str, **variables) -> str:
    text = translations().ugettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    return translations().ungettext(singular, plural, num) % variables


SHOWN_NAMES = 5  # names a sentence lists before "and 12 more"
MIDNIGHT = time(0, 0)


@dataclass(frozen=True)
class Window:
    """ISO days (Monday = 1) and local hours; an end at or before the start runs past midnight."""

    days: tuple[int, ...]
    start: time
    end: time


@dataclass(frozen=True)
class Rule:
    """What the sentence says: the discount with its targets as names."""

    percent: Decimal | None = None
    amount: int | None = None
    scope: str = "bill"
    categories: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    excluded_categories: tuple[str, ...] = ()
    excluded_products: tuple[str, ...] = ()
    selectable: bool = True
    valid_from: date | None = None
    valid_to: date | None = None
    weekly: tuple[Window, ...] = ()
    min_bill: int = 0


def describe(rule: Rule, currency: str, locale: str) -> str:
    """The whole rule in one sentence, starting with a capital letter."""
    parts = [_head(rule, currency, locale)]
    if rule.excluded_categories:
        parts.append(ngettext("except the category %(names)s", "except the categories %(names)s",
                              len(rule.excluded_categories), names=_names(rule.excluded_categories)))
    if rule.excluded_products:
        parts.append(ngettext("except the product %(names)s", "except the products %(names)s",
                              len(rule.excluded_products), names=_names(rule.excluded_products)))
    if rule.min_bill and rule.scope == "bill":
        parts.append(_("minimum bill %(amount)s", amount=format_amount(rule.min_bill, currency, locale)))
    if not rule.selectable:
        parts.append(_("hidden on the terminal"))
    if validity := _validity(rule.valid_from, rule.valid_to, locale):
        parts.append(validity)
    if rule.weekly:
        parts.append("; ".join(window_text(w, locale) for w in rule.weekly))
    sentence = ", ".join(parts)
    return sentence[:1].upper() + sentence[1:]


def value_text(rule: Rule, currency: str, locale: str) -> str:
    """"5%", "12,5 %" (Czech puts a space before the sign), "10,00 zł"; "" while neither is set."""
    if rule.percent is not None:
        babel = _babel(locale)
        # The language's own pattern ("#,##0 %" in Czech) with the four decimals a percent may have.
        pattern = babel.percent_formats[None].pattern.replace("#,##0", "#,##0.####", 1)
        return format_percent(rule.percent / 100, pattern, locale=babel)
    if rule.amount is not None:
        return format_amount(rule.amount, currency, locale)
    return ""


def _head(rule: Rule, currency: str, locale: str) -> str:
    value = value_text(rule, currency, locale) or "…"
    each = rule.percent is None and rule.amount is not None  # an amount comes off each item
    if rule.scope == "categories" and rule.categories:
        n, names = len(rule.categories), _names(rule.categories)
        if each:
            return ngettext("%(value)s off each item in the category %(names)s",
                            "%(value)s off each item in the categories %(names)s", n, value=value, names=names)
        return ngettext("%(value)s off the category %(names)s", "%(value)s off the categories %(names)s", n,
                        value=value, names=names)
    if rule.scope == "products" and rule.products:
        n, names = len(rule.products), _names(rule.products)
        if each:
            return ngettext("%(value)s off each item of the product %(names)s",
                            "%(value)s off each item of the products %(names)s", n, value=value, names=names)
        return ngettext("%(value)s off the product %(names)s", "%(value)s off the products %(names)s", n,
                        value=value, names=names)
    if rule.scope == "categories":
        return _("%(value)s off categories not chosen yet", value=value)
    if rule.scope == "products":
        return _("%(value)s off products not chosen yet", value=value)
    return _("%(value)s off the whole bill", value=value)


def _names(names: tuple[str, ...]) -> str:
    shown = ", ".join(names[:SHOWN_NAMES])
    more = len(names) - SHOWN_NAMES
    if more <= 0:
        return shown
    return ngettext("%(names)s and %(num)d more", "%(names)s and %(num)d more", more, names=shown)


def _validity(start: date | None, end: date | None, locale: str) -> str:
    if start and end and start == end:
        return _("only on %(day)s", day=_day(start, locale))
    if start and end:
        return _("from %(start)s to %(end)s", start=_day(start, locale), end=_day(end, locale))
    if start:
        return _("from %(start)s", start=_day(start, locale))
    if end:
        return _("until %(end)s", end=_day(end, locale))
    return ""


def window_text(window: Window, locale: str) -> str:
    """"Mon–Fri 15:00–17:00", "Sat, Sun all day", "every day 22:00–02:00"."""
    days = days_text(window.days, locale)
    if window.start == window.end == MIDNIGHT:
        return _("%(days)s all day", days=days)
    return f"{days} {window.start:%H:%M}–{window.end:%H:%M}"


def days_text(days: tuple[int, ...] | list[int], locale: str) -> str:
    """ISO days as people write them: three or more in a row as a range (Mon–Fri), others listed."""
    wanted = sorted(set(days))
    if len(wanted) == 7:
        return _("every day")
    names = _babel(locale).days["format"]["abbreviated"]  # 0 = Monday
    runs: list[list[int]] = []
    for day in wanted:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    out: list[str] = []
    for run in runs:
        if len(run) >= 3:
            out.append(f"{names[run[0] - 1]}–{names[run[-1] - 1]}")
        else:
            out.extend(names[day - 1] for day in run)
    return ", ".join(out)


def _day(day: date, locale: str) -> str:
    # Written out ("1 lutego 2027", "1. února 2027"): the sentence reads them in running text.
    return format_date(day, "long", locale=_babel(locale))


@functools.lru_cache(maxsize=8)
def _babel(locale: str) -> Locale:
    # The panel's English is British (day first), as panel/i18n.py writes dates.
    return Locale.parse("en_GB" if locale == "en" else locale)


def day_names(locale: str) -> list[str]:
    """The seven days' short names, Monday first, as the sentence writes them."""
    names = _babel(locale).days["format"]["abbreviated"]
    return [names[i] for i in range(7)]
