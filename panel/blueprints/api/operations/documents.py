"""Sales documents and loyalty points over the API: record a document (one, or a batch of late
ones), read one back, and a customer's points ledger."""
from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from flask import g, url_for
from flask_babel import gettext as _
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError

from .... import clock, locking
from ....extensions import db
from ....models import DOCUMENT_TYPES, PAYMENT_METHODS, Customer, Document, PointsEntry
from ....models.base import row_id
from ....services import ServiceError, conflicts, idempotency
from ....services import documents as service
from ....services import points as points_service
from ....services.points import ledger
from ....tenancy import require_tenant_id
from .. import bp, errors
from ..declare import _validate, api_operation
from ..errors import ApiError
from ..schemas import TenantRef, TierBadge

PATH = "/api/v1/documents"
MAX_BATCH = 500
MAX_LINES = 1000

errors.register({
    "document_exists": (409, "A document with this register, type and number is already recorded; "
                             "`document_id` names it."),
    "original_not_found": (404, "The original a return, correction or invoice for a receipt names is not recorded."),
    "original_line_not_found": (422, "A return's line names a line the original document does not have."),
    "exceeds_original": (422, "A return or correction gives back more than was sold on a line (quantity or "
                              "amount, counting earlier returns); `line_id` names it."),
    "receipt_already_invoiced": (409, "The receipt an invoice for a receipt names has its invoice already."),
    "document_not_found": (404, "No document of your restaurant has this id."),
})

# --- bodies ---------------------------------------------------------------------------------------

DOCUMENT_EXAMPLE = {
    "type": "receipt", "number": "PAR/2026/12/000123", "register_id": "kasa-1",
    "issued_at": "2026-12-06T18:05:00+01:00", "customer": {"card_code": "3220338716"},
    "lines": [{"line_id": "1", "product_id": "p-17", "category_id": "c-beer", "name": "Pilsner 0.5 l",
               "quantity": "2", "unit_price": 1400, "final": 2660,
               "adjustments": [{"layer": "line_discount", "amount": -140}]}],
    "payments": [{"method": "card", "amount": 2660}], "redeem_points": 0,
}
ANSWER_EXAMPLE = {
    "id": 981, "type": "receipt", "number": "PAR/2026/12/000123", "register_id": "kasa-1",
    "issued_at": "2026-12-06T17:05:00+00:00", "issued_on": "2026-12-06", "customer": {"id": 42},
    "total": 2660, "expected_total": None, "flags": [], "redeemed_points": 0, "redeemed_value": 0,
    "wallet": {"balance": None}, "points": {"balance": 326, "earned": 26, "redeemed": 0, "reversed": 0},
    "tier": None,
}

Text64 = Annotated[str, Field(min_length=1, max_length=64)]


class CustomerRef(BaseModel):
    id: int | None = TenantRef("customer", default=None)
    card_code: Annotated[str, Field(max_length=64)] | None = None


class OriginalRef(BaseModel):
    register_id: Text64
    type: Literal["receipt", "invoice"]
    number: Text64


class LineBody(BaseModel):
    line_id: Text64
    product_id: Annotated[str, Field(max_length=64)] | None = None
    category_id: Annotated[str, Field(max_length=64)] | None = None
    name: Annotated[str, Field(max_length=200)] = ""
    quantity: Annotated[Decimal, Field(gt=0, max_digits=10, decimal_places=3)]
    unit_price: Annotated[int, Field(ge=0, le=10**11)]
    final: Annotated[int, Field(ge=0, le=10**11)]
    adjustments: Annotated[list[dict[str, Any]], Field(max_length=20)] = []
    original_line_id: Text64 | None = None


class PaymentBody(BaseModel):
    method: Literal[PAYMENT_METHODS]
    amount: Annotated[int, Field(gt=0, le=10**11)]


class DocumentBody(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [DOCUMENT_EXAMPLE]})

    type: Literal[DOCUMENT_TYPES] = Field(
        description="receipt, invoice, invoice_for_receipt (links its receipt: no turnover, no points), "
                    "return, correction.")
    number: Text64 = Field(description="The POS's number; with register_id and type unique in your restaurant.")
    register_id: Text64 = Field(description="The register (till) that issued it.")
    issued_at: AwareDatetime = Field(description="When it was issued, with its UTC offset.")
    customer: CustomerRef | None = Field(default=None, description="{\"card_code\"} (any reader format) or "
                                         "{\"id\"}; leave out for an anonymous sale.")
    lines: Annotated[list[LineBody], Field(min_length=1, max_length=MAX_LINES)] = Field(
        description="What was sold (or, on a return, given back): amounts in minor units, final = charged.")
    payments: Annotated[list[PaymentBody], Field(max_length=20)] = Field(
        default=[], description="They add up to the lines' finals exactly. A return's payments are money back.")
    redeem_points: Annotated[int, Field(ge=0, le=10**9)] = Field(
        default=0, description="Points redeemed as a discount (capped by the balance and the bill).")
    original: OriginalRef | None = Field(
        default=None, description="What a return, correction or invoice for a receipt refers to.")

    def to_input(self) -> service.DocumentIn:
        return service.DocumentIn(
            type=self.type, number=self.number, register_id=self.register_id, issued_at=self.issued_at,
            customer_id=self.customer.id if self.customer else None,
            card_code=self.customer.card_code if self.customer else None,
            lines=[service.LineIn(line_id=ln.line_id, quantity=ln.quantity, unit_price=ln.unit_price, final=ln.final,
                                  product_id=ln.product_id, category_id=ln.category_id, name=ln.name,
                                  adjustments=ln.adjustments, original_line_id=ln.original_line_id)
                   for ln in self.lines],
            payments=[(p.method, p.amount) for p in self.payments], redeem_points=self.redeem_points,
            original=(self.original.register_id, self.original.type, self.original.number) if self.original else None)


class BatchItem(BaseModel):
    idempotency_key: Annotated[str, Field(min_length=1, max_length=255)]
    document: dict[str, Any]


class BatchBody(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"documents": [{"idempotency_key": "kasa-1-PAR-000123", "document": DOCUMENT_EXAMPLE}]}]})

    documents: Annotated[list[BatchItem], Field(min_length=1, max_length=MAX_BATCH)] = Field(
        description="Up to 500, each with its own idempotency key and a document as POST /documents takes it.")


# --- answers --------------------------------------------------------------------------------------

class PointsAfter(BaseModel):
    balance: int
    earned: int
    redeemed: int
    reversed: int


class WalletAfter(BaseModel):
    balance: int | None


class DocumentRecorded(BaseModel):
    id: int
    type: str
    number: str
    register_id: str
    issued_at: datetime
    issued_on: str
    customer: dict | None
    total: int
    expected_total: int | None
    flags: list[str]
    redeemed_points: int
    redeemed_value: int
    wallet: WalletAfter | None
    points: PointsAfter | None
    tier: TierBadge | None = Field(description="The customer's loyalty tier after the document (a sale may raise it at once).")


class DocumentDetail(DocumentRecorded):
    original: dict | None
    lines: list[dict]
    payments: list[dict]


class BatchResult(BaseModel):
    idempotency_key: str
    status: int
    body: dict


class BatchAnswer(BaseModel):
    results: list[BatchResult]


class PointsEntryOut(BaseModel):
    id: int
    kind: str
    amount: int
    balance_after: int
    document_id: int | None
    created_at: str
    reason: str


class NextExpiry(BaseModel):
    points: int
    on: str


class PointsLedger(BaseModel):
    balance: int
    expiring: NextExpiry | None
    entries: list[PointsEntryOut]
    next: str | None


class PointsQuery(BaseModel):
    limit: Annotated[int, Field(ge=1, le=200, description="How many entries at most (1-200).")] = 50
    cursor: Annotated[str, Field(max_length=10, pattern=r"^[0-9]*$", description="The previous page's next value.")] = ""


# --- operations -----------------------------------------------------------------------------------

def _as_answer(body: dict) -> DocumentRecorded:
    return DocumentRecorded.model_validate(body)


@bp.post("/documents")
@api_operation(
    operation_id="recordDocument", scope="pos", summary="Record a sales document", body=DocumentBody,
    response=DocumentRecorded, status=201, idempotency="required", example=ANSWER_EXAMPLE,
    answer="The recorded document, its flags and the customer's wallet and points after it.",
    errors=("document_exists", "original_not_found", "receipt_already_invoiced", "original_line_not_found", "exceeds_original",
            "customer_not_found", "card_not_found", "insufficient_funds"),
    description=(
        "Records what the POS sold (or gave back) and everything it causes, in one transaction: "
        "points earned, redeemed or reversed, the wallet payment. If any part fails nothing is "
        "recorded.\n\n"
        "The payments must add up to the lines' final amounts. A return or correction names its "
        "original and, per line, `original_line_id`; its amounts are positive (money back) and never "
        "more than was sold, counting earlier returns. Discounts that differ from what the customer's "
        "rules give are accepted and flagged `discount_mismatch`."))
def record_document(body: DocumentBody):
    outcome = service.record(body.to_input(), token_id=g.api_token.id)
    return (_as_answer(service.answer(outcome.document, outcome)),
            {"Location": url_for("api.get_document", document_id=outcome.document.id)})


@bp.post("/documents:batch")
@api_operation(
    operation_id="recordDocuments", scope="pos", summary="Record up to 500 late documents", body=BatchBody,
    response=BatchAnswer, answer="One result per document, in the order sent: its status and answer.",
    example={"results": [{"idempotency_key": "kasa-1-PAR-000123", "status": 201, "body": ANSWER_EXAMPLE}]},
    description=(
        "For a POS that was offline: each document is recorded as POST /documents would, under its "
        "own idempotency key (the same keys as that operation's Idempotency-Key). One document's "
        "failure does not undo the others. The documents are recorded in order of issue, whatever "
        "order they arrive in, so a return sent before its original still finds it."))
def record_documents(body: BatchBody):
    token = g.api_token
    results: list[BatchResult | None] = [None] * len(body.documents)
    ready = []
    for i, item in enumerate(body.documents):
        try:
            ready.append((i, item, _validate(DocumentBody, item.document, where="body")))
        except ApiError as e:
            results[i] = _failed(item, e)
    # Originals before what refers to them: by issue time, sales before the documents naming them.
    rank = {"receipt": 0, "invoice": 0, "invoice_for_receipt": 1, "return": 2, "correction": 2}
    ready.sort(key=lambda r: (r[2].issued_at, rank[r[2].type], r[0]))
    for i, item, doc in ready:
        results[i] = _record_one(token, item, doc)
    return BatchAnswer.model_construct(results=results)


def _failed(item: BatchItem, e: ApiError) -> BatchResult:
    return BatchResult.model_construct(idempotency_key=item.idempotency_key, status=e.status,
                                       body={"error": {"code": e.code, "message": e.message, **e.extra}})


def _record_one(token, item: BatchItem, doc: DocumentBody) -> BatchResult:
    """One document in a savepoint: its key claimed, recorded and answered, or none of it."""
    if not idempotency.valid_key(item.idempotency_key):
        return _failed(item, ApiError(400, "invalid_idempotency_key",
                                      _("The Idempotency-Key header has 1 to 255 printable characters.")))
    locking.open_write_transaction()  # SQLite: a SAVEPOINT outside a transaction would commit alone
    request_hash = idempotency.fingerprint("POST", PATH, item.document)
    savepoint = db.session.begin_nested()
    try:
        held = idempotency.claim(token.tenant_id, token.id, item.idempotency_key, request_hash)
        if held is not None:
            savepoint.commit()
            if held.request_hash != request_hash:
                return _failed(item, ApiError(409, "idempotency_key_reused", _(
                    "This Idempotency-Key was used for another request. Use a new key for a new request.")))
            return BatchResult.model_construct(idempotency_key=item.idempotency_key, status=held.status_code,
                                               body=json.loads(held.body))
        outcome = service.record(doc.to_input(), token_id=token.id)
        answer = _as_answer(service.answer(outcome.document, outcome)).model_dump_json()
        idempotency.record(token.tenant_id, token.id, item.idempotency_key, 201, answer,
                           {"Location": url_for("api.get_document", document_id=outcome.document.id)})
        savepoint.commit()
        return BatchResult.model_construct(idempotency_key=item.idempotency_key, status=201, body=json.loads(answer))
    except ServiceError as e:
        savepoint.rollback()
        return _failed(item, errors.from_service_error(e))
    except IntegrityError as e:
        savepoint.rollback()
        refused = conflicts.service_error(e)
        if refused is None:
            raise
        return _failed(item, errors.from_service_error(refused))


@bp.get("/documents/<any_text:document_id>")
@api_operation(
    operation_id="getDocument", scope="pos", summary="A recorded document", response=DocumentDetail,
    answer="The document with its lines, payments and what it did to the customer's points.",
    errors=("document_not_found",),
    example={**ANSWER_EXAMPLE, "original": None, "payments": [{"method": "card", "amount": 2660}],
             "lines": [{"line_id": "1", "product_id": "p-17", "category_id": "c-beer", "name": "Pilsner 0.5 l",
                        "quantity": "2.000", "unit_price": 1400, "base": 2800, "final": 2660,
                        "expected_final": None, "adjustments": [], "discountable": True, "earns_points": True,
                        "original_line_id": None}]},
    path={"document_id": {"example": 981, "schema": {"type": "integer", "minimum": 1}}})
def get_document(document_id: str):
    found = db.session.get(Document, known) if (known := row_id(document_id)) else None
    if found is None or found.tenant_id != require_tenant_id():
        raise ApiError(404, "document_not_found", _("No document has this id."))
    return DocumentDetail.model_validate(service.detail(found))


@bp.get("/customers/<int:customer_id>/points")
@api_operation(
    operation_id="getCustomerPoints", scope="pos", summary="A customer's points and their ledger",
    response=PointsLedger, query=PointsQuery, errors=("customer_not_found",),
    answer="The balance, what expires next, and the ledger, newest first.",
    example={"balance": 326, "expiring": {"points": 120, "on": "2027-06-06"}, "next": "1187",
             "entries": [{"id": 1188, "kind": "earn", "amount": 26, "balance_after": 326, "document_id": 981,
                          "created_at": "2026-12-06T17:05:01+00:00", "reason": "PAR/2026/12/000123"}]},
    path={"customer_id": {"example": 42, "schema": {"type": "integer", "minimum": 1}}},
    description=(
        "Entries are signed: positive into the balance, negative out. Kinds: earn, redeem, reverse "
        "(a return took back what its sale earned), expire, adjust, transfer_in, transfer_out (a "
        "merge of two customer records). Page with `limit` and `cursor` (the previous page's `next`)."))
def customer_points(customer_id: int, query: PointsQuery):
    found = db.session.get(Customer, customer_id) if row_id(customer_id) else None
    if found is None or found.tenant_id != require_tenant_id():
        raise ApiError(404, "customer_not_found", _("No customer has this id."))
    before = row_id(query.cursor) if query.cursor else None
    if query.cursor and before is None:
        raise ApiError(400, "invalid_parameter", _("cursor is not valid."), field="cursor")
    rows = ledger.entries_newest_first(found.id, query.limit + 1, before)
    more = len(rows) > query.limit
    rows = rows[:query.limit]
    batch = points_service.next_expiry(found.id)
    return PointsLedger.model_construct(
        balance=found.points_balance,
        expiring=NextExpiry.model_construct(points=batch.points, on=batch.expires_on.isoformat()) if batch else None,
        entries=[_entry(e) for e in rows], next=str(rows[-1].id) if more else None)


def _entry(e: PointsEntry) -> PointsEntryOut:
    return PointsEntryOut.model_construct(id=e.id, kind=e.kind, amount=e.amount, balance_after=e.balance_after,
                                          document_id=e.document_id, created_at=clock.iso(e.created_at),
                                          reason=e.reason)

