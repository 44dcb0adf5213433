"""Loyalty cards: a customer may hold many; codes are unique per tenant by canonical key."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..tenancy import TenantScoped
from .base import Timestamps, tenant_fk, utcnow

CARD_STATUSES = ("active", "blocked", "lost")


class Card(TenantScoped, Timestamps, db.Model):
    __tablename__ = "cards"
    __table_args__ = (
        UniqueConstraint("tenant_id", "code_key"),
        UniqueConstraint("tenant_id", "number"),
        tenant_fk("customer_id", "customers", name="fk_cards_customer", ondelete="CASCADE"),
        tenant_fk("replaced_by_id", "cards", name="fk_cards_replaced_by"),
        Index("ix_cards_tenant_customer", "tenant_id", "customer_id"),
        Index("ix_cards_tenant_expires", "tenant_id", "expires_on"),
        # The self-reference needs its own index, or every card delete scans the table.
        Index("ix_cards_tenant_replaced_by", "tenant_id", "replaced_by_id"),
        # The cards list's search by the start of a code or number, case-insensitive (ILIKE).
        Index("ix_cards_search_trgm", "tenant_id", "code", "number", postgresql_using="gin",
              postgresql_ops={"code": "gin_trgm_ops", "number": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int]
    code: Mapped[str] = mapped_column(String(64))        # as the reader typed it, trimmed
    code_key: Mapped[str] = mapped_column(String(80))    # canonical, see panel/cardcodes.py
    number: Mapped[str | None] = mapped_column(String(40))  # printed number, optional
    expires_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="active")
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    blocked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    replaced_by_id: Mapped[int | None]
    note: Mapped[str] = mapped_column(Text, default="")

    customer = relationship(
        "Customer", back_populates="cards",
        foreign_keys="[Card.tenant_id, Card.customer_id]",
        primaryjoin="and_(Customer.tenant_id == Card.tenant_id, Customer.id == Card.customer_id)",
    )

    def state_on(self, today: date) -> str:
        return card_state(self.status, self.expires_on, today)


def card_state(status: str, expires_on: date | None, today: date) -> str:
    """active | blocked | lost | expired, as the terminal and the API report a card."""
    if status != "active":
        return status
    if expires_on is not None and expires_on < today:
        return "expired"
    return "active"
