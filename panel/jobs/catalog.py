"""The catalog import job: the whole file read, checked and upserted in one transaction.

All or nothing, like the customer import: a file with an unreadable row imports nothing and
the run says which rows (in the language of the user who started it).
"""
from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _

from ..extensions import db
from ..models import JobRun, Tenant
from ..services import ServiceError
from ..services.catalog import importing
from ..tabular import read_table
from . import JobFailed, set_progress, tenant_job


@tenant_job
def import_catalog(run: JobRun) -> dict:
    """Import the run's file; the counts for the status page. A finished run is not run again."""
    tenant = db.session.get(Tenant, run.tenant_id)
    params = run.params or {}
    with force_locale(params.get("locale") or tenant.locale):
        table = read_table(run.file_data, params["format"], encoding=params.get("encoding"),
                           delimiter=params.get("delimiter"), limits=importing.LIMITS)
        set_progress(run, 10, _("Reading %(n)d rows", n=len(table.rows)))
        parsed = importing.parse(table.rows, params.get("mapping") or [], tenant.currency)
        set_progress(run, 40, _("Saving %(n)d products", n=len(parsed.products)))
        try:
            result = importing.run(parsed)
        except ServiceError as e:
            raise JobFailed("refused", e.message) from None
        run.file_data = None  # the upload itself is not kept
        c, p = result.categories, result.products
        return {"rows": len(table.rows), "categories": vars(c), "products": vars(p)}
