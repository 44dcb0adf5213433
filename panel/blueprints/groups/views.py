"""Customer groups: the list, create and edit with the grants, members (live search, add by
search or card scan, remove), delete, and the customer list's "move to group"."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, or_, select

from ...access import get_or_404, read_only, require_role
from ...extensions import db
from ...htmx import is_htmx, redirect_to, render, trigger
from ...models import Customer, CustomerGroup, Discount, GroupDiscount, GroupPriceList, PriceList
from ...services import customer_list
from ...services import groups as groups_service
from ...services.groups.listing import discount_value
from ...transaction import flashed_errors, service_errors
from . import bp
from .forms import GroupForm, ticked

CANDIDATES = 8


# --- the list ---------------------------------------------------------------------------------

@bp.get("/")
@require_role("manager")
@read_only
def index():
    q = customer_list.parse_filter({"q": request.args.get("q", "")}).q
    return render("groups/index.html", block="group_table", q=q, groups=groups_service.listed(q))


# --- create and edit ----------------------------------------------------------------------------

def _pickers(group: CustomerGroup | None) -> dict:
    """The live discounts and price lists to tick, and archived ones this group still grants."""
    granted_d = set(db.session.scalars(select(GroupDiscount.discount_id).where(GroupDiscount.group_id == group.id))) \
        if group else set()
    granted_p = set(db.session.scalars(select(GroupPriceList.price_list_id)
                                       .where(GroupPriceList.group_id == group.id))) if group else set()
    discounts = db.session.scalars(select(Discount).where(or_(Discount.archived_at.is_(None),
                                                              Discount.id.in_(granted_d or [0])))
                                   .order_by(Discount.name_key, Discount.id)).all()
    lists = db.session.scalars(select(PriceList).where(or_(PriceList.archived_at.is_(None),
                                                           PriceList.id.in_(granted_p or [0])))
                               .order_by(PriceList.name_key, PriceList.id)).all()
    return {"discounts": [(d, discount_value(d)) for d in discounts], "price_lists": lists, "granted_d": granted_d, "granted_p": granted_p}


def _form_page(form: GroupForm, group: CustomerGroup | None, status: int, members=None, q: str = ""):
    pickers = _pickers(group)
    if request.method == "POST":  # what was ticked stays ticked on a refused save
        pickers["granted_d"] = set(ticked(request.form, "discount_ids"))
        pickers["granted_p"] = set(ticked(request.form, "price_list_ids"))
    return render("groups/detail.html" if group else "groups/new.html", form=form, group=group,
                  palette=groups_service.PALETTE, members=members, q=q, status=status, **pickers)


def _save(form: GroupForm, group: CustomerGroup | None):
    """The saved group, or None with the errors on the form (the request rolled back)."""
    if not form.validate_on_submit():
        return None
    with service_errors() as refused:
        data = form.service_data(request.form)
        if group is None:
            return groups_service.create(data)
        groups_service.update(group, data)
        return group
    form.add_errors(getattr(refused.error, "errors", None) or {refused.error.field or "": refused.error.message})
    return None


@bp.route("/new", methods=["GET", "POST"])
@require_role("manager")
def new():
    form = GroupForm()
    if request.method == "POST":
        saved = _save(form, None)
        if saved is not None:
            flash(_("The group %(name)s was created.", name=saved.name), "success")
            return redirect_to(url_for("groups.detail", group_id=saved.id))
    return _form_page(form, None, 422 if request.method == "POST" else 200)


@bp.route("/<int:group_id>", methods=["GET", "POST"])
@require_role("manager")
def detail(group_id: int):
    group = get_or_404(CustomerGroup, group_id)
    form = GroupForm(group=group)
    if request.method == "POST":
        saved = _save(form, group)
        if saved is not None:
            flash(_("Changes to the group %(name)s were saved.", name=saved.name), "success")
            return redirect_to(url_for("groups.detail", group_id=group_id))
        group = get_or_404(CustomerGroup, group_id)  # the refused save was rolled back
    return _form_page(form, group, 422 if request.method == "POST" else 200, members=_members(group), q="")


# --- members -------------------------------------------------------------------------------------

def _members(group: CustomerGroup, q: str = "") -> customer_list.Page:
    return groups_service.members(group, q, after=request.args.get("after"), before=request.args.get("before"))


@bp.get("/<int:group_id>/members")
@require_role("manager")
@read_only
def members(group_id: int):
    """The group page's members alone, searched live (and paged) as the customer list is."""
    group = get_or_404(CustomerGroup, group_id)
    q = customer_list.parse_filter({"q": request.args.get("q", "")}).q
    return render("groups/members.html", block="member_table", group=group, members=_members(group, q), q=q)


@bp.get("/<int:group_id>/candidates")
@require_role("manager")
@read_only
def candidates(group_id: int):
    """Customers to add, by name, phone, NIP or a scanned card (not already members)."""
    group = get_or_404(CustomerGroup, group_id)
    q = customer_list.parse_filter({"q": request.args.get("q", "")}).q
    found = _candidates(group, q)
    return render("groups/_candidates.html", group=group, found=found, q=q)


def _candidates(group: CustomerGroup, q: str) -> list:
    if not q:
        return []
    page = customer_list.page(customer_list.CustomerFilter(q=q), size=CANDIDATES)
    return [c for c in page.customers if c.merged_into_id is None and c.erased_at is None]


@bp.post("/<int:group_id>/members")
@require_role("manager")
def add_member(group_id: int):
    """Add the chosen customer, or the one customer a scan or a search finds (Enter in the box)."""
    group = get_or_404(CustomerGroup, group_id)
    chosen = request.form.get("customer_id")
    q = customer_list.parse_filter({"q": request.form.get("q", "")}).q
    if chosen is not None:
        customer = get_or_404(Customer, chosen)
    else:
        found = _candidates(group, q)
        if len(found) != 1:
            message = (_("Nobody matches “%(q)s”.", q=q) if not found
                       else _("Several customers match; choose one from the list."))
            return _after_member_change(group, error=message, q=q)
        customer = db.session.get(Customer, found[0].id)
    with service_errors() as refused:
        if groups_service.set_group(customer, group):
            flash(_("%(name)s is now in the group %(group)s.", name=customer.display_name, group=group.name),
                  "success")
        else:
            flash(_("%(name)s is already in the group %(group)s.", name=customer.display_name, group=group.name),
                  "info")
    return _after_member_change(group, error=refused.error.message if refused.error else None)


@bp.post("/<int:group_id>/members/<int:customer_id>/remove")
@require_role("manager")
def remove_member(group_id: int, customer_id: int):
    group = get_or_404(CustomerGroup, group_id)
    customer = get_or_404(Customer, customer_id)
    if customer.group_id != group.id:
        return _after_member_change(group, error=_("%(name)s is not in this group.", name=customer.display_name))
    with flashed_errors():
        groups_service.set_group(customer, None)
        flash(_("%(name)s was removed from the group %(group)s.", name=customer.display_name, group=group.name),
              "success")
    return _after_member_change(group)


def _after_member_change(group: CustomerGroup, error: str | None = None, q: str = ""):
    """htmx: the members section again (the add box keeps a refused query); else back to the page."""
    if not is_htmx():
        if error:
            flash(error, "error")
        return redirect_to(url_for("groups.detail", group_id=group.id) + "#members")
    group = get_or_404(CustomerGroup, group.id)
    resp = render("groups/members.html", block="group_members", group=group, members=_members(group),
                  q="", add_q=q, add_error=error, status=422 if error else 200)
    return resp if error else trigger(resp, "group-members-changed", {"group_id": group.id})


# --- delete -------------------------------------------------------------------------------------

@bp.route("/<int:group_id>/delete", methods=["GET", "POST"])
@require_role("manager")
def delete(group_id: int):
    """Ask first, saying how many customers fall out of the group; then delete."""
    group = get_or_404(CustomerGroup, group_id)
    if request.method == "POST":
        name = group.name
        with flashed_errors():
            fell_out = groups_service.delete(group)
            flash(ngettext("The group %(name)s was deleted; %(num)d customer is in no group now.",
                           "The group %(name)s was deleted; %(num)d customers are in no group now.",
                           fell_out, name=name), "success")
        return redirect_to(url_for("groups.index"))
    total = db.session.scalar(select(func.count()).select_from(Customer).where(Customer.group_id == group.id))
    grants = groups_service.grants_of([group.id])[group.id]
    return render("groups/delete.html", group=group, total=total or 0, grants=grants)


# --- the customer list's bulk "move to group" ----------------------------------------------------

def _list_url(target: str | None) -> str:
    """Back to the customer list as it was filtered (only a path of the list: no open redirect)."""
    parts = urlsplit(target or "")
    if parts.scheme or parts.netloc or not parts.path.startswith(url_for("customers.index")):
        return url_for("customers.index")
    return parts.path + (f"?{parts.query}" if parts.query else "")


@bp.post("/move")
@require_role("manager")
def move_customers():
    """Move the rows ticked in the customer list to a group (or out of any): one UPDATE."""
    target = request.form.get("group", "")
    group = None if target == "none" else get_or_404(CustomerGroup, target)
    with flashed_errors():
        moved = groups_service.move(request.form.getlist("customer_ids"), group)
        if group is None:
            flash(ngettext("%(num)d customer was removed from their group.",
                           "%(num)d customers were removed from their groups.", moved), "success")
        else:
            flash(ngettext("%(num)d customer was moved to the group %(group)s.",
                           "%(num)d customers were moved to the group %(group)s.", moved, group=group.name), "success")
    return redirect_to(_list_url(request.form.get("next")))
