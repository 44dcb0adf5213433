"""A price list's entries: all replaced at once (the API, an import) or one at a time (the panel).

Lists run to thousands of entries, so a replacement is set-based: the POS's ids resolved with
one query per kind (catalog/refs.py: an unknown id is 404 product_not_found /
category_not_found), the old entries gone in one DELETE, the new ones in one executemany
INSERT. Every change touches the list first (lists.touch: updated_at for the quote's cache,
and the list's row lock, so two changes to one list queue up).
"""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import delete, func, insert, select

from ...extensions import db
from ...models import PriceList, PriceListEntry
from ...tenancy import require_tenant_id
from .. import ServiceError, audit
from ..catalog import refs
from .lists import refuse_archived, touch
from .rules import MAX_ENTRIES, EntryInput, check_entries, entry_problem


def _resolve(entries: list[EntryInput], field: str) -> list[dict]:
    """The entries as rows of this tenant's catalog (our ids); refuses an unknown POS id."""
    product_ids = [e.product for e in entries if e.product is not None]
    category_ids = [e.category for e in entries if e.category is not None]
    try:
        products = refs.products(product_ids)
        categories = refs.categories(category_ids)
    except ServiceError as e:
        missing = e.details.get("id")
        kind = "product" if e.code == "product_not_found" else "category"
        index = next(i for i, entry in enumerate(entries) if getattr(entry, kind) == missing)
        e.field = f"{field}.{index}.{kind}_id"
        raise
    return [{"product_id": products[e.product].id if e.product is not None else None,
             "category_id": categories[e.category].id if e.category is not None else None,
             "unit_price": e.unit_price, "percent": e.percent} for e in entries]


def replace_entries(price_list: PriceList, entries: list[EntryInput], *, record: bool = True,
                    field: str = "entries", labels: list[str] | None = None) -> int:
    """The list's entries become exactly `entries`; returns how many."""
    refuse_archived(price_list)
    rows = _resolve(entries, field)  # another tenant's ids first: a 404, whatever else is wrong
    check_entries(entries, labels=labels, field=field)
    touch(price_list)
    tenant_id = require_tenant_id()
    db.session.execute(delete(PriceListEntry).where(PriceListEntry.price_list_id == price_list.id)
                       .execution_options(synchronize_session=False))
    if rows:
        db.session.execute(insert(PriceListEntry),
                           [{**row, "tenant_id": tenant_id, "price_list_id": price_list.id} for row in rows])
    if record:
        audit.record("price_list.entries_replaced", "price_list", price_list.id,
                     _("%(name)s: %(n)d entries", name=price_list.name, n=len(rows)))
    return len(rows)


def merge_entries(price_list: PriceList, entries: list[EntryInput], *, labels: list[str] | None = None,
                  field: str = "entries") -> tuple[int, int]:
    """Add the entries; a product or category already on the list takes the new value.

    Returns (added, changed). Set-based like replace_entries: what is on the list is read once.
    """
    refuse_archived(price_list)
    rows = _resolve(entries, field)  # another tenant's ids first: a 404, whatever else is wrong
    check_entries(entries, labels=labels, field=field)
    touch(price_list)
    existing = {(e.product_id, e.category_id): e for e in db.session.scalars(
        select(PriceListEntry).where(PriceListEntry.price_list_id == price_list.id))}
    if len(existing) + sum((r["product_id"], r["category_id"]) not in existing for r in rows) > MAX_ENTRIES:
        raise ServiceError(_("A price list holds at most %(n)d entries.", n=MAX_ENTRIES), field=field)
    tenant_id = require_tenant_id()
    added, changed = [], 0
    for row in rows:
        entry = existing.get((row["product_id"], row["category_id"]))
        if entry is None:
            added.append({**row, "tenant_id": tenant_id, "price_list_id": price_list.id})
        elif (entry.unit_price, entry.percent) != (row["unit_price"], row["percent"]):
            entry.unit_price, entry.percent = row["unit_price"], row["percent"]
            changed += 1
    db.session.flush()
    if added:
        db.session.execute(insert(PriceListEntry), added)
    return len(added), changed


def add_entry(price_list: PriceList, entry: EntryInput) -> PriceListEntry:
    """One more entry; a product or category the list has already is refused (edit that one)."""
    refuse_archived(price_list)
    _refuse(entry)
    row = _resolve([entry], "entry")[0]
    touch(price_list)  # the lock first: a concurrent add of the same product is seen below
    column = PriceListEntry.product_id if row["product_id"] is not None else PriceListEntry.category_id
    value = row["product_id"] if row["product_id"] is not None else row["category_id"]
    if db.session.scalar(select(PriceListEntry.id).where(PriceListEntry.price_list_id == price_list.id,
                                                         column == value)) is not None:
        raise already_listed(entry.product is not None)
    if db.session.scalar(select(func.count()).select_from(PriceListEntry)
                         .where(PriceListEntry.price_list_id == price_list.id)) >= MAX_ENTRIES:
        raise ServiceError(_("A price list holds at most %(n)d entries.", n=MAX_ENTRIES), field="item")
    created = PriceListEntry(price_list_id=price_list.id, **row)
    db.session.add(created)
    db.session.flush()
    audit.record("price_list.entry_added", "price_list", price_list.id, _describe(price_list, entry))
    return created


def already_listed(product: bool = True) -> ServiceError:
    return ServiceError(_("This product is on the list already: change its price in its row.") if product else
                        _("This category is on the list already: change its percent in its row."),
                        field="item", code="conflict")


def update_entry(price_list: PriceList, entry: PriceListEntry, *, unit_price: int | None = None,
                 percent: Decimal | None = None) -> bool:
    """A new price (product entry) or percent (category entry); True when it changed."""
    refuse_archived(price_list)
    is_product = entry.product_id is not None
    proposed = EntryInput(product="-" if is_product else None, category=None if is_product else "-",
                          unit_price=unit_price, percent=percent)
    _refuse(proposed, field="value")
    before = (entry.unit_price, entry.percent)
    if before == (unit_price, percent):
        return False
    entry.unit_price, entry.percent = unit_price, percent
    touch(price_list)
    audit.record("price_list.entry_updated", "price_list", price_list.id, price_list.name,
                 changes={"unit_price" if is_product else "percent":
                          [_plain(before[0] if is_product else before[1]), _plain(unit_price if is_product else percent)]})
    return True


def remove_entry(price_list: PriceList, entry: PriceListEntry) -> None:
    refuse_archived(price_list)
    touch(price_list)
    audit.record("price_list.entry_removed", "price_list", price_list.id, price_list.name,
                 changes={"product_id": entry.product_id, "category_id": entry.category_id,
                          "unit_price": entry.unit_price, "percent": _plain(entry.percent)})
    db.session.delete(entry)
    db.session.flush()


def _refuse(entry: EntryInput, field: str | None = None) -> None:
    problem = entry_problem(entry)
    if problem is not None:
        raise ServiceError(problem[1], field=field or ("item" if problem[0] in ("product_id", "category_id")
                                                        else "value"))


def _plain(value):
    return None if value is None else (str(value) if isinstance(value, Decimal) else value)


def _describe(price_list: PriceList, entry: EntryInput) -> str:
    what = entry.product if entry.product is not None else entry.category
    return f"{price_list.name}: {what}"

