"""The real-time upgrade: recording a document re-evaluates that customer's upgrade at once, so
a guest who crosses Gold on tonight's dinner pays Gold prices on the next bill, not tomorrow.

Only upward: a return, or a period that moved on, lowers a tier only in the daily evaluation
(after its validity). The document recording service calls `upgrade_after_document` in its
transaction, after the document is flushed.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ...extensions import db
from ...locking import lock
from ...loyalty import tiers as rule
from ...models import Customer, CustomerTier, TierChange
from ...models.base import utcnow
from ...tenancy import current_tenant_id
from . import queries, setup
from .evaluation import lock_tenant, specs


def upgrade_after_document(customer_id: int, on_day: date) -> TierChange | None:
    """Move the customer up if their figures at `on_day` qualify them for a higher tier than
    theirs (never down); returns the history row, or None when nothing changed.

    Evaluation off, a staff member not evaluated, or a manual assignment in force: nothing.
    """
    settings_row = setup.current_settings()
    if settings_row.id is None or not settings_row.evaluate:
        return None
    lock_tenant(shared=True)  # not while an evaluation of the tenant is writing
    lock(select(Customer.id).where(Customer.id == customer_id), key_share=True)  # one at a time per customer
    settings = setup.rule_settings(settings_row)
    tiers = specs(setup.tier_rows())
    rows = queries.decisions(current_tenant_id(), settings, tiers, on_day, customer_id=customer_id)
    row = next((r for r in rows if r.customer_id == customer_id), None)
    if row is None or row.outcome != "up":
        return None
    start, end = rule.period(settings, on_day)
    state = db.session.get(CustomerTier, (current_tenant_id(), customer_id))
    if state is None:
        state = CustomerTier(customer_id=customer_id)
        db.session.add(state)
    state.tier_id, state.valid_until, state.manual, state.reason = row.new_id, row.new_valid_until, False, ""
    state.changed_at = utcnow()
    change = TierChange(customer_id=customer_id, on_day=on_day, cause="realtime", old_tier_id=row.cur_id,
                        old_tier_name=row.cur_name or "", old_rank=row.cur_rank, new_tier_id=row.new_id,
                        new_tier_name=row.new_name or "", new_rank=row.new_rank, valid_until=row.new_valid_until,
                        turnover=int(row.turnover), documents=int(row.documents), threshold=row.new_threshold,
                        min_documents=row.new_min_documents, period_start=start, period_end=end,
                        reason="qualified")
    db.session.add(change)
    db.session.flush()
    return change
