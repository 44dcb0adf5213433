from datetime import date

from flask import render_template
from sqlalchemy import func, select

from ... import clock
from ...access import require_role
from ...extensions import db
from ...models import AuditEntry, Card, Customer
from . import bp


def _month_end(today: date) -> date:
    nxt = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


@bp.get("/")
@require_role("staff")
def index():
    today = clock.today()
    customers = db.session.scalar(
        select(func.count()).select_from(Customer).where(Customer.archived_at.is_(None), Customer.erased_at.is_(None)))
    active_cards = db.session.scalar(select(func.count()).select_from(Card).where(Card.status == "active"))
    expiring = db.session.scalar(
        select(func.count()).select_from(Card).where(
            Card.status == "active", Card.expires_on >= today, Card.expires_on <= _month_end(today)))
    # Points customers hold (a debt below zero is not outstanding): what the programme owes.
    points_outstanding = db.session.scalar(
        select(func.coalesce(func.sum(Customer.points_balance), 0)).where(Customer.points_balance > 0))
    recent = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(8)).all()
    return render_template("dashboard/index.html", customers=customers, active_cards=active_cards,
                           expiring=expiring, recent=recent, today=today,
                           points_outstanding=int(points_outstanding))
