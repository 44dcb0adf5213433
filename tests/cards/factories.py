"""Customers and cards for the cards, terminal and API tests; the tenant is the caller's scope."""
from __future__ import annotations

from datetime import date

from panel.extensions import db
from panel.models import Card, Customer
from panel.services import cards as card_service
from panel.services import customers as customer_service

# One MIFARE Classic card as different readers type it (research notes, card-readers.md):
# UID bytes 1C 78 F2 BF; little-endian decimal 3220338716, big-endian 477688511.
UID_HEX = "1C78F2BF"
UID_DEC_LE = "3220338716"
UID_DEC_BE = "0477688511"


def make_customer(first_name: str = "Jan", last_name: str = "Kowalski", **fields) -> Customer:
    """A customer through the customers service, so the derived search columns are right."""
    return customer_service.create({"first_name": first_name, "last_name": last_name, **fields})


def make_card(customer: Customer, code: str, number: str | None = None, expires_on: date | None = None,
              status: str = "active") -> Card:
    card, _created = card_service.assign(customer, code, number or "",
                                         expires_on.isoformat() if expires_on else "")
    if status != "active":
        card.status = status
        db.session.flush()
    return card


def expire_card(card: Card, on: date) -> None:
    """Past expiry dates are refused on input; tests set them directly."""
    card.expires_on = on
    db.session.flush()
