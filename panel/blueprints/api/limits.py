"""Rate limits of the API, per token and per address: fixed one-minute windows in Redis.

Why not Flask-Limiter: the app already reaches Redis through one client with a memory fallback
(redis_conn.redis_connection / redis_available, as services/throttle.py counts sign-ins), and the
card scan must stay one Redis round trip: both counters of a request are raised in one
pipeline. Flask-Limiter would bring a second Redis client and its own storage fallback, its
own 429 body to override, and a decorator stack on the hot path, for the ~40 lines below.
A fixed window lets a burst of up to twice the limit across a window edge; the defaults sit
far above what a till sends, so only a runaway client or a token-guessing address meets them.
"""
from __future__ import annotations

import math
import threading
import time

from flask import current_app
from flask_babel import gettext as _
from redis.exceptions import RedisError

from ...redis_conn import redis_available, redis_connection
from .errors import ApiError

WINDOW = 60  # seconds
_memory: dict[str, int] = {}
_memory_lock = threading.Lock()


def check(address: str | None, token_id: int | None) -> None:
    """Count this request against its address (and token); 429 rate_limited past a limit."""
    cfg = current_app.config
    now = time.time()
    window = int(now // WINDOW)
    counters = [(f"regulars:api:addr:{address or '-'}:{window}", cfg["API_RATE_LIMIT_PER_ADDRESS"])]
    if token_id is not None:
        counters.append((f"regulars:api:token:{token_id}:{window}", cfg["API_RATE_LIMIT_PER_TOKEN"]))
    counts = _increment([key for key, _limit in counters], window)
    if any(count > limit for count, (_key, limit) in zip(counts, counters, strict=True)):
        retry_after = max(1, math.ceil((window + 1) * WINDOW - now))
        raise ApiError(429, "rate_limited", _("Too many requests. Wait %(n)d seconds and try again.", n=retry_after),
                       headers={"Retry-After": str(retry_after)})


def _increment(keys: list[str], window: int) -> list[int]:
    if redis_available():
        try:
            pipe = redis_connection().pipeline(transaction=False)
            for key in keys:
                pipe.incr(key)
                pipe.expire(key, WINDOW + 5)  # the key names its window: it is never reused
            return pipe.execute()[::2]
        except RedisError:
            pass
    with _memory_lock:  # one process's count: without Redis there is one web process anyway
        for old in [k for k in _memory if int(k.rsplit(":", 1)[1]) < window]:
            del _memory[old]
        for key in keys:
            _memory[key] = _memory.get(key, 0) + 1
        return [_memory[key] for key in keys]
