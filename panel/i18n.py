"""Language choice and locale-aware formatting for templates."""
from __future__ import annotations

import functools
from datetime import date, datetime
from typing import Callable

from babel import Locale, dates
from flask import g, has_app_context, has_request_context, request, session
from flask_babel import get_locale, get_timezone, get_translations

from .models import LOCALES
from .models.base import aware

LANGUAGE_NAMES = {"pl": "Polski", "cs": "Čeština", "en": "English"}


def select_locale() -> str:
    """The user's saved choice, else the session's, else the tenant's, else the browser's."""
    if not has_request_context():
        return "en"  # CLI and jobs speak English unless a job sets its own locale
    # The user as Flask-Login already loaded it: touching current_user here could load the
    # user, whose flash message is a lazy translation that asks for the locale again.
    user = g.get("_login_user")
    if user is not None and getattr(user, "locale", None) in LOCALES:
        return user.locale
    if session.get("locale") in LOCALES:
        return session["locale"]
    tenant = getattr(g, "tenant", None)
    if tenant is not None and tenant.locale in LOCALES:
        return tenant.locale
    return request.accept_languages.best_match(LOCALES) or "en"


def locale_code() -> str:
    return str(get_locale() or "en")


# The panel's English is read in Poland and Czechia: its dates put the day first, as British
# English does. American month-first dates would make 3/4/26 the 4th of March to everyone here.
_FORMAT_LOCALES = {"en": Locale.parse("en_GB")}


def format_locale() -> Locale:
    """The locale dates are written in: the language's own, English written British."""
    locale = get_locale() or _FORMAT_LOCALES["en"]
    return _FORMAT_LOCALES.get(locale.language, locale)


# CLDR's short Czech date is 02.12.26; Czech offices write 2. 12. 2026 (ČSN 01 6910), and a
# customer's history reaches back far enough for a two-digit year to be a guess.
_SHORT_PATTERNS = {"cs": {"date": "d. M. y", "datetime": "d. M. y H:mm"}}


def _pattern(fmt: str, kind: str, locale: Locale) -> str:
    """The Babel format for `fmt` ("short", "medium", ...) of a date or datetime in `locale`."""
    return _SHORT_PATTERNS.get(locale.language, {}).get(kind, fmt) if fmt == "short" else fmt


def money(minor: int | None, currency: str | None = None) -> str:
    from .money import format_amount

    if minor is None:
        return ""
    tenant = getattr(g, "tenant", None)
    return format_amount(int(minor), currency or (tenant.currency if tenant else "PLN"), locale_code())


def date_filter(value: date | datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    # Babel itself: Flask-Babel's formatters take the language's own locale, and its format_date
    # costs five times more (lookups a date does not need); the list shows a date a row.
    locale = format_locale()
    if isinstance(value, datetime):
        return dates.format_datetime(value, _pattern("short" if fmt == "medium" else fmt, "datetime", locale),
                                     tzinfo=get_timezone(), locale=locale)
    return dates.format_date(value, _pattern(fmt, "date", locale), locale=locale)


@functools.lru_cache(maxsize=8192)
def _written_day(day: date, pattern: str, locale: Locale) -> str:
    # A list shows a date a row and Babel takes ~15 us to write one; the days a restaurant's
    # records fall on are few (8192 is over twenty years), so each is written once a process.
    return dates.format_date(day, pattern, locale=locale)


def day_formatter(fmt: str = "medium") -> Callable[[datetime | None], str]:
    """The `day` filter for a page of rows: the zone and the locale are looked up once.

    Each lookup walks Flask-Babel's context proxies; for 25 rows that was a quarter of the
    customer list's rendering.
    """
    zone, locale = get_timezone(), format_locale()
    pattern = _pattern(fmt, "date", locale)

    def day(value: datetime | None) -> str:
        return _written_day(aware(value).astimezone(zone).date(), pattern, locale) if value else ""

    return day


def day_filter(value: datetime | None, fmt: str = "medium") -> str:
    """The date a moment fell on at the restaurant: added just after midnight is the new day."""
    return day_formatter(fmt)(value)


def one_stop(text: str) -> str:
    """A sentence ending in a name that ends in a full stop ("... Sp. z o.o.") takes no second one."""
    return text[:-1] if text.endswith("..") and not text.endswith("...") else text


def iso_date(value: date | datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def translations():
    """This context's translations, looked up once and kept where Flask-Babel keeps its own.

    Flask-Babel's get_translations() walks four context lookups and formats the locale name on
    every string (~25 us here), and the customer list asks for a hundred strings per fragment.
    The slot is Flask-Babel's: refresh() clears it and force_locale() swaps it, so a changed
    locale still takes effect.
    """
    if not has_app_context():
        return get_translations()
    ctx = g.get("_flask_babel")
    found = getattr(ctx, "babel_translations", None)
    if found is None:
        found = get_translations()
        ctx = g.get("_flask_babel")
        if ctx is not None:
            ctx.babel_translations = found
    return found


def customer_name(c) -> str:
    """The customer's name as staff should read it; erased records say so in the user's language."""
    if c.erased_at:
        return translations().gettext("Erased customer #%(id)s") % {"id": c.id}
    return c.display_name


def install(app) -> None:
    app.jinja_env.filters.update(money=money, date=date_filter, day=day_filter, iso_date=iso_date, one_stop=one_stop)
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().gettext(s),
        ngettext=lambda s, p, n: translations().ngettext(s, p, n),
        pgettext=lambda c, s: translations().pgettext(c, s),
        npgettext=lambda c, s, p, n: translations().npgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals.update(LANGUAGE_NAMES=LANGUAGE_NAMES, locale_code=locale_code)
