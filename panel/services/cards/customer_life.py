"""The cards' part of a customer's life: what moves with a merge, and what a GDPR erasure does.

Registered with the customers' MERGE_MOVES and ERASE_STEPS on import.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy import update as sa_update

from ...extensions import db
from ...models import Card, Customer
from ...models.base import utcnow
from ..customers.gdpr import EraseStep, forget_history, register_erase_step
from ..customers.merging import MergeMove, register_merge_move


def count_cards(other: Customer) -> int:
    return db.session.scalar(select(func.count()).select_from(Card).where(Card.customer_id == other.id)) or 0


def move_cards(survivor: Customer, other: Customer) -> int:
    """Put the merged customer's cards on the survivor; returns how many."""
    moved = db.session.execute(
        sa_update(Card).where(Card.customer_id == other.id).values(customer_id=survivor.id)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    db.session.expire(survivor, ["cards"])
    db.session.expire(other, ["cards"])
    return moved or 0


def erase_cards(customer: Customer) -> int:
    """Erase the customer's cards; returns how many.

    The cards stay (their history and any money records keep pointing at them) but lose their
    code, number and note for a tombstone code, and are blocked for good; their earlier audit
    entries lose the details.
    """
    now = customer.erased_at or utcnow()
    cards = list(customer.cards)
    for card in cards:
        card.code = f"erased-{card.id}"
        card.code_key = "X" + card.code
        card.number = None
        card.note = ""
        if card.status != "blocked":
            card.status = "blocked"
            card.blocked_at = now
    forget_history("card", [card.id for card in cards])
    return len(cards)


register_erase_step(EraseStep("cards_blocked", erase_cards, order=100))
register_merge_move(MergeMove("cards", _l("Cards"), count_cards, move_cards))
