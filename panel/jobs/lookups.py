"""The company-lookup job: ask GUS or ARES, record the answer on the run for the form to poll.

RQ retries the job (Retry(max=2, interval=[3, 10]) set by the view) only while the register is
unavailable, so a register that is down is reported within seconds; `tenant_job` does the
bookkeeping. So the states are:

* attempt fails with RegisterUnavailable and RQ has retries left (Retryable): the run goes back
  to `queued` with `result = {"retry": {"attempt", "attempts", "next_in"}}` and RQ schedules
  the next attempt. The form keeps polling and says "not answering, retrying…".
* the next attempt starts: `running` (the retry note stays, so the form still says so).
* found: `finished` with `result = {"company": {...}}`.
* not found, bad key, unexpected answer, or unavailable on the last attempt (JobFailed):
  `failed` with `result = {"error": code}`; the job returns normally, so RQ does not retry an
  answer that would not change. The form translates the code into the viewer's language.
* anything else (a bug, the database gone): `failed` with code "error", and re-raised for the
  worker's log and failed registry; a retry of it finds the run done and changes nothing.

Without Redis the job runs in-process, where there is no RQ retry: the register clients' own
quick retries are all there is, and an outage fails at once with "try again later".
"""
from __future__ import annotations

import logging

from ..models import JobRun
from ..registers import (
    CompanyNotFound,
    InvalidIdentifier,
    RegisterAuthError,
    RegisterProtocolError,
    RegisterUnavailable,
)
from ..services import lookups
from . import JobFailed, Retryable, tenant_job

log = logging.getLogger(__name__)


@tenant_job
def company_lookup(run: JobRun, country: str, number: str) -> dict:
    """Look `number` up in `country`'s register for `run`; idempotent."""
    register = lookups.register_name(country)
    try:
        record = lookups.fetch_company(country, number)
    except RegisterUnavailable as exc:
        raise Retryable("unavailable", f"{register} unavailable: {exc}") from exc
    except CompanyNotFound:
        raise JobFailed("not_found", f"{register}: not found") from None
    except RegisterAuthError as exc:
        log.error("lookup %s: %s refused the API key: %s", run.id, register, exc)
        raise JobFailed("auth", str(exc)) from exc
    except (RegisterProtocolError, InvalidIdentifier) as exc:
        log.error("lookup %s: %s: %s", run.id, register, exc)
        raise JobFailed("protocol", str(exc)) from exc
    run.message = record.name
    return {"company": lookups.company_data(record)}
