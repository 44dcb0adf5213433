"""The catalog imported from CSV or Excel: the same upsert as the POS's PUT, fed from a table.

The upload is kept as a draft run like the customer import's (services/imports/drafts.py) and
read by panel.tabular; this module says which column is what, reads the rows into upload
items, and reports every unreadable row by its number in the file before anything is written.
A row is a product; its category (an id, a name, or both) is created or renamed on the way.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...extensions import db
from ...models import Category
from ...money import InvalidAmount, parse_amount
from ...tabular import Limits, column_letter
from .. import ServiceError
from ..imports.columns import fold_header
from . import sync
from .items import MAX_ITEMS, external_id, vat_rate

KIND = "catalog_import"
DRAFT_KIND = "catalog_import_draft"
PREVIEW_ROWS = 20
LIMITS = Limits(rows=MAX_ITEMS)
MAX_SHOWN_ERRORS = 20

TARGETS: dict[str, object] = {
    "product_id": _l("Product id (POS)"),
    "name": _l("Product name"),
    "category_id": _l("Category id (POS)"),
    "category_name": _l("Category name"),
    "price": _l("Price (gross)"),
    "vat_rate": _l("VAT rate"),
    "discountable": _l("Discountable"),
    "earns_points": _l("Earns points"),
}
REQUIRED = ("product_id", "name")

_SYNONYMS = {
    "product_id": ("id", "product id", "id produktu", "kod produktu", "kod", "sku", "plu", "id produktu pos",
                   "kód", "kód produktu", "id položky", "product code", "code"),
    "name": ("nazwa", "nazwa produktu", "produkt", "towar", "název", "název produktu", "položka", "name",
             "product", "product name"),
    "category_id": ("id kategorii", "kod kategorii", "id kategorie", "kód kategorie", "category id",
                    "category code"),
    "category_name": ("kategoria", "nazwa kategorii", "kategorie", "název kategorie", "category",
                      "category name", "grupa", "skupina"),
    "price": ("cena", "cena brutto", "cena sprzedaży", "cena s dph", "prodejní cena", "price", "gross price",
              "unit price"),
    "vat_rate": ("vat", "stawka vat", "vat %", "dph", "sazba dph", "vat rate", "tax rate"),
    "discountable": ("rabatowany", "rabat", "zniżki", "podlega rabatom", "sleva", "slevy", "discountable",
                     "discount"),
    "earns_points": ("punkty", "nalicza punkty", "body", "sbírá body", "earns points", "points"),
}
_FOLDED = {target: {fold_header(w) for w in words} for target, words in _SYNONYMS.items()}
_YES = {"1", "y", "yes", "true", "t", "tak", "ano", "a", "x", "✓", "prawda"}
_NO = {"0", "n", "no", "false", "f", "nie", "ne", "fałsz", "-"}


def guess_mapping(headers: list[str]) -> list[str]:
    """A target for each column from its header ("" for none); each target once."""
    mapping, used = [], set()
    for header in headers:
        folded = fold_header(header)
        target = next((t for t, words in _FOLDED.items() if folded in words and t not in used), "")
        used.add(target)
        mapping.append(target)
    return mapping


def check_mapping(mapping: list[str]) -> dict[str, str]:
    """{input name: message} for what must be fixed on the mapping page."""
    errors, seen = {}, {}
    for i, target in enumerate(mapping):
        if target in seen:
            errors[f"col-{i}"] = _("“%(target)s” is already chosen for column %(letter)s.",
                                   target=TARGETS[target], letter=column_letter(seen[target]))
        elif target:
            seen[target] = i
    missing = [str(TARGETS[t]) for t in REQUIRED if t not in seen]
    if missing:
        errors["mapping"] = _("Choose the columns with: %(fields)s.", fields=", ".join(missing))
    return errors


@dataclass
class Row:
    number: int                           # the row's number in the file, as the spreadsheet shows it
    product: dict | None = None
    category: dict | None = None
    errors: list[str] = field(default_factory=list)


@dataclass
class Parsed:
    rows: list[Row]
    categories: list[dict]
    products: list[dict]

    @property
    def failed(self) -> list[Row]:
        return [r for r in self.rows if r.errors]


def parse(rows: Iterable[tuple[int, list[str]]], mapping: list[str], currency: str) -> Parsed:
    """The table's rows as upload items, each row's problems in words."""
    col = {target: i for i, target in enumerate(mapping) if target}
    by_name = {c.name.casefold(): c.external_id for c in db.session.scalars(select(Category))}
    categories: dict[str, dict] = {}
    out, products, product_rows = [], [], {}

    def cell(cells: list[str], target: str) -> str:
        i = col.get(target)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    for number, cells in rows:
        row = Row(number)
        out.append(row)
        item: dict = {}
        _put(row, item, "id", external_id, cell(cells, "product_id"), _("Product id"))
        name = " ".join(cell(cells, "name").split())
        if not name:
            row.errors.append(_("The product's name is empty."))
        item["name"] = name
        cat_id, cat_name = cell(cells, "category_id"), " ".join(cell(cells, "category_name").split())
        if cat_id or cat_name:
            # A name alone finds the category of that name, or makes one with the name as its id.
            ext = cat_id or by_name.get(cat_name.casefold()) or cat_name[:64]
            _put(row, item, "category_id", external_id, ext, _("Category id"))
            if cat_name and "category_id" in item:
                row.category = {"id": item["category_id"], "name": cat_name}
        if text := cell(cells, "price"):
            try:
                item["price"] = parse_amount(text, currency)
                if item["price"] < 0:
                    row.errors.append(_("The price cannot be negative."))
            except InvalidAmount:
                row.errors.append(_("“%(value)s” is not a price, e.g. 12,50.", value=text))
        if text := cell(cells, "vat_rate"):
            _put(row, item, "vat_rate", vat_rate, text, _("VAT rate"))
        for flag in ("discountable", "earns_points"):
            if text := cell(cells, flag):
                folded = text.casefold()
                if folded in _YES or folded in _NO:
                    item[flag] = folded in _YES
                else:
                    row.errors.append(_("“%(value)s” in %(column)s is neither yes nor no.",
                                        value=text, column=TARGETS[flag]))
        if "id" in item and item["id"] in product_rows:
            row.errors.append(_("The product id %(id)s is also on row %(row)d.", id=item["id"],
                                row=product_rows[item["id"]]))
        if not row.errors:
            product_rows[item["id"]] = number
            row.product = item
            products.append(item)
            if row.category:
                categories[row.category["id"]] = row.category
    return Parsed(out, list(categories.values()), products)


def _put(row: Row, item: dict, key: str, check: Callable, text: str, label: str) -> None:
    """item[key] = check(text), or the check's refusal among the row's errors."""
    try:
        item[key] = check(text, label)
    except ServiceError as e:
        row.errors.append(e.message)


def run(parsed: Parsed) -> sync.Result:
    """Upsert what the file holds; a refusal names the file's row, not the upload's index."""
    if parsed.failed:
        raise ServiceError(summary(parsed.failed))
    try:
        return sync.upsert(parsed.categories, parsed.products, source="import")
    except ServiceError as e:
        rows = [r for r in parsed.rows if r.product is not None]
        if e.field and e.field.startswith("products["):
            index = int(e.field[len("products["):].split("]", 1)[0])
            e.message = _("Row %(row)d: %(message)s", row=rows[index].number, message=e.message)
        raise


def summary(failed: list[Row]) -> str:
    """Nothing imported, and why: the first rows' problems."""
    shown = "; ".join(_("row %(row)d: %(message)s", row=r.number, message=" ".join(r.errors))
                      for r in failed[:MAX_SHOWN_ERRORS])
    more = len(failed) - MAX_SHOWN_ERRORS
    text = _("Nothing was imported: %(n)d rows cannot be read (%(rows)s).", n=len(failed), rows=shown)
    return text + (" " + _("And %(n)d more.", n=more) if more > 0 else "")
