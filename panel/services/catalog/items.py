"""A catalog upload (the API's PUT, an import) checked item by item before anything is written.

Pure: no database. Every problem names the item's index and field the way the caller sent
them (`products[12].price`), so a POS integrator finds the line at once. Fields an item leaves
out are told apart from fields sent as null: a sync from a POS that does not know our flags
must not reset what the manager set in the panel (see sync.py).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _

from ...models.catalog import EXTERNAL_ID_LENGTH
from ...money import MAX_MINOR, InvalidPercent, parse_percent
from .. import ServiceError

MAX_ITEMS = 10_000       # per list, per call: a big restaurant's whole menu in one request
NAME_LENGTH = 200
VAT_PLACES = 2           # the column keeps 23, 8, 5.5: two decimals

PRODUCT_FIELDS = ("name", "category", "price", "vat_rate", "discountable", "earns_points", "archived")
CATEGORY_FIELDS = ("name", "parent", "archived")


@dataclass(frozen=True)
class CategoryItem:
    index: int
    external_id: str
    values: dict  # name, and parent (an external id or None), archived, when sent


@dataclass(frozen=True)
class ProductItem:
    index: int
    external_id: str
    values: dict  # name, and category (an external id or None), price, vat_rate, flags, when sent


def check(categories: Sequence[Mapping], products: Sequence[Mapping]) -> tuple[list[CategoryItem], list[ProductItem]]:
    """The upload's items, each checked; the first problem is raised as a 422 `invalid`."""
    for kind, items in (("categories", categories), ("products", products)):
        if len(items) > MAX_ITEMS:
            raise ServiceError(_("Send at most %(n)d items in %(list)s per call.", n=MAX_ITEMS, list=kind),
                               field=kind)
    cats = [CategoryItem(i, *_category(f"categories[{i}]", item)) for i, item in enumerate(categories)]
    prods = [ProductItem(i, *_product(f"products[{i}]", item)) for i, item in enumerate(products)]
    _unique(cats, "categories")
    _unique(prods, "products")
    return cats, prods


def _category(where: str, item: Mapping) -> tuple[str, dict]:
    ext = external_id(item.get("id"), f"{where}.id")
    values = {"name": _name(item.get("name"), f"{where}.name")}
    if "parent_id" in item:
        parent = item["parent_id"]
        values["parent"] = None if parent is None else external_id(parent, f"{where}.parent_id")
        if values["parent"] == ext:
            raise ServiceError(_("A category cannot be its own parent."), field=f"{where}.parent_id")
    if "archived" in item:
        values["archived"] = _flag(item["archived"], f"{where}.archived")
    return ext, values


def _product(where: str, item: Mapping) -> tuple[str, dict]:
    ext = external_id(item.get("id"), f"{where}.id")
    values = {"name": _name(item.get("name"), f"{where}.name")}
    if "category_id" in item:
        category = item["category_id"]
        values["category"] = None if category is None else external_id(category, f"{where}.category_id")
    if "price" in item:
        values["price"] = price(item["price"], f"{where}.price")
    if "vat_rate" in item:
        values["vat_rate"] = vat_rate(item["vat_rate"], f"{where}.vat_rate")
    for flag in ("discountable", "earns_points", "archived"):
        if flag in item:
            values[flag] = _flag(item[flag], f"{where}.{flag}")
    return ext, values


def external_id(value, field: str) -> str:
    """The POS's id: a string (a whole number is taken as its digits), trimmed, 1-64 characters."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise ServiceError(_("%(field)s is required: the id your POS gives it.", field=field), field=field)
    value = value.strip()
    if len(value) > EXTERNAL_ID_LENGTH:
        raise ServiceError(_("%(field)s has at most %(n)d characters.", field=field, n=EXTERNAL_ID_LENGTH),
                           field=field)
    return value


def _name(value, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ServiceError(_("%(field)s is required.", field=field), field=field)
    value = " ".join(value.split())
    if len(value) > NAME_LENGTH:
        raise ServiceError(_("%(field)s has at most %(n)d characters.", field=field, n=NAME_LENGTH), field=field)
    return value


def price(value, field: str) -> int | None:
    """Gross unit price in minor units: a whole number from 0, or null for "priced at the till"."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_MINOR:
        raise ServiceError(_("%(field)s must be a whole number of minor units (grosze), 0 or more.", field=field),
                           field=field)
    return value


def vat_rate(value, field: str) -> Decimal | None:
    """A VAT rate in percent, exact: "23", "5.5", 8; 0 to 100 with at most two decimals; or null."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise ServiceError(_("%(field)s must be a percent from 0 to 100, e.g. \"23\" or \"5.5\".", field=field),
                           field=field)
    try:
        rate = parse_percent(str(value))  # a JSON 5.5 arrives as float; its shortest repr is exact
    except InvalidPercent:
        rate = None
    if rate is None or -rate.as_tuple().exponent > VAT_PLACES:
        raise ServiceError(_("%(field)s must be a percent from 0 to 100, e.g. \"23\" or \"5.5\".", field=field),
                           field=field)
    return rate


def _flag(value, field: str) -> bool:
    if not isinstance(value, bool):
        raise ServiceError(_("Send %(field)s as true or false.", field=field), field=field)
    return value


def _unique(items: Sequence[CategoryItem | ProductItem], kind: str) -> None:
    seen: dict[str, int] = {}
    for item in items:
        if item.external_id in seen:
            raise ServiceError(
                _("The id %(id)s appears twice in %(list)s (items %(first)d and %(second)d).",
                  id=item.external_id, list=kind, first=seen[item.external_id], second=item.index),
                field=f"{kind}[{item.index}].id")
        seen[item.external_id] = item.index
