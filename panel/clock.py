"""The restaurant's clock. Times are stored in UTC; a restaurant's day runs from its own
midnight to the next. A card valid until 31 December is expired at 00:30 on 1 January in
Warsaw, while UTC (and perhaps the server) still says 31 December.
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone

import pytz
from flask import g, has_app_context

from .extensions import db
from .models import TIMEZONES, Tenant
from .models.base import aware, utcnow
from .tenancy import current_tenant_id


def zone_name() -> str:
    """The current tenant's time zone; UTC where no tenant is in scope.

    The panel has the tenant in g.tenant and the API its caller's country in g.api_token; a job
    (or anything else in a tenant scope) looks the tenant up once per app context, since an
    import validates thousands of birthdays against today.
    """
    country = None
    if has_app_context():
        tenant, caller = g.get("tenant"), g.get("api_token")
        if tenant is not None:
            country = tenant.country
        elif caller is not None:
            country = caller.country
        elif (tenant_id := current_tenant_id()) is not None:
            known = g.get("_clock_country")
            if known is None or known[0] != tenant_id:
                found = db.session.get(Tenant, tenant_id)
                known = g._clock_country = (tenant_id, found.country if found is not None else None)
            country = known[1]
    return TIMEZONES.get(country or "", "UTC")


def now() -> datetime:
    """This moment on the restaurant's clock (aware)."""
    return utcnow().astimezone(pytz.timezone(zone_name()))


def day_start(day: date) -> datetime:
    """The moment `day` begins at the restaurant, in UTC as it is stored: where a day's filter starts."""
    return pytz.timezone(zone_name()).localize(datetime.combine(day, time.min)).astimezone(timezone.utc)


def today() -> date:
    """The restaurant's date: what a card's expiry, a birthday or "this month" is compared with."""
    return now().date()


def iso(value: date | datetime | None) -> str:
    """A date, or a moment in UTC to the second, as exports write it: 2026-12-02T17:33:03+00:00.

    The same on PostgreSQL and SQLite (whose datetimes come back naive), and without the
    microseconds no reader of an export needs.
    """
    if value is None:
        return ""
    if isinstance(value, datetime):
        return aware(value).astimezone(timezone.utc).isoformat(timespec="seconds")
    return value.isoformat()
