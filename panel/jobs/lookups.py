"""The company-lookup job: ask GUS or ARES, record the answer on the run for the form to poll.

Why not `@tenant_job`: it marks a run failed on any exception, and here one exception is not a
failure. RQ retries the job (Retry(max=2, interval=[3, 10]) set by the view) only when it
raises, and we want that only while the register is unavailable. So the states are:

* attempt fails with RegisterUnavailable and RQ has retries left: the run goes back to
  `queued` with `result = {"retry": {"attempt", "attempts", "next_in"}}` and the job re-raises,
  so RQ schedules the next attempt. The form keeps polling and says "not answering, retrying…".
* the next attempt starts: `running` (the retry note stays, so the form still says so).
* found: `finished` with `result = {"company": {...}}`.
* not found, bad key, unexpected answer, or unavailable on the last attempt: `failed` with
  `result = {"error": code}`; the job returns normally, so RQ does not retry an answer that
  would not change. The form translates the code into the viewer's language.
* anything else (a bug, the database gone): `failed` with code "error", and re-raised for the
  worker's log and failed registry; a retry of it finds the run done and changes nothing.

Without Redis the job runs in-process, where there is no RQ retry: the register clients' own
quick retries are all there is, and an outage fails at once with "try again later".
"""
from __future__ import annotations

import logging

from flask import has_app_context
from rq import get_current_job

from ..extensions import db
from ..models import JobRun
from ..models.base import utcnow
from ..registers import (
    CompanyNotFound,
    InvalidIdentifier,
    RegisterAuthError,
    RegisterProtocolError,
    RegisterUnavailable,
)
from ..services import lookups
from ..tenancy import tenant_scope

log = logging.getLogger(__name__)


def company_lookup(tenant_id: int, job_run_id: int, country: str, number: str) -> dict | None:
    """Look `number` up in `country`'s register for the run `job_run_id`; idempotent."""
    if not has_app_context():
        raise RuntimeError("jobs run inside an app context (worker.py provides one)")
    with tenant_scope(tenant_id, db.session):
        try:
            run = db.session.get(JobRun, job_run_id)
            if run is None:
                raise LookupError(f"job run {job_run_id} not found for tenant {tenant_id}")
            if run.done:  # at-least-once delivery: the answer is already recorded
                return run.result
            run.status, run.started_at = "running", run.started_at or utcnow()
            db.session.commit()
            try:
                outcome = _ask(run, country, number)
            except RegisterUnavailable:
                raise  # _ask recorded the retry on the run; RQ runs the job again
            except Exception:
                db.session.rollback()
                _finish(db.session.get(JobRun, job_run_id), "failed", {"error": "error"}, "unexpected error")
                raise
            return outcome
        finally:
            db.session.remove()


def _ask(run: JobRun, country: str, number: str) -> dict | None:
    register = lookups.register_name(country)
    try:
        record = lookups.fetch_company(country, number)
    except RegisterUnavailable as exc:
        retry = _next_retry()
        if retry is None:
            log.warning("lookup %s: %s unavailable, no retries left: %s", run.id, register, exc)
            return _finish(run, "failed", {"error": "unavailable"}, f"{register} unavailable: {exc}")
        attempt, attempts, next_in = retry
        run.status = "queued"
        run.message = f"{register} unavailable (attempt {attempt} of {attempts}); next attempt in {next_in}s"
        run.result = {"retry": {"attempt": attempt, "attempts": attempts, "next_in": next_in}}
        db.session.commit()
        raise  # RQ schedules the next attempt
    except CompanyNotFound:
        return _finish(run, "failed", {"error": "not_found"}, f"{register}: not found")
    except RegisterAuthError as exc:
        log.error("lookup %s: %s refused the API key: %s", run.id, register, exc)
        return _finish(run, "failed", {"error": "auth"}, str(exc))
    except (RegisterProtocolError, InvalidIdentifier) as exc:
        log.error("lookup %s: %s: %s", run.id, register, exc)
        return _finish(run, "failed", {"error": "protocol"}, str(exc))
    return _finish(run, "finished", {"company": lookups.company_data(record)}, record.name)


def _next_retry() -> tuple[int, int, int] | None:
    """(this attempt, all attempts, seconds to the next) when RQ will run the job again, else None."""
    job = get_current_job()
    if job is None or not job.should_retry:
        return None
    attempts = len(lookups.RETRY_INTERVALS) + 1
    attempt = attempts - job.retries_left
    return attempt, attempts, job.get_retry_interval()


def _finish(run: JobRun, status: str, result: dict, message: str) -> dict:
    run.status, run.result, run.message, run.finished_at = status, result, message[:500], utcnow()
    run.progress = 100 if status == "finished" else run.progress
    db.session.commit()
    return result
