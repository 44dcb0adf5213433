"""Customer groups ("Należy do grupy"): a customer belongs to at most one; a group grants
discounts and price lists, which the pricing engine applies to its members' bills."""
from __future__ import annotations

from sqlalchemy import Index, Integer, PrimaryKeyConstraint, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..tenancy import TenantScoped
from .base import Timestamps, tenant_fk

DEFAULT_COLOUR = "#2f6f4f"


class CustomerGroup(TenantScoped, Timestamps, db.Model):
    __tablename__ = "customer_groups"
    __table_args__ = (
        # One group per name, case-insensitive (name_key is the name lower-cased). A group is
        # deleted, not archived: its members fall out of it (customers.group_id SET NULL), and
        # the documents priced through it keep their own copy of what it gave.
        UniqueConstraint("tenant_id", "name_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100))
    colour: Mapped[str] = mapped_column(String(7), default=DEFAULT_COLOUR)  # "#rrggbb"
    note: Mapped[str] = mapped_column(Text, default="")


class GroupDiscount(TenantScoped, db.Model):
    """A discount a group grants."""

    __tablename__ = "group_discounts"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "group_id", "discount_id"),
        tenant_fk("group_id", "customer_groups", name="fk_group_discounts_group", ondelete="CASCADE"),
        tenant_fk("discount_id", "discounts", name="fk_group_discounts_discount", ondelete="CASCADE"),
        Index("ix_group_discounts_tenant_discount", "tenant_id", "discount_id"),
    )

    group_id: Mapped[int] = mapped_column(Integer)
    discount_id: Mapped[int] = mapped_column(Integer)


class GroupPriceList(TenantScoped, db.Model):
    """A price list a group grants."""

    __tablename__ = "group_price_lists"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "group_id", "price_list_id"),
        tenant_fk("group_id", "customer_groups", name="fk_group_price_lists_group", ondelete="CASCADE"),
        tenant_fk("price_list_id", "price_lists", name="fk_group_price_lists_price_list", ondelete="CASCADE"),
        Index("ix_group_price_lists_tenant_price_list", "tenant_id", "price_list_id"),
    )

    group_id: Mapped[int] = mapped_column(Integer)
    price_list_id: Mapped[int] = mapped_column(Integer)
