"""A payment from the wallet taken at the panel's terminal, where no POS is connected: recorded
as a receipt of one line "Payment from the wallet", so it is turnover and earns points like any
sale, and the wallet entry names its document (issue 16)."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from ...extensions import db
from ...models import Customer, Document
from ...models.base import utcnow
from .effects import TERMINAL_REGISTER
from .record import DocumentIn, LineIn, Outcome, record

# The panel's own receipts are numbered by the form's key, so a double submit meets the first
# receipt (its natural key) instead of paying twice.


def pay_from_wallet(customer: Customer, amount: int, key: str, user_id: int | None) -> tuple[Document, bool]:
    """Record the receipt and its wallet payment; (the receipt, whether it was recorded now)."""
    number = f"T-{key[:12].upper()}"
    existing = db.session.scalar(select(Document).where(Document.register_id == TERMINAL_REGISTER,
                                                        Document.type == "receipt", Document.number == number))
    if existing is not None:
        return existing, False
    outcome: Outcome = record(DocumentIn(
        type="receipt", number=number, register_id=TERMINAL_REGISTER, issued_at=utcnow(), customer_id=customer.id,
        lines=[LineIn("1", Decimal(1), amount, amount, name=_("Payment from the wallet"))],
        payments=[("wallet", amount)]), user_id=user_id)
    return outcome.document, True
