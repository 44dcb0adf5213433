"""Export jobs: build a file, keep it on the job's row for the owner to download."""
from __future__ import annotations

import csv
import io
from datetime import datetime

from sqlalchemy import select

from .. import clock
from ..extensions import db
from ..models import AuditEntry, JobRun
from ..services import audit
from . import set_progress, tenant_job

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Polish and Czech Excel separate a CSV's fields with ';' (their decimal point is a comma):
# opened with a double click, a comma-separated file lands in one column. LibreOffice, Google
# Sheets and our own import tell the separator by themselves.
DELIMITER = ";"


# A customer's card codes share one cell, comma-separated: not by spaces, which may stand inside
# one code ("1C 78 F2 BF"). The import splits the cell at the same mark.
CODES_APART = ","


def joined_codes(codes: Iterable[str]) -> str:
    return f"{CODES_APART} ".join(codes)


def csv_writer(buf: io.StringIO):
    return csv.writer(buf, delimiter=DELIMITER)


def csv_safe(value) -> str:
    """Spreadsheets run cells that start like a formula; a leading quote makes them text."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_unguard(text: str) -> str:
    """A cell as it was before csv_safe(): the import reads our own exports back."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text


def write_csv(rows, header: list[str]) -> bytes:
    buf = io.StringIO()
    writer = csv_writer(buf)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_safe(v) for v in row])
    # A BOM, so Excel opens Polish and Czech letters as UTF-8.
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


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
