"""Background jobs: queues, enqueue-after-commit, job status rows, the in-process fallback.

A job is a plain function whose first argument is the tenant id; `@tenant_job` runs it in the
tenant's scope inside an app context, commits once, and keeps its JobRun row up to date.
Jobs are enqueued only after the request's commit, so a worker never races the row it reads.
With no Redis answering (the embedded quick start), the same functions run in a thread of
the web process; the health page says which mode is on.
"""
from __future__ import annotations

import functools
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from flask import current_app, has_app_context
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from sqlalchemy import event

from ..extensions import db
from ..models import JobRun
from ..models.base import utcnow
from ..services import audit
from ..tenancy import current_tenant_id, tenant_scope

log = logging.getLogger(__name__)

QUEUES = ("lookups", "loyalty", "default")
DEFAULT_TIMEOUT = 300
RESULT_TTL = 3600
FAILURE_TTL = 7 * 24 * 3600

_executor: ThreadPoolExecutor | None = None
_mode_cache: dict[str, tuple[float, bool]] = {}


def redis_connection() -> Redis | None:
    """The app's Redis client (connects lazily), or None when no REDIS_URL is set."""
    return current_app.extensions.get("regulars_redis")


def redis_available(max_age: float = 10.0) -> bool:
    """Whether Redis answers a PING; remembered for a few seconds so requests stay cheap."""
    conn = redis_connection()
    if conn is None:
        return False
    url = current_app.config["REDIS_URL"]
    now = time.monotonic()
    cached = _mode_cache.get(url)
    if cached and now - cached[0] < max_age:
        return cached[1]
    try:
        ok = bool(conn.ping())
    except RedisError:
        ok = False
    _mode_cache[url] = (now, ok)
    return ok


def get_queue(name: str = "default") -> Queue:
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(name, connection=redis_connection(), default_timeout=DEFAULT_TIMEOUT)


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
                    )
                    continue
                except RedisError:
                    log.warning("Redis refused job %s; running it in-process", job_id)
                    _mode_cache.clear()
            _run_in_process(app, fn, args)


def _run_in_process(app, fn: Callable, args: tuple) -> None:
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


def wait_for_in_process_jobs() -> None:
    """Let the thread pool drain (tests and the CLI)."""
    global _executor
    if _executor is not None:
        _executor.shutdown(wait=True)
        _executor = None


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


def tenant_job(fn: Callable) -> Callable:
    """Run a job function as its tenant, commit once, and keep its JobRun row current.

    The wrapped function receives (tenant_id, job_run_id, *args) and returns a dict that is
    stored as the run's result. A failure rolls back the job's work, marks the run failed with
    the error's message and re-raises, so RQ's retry and failure registries still see it.
    """

    @functools.wraps(fn)
    def wrapper(tenant_id: int, job_run_id: int, *args: Any):
        if not has_app_context():
            raise RuntimeError("jobs run inside an app context (worker.py provides one)")
        with tenant_scope(tenant_id, db.session):
            run = db.session.get(JobRun, job_run_id)
            if run is None:  # the tenant's row is gone, or the id is another tenant's
                raise LookupError(f"job run {job_run_id} not found for tenant {tenant_id}")
            if run.status == "finished":  # at-least-once delivery: a second run changes nothing
                return run.result
            run.status, run.started_at, run.progress = "running", utcnow(), 0
            db.session.commit()
            try:
                with audit.acting_as(run.created_by_id):
                    result = fn(run, *args)
                run.status, run.progress, run.finished_at = "finished", 100, utcnow()
                run.result = result if isinstance(result, dict) else None
                db.session.commit()
                return run.result
            except Exception as exc:
                db.session.rollback()
                run = db.session.get(JobRun, job_run_id)
                run.status, run.finished_at = "failed", utcnow()
                user_message = getattr(exc, "user_message", None)
                # "refused": the message was written for the user; "error": it is for the log,
                # and the job page says something the user can act on instead.
                run.result = {"error": "refused" if user_message else "error"}
                run.message = user_message or str(exc) or type(exc).__name__
                db.session.commit()
                raise
            finally:
                db.session.remove()

    return wrapper


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
