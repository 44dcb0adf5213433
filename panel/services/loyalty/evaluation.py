"""Running the tier evaluation for the tenant in scope: for real (the Start button, the API, the
daily schedule) or as a dry run with unsaved settings and tiers at any date.

A real run is one transaction: judge everyone (queries.materialise), write the history and the
tiers from the judgements, commit once (the caller's). A worker killed half-way leaves nothing,
and the next run does all of it. Two runs for one tenant never overlap: each takes the tenant's
evaluation lock first, so the second judges what the first committed, and finds nothing to do.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pytz
from sqlalchemy import text

from ... import clock
from ...extensions import db
from ...locking import open_write_transaction
from ...loyalty import tiers as rule
from ...models import LoyaltySettings, Tier
from ...models.base import utcnow
from ...tenancy import current_tenant_id
from . import queries, setup
from .queries import TierSpec

# pg_advisory_xact_lock's first key: "tier evaluation"; the second is the tenant.
LOCK_CLASS = 17017
SUMMARY_KEYS = ("evaluated", "up", "down", "kept", "unchanged", "manual")


def specs(rows: list[Tier]) -> list[TierSpec]:
    return [TierSpec(t.id, t.rank, t.automatic, t.threshold, t.min_documents, t.name) for t in rows]


def summary(counts: dict[str, int]) -> dict[str, int]:
    """The run's summary: evaluated, up, down, kept by validity, unchanged (re-qualified is
    unchanged: the tier stays, only its validity moves), manual (left alone)."""
    return {"evaluated": sum(counts.values()), "up": counts.get("up", 0), "down": counts.get("down", 0),
            "kept": counts.get("kept", 0),
            "unchanged": counts.get("unchanged", 0) + counts.get("requalified", 0),
            "manual": counts.get("manual", 0)}


def lock_tenant(shared: bool = False) -> None:
    """Wait for (and hold until the transaction ends) the tenant's evaluation lock. Real-time
    upgrades share it; an evaluation holds it alone."""
    if db.session.get_bind().dialect.name == "postgresql":
        fn = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
        db.session.execute(text(f"SELECT {fn}(:k1, :k2)"), {"k1": LOCK_CLASS, "k2": current_tenant_id()})
    else:
        open_write_transaction()


def evaluate(day: date | None = None, *, job_run_id: int | None = None, user_id: int | None = None,
             progress=None) -> dict[str, int]:
    """Evaluate every customer of the tenant at `day` (default: the restaurant's today) and write
    what changes; returns the summary. Flushes only: the caller commits."""
    day = day or clock.today()
    tenant_id = current_tenant_id()
    lock_tenant()
    settings_row = setup.current_settings()
    settings = setup.rule_settings(settings_row)
    tiers = specs(setup.tier_rows())
    report = progress or (lambda percent, message: None)
    report(5, "judging")
    queries.materialise(tenant_id, settings, tiers, day)
    report(60, "history")
    now = utcnow()
    queries.write_history(tenant_id, settings, day, "evaluation", now, job_run_id, user_id)
    report(80, "tiers")
    queries.write_states(tenant_id, now)
    counts = queries.materialised_counts()
    queries.drop_materialised()
    db.session.expire_all()
    return summary(counts)


@dataclass(frozen=True)
class Change:
    customer_id: int
    old: tuple[int | None, str] | None     # (tier id, name)
    new: tuple[int | None, str] | None
    valid_until: date | None
    turnover: int
    documents: int
    reason: str                            # qualified, validity_ended, staff, manual_ended, no_validity


def dry_run(day: date, settings: rule.Settings, tiers: list[TierSpec]) -> tuple[list[Change], dict[str, int]]:
    """Who would go up or down if the evaluation ran on `day` with these settings and tiers
    (saved or not), and why; writes nothing."""
    queries.materialise(current_tenant_id(), settings, tiers, day)
    rows = queries.materialised_changes()
    counts = queries.materialised_counts()
    queries.drop_materialised()
    changes = [Change(r.customer_id, (r.cur_id, r.cur_name) if r.cur_rank is not None else None,
                      (r.new_id, r.new_name) if r.new_rank is not None else None, r.new_valid_until,
                      int(r.turnover), int(r.documents), _reason(r)) for r in rows]
    return changes, summary(counts)


def _reason(row) -> str:
    if row.skipped:
        return "staff"
    if row.outcome == "up":
        return "qualified"
    if row.manual:
        return "manual_ended"
    return "validity_ended" if row.valid_until is not None else "no_validity"


def due(settings_row: LoyaltySettings, fired_at: datetime) -> bool:
    """Whether the daily evaluation is due at `fired_at`: evaluation is on and it is the
    tenant's hour on the restaurant's clock."""
    if settings_row.id is None or not settings_row.evaluate:
        return False
    return fired_at.astimezone(pytz.timezone(clock.zone_name())).hour == settings_row.daily_hour


def scheduled(fired_at: datetime) -> dict[str, int] | None:
    """The schedule's hourly call for the tenant in scope: evaluate when it is the tenant's
    hour, recorded as a finished run (kind tier_evaluation) so the page lists it."""
    from ...models import JobRun

    settings_row = setup.current_settings()
    if not due(settings_row, fired_at):
        return None
    run = JobRun(kind="tier_evaluation", status="running", params={"scheduled": fired_at.isoformat()},
                 started_at=utcnow())
    db.session.add(run)
    db.session.flush()
    result = evaluate(job_run_id=run.id)
    run.status, run.result, run.progress, run.finished_at = "finished", result, 100, utcnow()
    return result
