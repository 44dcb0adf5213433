"""The catalog import: upload -> columns with a live preview -> start -> progress and counts.

The upload is a draft run like the customer import's (services/imports/drafts.py, read by
panel.tabular); "Start" hands the file to an `import_catalog` job, which runs the same upsert
as the POS's PUT /catalog. Each step's URL names the run, so reload and back land on it.
"""
from __future__ import annotations

from flask import abort, g, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ...access import get_or_404, has_role, require_role
from ...extensions import db
from ...htmx import redirect_to, render, stop_polling_when
from ...jobs import read_progress, start_job
from ...jobs.catalog import import_catalog
from ...models import JobRun
from ...services.catalog import importing
from ...services.imports import drafts
from ...transaction import service_errors
from . import bp


def _own(run: JobRun, kind: str) -> JobRun:
    if run.kind != kind or (run.created_by_id != current_user.id and not has_role("owner")):
        abort(404)
    return run


@bp.route("/import", methods=["GET", "POST"])
@require_role("manager")
def import_upload():
    error = None
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            error = _("Choose a CSV or Excel (.xlsx) file.")
        else:
            with service_errors() as refused:
                draft = drafts.create_draft(upload.filename, upload.read(), current_user.id,
                                            kind=importing.DRAFT_KIND, guess=importing.guess_mapping)
                return redirect_to(url_for("catalog.import_mapping", run_id=draft.id))
            error = refused.error.message
    recent = db.session.scalars(select(JobRun).where(JobRun.kind == importing.KIND)
                                .order_by(JobRun.id.desc()).limit(5)).all()
    return render("catalog/import_upload.html", error=error, recent=recent, max_rows=importing.MAX_ITEMS,
                  status=422 if error else 200)


@bp.route("/import/<int:run_id>", methods=["GET", "POST"])
@require_role("manager")
def import_mapping(run_id: int):
    """The columns and, under them, the first rows as they will be imported; "Start" runs it."""
    draft = _own(get_or_404(JobRun, run_id), importing.DRAFT_KIND)
    if started := (draft.params or {}).get("started_run_id"):
        return redirect(url_for("catalog.import_status", run_id=started), 303)
    table = drafts.draft_table(draft, limit=importing.PREVIEW_ROWS)
    mapping = list((draft.params or {}).get("mapping") or [])
    if request.method == "POST":
        mapping = [t if (t := request.form.get(f"col-{i}", "")) in importing.TARGETS else ""
                   for i in range(len(table.headers))]
        draft.params = {**(draft.params or {}), "mapping": mapping}
    errors = importing.check_mapping(mapping)
    parsed = importing.parse(table.rows, mapping, g.tenant.currency) if not errors else None
    refused = bool(errors or parsed.failed)
    if request.method == "POST" and request.form.get("action") == "start" and not refused:
        # The job checks every row again (the preview saw the first ones) and imports all or nothing.
        run = start_job(importing.KIND, import_catalog, queue="default", created_by_id=current_user.id,
                        params={**{k: draft.params.get(k) for k in ("format", "encoding", "delimiter", "source")},
                                "mapping": mapping, "locale": str(get_locale() or "en")})
        drafts.hand_over(draft, run)
        return redirect_to(url_for("catalog.import_status", run_id=run.id))
    return render("catalog/import_mapping.html", draft=draft, table=table, mapping=mapping, errors=errors,
                  parsed=parsed, samples=drafts.column_samples(table), targets=importing.TARGETS,
                  status=422 if request.method == "POST" and refused else 200)


@bp.get("/import/<int:run_id>/status")
@require_role("manager")
def import_status(run_id: int):
    run = _own(get_or_404(JobRun, run_id), importing.KIND)
    progress, message = read_progress(run)
    return stop_polling_when(run.done, render("catalog/import_status.html", block="import_status", run=run,
                                              progress=progress, message=message))
