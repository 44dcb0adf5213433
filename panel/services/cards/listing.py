"""The cards list: its filters (by code in any reader format, number, state), sorts and count."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import contains_eager

from ... import clock
from ...extensions import db
from ...models import Card, Customer
from .lookup import key_for

STATES = ("active", "blocked", "lost", "expired", "expiring_7", "expiring_30", "expiring_90", "expiring_month")
# No expiry means "never expires": last when the soonest come first, first the other way round.
# Each order follows an index ((tenant_id, id) or (tenant_id, expires_on)), so a page of a
# large list reads its 50 rows instead of sorting every card.
SORTS = {
    "newest": (Card.id.desc(),),
    "expires": (Card.expires_on.asc().nulls_last(), Card.id),
    "-expires": (Card.expires_on.desc().nulls_first(), Card.id.desc()),
    "code": (Card.code, Card.id),
    "customer": (Customer.sort_name, Card.id),
}


def month_end(today: date) -> date:
    nxt = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def default_sort(state: str) -> str:
    return "expires" if state.startswith("expiring") or state == "expired" else "newest"


def list_filters(q: str = "", state: str = "", today: date | None = None) -> list:
    """The WHERE conditions of the cards list (on cards only, so counting needs no join).

    `q` finds a card by its code in any reader format (canonical key), by its printed number,
    or by the start of either. "expiring_month" counts like the dashboard: active cards
    expiring from today to the month's end.
    """
    today = today or clock.today()
    conditions = []
    q = (q or "").strip()
    if q:
        prefix = _like_prefix(q)
        matches = [Card.code.ilike(prefix, escape="\\"), Card.number.ilike(prefix, escape="\\")]
        key = key_for(q)
        if key:
            matches.append(Card.code_key == key)
        conditions.append(or_(*matches))
    active = Card.status == "active"
    if state == "active":
        conditions += [active, or_(Card.expires_on.is_(None), Card.expires_on >= today)]
    elif state == "blocked":
        conditions.append(Card.status.in_(("blocked", "lost")))
    elif state == "lost":
        conditions.append(Card.status == "lost")
    elif state == "expired":
        conditions += [active, Card.expires_on < today]
    elif state.startswith("expiring_"):
        last = month_end(today) if state == "expiring_month" else today + timedelta(days=int(state.split("_")[1]))
        conditions += [active, Card.expires_on >= today, Card.expires_on <= last]
    return conditions


def list_query(q: str = "", state: str = "", sort: str = "", today: date | None = None) -> Select:
    """Cards with their customers (one joined query), filtered and sorted by allowlisted keys."""
    return (select(Card).join(Card.customer).options(contains_eager(Card.customer))
            .where(*list_filters(q, state, today)).order_by(*SORTS.get(sort, SORTS[default_sort(state)])))


def list_count(q: str = "", state: str = "", today: date | None = None) -> int:
    return db.session.scalar(select(func.count(Card.id)).where(*list_filters(q, state, today))) or 0


def _like_prefix(q: str) -> str:
    return q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
