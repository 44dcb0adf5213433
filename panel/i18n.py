"""Language choice and locale-aware formatting for templates."""
from __future__ import annotations

from datetime import date, datetime

from flask import g, has_request_context, request, session
from flask_babel import format_date, format_datetime, get_locale

from .models import LOCALES

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


def money(minor: int | None, currency: str | None = None) -> str:
    from .money import format_amount

    if minor is None:
        return ""
    tenant = getattr(g, "tenant", None)
    return format_amount(int(minor), currency or (tenant.currency if tenant else "PLN"), locale_code())


def date_filter(value: date | datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, "short" if fmt == "medium" else fmt)
    return format_date(value, fmt)


def iso_date(value: date | datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def install(app) -> None:
    app.jinja_env.filters.update(money=money, date=date_filter, iso_date=iso_date)
    app.jinja_env.globals.update(LANGUAGE_NAMES=LANGUAGE_NAMES, locale_code=locale_code)
