"""Customer import: upload -> columns (mapping) -> preview -> start -> progress and result.

The upload lives on a draft JobRun until "Start" hands it to a `customer_import` job; every
step's URL names that run (run_id), so a reload or the back button lands on the same step.
Managers and owners only; a user sees their own imports, an owner everyone's.
"""
from __future__ import annotations

from flask import abort, g, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ... import tabular
from ...access import get_or_404, has_role, require_role
from ...extensions import db
from ...htmx import redirect_to, render, stop_polling_when
from ...jobs import read_progress, start_job
from ...jobs.imports import import_customers
from ...models import JobRun
from ...services import imports
from ...services.imports import columns, drafts, importer
from ...transaction import service_errors
from . import bp


def _own(run: JobRun) -> JobRun:
    if run.created_by_id != current_user.id and not has_role("owner"):
        abort(404)
    return run


def _load_draft(run_id: int, *, lock: bool = False) -> JobRun:
    if lock:  # two clicks on "Start" must not start two imports
        run = db.session.scalar(select(JobRun).where(JobRun.id == run_id).with_for_update())
        if run is None:
            abort(404)
    else:
        run = get_or_404(JobRun, run_id)
    if run.kind != imports.DRAFT_KIND:
        abort(404)
    return _own(run)


def _load_import(run_id: int) -> JobRun:
    run = get_or_404(JobRun, run_id)
    if run.kind != imports.KIND:
        abort(404)
    return _own(run)


def _started(draft: JobRun):
    """Where a draft that was already started leads: its import's progress page."""
    started = (draft.params or {}).get("started_run_id")
    return redirect(url_for("imports.status", run_id=started), 303) if started else None


def _recent() -> list[JobRun]:
    stmt = select(JobRun).where(JobRun.kind == imports.KIND).order_by(JobRun.id.desc()).limit(10)
    if not has_role("owner"):
        stmt = stmt.where(JobRun.created_by_id == current_user.id)
    return list(db.session.scalars(stmt))


@bp.route("/", methods=["GET", "POST"])
@require_role("manager")
def upload():
    error = None
    if request.method == "POST":
        upload_file = request.files.get("file")
        if upload_file is None or not upload_file.filename:
            error = _("Choose a CSV or Excel (.xlsx) file.")
        else:
            with service_errors() as refused:
                draft = drafts.create_draft(upload_file.filename, upload_file.read(), current_user.id)
                return redirect_to(url_for("imports.mapping", run_id=draft.id))
            error = refused.error.message
    return render("imports/upload.html", error=error, recent=_recent(), max_rows=imports.MAX_ROWS,
                  status=422 if error else 200)


@bp.route("/<int:run_id>/mapping", methods=["GET", "POST"])
@require_role("manager")
def mapping(run_id: int):
    draft = _load_draft(run_id)
    if (done := _started(draft)) is not None:
        return done
    params = draft.params or {}
    errors: dict[str, str] = {}
    options = columns.Options.from_params(params)
    status = 200
    if request.method == "POST" and request.form.get("action") == "reread":
        encoding = request.form.get("encoding", "")
        delimiter = request.form.get("delimiter", "")
        with service_errors() as refused:
            table = drafts.reread_draft(draft, encoding if encoding in tabular.ENCODINGS else None,
                                        delimiter if delimiter in tabular.DELIMITERS else None)
            options = columns.Options.from_params(draft.params)
        if refused.error:
            draft = _load_draft(run_id)
            table, errors, status = drafts.draft_table(draft), {"encoding": refused.error.message}, 422
    else:
        table = drafts.draft_table(draft)
        if request.method == "POST":
            options, errors = columns.parse_options(request.form, len(table.headers))
            if not errors:
                drafts.save_options(draft, options)
                return redirect_to(url_for("imports.preview", run_id=draft.id))
            status = 422
    return render("imports/mapping.html", draft=draft, table=table, options=options, errors=errors,
                  samples=drafts.column_samples(table), targets=columns.TARGETS,
                  match_labels=columns.MATCH_LABELS,
                  encodings=tabular.ENCODINGS, delimiters=tabular.DELIMITERS,
                  letter=tabular.column_letter, status=status)


@bp.get("/<int:run_id>/preview")
@require_role("manager")
def preview(run_id: int):
    draft = _load_draft(run_id)
    if (done := _started(draft)) is not None:
        return done
    if not (draft.params or {}).get("mapped"):
        return redirect(url_for("imports.mapping", run_id=draft.id), 303)
    options = columns.Options.from_params(draft.params)
    table, results = importer.preview(draft, g.tenant.country)
    db.session.rollback()  # the preview wrote nothing; drop whatever it loaded
    shown = [t for t in options.mapping if t and t != "full_name"]
    if "full_name" in options.mapping:
        shown = ["first_name", "last_name"] + [t for t in shown if t not in ("first_name", "last_name")]
    return render("imports/preview.html", draft=draft, table=table, results=results, options=options,
                  columns=[t for t in shown if t != "card_code"], card=("card_code" in options.mapping),
                  targets=columns.TARGETS, preview_rows=imports.PREVIEW_ROWS)


@bp.post("/<int:run_id>/start")
@require_role("manager")
def start(run_id: int):
    draft = _load_draft(run_id, lock=True)
    if (done := _started(draft)) is not None:
        return done
    if not (draft.params or {}).get("mapped"):
        return redirect_to(url_for("imports.mapping", run_id=draft.id))
    run = start_job(imports.KIND, import_customers, params=drafts.job_params(draft, str(get_locale() or "en")),
                    queue="default", created_by_id=current_user.id, job_timeout=imports.JOB_TIMEOUT)
    drafts.hand_over(draft, run)
    return redirect_to(url_for("imports.status", run_id=run.id))


@bp.get("/<int:run_id>")
@require_role("manager")
def status(run_id: int):
    """The import's progress (polled every second while it runs) and then its outcome."""
    run = _load_import(run_id)
    progress, message = read_progress(run)
    return stop_polling_when(run.done, render("imports/status.html", block="import_status", run=run,
                                              progress=progress, message=message))
