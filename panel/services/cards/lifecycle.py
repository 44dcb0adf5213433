"""A card's life: added (from the customer form, the terminal, the API or an import), blocked,
lost, unblocked, replaced; and the race-safe writes under all of them.

Life of a card: active -> blocked (by staff) or lost (reported by the customer); blocked and
lost cards can be unblocked, unless they were replaced: replacing moves the customer to a new
card and keeps the old one, blocked, as history (`replaced_by_id`). Erasing a customer's data
(services/customers.py) blocks their cards for good: nothing here brings them back.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from typing import Iterator

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from ... import locking
from ...extensions import db
from ...models import Card, Customer
from ...models.base import utcnow
from .. import ServiceError, audit
from . import rows as card_rows
from .lookup import holder_of, taken_message
from .rows import CardRow

_AUDIT_FIELDS = ["number", "expires_on"]


# --- adding cards ------------------------------------------------------------------------------

def apply_card_rows(customer: Customer, rows: list[CardRow]) -> None:
    """Save the rows on `customer`: new rows become cards, existing ones take number and expiry.

    Validates again (a caller that skipped validation cannot save a bad row), flushes, and
    writes one audit entry per card added or changed. A concurrent save of the same code or
    number shows up as a unique violation and becomes a ServiceError; the caller rolls back.
    """
    _save_rows(customer, rows)


def _save_rows(customer: Customer, rows: list[CardRow], error_field: str = "cards") -> list[Card]:
    _refuse_if_erased(customer)
    errors = card_rows.validate_card_rows(rows, customer)
    if errors:
        first = next(iter(errors.values()))
        raise ServiceError(next(iter(first.values())), field=error_field)
    added: list[Card] = []
    changed: list[tuple[Card, dict]] = []
    with _card_writes([r.clean_code for r in rows if r.card is None], error_field):
        for row in rows:
            if row.card is not None:
                before = audit.snapshot(row.card, _AUDIT_FIELDS)
                row.card.number, row.card.expires_on = row.clean_number, row.expiry
                diff = audit.diff(row.card, _AUDIT_FIELDS, before)
                if diff:
                    changed.append((row.card, diff))
            else:
                added.append(add_checked(customer, row.clean_code, row.key, row.clean_number, row.expiry))
    for card in added:
        record_added(card)
    for card, diff in changed:
        audit.record("card.updated", "card", card.id, card.code, diff)
    return added


def add_checked(customer: Customer, code: str, key: str, number: str | None = None,
                expiry: date | None = None) -> Card:
    """A new active card for a code already checked free (cleaned, with its key), not flushed.

    The checks are validate_card_rows()' or, for many rows at once, the import's; a code
    taken meanwhile still fails at the flush, on the unique key. record_added() follows it.
    """
    card = Card(customer=customer, code=code, code_key=key, number=number, expires_on=expiry, status="active",
                issued_at=utcnow(), note="")
    db.session.add(card)
    return card


def record_added(card: Card) -> None:
    """The audit entry of a new card, once it has its id."""
    audit.record("card.added", "card", card.id, f"{card.code} → {card.customer.display_name}",
                 {"customer_id": [None, card.customer_id], "code": [None, card.code]})


@contextmanager
def _card_writes(codes: list[str], error_field: str) -> Iterator[None]:
    """The block's card writes, flushed in a savepoint; a race for a code becomes "card_taken".

    Codes and numbers are checked free before they are written, but another request (a second
    terminal scanning the same new card) can save one in between: our insert then fails on the
    unique key. The savepoint takes back only these writes and leaves the transaction usable,
    so the error can say whose card it now is, and the caller's rollback and page still work.
    """
    db.session.flush()  # what came before (the new customer, its fields) stays outside the savepoint
    locking.open_write_transaction()
    try:
        with db.session.begin_nested():
            yield
            db.session.flush()
    except IntegrityError:
        holders = [held for code in codes if (held := holder_of(code)) is not None]
        message = taken_message(holders[0]) if holders else _(
            "Someone has just saved one of these cards or numbers on another customer. "
            "Check the cards and save again.")
        raise ServiceError(message, field=error_field, code="card_taken") from None



# --- a card's life ---------------------------------------------------------------------------

def _set_status(card: Card, status: str, action: str) -> None:
    before = card.status
    card.status = status
    if status == "active":
        card.blocked_at = None
    elif card.blocked_at is None:
        card.blocked_at = utcnow()
    db.session.flush()
    audit.record(action, "card", card.id, f"{card.code} ({card.customer.display_name})",
                 {"status": [before, status]})


def _refuse_if_replaced(card: Card) -> None:
    if card.replaced_by_id is not None:
        successor = db.session.get(Card, card.replaced_by_id)
        raise ServiceError(_("This card was replaced by %(code)s and stays blocked.",
                             code=successor.code if successor else "?"), code="replaced")


def _refuse_if_erased(customer: Customer) -> None:
    # An erased record stays only so history and money keep pointing somewhere; a card that
    # worked again, or a new one, would put the erased person back in use.
    if customer.erased_at is not None:
        raise ServiceError(_("This customer's data was erased: their cards stay blocked and they get no new ones."),
                           code="erased")


def block(card: Card) -> bool:
    """Block an active card. Returns False when it was blocked already (a repeated click)."""
    _refuse_if_erased(card.customer)
    _refuse_if_replaced(card)
    if card.status == "blocked":
        return False
    if card.status == "lost":
        raise ServiceError(_("This card is reported lost; it is already blocked."), code="lost")
    _set_status(card, "blocked", "card.blocked")
    return True


def report_lost(card: Card) -> bool:
    """Mark an active or blocked card lost. Returns False when it was reported lost already."""
    _refuse_if_erased(card.customer)
    _refuse_if_replaced(card)
    if card.status == "lost":
        return False
    _set_status(card, "lost", "card.lost")
    return True


def unblock(card: Card) -> bool:
    """Make a blocked or lost card (found again) active. Returns False when it was active."""
    _refuse_if_erased(card.customer)
    _refuse_if_replaced(card)
    if card.status == "active":
        return False
    _set_status(card, "active", "card.unblocked")
    return True


def replace(card: Card, row: CardRow) -> Card:
    """Give the card's customer a new card (`row`: code, number, expiry as typed).

    The new card takes over; the old one is blocked (a lost card stays "lost") and points to
    its successor, so the history shows the chain. Raises ServiceError with the field at fault.
    """
    _refuse_if_erased(card.customer)
    _refuse_if_replaced(card)
    row.id = ""
    errors = card_rows.validate_card_rows([row], card.customer).get(row.index, {})
    if errors:
        name, message = next(iter(errors.items()))
        raise ServiceError(message, field=name)
    with _card_writes([row.clean_code], "code"):
        new = Card(customer=card.customer, code=row.clean_code, code_key=row.key, number=row.clean_number,
                   expires_on=row.expiry, status="active", issued_at=utcnow(), note="")
        db.session.add(new)
    before = card.status
    card.replaced_by_id = new.id
    if card.status == "active":
        card.status = "blocked"
    if card.blocked_at is None:
        card.blocked_at = utcnow()
    db.session.flush()
    audit.record("card.replaced", "card", card.id, f"{card.code} → {new.code} ({card.customer.display_name})",
                 {"status": [before, card.status], "replaced_by": [None, new.code]})
    return new


def assign(customer: Customer, code: str, number: str = "", expires_on: str = "") -> tuple[Card, bool]:
    """Put a card on a customer from the terminal or the API; (card, created).

    Idempotent: assigning a code the customer already holds returns that card, so a repeated
    scan or a retried request does not fail. A code on someone else's card raises ServiceError
    with code "card_taken"; an erased customer gets no card ("erased").
    """
    _refuse_if_erased(customer)
    held = holder_of(code)
    if held is None:
        try:
            return _add_one(customer, code, number, expires_on), True
        except ServiceError as e:
            # Another terminal may have saved this code since the look above: answer as if it
            # had been there, "card_taken" with the holder's name (or the card, if it is ours).
            if e.field != "code" or (held := holder_of(code)) is None:
                raise
    if held.customer_id == customer.id:
        return held, False
    raise ServiceError(taken_message(held), field="code", code="card_taken", details={"customer_id": held.customer_id})


def _add_one(customer: Customer, code: str, number: str, expires_on: str) -> Card:
    row = CardRow(index=0, code=code, number=number, expires_on=expires_on)
    errors = card_rows.validate_card_rows([row], customer).get(0, {})
    if errors:
        name, message = next(iter(errors.items()))
        raise ServiceError(message, field=name)
    return _save_rows(customer, [row], error_field="code")[0]
