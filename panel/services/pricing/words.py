"""A discount's rule said in words for the terminal and "try a bill": the engine's Discount
(what will really be applied) handed to the discount pages' own sentence, with the names of
the categories and products it names read in one query.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Iterable

from babel.numbers import format_decimal
from flask import g
from sqlalchemy import bindparam, select, union_all

from ... import pricing as engine
from ...extensions import db
from ...i18n import format_locale, locale_code
from ...models import Category, Product
from ..discounts import words as discount_words

_c, _p = Category.__table__, Product.__table__
_NAMES = union_all(
    select(_c.c.external_id, _c.c.name, bindparam("c", "c").label("kind"))
    .where(_c.c.tenant_id == bindparam("tenant_id"), _c.c.external_id.in_(bindparam("cats", expanding=True))),
    select(_p.c.external_id, _p.c.name, bindparam("p", "p").label("kind"))
    .where(_p.c.tenant_id == bindparam("tenant_id"), _p.c.external_id.in_(bindparam("prods", expanding=True))),
)


def names_of(tenant_id: int, discounts: Iterable[engine.Discount]) -> dict[tuple[str, str], str]:
    """("c" | "p", external id) -> name, for every category and product the discounts name."""
    cats, prods = set(), set()
    for d in discounts:
        cats |= d.category_ids | d.excluded_category_ids
        prods |= d.product_ids | d.excluded_product_ids
    if not cats and not prods:
        return {}
    rows = db.session.connection().execute(_NAMES, {"tenant_id": tenant_id, "cats": sorted(cats),
                                                    "prods": sorted(prods)})
    return {(row.kind, row.external_id): row.name for row in rows}


def percent_text(value: Decimal) -> str:
    return format_decimal(value, format="#,##0.####", locale=format_locale()) + "%"


def describe(d: engine.Discount, names: dict[tuple[str, str], str]) -> str:
    """The engine's discount said as the discount pages say it (services/discounts/words.py)."""
    def named(kind: str, ids: Iterable[str]) -> tuple[str, ...]:
        return tuple(sorted(names.get((kind, i), i) for i in ids))

    rule = discount_words.Rule(
        percent=d.percent, amount=d.amount, scope=d.scope, categories=named("c", d.category_ids),
        products=named("p", d.product_ids), excluded_categories=named("c", d.excluded_category_ids),
        excluded_products=named("p", d.excluded_product_ids), selectable=d.selectable,
        valid_from=d.validity.valid_from, valid_to=d.validity.valid_to, min_bill=d.min_bill,
        weekly=tuple(discount_words.Window(tuple(sorted(w.days)), w.start, w.end) for w in d.weekly))
    tenant = getattr(g, "tenant", None)
    return discount_words.describe(rule, tenant.currency if tenant else "PLN", locale_code())
