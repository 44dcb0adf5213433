"""The customer base: live-filtered list, create/edit with cards, detail tabs, duplicates,
merge, archive/restore, GDPR erase and the subject-access export."""
from __future__ import annotations

import json

from flask import Response, flash, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ...access import get_or_404, has_role, read_only, require_role
from ...extensions import db
from ...htmx import is_htmx, redirect_to, render
from ...models import Customer, CustomerGroup
from ...models.base import row_id
from ...registry import customer_tabs
from ...services import ServiceError, customer_list, customers
from ...services import cards as cards_service
from ...services.loyalty import setup as loyalty_setup
from ...services.loyalty import standing
from ...transaction import flashed_errors, form_errors, service_errors
from ..cards.forms import parse_card_rows
from . import bp
from .forms import CustomerForm
from .rows import list_rows

CANDIDATES = 10


# --- the list ---------------------------------------------------------------------------------

@bp.get("/")
@require_role("staff")
@read_only
def index():
    f = customer_list.parse_filter(request.args)
    result = customer_list.page(f, after=request.args.get("after"), before=request.args.get("before"))
    # The filters' and the bulk bar's choices are outside the table: a fragment does not load them.
    groups = [] if is_htmx() else db.session.scalars(select(CustomerGroup).order_by(CustomerGroup.name_key)).all()
    tiers = standing.badges([c.id for c in result.customers])
    resp = render("customers/index.html", block="customer_table", f=f, page=result, rows=list_rows(result, tiers),
                  groups=groups, can_move=has_role("manager"),
                  tier_choices=[] if is_htmx() else loyalty_setup.tier_rows())
    if is_htmx():
        # The filter form sends every field, empty ones too; the address bar gets the clean URL.
        args = f.to_args()
        for name in ("after", "before"):
            if request.args.get(name):
                args[name] = request.args[name]
        resp.headers["HX-Push-Url"] = url_for("customers.index", **args)
    return resp


@bp.get("/duplicates")
@require_role("staff")
@read_only
def duplicates():
    """The "already in your customers" warning under the NIP, e-mail and phone inputs."""
    found = customers.find_duplicates(
        nip=request.args.get("nip", "")[:40], ico=request.args.get("ico", "")[:40],
        email=request.args.get("email", "")[:254],
        phone=request.args.get("phone", "")[:40], country=request.args.get("country", "")[:2].upper(),
        exclude_id=request.args.get("exclude", type=row_id))
    return render("customers/_duplicates.html", duplicates=found)


# --- create and edit -------------------------------------------------------------------------

def _save(form: CustomerForm, customer: Customer | None):
    """Validate the customer and their card rows together; save both or neither.

    Returns (saved customer or None, card rows as typed, card row errors).
    """
    rows = parse_card_rows(request.form)
    row_errors: dict = {}
    if not form.validate_on_submit():
        return None, rows, row_errors
    data = form.service_data()
    _values, errors = customers.validate(data, current=customer)
    row_errors = cards_service.validate_card_rows(rows, customer=customer)
    if errors or row_errors:
        form.add_errors(errors)
        return None, rows, row_errors
    with form_errors(form):
        if customer is None:
            customer = customers.create(data)
        else:
            customers.update(customer, data)
        cards_service.apply_card_rows(customer, rows)
        return customer, rows, row_errors
    return None, rows, row_errors


def _duplicates_of(form: CustomerForm, customer: Customer | None) -> list:
    """The warning as the form is shown again, so a re-rendered form does not lose it."""
    return customers.find_duplicates(nip=form.nip.data or "", ico=form.ico.data or "", email=form.email.data or "",
                                     phone=form.phone.data or "", country=form.country.data or "",
                                     exclude_id=customer.id if customer else None)


@bp.route("/new", methods=["GET", "POST"])
@require_role("staff")
def new():
    form = CustomerForm()
    rows, row_errors = [], {}
    if request.method == "POST":
        saved, rows, row_errors = _save(form, None)
        if saved is not None:
            flash(_("%(name)s was added.", name=saved.display_name), "success")
            return redirect_to(url_for("customers.detail", customer_id=saved.id))
    status = 422 if request.method == "POST" else 200
    return render("customers/form.html", form=form, customer=None, card_rows=rows, card_row_errors=row_errors,
                  duplicates=_duplicates_of(form, None) if status == 422 else [], status=status)


@bp.route("/<int:customer_id>/edit", methods=["GET", "POST"])
@require_role("staff")
def edit(customer_id: int):
    customer = get_or_404(Customer, customer_id)
    if customer.erased:
        flash(_("This customer's data was erased; the record cannot be edited."), "error")
        return redirect_to(url_for("customers.detail", customer_id=customer.id))
    form = CustomerForm(customer=customer)
    rows, row_errors = [], {}
    if request.method == "POST":
        saved, rows, row_errors = _save(form, customer)
        if saved is not None:
            flash(_("Changes to %(name)s were saved.", name=saved.display_name), "success")
            return redirect_to(url_for("customers.detail", customer_id=saved.id))
        # A rolled-back save expired the customer; reload it for the page around the form.
        customer = get_or_404(Customer, customer_id)
    status = 422 if request.method == "POST" else 200
    return render("customers/form.html", form=form, customer=customer, card_rows=rows,
                  card_row_errors=row_errors, duplicates=_duplicates_of(form, customer), status=status)


# --- the detail page and its tabs --------------------------------------------------------------

@bp.get("/<int:customer_id>")
@require_role("staff")
def detail(customer_id: int):
    customer = get_or_404(Customer, customer_id)
    tab = customer_tabs.get(request.args.get("tab"))
    merged_into = db.session.get(Customer, customer.merged_into_id) if customer.merged_into_id else None
    group = db.session.get(CustomerGroup, customer.group_id) if customer.group_id else None
    return render("customers/detail.html", block="customer_tab", customer=customer, tabs=customer_tabs,
                  tab=tab, merged_into=merged_into, customer_group=group, **tab.context(customer))


# --- archive, restore ------------------------------------------------------------------------

@bp.post("/<int:customer_id>/archive")
@require_role("manager")
def archive(customer_id: int):
    customer = get_or_404(Customer, customer_id)
    with flashed_errors():
        customers.archive(customer)
        flash(_("%(name)s was archived. They no longer appear in the list; you can restore them here.",
                name=customer.display_name), "success")
    return redirect_to(url_for("customers.detail", customer_id=customer_id))


@bp.post("/<int:customer_id>/restore")
@require_role("manager")
def restore(customer_id: int):
    customer = get_or_404(Customer, customer_id)
    with flashed_errors():
        customers.restore(customer)
        flash(_("%(name)s was restored.", name=customer.display_name), "success")
    return redirect_to(url_for("customers.detail", customer_id=customer_id))


# --- merge -----------------------------------------------------------------------------------

@bp.route("/<int:customer_id>/merge", methods=["GET", "POST"])
@require_role("manager")
def merge(customer_id: int):
    """Pick the customer to merge into this one, preview field by field, then merge."""
    survivor = get_or_404(Customer, customer_id)
    other_id = request.values.get("other", type=row_id)
    if other_id is None:
        return _merge_picker(survivor)
    other = get_or_404(Customer, other_id)
    try:
        plan = customers.merge_plan(survivor, other)
    except ServiceError as e:
        return _merge_picker(survivor, error=e.message)
    if request.method == "POST":
        choices = {f.key: request.form.get(f"choice-{f.key}", "survivor") for f in plan.conflicts}
        with service_errors() as refused:
            figures = customers.merge(survivor, other, choices)
            flash(_("#%(other)s was merged into %(name)s (%(cards)d cards moved).", other=other_id,
                    name=survivor.display_name, cards=figures["moved"].get("cards", 0)), "success")
            return redirect_to(url_for("customers.detail", customer_id=survivor.id))
        return _merge_picker(get_or_404(Customer, customer_id), error=refused.error.message)
    return render("customers/merge.html", survivor=survivor, plan=plan)


def _merge_picker(survivor: Customer, error: str | None = None):
    f = customer_list.CustomerFilter(q=customer_list.parse_filter(request.args).q)
    found = customer_list.page(f, size=CANDIDATES + 1).customers if f.q else []
    candidates = [c for c in found if c.id != survivor.id][:CANDIDATES]
    suggestions = [d for d in customers.find_duplicates(
        nip=survivor.nip, ico=survivor.ico, email=survivor.email, phone=survivor.phone, country=survivor.country,
        exclude_id=survivor.id)] if not survivor.erased else []
    return render("customers/merge_pick.html", block="merge_candidates", survivor=survivor, f=f,
                  candidates=candidates, suggestions=suggestions, error=error, status=422 if error else 200)


# --- GDPR: erase and export --------------------------------------------------------------------

@bp.route("/<int:customer_id>/erase", methods=["GET", "POST"])
@require_role("manager")
def erase(customer_id: int):
    customer = get_or_404(Customer, customer_id)
    error = None
    if request.method == "POST":
        with service_errors() as refused:
            figures = customers.erase(customer, request.form.get("confirmation", ""))
            flash(_("The personal data of customer #%(id)s was erased (%(cards)d cards blocked).",
                    id=customer_id, cards=figures["cards_blocked"]), "success")
            return redirect_to(url_for("customers.detail", customer_id=customer_id))
        error = refused.error.message
        customer = get_or_404(Customer, customer_id)
    return render("customers/erase.html", customer=customer, error=error,
                  typed=request.form.get("confirmation", ""), status=422 if error else 200)


@bp.get("/<int:customer_id>/export.json")
@require_role("manager")
def export_json(customer_id: int):
    customer = get_or_404(Customer, customer_id)
    data = customers.export_data(customer)  # recorded in the audit log, committed with the request
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="customer-{customer_id}.json"'})
