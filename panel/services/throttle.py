"""Every password check goes through `check_password`: counters per account, per address and
per known device, in Redis (or, without it, in this process's memory behind a lock).

Counting reserves a slot before the password is checked (INCR-before-check inside one Lua
script), so twenty guesses sent at once get at most `limit` checks, not `limit` plus however
many read the counter before the first failure was written. A right password gives its slot
back.

An attack on one account must not lock its owner out, so after `limit` failures the account
still accepts one check from (a) a device that signed in to it before (a signed cookie, with a
failure budget of its own) and (b) an address that has not failed for it in the window; only
the addresses and devices that failed are shut out. Past LOCKDOWN_FACTOR times the limit only
known devices get through, which bounds what a botnet with many addresses can try. An address
that keeps failing, on any accounts, waits progressively longer (doubling, capped) rather than
hitting a flat wall that would also shut out every honest colleague behind the same router.
"""
from __future__ import annotations

import hashlib
import ipaddress
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Callable

from flask import current_app, has_request_context, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from redis.exceptions import RedisError

from ..redis_conn import redis_available, redis_connection

WINDOW_SECONDS = 15 * 60        # how long an account's failures count
ADDRESS_MEMORY = 60 * 60        # an address that stops failing is forgotten after this
ADDRESS_BASE_DELAY = 1          # seconds; doubles with each failure past the free allowance
LOCKDOWN_FACTOR = 10
DEVICE_COOKIE = "regulars_device"
DEVICE_DAYS = 180
DEVICE_SLOTS = 10               # accounts remembered per browser (a shared till has several)

_RESERVE = """
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[1]) then return 0 end
redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""
_BACKOFF = """
local now = tonumber(ARGV[1])
local wait_until = tonumber(redis.call('HGET', KEYS[1], 'until') or '0')
if now < wait_until then return math.ceil(wait_until - now) end
local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
local free = tonumber(ARGV[2])
if n >= free then
  local delay = math.min(tonumber(ARGV[4]), tonumber(ARGV[3]) * 2 ^ (n - free))
  redis.call('HSET', KEYS[1], 'until', tostring(now + delay))
end
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 0
"""


@dataclass(frozen=True)
class Verdict:
    checked: bool          # False: refused before the password was looked at
    ok: bool = False       # the password was right
    retry_after: int = 0   # seconds, when refused


def check_password(email: str, verify: Callable[[], bool], address: str | None = None,
                   device: str | None = None) -> Verdict:
    """Run `verify()` (the real password check) if the counters allow it, and count the outcome.

    `address` and `device` default to the current request's address and known-device cookie.
    """
    if address is None:
        address = (request.remote_addr if has_request_context() else None) or "-"
    address = network(address)
    device = device if device is not None else known_device(email)
    account = _account(email)
    keys = _Keys(account, address, device)
    cfg = current_app.config
    limit = cfg["LOGIN_ATTEMPTS_PER_ACCOUNT"]
    store = _store()
    if device and store.reserve(keys.device, limit, WINDOW_SECONDS):
        ok = verify()
        if ok:  # the device's own budget refills; the account stays locked for everyone else
            store.delete(keys.device)
        return Verdict(True, ok)
    wait = store.backoff(keys.address, _now(), cfg["LOGIN_ATTEMPTS_PER_ADDRESS"], ADDRESS_BASE_DELAY,
                         cfg["LOGIN_ADDRESS_MAX_DELAY"], ADDRESS_MEMORY)
    if wait:
        return Verdict(False, retry_after=wait)
    if store.reserve(keys.account, limit, WINDOW_SECONDS):
        # Marked before the check, so a guess running in parallel cannot pass for "clean".
        store.reserve(keys.pair, 1, WINDOW_SECONDS)
        ok = verify()
        if ok:
            store.delete(keys.account, keys.pair)
    elif store.count(keys.account) < limit * LOCKDOWN_FACTOR and store.reserve(keys.pair, 1, WINDOW_SECONDS):
        ok = verify()
        if ok:  # the owner is in; the lock stays for the addresses that failed
            store.delete(keys.pair)
        else:
            store.increment(keys.account, WINDOW_SECONDS)
    else:
        store.release(keys.address)  # nothing was checked: the address spent nothing
        return Verdict(False, retry_after=WINDOW_SECONDS)
    if ok:
        store.release(keys.address)
    return Verdict(True, ok)


def reserve(kind: str, subject: str, limit: int, seconds: int) -> bool:
    """A slot in a plain counter (`limit` per `seconds`), e.g. password-reset mails per account."""
    digest = hashlib.sha256(subject.strip().lower().encode()).hexdigest()[:24]
    return _store().reserve(f"regulars:{kind}:{digest}", limit, seconds)


def forget_account(email: str) -> None:
    """The account's failures are over (its password was just reset by e-mail)."""
    _store().delete(_Keys(_account(email), "-", None).account)


# Known devices --------------------------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="regulars-known-device")


def _device_map() -> dict[str, str]:
    raw = request.cookies.get(DEVICE_COOKIE) if has_request_context() else None
    if not raw:
        return {}
    try:
        value = _serializer().loads(raw, max_age=DEVICE_DAYS * 24 * 3600)
    except BadSignature:
        return {}
    return value if isinstance(value, dict) else {}


def known_device(email: str) -> str | None:
    """This browser's device id for the account, if it signed in to it before."""
    device = _device_map().get(_account(email))
    return device if isinstance(device, str) else None


def remember_device(response, email: str):
    """After a sign-in: mark this browser as known to the account (a signed, long-lived cookie)."""
    devices = _device_map()
    account = _account(email)
    devices.pop(account, None)
    devices[account] = known_device(email) or secrets.token_urlsafe(12)
    devices = dict(list(devices.items())[-DEVICE_SLOTS:])
    cfg = current_app.config
    response.set_cookie(DEVICE_COOKIE, _serializer().dumps(devices), max_age=DEVICE_DAYS * 24 * 3600,
                        secure=cfg["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax")
    return response


# Storage ----------------------------------------------------------------------------------------

def _account(email: str) -> str:
    # Hashed so Redis (and the cookie) never hold who tried to sign in.
    return hashlib.sha256((email or "").strip().lower().encode()).hexdigest()[:24]


def network(address: str) -> str:
    """An IPv6 address counts as its /64: one subscriber usually holds the whole block."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    return str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else str(ip)


class _Keys:
    def __init__(self, account: str, address: str, device: str | None):
        self.account = f"regulars:login:acct:{account}"
        self.address = f"regulars:login:addr:{address}"
        self.pair = f"regulars:login:acct:{account}:addr:{address}"
        self.device = f"regulars:login:dev:{account}:{device}"


def _now() -> float:
    return time.time()


class _MemoryStore:
    """The same operations as the Lua scripts, for a process without Redis."""

    def __init__(self):
        self._lock = threading.Lock()
        self._data: dict[str, tuple[float, dict]] = {}

    def _get(self, key: str) -> dict:
        expires, value = self._data.get(key, (0.0, {}))
        return value if expires > time.monotonic() else {}

    def _put(self, key: str, value: dict, ttl: int) -> None:
        self._data[key] = (time.monotonic() + ttl, value)

    def reserve(self, key: str, limit: int, ttl: int) -> bool:
        with self._lock:
            n = self._get(key).get("n", 0)
            if n >= limit:
                return False
            self._put(key, {"n": n + 1}, ttl)
            return True

    def increment(self, key: str, ttl: int) -> None:
        with self._lock:
            self._put(key, {"n": self._get(key).get("n", 0) + 1}, ttl)

    def count(self, key: str) -> int:
        with self._lock:
            return self._get(key).get("n", 0)

    def release(self, key: str) -> None:
        with self._lock:
            value = self._get(key)
            if value.get("n", 0) > 0:
                value["n"] -= 1

    def delete(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._data.pop(key, None)

    def backoff(self, key: str, now: float, free: int, base: int, cap: int, ttl: int) -> int:
        with self._lock:
            value = dict(self._get(key))
            if now < value.get("until", 0):
                return int(-(-(value["until"] - now) // 1))
            value["n"] = value.get("n", 0) + 1
            if value["n"] >= free:
                value["until"] = now + min(cap, base * 2 ** (value["n"] - free))
            self._put(key, value, ttl)
            return 0


class _RedisStore:
    """Redis, falling back to memory for a call Redis does not answer."""

    def __init__(self, conn, fallback: _MemoryStore):
        self.conn, self.fallback = conn, fallback

    def _try(self, name: str, fn, *args):
        try:
            return fn()
        except RedisError:
            return getattr(self.fallback, name)(*args)

    def reserve(self, key, limit, ttl):
        return self._try("reserve", lambda: bool(self.conn.eval(_RESERVE, 1, key, limit, ttl)), key, limit, ttl)

    def increment(self, key, ttl):
        def run():
            pipe = self.conn.pipeline()
            pipe.incr(key).expire(key, ttl).execute()
        self._try("increment", run, key, ttl)

    def count(self, key):
        return self._try("count", lambda: int(self.conn.get(key) or 0), key)

    def release(self, key):
        # A hash (the address's backoff) or a plain counter; never below zero.
        script = ("if redis.call('TYPE', KEYS[1]).ok == 'hash' then "
                  "if tonumber(redis.call('HGET', KEYS[1], 'n') or '0') > 0 then "
                  "redis.call('HINCRBY', KEYS[1], 'n', -1) end "
                  "elseif tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then redis.call('DECR', KEYS[1]) end")
        self._try("release", lambda: self.conn.eval(script, 1, key), key)

    def delete(self, *keys):
        self._try("delete", lambda: self.conn.delete(*keys), *keys)

    def backoff(self, key, now, free, base, cap, ttl):
        return self._try("backoff", lambda: int(self.conn.eval(_BACKOFF, 1, key, repr(now), free, base, cap, ttl)),
                         key, now, free, base, cap, ttl)


_memory = _MemoryStore()


def _store():
    return _RedisStore(redis_connection(), _memory) if redis_available() else _memory
