"""The invariant's check: every wallet's balance == the sum of its entries, never below zero, and
each entry's balance_after == the running sum up to it. It must never find a break.

One SQL pass per tenant gathers each wallet's figures (a window function for the running sum);
`breaks()`, a pure function, judges them, for the nightly job and for the tests.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Iterable

from sqlalchemy import text

from ...extensions import db
from ...models import JobRun
from ...models.base import utcnow
from ...tenancy import require_tenant_id

KIND = "wallet_reconciliation"


@dataclass(frozen=True)
class Figures:
    wallet_id: int
    balance: int
    entries_sum: int
    chain_breaks: int  # entries whose balance_after differs from the running sum up to them


@dataclass(frozen=True)
class Break:
    wallet_id: int
    balance: int
    entries_sum: int
    chain_breaks: int
    problem: str  # sum_differs | negative | chain


def breaks(figures: Iterable[Figures]) -> list[Break]:
    """Every wallet among `figures` that breaks the invariant, with what is wrong."""
    out = []
    for f in figures:
        problem = ("negative" if f.balance < 0 else "sum_differs" if f.balance != f.entries_sum
                   else "chain" if f.chain_breaks else None)
        if problem:
            out.append(Break(f.wallet_id, f.balance, f.entries_sum, f.chain_breaks, problem))
    return out


_FIGURES = text("""
    SELECT w.id, w.balance, COALESCE(s.total, 0), COALESCE(s.chain_breaks, 0)
    FROM wallets w
    LEFT JOIN (
        SELECT wallet_id, SUM(amount) AS total,
               SUM(CASE WHEN balance_after <> running THEN 1 ELSE 0 END) AS chain_breaks
        FROM (SELECT wallet_id, amount, balance_after,
                     SUM(amount) OVER (PARTITION BY wallet_id ORDER BY id) AS running
              FROM wallet_entries WHERE tenant_id = :tenant_id) e
        GROUP BY wallet_id
    ) s ON s.wallet_id = w.id
    WHERE w.tenant_id = :tenant_id
""")


def figures(tenant_id: int) -> list[Figures]:
    """Each wallet's figures for `tenant_id` (raw SQL: the tenant is explicit)."""
    return [Figures(int(r[0]), int(r[1]), int(r[2]), int(r[3]))
            for r in db.session.execute(_FIGURES, {"tenant_id": tenant_id})]


def reconcile_tenant(fired_at: datetime | None = None) -> dict:
    """The scheduled check for the current tenant: records its outcome as a finished job row
    (the health page shows the last one) and returns it."""
    now = utcnow()
    found = figures(require_tenant_id())
    broken = breaks(found)
    result = {"wallets": len(found), "breaks": [asdict(b) for b in broken]}
    db.session.add(JobRun(kind=KIND, status="finished", progress=100, result=result, started_at=fired_at or now,
                          finished_at=now, message=f"{len(found)} wallets, {len(broken)} breaks"))
    db.session.flush()
    return result


def last_run() -> JobRun | None:
    from sqlalchemy import select

    return db.session.scalar(select(JobRun).where(JobRun.kind == KIND).order_by(JobRun.id.desc()).limit(1))
