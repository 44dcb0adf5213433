"""The points ledger: every change of a customer's points is one entry plus one guarded UPDATE
of the stored balance, in the same transaction, so `balance == sum(entries)` holds at every
commit whatever runs at once.

The UPDATE ... RETURNING is a single statement: two of them on one customer take turns on the
row (PostgreSQL's row lock; SQLite's one writer) and each adds to what the other committed, so
no change is lost and `balance_after` is exact. A debit that must not overdraw (a redemption)
adds `WHERE points_balance >= :points`; other debits (a return's reversal) may take the balance
below zero, and the entry's kind and reason say why. Entries are never updated or deleted.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from ... import clock
from ...extensions import db
from ...models import Customer, PointsEntry
from ...tenancy import require_tenant_id


class Overdrawn(Exception):
    """A guarded debit found fewer points than it needs (another transaction spent them)."""


def post(customer_id: int, kind: str, amount: int, *, document_id: int | None = None, reason: str = "",
         day: date | None = None, created_by_id: int | None = None, token_id: int | None = None,
         idempotency_key: str | None = None, guard: bool = False) -> PointsEntry:
    """Write one entry of `amount` points (signed) and move the stored balance with it.

    `guard` refuses (Overdrawn) a debit the balance does not cover.
    """
    if amount == 0:
        raise ValueError("a points entry moves at least one point")
    stmt = (update(Customer)
            .where(Customer.tenant_id == require_tenant_id(), Customer.id == customer_id)
            .values(points_balance=Customer.points_balance + amount)
            .returning(Customer.points_balance)
            .execution_options(synchronize_session=False))
    if guard and amount < 0:
        stmt = stmt.where(Customer.points_balance >= -amount)
    balance = db.session.execute(stmt).scalar()
    if balance is None:
        raise Overdrawn()
    held = db.session.identity_map.get(db.session.identity_key(Customer, customer_id))
    if held is not None:  # a loaded customer shows the new balance without a reload
        set_committed_value(held, "points_balance", balance)
    entry = PointsEntry(customer_id=customer_id, kind=kind, amount=amount, balance_after=balance,
                        document_id=document_id, reason=reason[:300], day=day or clock.today(),
                        created_by_id=created_by_id, token_id=token_id, idempotency_key=idempotency_key)
    db.session.add(entry)
    return entry


def balance(customer_id: int) -> int:
    return db.session.scalar(select(Customer.points_balance).where(Customer.id == customer_id)) or 0


def entries_newest_first(customer_id: int, limit: int, before_id: int | None = None) -> list[PointsEntry]:
    stmt = select(PointsEntry).where(PointsEntry.customer_id == customer_id)
    if before_id is not None:
        stmt = stmt.where(PointsEntry.id < before_id)
    return list(db.session.scalars(stmt.order_by(PointsEntry.id.desc()).limit(limit)))
