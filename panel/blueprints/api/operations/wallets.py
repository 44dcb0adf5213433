"""The wallet's API: a customer's balance and ledger, and a top-up paid at the till.

Payments and refunds by wallet come with the sales documents (a document's `wallet` payment is
one call of services.wallets.pay inside the document's transaction), not as operations here.
"""
from __future__ import annotations

import functools
from datetime import datetime
from typing import Annotated, Literal

from flask import g, request
from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field

from ....extensions import db
from ....models import Customer, Tenant
from ....models.base import aware, row_id
from ....services import wallets
from ....services.wallets.ledger import DEFAULT_LIMIT, MAX_LIMIT
from ....tenancy import require_tenant_id
from .. import bp, errors
from ..declare import api_operation, require_scope
from ..errors import ApiError
from ..idempotency import HEADER

errors.register({
    "insufficient_funds": (409, "The wallet holds less than the payment; `balance` says how much it holds."),
})

ENTRY_EXAMPLE = {"id": 311, "kind": "top_up", "amount": 20000, "balance_after": 20000, "document_id": None,
                 "created_at": "2026-12-06T12:30:00Z", "reason": "", "method": "cash"}
BONUS_EXAMPLE = {**ENTRY_EXAMPLE, "id": 312, "kind": "top_up_bonus", "amount": 2000, "balance_after": 22000,
                 "method": None}


class WalletEntryOut(BaseModel):
    id: int
    kind: Literal["top_up", "top_up_bonus", "payment", "refund", "adjustment", "reversal", "transfer_in",
                  "transfer_out"] = Field(description="What moved the money.")
    amount: int = Field(description="Minor units (grosze), signed: positive into the wallet, negative out.")
    balance_after: int = Field(description="The wallet's balance right after this entry.")
    document_id: int | None = Field(description="The sales document that paid or refunded with the wallet.")
    created_at: datetime
    reason: str = Field(description="Why (adjustments, reversals), or empty.")
    method: Literal["cash", "card"] | None = Field(description="How a top-up was paid.")

    @classmethod
    def of(cls, e) -> WalletEntryOut:
        return cls.model_construct(id=e.id, kind=e.kind, amount=e.amount, balance_after=e.balance_after,
                                   document_id=e.document_id, created_at=aware(e.created_at), reason=e.reason,
                                   method=e.method)


class WalletOut(BaseModel):
    balance: int = Field(description="Minor units (grosze) the wallet holds now; 0 without a wallet.")
    currency: str = Field(description="ISO 4217 code, the restaurant's currency.")
    entries: list[WalletEntryOut] = Field(description="Newest first.")
    next: str | None = Field(description="Pass as `cursor` for the next (older) page; null on the last page.")


class WalletQuery(BaseModel):
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT, description="How many entries at most (1-200).")] = DEFAULT_LIMIT
    cursor: Annotated[str, Field(max_length=10, pattern=r"^[0-9]*$", description="The next value of the previous page's answer.")] = ""


class TopUp(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"amount": 20000, "method": "cash"}]})

    amount: Annotated[int, Field(ge=1, le=10**12, description="Minor units (grosze) paid in: 20000 is 200.00.")]
    method: Literal["cash", "card"] = Field(description="How the customer paid for the top-up.")


class TopUpDone(BaseModel):
    entries: list[WalletEntryOut] = Field(description="The top-up, then its bonus when a bonus rule applied.")
    balance: int = Field(description="The wallet's balance after the top-up (and bonus).")
    currency: str


def _customer(customer_id: str) -> Customer:
    found = db.session.get(Customer, known) if (known := row_id(customer_id)) else None
    if found is None or found.tenant_id != require_tenant_id():
        raise ApiError(404, "customer_not_found", _("No customer has this id."))
    return found


def _currency(wallet) -> str:
    if wallet is not None:
        return wallet.currency
    return db.session.scalar(db.select(Tenant.currency).where(Tenant.id == require_tenant_id()))


def _customer_first(view):
    """Look the path's customer up before the body and the Idempotency-Key are read: another
    tenant's (or a missing) customer is a 404 whatever was sent, as for every id in a URL.
    The scope is checked before, as always: a token without it learns nothing."""
    @functools.wraps(view)
    def wrapped(customer_id: str, **kwargs):
        require_scope(view.api_operation.scope)
        _customer(customer_id)
        return view(customer_id=customer_id, **kwargs)
    return wrapped


@bp.get("/customers/<any_text:customer_id>/wallet")
@api_operation(
    operation_id="getWallet", scope="pos", summary="A customer's wallet: balance and entries",
    response=WalletOut, query=WalletQuery, errors=("customer_not_found",),
    answer="The balance and a page of the ledger, newest first.",
    example={"balance": 22000, "currency": "PLN", "entries": [BONUS_EXAMPLE, ENTRY_EXAMPLE], "next": None},
    path={"customer_id": {"example": 42, "schema": {"type": "integer", "minimum": 1}}},
    description=(
        "The prepaid money the customer holds and the entries behind it. The balance always "
        "equals the sum of all entries. Page through older entries with `cursor` set to the "
        "answer's `next`; a customer who never had a wallet has balance 0 and no entries."))
def wallet(customer_id: str, query: WalletQuery):
    customer = _customer(customer_id)
    before = row_id(query.cursor) if query.cursor else None
    if query.cursor and before is None:
        raise ApiError(400, "invalid_parameter", _("cursor is not valid."), field="cursor")
    found = wallets.wallet_of(customer)
    page = wallets.entries_page(found, query.limit, before)
    return WalletOut.model_construct(
        balance=found.balance if found is not None else 0, currency=_currency(found),
        entries=[WalletEntryOut.of(e) for e in page.entries],
        next=str(page.next_cursor) if page.next_cursor is not None else None)


@bp.post("/customers/<any_text:customer_id>/wallet/top-ups")
@_customer_first
@api_operation(
    operation_id="topUpWallet", scope="pos", summary="Top up a customer's wallet", body=TopUp,
    response=TopUpDone, status=201, idempotency="required", errors=("customer_not_found", "invalid"),
    answer="The top-up entry (and its bonus entry) and the new balance.",
    example={"entries": [ENTRY_EXAMPLE, BONUS_EXAMPLE], "balance": 22000, "currency": "PLN"},
    path={"customer_id": {"example": 42, "schema": {"type": "integer", "minimum": 1}}},
    description=(
        "The customer paid `amount` in cash or by card to have it in the wallet. When one of "
        "the restaurant's top-up bonus rules applies, the bonus is a second entry. A top-up is "
        "a multi-purpose voucher: it is not turnover and earns no points. Send an "
        "`Idempotency-Key`: a retry with the same key answers the first top-up and moves no "
        "money again."))
def top_up(customer_id: str, body: TopUp):
    customer = _customer(customer_id)
    # The key is the till's: tokens do not share keys, so the wallet's own key names the token.
    key = f"api:{g.api_token.id}:{request.headers[HEADER]}"
    moved = wallets.top_up(customer, body.amount, body.method, key=key)
    return TopUpDone.model_construct(entries=[WalletEntryOut.of(e) for e in moved.entries], balance=moved.balance,
                                     currency=moved.wallet.currency)
