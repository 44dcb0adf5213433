"""Importing a price list's entries: upload a file, check its columns and every row, save all or none.

The draft run (importing.DRAFT_KIND) holds the file between the steps; its URL names the list
and the run, so a reload or the back button lands on the same step.
"""
from __future__ import annotations

from flask import abort, flash, g, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...access import get_or_404, require_role
from ...htmx import redirect_to, render
from ...models import JobRun, PriceList
from ...services.price_lists import importing
from ...tabular import column_letter
from ...transaction import service_errors
from . import bp


def _draft(price_list: PriceList, run_id: int) -> JobRun:
    run = get_or_404(JobRun, run_id)
    params = run.params or {}
    if (run.kind != importing.DRAFT_KIND or params.get("price_list_id") != price_list.id
            or run.created_by_id != current_user.id):
        abort(404)
    return run


def _live(price_list_id: int) -> PriceList:
    price_list = get_or_404(PriceList, price_list_id)
    if price_list.archived_at is not None:
        abort(404)
    return price_list


@bp.route("/<int:price_list_id>/import", methods=["GET", "POST"])
@require_role("manager")
def upload(price_list_id: int):
    price_list = _live(price_list_id)
    error = None
    if request.method == "POST":
        upload_file = request.files.get("file")
        if upload_file is None or not upload_file.filename:
            error = _("Choose a CSV or Excel (.xlsx) file.")
        else:
            with service_errors() as refused:
                draft = importing.create_draft(price_list, upload_file.filename, upload_file.read(), current_user.id)
                return redirect_to(url_for("price_lists.preview", price_list_id=price_list_id, run_id=draft.id))
            error = refused.error.message
    return render("price_lists/import_upload.html", price_list=price_list, error=error,
                  max_rows=importing.MAX_ENTRIES, status=422 if error else 200)


@bp.route("/<int:price_list_id>/import/<int:run_id>", methods=["GET", "POST"])
@require_role("manager")
def preview(price_list_id: int, run_id: int):
    """The columns, every row with its problems; "Import" saves them all, or nothing."""
    price_list = _live(price_list_id)
    draft = _draft(price_list, run_id)
    table = importing.draft_table(draft)
    errors: dict[str, str] = {}
    result = None
    importing_now = request.method == "POST" and request.form.get("action") == "import"
    if request.method == "POST":
        errors = importing.set_options(draft, request.form, len(table.headers))
        if not errors and importing_now:
            with service_errors() as refused:
                result, counts = importing.apply(price_list, draft, g.tenant.currency)
                if counts is not None:
                    flash(_("Imported: %(added)d prices added, %(changed)d changed.", added=counts[0],
                            changed=counts[1]), "success")
                    return redirect_to(url_for("price_lists.detail", price_list_id=price_list_id))
            if refused.error is not None:
                price_list, draft = _live(price_list_id), _draft(_live(price_list_id), run_id)
                errors = {"mapping": refused.error.message}
    if not errors and result is None:
        result = importing.check(draft, g.tenant.currency)
    failed = bool(errors) or (importing_now and result is not None and not result.ok)
    return render("price_lists/import_preview.html", price_list=price_list, draft=draft, table=table,
                  result=result, errors=errors, targets=importing.TARGETS, modes=importing.MODES,
                  letter=column_letter, status=422 if failed else 200)
