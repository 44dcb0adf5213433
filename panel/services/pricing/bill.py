"""A bill's lines as the POS (or "try a bill") sends them, checked and matched to the catalog.

Lines name products and categories by the POS's external ids. A product the catalog knows
brings its category (when the line names none) and its "discountable" flag; one it does not
know is priced as sent and matched by the category the line names. Every category is matched
with its ancestors (a rule on "drinks" covers "beer"); products and category chains come in one
query.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Mapping, Sequence

from flask_babel import gettext as _
from sqlalchemy import Boolean, Integer, String, and_, bindparam, cast, literal, null, or_, select, union_all

from ...extensions import db
from ...models import Category, Product
from ...models.catalog import EXTERNAL_ID_LENGTH
from ...money import MAX_MINOR, MAX_QUANTITY, QUANTITY_PLACES, InvalidQuantity, parse_quantity
from ...pricing import BillLine
from .. import ServiceError

MAX_LINES = 1000
MAX_NAME = 200


@dataclass(frozen=True)
class LineIn:
    """One line, checked: quantity exact (three places at most), unit price in minor units."""

    line_id: str
    quantity: Decimal
    unit_price: int
    product_id: str | None = None
    category_id: str | None = None
    name: str = ""


class LinesInvalid(ServiceError):
    """Lines that break a rule; `errors` maps each field path ("lines[3].quantity") to its message."""

    def __init__(self, errors: dict[str, str]):
        field, message = next(iter(errors.items()))
        super().__init__(message, field=field)
        self.errors = errors


def quantity_message(e: InvalidQuantity) -> str:
    return {
        InvalidQuantity.EMPTY: _("Enter a quantity."),
        InvalidQuantity.FORMAT: _("A quantity is a number such as 2, 0.5 or 1.25."),
        InvalidQuantity.PRECISION: _("A quantity has at most %(n)d decimal places.", n=QUANTITY_PLACES),
        InvalidQuantity.NEGATIVE: _("A quantity cannot be negative."),
        InvalidQuantity.TOO_LARGE: _("A quantity is at most %(n)d.", n=MAX_QUANTITY),
    }[e.code]


def _quantity(value) -> Decimal:
    """A quantity sent as text or a JSON number. A JSON number arrives as a float: its shortest
    repr is exactly what the POS wrote (1.25 -> "1.25"), so it is read from that text and no
    float arithmetic ever happens."""
    if isinstance(value, bool):
        raise InvalidQuantity(InvalidQuantity.FORMAT)
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, (int, Decimal)):
        value = str(value)
    if not isinstance(value, str):
        raise InvalidQuantity(InvalidQuantity.FORMAT)
    return parse_quantity(value)


def _ext_id(value) -> str | None:
    """An id sent as a string or a whole number (some tills number their products)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise TypeError
    return str(value).strip() or None


def parse_lines(items: Sequence[Mapping]) -> list[LineIn]:
    """Check every line at once, so the caller hears of every problem in one answer.

    Each item has quantity, unit_price (int) and optionally line_id (default: its position),
    product_id, category_id and name. A negative unit price (a deposit handed back) is allowed;
    such a line is never discounted.
    """
    errors: dict[str, str] = {}
    if not items:
        raise LinesInvalid({"lines": _("Add at least one line.")})
    if len(items) > MAX_LINES:
        raise LinesInvalid({"lines": _("A bill has at most %(n)d lines.", n=MAX_LINES)})
    out, seen = [], set()
    for i, item in enumerate(items):
        path = f"lines[{i}]"
        try:
            line_id = _ext_id(item.get("line_id")) or str(i + 1)
        except TypeError:
            errors[f"{path}.line_id"] = _("Send the id as a string or a whole number.")
            line_id = str(i + 1)
        if len(line_id) > EXTERNAL_ID_LENGTH:
            errors[f"{path}.line_id"] = _("A line id has at most %(n)d characters.", n=EXTERNAL_ID_LENGTH)
        elif line_id in seen:
            errors[f"{path}.line_id"] = _("Two lines have the id %(id)s; each line needs its own.", id=line_id)
        seen.add(line_id)
        ids = {}
        for name in ("product_id", "category_id"):
            try:
                ids[name] = _ext_id(item.get(name))
            except TypeError:
                errors[f"{path}.{name}"] = _("Send the id as a string or a whole number.")
                ids[name] = None
            if ids[name] is not None and len(ids[name]) > EXTERNAL_ID_LENGTH:
                errors[f"{path}.{name}"] = _("An id has at most %(n)d characters.", n=EXTERNAL_ID_LENGTH)
        try:
            qty = _quantity(item.get("quantity"))
        except InvalidQuantity as e:
            errors[f"{path}.quantity"] = quantity_message(e)
            qty = None
        price = item.get("unit_price")
        if isinstance(price, bool) or not isinstance(price, int):
            errors[f"{path}.unit_price"] = _("The unit price is a whole number of minor units (1250 for 12.50).")
        elif abs(price) > MAX_MINOR:
            errors[f"{path}.unit_price"] = _("The unit price is too large.")
        if qty is not None and f"{path}.unit_price" not in errors:
            out.append(LineIn(line_id, qty, price, ids["product_id"], ids["category_id"],
                              str(item.get("name") or "")[:MAX_NAME]))
    if errors:
        raise LinesInvalid(errors)
    return out


# --- matching the catalog ------------------------------------------------------------------
# Core statements with tenant_id bound explicitly (they bypass the ORM's tenant hook, as the
# POS scan does): a quote runs them on every call.

_p, _c = Product.__table__, Category.__table__
_TENANT = bindparam("tenant_id")
# The categories to chain: those the lines name and those of the products they name.
_seed = (select(_c.c.id, _c.c.external_id, _c.c.parent_id)
         .where(_c.c.tenant_id == _TENANT,
                or_(_c.c.external_id.in_(bindparam("categories", expanding=True)),
                    _c.c.id.in_(select(_p.c.category_id).where(_p.c.tenant_id == _TENANT,
                                                                  _p.c.external_id.in_(bindparam("products", expanding=True))))))
         .cte("chain", recursive=True))
_parent = _c.alias("parent")
# UNION, not UNION ALL: a cycle in a broken tree ends instead of looping.
_chain = _seed.union(select(_parent.c.id, _parent.c.external_id, _parent.c.parent_id)
                     .join(_seed, and_(_parent.c.tenant_id == _TENANT, _parent.c.id == _seed.c.parent_id)))
# One round trip for the whole catalog side of a bill: the products the lines name ("p" rows)
# and every category chain they reach ("c" rows).
_CATALOG = union_all(
    select(literal("p").label("kind"), _p.c.external_id, _p.c.discountable, _c.c.external_id.label("category"),
           cast(null(), Integer).label("id"), cast(null(), Integer).label("parent_id"))
    .select_from(_p.outerjoin(_c, and_(_c.c.tenant_id == _p.c.tenant_id, _c.c.id == _p.c.category_id)))
    .where(_p.c.tenant_id == _TENANT, _p.c.external_id.in_(bindparam("products", expanding=True))),
    select(literal("c"), _chain.c.external_id, cast(null(), Boolean), cast(null(), String), _chain.c.id,
           _chain.c.parent_id),
)


def _chains(rows) -> dict[str, tuple[str, ...]]:
    """Each known category's ancestors (external ids, parent first)."""
    by_id = {row.id: row for row in rows}
    out = {}
    for row in rows:
        chain, seen, parent = [], {row.id}, by_id.get(row.parent_id)
        while parent is not None and parent.id not in seen:
            chain.append(parent.external_id)
            seen.add(parent.id)
            parent = by_id.get(parent.parent_id)
        out[row.external_id] = tuple(chain)
    return out


def resolve(tenant_id: int, lines: Sequence[LineIn]) -> list[BillLine]:
    """The engine's lines: each with its category chain and discountability from the catalog."""
    product_ids = sorted({line.product_id for line in lines if line.product_id is not None})
    category_ids = sorted({line.category_id for line in lines if line.category_id is not None})
    products, categories = {}, []
    if product_ids or category_ids:
        params = {"tenant_id": tenant_id, "products": product_ids, "categories": category_ids}
        for row in db.session.connection().execute(_CATALOG, params):
            if row.kind == "p":
                products[row.external_id] = row
            else:
                categories.append(row)
    chains = _chains(categories)
    out = []
    for line in lines:
        known = products.get(line.product_id)
        category = line.category_id or (known.category if known is not None else None)
        discountable = (known is None or known.discountable) and line.unit_price >= 0
        out.append(BillLine(line.line_id, line.quantity, line.unit_price, line.product_id, category,
                            chains.get(category, ()), discountable))
    return out
