"""A customer's record: create, update, archive, restore, and its history."""
from __future__ import annotations

from typing import Mapping

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select

from ...extensions import db
from ...models import AuditEntry, Customer
from ...models.base import utcnow
from .. import ServiceError, audit
from .validation import EDITABLE_FIELDS, CustomerInvalid, refresh_derived, validate

AUDITED_FIELDS = list(EDITABLE_FIELDS) + ["marketing_consent_at"]


def _apply(c: Customer, values: dict) -> None:
    had_consent = bool(c.marketing_consent)
    for name in EDITABLE_FIELDS:
        setattr(c, name, values[name])
    c.phone_digits = values["phone_digits"]
    # The consent's date is when it was given: ticking stamps now, unticking clears it, and an
    # unchanged tick keeps the original date.
    if values["marketing_consent"] and not had_consent:
        c.marketing_consent_at = utcnow()
    elif not values["marketing_consent"]:
        c.marketing_consent_at = None
    refresh_derived(c)


def create(data: Mapping) -> Customer:
    """Add a customer. Raises CustomerInvalid (a ServiceError) with every field's message."""
    values, errors = validate(data)
    if errors:
        raise CustomerInvalid(errors)
    c = add_validated(values)
    db.session.flush()
    record_created(c)
    return c


def add_validated(values: Mapping) -> Customer:
    """A new customer from what validate() returned, added to the session but not flushed.

    For a caller that adds many at once (the import: one INSERT for hundreds of rows) and calls
    record_created() for each after its flush. create() is this plus the validation.
    """
    c = Customer()
    _apply(c, values)
    db.session.add(c)
    return c


def record_created(c: Customer) -> None:
    """The audit entry of a new customer, once it has its id."""
    audit.record("customer.created", "customer", c.id, summary=f"#{c.id}")


def update(c: Customer, data: Mapping) -> dict:
    """Change a customer; returns {field: [old, new]} of what changed (also in the audit entry)."""
    if c.erased_at is not None:
        raise ServiceError(_("This customer's data was erased; the record cannot be edited."))
    values, errors = validate(data, current=c)
    if errors:
        raise CustomerInvalid(errors)
    before = audit.snapshot(c, AUDITED_FIELDS)
    _apply(c, values)
    changes = audit.diff(c, AUDITED_FIELDS, before)
    if changes:
        db.session.flush()
        audit.record("customer.updated", "customer", c.id, summary=f"#{c.id}", changes=changes)
    return changes


# --------------------------------------------------------------------------------------------
# Archive and restore
# --------------------------------------------------------------------------------------------


def archive(c: Customer) -> None:
    """Hide a customer from the list (restorable); their cards and history stay."""
    if c.archived_at is not None:
        raise ServiceError(_("This customer is already archived."))
    c.archived_at = utcnow()
    db.session.flush()
    audit.record("customer.archived", "customer", c.id, summary=f"#{c.id}")


def restore(c: Customer) -> None:
    if c.erased_at is not None:
        raise ServiceError(_("An erased customer cannot be restored."))
    if c.merged_into_id is not None:
        raise ServiceError(_("This customer was merged into #%(id)s and cannot be restored.", id=c.merged_into_id))
    if c.archived_at is None:
        raise ServiceError(_("This customer is not archived."))
    c.archived_at = None
    db.session.flush()
    audit.record("customer.restored", "customer", c.id, summary=f"#{c.id}")


def history(c: Customer, limit: int = 200) -> list[AuditEntry]:
    """Audit entries about the customer and their cards, newest first."""
    card_ids = [card.id for card in c.cards]
    cond = and_(AuditEntry.entity_type == "customer", AuditEntry.entity_id == c.id)
    if card_ids:
        cond = or_(cond, and_(AuditEntry.entity_type == "card", AuditEntry.entity_id.in_(card_ids)))
    return list(db.session.scalars(select(AuditEntry).where(cond).order_by(AuditEntry.id.desc()).limit(limit)))
