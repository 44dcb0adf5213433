"""Manual tier assignment: a manager puts a customer in a tier, with an optional last day and a
reason. It wins over the evaluation until that day has passed or it is removed; then the next
evaluation applies the rule (a removed assignment holds nothing: the tier may drop at once)."""
from __future__ import annotations

from datetime import date

from flask import has_request_context
from flask_babel import gettext as _
from flask_login import current_user

from ... import clock
from ...extensions import db
from ...models import Customer, CustomerTier, Tier, TierChange
from ...models.base import utcnow
from ...tenancy import current_tenant_id
from .. import ServiceError, audit

MAX_REASON = 500


def _user_id() -> int | None:
    return current_user.id if has_request_context() and current_user and current_user.is_authenticated else None


def _record(customer: Customer, old: Tier | None, new: Tier | None, until: date | None, reason: str) -> TierChange:
    change = TierChange(customer_id=customer.id, on_day=clock.today(), cause="manual",
                        old_tier_id=old.id if old else None, old_tier_name=old.name if old else "",
                        old_rank=old.rank if old else None, new_tier_id=new.id if new else None,
                        new_tier_name=new.name if new else "", new_rank=new.rank if new else None,
                        valid_until=until, threshold=new.threshold if new else None,
                        min_documents=new.min_documents if new else None, reason=reason, user_id=_user_id())
    db.session.add(change)
    return change


def assign(customer: Customer, tier: Tier, until: date | None, reason: str) -> CustomerTier:
    """Put `customer` in `tier` by hand until `until` (inclusive; None: until removed)."""
    reason = " ".join((reason or "").split())
    if len(reason) > MAX_REASON:
        raise ServiceError(_("The reason is at most %(max)d characters.", max=MAX_REASON), field="reason")
    if until is not None and until < clock.today():
        raise ServiceError(_("The end date cannot be in the past."), field="until")
    if customer.erased:
        raise ServiceError(_("This customer's data was erased."), code="conflict")
    state = db.session.get(CustomerTier, (current_tenant_id(), customer.id))
    if state is None:
        state = CustomerTier(customer_id=customer.id)
        db.session.add(state)
    old = db.session.get(Tier, state.tier_id) if state.tier_id else None
    state.tier_id, state.valid_until, state.manual, state.reason = tier.id, until, True, reason
    state.changed_at = utcnow()
    _record(customer, old, tier, until, reason)
    audit.record("loyalty.tier_assigned", "customer", customer.id, tier.name,
                 {"tier": [old.name if old else None, tier.name], "until": [None, until.isoformat() if until else None]})
    db.session.flush()
    return state


def end(customer: Customer) -> bool:
    """End the customer's manual assignment; False when there was none. The tier stays until
    the next evaluation, which then applies the rule (nothing holds it)."""
    state = db.session.get(CustomerTier, (current_tenant_id(), customer.id))
    if state is None or not state.manual:
        return False
    tier = db.session.get(Tier, state.tier_id) if state.tier_id else None
    state.manual, state.valid_until, state.reason, state.changed_at = False, None, "", utcnow()
    _record(customer, tier, tier, None, "manual_ended")
    audit.record("loyalty.tier_unassigned", "customer", customer.id, tier.name if tier else "")
    db.session.flush()
    return True
