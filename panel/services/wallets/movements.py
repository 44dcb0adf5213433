"""Every movement of wallet money: one guarded statement, its entries, an idempotency key.

The rule (issue 16): at every moment, under any concurrency, a wallet's balance equals the sum
of its entries and is never below zero. Each movement therefore
1. changes the balance with ONE statement that checks and writes at once:
       UPDATE wallets SET balance = balance + :d
       WHERE tenant_id = :t AND id = :w AND balance + :d >= 0  RETURNING balance
   No row back means not enough money (or no such wallet): nothing moved. On PostgreSQL (READ
   COMMITTED) a second movement of the same wallet waits at the row until the first commits,
   then re-checks the condition against the committed balance: no lost update, no overdraft.
   The row stays locked until the transaction ends, so the movements of one wallet take turns.
2. inserts its entries with the balance after each, in the same transaction, which the caller
   owns (a panel request, an API request, a document being recorded): flushed, never committed.

SQLite has no row locks: the movement opens the transaction with BEGIN IMMEDIATE
(locking.open_write_transaction), which takes the database's single write lock before the first
statement, so writers run one after another and each sees what the previous one committed.

Idempotency: the movement's first entry carries the caller's key, unique per wallet. It is
inserted with ON CONFLICT DO NOTHING after the balance statement, i.e. while this transaction
holds the wallet; a same-key movement that committed meanwhile makes the insert a no-op, and
this one takes its balance change back (the compensating statement is in this transaction, no
one ever sees it) and answers the first movement's entries: a replay moves nothing. The same key
with another kind or amount is refused (409 idempotency_key_reused).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import g, has_request_context
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from ... import locking
from ...extensions import db
from ...models import Customer, Tenant, Wallet, WalletEntry
from ...models.base import utcnow
from ...money import MAX_MINOR
from ...tenancy import require_tenant_id
from .. import ServiceError

_wallets = Wallet.__table__
MAX_KEY_LENGTH = 300


@dataclass(frozen=True)
class Part:
    """One entry of a movement, in ledger order (a top-up's bonus after the top-up)."""

    kind: str
    amount: int
    reason: str = ""
    method: str | None = None
    reverses_entry_id: int | None = None
    related_to_first: bool = False  # related_entry_id = the movement's first entry (a bonus)
    related_entry_id: int | None = None


@dataclass
class Moved:
    """What a movement did (or, replayed, what its first run did)."""

    entries: list[WalletEntry]
    balance: int  # the balance right after the movement
    replayed: bool = False
    wallet: Wallet | None = field(default=None, repr=False)

    @property
    def entry(self) -> WalletEntry:
        return self.entries[0]


def insufficient(balance: int) -> ServiceError:
    from ...i18n import money

    return ServiceError(_("Not enough money in the wallet: the balance is %(balance)s.", balance=money(balance)),
                        field="amount", code="insufficient_funds", details={"balance": balance})


def check_amount(amount: int) -> int:
    if not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount <= MAX_MINOR:
        raise ServiceError(_("Enter an amount greater than zero."), field="amount")
    return amount


def check_key(key: str | None) -> str | None:
    if key is not None and not (0 < len(key) <= MAX_KEY_LENGTH):
        raise ServiceError(_("The idempotency key has 1 to %(n)d characters.", n=MAX_KEY_LENGTH), field="key")
    return key


def wallet_of(customer: Customer) -> Wallet | None:
    return db.session.scalar(select(Wallet).where(Wallet.customer_id == customer.id))


def ensure_wallet(customer: Customer) -> Wallet:
    """The customer's wallet, opened (empty, in the tenant's currency) on first use.

    Two first top-ups at once both insert; the unique (tenant, customer) keeps one and the
    other's insert does nothing, then both read the same row.
    """
    if customer.erased_at is not None or customer.merged_into_id is not None:
        raise ServiceError(_("This customer was erased or merged: their wallet cannot take money."))
    found = wallet_of(customer)
    if found is not None:
        return found
    currency = db.session.scalar(select(Tenant.currency).where(Tenant.id == customer.tenant_id))
    _insert_ignoring_conflict(_wallets, dict(tenant_id=customer.tenant_id, customer_id=customer.id,
                                             currency=currency, balance=0, created_at=utcnow()))
    return wallet_of(customer)


def move(wallet: Wallet, parts: list[Part], *, key: str | None = None, document_id: int | None = None) -> Moved:
    """Apply `parts` to `wallet` as one movement (see the module's docstring); flushes."""
    tenant_id = require_tenant_id()
    delta = sum(p.amount for p in parts)
    # SQLite: take the write lock before anything below reads (the replay look-ups, the balance).
    locking.open_write_transaction()
    if delta < 0 and (first := _first_run(wallet.id, key, parts[0])) is not None:
        # A replay of a spending movement answers its first run even if the money is gone now.
        return _replay(wallet, first, parts[0])
    balance = db.session.execute(
        update(_wallets)
        .where(_wallets.c.tenant_id == tenant_id, _wallets.c.id == wallet.id, _wallets.c.balance + delta >= 0)
        .values(balance=_wallets.c.balance + delta)
        .returning(_wallets.c.balance)).scalar()
    if balance is None:
        # Refused: unless the same movement committed while this one waited for the wallet.
        if (first := _first_run(wallet.id, key, parts[0])) is not None:
            return _replay(wallet, first, parts[0])
        raise insufficient(_balance(wallet.id))
    user_id, token_id = _actor()
    after = balance - delta
    rows = []
    for i, part in enumerate(parts):
        after += part.amount
        rows.append(dict(
            tenant_id=tenant_id, wallet_id=wallet.id, kind=part.kind, amount=part.amount, balance_after=after,
            user_id=user_id, token_id=token_id, document_id=document_id, reason=part.reason, method=part.method,
            reverses_entry_id=part.reverses_entry_id, related_entry_id=part.related_entry_id,
            idempotency_key=key if i == 0 else None, created_at=utcnow()))
    first = _insert_entry(rows[0])
    if first is None:
        # The key (or, for a reversal, the reversed entry) was taken by a movement that
        # committed while this one waited for the wallet: take the change back, answer it.
        db.session.execute(update(_wallets).where(_wallets.c.tenant_id == tenant_id, _wallets.c.id == wallet.id)
                           .values(balance=_wallets.c.balance - delta))
        done = _first_run(wallet.id, key, parts[0])
        if done is None:  # pragma: no cover (a conflict has a first run: the key's or the reversal's)
            raise ServiceError(_("This entry was already reversed."), code="already_reversed")
        return _replay(wallet, done, parts[0])
    entries = [first]
    for part, row in zip(parts[1:], rows[1:]):
        if part.related_to_first:
            row["related_entry_id"] = first.id
        entries.append(_insert_entry(row))
    if None in entries:  # a later part's reversed entry was reversed meanwhile: the whole movement goes
        raise ServiceError(_("This entry was already reversed."), code="already_reversed")
    db.session.expire(wallet, ["balance"])
    return Moved(entries, balance, wallet=wallet)


def _first_run(wallet_id: int, key: str | None, first: Part) -> WalletEntry | None:
    """The entry an earlier run of this movement left: the one with its key, or the reversal of
    the same entry (an entry is reversed once, so a second reversal is a replay)."""
    if key is not None:
        cond = (WalletEntry.wallet_id == wallet_id) & (WalletEntry.idempotency_key == key)
    elif first.reverses_entry_id is not None:
        cond = WalletEntry.reverses_entry_id == first.reverses_entry_id
    else:
        return None
    return db.session.scalar(select(WalletEntry).where(cond))


def _replay(wallet: Wallet, first: WalletEntry, asked: Part) -> Moved:
    if (first.kind, first.amount) != (asked.kind, asked.amount):
        raise ServiceError(_("This idempotency key was used for another movement. Use a new key for a new one."),
                           code="idempotency_key_reused")
    # The first run's entries: the keyed one and those that came with it (a top-up's bonus).
    entries = [first, *db.session.scalars(select(WalletEntry).where(WalletEntry.related_entry_id == first.id,
                                                                    WalletEntry.kind == "top_up_bonus"))]
    return Moved(entries, entries[-1].balance_after, replayed=True, wallet=wallet)


def _balance(wallet_id: int) -> int:
    return db.session.scalar(select(_wallets.c.balance).where(_wallets.c.tenant_id == require_tenant_id(),
                                                             _wallets.c.id == wallet_id)) or 0


def _insert_entry(values: dict) -> WalletEntry | None:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING the entry (as an ORM object, without reading
    it back: the wallet is locked meanwhile, so every round trip saved is throughput), or None
    on a conflict."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(WalletEntry).values(**values).on_conflict_do_nothing().returning(WalletEntry)
    return db.session.scalars(stmt).first()


def _insert_ignoring_conflict(table, values: dict) -> int | None:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id: the new row's id, or None on a conflict."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).values(**values).on_conflict_do_nothing().returning(table.c.id)
    return db.session.execute(stmt).scalar()


def _actor() -> tuple[int | None, int | None]:
    """Who moves the money: the signed-in user, or the API token of the till (none in a job)."""
    if not has_request_context():
        return None, None
    token = g.get("api_token")
    if token is not None:
        return None, token.id
    return (current_user.id if current_user and current_user.is_authenticated else None), None
