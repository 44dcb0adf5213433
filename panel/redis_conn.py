"""Redis access: the app's client, whether it answers, and the RQ queues on it.

Infrastructure shared by services (throttles, caches, health) and jobs, so that neither has
to import the other to reach Redis.
"""
from __future__ import annotations

import time

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue

QUEUES = ("lookups", "loyalty", "default")
DEFAULT_TIMEOUT = 300

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


def forget_availability() -> None:
    """Ask Redis again next time (it refused a command, or a test changed Redis under us)."""
    _mode_cache.clear()


def get_queue(name: str = "default") -> Queue:
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(name, connection=redis_connection(), default_timeout=DEFAULT_TIMEOUT)
