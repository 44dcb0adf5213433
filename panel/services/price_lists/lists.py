"""A price list's life: created, renamed or re-dated, and removed (deleted, or archived once a group
grants it).

Every change to a list or to its entries goes through `touch()`, which moves `updated_at` on:
the quote caches the lists it built keyed by (id, updated_at), so a change that left it alone
would keep serving the old prices. `touch()` also flushes the list's row at once, so the
UPDATE takes the row's lock before the change reads anything: two changes to one list queue
up instead of both deciding from what neither has written yet.
"""
from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, exists, select

from ...extensions import db
from ...models import GroupPriceList, PriceList, PriceListEntry
from ...models.base import aware, utcnow
from .. import ServiceError, audit
from ..naming import name_key
from .rules import EntryInput, check_name, check_validity

FIELDS = ["name", "valid_from", "valid_to"]
TICK = timedelta(microseconds=1)


def touch(price_list: PriceList) -> None:
    """Mark the list changed (always later than before) and take its row lock."""
    now = utcnow()
    before = aware(price_list.updated_at)
    price_list.updated_at = now if before is None or now > before else before + TICK
    db.session.flush()


def _name_taken(key: str, but: int | None = None) -> bool:
    stmt = select(PriceList.id).where(PriceList.name_key == key, PriceList.archived_at.is_(None))
    if but is not None:
        stmt = stmt.where(PriceList.id != but)
    return db.session.scalar(stmt.limit(1)) is not None


def name_taken_error() -> ServiceError:
    return ServiceError(_("A price list with this name exists already. Choose another name."),
                        field="name", code="conflict")


def refuse_archived(price_list: PriceList) -> None:
    if price_list.archived_at is not None:
        raise ServiceError(_("This price list is archived and can no longer be changed."), code="conflict")


def create(name: str, valid_from: date | None = None, valid_to: date | None = None,
           entries: list[EntryInput] | None = None) -> PriceList:
    from .entries import replace_entries

    name = check_name(name)
    check_validity(valid_from, valid_to)
    key = name_key(name)
    if _name_taken(key):
        raise name_taken_error()
    price_list = PriceList(name=name, name_key=key, valid_from=valid_from, valid_to=valid_to)
    db.session.add(price_list)
    db.session.flush()
    audit.record("price_list.created", "price_list", price_list.id, name)
    if entries:
        replace_entries(price_list, entries, record=False)
    return price_list


def update(price_list: PriceList, **changes) -> bool:
    """Change the name and/or validity (only the keys given); True when something changed."""
    refuse_archived(price_list)
    before = audit.snapshot(price_list, FIELDS)
    if "name" in changes:
        name = check_name(changes["name"])
        key = name_key(name)
        if key != price_list.name_key and _name_taken(key, but=price_list.id):
            raise name_taken_error()
        price_list.name, price_list.name_key = name, key
    valid_from = changes.get("valid_from", price_list.valid_from)
    valid_to = changes.get("valid_to", price_list.valid_to)
    check_validity(valid_from, valid_to)
    price_list.valid_from, price_list.valid_to = valid_from, valid_to
    diff = audit.diff(price_list, FIELDS, before)
    if not diff:
        return False
    touch(price_list)
    audit.record("price_list.updated", "price_list", price_list.id, price_list.name, changes=diff)
    return True


def granted(price_list: PriceList) -> bool:
    return bool(db.session.scalar(select(exists().where(GroupPriceList.price_list_id == price_list.id))))


def remove(price_list: PriceList) -> str:
    """Delete a list no group grants; archive one a group grants (its members' prices stop
    applying, the group's page still shows what it granted). Returns "deleted" or "archived"."""
    if price_list.archived_at is not None:
        return "archived"
    if granted(price_list):
        price_list.archived_at = utcnow()
        touch(price_list)
        audit.record("price_list.archived", "price_list", price_list.id, price_list.name)
        return "archived"
    audit.record("price_list.deleted", "price_list", price_list.id, price_list.name)
    # The entries first, in one statement: SQLite may run without its foreign keys' cascade.
    db.session.execute(delete(PriceListEntry).where(PriceListEntry.price_list_id == price_list.id)
                       .execution_options(synchronize_session=False))
    db.session.delete(price_list)
    db.session.flush()
    return "deleted"
