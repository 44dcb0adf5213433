"""Background jobs: enqueue-after-commit, job status rows, the in-process fallback.

A job is a plain function whose first argument is the tenant id; `@tenant_job` runs it in the
tenant's scope inside an app context, commits once, and keeps its JobRun row up to date,
retries included (JobFailed, Retryable). Jobs are enqueued only after the request's commit, so
a worker never races the row it reads. With no Redis answering (the embedded quick start), the
same functions run in a thread of the web process; the health page says which mode is on.
Redis and the queues are panel/redis_conn.py's; periodic work is listed in schedule.py.
"""
from __future__ import annotations

import functools
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from flask import current_app, has_app_context
from redis.exceptions import RedisError
from rq import Retry, get_current_job
from sqlalchemy import event

from ..extensions import db
from ..models import JobRun
from ..models.base import utcnow
from ..redis_conn import (
    DEFAULT_TIMEOUT,
    forget_availability,
    get_queue,
    redis_available,
    redis_connection,
)
from ..services import audit
from ..tenancy import current_tenant_id, tenant_scope

log = logging.getLogger(__name__)

RESULT_TTL = 3600
FAILURE_TTL = 7 * 24 * 3600

_executor: ThreadPoolExecutor | None = None


def enqueue_after_commit(fn: Callable, *args: Any, queue: str = "default", job_id: str | None = None,
                         retry: Retry | None = None, job_timeout: int = DEFAULT_TIMEOUT) -> None:
    """Send `fn(*args)` to the worker once the current transaction commits; drop it on rollback."""
    if db.session().get_transaction() is None:
        db.session.begin()  # so a rollback before any SQL still drops the job
    pending = db.session.info.setdefault("regulars_pending_jobs", [])
    pending.append((fn, args, queue, job_id, retry, job_timeout))


def start_job(kind: str, fn: Callable, *args: Any, params: dict | None = None, queue: str = "default",
              created_by_id: int | None = None, retry: Retry | None = None,
              job_timeout: int = DEFAULT_TIMEOUT) -> JobRun:
    """Create the job's status row and enqueue `fn(tenant_id, job_run_id, *args)` after commit."""
    run = JobRun(kind=kind, status="queued", params=params or {}, created_by_id=created_by_id)
    db.session.add(run)
    db.session.flush()
    enqueue_after_commit(fn, current_tenant_id(), run.id, *args, queue=queue,
                         job_id=f"{kind}-t{current_tenant_id()}-r{run.id}", retry=retry,
                         job_timeout=job_timeout)
    return run


def _dispatch(app, jobs: list) -> None:
    with app.app_context():
        use_rq = redis_available()
        for fn, args, queue, job_id, retry, job_timeout in jobs:
            if use_rq:
                try:
                    get_queue(queue).enqueue(
                        fn, *args, job_id=job_id, retry=retry, job_timeout=job_timeout,
                        result_ttl=RESULT_TTL, failure_ttl=FAILURE_TTL,
                        # RQ keeps only the retries left; the job page says "attempt 2 of 4".
                        meta={"attempts": retry.max + 1} if retry else None,
                    )
                    continue
                except RedisError:
                    log.warning("Redis refused job %s; running it in-process", job_id)
                    forget_availability()
            run_in_process(app, fn, args)


def run_in_process(app, fn: Callable, args: tuple) -> None:
    """Run a job in a thread of this process (the embedded mode without Redis)."""
    global _executor
    if app.config.get("JOBS_IN_PROCESS_SYNC"):
        _call_in_app(app, fn, args)
        return
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="regulars-job")
    _executor.submit(_call_in_app, app, fn, args)


def _call_in_app(app, fn: Callable, args: tuple) -> None:
    with app.app_context():
        try:
            fn(*args)
        except Exception:  # the job has recorded its failure on its JobRun row
            log.exception("in-process job %s failed", getattr(fn, "__name__", fn))


def install(session_cls) -> None:
    @event.listens_for(session_cls, "after_commit")
    def _send(session):
        jobs = session.info.pop("regulars_pending_jobs", None)
        if jobs:
            _dispatch(current_app._get_current_object(), jobs)

    @event.listens_for(session_cls, "after_soft_rollback")
    def _drop(session, previous_transaction):
        if previous_transaction.parent is None:
            session.info.pop("regulars_pending_jobs", None)


class JobFailed(Exception):
    """An answer, not a crash (not found, a refused key): the run ends failed with `code`, and
    the job returns normally, so RQ does not retry what would not change."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class Retryable(JobFailed):
    """A passing failure (a register not answering). While RQ has retries left the run goes
    back to `queued` with a note of the attempt and the job raises, so RQ schedules the next
    attempt; after the last one (or in-process, where nothing retries) it ends as JobFailed."""


def tenant_job(fn: Callable) -> Callable:
    """Run a job function as its tenant, commit once, and keep its JobRun row current.

    The wrapped function receives (tenant_id, job_run_id, *args); the job function receives
    (run, *args) and returns a dict that is stored as the run's result. A run already done
    (finished or failed) is not run again: delivery is at-least-once. An exception rolls back
    the job's work; JobFailed and Retryable are outcomes (above); any other marks the run
    failed with the error's message and re-raises, for the worker's log and failed registry.
    """

    @functools.wraps(fn)
    def wrapper(tenant_id: int, job_run_id: int, *args: Any):
        if not has_app_context():
            raise RuntimeError("jobs run inside an app context (worker.py provides one)")
        with tenant_scope(tenant_id, db.session):
            try:
                run = db.session.get(JobRun, job_run_id)
                if run is None:  # the tenant's row is gone, or the id is another tenant's
                    raise LookupError(f"job run {job_run_id} not found for tenant {tenant_id}")
                if run.done:
                    return run.result
                run.status, run.started_at, run.progress = "running", run.started_at or utcnow(), 0
                db.session.commit()
                try:
                    with audit.acting_as(run.created_by_id):
                        result = fn(run, *args)
                except Exception as exc:
                    db.session.rollback()
                    run = db.session.get(JobRun, job_run_id)
                    if _record_failure(run, exc):
                        raise
                    return run.result
                _finish(run, "finished", result if isinstance(result, dict) else None, run.message)
                return run.result
            finally:
                db.session.remove()

    return wrapper


def _record_failure(run: JobRun, exc: Exception) -> bool:
    """Write what `exc` means on the run and commit; True when the job must re-raise it."""
    retry = _next_retry() if isinstance(exc, Retryable) else None
    if retry is not None:
        attempt, attempts, next_in = retry
        run.status = "queued"
        run.message = f"{exc} (attempt {attempt} of {attempts}); next attempt in {next_in}s"
        run.result = {"retry": {"attempt": attempt, "attempts": attempts, "next_in": next_in}}
        db.session.commit()
        return True
    if isinstance(exc, JobFailed):
        log.warning("job run %s failed: %s: %s", run.id, exc.code, exc)
        _finish(run, "failed", {"error": exc.code}, str(exc))
        return False
    user_message = getattr(exc, "user_message", None)
    # "refused": the message was written for the user; "error": it is for the log, and the job
    # page says something the user can act on instead.
    _finish(run, "failed", {"error": "refused" if user_message else "error"},
            user_message or str(exc) or type(exc).__name__)
    return True


def _next_retry() -> tuple[int, int, int] | None:
    """(this attempt, all attempts, seconds to the next) when RQ will run the job again, else None."""
    job = get_current_job()
    if job is None or not job.should_retry:
        return None
    attempts = (job.meta or {}).get("attempts") or job.retries_left + 1
    return attempts - job.retries_left, attempts, job.get_retry_interval()


def _finish(run: JobRun, status: str, result: dict | None, message: str) -> None:
    run.status, run.result, run.message, run.finished_at = status, result, message[:1000], utcnow()
    run.progress = 100 if status == "finished" else run.progress
    db.session.commit()


def set_progress(run: JobRun, percent: int, message: str = "") -> None:
    """Publish progress while the job's own transaction is still open.

    Progress goes to Redis (or, in-process, to memory) rather than to the JobRun row: writing
    the row would mean committing half of the job's work, or a second connection that SQLite
    would lock out.
    """
    value = f"{max(0, min(99, int(percent)))}|{message}"
    conn = redis_connection() if redis_available() else None
    if conn is not None:
        try:
            conn.set(_progress_key(run.tenant_id, run.id), value, ex=RESULT_TTL)
            return
        except RedisError:
            pass
    _local_progress[(run.tenant_id, run.id)] = value


def read_progress(run: JobRun) -> tuple[int, str]:
    """The last published progress of a running job, else what its row says."""
    if run.status != "running":
        return run.progress, run.message
    value = _local_progress.get((run.tenant_id, run.id))
    conn = redis_connection() if value is None and redis_available() else None
    if conn is not None:
        try:
            raw = conn.get(_progress_key(run.tenant_id, run.id))
            value = raw.decode() if raw else None
        except RedisError:
            value = None
    if not value:
        return run.progress, run.message
    percent, _, message = value.partition("|")
    return int(percent), message


def _progress_key(tenant_id: int, run_id: int) -> str:
    return f"regulars:t{tenant_id}:jobprogress:{run_id}"


_local_progress: dict[tuple[int, int], str] = {}
