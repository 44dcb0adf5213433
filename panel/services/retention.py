"""What is kept only for a while: finished jobs with their files, and import drafts.

A job's row holds its outcome and, for exports and import reports, a file of customers'
personal data; nobody needs either after the retention period (RETENTION_DAYS, default 30).
An import draft holds an uploaded file that nobody started; it goes after a day.
Run by the scheduled clean-up (panel/jobs/schedule.py) in each tenant's scope.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func

from ..extensions import db
from ..models import JobRun
from .imports import DRAFT_KIND, DRAFT_TTL


def purge_expired(now: datetime) -> dict[str, int]:
    """Delete the current tenant's job rows and drafts that outlived their period; flushes."""
    drafts = purge_drafts(now)
    cutoff = now - timedelta(days=current_app.config["RETENTION_DAYS"])
    # A run that never finished (its worker died) counts from when it was created.
    ended = func.coalesce(JobRun.finished_at, JobRun.created_at)
    jobs = db.session.execute(
        delete(JobRun).where(ended < cutoff).execution_options(synchronize_session=False)
    ).rowcount
    return {"jobs": jobs, "drafts": drafts}


def purge_drafts(now: datetime) -> int:
    """Delete the current tenant's import drafts older than DRAFT_TTL; flushes."""
    return db.session.execute(
        delete(JobRun).where(JobRun.kind == DRAFT_KIND, JobRun.created_at < now - DRAFT_TTL)
        .execution_options(synchronize_session=False)
    ).rowcount
