"""The audit log for the owner, with filters and a CSV export that runs as a job."""
from __future__ import annotations

from datetime import date, timedelta

from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ... import audit_view, clock
from ...access import require_role
from ...extensions import db
from ...htmx import redirect_to, render
from ...jobs import start_job
from ...jobs.exports import export_audit_log
from ...models import AuditEntry
from ...models.base import row_id
from ...services import audit
from . import bp

PAGE = 50


def _parse_day(raw: str | None) -> date | None:
    """A filter's day; None (no bound) for a blank or unreadable one.

    The first and last years a date can hold are no bound either: nothing was logged then, and
    their day's start in UTC, or the day after, falls outside what a datetime can hold.
    """
    try:
        day = date.fromisoformat(raw) if raw else None
    except ValueError:
        return None
    return day if day is not None and date.min.year < day.year < date.max.year else None


@bp.get("/")
@require_role("owner")
def index():
    action = request.args.get("action", "").strip()[:64]
    since, until = _parse_day(request.args.get("since")), _parse_day(request.args.get("until"))
    before_id = request.args.get("before", type=row_id)
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(PAGE + 1)
    if action:
        stmt = stmt.where(AuditEntry.action.startswith(action))
    if since:
        stmt = stmt.where(AuditEntry.created_at >= clock.day_start(since))
    if until:
        stmt = stmt.where(AuditEntry.created_at < clock.day_start(until + timedelta(days=1)))
    if before_id:
        stmt = stmt.where(AuditEntry.id < before_id)
    rows = db.session.scalars(stmt).all()
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    actions = set(db.session.scalars(select(AuditEntry.action).distinct()))
    return render("audit/index.html", block="audit_table", entries=rows, more=more,
                  next_before=rows[-1].id if more else None, action=action, since=since, until=until,
                  action_groups=audit_view.action_groups(actions), records=audit_view.records(rows))


@bp.post("/export")
@require_role("owner")
def export():
    since, until = _parse_day(request.form.get("since")), _parse_day(request.form.get("until"))
    run = start_job("audit_export", export_audit_log,
                    clock.day_start(since).isoformat() if since else None,
                    clock.day_start(until + timedelta(days=1)).isoformat() if until else None,
                    params={"since": str(since or ""), "until": str(until or "")}, created_by_id=current_user.id)
    audit.record("audit.exported", "job_run", run.id)
    flash(_("The export is being prepared. It will be ready to download below."), "info")
    return redirect_to(url_for("jobs.detail", run_id=run.id))


