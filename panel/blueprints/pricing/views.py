""""Try a bill": pick a customer or a group, add lines, see the quote and why, live."""
from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from ...access import require_role
from ...extensions import db
from ...htmx import render
from ...models import Category, CustomerGroup, Discount, Product
from ...services import ServiceError, pricing, terminal
from ...services.pricing import words
from ...tenancy import require_tenant_id
from . import bill_form, bp

MAX_RESULTS = 8
MAX_CATEGORIES = 2000
# htmx asks for one region at a time; the target's id says which block to render.
BLOCKS = {"try-quote": "try_quote", "customer-results": "customer_results", "product-results": "product_results"}
REASONS = {
    "better_discount_applied": _l("a better discount applied"),
    "min_bill_not_met": _l("the bill is below its minimum"),
    "outside_time_window": _l("not valid at this moment (dates or hours)"),
    "not_discountable": _l("this product is never discounted"),
    "not_selectable": _l("hidden on the terminal: staff cannot give it, only a group can"),
}


@bp.get("/try")
@require_role("manager")
def try_bill():
    form = bill_form.parse(request.args)
    tenant_id = require_tenant_id()
    categories = {c.id: c for c in db.session.scalars(
        select(Category).where(Category.archived_at.is_(None)).order_by(Category.name).limit(MAX_CATEGORIES))}
    pickable = list(db.session.scalars(select(Discount).where(Discount.selectable.is_(True),
                                                              Discount.archived_at.is_(None)).order_by(Discount.name)))
    form.picks = [p for p in form.picks if p in {d.id for d in pickable}]
    lines = bill_form.bill_lines(form, categories)
    at = bill_form.moment(form)
    priced, status = None, 200
    if lines and not form.errors:
        who = (pricing.by_id(tenant_id, form.customer.id) if form.customer is not None
               else pricing.Who(None, "", pricing.group_ref(tenant_id, form.group.id) if form.group else None))
        try:
            priced = pricing.quote(tenant_id, lines, who=who, picks=form.picks, at=at)
        except ServiceError as e:
            form.errors[e.field or "bill"] = e.message
    if form.errors or any(line.errors for line in form.lines):
        status = 422
    block = BLOCKS.get(request.headers.get("HX-Target", ""), "try_form")
    return render("pricing/try.html", block=block, status=status, form=form, priced=priced, reasons=REASONS,
                  categories=categories.values(),
                  pickable=pickable, groups=_groups(), customers=_customers(form.cq), products=_products(form.pq),
                  group_of_customer=_group_of_customer(form, tenant_id))


def _groups() -> list[CustomerGroup]:
    return list(db.session.scalars(select(CustomerGroup).order_by(CustomerGroup.name_key)))


def _customers(q: str):
    return terminal.search_customers(q, MAX_RESULTS) if q else []


def _products(q: str) -> list[Product]:
    """Products by name (any part) or by the POS's id (exact), live ones first by name."""
    if not q:
        return []
    stmt = (select(Product).where(Product.archived_at.is_(None),
                                  or_(func.lower(Product.name).contains(q.lower(), autoescape=True),
                                      Product.external_id == q))
            .order_by(Product.name).limit(MAX_RESULTS))
    return list(db.session.scalars(stmt))


def _group_of_customer(form: bill_form.BillForm, tenant_id: int):
    if form.customer is None or form.customer.group_id is None:
        return None
    return pricing.group_ref(tenant_id, form.customer.group_id)


@bp.app_template_filter("percent_sign")
def percent_filter(value) -> str:
    """12.5 -> "12,5%" in Polish."""
    return words.percent_text(value)
