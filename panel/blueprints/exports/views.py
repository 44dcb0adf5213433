"""Customer exports streamed straight to the browser: CSV for machines, XLSX for people.

GET /exports/customers.csv takes the customer list's own URL arguments (q, status, consent,
staff, card, sort), so "Export" next to the list exports exactly what the list shows, all
pages of it. The rows are streamed in batches (yield_per), so 100 000 customers never sit in
memory at once, and the download starts at once instead of after a job.
"""
from __future__ import annotations

import io
from datetime import date, datetime
from typing import Iterator

from flask import Response, request, stream_with_context
from sqlalchemy import Select
from sqlalchemy.orm import selectinload

from ... import clock
from ...access import require_role
from ...csvfiles import csv_safe, csv_writer, joined_codes
from ...extensions import db
from ...models import Customer
from ...services import audit, customer_list
from ...tenancy import require_tenant_id, tenant_scope
from . import bp, workbook

BATCH = 1000
CUSTOMER_COLUMNS = ("id", "first_name", "last_name", "company_name", "nip", "regon", "ico", "dic", "email",
                    "phone", "street", "building", "flat", "postcode", "city", "country", "birthday",
                    "marketing_consent", "marketing_consent_at", "is_staff", "notes", "created_at", "archived_at")
# The cards that work, and apart from them the blocked, lost, replaced and expired ones: the
# import takes "cards" back as active cards, and must not bring a blocked card back to life.
# The group by its name, which the import matches back.
HEADER = list(CUSTOMER_COLUMNS) + ["cards", "inactive_cards", "group"]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (date, datetime)):
        return clock.iso(value)
    return str(value)


def customer_csv(stmt: Select, tenant_id: int) -> Iterator[bytes]:
    """The CSV in chunks: a UTF-8 BOM (Excel then reads Polish and Czech letters right), the header,
    then BATCH rows at a time. Cells that a spreadsheet would run as a formula are defused
    (csv_safe, as in write_csv). A customer's cards are their codes, space-separated.

    The body runs while the response is sent, after the request's teardown has cleared the
    tenant, so it sets the tenant scope itself.
    """
    buf = io.StringIO()
    writer = csv_writer(buf)
    writer.writerow(HEADER)
    yield ("\ufeff" + buf.getvalue()).encode("utf-8")
    stmt = stmt.options(selectinload(Customer.cards)).execution_options(yield_per=BATCH)
    with tenant_scope(tenant_id):
        today = clock.today()
        group_names = workbook.group_names()
        for partition in db.session.scalars(stmt).partitions():
            buf.seek(0)
            buf.truncate()
            for c in partition:
                row = [_cell(getattr(c, name)) for name in CUSTOMER_COLUMNS]
                active = [card.state_on(today) == "active" for card in c.cards]
                row.append(joined_codes(card.code for card, on in zip(c.cards, active) if on))
                row.append(joined_codes(card.code for card, on in zip(c.cards, active) if not on))
                row.append(group_names.get(c.group_id, ""))
                writer.writerow([csv_safe(v) for v in row])
            yield buf.getvalue().encode("utf-8")


def _export(kind: str):
    """The list's filter, and the export audited (committed before the body is streamed)."""
    filt = customer_list.parse_filter(request.args)
    args = filt.to_args()
    # The filter goes in as data too: the summary's "q=..." cannot be told apart when the search
    # itself holds " sort=", and the log shows the filter in the viewer's words.
    changes = {"filter": args} if kind == "csv" else {"filter": args, "format": kind}
    audit.record("customers.exported", "customer", None,
                 summary=" ".join(f"{k}={v}" for k, v in sorted(args.items())) or "all", changes=changes)
    name = f"customers-{clock.now().strftime('%Y%m%d-%H%M')}.{kind}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "X-Content-Type-Options": "nosniff"}
    return customer_list.filtered_query(filt), headers


@bp.get("/customers.csv")
@require_role("manager")
def customers_csv():
    """The customer list as CSV, with the list's filters: the machine export, which imports back."""
    stmt, headers = _export("csv")
    return Response(stream_with_context(customer_csv(stmt, require_tenant_id())), mimetype="text/csv",
                    headers=headers)


@bp.get("/customers.xlsx")
@require_role("manager")
def customers_xlsx():
    """The customer list as an Excel workbook in the user's language, with the list's filters."""
    words = workbook.Words.now()  # before the commit expires the user whose language it is
    stmt, headers = _export("xlsx")
    return Response(stream_with_context(workbook.chunks(stmt, require_tenant_id(), words)),
                    mimetype=workbook.MIME_TYPE, headers=headers)
