"""Loyalty points: the tenant's rule, what a document earns or gives back, redemptions, manual
adjustments, expiry and the move on a merge. The rule itself is pure (panel/loyalty/points.py);
this module loads what it needs, and writes what it decides through ledger.post().
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ... import clock
from ...extensions import db
from ...loyalty import points as rule_
from ...models import Customer, Document, PointsEntry, Tenant
from ...models.documents import SALE_TYPES
from ...tenancy import require_tenant_id
from .. import ServiceError, audit
from ..customers.merging import MergeMove, register_merge_move
from . import ledger

MAX_ADJUST = 10_000_000


@dataclass(frozen=True)
class Settings:
    enabled: bool
    rule: rule_.PointsRule
    earning_types: tuple[str, ...]

    def earns(self, document_type: str) -> bool:
        return self.enabled and document_type in self.earning_types


def settings(tenant: Tenant | None = None) -> Settings:
    t = tenant or db.session.get(Tenant, require_tenant_id())
    return Settings(
        enabled=bool(t.points_enabled),
        rule=rule_.PointsRule(per_unit=Decimal(t.points_per_unit), redeem_points=t.points_redeem_points,
                              redeem_value=t.points_redeem_value, expiry_months=t.points_expiry_months),
        earning_types=tuple(x for x in (t.points_earning_types or "").split(",") if x))


def update_settings(tenant: Tenant, *, enabled: bool, per_unit: str, redeem_points: str, redeem_value: int | None,
                    earning_types: list[str], expiry_months: str) -> None:
    """Change the tenant's points rule; refuses with the field at fault. Earlier entries stay."""
    errors: dict[str, str] = {}
    try:
        per = Decimal((per_unit or "").strip().replace(",", "."))
        if not per.is_finite() or per < 0 or per > 1000 or per != per.quantize(Decimal("0.001")):
            raise InvalidOperation
    except InvalidOperation:
        errors["per_unit"] = _("Enter points per 1 unit of currency: a number from 0 to 1000, at most 3 decimals.")
    points_text = (redeem_points or "").strip()
    if not (points_text.isdigit() and 0 < int(points_text) <= 1_000_000):
        errors["redeem_points"] = _("Enter a whole number of points from 1 to 1000000.")
    if redeem_value is None or not 0 < redeem_value <= 100_000_00:
        errors["redeem_value"] = _("Enter what the points are worth: more than zero.")
    types = [t for t in SALE_TYPES if t in earning_types]
    months_text = (expiry_months or "").strip()
    if months_text and not (months_text.isdigit() and 1 <= int(months_text) <= 120):
        errors["expiry_months"] = _("Points expire after 1 to 120 months, or leave it empty: they never expire.")
    if errors:
        field, message = next(iter(errors.items()))
        error = ServiceError(message, field=field)
        error.errors = errors
        raise error
    before = _settings_row(tenant)
    tenant.points_enabled = bool(enabled)
    tenant.points_per_unit = per.quantize(Decimal("0.001"))
    tenant.points_redeem_points, tenant.points_redeem_value = int(points_text), redeem_value
    tenant.points_earning_types = ",".join(types)
    tenant.points_expiry_months = int(months_text) if months_text else None
    db.session.flush()
    after = _settings_row(tenant)
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if changes:
        audit.record("points.settings_changed", "tenant", tenant.id, tenant.name, changes)


def _settings_row(t: Tenant) -> dict:
    return {"enabled": bool(t.points_enabled), "per_unit": str(Decimal(t.points_per_unit).normalize()),
            "redeem_points": t.points_redeem_points, "redeem_value": t.points_redeem_value,
            "earning_types": t.points_earning_types, "expiry_months": t.points_expiry_months}


# --- documents ---------------------------------------------------------------------------------

def earn(document: Document, eligible: int, s: Settings) -> int:
    """Points a sale earns on its eligible amount, written as one `earn` entry; returns them."""
    points = rule_.earned(eligible, s.rule)
    if points:
        ledger.post(document.customer_id, "earn", points, document_id=document.id, reason=document.number,
                    day=document.issued_on, token_id=document.token_id, created_by_id=document.created_by_id)
    return points


def redemption_for(customer_id: int, requested: int, eligible_total: int) -> rule_.Redemption:
    """What redeeming `requested` points would do to a bill (a quote: nothing is written)."""
    s = settings()
    if not s.enabled:
        raise ServiceError(_("This restaurant does not use points."), field="redeem_points")
    return rule_.redemption(requested, ledger.balance(customer_id), eligible_total, s.rule)


def redeem(document: Document, requested: int, eligible_total: int, s: Settings) -> rule_.Redemption:
    """The redemption a sale asked for, capped by the balance and the eligible total; written as
    one `redeem` entry. The customer's row is locked by the caller, so the balance read here is
    the one the guarded debit meets."""
    found = rule_.redemption(requested, ledger.balance(document.customer_id), eligible_total, s.rule)
    if found.points:
        ledger.post(document.customer_id, "redeem", -found.points, document_id=document.id, reason=document.number,
                    day=document.issued_on, token_id=document.token_id, guard=True)
    return found


def earned_so_far(original: Document) -> tuple[bool, int]:
    """(whether the sale earned at all, what it keeps now): its earn entry less the reversals
    its returns and corrections wrote."""
    returns = select(Document.id).where(Document.original_id == original.id)
    rows = db.session.execute(
        select(PointsEntry.kind, func.sum(PointsEntry.amount))
        # By document, not customer: after a merge the earn entry is the merged record's.
        .where(((PointsEntry.document_id == original.id) & (PointsEntry.kind == "earn"))
               | (PointsEntry.document_id.in_(returns) & (PointsEntry.kind == "reverse")))
        .group_by(PointsEntry.kind)).all()
    sums = {kind: int(total or 0) for kind, total in rows}
    return "earn" in sums, sums.get("earn", 0) + sums.get("reverse", 0)


def reverse(refund: Document, original: Document, net_eligible: int, s: Settings) -> int:
    """What a return or correction takes back of its original's points (its net eligible amount
    earns less now); one `reverse` entry, which may take the balance below zero. Returns them."""
    did_earn, kept = earned_so_far(original)
    if not did_earn:
        return 0
    points = rule_.reversal(kept, net_eligible, s.rule)
    if points > 0:
        # The reason is data, not a sentence: the pages say it in the reader's language.
        ledger.post(original.customer_id, "reverse", -points, document_id=refund.id, reason=original.number,
                    day=refund.issued_on, token_id=refund.token_id)
    return max(points, 0)


# --- by hand -----------------------------------------------------------------------------------

def adjust(customer: Customer, amount_text: str, reason: str, *, user_id: int | None,
           idempotency_key: str | None = None) -> PointsEntry | None:
    """A manager's correction, with a reason; may take the balance below zero (it says why).

    A form sent twice (the same key) writes one entry: the second finds it and returns None.
    """
    text = (amount_text or "").strip().replace(" ", "").replace("\u2212", "-")
    errors = {}
    if not (text.lstrip("+-").isdigit() and 0 < abs(int(text)) <= MAX_ADJUST):
        errors["amount"] = _("Enter whole points, for example 50 or -50 (not zero).")
    reason = " ".join((reason or "").split())
    if not reason:
        errors["reason"] = _("Say why: the customer sees it on their ledger.")
    if errors:
        field, message = next(iter(errors.items()))
        error = ServiceError(message, field=field)
        error.errors = errors
        raise error
    if idempotency_key and db.session.scalar(
            select(PointsEntry.id).where(PointsEntry.idempotency_key == idempotency_key)) is not None:
        return None
    entry = ledger.post(customer.id, "adjust", int(text), reason=reason, created_by_id=user_id,
                        idempotency_key=idempotency_key or None)
    audit.record("points.adjusted", "customer", customer.id, f"{int(text):+d} · {reason}",
                 {"points": int(text), "balance_after": entry.balance_after})
    return entry


# --- expiry ------------------------------------------------------------------------------------

def movements(customer_id: int) -> list[rule_.Movement]:
    rows = db.session.execute(select(PointsEntry.day, PointsEntry.amount)
                              .where(PointsEntry.customer_id == customer_id).order_by(PointsEntry.id))
    return [rule_.Movement(day, amount) for day, amount in rows]


def next_expiry(customer_id: int, s: Settings | None = None) -> rule_.Batch | None:
    s = s or settings()
    if s.rule.expiry_months is None:
        return None
    return rule_.next_expiry(movements(customer_id), clock.today(), s.rule.expiry_months)


def expire_due(_fired_at: datetime | None = None, today: date | None = None) -> int:
    """The scheduled job (one tenant, daily): write off the batches whose day has come, one
    `expire` entry each. A second run finds the first one's entries among the movements and
    writes nothing. Returns how many entries it wrote."""
    s = settings()
    if s.rule.expiry_months is None:
        return 0
    today = today or clock.today()
    written = 0
    holders = db.session.scalars(select(Customer.id).where(Customer.points_balance > 0).order_by(Customer.id)).all()
    for customer_id in holders:
        for batch in rule_.expired(movements(customer_id), today, s.rule.expiry_months):
            ledger.post(customer_id, "expire", -batch.points, day=today, reason=batch.earned_on.isoformat())
            written += 1
    return written


# --- merge -------------------------------------------------------------------------------------

def _count(other: Customer) -> int:
    return abs(other.points_balance or 0)


def transfer_on_merge(survivor: Customer, other: Customer) -> int:
    """Move the merged record's balance to the survivor by transfer entries (history stays where
    it was written). Points still there keep the day they were earned, so they expire when
    they would have; a negative balance (a debt) moves as a debt. Returns the points moved."""
    amount = ledger.balance(other.id)
    if not amount:
        return 0
    note = f"#{other.id} → #{survivor.id}"
    ledger.post(other.id, "transfer_out", -amount, reason=note)
    if amount > 0:
        for batch in rule_.batches(movements(other.id)[:-1], 1):  # without the transfer just written
            ledger.post(survivor.id, "transfer_in", batch.points, reason=note, day=batch.earned_on)
    else:
        ledger.post(survivor.id, "transfer_in", amount, reason=note)
    return abs(amount)


register_merge_move(MergeMove("points", _l("Points"), _count, transfer_on_merge))
