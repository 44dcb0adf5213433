"""What a scan at the bar finds, and putting a new card (and a new customer) on record.

Shared by the terminal page and the POS API, so a code is matched the same way in both:
by card code in any of the tenant's reader formats, then by printed number, then (the
terminal only) by name, NIP or phone through the customer search.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Mapping

from .. import cardcodes
from ..extensions import db
from ..models import Card, Customer
from . import ServiceError, customer_list
from . import cards as card_service
from . import customers as customer_service

MAX_MATCHES = 8


@dataclass
class ScanResult:
    """One of: a card (with its customer), one customer, several customers, an unknown code, nothing."""

    query: str
    card: Card | None = None
    customer: Customer | None = None
    customers: list[Customer] = field(default_factory=list)
    unknown_code: str | None = None
    today: date = field(default_factory=date.today)

    @property
    def state(self) -> str | None:
        """active | expired | blocked | lost for a found card."""
        return self.card.state_on(self.today) if self.card is not None else None

    @property
    def usable(self) -> bool:
        return self.state == "active"


def scan(query: str) -> ScanResult:
    """Look up what was scanned or typed. Read-only, so a repeated scan changes nothing."""
    q = (query or "").strip()[:200]
    result = ScanResult(query=q)
    if not q:
        return result
    card = card_service.find_card(q)
    if card is not None:
        result.card, result.customer = card, card.customer
        return result
    found = search_customers(q, MAX_MATCHES)
    if len(found) == 1:
        result.customer = found[0]
    elif found:
        result.customers = found
    else:
        try:
            result.unknown_code = cardcodes.clean(q)
        except cardcodes.InvalidCardCode:
            result.unknown_code = None
    return result


def search_customers(q: str, limit: int) -> list[Customer]:
    """Active customers matching a name, company, NIP, phone or e-mail (the customer list's search).

    A query too short to search finds nobody here (the list would show everyone).
    """
    q = (q or "").strip()
    f = customer_list.CustomerFilter(q=q[:customer_list.MAX_QUERY], status="active")
    if q and not customer_list.search_terms(q):
        return []
    stmt = customer_list.filtered_query(f).where(Customer.merged_into_id.is_(None),
                                                    Customer.erased_at.is_(None))
    return list(db.session.scalars(stmt.limit(limit)))


def quick_add(data: Mapping, card_code: str = "", card_number: str = "", card_expires_on: str = "") \
        -> tuple[Customer, Card | None]:
    """Create a customer from the till or the terminal, optionally with a card, all or nothing.

    The card is checked before the customer is created, so a taken code creates nobody.
    Raises customers.CustomerInvalid for the customer's fields, ServiceError (field
    "card_code" ..., code "card_taken" for a code on someone's card) for the card.
    """
    row = None
    if (card_code or "").strip():
        row = card_service.CardRow(index=0, code=card_code, number=card_number or "",
                                   expires_on=card_expires_on or "")
        errors = card_service.validate_card_rows([row]).get(0, {})
        # A code on someone's card is "card_taken" (the till's 409), not a typing error.
        if "code" in errors and (held := card_service.holder_of(card_code)) is not None:
            raise ServiceError(card_service.taken_message(held), field="card_code", code="card_taken",
                               details={"customer_id": held.customer_id})
        if errors:
            name, message = next(iter(errors.items()))
            raise ServiceError(message, field=f"card_{name}")
    customer = customer_service.create(data)
    card = None
    if row is not None:
        card, _created = card_service.assign(customer, row.code, row.number, row.expires_on)
    return customer, card
