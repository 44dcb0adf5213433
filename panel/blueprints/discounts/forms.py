"""The discount form as typed: plain values, chips of the pickers, rows of weekly hours.

Not a WTForms form: its lists (chosen products, weekly rows) grow and shrink in the browser, and
a refused save must show every one of them again as typed. The rules live in
services/discounts; this module only reads the request, fills the form from a discount, and
builds the sentence of a form still being typed (`draft_rule`), where half-typed fields are
simply left out of the sentence instead of refused.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from babel.numbers import get_decimal_symbol
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from ...extensions import db
from ...models import Category, Discount, Product
from ...money import InvalidPercent, format_plain, parse_percent
from ...services import discounts
from ...services.cards.rows import parse_expiry
from ...services.discounts.validation import MAX_TARGETS, TARGET_FIELDS, money_value, parse_hour, window_days
from ...services.discounts.words import Rule, Window

TEXT_FIELDS = ("name", "value", "valid_from", "valid_to", "min_bill")
_WINDOW_KEY = re.compile(r"weekly-(\d{1,3})-(days|from|to)")
MAX_ROWS = 30


@dataclass
class Chip:
    """A chosen category or product: the POS's id (what is sent) and its name (what is shown)."""

    id: str
    label: str
    blocked: bool = False  # a product sold at its own price (tobacco, vouchers): never reduced


@dataclass
class WindowRow:
    days: set[int] = field(default_factory=set)
    start: str = ""
    end: str = ""


@dataclass
class DiscountForm:
    name: str = ""
    kind: str = "percent"          # percent | amount: which the one value input holds
    value: str = ""
    scope: str = "bill"
    targets: dict[str, list[Chip]] = field(default_factory=lambda: {f: [] for f in TARGET_FIELDS})
    selectable: bool = True
    valid_from: str = ""
    valid_to: str = ""
    windows: list[WindowRow] = field(default_factory=list)
    min_bill: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    form_errors: list[str] = field(default_factory=list)

    def service_data(self) -> dict:
        """The form as the discount service takes it (money and percents as typed)."""
        data = {"name": self.name, "scope": self.scope, "selectable": self.selectable,
                "valid_from": self.valid_from, "valid_to": self.valid_to, "min_bill": self.min_bill,
                "percent": self.value if self.kind == "percent" else None,
                "amount": self.value if self.kind == "amount" else None,
                "weekly": [{"days": sorted(w.days), "from": w.start, "to": w.end} for w in self.windows]}
        data.update({name: [chip.id for chip in chips] for name, chips in self.targets.items()})
        return data

    def show_errors(self, errors: dict[str, str]) -> None:
        """The service's field names on the form's inputs (percent and amount share one)."""
        for name, message in errors.items():
            name = "value" if name in ("percent", "amount") else name
            self.errors.setdefault(name or "form", message)


def from_request(form: MultiDict) -> DiscountForm:
    f = DiscountForm(**{name: form.get(name, "")[:200].strip() for name in TEXT_FIELDS})
    f.kind = "amount" if form.get("kind") == "amount" else "percent"
    f.scope = form.get("scope", "bill") if form.get("scope") in ("bill", "categories", "products") else "bill"
    f.selectable = form.get("selectable") in ("on", "1", "y", "true")
    f.targets = _chips({name: form.getlist(name)[:MAX_TARGETS] for name in TARGET_FIELDS})
    rows: dict[int, WindowRow] = {}
    for key in form:
        match = _WINDOW_KEY.fullmatch(key)
        if match is None or int(match.group(1)) >= MAX_ROWS:
            continue
        row = rows.setdefault(int(match.group(1)), WindowRow())
        if match.group(2) == "days":
            row.days = {int(d) for d in form.getlist(key) if d in "1234567" and len(d) == 1}
        elif match.group(2) == "from":
            row.start = form.get(key, "").strip()[:5]
        else:
            row.end = form.get(key, "").strip()[:5]
    # A row left wholly empty is no window: "add hours" clicked and then not used.
    f.windows = [rows[i] for i in sorted(rows) if rows[i].days or rows[i].start or rows[i].end]
    return f


def from_discount(d: Discount, currency: str, locale: str) -> DiscountForm:
    x = discounts.load([d])[0]
    f = DiscountForm(name=d.name, scope=d.scope, selectable=d.selectable,
                     valid_from=d.valid_from.isoformat() if d.valid_from else "",
                     valid_to=d.valid_to.isoformat() if d.valid_to else "",
                     min_bill=format_plain(d.min_bill, currency, locale) if d.min_bill else "")
    if d.percent is not None:
        text = format(Decimal(d.percent).normalize(), "f")
        f.value = text.replace(".", get_decimal_symbol(locale))
    else:
        f.kind, f.value = "amount", format_plain(d.amount, currency, locale)
    f.targets = {
        "category_ids": [_category_chip(c) for c in x.categories],
        "product_ids": [_product_chip(p) for p in x.products],
        "excluded_category_ids": [_category_chip(c) for c in x.excluded_categories],
        "excluded_product_ids": [_product_chip(p) for p in x.excluded_products],
    }
    f.windows = [WindowRow(set(w.days), f"{w.start:%H:%M}", f"{w.end:%H:%M}") for w in x.windows]
    return f


def draft_rule(f: DiscountForm, currency: str) -> Rule:
    """The rule of a form being typed: what is already readable, the rest left out."""
    percent = amount = None
    if f.kind == "percent":
        try:
            percent = parse_percent(f.value)
        except InvalidPercent:
            percent = None
        percent = percent if percent else None
    else:
        amount = money_value(f.value, currency) if f.value else None
        amount = amount if amount and amount > 0 else None
    windows = []
    for row in f.windows:
        days, start, end = window_days(sorted(row.days)), parse_hour(row.start), parse_hour(row.end)
        if days and start is not None and end is not None:
            windows.append(Window(days, start, end))
    labels = {name: tuple(chip.label for chip in chips) for name, chips in f.targets.items()}
    min_bill = money_value(f.min_bill, currency) if f.min_bill else 0
    return Rule(percent=percent, amount=amount, scope=f.scope,
                categories=labels["category_ids"], products=labels["product_ids"],
                excluded_categories=labels["excluded_category_ids"],
                excluded_products=labels["excluded_product_ids"],
                selectable=f.selectable, valid_from=_day(f.valid_from), valid_to=_day(f.valid_to),
                weekly=tuple(windows), min_bill=min_bill if min_bill and min_bill > 0 else 0)


def _day(text: str):
    try:
        return parse_expiry(text)
    except ValueError:
        return None


def _chips(ids: dict[str, list[str]]) -> dict[str, list[Chip]]:
    """Chips for the ids the form sent, named from the catalog (an unknown id shows as itself)."""
    wanted_categories = {i for name in ("category_ids", "excluded_category_ids") for i in ids[name]}
    wanted_products = {i for name in ("product_ids", "excluded_product_ids") for i in ids[name]}
    categories = {c.external_id: _category_chip(c) for c in db.session.scalars(
        select(Category).where(Category.external_id.in_(wanted_categories)))} if wanted_categories else {}
    products = {p.external_id: _product_chip(p) for p in db.session.scalars(
        select(Product).where(Product.external_id.in_(wanted_products)))} if wanted_products else {}
    out = {}
    for name, values in ids.items():
        known = categories if "category" in name else products
        out[name] = [known.get(i) or Chip(i, i) for i in dict.fromkeys(v.strip() for v in values if v.strip())]
    return out


def _category_chip(c: Category) -> Chip:
    return Chip(c.external_id, c.name)


def _product_chip(p: Product) -> Chip:
    return Chip(p.external_id, p.name, blocked=not p.discountable)
