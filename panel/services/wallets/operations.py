"""What can be done with a wallet: top up, pay, refund, adjust, reverse. Each is one movement
(movements.py) and flushes; the caller's transaction commits it, with whatever else it records
(a sales document records its wallet payment by calling pay() inside its own transaction)."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ...extensions import db
from ...models import TOP_UP_METHODS, Customer, Wallet, WalletEntry
from .. import ServiceError, audit
from .bonus import bonus_for, current_rules
from .movements import Moved, Part, check_amount, check_key, ensure_wallet, insufficient, move, wallet_of

REVERSIBLE = ("top_up", "top_up_bonus", "payment", "refund", "adjustment")
MAX_REASON = 500


def top_up(customer: Customer, amount: int, method: str, *, key: str | None = None) -> Moved:
    """Put `amount` paid in cash or by card into the wallet, with the tenant's bonus, if any, as
    its own entry (so a reversal takes the bonus back first). Not turnover, earns no points."""
    check_amount(amount)
    check_key(key)
    if method not in TOP_UP_METHODS:
        raise ServiceError(_("Choose how the top-up was paid: cash or card."), field="method")
    wallet = ensure_wallet(customer)
    parts = [Part("top_up", amount, method=method)]
    if bonus := bonus_for(amount, current_rules()):
        parts.append(Part("top_up_bonus", bonus, related_to_first=True))
    moved = move(wallet, parts, key=key)
    if not moved.replayed:
        _audit("wallet.topped_up", customer, moved)
    return moved


def pay(customer: Customer, amount: int, *, key: str | None = None, document_id: int | None = None,
        reason: str = "") -> Moved:
    """Take `amount` out of the wallet for a purchase; refused with insufficient_funds (and the
    balance) when the wallet holds less. Nothing moves then."""
    check_amount(amount)
    check_key(key)
    wallet = wallet_of(customer)
    if wallet is None:
        raise insufficient(0)
    moved = move(wallet, [Part("payment", -amount, reason=_reason(reason))], key=key, document_id=document_id)
    if not moved.replayed and document_id is None:
        _audit("wallet.paid", customer, moved)
    return moved


def refund(customer: Customer, amount: int, *, key: str | None = None, document_id: int | None = None,
           reason: str = "") -> Moved:
    """Put `amount` back into the wallet (a return paid back to the wallet)."""
    check_amount(amount)
    check_key(key)
    moved = move(ensure_wallet(customer), [Part("refund", amount, reason=_reason(reason))], key=key,
                 document_id=document_id)
    if not moved.replayed and document_id is None:
        _audit("wallet.refunded", customer, moved)
    return moved


def adjust(customer: Customer, amount: int, reason: str, *, key: str | None = None) -> Moved:
    """A manager's correction, signed (down to zero, never below), with the reason why: also
    how the money is paid out before a GDPR erasure."""
    if not isinstance(amount, int) or amount == 0:
        raise ServiceError(_("Enter an amount other than zero (negative takes money out)."), field="amount")
    check_amount(abs(amount))
    check_key(key)
    reason = _reason(reason)
    if not reason:
        raise ServiceError(_("Say why the balance is adjusted."), field="reason")
    wallet = ensure_wallet(customer) if amount > 0 else wallet_of(customer)
    if wallet is None:
        raise insufficient(0)
    moved = move(wallet, [Part("adjustment", amount, reason=reason)], key=key)
    if not moved.replayed:
        _audit("wallet.adjusted", customer, moved, reason)
    return moved


def reverse(entry: WalletEntry, reason: str = "") -> Moved:
    """Undo `entry` with a reversal entry of the opposite amount (the entry itself stays).

    A top-up's reversal takes its bonus back first (when the bonus was not reversed alone
    before). Reversing takes money out for a top-up or a refund: refused when it was spent.
    An entry is reversed once; asking again answers the first reversal.
    """
    if entry.kind not in REVERSIBLE:
        raise ServiceError(_("This entry cannot be reversed."), code="not_reversible")
    if entry.document_id is not None:
        raise ServiceError(_("This entry belongs to a sales document: record a return of the document instead."),
                           code="not_reversible")
    wallet = db.session.get(Wallet, entry.wallet_id)
    done = db.session.scalar(select(WalletEntry).where(WalletEntry.reverses_entry_id == entry.id))
    if done is not None:
        return Moved([done], done.balance_after, replayed=True, wallet=wallet)
    reason = _reason(reason)
    parts = []
    if entry.kind == "top_up":
        bonus = db.session.scalar(select(WalletEntry).where(WalletEntry.related_entry_id == entry.id,
                                                            WalletEntry.kind == "top_up_bonus"))
        if bonus is not None and not db.session.scalar(
                select(WalletEntry.id).where(WalletEntry.reverses_entry_id == bonus.id)):
            parts.append(Part("reversal", -bonus.amount, reason=reason, reverses_entry_id=bonus.id))
    parts.append(Part("reversal", -entry.amount, reason=reason, reverses_entry_id=entry.id))
    moved = move(wallet, parts)
    customer = db.session.get(Customer, wallet.customer_id)
    _audit("wallet.reversed", customer, moved, f"#{entry.id}")
    return moved


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise ServiceError(_("The reason has at most %(n)d characters.", n=MAX_REASON), field="reason")
    return reason


def _audit(action: str, customer: Customer, moved: Moved, note: str = "") -> None:
    figures = {"entries": [{"id": e.id, "kind": e.kind, "amount": e.amount} for e in moved.entries],
               "balance": moved.balance}
    summary = " ".join(f"{e.kind} {e.amount:+d}" for e in moved.entries) + (f" · {note}" if note else "")
    audit.record(action, "customer", customer.id, summary=summary, changes=figures)
