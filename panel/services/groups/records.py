"""A group's own record: name (unique per tenant, case-insensitive), colour, note, and the
discounts and price lists it grants."""
from __future__ import annotations

import re
from typing import Mapping

from flask_babel import gettext as _
from sqlalchemy import delete as sa_delete
from sqlalchemy import func, select

from ...extensions import db
from ...models import Customer, CustomerGroup, Discount, GroupDiscount, GroupPriceList, PriceList
from ...models.base import row_id
from ...models.groups import DEFAULT_COLOUR
from .. import ServiceError, audit, conflicts
from ..customers.validation import single_line
from ..naming import name_key

# Pleasant defaults the form offers as swatches: dark enough for white text on a badge.
PALETTE = ("#2f6f4f", "#1f6feb", "#8250df", "#bf3989", "#cf222e", "#bc4c00", "#9a6700", "#57606a")
_COLOUR = re.compile(r"#[0-9a-f]{6}")
MAX_NAME = CustomerGroup.__table__.c.name.type.length
MAX_NOTE = 2000
MAX_GRANTS = 200
AUDITED = ["name", "colour", "note"]


class GroupInvalid(ServiceError):
    """The group's fields broke rules; `errors` maps field -> translated message."""

    def __init__(self, errors: dict[str, str]):
        first_field, first_message = next(iter(errors.items()))
        super().__init__(first_message, field=first_field)
        self.errors = errors


def _name_taken() -> ServiceError:
    return ServiceError(_("Another group already has this name."), field="name", code="conflict")


# Two requests creating (or renaming to) one name at once: the index keeps one, the other reads this.
conflicts.register("uq_customer_groups_tenant_id_name_key", _name_taken)


def get(group_id) -> CustomerGroup:
    """The tenant's group by our id, else ServiceError group_not_found (the API's 404)."""
    found = db.session.get(CustomerGroup, known) if (known := row_id(group_id)) else None
    if found is None:
        raise ServiceError(_("No customer group has this id."), field="group_id", code="group_not_found")
    return found


def _clean(data: Mapping, current: CustomerGroup | None) -> tuple[dict, dict[str, str]]:
    """The given fields checked and normalised; fields not given keep the current values."""
    errors: dict[str, str] = {}
    values: dict = {}
    if "name" in data or current is None:
        name = single_line(data.get("name"))
        if not name:
            errors["name"] = _("Enter the group's name.")
        elif len(name) > MAX_NAME:
            errors["name"] = _("At most %(n)d characters.", n=MAX_NAME)
        values["name"] = name
    if "colour" in data or current is None:
        colour = str(data.get("colour") or "").strip().lower() or DEFAULT_COLOUR
        if not _COLOUR.fullmatch(colour):
            errors["colour"] = _("Choose a colour, or write one like #2f6f4f.")
        values["colour"] = colour
    if "note" in data or current is None:
        note = str(data.get("note") or "").replace("\r\n", "\n").strip()
        if len(note) > MAX_NOTE:
            errors["note"] = _("At most %(n)d characters.", n=MAX_NOTE)
        values["note"] = note
    if "name" in values and "name" not in errors:
        taken = select(CustomerGroup.id).where(CustomerGroup.name_key == name_key(values["name"]))
        if current is not None:
            taken = taken.where(CustomerGroup.id != current.id)
        if db.session.scalar(taken.limit(1)) is not None:
            raise _name_taken()
    return values, errors


def _grants(data: Mapping, key: str, model, code: str, current_ids: set[int]) -> list[int] | None:
    """The ids to grant under `key` (None: not given). Unknown or another tenant's: 404 `code`;
    an archived one cannot be newly granted (one already granted may stay)."""
    if key not in data:
        return None
    raw = data.get(key) or []
    if isinstance(raw, (str, int)):
        raw = [raw]
    ids = []
    for value in list(raw)[:MAX_GRANTS + 1]:
        known = row_id(value)
        if known is None:
            raise ServiceError(_("Choose from the list."), field=key)
        if known not in ids:
            ids.append(known)
    if len(ids) > MAX_GRANTS:
        raise ServiceError(_("At most %(n)d.", n=MAX_GRANTS), field=key)
    rows = {r.id: r for r in db.session.scalars(select(model).where(model.id.in_(ids)))} if ids else {}
    missing = [i for i in ids if i not in rows]
    if missing:
        what = _("No discount has this id.") if model is Discount else _("No price list has this id.")
        raise ServiceError(what, field=key, code=code, details={"id": missing[0]})
    archived = [rows[i].name for i in ids if rows[i].archived_at is not None and i not in current_ids]
    if archived:
        raise ServiceError(_("%(name)s is archived and cannot be granted.", name=archived[0]), field=key)
    return ids


def _granted(link, column, group_id: int) -> set[int]:
    return set(db.session.scalars(select(column).where(link.group_id == group_id)))


def _set_grants(group: CustomerGroup, link, column, ids: list[int]) -> tuple[list[int], list[int]]:
    current = _granted(link, column, group.id)
    added, removed = [i for i in ids if i not in current], sorted(current - set(ids))
    if removed:
        db.session.execute(sa_delete(link).where(link.group_id == group.id, column.in_(removed)))
    for i in added:
        db.session.add(link(group_id=group.id, **{column.key: i}))
    return added, removed


def _apply(group: CustomerGroup, data: Mapping, values: dict, creating: bool) -> dict:
    """Write the fields and the grants; returns the grants' changes for the audit entry."""
    current_discounts = set() if creating else _granted(GroupDiscount, GroupDiscount.discount_id, group.id)
    current_lists = set() if creating else _granted(GroupPriceList, GroupPriceList.price_list_id, group.id)
    discount_ids = _grants(data, "discount_ids", Discount, "discount_not_found", current_discounts)
    price_list_ids = _grants(data, "price_list_ids", PriceList, "price_list_not_found", current_lists)
    for name, value in values.items():
        setattr(group, name, value)
    if "name" in values:
        group.name_key = name_key(values["name"])
    if creating:
        db.session.add(group)
    db.session.flush()
    changes = {}
    for key, ids, link, column in (("discounts", discount_ids, GroupDiscount, GroupDiscount.discount_id),
                                   ("price_lists", price_list_ids, GroupPriceList, GroupPriceList.price_list_id)):
        if ids is not None:
            added, removed = _set_grants(group, link, column, ids)
            if added or removed:
                changes[key] = {"added": added, "removed": removed}
    db.session.flush()
    return changes


def create(data: Mapping) -> CustomerGroup:
    """A new group from name, colour, note, discount_ids, price_list_ids.

    Raises GroupInvalid (422) for its fields, ServiceError conflict (409) for a name another
    group has, discount_not_found / price_list_not_found (404) for an id not of this tenant.
    """
    values, errors = _clean(data, None)
    if errors:
        raise GroupInvalid(errors)
    group = CustomerGroup()
    grants = _apply(group, data, values, creating=True)
    audit.record("group.created", "group", group.id, summary=group.name,
                 changes={**{k: [None, v] for k, v in values.items()}, **grants})
    return group


def update(group: CustomerGroup, data: Mapping) -> dict:
    """Change the given fields and grants only; returns what changed (also audited)."""
    values, errors = _clean(data, group)
    if errors:
        raise GroupInvalid(errors)
    before = audit.snapshot(group, AUDITED)
    grants = _apply(group, data, values, creating=False)
    changes = {**audit.diff(group, AUDITED, before), **grants}
    if changes:
        audit.record("group.updated", "group", group.id, summary=group.name, changes=changes)
    return changes


def delete(group: CustomerGroup) -> int:
    """Delete the group; its members fall out of it (the database sets their group_id to NULL).

    Returns how many customers fell out (archived ones included); the audit entry says so.
    """
    members = db.session.scalar(select(func.count()).select_from(Customer)
                                .where(Customer.group_id == group.id)) or 0
    group_id, name = group.id, group.name
    db.session.delete(group)
    db.session.flush()
    # The rows changed in the database: customers loaded in this session must not keep the old id.
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Customer) and obj.group_id == group_id:
            db.session.expire(obj, ["group_id"])
    audit.record("group.deleted", "group", group_id, summary=name, changes={"name": name, "members": members})
    return members
