"""Idempotency keys: a retried API write returns the first answer instead of acting twice.

The key is claimed by inserting its row in the transaction of the write itself, and the answer
is written into that row before the commit (Brandur Leach, "Implementing Stripe-like
Idempotency Keys in Postgres"): the effect and the key commit together or not at all. A second
request with the same key meets the primary key: on PostgreSQL its INSERT waits for the first
transaction, then finds the committed row and replays it; on SQLite writers take turns anyway.
A request that fails (a broken rule, a crash) rolls its claim back with it, so a retry runs
afresh: nothing of it took effect.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import IdempotencyKey
from ..models.base import aware, utcnow

KEEP_FOR = timedelta(days=7)
MAX_KEY_LENGTH = 255
_table = IdempotencyKey.__table__


def valid_key(key: str) -> bool:
    """1-255 printable ASCII characters (what Stripe and the IETF draft allow: a UUID fits)."""
    return 0 < len(key) <= MAX_KEY_LENGTH and all(" " <= ch <= "~" for ch in key)


def fingerprint(method: str, path: str, body: dict | None) -> str:
    """The request as a hash: the same key with another method, path or body is another request."""
    canonical = json.dumps(body or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Stored:
    """What an earlier request with the key left: its fingerprint and, once done, its answer."""

    request_hash: str
    status_code: int | None
    body: str | None
    headers: dict


def claim(tenant_id: int, token_id: int, key: str, request_hash: str, now: datetime | None = None) -> Stored | None:
    """Claim `key` for this request: None when claimed (go ahead), else what holds it.

    Blocks while another open transaction holds the same key, until it ends.
    """
    now = now or utcnow()
    for _attempt in range(2):
        if _insert(tenant_id, token_id, key, request_hash, now):
            return None
        row = db.session.execute(
            select(_table).where(_table.c.tenant_id == tenant_id, _table.c.token_id == token_id,
                                 _table.c.key == key)).first()
        if row is None:  # the holder rolled back, or the purge took it, between the two statements
            continue
        if aware(row.created_at) > now - KEEP_FOR:
            return Stored(row.request_hash, row.status_code, row.response_body,
                          json.loads(row.response_headers or "{}"))
        # Expired but not purged yet: the key is free again.
        db.session.execute(delete(_table).where(_table.c.tenant_id == tenant_id, _table.c.token_id == token_id,
                                                _table.c.key == key, _table.c.created_at == row.created_at))
    raise RuntimeError("idempotency key could not be claimed")  # pragma: no cover (two races in a row)


def _insert(tenant_id: int, token_id: int, key: str, request_hash: str, now: datetime) -> bool:
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(_table).values(tenant_id=tenant_id, token_id=token_id, key=key,
                                         request_hash=request_hash, created_at=now).on_conflict_do_nothing()
    return db.session.execute(stmt.returning(_table.c.key)).first() is not None


def record(tenant_id: int, token_id: int, key: str, status_code: int, body: str, headers: dict) -> None:
    """Keep the answer with the claimed key, in the same transaction as the write."""
    db.session.execute(
        update(_table)
        .where(_table.c.tenant_id == tenant_id, _table.c.token_id == token_id, _table.c.key == key)
        .values(status_code=status_code, response_body=body, response_headers=json.dumps(headers)))


def purge_expired_idempotency_keys(now: datetime | None = None) -> int:
    """Delete the current tenant's keys older than 7 days; returns how many went.

    Runs inside tenant_scope (the scheduled clean-up fans out per tenant): the ORM statement
    gets the tenant's criteria from the scoping hook, and raises with no tenant in scope.
    """
    now = now or utcnow()
    result = db.session.execute(
        delete(IdempotencyKey).where(and_(IdempotencyKey.created_at < now - KEEP_FOR))
        .execution_options(synchronize_session=False))
    return result.rowcount
