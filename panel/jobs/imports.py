"""The customer import job: every row of the uploaded file in one transaction, with progress.

`@tenant_job` gives the all-or-nothing: the job's work is committed once at the end, and any
exception (ImportAborted in strict mode, a crash) rolls all of it back and marks the run
failed with the message. Row errors are written in the language of the user who started
the import (params["locale"]), since the worker has no request to take it from.
"""
from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import text

from .. import clock
from ..csvfiles import write_csv
from ..extensions import db
from ..models import JobRun, Tenant
from ..services import imports
from ..services.imports import importer, results
from . import enqueue_after_commit, set_progress, tenant_job

# Rows written from which the planner's statistics are refreshed once the import is committed:
# until autovacuum gets to it, PostgreSQL plans searches for the tables as they were before (a
# 3 000-row import made live searches take seconds).
ANALYZE_AFTER_ROWS = 1000


@tenant_job
def import_customers(run: JobRun) -> dict:
    """Import the run's file; returns the figures and the first row errors for the status page.

    Idempotent: a finished run is not imported again (tenant_job), and a run that died midway
    committed nothing, so running it again starts from a clean slate.
    """
    tenant = db.session.get(Tenant, run.tenant_id)
    params = run.params or {}
    with force_locale(params.get("locale") or tenant.locale):
        def progress(done: int, total: int) -> None:
            set_progress(run, done * 100 // max(total, 1), _("Row %(n)d of %(total)d", n=done, total=total))

        summary = importer.run_import(run, tenant.country, progress)
        header = [_("Row"), _("Outcome"), _("Customer number"), _("Notes")]
        run.file_data = write_csv(results.report_rows(summary), header)  # the upload itself is not kept
        run.file_name = f"import-report-{clock.now().strftime('%Y%m%d-%H%M')}.csv"
        run.file_type = "text/csv; charset=utf-8"
        errors = [{"row": r.number, "errors": r.errors} for r in summary.results if r.action == "error"]
        written = summary.created + summary.updated
        if written >= ANALYZE_AFTER_ROWS and db.session.get_bind().dialect.name == "postgresql":
            # A job of its own: after the commit (the import's rows are visible to it), and
            # outside the import's transaction, whose outcome it cannot change.
            enqueue_after_commit(analyze_customer_tables)
        return {"summary": summary.sentence(), "rows": summary.rows, "created": summary.created,
                "updated": summary.updated, "skipped": summary.skipped, "failed": summary.failed,
                "cards": summary.cards, "errors": errors[:imports.MAX_REPORTED_ERRORS]}


def analyze_customer_tables() -> None:
    """ANALYZE the tables a big import grew. Not a tenant's job: the statistics are the table's,
    and the statement reads no tenant's rows into the app."""
    with db.engine.connect() as conn:
        conn.execute(text("ANALYZE customers, cards"))
        conn.commit()
