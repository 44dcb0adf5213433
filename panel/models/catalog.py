"""The catalog the POS sells from: categories (a tree) and products, keyed by the POS's ids.

`external_id` is the POS's own id (a string; the API speaks it); `id` is ours and is what rules
(discount targets, price-list entries) refer to, so that a product renamed or moved keeps them.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, DateTime, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..tenancy import TenantScoped
from .base import Timestamps, tenant_fk

EXTERNAL_ID_LENGTH = 64


class Category(TenantScoped, Timestamps, db.Model):
    __tablename__ = "categories"
    __table_args__ = (
        UniqueConstraint("tenant_id", "external_id"),
        tenant_fk("parent_id", "categories", name="fk_categories_parent", ondelete="SET NULL"),
        Index("ix_categories_tenant_parent", "tenant_id", "parent_id"),
        Index("ix_categories_tenant_name", "tenant_id", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(EXTERNAL_ID_LENGTH))
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None]
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Product(TenantScoped, Timestamps, db.Model):
    __tablename__ = "products"
    __table_args__ = (
        UniqueConstraint("tenant_id", "external_id"),
        tenant_fk("category_id", "categories", name="fk_products_category", ondelete="SET NULL"),
        Index("ix_products_tenant_category", "tenant_id", "category_id"),
        Index("ix_products_tenant_name", "tenant_id", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(EXTERNAL_ID_LENGTH))
    name: Mapped[str] = mapped_column(String(200))
    category_id: Mapped[int | None]
    price: Mapped[int | None] = mapped_column(BigInteger)          # gross, minor units
    vat_rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))  # percent: 23, 8, 5, 0
    # Off for what must keep its price: tobacco (sold at the printed price by law in Poland),
    # wallet top-ups, vouchers, deposits, tips.
    discountable: Mapped[bool] = mapped_column(Boolean, default=True)
    earns_points: Mapped[bool] = mapped_column(Boolean, default=True)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
