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
    counts = _increment(counters, window)
    if any(count > limit for count, (_key, limit) in zip(counts, counters, strict=True)):
        retry_after = max(1, math.ceil((window + 1) * WINDOW - now))
        raise ApiError(429, "rate_limited", _("Too many requests. Wait %(n)d seconds and try again.", n=retry_after),
                       headers={"Retry-After": str(retry_after)})


# Slots this process took from Redis and has not handed out yet: (key, batch) -> [next, last].
_reserved: dict[tuple[str, int], list[int]] = {}


def _batch(limit: int) -> int:
    """How many slots a process takes from Redis at a time.

    The card scan's Redis round trip cost more than the rest of the rate limit (bench.card_lookup);
    taking slots ten at a time makes it one request in ten. Another process may then hold up to
    ten unused slots, so a caller can be refused that many requests before its limit: nothing a
    till meets at 600 a minute. Small limits (tests, strict settings) count one by one, exactly.
    """
    return max(1, min(10, limit // 60))


def _increment(counters: list[tuple[str, int]], window: int) -> list[int]:
    """This request's slot number under each counter's key (1 = the window's first request)."""
    keys = [key for key, _limit in counters]
    if redis_available():
        try:
            return _take_slots(counters)
        except RedisError:
            pass
    with _memory_lock:  # one process's count: without Redis there is one web process anyway
        for old in [k for k in _memory if int(k.rsplit(":", 1)[1]) < window]:
            del _memory[old]
        for key in keys:
            _memory[key] = _memory.get(key, 0) + 1
        return [_memory[key] for key in keys]


def _take_slots(counters: list[tuple[str, int]]) -> list[int]:
    """A slot under each counter: from this process's reserve, else a batch more from Redis
    (the counters that ran out, in one round trip)."""
    slots: list[int | None] = []
    with _memory_lock:
        for key, limit in counters:
            held = _reserved.get((key, _batch(limit)))
            if held is not None and held[0] <= held[1]:
                held[0] += 1
                slots.append(held[0] - 1)
            else:
                slots.append(None)
    short = [(i, key, _batch(limit)) for i, (key, limit) in enumerate(counters) if slots[i] is None]
    if not short:
        return slots
    pipe = redis_connection().pipeline(transaction=False)
    for _i, key, batch in short:
        pipe.incrby(key, batch)
        pipe.expire(key, WINDOW + 5)  # the key names its window: it is never reused
    lasts = pipe.execute()[::2]
    with _memory_lock:
        for (i, key, batch), last in zip(short, lasts, strict=True):
            counter = key.rsplit(":", 1)[0]
            for old in [k for k in _reserved if k[0].rsplit(":", 1)[0] == counter and k[0] != key]:
                del _reserved[old]  # an earlier window of this counter
            _reserved[(key, batch)] = [last - batch + 2, last]
            slots[i] = last - batch + 1
    return slots
