"""Prepaid wallets: one per customer, a stored balance and the append-only ledger behind it.

The balance is a cache of the ledger kept in the same transaction by one guarded statement
(services/wallets/movements.py); the checks here are the database's last line of defence:
a balance never below zero, an entry never of zero, a key never used twice on one wallet.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..tenancy import TenantScoped
from .base import Ledger, tenant_fk, utcnow

ENTRY_KINDS = ("top_up", "top_up_bonus", "payment", "refund", "adjustment", "reversal",
               "transfer_in", "transfer_out")
TOP_UP_METHODS = ("cash", "card")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Wallet(TenantScoped, db.Model):
    """A customer's prepaid money, in the tenant's currency (kept on the row: a later change of
    the tenant's currency must not silently re-denominate money already held)."""

    __tablename__ = "wallets"
    __table_args__ = (
        UniqueConstraint("tenant_id", "customer_id"),
        # A customer who holds a wallet (money, or its history) is never deleted under it.
        tenant_fk("customer_id", "customers", name="fk_wallets_customer", ondelete="RESTRICT"),
        CheckConstraint("balance >= 0", name="balance_not_negative"),
        # The customer list's "has wallet money" filter and the dashboard's total.
        Index("ix_wallets_tenant_balance", "tenant_id", "balance"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    balance: Mapped[int] = mapped_column(BigInteger, default=0)  # minor units == sum of the entries
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WalletEntry(TenantScoped, Ledger, db.Model):
    """One movement of money into (+) or out of (-) a wallet. Never edited, never deleted:
    a mistake is undone by a `reversal` entry pointing at it."""

    __tablename__ = "wallet_entries"
    __table_args__ = (
        tenant_fk("wallet_id", "wallets", name="fk_wallet_entries_wallet", ondelete="RESTRICT"),
        tenant_fk("token_id", "api_tokens", name="fk_wallet_entries_token", ondelete="RESTRICT"),
        tenant_fk("document_id", "documents", name="fk_wallet_entries_document", ondelete="RESTRICT"),
        tenant_fk("reverses_entry_id", "wallet_entries", name="fk_wallet_entries_reverses", ondelete="RESTRICT"),
        tenant_fk("related_entry_id", "wallet_entries", name="fk_wallet_entries_related", ondelete="RESTRICT"),
        # A replay of a key returns its first entry; one key is one movement of one wallet.
        UniqueConstraint("tenant_id", "wallet_id", "idempotency_key"),
        # An entry is reversed at most once (NULLs, the unreversing entries, do not collide).
        UniqueConstraint("tenant_id", "reverses_entry_id"),
        # The ledger page and the API page a wallet's entries newest first by id.
        Index("ix_wallet_entries_tenant_wallet_id", "tenant_id", "wallet_id", "id"),
        Index("ix_wallet_entries_tenant_related", "tenant_id", "related_entry_id"),
        # A document's page shows what it did to the wallet.
        Index("ix_wallet_entries_tenant_document", "tenant_id", "document_id"),
        CheckConstraint("amount <> 0", name="amount_not_zero"),
        CheckConstraint("balance_after >= 0", name="balance_after_not_negative"),
        CheckConstraint(_in("kind", ENTRY_KINDS), name="kind_known"),
        CheckConstraint(f"method IS NULL OR {_in('method', TOP_UP_METHODS)}", name="method_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    wallet_id: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(BigInteger)          # signed: + into the wallet, - out of it
    balance_after: Mapped[int] = mapped_column(BigInteger)   # the wallet's balance right after this entry
    # Who: a panel user, or the API token of a till. Users are global rows (an account may be
    # deleted: SET NULL, like the audit log); tokens are revoked, never deleted.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    token_id: Mapped[int | None]
    # The sales document that paid or refunded with the wallet.
    document_id: Mapped[int | None]
    reason: Mapped[str] = mapped_column(Text, default="")
    reverses_entry_id: Mapped[int | None]  # a reversal: the entry it undoes
    related_entry_id: Mapped[int | None]   # a bonus: its top-up; a transfer_in: the transfer_out it received
    method: Mapped[str | None] = mapped_column(String(8))  # how a top-up was paid: cash | card
    idempotency_key: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user = relationship("User", lazy="joined")
    token = relationship(
        "ApiToken", lazy="joined", foreign_keys="[WalletEntry.tenant_id, WalletEntry.token_id]",
        primaryjoin="and_(ApiToken.tenant_id == WalletEntry.tenant_id, ApiToken.id == WalletEntry.token_id)",
    )

    @property
    def who(self) -> str:
        """Who moved the money, for people: the user's name, or the till's token."""
        if self.user is not None:
            return self.user.name or self.user.email
        return self.token.name if self.token is not None else ""


class WalletBonusRule(TenantScoped, db.Model):
    """"Pay 100, get 110": a top-up of at least `min_amount` gets a bonus, a fixed amount or a
    percent of the top-up. Of the rules a top-up reaches, the one giving the most applies."""

    __tablename__ = "wallet_bonus_rules"
    __table_args__ = (
        UniqueConstraint("tenant_id", "min_amount"),
        CheckConstraint("min_amount > 0", name="min_amount_positive"),
        CheckConstraint("(bonus_amount IS NULL) <> (bonus_percent IS NULL)", name="one_of_amount_percent"),
        CheckConstraint("bonus_amount IS NULL OR bonus_amount > 0", name="bonus_amount_positive"),
        CheckConstraint("bonus_percent IS NULL OR (bonus_percent > 0 AND bonus_percent <= 100)",
                        name="bonus_percent_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    min_amount: Mapped[int] = mapped_column(BigInteger)
    bonus_amount: Mapped[int | None] = mapped_column(BigInteger)
    bonus_percent: Mapped[Decimal | None] = mapped_column(Numeric(7, 4))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
