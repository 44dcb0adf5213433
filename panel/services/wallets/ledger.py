"""Reading wallets: a wallet's entries a page at a time, newest first, and the money held."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from ...extensions import db
from ...models import Wallet, WalletEntry

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass
class Page:
    entries: list[WalletEntry]
    next_cursor: int | None  # pass as `before` for the next (older) page; None on the last


def entries_page(wallet: Wallet | None, limit: int = DEFAULT_LIMIT, before: int | None = None) -> Page:
    """Up to `limit` entries older than entry id `before` (all when None), newest first.

    Keyset paging by id (the index (tenant, wallet, id)): a page stays right while new entries
    arrive, where an offset would shift by them.
    """
    if wallet is None:
        return Page([], None)
    stmt = select(WalletEntry).where(WalletEntry.wallet_id == wallet.id)
    if before is not None:
        stmt = stmt.where(WalletEntry.id < before)
    rows = list(db.session.scalars(stmt.order_by(WalletEntry.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, rows[-1].id if more else None)


def total_held() -> tuple[int, int]:
    """The money the tenant's wallets hold (a liability: owed to customers), and how many hold some."""
    total, holders = db.session.execute(
        select(func.coalesce(func.sum(Wallet.balance), 0), func.count()).where(Wallet.balance > 0)).one()
    return int(total), holders
