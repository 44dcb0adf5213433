"""Periodic work, listed once in SCHEDULE.

With Redis, RQ's own CronScheduler fires each entry (a process of its own: `python worker.py
--with-scheduler` or `flask jobs schedule`): at the entry's cron time it enqueues `fan_out`,
which a worker runs. Without Redis (the embedded quick start) a thread of the web process fires
the same list and runs the work in-process.

`fan_out` enqueues the entry's work once per tenant, under the job id
`<what>-t<tenant>-<period>` with RQ's `unique=True` (RQ allows only letters, digits, `_` and
`-` in ids, so `-` stands where the design says `:`). The period is the fire time cut to the
entry's `period` format (a day by default), so a double fire, a second scheduler process or a
re-run of the fan-out within the period finds the ids taken and runs nothing twice. The ids
outlive their period (ID_TTL) for that reason.
"""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from croniter import croniter
from flask import Flask, current_app, has_app_context
from rq import get_current_job
from rq.cron import CronScheduler
from rq.exceptions import DuplicateJobError
from sqlalchemy import select

from ..extensions import db
from ..models import Tenant
from ..models.base import utcnow
from ..redis_conn import get_queue, redis_available
from ..services import idempotency, points, retention
from ..services.loyalty import evaluation as tier_evaluation
from ..services.wallets import reconcile as wallet_reconciliation
from ..tenancy import tenant_scope
from . import FAILURE_TTL, run_in_process

log = logging.getLogger(__name__)

ID_TTL = 3 * 24 * 3600  # longer than any entry's period: the ids are what stops a second run


@dataclass(frozen=True)
class Scheduled:
    what: str  # names the job ids; letters and "_" only
    cron: str  # when, in UTC: "minute hour day month weekday"
    fn: Callable[[datetime], object]  # runs once per tenant in its scope, gets the fire time; flushes
    period: str = "%Y%m%d"  # the fire time cut to this: one run per tenant per period
    queue: str = "default"
    timeout: int = 600


# One line per scheduled job.
SCHEDULE: tuple[Scheduled, ...] = (
    Scheduled("retention", "20 3 * * *", retention.purge_expired),
    Scheduled("idempotency_keys", "40 3 * * *", idempotency.purge_expired_idempotency_keys),
    Scheduled("wallet_reconciliation", "10 2 * * *", wallet_reconciliation.reconcile_tenant),
    # Hourly, because each tenant picks its hour on its own clock: the call evaluates only the
    # tenants whose hour it is (evaluation.due), once per tenant and hour.
    Scheduled("loyalty_tiers", "5 * * * *", tier_evaluation.scheduled, period="%Y%m%d%H", queue="loyalty",
              timeout=1800),
    # After midnight in Warsaw and Prague (23:10 or 22:10 UTC): the day's expired points go.
    Scheduled("points_expiry", "10 23 * * *", points.expire_due, queue="loyalty"),
)


def entry(what: str) -> Scheduled:
    for e in SCHEDULE:
        if e.what == what:
            return e
    raise LookupError(f"nothing is scheduled as {what!r}")


def job_id(e: Scheduled, tenant_id: int, fired_at: datetime) -> str:
    return f"{e.what}-t{tenant_id}-{fired_at.strftime(e.period)}"


def fan_out(what: str, fired_at: datetime | None = None) -> int:
    """Send `what` once to each tenant for the period of this fire; returns how many went.

    Run by a worker when the cron scheduler fires (the fire time is when it enqueued this job),
    or by the in-process thread, which passes the fire time.
    """
    e = entry(what)
    fired_at = _as_utc(fired_at or _enqueued_at() or utcnow())
    # The tenants table is global (not tenant-owned): listing ids needs no escape hatch.
    tenant_ids = db.session.scalars(select(Tenant.id).order_by(Tenant.id)).all()
    db.session.remove()
    sent = sum(_submit(e, tenant_id, fired_at) for tenant_id in tenant_ids)
    log.info("scheduled %s at %s: %d of %d tenants sent", what, fired_at.isoformat(), sent, len(tenant_ids))
    return sent


def run_for_tenant(what: str, tenant_id: int, fired_at: str) -> object:
    """One tenant's share of a scheduled job: in its scope, committed once."""
    if not has_app_context():
        raise RuntimeError("jobs run inside an app context (worker.py provides one)")
    e = entry(what)
    with tenant_scope(tenant_id, db.session):
        try:
            result = e.fn(datetime.fromisoformat(fired_at))
            db.session.commit()
            return result
        except Exception:
            db.session.rollback()
            raise
        finally:
            db.session.remove()


# Ids already run in this process, for the in-process mode (no Redis to hold them).
_ran: OrderedDict[str, None] = OrderedDict()
_ran_lock = threading.Lock()
_RAN_KEPT = 10_000


def _submit(e: Scheduled, tenant_id: int, fired_at: datetime) -> bool:
    jid = job_id(e, tenant_id, fired_at)
    args = (e.what, tenant_id, fired_at.isoformat())
    if redis_available():
        try:
            get_queue(e.queue).enqueue(run_for_tenant, *args, job_id=jid, unique=True, job_timeout=e.timeout,
                                       result_ttl=ID_TTL, failure_ttl=FAILURE_TTL)
            return True
        except DuplicateJobError:
            return False
    with _ran_lock:
        if jid in _ran:
            return False
        _ran[jid] = None
        while len(_ran) > _RAN_KEPT:
            _ran.popitem(last=False)
    run_in_process(current_app._get_current_object(), run_for_tenant, args)
    return True


def _enqueued_at() -> datetime | None:
    job = get_current_job()
    return job.enqueued_at if job is not None else None


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


# --------------------------------------------------------------------------------------------
# Firing: RQ's cron scheduler with Redis, a thread of the web process without
# --------------------------------------------------------------------------------------------

def cron_scheduler(connection) -> CronScheduler:
    """RQ's cron scheduler with every entry of SCHEDULE registered; `.start()` runs it."""
    scheduler = CronScheduler(connection=connection)
    for e in SCHEDULE:
        scheduler.register(fan_out, queue_name=e.queue, args=(e.what,), cron=e.cron, job_timeout=e.timeout,
                           result_ttl=ID_TTL, failure_ttl=FAILURE_TTL, name=f"regulars-{e.what}")
    return scheduler


class InProcessScheduler:
    """Fires SCHEDULE from a thread while Redis does not answer (then a worker's scheduler does)."""

    TICK_SECONDS = 30

    def __init__(self, app: Flask, entries: tuple[Scheduled, ...] | None = None) -> None:
        self.app = app
        self.entries = SCHEDULE if entries is None else entries
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def due(self, since: datetime, until: datetime) -> list[tuple[Scheduled, datetime]]:
        """The entries with a cron time in (since, until], each with the first such time."""
        out = []
        for e in self.entries:
            fire = croniter(e.cron, since).get_next(datetime)
            if fire <= until:
                out.append((e, fire))
        return out

    def tick(self, since: datetime, until: datetime) -> int:
        with self.app.app_context():
            if redis_available():
                return 0
            return sum(fan_out(e.what, fired_at=fire) for e, fire in self.due(since, until))

    def start(self) -> None:
        self.thread = threading.Thread(target=self._loop, name="regulars-schedule", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        if self.thread is not None:
            self.thread.join()

    def _loop(self) -> None:
        since = utcnow()
        while not self.stopping.wait(self.TICK_SECONDS):
            until = utcnow()
            try:
                self.tick(since, until)
            except Exception:  # a failed tick must not stop the next day's
                log.exception("scheduled work failed to fire")
            since = until


_in_process: InProcessScheduler | None = None
_in_process_lock = threading.Lock()


def install(app: Flask) -> None:
    """Start the in-process scheduler with the first request this process serves.

    Not at app creation: the worker, the CLI and the tests build apps that serve nothing.
    """
    if not app.config.get("SCHEDULE_IN_WEB"):
        return

    @app.before_request
    def _start_scheduler() -> None:
        global _in_process
        if _in_process is not None:
            return
        with _in_process_lock:
            if _in_process is None:
                _in_process = InProcessScheduler(app)
                _in_process.start()
