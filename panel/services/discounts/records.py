"""Creating, changing, archiving and deleting discounts; every change in the audit log."""
from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext as _
from sqlalchemy import delete as sql_delete

from ...extensions import db
from ...models import Discount, DiscountTarget, DiscountWindow
from ...models.base import utcnow
from ...models.discounts import days_mask
from .. import ServiceError, audit, conflicts
from ..naming import name_key
from .listing import plain_fields, used
from .validation import Values, name_taken, validate

AUDITED = ("name", "percent", "amount", "scope", "category_ids", "product_ids", "excluded_category_ids",
           "excluded_product_ids", "selectable", "valid_from", "valid_to", "weekly", "min_bill")


def _name_taken() -> ServiceError:
    # Two saves with one name at the same moment: the unique index keeps the first.
    return ServiceError(_("Another discount with this name was saved at the same moment. Choose another name."),
                        field="name", code="conflict")


conflicts.register("uq_discounts_tenant_name_key", _name_taken)


def create(data: Mapping, *, currency: str = "PLN") -> Discount:
    """A new discount. Raises DiscountInvalid (every field at fault), or category/product_not_found."""
    values = validate(data, currency=currency)
    d = Discount()
    _apply(d, values)
    db.session.add(d)
    db.session.flush()
    _replace_rules(d, values)
    audit.record("discount.created", "discount", d.id, summary=d.name, changes=_audited(plain_fields(d)))
    return d


def update(d: Discount, data: Mapping, *, currency: str = "PLN") -> Discount:
    """Change the keys given in `data`; the others keep their value."""
    before = _audited(plain_fields(d))
    values = validate(data, current=d, currency=currency)
    _apply(d, values)
    _replace_rules(d, values)
    db.session.flush()
    after = _audited(plain_fields(d))
    changes = {k: [before[k], after[k]] for k in AUDITED if before[k] != after[k]}
    if changes:
        audit.record("discount.updated", "discount", d.id, summary=d.name, changes=changes)
    return d


def archive(d: Discount) -> None:
    """Off every bill and picker; kept for the groups and documents that name it."""
    if d.archived_at is not None:
        return
    d.archived_at = utcnow()
    db.session.flush()
    audit.record("discount.archived", "discount", d.id, summary=d.name)


def unarchive(d: Discount) -> None:
    """Back in use, unless a live discount has taken its name meanwhile."""
    if d.archived_at is None:
        return
    if name_taken(d.name, d):
        raise ServiceError(_("Another discount is already called %(name)s. Rename it first.", name=d.name),
                           field="name", code="conflict")
    d.archived_at = None
    db.session.flush()
    audit.record("discount.restored", "discount", d.id, summary=d.name)


def delete(d: Discount) -> bool:
    """Delete a discount nothing uses; one in use is archived. True when it was deleted."""
    if used(d):
        archive(d)
        return False
    audit.record("discount.deleted", "discount", d.id, summary=d.name, changes=_audited(plain_fields(d)))
    db.session.delete(d)  # targets and windows go with it (ON DELETE CASCADE)
    db.session.flush()
    return True


def _apply(d: Discount, v: Values) -> None:
    d.name, d.name_key = v.name, name_key(v.name)
    d.percent, d.amount, d.scope = v.percent, v.amount, v.scope
    d.selectable, d.valid_from, d.valid_to, d.min_bill = v.selectable, v.valid_from, v.valid_to, v.min_bill


def _replace_rules(d: Discount, v: Values) -> None:
    """Targets and windows are small sets saved whole: replaced, not diffed."""
    db.session.execute(sql_delete(DiscountTarget).where(DiscountTarget.discount_id == d.id))
    db.session.execute(sql_delete(DiscountWindow).where(DiscountWindow.discount_id == d.id))
    rows = ([DiscountTarget(discount_id=d.id, category_id=c.id, excluded=False) for c in v.categories]
            + [DiscountTarget(discount_id=d.id, product_id=p.id, excluded=False) for p in v.products]
            + [DiscountTarget(discount_id=d.id, category_id=c.id, excluded=True) for c in v.excluded_categories]
            + [DiscountTarget(discount_id=d.id, product_id=p.id, excluded=True) for p in v.excluded_products]
            + [DiscountWindow(discount_id=d.id, days=days_mask(w.days), starts=w.start, ends=w.end)
               for w in v.weekly])
    db.session.add_all(rows)
    db.session.flush()


def _audited(fields: dict) -> dict:
    """The fields as the audit log keeps them: JSON plain values."""
    out = {}
    for k in AUDITED:
        value = fields[k]
        out[k] = value if value is None or isinstance(value, (str, int, bool, list)) else str(value)
    return out
