"""A tenant: one restaurant business."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, DateTime, Integer, Numeric, String, false
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
    # The points rule (panel/loyalty/points.py; settings page "Points"): off until the owner
    # turns it on. per_unit points per 1 unit of currency; redeem_points are worth
    # redeem_value minor units; earning types as a comma-separated list of document types.
    points_enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    points_per_unit: Mapped[Decimal] = mapped_column(Numeric(9, 3), default=Decimal(1), server_default="1")
    points_redeem_points: Mapped[int] = mapped_column(Integer, default=100, server_default="100")
    points_redeem_value: Mapped[int] = mapped_column(Integer, default=100, server_default="100")
    points_earning_types: Mapped[str] = mapped_column(String(60), default="receipt,invoice",
                                                      server_default="receipt,invoice")
    points_expiry_months: Mapped[int | None] = mapped_column(Integer)

    def __repr__(self) -> str:
        return f"<Tenant {self.slug}>"
