""""Try a bill"'s form: the whole bill lives in the query string (a GET form), so the page is a
link that can be bookmarked, reloaded and sent to a colleague, and every change is one request.

Lines are parallel lists (lp product row id, lc category row id, ln name, lq quantity, lu unit
price as typed); a few buttons change the list: add_product=<product id>, add_free,
drop_line=<number>. Never a control named "remove": a form's named controls shadow its methods,
and htmx's swap calls form.remove().
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

import pytz
from flask import g
from flask_babel import gettext as _
from sqlalchemy import select

from ... import clock
from ...access import get_or_404
from ...extensions import db
from ...i18n import locale_code
from ...models import Category, Customer, CustomerGroup, Discount, GroupDiscount, Product
from ...models.base import row_id
from ...money import InvalidAmount, InvalidQuantity, format_plain, parse_amount, parse_quantity
from ...services.pricing import LineIn
from ...services.pricing.bill import MAX_LINES, quantity_message

MAX_TEXT = 200


@dataclass
class FormLine:
    product: Product | None = None
    category_id: int | None = None
    name: str = ""
    quantity: str = "1"
    unit_price: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.product.name if self.product is not None else (self.name or _("Line without a product"))


@dataclass
class BillForm:
    customer: Customer | None = None
    group: CustomerGroup | None = None
    picks: list[int] = field(default_factory=list)
    at_date: str = ""
    at_time: str = ""
    lines: list[FormLine] = field(default_factory=list)
    cq: str = ""
    pq: str = ""
    notice: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    focus: str = ""  # what gets the focus after a change: "product-search", "line-3-quantity"


def _text(args, name: str) -> str:
    return (args.get(name) or "").strip()[:MAX_TEXT]


def _currency() -> str:
    return g.tenant.currency


def price_text(minor: int | None) -> str:
    return format_plain(minor, _currency(), locale_code()) if minor is not None else ""


def parse(args) -> BillForm:
    """The form from the query string, with its buttons applied. Ids load through the scoped
    session: another restaurant's customer, group or discount is a 404."""
    form = BillForm(at_date=_text(args, "at_date"), at_time=_text(args, "at_time"), cq=_text(args, "cq"),
                    pq=_text(args, "pq"))
    if customer_id := _text(args, "customer_id"):
        form.customer = get_or_404(Customer, customer_id)
    elif group_id := _text(args, "group_id"):
        form.group = get_or_404(CustomerGroup, group_id)
    form.picks = [pick for pick in (row_id(p) for p in args.getlist("pick")[:50]) if pick is not None]
    if not args.get("s") and (discount_id := _text(args, "discount_id")):
        _preselect(form, get_or_404(Discount, discount_id))
    _lines(form, args)
    _buttons(form, args)
    return form


def _preselect(form: BillForm, discount: Discount) -> None:
    """A link from a discount's page: pick it, or, when it is hidden (staff cannot pick it), try
    it through the first group that grants it."""
    if discount.selectable and discount.archived_at is None:
        form.picks.append(discount.id)
        return
    if form.customer is None and form.group is None:
        form.group = first_group_granting(discount.id)
    if form.group is not None:
        form.notice = _("“%(name)s” is hidden on the terminal, so it is tried through the group %(group)s.",
                        name=discount.name, group=form.group.name)
    else:
        form.notice = _("“%(name)s” is hidden on the terminal and no group grants it yet: it applies to nobody.",
                        name=discount.name)


def first_group_granting(discount_id: int) -> CustomerGroup | None:
    stmt = (select(CustomerGroup).join(GroupDiscount, GroupDiscount.group_id == CustomerGroup.id)
            .where(GroupDiscount.discount_id == discount_id).order_by(CustomerGroup.name_key).limit(1))
    return db.session.scalar(stmt)


def _lines(form: BillForm, args) -> None:
    columns = [args.getlist(name)[:MAX_LINES] for name in ("lp", "lc", "ln", "lq", "lu")]
    count = max((len(c) for c in columns), default=0)
    rows = [[(c[i] if i < len(c) else "") for c in columns] for i in range(count)]
    product_ids = {pid for pid in (row_id(r[0]) for r in rows) if pid is not None}
    products = {}
    if product_ids:
        products = {p.id: p for p in db.session.scalars(select(Product).where(Product.id.in_(product_ids)))}
    for lp, lc, ln, lq, lu in rows:
        product = products.get(row_id(lp))
        if lp and product is None:
            continue  # a product removed meanwhile (or not this restaurant's): the line goes
        form.lines.append(FormLine(product, row_id(lc) if product is None else None, ln.strip()[:MAX_TEXT],
                                   lq.strip()[:40], lu.strip()[:40]))


def _buttons(form: BillForm, args) -> None:
    remove = row_id(args.get("drop_line") or "")
    if remove is not None and 0 < remove <= len(form.lines):
        del form.lines[remove - 1]
        form.focus = "product-search"
    if (add := _text(args, "add_product")) and len(form.lines) < MAX_LINES:
        product = get_or_404(Product, add)
        form.lines.append(FormLine(product, None, "", "1", price_text(product.price)))
        form.pq = ""
        form.focus = "product-search"
    if args.get("add_free") and len(form.lines) < MAX_LINES:
        form.lines.append(FormLine())
        form.focus = f"line-{len(form.lines)}-name"


def bill_lines(form: BillForm, categories: dict[int, Category]) -> list[LineIn] | None:
    """The lines for the pricing service, or None when one of them is wrong (errors on the line)."""
    out = []
    for i, line in enumerate(form.lines, start=1):
        try:
            quantity = parse_quantity(line.quantity)
        except InvalidQuantity as e:
            line.errors["quantity"] = quantity_message(e)
        try:
            price = parse_amount(line.unit_price, _currency())
        except InvalidAmount:
            line.errors["unit_price"] = _("Enter a price such as 12.50.")
        if line.product is None and line.category_id is not None and line.category_id not in categories:
            line.category_id = None
        if line.errors:
            continue
        category = categories.get(line.category_id) if line.product is None else None
        out.append(LineIn(str(i), quantity, price, line.product.external_id if line.product else None,
                          category.external_id if category is not None else None, line.label))
    return None if any(line.errors for line in form.lines) else out


def moment(form: BillForm) -> datetime | None:
    """The moment to price at, in the restaurant's zone; None is now. A bad one is a form error."""
    if not form.at_date and not form.at_time:
        return None
    try:
        day = date.fromisoformat(form.at_date) if form.at_date else clock.today()
        hour = time.fromisoformat(form.at_time) if form.at_time else time(12)
    except ValueError:
        form.errors["at"] = _("Enter a date and a time, or leave both empty for now.")
        return None
    return pytz.timezone(clock.zone_name()).localize(datetime.combine(day, hour))
