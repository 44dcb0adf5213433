"""The wallet's part of a customer's life: a merge moves the money by transfer entries (never by
rewriting history); an erasure is refused while the wallet holds money.

Registered with the customers' MERGE_MOVES and ERASE_STEPS on import.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ... import locking
from ...i18n import money
from ...models import Customer, Wallet
from .. import ServiceError
from ..customers.gdpr import EraseStep, register_erase_step
from ..customers.merging import MergeMove, register_merge_move
from .movements import Part, ensure_wallet, move, wallet_of


def held(other: Customer) -> int:
    """For the merge preview: the money the merged record's wallet holds (minor units)."""
    wallet = wallet_of(other)
    return wallet.balance if wallet is not None else 0


def transfer(survivor: Customer, other: Customer) -> int:
    """Move the merged record's whole balance to the survivor's wallet: a transfer_out entry on
    one, a transfer_in (pointing at it) on the other. Returns the minor units moved.

    Both wallets are locked in id order first (two merges touching the same pair cannot
    deadlock), and the amount is read under the lock: a payment that committed meanwhile is
    counted, and none can slip in between the two entries.
    """
    source = wallet_of(other)
    if source is None:
        return 0
    target = ensure_wallet(survivor)
    locking.lock(select(Wallet).where(Wallet.id.in_([source.id, target.id])).order_by(Wallet.id))
    amount = source.balance
    if amount == 0:
        return 0
    out = move(source, [Part("transfer_out", -amount, reason=f"#{other.id} → #{survivor.id}")])
    move(target, [Part("transfer_in", amount, reason=f"#{other.id} → #{survivor.id}", related_entry_id=out.entry.id)])
    return amount


def erase_check(person: Customer) -> int:
    """Refuse the erasure while the person's wallet holds money; the wallet and its entries stay
    (they hold no personal data: the holder is the anonymised customer). Returns how many empty
    wallets were kept (0 or 1)."""
    wallet = wallet_of(person)
    if wallet is not None and wallet.balance > 0:
        raise ServiceError(_("The wallet still holds %(amount)s. Pay it out first with an adjustment "
                             "(with the reason), then erase.", amount=money(wallet.balance)),
                           code="wallet_not_empty")
    return 1 if wallet is not None else 0


register_merge_move(MergeMove("wallet", _l("Wallet money"), held, transfer, show=money))
register_erase_step(EraseStep("wallets_kept_empty", erase_check, order=50))
