"""Company lookups for the customer form and the CLI: GUS (Poland, by NIP) and ARES (Czechia, by IČO).

The web request never talks to a register: it validates the number here, starts a job on the
`lookups` queue (panel/jobs/lookups.py) and polls the job's row; what the row says is turned
into something a page can show by `describe()`.

Caching: register answers are cached per identifier for everybody, not per tenant. The data is
public (anyone can ask GUS or ARES the same question), the answer does not depend on who asks,
and sharing it saves GUS calls, which are rate-limited per key. Nothing tenant-specific is ever
stored under these keys: only the register's own record (and GUS's session id).
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Iterator

from babel import Locale
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from redis.exceptions import RedisError
from sqlalchemy import select

from ..extensions import db
from ..models import JobRun
from ..models.base import aware, utcnow
from ..redis_conn import redis_available, redis_connection
from ..registers import (
    AresClient,
    Cache,
    CompanyRecord,
    GusClient,
    InvalidIdentifier,
    MemoryCache,
    lookup_company,
    normalize_ico,
    normalize_nip,
)

KIND = "company_lookup"
# country -> (register, the customer form's input holding the identifier)
REGISTERS = {"PL": ("GUS", "nip"), "CZ": ("ARES", "ico")}
# RQ retries a lookup only when the register is unavailable: after 3 s and 10 s. The user waits
# at the form, so an outage is reported within seconds (not after 2.5 minutes of "retrying…"):
# a hiccup is over by then, a real outage will not be, and "Try again" is one click away.
RETRY_INTERVALS = (3, 10)
# Long enough for a slow GUS (10 s read timeout, a few calls, the client's own quick retries).
JOB_TIMEOUT = 180
# A lookup still "waiting" after this long lost its worker; the form stops polling it.
STALE_AFTER = timedelta(minutes=10)
CACHE_PREFIX = "regulars:registers:"

# What a register record fills in, per country: form field -> record attribute. The identifier
# that was looked up is left alone (the user typed it; the customer service normalises it).
FILL_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "PL": (("company_name", "name"), ("regon", "regon"), ("street", "street"), ("building", "building"),
           ("flat", "flat"), ("postcode", "postcode"), ("city", "city"), ("country", "country")),
    "CZ": (("company_name", "name"), ("dic", "dic"), ("street", "street"), ("building", "building"),
           ("flat", "flat"), ("postcode", "postcode"), ("city", "city"), ("country", "country")),
}
FIELD_LABELS = {
    "company_name": _l("Company"), "regon": _l("REGON (PL)"), "dic": _l("DIČ (CZ)"), "street": _l("Street"),
    "building": _l("Building no."), "flat": _l("Flat no."), "postcode": _l("Postcode"), "city": _l("City"),
    "country": _l("Country"),
}


class RedisCache:
    """The registers' Cache protocol on Redis, shared by the web processes and the workers.

    A Redis hiccup is a cache miss (or a lost write), never a failed lookup.
    """

    def __init__(self, conn, prefix: str = CACHE_PREFIX) -> None:
        self._conn = conn
        self._prefix = prefix

    def get(self, key: str) -> str | None:
        try:
            raw = self._conn.get(self._prefix + key)
        except RedisError:
            return None
        return raw.decode("utf-8") if raw else None

    def set(self, key: str, value: str, ttl_seconds: int) -> None:
        try:
            self._conn.set(self._prefix + key, value, ex=max(1, int(ttl_seconds)))
        except RedisError:
            pass


def register_cache() -> Cache:
    """Redis when it answers, else one in-memory cache per app (the embedded quick start)."""
    if redis_available():
        return RedisCache(redis_connection())
    return current_app.extensions.setdefault("regulars_register_cache", MemoryCache())


@contextmanager
def register_clients() -> Iterator[tuple[GusClient, AresClient]]:
    """GUS and ARES clients configured from the app (GUS_API_KEY, GUS_URL, ARES_URL), cached."""
    cfg = current_app.config
    cache = register_cache()
    # The clients retry a failed HTTP call quickly themselves; longer outages are the job's
    # RQ retries. Tests set 0 to see the job's own retry path.
    retries = int(cfg.get("REGISTERS_HTTP_RETRIES", 1))
    with GusClient(cfg["GUS_API_KEY"], cfg["GUS_URL"], cache=cache, max_retries=retries) as gus, \
            AresClient(cfg["ARES_URL"], cache=cache, max_retries=retries) as ares:
        yield gus, ares


def normalize(country: str, raw: str) -> str:
    """The identifier in canonical form: NIP for PL, IČO for CZ. Raises InvalidIdentifier."""
    match (country or "").strip().upper():
        case "PL":
            return normalize_nip(raw)
        case "CZ":
            return normalize_ico(raw)
        case _:
            raise InvalidIdentifier("country_unsupported")


def guess_country(raw: str) -> str:
    """PL or CZ from the number's shape, for the CLI: a PL/CZ prefix, else 10 digits are a NIP."""
    text = "".join((raw or "").split()).replace("-", "").upper()
    if text.startswith("PL"):
        return "PL"
    if text.startswith("CZ"):
        return "CZ"
    return "PL" if len(text) == 10 else "CZ"


def fetch_company(country: str, number: str) -> CompanyRecord:
    """Ask the country's register (blocking: for jobs and the CLI, never for a web request).

    Raises InvalidIdentifier, CompanyNotFound, RegisterUnavailable, RegisterAuthError or
    RegisterProtocolError.
    """
    with register_clients() as (gus, ares):
        return lookup_company(country, number, gus=gus, ares=ares)


def company_data(record: CompanyRecord) -> dict:
    """What a job stores about a found company: the mapped fields, not the register's raw answer."""
    data = record.to_dict()
    data.pop("raw", None)
    return data


def register_name(country: str) -> str:
    return REGISTERS.get(country, ("?", ""))[0]


def identifier_message(code: str) -> str:
    """The user-facing text of an InvalidIdentifier code."""
    messages = {
        "nip_empty": _("Type the company's NIP first."),
        "nip_format": _("A NIP is made of digits (a PL prefix, spaces and dashes are fine)."),
        "nip_length": _("A NIP has 10 digits."),
        "nip_checksum": _("This NIP is not valid: its check digit does not match. Check it for a typo."),
        "ico_empty": _("Type the company's IČO first."),
        "ico_format": _("An IČO is made of digits."),
        "ico_length": _("An IČO has at most 8 digits."),
        "ico_checksum": _("This IČO is not valid: its check digit does not match. Check it for a typo."),
        "country_unsupported": _("Company lookups work for Polish (GUS) and Czech (ARES) companies."),
    }
    return messages.get(code, _("This number is not valid."))


def error_message(code: str, country: str, number: str) -> str:
    """The user-facing text of a failed lookup's error code (stored on the run by the job)."""
    register = register_name(country)
    if code == "not_found":
        if country == "CZ":
            return _("ARES has no company with the IČO %(number)s. Check the number, or fill in the form by hand.",
                     number=number)
        return _("GUS has no company with the NIP %(number)s. Check the number, or fill in the form by hand.",
                 number=number)
    if code == "unavailable":
        return _("%(register)s is not answering. Nothing you typed is lost: fill in the form by hand, "
                 "or try again in a few minutes.", register=register)
    if code == "auth":
        return _("%(register)s refused the panel's API key. Fill in the form by hand and ask the "
                 "administrator to check the GUS_API_KEY setting.", register=register)
    if code == "stale":
        return _("The lookup did not finish. Try again.")
    return _("%(register)s answered something the panel does not understand. Fill in the form by hand; "
             "the problem was logged.", register=register)


def pending_run(country: str, number: str, user_id: int | None) -> JobRun | None:
    """The user's lookup of the same number that is still under way, if any.

    A double click, or clicking again while GUS thinks, then follows that lookup instead of
    queueing a second one.
    """
    recent = db.session.scalars(
        select(JobRun).where(JobRun.kind == KIND, JobRun.created_by_id == user_id,
                             JobRun.status.in_(("queued", "running")))
        .order_by(JobRun.id.desc()).limit(5))
    for run in recent:
        if (run.params or {}) == {"country": country, "number": number} and not is_stale(run):
            return run
    return None


def is_stale(run: JobRun) -> bool:
    return not run.done and aware(run.created_at) < utcnow() - STALE_AFTER


@dataclass
class FillField:
    """One form field a found company fills: the value, and its label for the card."""

    name: str
    label: str
    value: str
    display: str = ""   # what the card shows: the value, or for a country its name


@dataclass
class LookupView:
    """A lookup run as the form shows it."""

    run_id: int
    country: str
    number: str
    register: str
    state: str                    # waiting | working | retrying | found | failed
    message: str = ""
    attempt: int = 0
    attempts: int = 0
    company: dict | None = None
    fields: list[FillField] = field(default_factory=list)
    error: str = ""

    @property
    def done(self) -> bool:
        return self.state in ("found", "failed")

    @property
    def source_field(self) -> str:
        return REGISTERS.get(self.country, ("", "nip"))[1]


def describe(run: JobRun) -> LookupView:
    """Turn a lookup's JobRun into what the status fragment renders (messages translated now,
    in the viewer's language, from the codes the job stored)."""
    params = run.params or {}
    country, number = params.get("country", ""), params.get("number", "")
    result = run.result or {}
    view = LookupView(run.id, country, number, register_name(country), state="waiting")
    if run.status == "finished" and result.get("company"):
        view.state, view.company = "found", result["company"]
        territories = Locale.parse(str(get_locale() or "en")).territories
        for name, attr in FILL_FIELDS.get(country, ()):
            value = result["company"].get(attr)
            if value:
                display = territories.get(value, value) if name == "country" else value
                view.fields.append(FillField(name, str(FIELD_LABELS[name]), str(value), str(display)))
        return view
    if run.status in ("finished", "failed") or is_stale(run):
        view.state = "failed"
        view.error = "stale" if not run.done else (result.get("error") or "protocol")
        view.message = error_message(view.error, country, number)
        return view
    retry = result.get("retry")
    if retry:
        view.state = "retrying"
        view.attempt, view.attempts = int(retry.get("attempt", 1)), int(retry.get("attempts", 1))
        view.message = _("%(register)s is not answering, retrying… (attempt %(n)d of %(total)d failed)",
                         register=view.register, n=view.attempt, total=view.attempts)
    elif run.status == "running":
        view.state = "working"
    return view
