"""Discounts read back: with their targets and windows, listed, searched, said in words."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select

from ...extensions import db
from ...models import Category, CustomerGroup, Discount, DiscountTarget, DiscountWindow, GroupDiscount, Product
from ..naming import name_key
from . import words

MAX_QUERY = 100
STATUSES = ("active", "hidden", "archived", "all")


@dataclass
class Loaded:
    """A discount with its categories, products, exclusions and weekly windows."""

    discount: Discount
    categories: list[Category] = field(default_factory=list)
    products: list[Product] = field(default_factory=list)
    excluded_categories: list[Category] = field(default_factory=list)
    excluded_products: list[Product] = field(default_factory=list)
    windows: list[words.Window] = field(default_factory=list)

    def rule(self) -> words.Rule:
        d = self.discount
        return words.Rule(
            percent=d.percent, amount=d.amount, scope=d.scope,
            categories=tuple(c.name for c in self.categories), products=tuple(p.name for p in self.products),
            excluded_categories=tuple(c.name for c in self.excluded_categories),
            excluded_products=tuple(p.name for p in self.excluded_products),
            selectable=d.selectable, valid_from=d.valid_from, valid_to=d.valid_to,
            weekly=tuple(self.windows), min_bill=d.min_bill or 0)

    def describe(self, currency: str, locale: str) -> str:
        return words.describe(self.rule(), currency, locale)


def load(discounts: Iterable[Discount]) -> list[Loaded]:
    """Each discount with its targets and windows: three queries for any number of discounts."""
    out = [Loaded(d) for d in discounts]
    by_id = {x.discount.id: x for x in out}
    if not by_id:
        return out
    ids = list(by_id)
    targets = db.session.execute(
        select(DiscountTarget, Category, Product)
        .outerjoin(Category, Category.id == DiscountTarget.category_id)
        .outerjoin(Product, Product.id == DiscountTarget.product_id)
        .where(DiscountTarget.discount_id.in_(ids))
        .order_by(func.coalesce(Category.name, Product.name), DiscountTarget.id))
    for target, category, product in targets:
        x = by_id[target.discount_id]
        if category is not None:
            (x.excluded_categories if target.excluded else x.categories).append(category)
        elif product is not None:
            (x.excluded_products if target.excluded else x.products).append(product)
    windows = db.session.scalars(select(DiscountWindow).where(DiscountWindow.discount_id.in_(ids))
                                 .order_by(DiscountWindow.id))
    for w in windows:
        by_id[w.discount_id].windows.append(words.Window(tuple(w.day_numbers), w.starts, w.ends))
    return out


def plain_fields(d: Discount) -> dict:
    """The discount as validation takes its input (the POS's ids, hours as text)."""
    x = load([d])[0]
    return {
        "name": d.name, "percent": d.percent, "amount": d.amount, "scope": d.scope,
        "category_ids": [c.external_id for c in x.categories], "product_ids": [p.external_id for p in x.products],
        "excluded_category_ids": [c.external_id for c in x.excluded_categories],
        "excluded_product_ids": [p.external_id for p in x.excluded_products],
        "selectable": d.selectable, "valid_from": d.valid_from, "valid_to": d.valid_to,
        "weekly": [{"days": list(w.days), "from": f"{w.start:%H:%M}", "to": f"{w.end:%H:%M}"} for w in x.windows],
        "min_bill": d.min_bill or 0,
    }


def search(q: str = "", status: str = "active", limit: int = 200) -> list[Discount]:
    """Discounts by name. `status`: active (live: selectable or hidden), hidden (live, not on the
    terminal), archived, all."""
    query = select(Discount)
    if status == "archived":
        query = query.where(Discount.archived_at.is_not(None))
    elif status != "all":
        query = query.where(Discount.archived_at.is_(None))
        if status == "hidden":
            query = query.where(Discount.selectable.is_(False))
    if key := name_key(q or "")[:MAX_QUERY]:
        pattern = "%" + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(Discount.name_key.like(pattern, escape="\\"))
    return list(db.session.scalars(query.order_by(Discount.name_key, Discount.id).limit(limit)))


def selectable_discounts(q: str = "", limit: int = 200) -> list[Discount]:
    """What the terminal's picker and `GET /discounts?selectable=true` offer: live, not archived,
    available on the terminal. A hidden discount never appears; it reaches a bill through a group."""
    return [d for d in search(q, "active", limit) if d.selectable]


def granted_by(d: Discount) -> list[CustomerGroup]:
    """The groups that grant the discount, by name."""
    return list(db.session.scalars(
        select(CustomerGroup).join(GroupDiscount, GroupDiscount.group_id == CustomerGroup.id)
        .where(GroupDiscount.discount_id == d.id).order_by(CustomerGroup.name_key)))


def used(d: Discount) -> bool:
    """Granted by a group (later also: named by a recorded document): then it is archived, never deleted."""
    return bool(db.session.scalar(select(func.count()).select_from(GroupDiscount)
                                  .where(GroupDiscount.discount_id == d.id)))


def categories_matching(q: str, limit: int = 20) -> list[Category]:
    """The category picker: live categories by name or the POS's id."""
    return _matching(Category, q, limit)


def products_matching(q: str, limit: int = 20) -> list[Product]:
    """The product picker: the catalog can hold thousands, so it searches as the owner types."""
    return _matching(Product, q, limit)


def _matching(model, q: str, limit: int) -> list:
    query = select(model).where(model.archived_at.is_(None))
    text = " ".join((q or "").split())[:MAX_QUERY]
    if text:
        pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(func.lower(model.name).like(pattern, escape="\\"),
                                func.lower(model.external_id).like(pattern, escape="\\")))
    return list(db.session.scalars(query.order_by(model.name, model.id).limit(limit)))
