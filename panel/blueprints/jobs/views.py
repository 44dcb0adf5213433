"""A job's progress (polled by the page while it runs) and its file when it is done."""
from __future__ import annotations

from flask import Response, abort, g
from flask_babel import gettext as _
from flask_login import current_user

from ...access import get_or_404, has_role, require_role
from ...htmx import render, stop_polling_when
from ...jobs import read_progress
from ...models import JobRun
from ...services import imports, lookups
from . import bp

# The role each kind of job needs, as the view that starts it requires: its file is downloaded
# only while the user still has it (a demoted manager loses the exports made as one). A kind
# not listed here is the owner's.
DOWNLOAD_ROLES = {"audit_export": "owner", "card_export": "manager", imports.KIND: "manager",
                  imports.DRAFT_KIND: "manager", lookups.KIND: "staff"}


def _load(run_id: int) -> JobRun:
    """A job of this tenant that the user started (owners see every job)."""
    run = get_or_404(JobRun, run_id)
    if run.created_by_id != current_user.id and not has_role("owner"):
        abort(404)
    return run


def _failure(run: JobRun) -> tuple[str, str]:
    """What a failed job tells the viewer, and the technical detail behind it (already logged)."""
    error = (run.result or {}).get("error")
    if run.kind == lookups.KIND:
        return lookups.describe(run).message, "" if error == "not_found" else run.message
    if error == "refused":
        return run.message, ""
    return _("The job did not finish. The problem was logged: try again, and tell the administrator "
             "if it keeps failing."), run.message


@bp.get("/<int:run_id>")
@require_role("staff")
def detail(run_id: int):
    run = _load(run_id)
    progress, message = read_progress(run)
    if run.kind == lookups.KIND and not run.done:
        message = lookups.describe(run).message  # the job's own note is English, for the log
    failure, detail = _failure(run) if run.status == "failed" else ("", "")
    return stop_polling_when(run.done, render("jobs/detail.html", block="job_status", run=run, progress=progress,
                                              message=message, failure=failure, detail=detail,
                                              can_download=has_role(DOWNLOAD_ROLES.get(run.kind, "owner"))))


@bp.get("/<int:run_id>/download")
@require_role("staff")
def download(run_id: int):
    run = _load(run_id)
    if run.status != "finished" or run.file_data is None:
        abort(404)
    needed = DOWNLOAD_ROLES.get(run.kind, "owner")
    if not has_role(needed):
        g.required_role = needed
        abort(403)
    return Response(run.file_data, mimetype=run.file_type or "application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="{run.file_name}"'})


