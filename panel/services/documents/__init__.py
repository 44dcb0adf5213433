"""Sales documents: recording (record.py), the seams other areas fill (effects.py), and what
the API, the customer's Documents tab and the documents list read."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, case, func, select

from ... import clock
from ...extensions import db
from ...models import Customer, Document, DocumentLine, DocumentPayment, PointsEntry
from ...models.documents import REFUND_TYPES, SALE_TYPES
from . import customer_life, effects  # noqa: F401  (customer_life: the merge move)
from .record import DocumentIn, LineIn, Outcome, net_eligible, record
from .terminal_payment import pay_from_wallet

__all__ = ["DocumentIn", "LineIn", "Outcome", "answer", "detail", "ListFilter", "listing", "net_eligible", "pay_from_wallet",
           "points_effects", "record", "turnover"]


def flags(doc: Document) -> list[str]:
    return ["discount_mismatch"] if doc.discount_mismatch else []


def points_effects(document_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per document: the points it earned, redeemed and reversed (positive numbers)."""
    out: dict[int, dict[str, int]] = {i: {"earned": 0, "redeemed": 0, "reversed": 0} for i in document_ids}
    if not document_ids:
        return out
    names = {"earn": "earned", "redeem": "redeemed", "reverse": "reversed"}
    for doc_id, kind, total in db.session.execute(
            select(PointsEntry.document_id, PointsEntry.kind, func.sum(PointsEntry.amount))
            .where(PointsEntry.document_id.in_(document_ids), PointsEntry.kind.in_(names))
            .group_by(PointsEntry.document_id, PointsEntry.kind)):
        out[doc_id][names[kind]] = abs(int(total))
    return out


def answer(doc: Document, outcome: Outcome | None = None) -> dict:
    """What the POS is told of a recorded document: its id, flags, and the customer's wallet,
    points and tier after it (the same for the first answer, a replay and a read)."""
    if outcome is not None:
        effects_ = {"earned": outcome.earned, "redeemed": outcome.redeemed, "reversed": outcome.reversed}
    else:
        effects_ = points_effects([doc.id])[doc.id]
    body = {
        "id": doc.id, "type": doc.type, "number": doc.number, "register_id": doc.register_id,
        "issued_at": clock.iso(doc.issued_at), "issued_on": doc.issued_on.isoformat(),
        "customer": {"id": doc.customer_id} if doc.customer_id else None,
        "total": doc.total, "expected_total": doc.expected_total, "flags": flags(doc),
        "redeemed_points": doc.redeemed_points, "redeemed_value": doc.redeemed_value,
        "wallet": None, "points": None, "tier": None,
    }
    if doc.customer_id:
        body["wallet"] = {"balance": effects.wallet_balance(doc.customer_id)}
        body["tier"] = effects.tier_badge(doc.customer_id)
        # Usually in the session already (the card's holder), its balance as the ledger left it.
        balance = db.session.get(Customer, doc.customer_id).points_balance
        body["points"] = {"balance": int(balance or 0), **effects_}
    return body


def detail(doc: Document) -> dict:
    """The answer with the lines, the payments and the original."""
    lines = db.session.scalars(select(DocumentLine).where(DocumentLine.document_id == doc.id)
                               .order_by(DocumentLine.id)).all()
    originals = {}
    if any(ln.original_line_id for ln in lines):
        originals = dict(db.session.execute(select(DocumentLine.id, DocumentLine.line_id).where(
            DocumentLine.id.in_([ln.original_line_id for ln in lines if ln.original_line_id]))).all())
    payments = db.session.scalars(select(DocumentPayment).where(DocumentPayment.document_id == doc.id)
                                  .order_by(DocumentPayment.id)).all()
    original = db.session.get(Document, doc.original_id) if doc.original_id else None
    return {
        **answer(doc),
        "original": ({"id": original.id, "register_id": original.register_id, "type": original.type,
                      "number": original.number} if original is not None else None),
        "lines": [{"line_id": ln.line_id, "product_id": ln.product_id, "category_id": ln.category_id,
                   "name": ln.name, "quantity": f"{ln.quantity:f}", "unit_price": ln.unit_price, "base": ln.base,
                   "final": ln.final, "expected_final": ln.expected_final,
                   "adjustments": json.loads(ln.adjustments or "[]"), "discountable": ln.discountable,
                   "earns_points": ln.earns_points, "original_line_id": originals.get(ln.original_line_id)}
                  for ln in lines],
        "payments": [{"method": p.method, "amount": p.amount} for p in payments],
    }


# --- the list ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ListFilter:
    type: str = ""
    register: str = ""
    since: date | None = None
    until: date | None = None
    flagged: bool = False
    customer_id: int | None = None


def listing(f: ListFilter) -> Select:
    """Documents newest first, narrowed by the filter (the restaurant's days, inclusive)."""
    stmt = select(Document)
    if f.type:
        stmt = stmt.where(Document.type == f.type)
    if f.register:
        stmt = stmt.where(Document.register_id == f.register)
    if f.since:
        stmt = stmt.where(Document.issued_on >= f.since)
    if f.until:
        stmt = stmt.where(Document.issued_on <= f.until)
    if f.flagged:
        stmt = stmt.where(Document.discount_mismatch.is_(True))
    if f.customer_id:
        stmt = stmt.where(Document.customer_id == f.customer_id)
    return stmt.order_by(Document.issued_at.desc(), Document.id.desc())


def turnover(customer_id: int, since: date, until: date) -> int:
    """What the customer bought over the restaurant's days since..until (inclusive), in minor
    units: receipts and invoices less returns and corrections. An invoice for a receipt adds
    nothing (its receipt counted). What the tier evaluation counts, by the same rule."""
    signed = case((Document.type.in_(SALE_TYPES), Document.total), else_=-Document.total)
    return int(db.session.scalar(
        select(func.coalesce(func.sum(signed), 0))
        .where(Document.customer_id == customer_id, Document.issued_on >= since, Document.issued_on <= until,
               Document.type.in_(SALE_TYPES + REFUND_TYPES))) or 0)


def registers() -> list[str]:
    return list(db.session.scalars(select(Document.register_id).distinct().order_by(Document.register_id)))

