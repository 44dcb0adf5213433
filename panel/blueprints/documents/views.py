"""The documents list with its filters and CSV, one document, the customer's tabs, and the
manager's points adjustment."""
from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from decimal import Decimal

from flask import Response, flash, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from ... import clock
from ...access import get_or_404, require_role
from ...csvfiles import write_csv
from ...extensions import db
from ...htmx import redirect_to, render
from ...models import DOCUMENT_TYPES, Customer, Document, DocumentLine, DocumentPayment, PointsEntry
from ...pricing.model import BILL_DISCOUNT, LINE_DISCOUNT, POINTS, PRICE_LIST
from ...registry import customer_tabs
from ...services import documents, points
from ...transaction import service_errors
from . import bp

PAGE_SIZE = 50
TAB_DOCUMENTS = 20
TURNOVER_DAYS = 365  # the customer tab's "last year"
LEDGER_ROWS = 200
TYPE_LABELS = {"receipt": _l("Receipt"), "invoice": _l("Invoice"), "invoice_for_receipt": _l("Invoice for a receipt"),
               "return": _l("Return"), "correction": _l("Correction")}
METHOD_LABELS = {"cash": _l("Cash"), "card": _l("Card"), "wallet": _l("Wallet"), "voucher": _l("Voucher"),
                 "other": _l("Other")}
KIND_LABELS = {"earn": _l("Earned"), "redeem": _l("Redeemed"), "reverse": _l("Taken back by a return"),
               "expire": _l("Expired"), "adjust": _l("Adjusted"), "transfer_in": _l("Moved in (merge)"),
               "transfer_out": _l("Moved out (merge)")}

# The pricing engine's layers, as the POS echoes them in a line's adjustments.
ADJUSTMENT_LABELS = {PRICE_LIST: _l("Price list"), LINE_DISCOUNT: _l("Line discount"),
                     BILL_DISCOUNT: _l("Bill discount"), POINTS: _l("Points")}


@bp.app_context_processor
def _labels() -> dict:
    return {"document_type_labels": TYPE_LABELS, "payment_method_labels": METHOD_LABELS,
            "points_kind_labels": KIND_LABELS, "adjustment_labels": ADJUSTMENT_LABELS}


@bp.app_template_filter("quantity")
def quantity_filter(value) -> str:
    """A quantity as people read it: 2, 0,5, 1,25 (no trailing zeros, the locale's comma)."""
    return format_decimal(Decimal(value).normalize())


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip()) if text else None
    except ValueError:
        return None


def _filter(args) -> documents.ListFilter:
    kind = args.get("type", "")
    return documents.ListFilter(type=kind if kind in DOCUMENT_TYPES else "", register=args.get("register", "")[:64],
                                since=_day(args.get("since")), until=_day(args.get("until")),
                                flagged=args.get("flagged") == "1")


@bp.get("/")
@require_role("manager")
def index():
    f = _filter(request.args)
    page = max(1, min(int(request.args.get("page", "1")) if request.args.get("page", "").isdigit() else 1, 10_000))
    rows = db.session.scalars(documents.listing(f).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render("documents/index.html", block="documents_table", f=f, rows=rows, more=more, page=page, args=args,
                  effects=documents.points_effects([d.id for d in rows]), names=_names(rows),
                  registers=documents.registers(),
                  flagged_count=db.session.scalar(select(func.count()).select_from(Document)
                                                  .where(Document.discount_mismatch.is_(True))))


@bp.get("/export.csv")
@require_role("manager")
def export():
    f = _filter(request.args)
    stmt = documents.listing(f).execution_options(yield_per=500)
    rows = []
    for d in db.session.scalars(stmt):
        rows.append([clock.iso(d.issued_at), d.issued_on.isoformat(), d.type, d.register_id, d.number,
                     d.customer_id or "", d.currency, d.base_total, d.total,
                     "" if d.expected_total is None else d.expected_total, "yes" if d.discount_mismatch else "",
                     d.redeemed_points, d.original_id or "", d.id])
    header = ["issued_at", "issued_on", "type", "register", "number", "customer_id", "currency", "base_total_minor",
              "total_minor", "expected_total_minor", "discount_mismatch", "redeemed_points", "original_id", "id"]
    name = f"documents-{clock.now().strftime('%Y%m%d-%H%M')}.csv"
    return Response(write_csv(rows, header), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/<int:document_id>")
@require_role("staff")
def detail(document_id: int):
    doc = get_or_404(Document, document_id)
    return render("documents/detail.html", doc=doc, **_document_parts([doc])[doc.id],
                  customer=db.session.get(Customer, doc.customer_id) if doc.customer_id else None,
                  original=db.session.get(Document, doc.original_id) if doc.original_id else None,
                  refunds=db.session.scalars(select(Document).where(Document.original_id == doc.id)
                                             .order_by(Document.issued_at)).all())


def _names(rows: list[Document]) -> dict[int, str]:
    ids = {d.customer_id for d in rows if d.customer_id}
    if not ids:
        return {}
    return {c.id: c.display_name for c in db.session.scalars(select(Customer).where(Customer.id.in_(ids)))}


def _document_parts(docs: list[Document]) -> dict[int, dict]:
    """Each document's lines (with their adjustments read), payments and points effects."""
    ids = [d.id for d in docs]
    parts = {i: {"lines": [], "payments": [], "effects": None} for i in ids}
    if not ids:
        return parts
    for ln in db.session.scalars(select(DocumentLine).where(DocumentLine.document_id.in_(ids))
                                 .order_by(DocumentLine.id)):
        ln.adjustment_list = json.loads(ln.adjustments or "[]")
        parts[ln.document_id]["lines"].append(ln)
    for p in db.session.scalars(select(DocumentPayment).where(DocumentPayment.document_id.in_(ids))
                                .order_by(DocumentPayment.id)):
        parts[p.document_id]["payments"].append(p)
    for i, eff in documents.points_effects(ids).items():
        parts[i]["effects"] = eff
    return parts


# --- the customer's tabs -----------------------------------------------------------------------

def count_documents(customer: Customer) -> int:
    return db.session.scalar(select(func.count()).select_from(Document).where(Document.customer_id == customer.id))


def customer_documents(customer: Customer) -> dict:
    docs = db.session.scalars(select(Document).where(Document.customer_id == customer.id)
                              .order_by(Document.issued_at.desc(), Document.id.desc()).limit(TAB_DOCUMENTS)).all()
    today = clock.today()
    return {"docs": docs, "parts": _document_parts(docs), "turnover_days": TURNOVER_DAYS,
            "turnover": documents.turnover(customer.id, today - timedelta(days=TURNOVER_DAYS - 1), today)}


def customer_points(customer: Customer) -> dict:
    entries = db.session.scalars(select(PointsEntry).where(PointsEntry.customer_id == customer.id)
                                 .order_by(PointsEntry.id.desc()).limit(LEDGER_ROWS)).all()
    numbers = dict(db.session.execute(select(Document.id, Document.number).where(
        Document.id.in_({e.document_id for e in entries if e.document_id}))).all()) if entries else {}
    s = points.settings()
    return {"entries": entries, "numbers": numbers, "points_settings": s,
            "expiring": points.next_expiry(customer.id, s), "adjust_key": str(uuid.uuid4()),
            "adjust_errors": {}, "adjust_values": {}}


@bp.post("/customer/<int:customer_id>/points")
@require_role("manager")
def adjust_points(customer_id: int):
    customer = get_or_404(Customer, customer_id)
    values = {"amount": request.form.get("amount", ""), "reason": request.form.get("reason", "")}
    with service_errors() as refused:
        entry = points.adjust(customer, values["amount"], values["reason"], user_id=current_user.id,
                              idempotency_key=request.form.get("idempotency_key") or None)
    if refused.error is None:
        if entry is not None:  # None: the same form sent twice, written once
            flash(_("Points adjusted: %(amount)+d. Balance: %(balance)d.", amount=entry.amount,
                    balance=entry.balance_after), "success")
        return redirect_to(url_for("customers.detail", customer_id=customer.id, tab="points"))
    ctx = customer_points(customer)
    ctx.update(adjust_errors=getattr(refused.error, "errors", None) or {refused.error.field: refused.error.message},
               adjust_values=values, adjust_key=request.form.get("idempotency_key") or ctx["adjust_key"])
    return render("customers/detail.html", block="customer_tab", customer=customer, tabs=customer_tabs,
                  tab=customer_tabs.get("points"), merged_into=None, status=422, **ctx)

