"""What the health check reports: database, Redis, workers and queues."""
from __future__ import annotations

import time

from redis.exceptions import RedisError
from rq import Worker
from sqlalchemy import text

from ..extensions import db
from ..models.base import aware
from ..redis_conn import QUEUES, get_queue, redis_available, redis_connection


def report() -> dict:
    out: dict = {"database": {"ok": False}, "redis": {"ok": False, "configured": redis_connection() is not None}}
    started = time.perf_counter()
    try:
        db.session.execute(text("SELECT 1"))
        out["database"] = {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1),
                           "backend": db.engine.dialect.name}
    except Exception as exc:  # a down database is what this reports, not a crash
        db.session.rollback()
        out["database"] = {"ok": False, "error": type(exc).__name__}
    if redis_available(max_age=0):
        try:
            conn = redis_connection()
            workers = Worker.all(connection=conn)
            out["redis"] = {"ok": True, "configured": True}
            out["workers"] = [{"name": w.name, "state": w.get_state(), "queues": w.queue_names(),
                               "last_seen": _iso(w.last_heartbeat)} for w in workers]
            out["queues"] = {name: get_queue(name).count for name in QUEUES}
        except RedisError as exc:
            out["redis"] = {"ok": False, "configured": True, "error": type(exc).__name__}
    out["jobs_mode"] = "worker" if out["redis"]["ok"] and out.get("workers") else (
        "queued" if out["redis"]["ok"] else "in-process")
    out["ok"] = out["database"]["ok"]  # without Redis, jobs run in-process: degraded, not down
    return out


def _iso(moment) -> str | None:
    return aware(moment).isoformat() if moment else None
