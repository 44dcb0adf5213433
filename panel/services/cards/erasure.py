"""The cards' part of a customer's GDPR erasure, registered with the customers' ERASE_STEPS."""
from __future__ import annotations

from ...models import Customer
from ...models.base import utcnow
from ..customers.gdpr import EraseStep, forget_history, register_erase_step


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
