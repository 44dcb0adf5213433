"""Loyalty tiers by turnover (issue 17): the tenant's settings, its ordered tiers and what they
grant, each customer's tier now, and the history of every change with the figures behind it.

The rule is panel/loyalty/tiers.py; the evaluation that writes these rows is
panel/services/loyalty/evaluation.py. Evaluation runs are JobRuns (kind "tier_evaluation").
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..tenancy import TenantScoped
from .base import Timestamps, tenant_fk, utcnow

TIER_CAUSES = ("evaluation", "manual", "realtime", "settings")


class LoyaltySettings(TenantScoped, Timestamps, db.Model):
    """One row per tenant; a tenant without one has the defaults (services/loyalty/settings.py)."""

    __tablename__ = "loyalty_settings"
    __table_args__ = (
        UniqueConstraint("tenant_id"),
        CheckConstraint("period_calendar IS NULL OR period_calendar IN ('month', 'quarter', 'year')",
                        name="known_calendar"),
        CheckConstraint("rolling_days BETWEEN 1 AND 3660", name="rolling_days_range"),
        CheckConstraint("validity_unit IN ('days', 'months')", name="known_validity_unit"),
        CheckConstraint("validity >= 0", name="validity_not_negative"),
        CheckConstraint("daily_hour BETWEEN 0 AND 23", name="daily_hour_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluate: Mapped[bool] = mapped_column(Boolean, default=False)
    counted_types: Mapped[str] = mapped_column(String(64), default="receipt,invoice")  # comma list
    rolling_days: Mapped[int] = mapped_column(Integer, default=365)
    period_calendar: Mapped[str | None] = mapped_column(String(8))  # None: rolling
    validity_unit: Mapped[str] = mapped_column(String(8), default="days")
    validity: Mapped[int] = mapped_column(Integer, default=90)
    include_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    daily_hour: Mapped[int] = mapped_column(Integer, default=4)  # the restaurant's clock


class Tier(TenantScoped, Timestamps, db.Model):
    __tablename__ = "tiers"
    __table_args__ = (
        UniqueConstraint("tenant_id", "name_key"),
        CheckConstraint("rank >= 1", name="rank_positive"),
        CheckConstraint("threshold >= 0", name="threshold_not_negative"),
        CheckConstraint("min_documents >= 0", name="min_documents_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rank: Mapped[int] = mapped_column(Integer)  # 1 is the highest
    name: Mapped[str] = mapped_column(String(60))
    name_key: Mapped[str] = mapped_column(String(60))
    colour: Mapped[str] = mapped_column(String(7), default="#b8860b")
    automatic: Mapped[bool] = mapped_column(Boolean, default=True)
    threshold: Mapped[int] = mapped_column(BigInteger, default=0)
    min_documents: Mapped[int] = mapped_column(Integer, default=0)


class TierDiscount(TenantScoped, db.Model):
    __tablename__ = "tier_discounts"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "tier_id", "discount_id"),
        tenant_fk("tier_id", "tiers", name="fk_tier_discounts_tier", ondelete="CASCADE"),
        tenant_fk("discount_id", "discounts", name="fk_tier_discounts_discount", ondelete="CASCADE"),
        Index("ix_tier_discounts_tenant_discount", "tenant_id", "discount_id"),
    )

    tier_id: Mapped[int] = mapped_column(Integer)
    discount_id: Mapped[int] = mapped_column(Integer)


class TierPriceList(TenantScoped, db.Model):
    __tablename__ = "tier_price_lists"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "tier_id", "price_list_id"),
        tenant_fk("tier_id", "tiers", name="fk_tier_price_lists_tier", ondelete="CASCADE"),
        tenant_fk("price_list_id", "price_lists", name="fk_tier_price_lists_price_list", ondelete="CASCADE"),
        Index("ix_tier_price_lists_tenant_price_list", "tenant_id", "price_list_id"),
    )

    tier_id: Mapped[int] = mapped_column(Integer)
    price_list_id: Mapped[int] = mapped_column(Integer)


class CustomerTier(TenantScoped, db.Model):
    """A customer's tier now. No row (or tier_id NULL) is no tier. `manual`: a manager chose it;
    it wins over evaluation while `valid_until` (its end, None: open) has not passed."""

    __tablename__ = "customer_tiers"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "customer_id"),
        tenant_fk("customer_id", "customers", name="fk_customer_tiers_customer", ondelete="CASCADE"),
        tenant_fk("tier_id", "tiers", name="fk_customer_tiers_tier", ondelete="SET NULL"),
        Index("ix_customer_tiers_tenant_tier", "tenant_id", "tier_id"),
    )

    customer_id: Mapped[int] = mapped_column(Integer)
    tier_id: Mapped[int | None] = mapped_column(Integer)
    valid_until: Mapped[date | None] = mapped_column(Date)
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TierChange(TenantScoped, db.Model):
    """One change of a customer's tier and the figures that caused it ("why is she Silver?").
    Tier names are copied: the history reads the same after a tier is renamed or removed."""

    __tablename__ = "tier_changes"
    __table_args__ = (
        tenant_fk("customer_id", "customers", name="fk_tier_changes_customer", ondelete="CASCADE"),
        CheckConstraint("cause IN ('evaluation', 'manual', 'realtime', 'settings')", name="known_cause"),
        Index("ix_tier_changes_tenant_customer", "tenant_id", "customer_id", "id"),
        Index("ix_tier_changes_tenant_on_day", "tenant_id", "on_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(Integer)
    on_day: Mapped[date] = mapped_column(Date)  # the evaluation date D
    cause: Mapped[str] = mapped_column(String(16))
    old_tier_id: Mapped[int | None] = mapped_column(Integer)
    old_tier_name: Mapped[str] = mapped_column(String(60), default="")
    old_rank: Mapped[int | None] = mapped_column(Integer)
    new_tier_id: Mapped[int | None] = mapped_column(Integer)
    new_tier_name: Mapped[str] = mapped_column(String(60), default="")
    new_rank: Mapped[int | None] = mapped_column(Integer)
    valid_until: Mapped[date | None] = mapped_column(Date)
    turnover: Mapped[int | None] = mapped_column(BigInteger)
    documents: Mapped[int | None] = mapped_column(Integer)
    threshold: Mapped[int | None] = mapped_column(BigInteger)        # the new tier's (down to none: the old's)
    min_documents: Mapped[int | None] = mapped_column(Integer)
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    job_run_id: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
