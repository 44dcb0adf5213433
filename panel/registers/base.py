"""What the register clients share: the record, the errors, caching and retries."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Callable, Literal, Protocol, TypeVar

import requests

__all__ = [
    "CompanyRecord",
    "RegisterError",
    "CompanyNotFound",
    "RegisterUnavailable",
    "RegisterAuthError",
    "RegisterProtocolError",
    "Cache",
    "MemoryCache",
    "RegisterClient",
    "Timeout",
]

# requests' timeout: one number, or (connect, read) seconds.
Timeout = float | tuple[float, float]

T = TypeVar("T")


@dataclass(frozen=True)
class CompanyRecord:
    """One company as a register describes it, reduced to what a form needs.

    ``raw`` keeps everything the register said, so nothing is lost when the
    mapping turns out too narrow: for GUS ``{"dane": [{...}, ...]}`` with every
    ``<dane>`` row and every child as a string, for ARES the JSON object as is.
    """

    country: Literal["PL", "CZ"]
    name: str
    nip: str | None = None
    regon: str | None = None
    ico: str | None = None
    dic: str | None = None
    street: str | None = None
    building: str | None = None
    flat: str | None = None
    postcode: str | None = None
    city: str | None = None
    country_name: str | None = None
    # Excluded from hashing only: a dict is unhashable, and records stay usable in sets.
    raw: dict[str, Any] = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (for the cache and for RQ job results)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CompanyRecord:
        """Inverse of :meth:`to_dict`; unknown keys are ignored and missing optional
        ones default, so entries written by another version of this code still load."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


class RegisterError(Exception):
    """Base of every failure of a register lookup."""


class CompanyNotFound(RegisterError):
    """The register answered, and it has no such company."""


class RegisterUnavailable(RegisterError):
    """Transient: timeout, connection error, 5xx, 429. Worth retrying later."""


class RegisterAuthError(RegisterError):
    """The register refused our credentials (GUS: wrong key or wrong environment)."""


class RegisterProtocolError(RegisterError):
    """The register answered something we do not understand or did not expect."""


class Cache(Protocol):
    """What the clients need from a cache; a Redis adaptor fits in three lines."""

    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str, ttl_seconds: int) -> None: ...


class MemoryCache:
    """Thread-safe in-process cache with expiry, for development and tests."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._items: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            expires, value = item
            if self._clock() >= expires:
                del self._items[key]
                return None
            return value

    def set(self, key: str, value: str, ttl_seconds: int) -> None:
        with self._lock:
            self._items[key] = (self._clock() + ttl_seconds, value)


def cached_lookup(
    cache: Cache | None,
    key: str,
    fetch: Callable[[], CompanyRecord],
    *,
    ttl: int,
    not_found_ttl: int,
) -> CompanyRecord:
    """Answer from the cache when possible, else ``fetch()`` and remember the outcome.

    "Not found" is remembered too (briefly: the company may be registered
    tomorrow), so a user retyping the same wrong number does not hit the register.
    """
    if cache is None:
        return fetch()
    hit = cache.get(key)
    if hit is not None:
        try:
            entry = json.loads(hit)
            if entry.get("not_found"):
                raise CompanyNotFound(f"{key}: not found (cached)")
            return CompanyRecord.from_dict(entry["record"])
        except (ValueError, KeyError, TypeError, AttributeError):
            pass  # An unreadable entry is a miss; the fetch below overwrites it.
    try:
        record = fetch()
    except CompanyNotFound:
        if not_found_ttl > 0:
            cache.set(key, json.dumps({"not_found": True}), not_found_ttl)
        raise
    cache.set(key, json.dumps({"record": record.to_dict()}, ensure_ascii=False), ttl)
    return record


def call_with_retries(
    call: Callable[[], T],
    *,
    max_retries: int,
    backoff: float,
    sleep: Callable[[float], None],
) -> T:
    """Run ``call``, retrying only :class:`RegisterUnavailable` with exponential back-off.

    Every other error (not found, bad key, protocol) is final: repeating the
    same question would get the same answer.  All register calls are reads,
    so repeating one is safe.
    """
    attempt = 0
    while True:
        try:
            return call()
        except RegisterUnavailable:
            if attempt >= max_retries:
                raise
            sleep(backoff * 2**attempt)
            attempt += 1


def http_request(
    session: requests.Session, method: str, url: str, *, register: str, **kwargs: Any
) -> requests.Response:
    """One HTTP exchange with transport failures mapped to register errors.

    Timeouts, refused or dropped connections are transient; anything else
    requests raises (bad URL, too many redirects) is our configuration's fault.
    """
    try:
        return session.request(method, url, **kwargs)
    except (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
        raise RegisterUnavailable(f"{register}: {type(exc).__name__}: {exc}") from exc
    except requests.RequestException as exc:
        raise RegisterProtocolError(f"{register}: {type(exc).__name__}: {exc}") from exc


class RegisterClient:
    """What both register clients share: the HTTP session, retry policy, cache and TTLs."""

    def __init__(
        self,
        url: str,
        timeout: Timeout = (3.05, 10),
        session: requests.Session | None = None,
        cache: Cache | None = None,
        max_retries: int = 2,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        *,
        cache_ttl: int = 24 * 3600,
        not_found_ttl: int = 10 * 60,
    ) -> None:
        self.url = url
        self.timeout = timeout
        self.cache = cache
        self.max_retries = max_retries
        self.backoff = backoff
        self.cache_ttl = cache_ttl
        self.not_found_ttl = not_found_ttl
        self._sleep = sleep
        self._owns_session = session is None
        self._http = session if session is not None else requests.Session()

    def close(self) -> None:
        """Close the HTTP session if this client created it."""
        if self._owns_session:
            self._http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
