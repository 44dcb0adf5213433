"""Sales documents the POS records for a customer: receipts (paragon), invoices (faktura),
invoices for a receipt, returns (zwrot) and corrections (korekta / opravný doklad).

Documents are a ledger: never edited or deleted. A return or correction names its original
(`original_id`) and, per line, the original line; its amounts are positive and mean money
back. What a document caused (the wallet payment, the points, the turnover) is recorded with
it in one transaction; the tier evaluation counts turnover from here.
"""
from __future__ import annotations

from datetime import date, datetime
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
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..tenancy import TenantScoped
from .base import Ledger, tenant_fk, utcnow
from .catalog import EXTERNAL_ID_LENGTH

DOCUMENT_TYPES = ("receipt", "invoice", "invoice_for_receipt", "return", "correction")
SALE_TYPES = ("receipt", "invoice")              # what a customer bought: turnover, points
REFUND_TYPES = ("return", "correction")          # give money back against an original sale
PAYMENT_METHODS = ("cash", "card", "wallet", "voucher", "other")


class Document(TenantScoped, Ledger, db.Model):
    __tablename__ = "documents"
    __table_args__ = (
        # The POS's natural key: a second document with it is `document_exists`.
        UniqueConstraint("tenant_id", "register_id", "type", "number"),
        tenant_fk("customer_id", "customers", name="fk_documents_customer", ondelete="RESTRICT"),
        tenant_fk("original_id", "documents", name="fk_documents_original", ondelete="RESTRICT"),
        CheckConstraint("type IN ('receipt', 'invoice', 'invoice_for_receipt', 'return', 'correction')",
                        name="known_type"),
        CheckConstraint("total >= 0", name="total_not_negative"),
        # Turnover per customer over a period of the restaurant's days: the tier evaluation's scan.
        Index("ix_documents_tenant_customer_issued_on", "tenant_id", "customer_id", "issued_on"),
        Index("ix_documents_tenant_original", "tenant_id", "original_id"),
        Index("ix_documents_tenant_issued_at", "tenant_id", "issued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(24))
    register_id: Mapped[str] = mapped_column(String(64))
    number: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    issued_on: Mapped[date] = mapped_column(Date)  # issued_at's day on the restaurant's clock
    customer_id: Mapped[int | None] = mapped_column(Integer)
    original_id: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    # Sums of the lines (minor units): base, what the customer paid (final), and what the
    # customer's rules give at the document's time (expected: the server's re-pricing).
    base_total: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[int] = mapped_column(BigInteger)
    expected_total: Mapped[int | None] = mapped_column(BigInteger)
    redeemed_points: Mapped[int] = mapped_column(Integer, default=0)
    redeemed_value: Mapped[int] = mapped_column(BigInteger, default=0)
    discount_mismatch: Mapped[bool] = mapped_column(Boolean, default=False)
    token_id: Mapped[int | None] = mapped_column(Integer)    # the API token that sent it
    created_by_id: Mapped[int | None] = mapped_column(Integer)  # the user (terminal payment)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DocumentLine(TenantScoped, Ledger, db.Model):
    __tablename__ = "document_lines"
    __table_args__ = (
        UniqueConstraint("tenant_id", "document_id", "line_id"),
        tenant_fk("document_id", "documents", name="fk_document_lines_document", ondelete="RESTRICT"),
        tenant_fk("original_line_id", "document_lines", name="fk_document_lines_original", ondelete="RESTRICT"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_document_lines_tenant_original_line", "tenant_id", "original_line_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(Integer)
    line_id: Mapped[str] = mapped_column(String(64))                 # the POS's line id
    product_id: Mapped[str | None] = mapped_column(String(EXTERNAL_ID_LENGTH))   # the POS's ids,
    category_id: Mapped[str | None] = mapped_column(String(EXTERNAL_ID_LENGTH))  # as sent
    name: Mapped[str] = mapped_column(String(200), default="")
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    unit_price: Mapped[int] = mapped_column(BigInteger)
    base: Mapped[int] = mapped_column(BigInteger)
    final: Mapped[int] = mapped_column(BigInteger)         # what the POS charged (or gave back)
    expected_final: Mapped[int | None] = mapped_column(BigInteger)  # what the rules give
    adjustments: Mapped[str] = mapped_column(Text, default="[]")    # JSON, as the POS applied them
    discountable: Mapped[bool] = mapped_column(Boolean, default=True)
    earns_points: Mapped[bool] = mapped_column(Boolean, default=True)
    original_line_id: Mapped[int | None] = mapped_column(Integer)  # a return's line: what it returns


class DocumentPayment(TenantScoped, Ledger, db.Model):
    __tablename__ = "document_payments"
    __table_args__ = (
        tenant_fk("document_id", "documents", name="fk_document_payments_document", ondelete="RESTRICT"),
        CheckConstraint("method IN ('cash', 'card', 'wallet', 'voucher', 'other')", name="known_method"),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_document_payments_tenant_document", "tenant_id", "document_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(BigInteger)  # positive; a return's payment is money back
