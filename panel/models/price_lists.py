"""Price lists (iKelp "ceník"): products at a fixed unit price, categories at a percent off,
granted to groups (and tiers). The engine lets the lowest proposal win; lists never stack."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, Date, DateTime, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..tenancy import TenantScoped
from .base import Timestamps, tenant_fk
from .discounts import LIVE


class PriceList(TenantScoped, Timestamps, db.Model):
    __tablename__ = "price_lists"
    __table_args__ = (
        Index("uq_price_lists_tenant_name_key", "tenant_id", "name_key", unique=True,
              postgresql_where=LIVE, sqlite_where=LIVE),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(String(120))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PriceListEntry(TenantScoped, db.Model):
    """A product at `unit_price`, or a category (and its children) at `percent` off."""

    __tablename__ = "price_list_entries"
    __table_args__ = (
        tenant_fk("price_list_id", "price_lists", name="fk_price_list_entries_list", ondelete="CASCADE"),
        tenant_fk("product_id", "products", name="fk_price_list_entries_product", ondelete="CASCADE"),
        tenant_fk("category_id", "categories", name="fk_price_list_entries_category", ondelete="CASCADE"),
        CheckConstraint("(product_id IS NOT NULL AND unit_price IS NOT NULL AND category_id IS NULL "
                        "AND percent IS NULL) OR (category_id IS NOT NULL AND percent IS NOT NULL "
                        "AND product_id IS NULL AND unit_price IS NULL)", name="product_price_or_category_percent"),
        CheckConstraint("unit_price IS NULL OR unit_price >= 0", name="unit_price_not_negative"),
        CheckConstraint("percent IS NULL OR (percent > 0 AND percent <= 100)", name="percent_range"),
        # One entry per product and per category in a list (NULLs do not collide).
        Index("uq_price_list_entries_product", "tenant_id", "price_list_id", "product_id", unique=True),
        Index("uq_price_list_entries_category", "tenant_id", "price_list_id", "category_id", unique=True),
        Index("ix_price_list_entries_tenant_product", "tenant_id", "product_id"),
        Index("ix_price_list_entries_tenant_category", "tenant_id", "category_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    price_list_id: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int | None] = mapped_column(Integer)
    category_id: Mapped[int | None] = mapped_column(Integer)
    unit_price: Mapped[int | None] = mapped_column(BigInteger)
    percent: Mapped[Decimal | None] = mapped_column(Numeric(9, 4))
