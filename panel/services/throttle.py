"""Counting failed sign-ins per account and per address, in Redis (or memory without it)."""
from __future__ import annotations

import hashlib
import time

from flask import current_app
from redis.exceptions import RedisError

from ..redis_conn import redis_available, redis_connection

WINDOW_SECONDS = 15 * 60
_memory: dict[str, list[float]] = {}


def _keys(email: str, address: str | None) -> list[tuple[str, int]]:
    # Hash the e-mail so Redis never holds who tried to sign in.
    account = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:24]
    cfg = current_app.config
    return [
        (f"regulars:login:acct:{account}", cfg["LOGIN_ATTEMPTS_PER_ACCOUNT"]),
        (f"regulars:login:addr:{address or '-'}", cfg["LOGIN_ATTEMPTS_PER_ADDRESS"]),
    ]


def blocked(email: str, address: str | None) -> bool:
    """True when either the account or the address used up its failed attempts."""
    return any(_count(key) >= limit for key, limit in _keys(email, address))


def failed(email: str, address: str | None) -> None:
    for key, _limit in _keys(email, address):
        _increment(key)


def succeeded(email: str, address: str | None) -> None:
    """A good password clears the account's counter (the address keeps its count)."""
    key = _keys(email, address)[0][0]
    if redis_available():
        try:
            redis_connection().delete(key)
        except RedisError:
            pass
    _memory.pop(key, None)


def _count(key: str) -> int:
    if redis_available():
        try:
            return int(redis_connection().get(key) or 0)
        except RedisError:
            pass
    now = time.time()
    hits = [t for t in _memory.get(key, []) if now - t < WINDOW_SECONDS]
    _memory[key] = hits
    return len(hits)


def _increment(key: str) -> None:
    if redis_available():
        try:
            pipe = redis_connection().pipeline()
            pipe.incr(key)
            pipe.expire(key, WINDOW_SECONDS)
            pipe.execute()
            return
        except RedisError:
            pass
    _memory.setdefault(key, []).append(time.time())
