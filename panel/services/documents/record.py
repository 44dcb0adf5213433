"""Recording a sales document: the document, its lines and payments, and everything it causes
(the wallet payment, the points earned, redeemed or reversed) in ONE transaction, the caller's.
A broken rule raises ServiceError before anything is written that the rollback would not undo.

Order of the checks, each refusing with its code:
1. the natural key (register, type, number) is free: else 409 `document_exists` (the API
   replays an idempotent retry before this is reached; a lost race on the unique constraint
   reads the same, services/conflicts.py);
2. the original a return, correction or invoice for a receipt names exists (404
   `original_not_found`); its row is locked, so two returns of one sale take turns and the
   second sees what the first returned (`exceeds_original`, 422, per line, quantity and amount);
3. the customer (by id, or a card code in any reader format): 404 `customer_not_found` /
   `card_not_found`; a return is always the original's customer's;
4. the payments add up to the total (the sum of the lines' finals) exactly: 422. A document
   says what was paid for what was sold; any difference (a tip, change) is the POS's to settle
   before it sends the document, so the turnover and the points rest on one figure.
Then the effects run; a redemption first locks the customer's row (rows are always taken in
one order: the customer, then the original document).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import pytz
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import func, insert, select

from ... import clock, locking, money
from ...extensions import db
from ...models import Customer, Document, DocumentLine, DocumentPayment, Product, Tenant
from ...models.base import row_id
from ...models.documents import REFUND_TYPES, SALE_TYPES
from ...tenancy import require_tenant_id
from .. import ServiceError, conflicts, points
from ..cards import find_card
from . import effects


@dataclass
class LineIn:
    line_id: str
    quantity: Decimal
    unit_price: int
    final: int
    product_id: str | None = None
    category_id: str | None = None
    name: str = ""
    adjustments: list = field(default_factory=list)
    original_line_id: str | None = None


@dataclass
class DocumentIn:
    type: str
    number: str
    register_id: str
    issued_at: datetime
    lines: list[LineIn]
    payments: list[tuple[str, int]] = field(default_factory=list)
    customer_id: int | None = None
    card_code: str | None = None
    redeem_points: int = 0
    original: tuple[str, str, str] | None = None  # (register_id, type, number)


@dataclass
class Outcome:
    """What recording did, for the answer."""

    document: Document
    earned: int = 0
    redeemed: int = 0
    reversed: int = 0


_LINE_COLUMNS = ("line_id", "product_id", "category_id", "name", "quantity", "unit_price", "base", "final",
                 "expected_final", "adjustments", "discountable", "earns_points", "original_line_id")


def _exists() -> ServiceError:
    return ServiceError(_("A document with this register, type and number is already recorded."),
                        field="number", code="document_exists")


conflicts.register("uq_documents_tenant_id_register_id_type_number", _exists)


def record(data: DocumentIn, *, token_id: int | None = None, user_id: int | None = None) -> Outcome:
    tenant = db.session.get(Tenant, require_tenant_id())
    locking.open_write_transaction()  # SQLite: take the write lock before the checks read
    existing = db.session.scalar(select(Document.id).where(
        Document.register_id == data.register_id, Document.type == data.type, Document.number == data.number))
    if existing is not None:
        error = _exists()
        error.details = {"document_id": existing}
        raise error
    original = _original(data)
    customer_id = original.customer_id if original is not None and data.type in REFUND_TYPES \
        else _customer_id(data)
    if original is not None and data.type == "invoice_for_receipt":
        customer_id = customer_id or original.customer_id
    rows = _lines(data, original)
    total = sum(r.final for r in rows)
    _check_payments(data, total)
    if data.redeem_points and (data.type not in SALE_TYPES or customer_id is None):
        raise ServiceError(_("Points can be redeemed only on a receipt or an invoice with a customer."),
                           field="redeem_points")

    doc = Document(type=data.type, register_id=data.register_id, number=data.number, issued_at=data.issued_at,
                   issued_on=data.issued_at.astimezone(pytz.timezone(clock.zone_name())).date(),
                   customer_id=customer_id, original_id=original.id if original is not None else None,
                   currency=tenant.currency, base_total=sum(r.base for r in rows), total=total,
                   redeemed_points=0, redeemed_value=0, discount_mismatch=False, token_id=token_id,
                   created_by_id=user_id)
    _mismatch(doc, rows, data.redeem_points)  # before the insert: the document is written once, with its flag
    db.session.add(doc)
    db.session.flush()
    # The lines and payments as two ORM bulk INSERTs (executemany, which psycopg pipelines: one
    # round trip), without the unit of work: a receipt has dozens of lines, and nothing of this
    # request reads them back as objects (`rows` stay in hand for the points). The tenant is
    # given explicitly: bulk rows are not objects the tenancy hook stamps on flush.
    tenant_id = require_tenant_id()
    db.session.execute(insert(DocumentLine), [
        {c: getattr(r, c) for c in _LINE_COLUMNS} | {"tenant_id": tenant_id, "document_id": doc.id} for r in rows])
    if data.payments:
        db.session.execute(insert(DocumentPayment), [
            {"tenant_id": tenant_id, "document_id": doc.id, "method": m, "amount": a} for m, a in data.payments])

    outcome = Outcome(doc)
    if customer_id is not None:
        if data.redeem_points:
            # A redemption reads the balance to decide: the customer's row is held from here. An
            # earn or a reversal is one guarded UPDATE of the balance, atomic without it.
            locking.lock(select(Customer.id).where(Customer.id == customer_id), key_share=True)
        _points(data, doc, rows, original, outcome)
        for method, amount in data.payments:
            if method == "wallet":  # (never on an invoice for a receipt: _check_payments)
                (effects.refund_to_wallet if data.type in REFUND_TYPES else effects.take_wallet_payment)(doc, amount)
        if data.type in SALE_TYPES:
            effects.upgrade_tier(customer_id)
    elif any(m == "wallet" for m, _a in data.payments):
        raise ServiceError(_("A payment by wallet needs the customer."), field="payments")
    return outcome


def _original(data: DocumentIn) -> Document | None:
    needs = data.type in REFUND_TYPES or data.type == "invoice_for_receipt"
    if data.original is None:
        if needs:
            raise ServiceError(_("Name the original document (register, type and number)."), field="original")
        return None
    if not needs:
        raise ServiceError(_("Only a return, a correction or an invoice for a receipt names an original."),
                           field="original")
    register_id, kind, number = data.original
    allowed = ("receipt",) if data.type == "invoice_for_receipt" else SALE_TYPES
    stmt = select(Document).where(Document.register_id == register_id, Document.type == kind,
                                  Document.number == number)
    found = db.session.scalar(stmt)
    if found is None:
        raise ServiceError(_("No recorded document has this register, type and number."), field="original",
                           code="original_not_found")
    if kind not in allowed:
        raise ServiceError(_("An invoice for a receipt names a receipt; a return or correction names a receipt "
                             "or an invoice."), field="original.type")
    if data.type in REFUND_TYPES:
        # Rows are taken customer first, then document, in the order a merge takes them (the two
        # customers, then their documents), so a return and a merge never wait on each other
        # in a circle. The original's row then makes the returns of one sale take turns.
        if found.customer_id is not None:
            locking.lock(select(Customer.id).where(Customer.id == found.customer_id), key_share=True)
        found = locking.lock(stmt)[0]
    else:
        # A receipt is invoiced once: the receipt's row makes two invoices for it take turns.
        found = locking.lock(stmt)[0]
        invoiced = db.session.scalar(select(Document.number).where(Document.original_id == found.id,
                                                                   Document.type == "invoice_for_receipt"))
        if invoiced is not None:
            raise ServiceError(_("This receipt already has an invoice: %(number)s.", number=invoiced),
                               field="original", code="receipt_already_invoiced")
    return found


def _customer_id(data: DocumentIn) -> int | None:
    if data.customer_id is not None:
        found = db.session.get(Customer, data.customer_id) if row_id(data.customer_id) else None
        if found is None or found.tenant_id != require_tenant_id():
            raise ServiceError(_("No customer has this id."), field="customer.id", code="customer_not_found")
    elif data.card_code:
        card = find_card(data.card_code)
        if card is None:
            raise ServiceError(_("No card has this code."), field="customer.card_code", code="card_not_found")
        found = card.customer
    else:
        return None
    # A merged record's purchases belong to the customer it was merged into.
    seen = {found.id}
    while found.merged_into_id is not None and found.merged_into_id not in seen:
        seen.add(found.merged_into_id)
        found = db.session.get(Customer, found.merged_into_id)
    return found.id


def _lines(data: DocumentIn, original: Document | None) -> list[DocumentLine]:
    if not data.lines:
        raise ServiceError(_("A document has at least one line."), field="lines")
    ids = [ln.line_id for ln in data.lines]
    if len(set(ids)) != len(ids):
        raise ServiceError(_("Each line has its own line_id."), field="lines")
    flags = _product_flags({ln.product_id for ln in data.lines if ln.product_id})
    originals = _original_lines(data, original)
    rows = []
    for i, ln in enumerate(data.lines):
        try:
            qty = money.quantity(ln.quantity)
        except money.InvalidQuantity:
            qty = None
        if qty is None or qty <= 0:
            raise ServiceError(_("A quantity is more than zero, with at most 3 decimals."),
                               field=f"lines[{i}].quantity")
        base = money.line_total(qty, ln.unit_price)
        if not 0 <= ln.final <= base:
            raise ServiceError(_("A line's final amount is from 0 to its quantity times its unit price (%(base)s).",
                                 base=base), field=f"lines[{i}].final")
        discountable, earns = flags.get(ln.product_id, (True, True))
        row = DocumentLine(line_id=ln.line_id, product_id=ln.product_id, category_id=ln.category_id,
                           name=(ln.name or "")[:200], quantity=qty, unit_price=ln.unit_price, base=base,
                           final=ln.final, adjustments=json.dumps(ln.adjustments, ensure_ascii=False),
                           discountable=discountable, earns_points=earns)
        if originals is not None:
            sold = originals.get(ln.original_line_id or "")
            if sold is None:
                raise ServiceError(_("The original document has no line with this id."),
                                   field=f"lines[{i}].original_line_id", code="original_line_not_found")
            row.original_line_id = sold.id
            # A returned line earns (and gives back) as the line it returns.
            row.discountable, row.earns_points = sold.discountable, sold.earns_points
        rows.append(row)
    if originals is not None:
        _check_returnable(rows, originals, original.currency)
    return rows


def _product_flags(ext_ids: set[str]) -> dict[str, tuple[bool, bool]]:
    """The catalog's flags by the POS's product id; an unknown product is discountable and earns."""
    if not ext_ids:
        return {}
    rows = db.session.execute(select(Product.external_id, Product.discountable, Product.earns_points)
                              .where(Product.external_id.in_(ext_ids)))
    return {ext: (disc, earns) for ext, disc, earns in rows}


def _original_lines(data: DocumentIn, original: Document | None) -> dict[str, DocumentLine] | None:
    if original is None or data.type not in REFUND_TYPES:
        return None
    return {ln.line_id: ln for ln in db.session.scalars(
        select(DocumentLine).where(DocumentLine.document_id == original.id))}


def _check_returnable(rows: list[DocumentLine], originals: dict[str, DocumentLine], currency: str) -> None:
    """Never more than sold per line, quantity and amount, counting every earlier return (the
    original's row is locked: the earlier returns are all committed and visible)."""
    by_original = {ln.id: ln for ln in originals.values()}
    earlier = dict(((oid, (q, f)) for oid, q, f in db.session.execute(
        select(DocumentLine.original_line_id, func.sum(DocumentLine.quantity), func.sum(DocumentLine.final))
        .where(DocumentLine.original_line_id.in_(by_original)).group_by(DocumentLine.original_line_id))))
    asked: dict[int, list] = {}
    for row in rows:
        q, f = asked.setdefault(row.original_line_id, [Decimal(0), 0])
        asked[row.original_line_id] = [q + row.quantity, f + row.final]
    for oid, (q, f) in asked.items():
        sold = by_original[oid]
        done_q, done_f = earlier.get(oid, (0, 0))
        left_q, left_f = sold.quantity - Decimal(done_q or 0), sold.final - int(done_f or 0)
        if q > left_q or f > left_f:
            raise ServiceError(
                _("Line %(line)s: at most %(quantity)s more can be returned, for at most %(amount)s.",
                  line=sold.line_id, quantity=f"{left_q.normalize():f}",
                  amount=money.format_amount(left_f, currency, str(get_locale() or "en"))),
                field="lines", code="exceeds_original",
                details={"line_id": sold.line_id, "quantity_left": f"{left_q.normalize():f}", "amount_left": left_f})


def _check_payments(data: DocumentIn, total: int) -> None:
    paid = sum(a for _m, a in data.payments)
    if data.type == "invoice_for_receipt":
        # Its receipt was paid; the invoice may repeat the payments or list none, and never
        # takes money from the wallet a second time.
        if any(m == "wallet" for m, _a in data.payments):
            raise ServiceError(_("An invoice for a receipt takes no wallet payment: its receipt was paid."),
                               field="payments")
        if paid in (0, total):
            return
    if paid != total:
        raise ServiceError(_("The payments add up to %(paid)s but the lines' final amounts to %(total)s: "
                             "they must be equal.", paid=paid, total=total), field="payments")


def _mismatch(doc: Document, rows: list[DocumentLine], redeem_points: int) -> None:
    expected = effects.expected_finals(doc, rows, redeem_points)
    if expected is None:
        return
    for r in rows:
        r.expected_final = expected.get(r.line_id, r.final)
    doc.expected_total = sum(r.expected_final for r in rows)
    doc.discount_mismatch = any(r.expected_final != r.final for r in rows)


def _points(data: DocumentIn, doc: Document, rows: list[DocumentLine], original: Document | None,
            outcome: Outcome) -> None:
    s = points.settings()
    if data.redeem_points:
        if not s.enabled:
            raise ServiceError(_("This restaurant does not use points."), field="redeem_points")
        found = points.redeem(doc, data.redeem_points, sum(r.base for r in rows if r.discountable), s)
        doc.redeemed_points, doc.redeemed_value = found.points, found.value
        outcome.redeemed = found.points
    if s.earns(doc.type):
        outcome.earned = points.earn(doc, sum(r.final for r in rows if r.earns_points), s)
    elif original is not None and doc.type in REFUND_TYPES:
        outcome.reversed = points.reverse(doc, original, net_eligible(original), s)


def net_eligible(original: Document) -> int:
    """What the original's earning lines were paid, less what its returns gave back on them."""
    sold = db.session.scalar(select(func.sum(DocumentLine.final)).where(
        DocumentLine.document_id == original.id, DocumentLine.earns_points.is_(True))) or 0
    back = db.session.scalar(
        select(func.sum(DocumentLine.final))
        .join(Document, Document.id == DocumentLine.document_id)
        .where(Document.original_id == original.id, Document.type.in_(REFUND_TYPES),
               DocumentLine.earns_points.is_(True))) or 0
    return int(sold) - int(back)
