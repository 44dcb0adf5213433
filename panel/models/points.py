"""Loyalty points: an append-only ledger per customer, and the tenant's points rule.

The customer's balance is stored on the customer (customers.points_balance) and changed by one
guarded UPDATE in the transaction that inserts the entry (services/points/ledger.py), so
`balance == sum(entries)` holds at every commit. Unlike the wallet there is no `>= 0`: a return
may take back points already spent, and the ledger says why.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..tenancy import TenantScoped
from .base import Ledger, tenant_fk, utcnow

POINTS_KINDS = ("earn", "redeem", "reverse", "expire", "adjust", "transfer_in", "transfer_out")


class PointsEntry(TenantScoped, Ledger, db.Model):
    __tablename__ = "points_entries"
    __table_args__ = (
        tenant_fk("customer_id", "customers", name="fk_points_entries_customer", ondelete="RESTRICT"),
        tenant_fk("document_id", "documents", name="fk_points_entries_document", ondelete="RESTRICT"),
        CheckConstraint("kind IN ('earn', 'redeem', 'reverse', 'expire', 'adjust', 'transfer_in', "
                        "'transfer_out')", name="known_kind"),
        CheckConstraint("amount <> 0", name="amount_not_zero"),
        # The customer's ledger, newest first (the tab, the API's pages, the expiry rule's walk).
        Index("ix_points_entries_tenant_customer_id", "tenant_id", "customer_id", "id"),
        Index("ix_points_entries_tenant_document", "tenant_id", "document_id"),
        # A manual adjustment's form carries a key: a double submit writes one entry.
        Index("uq_points_entries_tenant_idempotency_key", "tenant_id", "idempotency_key", unique=True,
              postgresql_where="idempotency_key IS NOT NULL", sqlite_where="idempotency_key IS NOT NULL"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(BigInteger)          # signed: + into the balance, - out
    balance_after: Mapped[int] = mapped_column(BigInteger)
    document_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_by_id: Mapped[int | None] = mapped_column(Integer)  # the user (adjust), else
    token_id: Mapped[int | None] = mapped_column(Integer)       # the API token (documents)
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    day: Mapped[date] = mapped_column(Date)  # the restaurant's day: what expiry counts months from
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
