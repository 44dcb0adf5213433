"""Export jobs: build a file, keep it on the job's row for the owner to download."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from .. import clock
from ..csvfiles import write_csv
from ..extensions import db
from ..models import AuditEntry, JobRun
from ..services import audit
from . import set_progress, tenant_job


def _audit_rows(run: JobRun, since: datetime | None, until: datetime | None):
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    if since:
        stmt = stmt.where(AuditEntry.created_at >= since)
    if until:
        stmt = stmt.where(AuditEntry.created_at < until)
    total = db.session.scalar(select(db.func.count()).select_from(stmt.subquery())) or 1
    for n, e in enumerate(db.session.scalars(stmt.execution_options(yield_per=500)), start=1):
        if n % 2000 == 0:
            set_progress(run, n * 100 // total)
        actor = e.actor.email if e.actor else (f"token:{e.token.name}" if e.token else "")
        yield [clock.iso(e.created_at), actor, e.action, e.entity_type, e.entity_id or "", e.summary,
               e.ip or "", audit.portable_changes(e) or ""]


@tenant_job
def export_audit_log(run: JobRun, since: str | None = None, until: str | None = None) -> dict:
    since_dt = datetime.fromisoformat(since) if since else None
    until_dt = datetime.fromisoformat(until) if until else None
    rows = list(_audit_rows(run, since_dt, until_dt))
    run.file_data = write_csv(rows, ["time", "actor", "action", "record_type", "record_id", "summary", "ip", "changes"])
    run.file_name = f"audit-{clock.now().strftime('%Y%m%d-%H%M')}.csv"
    run.file_type = "text/csv; charset=utf-8"
    return {"rows": len(rows)}
