"""A tenant: one restaurant business."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import utcnow

COUNTRIES = ("PL", "CZ")
CURRENCIES = ("PLN", "CZK", "EUR")
LOCALES = ("pl", "cs", "en")
# How each country's staff read a sorted list (Polish puts "Ł" after "L", Czech "Ch" after
# "H"): the PostgreSQL ICU collation of the customer list's company and city sorts. Each one
# has its own indexes (models/customers.py), so a country added here needs a migration too.
SORT_COLLATIONS = {"PL": "pl-x-icu", "CZ": "cs-x-icu"}
# Where each country's restaurants tell the time: the panel shows every moment (a sale, a
# change, the day a customer was added) on their clock, never in UTC, which is what is stored.
TIMEZONES = {"PL": "Europe/Warsaw", "CZ": "Europe/Prague"}
# The currency a restaurant in each country keeps its books in: the sign-up form's default.
HOME_CURRENCIES = {"PL": "PLN", "CZ": "CZK"}


class Tenant(db.Model):
    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2), default="PL")
    currency: Mapped[str] = mapped_column(String(3), default="PLN")
    locale: Mapped[str] = mapped_column(String(5), default="pl")
    # How the tenant's card readers type a card's UID; see panel/cardcodes.py.
    reader_format: Mapped[str] = mapped_column(String(16), default="auto")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def __repr__(self) -> str:
        return f"<Tenant {self.slug}>"
