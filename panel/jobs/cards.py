"""The cards export: the list's filters, as a CSV on the job's row for download.

Names are written in the language of the user who started the export (params["locale"]), as
the list showed them: the worker has no request to take it from.
"""
from __future__ import annotations

from flask_babel import force_locale

from .. import clock
from ..csvfiles import write_csv
from ..extensions import db
from ..i18n import customer_name
from ..models import JobRun, Tenant
from ..services import cards as card_service
from . import set_progress, tenant_job

HEADER = ["code", "number", "state", "status", "expires_on", "issued_at", "blocked_at",
          "customer_id", "customer", "company_name", "nip"]


def _rows(run: JobRun, q: str, state: str, sort: str):
    today = clock.today()
    stmt = card_service.list_query(q, state, sort, today=today)
    total = card_service.list_count(q, state, today=today) or 1
    # yield_per streams the rows in batches: 150 000 cards never sit in memory as objects at once.
    for n, card in enumerate(db.session.scalars(stmt.execution_options(yield_per=1000)), start=1):
        if n % 5000 == 0:
            set_progress(run, n * 100 // total)
        c = card.customer
        yield [card.code, card.number or "", card.state_on(today), card.status,
               clock.iso(card.expires_on), clock.iso(card.issued_at), clock.iso(card.blocked_at),
               c.id, customer_name(c), c.company_name, c.nip]


@tenant_job
def export_cards(run: JobRun, q: str = "", state: str = "", sort: str = "") -> dict:
    """Idempotent: a second run builds the same file again from the same filters."""
    locale = (run.params or {}).get("locale") or db.session.get(Tenant, run.tenant_id).locale
    with force_locale(locale):
        rows = list(_rows(run, q, state, sort))
    run.file_data = write_csv(rows, HEADER)
    run.file_name = f"cards-{clock.now().strftime('%Y%m%d-%H%M')}.csv"
    run.file_type = "text/csv; charset=utf-8"
    return {"rows": len(rows)}
