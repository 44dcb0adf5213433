"""Discounts: a percent or a fixed amount, on the whole bill, some categories or some products.

`selectable` is "available on the terminal" (GoPOS "aktywne"): off, the discount is hidden from
every picker and reaches a bill only through a group (or a tier). A discount once used is
archived, not deleted. The rule that applies them is panel/pricing.
"""
from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Index,
    Integer,
    Numeric,
    String,
    Time,
    column,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..tenancy import TenantScoped
from .base import Timestamps, tenant_fk

SCOPES = ("bill", "categories", "products")
# The partial unique index on names covers live rows: an archived name is free again.
LIVE = column("archived_at").is_(None)


class Discount(TenantScoped, Timestamps, db.Model):
    __tablename__ = "discounts"
    __table_args__ = (
        Index("uq_discounts_tenant_name_key", "tenant_id", "name_key", unique=True,
              postgresql_where=LIVE, sqlite_where=LIVE),
        CheckConstraint("(percent IS NULL) <> (amount IS NULL)", name="one_of_percent_amount"),
        CheckConstraint("percent IS NULL OR (percent > 0 AND percent <= 100)", name="percent_range"),
        CheckConstraint("amount IS NULL OR amount > 0", name="amount_positive"),
        CheckConstraint("min_bill >= 0", name="min_bill_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(String(120))
    percent: Mapped[Decimal | None] = mapped_column(Numeric(9, 4))   # exact, 0 < p <= 100
    amount: Mapped[int | None] = mapped_column(BigInteger)           # minor units
    scope: Mapped[str] = mapped_column(String(16), default="bill")
    selectable: Mapped[bool] = mapped_column(Boolean, default=True)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    min_bill: Mapped[int] = mapped_column(BigInteger, default=0)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DiscountTarget(TenantScoped, db.Model):
    """A category or product a discount covers, or (excluded) leaves out."""

    __tablename__ = "discount_targets"
    __table_args__ = (
        tenant_fk("discount_id", "discounts", name="fk_discount_targets_discount", ondelete="CASCADE"),
        tenant_fk("category_id", "categories", name="fk_discount_targets_category", ondelete="CASCADE"),
        tenant_fk("product_id", "products", name="fk_discount_targets_product", ondelete="CASCADE"),
        CheckConstraint("(category_id IS NULL) <> (product_id IS NULL)", name="category_or_product"),
        Index("ix_discount_targets_tenant_discount", "tenant_id", "discount_id"),
        Index("ix_discount_targets_tenant_category", "tenant_id", "category_id"),
        Index("ix_discount_targets_tenant_product", "tenant_id", "product_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    discount_id: Mapped[int] = mapped_column(Integer)
    category_id: Mapped[int | None] = mapped_column(Integer)
    product_id: Mapped[int | None] = mapped_column(Integer)
    excluded: Mapped[bool] = mapped_column(Boolean, default=False)


class DiscountWindow(TenantScoped, db.Model):
    """A weekly window (happy hours): days as a bit mask (Monday = bit 0) and local hours
    [starts, ends); an end at or before the start runs past midnight."""

    __tablename__ = "discount_windows"
    __table_args__ = (
        tenant_fk("discount_id", "discounts", name="fk_discount_windows_discount", ondelete="CASCADE"),
        CheckConstraint("days > 0 AND days < 128", name="days_mask"),
        Index("ix_discount_windows_tenant_discount", "tenant_id", "discount_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    discount_id: Mapped[int] = mapped_column(Integer)
    days: Mapped[int] = mapped_column(Integer)
    starts: Mapped[time] = mapped_column(Time)
    ends: Mapped[time] = mapped_column(Time)

    @property
    def day_numbers(self) -> list[int]:
        """ISO days, Monday = 1."""
        return [day for day in range(1, 8) if self.days & (1 << (day - 1))]


def days_mask(days) -> int:
    """ISO days (Monday = 1) as the bit mask DiscountWindow.days stores."""
    return sum(1 << (day - 1) for day in set(days))
