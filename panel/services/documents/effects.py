"""What document recording needs from the other areas (issue 16), in one place:

- the re-pricing: what the customer's rules give for a sale's lines at its time, through the
  same pricing service as the quote (panel/services/pricing), so a document whose discounts
  differ is flagged `discount_mismatch` with both figures;
- the wallet: a sale's `wallet` payment and a return's `wallet` refund, in the document's
  transaction (panel/services/wallets: guarded debit, insufficient_funds with the balance);
- the real-time tier upgrade: a sale re-evaluates its customer's upgrade at once (never a
  downgrade), so tonight's dinner that crosses Gold gives Gold prices on the next bill.
"""
from __future__ import annotations

import json
from typing import Sequence

import pytz
from flask_babel import gettext as _
from sqlalchemy import select

from ... import clock
from ...extensions import db
from ...models import Customer, Document, DocumentLine, Wallet
from ...models.base import row_id
from ...models.documents import SALE_TYPES
from ...tenancy import require_tenant_id
from .. import ServiceError, pricing, wallets
from ..loyalty import realtime, standing

TERMINAL_REGISTER = "panel-terminal"  # documents/terminal_payment.py: receipts without a POS


def expected_finals(document: Document, lines: Sequence[DocumentLine], redeem_points: int = 0) -> dict[str, int] | None:
    """Each line's final amount, by the POS's line_id, as the customer's rules price it at the
    document's time; None for what is not a sale. Called before anything is written (no ids
    yet). The staff's picks are the discounts the POS's adjustments credit to staff; one the
    rules do not know (another tenant's, archived) is left out rather than failing the sale,
    whose receipt is already printed."""
    if document.type not in SALE_TYPES or document.register_id == TERMINAL_REGISTER:
        return None  # a terminal payment is what the staff typed: there is no bill to re-price
    tenant_id = require_tenant_id()
    bill = [pricing.LineIn(ln.line_id, ln.quantity, ln.unit_price, ln.product_id, ln.category_id, ln.name)
            for ln in lines]
    who = pricing.by_id(tenant_id, document.customer_id) if document.customer_id is not None else pricing.NOBODY
    at = document.issued_at.astimezone(pytz.timezone(clock.zone_name())).replace(tzinfo=None)
    picks = _staff_picks(lines)
    try:
        priced = pricing.quote(tenant_id, bill, who=who, picks=picks, at=at, redeem_points=redeem_points)
    except ServiceError:
        priced = pricing.quote(tenant_id, bill, who=who, at=at, redeem_points=redeem_points)
    return {p.line_id: p.final for p in priced.quote.lines}


def _staff_picks(lines: Sequence[DocumentLine]) -> list[int]:
    picks = []
    for ln in lines:
        for adjustment in json.loads(ln.adjustments or "[]"):
            source = adjustment.get("source") if isinstance(adjustment, dict) else None
            discount_id = adjustment.get("discount_id") if isinstance(adjustment, dict) else None
            if isinstance(source, dict) and source.get("type") == "staff" and row_id(discount_id):
                picks.append(discount_id)
    return list(dict.fromkeys(picks))


def _holder(document: Document) -> Customer:
    customer = db.session.get(Customer, document.customer_id) if document.customer_id is not None else None
    if customer is None:
        raise ServiceError(_("A payment by wallet needs the customer."), field="payments")
    return customer


def take_wallet_payment(document: Document, amount: int) -> None:
    """Debit the customer's wallet by `amount` for `document` (raises insufficient_funds with the
    balance: the whole document is then refused, nothing recorded)."""
    wallets.pay(_holder(document), amount, key=f"document-{document.id}", document_id=document.id)


def refund_to_wallet(document: Document, amount: int) -> None:
    """Credit the customer's wallet with `amount` a return or correction gives back."""
    wallets.refund(_holder(document), amount, key=f"document-{document.id}", document_id=document.id)


def wallet_balance(customer_id: int) -> int | None:
    """The customer's wallet balance for the document's answer; None when they have no wallet."""
    return db.session.scalar(select(Wallet.balance).where(Wallet.customer_id == customer_id))


def upgrade_tier(customer_id: int) -> None:
    """The customer's upgrade judged today, with this sale counted (panel/services/loyalty)."""
    realtime.upgrade_after_document(customer_id, clock.today())


def tier_badge(customer_id: int) -> dict | None:
    """The customer's tier for the document's answer (the API's `tier`), or None."""
    badge = standing.tier_json(customer_id)
    if badge and badge.get("valid_until") is not None:
        badge = {**badge, "valid_until": badge["valid_until"].isoformat()}
    return badge
