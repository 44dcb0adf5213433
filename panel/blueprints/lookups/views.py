"""Company lookups from the customer form: start one (a job on the `lookups` queue), poll it.

Both answers are the same fragment (block `lookup_status` of lookups/status.html), which the
customer form swaps in; lookup.js fills the form from the found company's data-* attributes.
"""
from __future__ import annotations

from flask import abort, g, request, url_for
from flask_login import current_user
from rq import Retry

from ...access import get_or_404, has_role, require_role
from ...htmx import is_htmx, redirect_to, render, stop_polling_when
from ...jobs import start_job
from ...jobs.lookups import company_lookup
from ...models import JobRun
from ...registers import InvalidIdentifier
from ...services import lookups
from . import bp

TEMPLATE = "lookups/status.html"


def _load(run_id: int) -> JobRun:
    """A lookup of this tenant that the user started (owners see every one); else 404."""
    run = get_or_404(JobRun, run_id)
    if run.kind != lookups.KIND or (run.created_by_id != current_user.id and not has_role("owner")):
        abort(404)
    return run


@bp.post("/company")
@require_role("staff")
def start():
    """Validate the NIP (PL) or IČO (CZ) and queue its lookup; 422 with the reason if invalid."""
    country = (request.form.get("country") or g.tenant.country).strip().upper()
    source = lookups.REGISTERS.get(country, ("", ""))[1]
    raw = request.form.get(source, "") if source else ""
    try:
        number = lookups.normalize(country, raw)
    except InvalidIdentifier as e:
        return render(TEMPLATE, block="lookup_status", status=422, run=None,
                      invalid=lookups.identifier_message(e.code))
    run = lookups.pending_run(country, number, current_user.id)
    if run is None:
        run = start_job(lookups.KIND, company_lookup, country, number,
                        params={"country": country, "number": number}, queue="lookups",
                        created_by_id=current_user.id, job_timeout=lookups.JOB_TIMEOUT,
                        retry=Retry(max=len(lookups.RETRY_INTERVALS), interval=list(lookups.RETRY_INTERVALS)))
    if not is_htmx():
        return redirect_to(url_for("lookups.status", run_id=run.id))
    return _status_response(run)


@bp.get("/company/<int:run_id>")
@require_role("staff")
def status(run_id: int):
    """The lookup's state; htmx polls it every second and stops on 286 once it is done."""
    return _status_response(_load(run_id))


def _status_response(run: JobRun):
    view = lookups.describe(run)
    return stop_polling_when(view.done, render(TEMPLATE, block="lookup_status", run=run, lookup=view, invalid=None))
