"""The two seams of document recording that other areas fill in (issue 16):

- the re-pricing: what the customer's rules give for the document's lines at its time (the
  pricing service runs panel.pricing.quote over the customer's groups); None while it is not
  wired, and the mismatch check then has nothing to compare;
- the wallet: a sale's `wallet` payment and a return's `wallet` refund, in the document's
  transaction (panel/services/wallets: guarded debit, insufficient_funds with the balance).

Everything else the recording does is in record.py; wiring these is one line each.
"""
from __future__ import annotations

from typing import Sequence

from flask_babel import gettext as _

from ...models import Document, DocumentLine
from .. import ServiceError


def expected_finals(document: Document, lines: Sequence[DocumentLine]) -> dict[str, int] | None:
    """Each line's final amount, by the POS's line_id, as the customer's rules price it at the
    document's time; None when it cannot be known. Called before anything is written: the
    document and its lines are not flushed yet (no ids); they carry everything a quote needs
    (customer_id, issued_at, product_id, category_id, quantity, unit_price, discountable)."""
    return None


def _wallet_unavailable() -> ServiceError:
    return ServiceError(_("Payments by wallet cannot be recorded yet: the wallet is not available."),
                        field="payments", code="wallet_unavailable")


def take_wallet_payment(document: Document, amount: int) -> None:
    """Debit the customer's wallet by `amount` for `document` (raises insufficient_funds)."""
    raise _wallet_unavailable()


def refund_to_wallet(document: Document, amount: int) -> None:
    """Credit the customer's wallet with `amount` a return gives back."""
    raise _wallet_unavailable()


def wallet_balance(customer_id: int) -> int | None:
    """The customer's wallet balance for the document's answer; None while there is no wallet."""
    return None
