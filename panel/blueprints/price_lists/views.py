"""Price lists in the panel: the list with live search, a list's page with its entries (live
search, inline add / edit / remove through htmx), its name and validity, removal, and the import
of entries from a file (imports.py)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.numbers import format_decimal
from flask import abort, flash, g, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ...access import get_or_404, require_role
from ...extensions import db
from ...htmx import is_htmx, redirect_to, render, trigger
from ...i18n import locale_code
from ...models import PriceList, PriceListEntry
from ...models.base import row_id
from ...money import format_plain
from ...services import ServiceError
from ...services import price_lists as service
from ...services.price_lists import listing
from ...transaction import service_errors
from . import bp

KINDS = ("product", "category")
# Entries drawn on a list's page; a longer list is narrowed by its search (lists run to thousands).
SHOWN = 200


@bp.app_template_filter("percent")
def percent_filter(value: Decimal | None) -> str:
    """12.5 -> "12,5" in Polish: the percent as the viewer writes it, no trailing zeros."""
    if value is None:
        return ""
    return format_decimal(Decimal(value).normalize(), format="#,##0.####", locale=locale_code())


@bp.app_template_filter("money_plain")
def money_plain(minor: int | None) -> str:
    """Minor units as an input's value ("12,50"), which parse_price reads back unchanged."""
    return "" if minor is None else format_plain(minor, g.tenant.currency, locale_code())


def _currency() -> str:
    return g.tenant.currency


def _typed_dates(form) -> tuple[dict, dict, dict]:
    """(typed values, parsed values, errors) of the name and validity fields."""
    typed = {k: form.get(k, "")[:200] for k in ("name", "valid_from", "valid_to")}
    parsed: dict = {"name": typed["name"]}
    errors: dict[str, str] = {}
    for key in ("valid_from", "valid_to"):
        text = typed[key].strip()
        try:
            parsed[key] = date.fromisoformat(text) if text else None
        except ValueError:
            errors[key] = _("Type a date as YYYY-MM-DD, or leave it empty.")
    return typed, parsed, errors


# --- the lists -----------------------------------------------------------------------------------

@bp.get("/")
@require_role("manager")
def index():
    q = request.args.get("q", "").strip()[:listing.MAX_QUERY]
    archived = request.args.get("show") == "archived"
    rows = listing.lists(q, archived=archived)
    return render("price_lists/index.html", block="price_list_table", rows=rows, q=q, archived=archived)


@bp.route("/new", methods=["GET", "POST"])
@require_role("manager")
def new():
    typed, errors = {"name": "", "valid_from": "", "valid_to": ""}, {}
    if request.method == "POST":
        typed, parsed, errors = _typed_dates(request.form)
        if not errors:
            with service_errors() as refused:
                created = service.create(parsed["name"], parsed["valid_from"], parsed["valid_to"])
                flash(_("The price list %(name)s is created. Add its prices below.", name=created.name), "success")
                return redirect_to(url_for("price_lists.detail", price_list_id=created.id))
            errors = {refused.error.field or "name": refused.error.message}
    return render("price_lists/new.html", typed=typed, errors=errors, status=422 if errors else 200)


def _detail_context(price_list: PriceList, **extra) -> dict:
    q = request.args.get("q", "").strip()[:listing.MAX_QUERY]
    entries = listing.entries(price_list, q, limit=SHOWN + 1)
    return {"price_list": price_list, "row": listing.one(price_list), "entries": entries[:SHOWN],
            "more": len(entries) > SHOWN, "q": q, "currency": _currency(), **extra}


@bp.get("/<int:price_list_id>")
@require_role("manager")
def detail(price_list_id: int):
    price_list = get_or_404(PriceList, price_list_id)
    # A fragment also refreshes the count in the list's head (out of band): an entry was added or removed.
    return render("price_lists/detail.html", block="entry_table", oob=is_htmx(), **_detail_context(price_list))


@bp.post("/<int:price_list_id>/edit")
@require_role("manager")
def edit(price_list_id: int):
    price_list = get_or_404(PriceList, price_list_id)
    typed, parsed, errors = _typed_dates(request.form)
    if not errors:
        with service_errors() as refused:
            if service.update(price_list, **parsed):
                flash(_("The price list is saved."), "success")
            return redirect_to(url_for("price_lists.detail", price_list_id=price_list_id))
        price_list = get_or_404(PriceList, price_list_id)
        errors = {refused.error.field or "name": refused.error.message}
    return render("price_lists/detail.html", block="list_head", status=422,
                  **_detail_context(price_list, typed=typed, errors=errors))


@bp.post("/<int:price_list_id>/remove")
@require_role("manager")
def remove(price_list_id: int):
    price_list = get_or_404(PriceList, price_list_id)
    name = price_list.name
    outcome = service.remove(price_list)
    if outcome == "deleted":
        flash(_("The price list %(name)s is deleted.", name=name), "success")
        return redirect_to(url_for("price_lists.index"))
    flash(_("The price list %(name)s is archived: a group grants it, so it is kept, but its prices no longer "
            "apply.", name=name), "success")
    return redirect_to(url_for("price_lists.detail", price_list_id=price_list_id))


# --- entries -------------------------------------------------------------------------------------

@bp.get("/<int:price_list_id>/items")
@require_role("manager")
def items(price_list_id: int):
    """The picker's suggestions as the user types: products or categories by name or POS id."""
    get_or_404(PriceList, price_list_id)
    kind = request.args.get("kind", "product")
    if kind not in KINDS:
        abort(404)
    found = listing.catalog_items(kind, request.args.get("item", ""))
    return render("price_lists/_items.html", kind=kind, items=found)


def _picked(kind: str, text: str) -> str:
    """The POS id the picker's text names: "Name [id]" as suggested, or a bare id or exact name."""
    text = text.strip()
    if text.endswith("]") and "[" in text:
        return text[text.rindex("[") + 1:-1].strip()
    matches = listing.catalog_items(kind, text, limit=50)
    exact = [m for m in matches if m.external_id == text] or [m for m in matches if m.name.casefold() == text.casefold()]
    if len(exact) == 1:
        return exact[0].external_id
    if not text:
        raise ServiceError(_("Pick a product.") if kind == "product" else _("Pick a category."), field="item")
    raise ServiceError(_("Nothing in the catalog is called “%(text)s”: pick one of the suggestions.", text=text),
                       field="item")


def _parse_value(kind: str, text: str) -> tuple[int | None, Decimal | None]:
    if kind == "product":
        return service.parse_price(text, _currency(), field="value"), None
    return None, service.parse_percent(text, field="value")


@bp.post("/<int:price_list_id>/entries")
@require_role("manager")
def add_entry(price_list_id: int):
    price_list = get_or_404(PriceList, price_list_id)
    kind = request.form.get("kind", "product")
    if kind not in KINDS:
        kind = "product"
    typed = {"item": request.form.get("item", "")[:300], "value": request.form.get("value", "")[:50]}
    errors: dict[str, str] = {}
    with service_errors() as refused:
        external = _picked(kind, typed["item"])
        unit_price, percent = _parse_value(kind, typed["value"])
        service.add_entry(price_list, service.EntryInput(
            product=external if kind == "product" else None, category=external if kind == "category" else None,
            unit_price=unit_price, percent=percent))
    if refused.error is not None:
        price_list = get_or_404(PriceList, price_list_id)
        field = refused.error.field if refused.error.field in ("item", "value") else "item"
        errors = {field: refused.error.message}
    if not is_htmx():
        if errors:
            flash(next(iter(errors.values())), "error")
        return redirect_to(url_for("price_lists.detail", price_list_id=price_list_id))
    if errors:
        return render("price_lists/_add_entry.html", block="add_entry", price_list=price_list, kind=kind,
                      typed=typed, errors=errors, currency=_currency(), status=422)
    flash(_("Added to the price list."), "success")
    resp = render("price_lists/_add_entry.html", block="add_entry", price_list=price_list, kind=kind,
                  currency=_currency(), focus=True)
    return trigger(resp, "price-list-changed", {"price_list_id": price_list_id})


def _entry(price_list: PriceList) -> PriceListEntry:
    """The entry a form names (field `entry`), of this list only."""
    entry_id = row_id(request.values.get("entry", ""))
    entry = db.session.scalar(select(PriceListEntry).where(
        PriceListEntry.id == entry_id, PriceListEntry.price_list_id == price_list.id)) if entry_id else None
    if entry is None:
        abort(404)
    return entry


def _entry_row(price_list: PriceList, entry: PriceListEntry) -> listing.EntryRow:
    return next(r for r in listing.entries(price_list) if r.entry.id == entry.id)


@bp.route("/<int:price_list_id>/entry", methods=["GET", "POST"])
@require_role("manager")
def entry(price_list_id: int):
    """One entry's row: GET ?edit=1 the row as a small form, POST saves the new price or percent."""
    price_list = get_or_404(PriceList, price_list_id)
    found = _entry(price_list)
    ctx = {"price_list": price_list, "currency": _currency()}
    if not is_htmx():
        return redirect_to(url_for("price_lists.detail", price_list_id=price_list_id))
    if request.method == "GET":
        editing = bool(request.args.get("edit"))
        return render("price_lists/_entry_row.html", block="entry_row", row=_entry_row(price_list, found),
                      editing=editing, **ctx)
    typed = request.form.get("value", "")[:50]
    kind = "product" if found.product_id is not None else "category"
    with service_errors() as refused:
        unit_price, percent = _parse_value(kind, typed)
        changed = service.update_entry(price_list, found, unit_price=unit_price, percent=percent)
        resp = render("price_lists/_entry_row.html", block="entry_row", row=_entry_row(price_list, found),
                      editing=False, **ctx)
        return trigger(resp, "price-list-changed", {"price_list_id": price_list_id}) if changed else resp
    price_list = get_or_404(PriceList, price_list_id)
    found = _entry(price_list)
    return render("price_lists/_entry_row.html", block="entry_row", row=_entry_row(price_list, found),
                  editing=True, typed=typed,
                  error=refused.error.message, status=422, price_list=price_list, currency=_currency())


@bp.post("/<int:price_list_id>/entry/remove")
@require_role("manager")
def remove_entry(price_list_id: int):
    price_list = get_or_404(PriceList, price_list_id)
    found = _entry(price_list)
    with service_errors() as refused:
        service.remove_entry(price_list, found)
    if refused.error is not None:
        flash(refused.error.message, "error")
    if not is_htmx():
        return redirect_to(url_for("price_lists.detail", price_list_id=price_list_id))
    resp = render("price_lists/_entry_row.html", block="entry_row", removed=True, status=200 if refused.error is None else 409)
    return resp if refused.error else trigger(resp, "price-list-changed", {"price_list_id": price_list_id})
