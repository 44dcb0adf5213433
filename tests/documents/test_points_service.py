"""The points service: expiry by the scheduled job (idempotent), manual adjustments, the move on a
merge, erasure keeping the ledger, and the invariant balance == sum(entries) throughout."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from panel.extensions import db
from panel.jobs import schedule
from panel.models import Customer, PointsEntry
from panel.services import ServiceError, customers, points
from panel.services.points import ledger

from ..cards.factories import make_customer
from ..conftest import as_tenant
from .conftest import CARD, T0, back, balance_and_sum, enable_points, line, post, receipt, refund


def _kinds(customer_id):
    return [(e.kind, e.amount) for e in db.session.scalars(
        select(PointsEntry).where(PointsEntry.customer_id == customer_id).order_by(PointsEntry.id))]


def test_the_expiry_job_writes_off_old_batches_once(client, app, world_a, token_a, jan):
    enable_points(app, world_a, expiry_months=6)
    post(client, token_a, receipt("R-1", customer=CARD, lines=[line("1", "1", 5000)], at=T0))             # 50
    post(client, token_a, receipt("R-2", customer=CARD, lines=[line("1", "1", 2000)], at=T0 + timedelta(days=40)))
    post(client, token_a, receipt("R-3", customer=CARD, lines=[line("1", "1", 4000, final=3970)],
                                  redeem_points=30, at=T0 + timedelta(days=41)))  # spends 30 of the oldest
    with app.app_context(), as_tenant(world_a):
        assert points.next_expiry(jan["id"]).points == 20  # what is left of 1 December's 50
        on_day = date(2027, 6, 1)
        assert points.expire_due(today=on_day - timedelta(days=1)) == 0
        assert points.expire_due(today=on_day) == 1
        assert points.expire_due(today=on_day) == 0   # a second run on the day: nothing
        db.session.commit()
        assert _kinds(jan["id"])[-1] == ("expire", -20)
        later = points.next_expiry(jan["id"])
        assert (later.points, later.expires_on) == (20, date(2027, 7, 10))  # then 11 January's 39
    assert balance_and_sum(app, world_a, jan["id"]) == (59, 59)


def test_the_expiry_is_scheduled_daily_and_a_double_fire_runs_once(app, world_a, token_a, jan, client):
    enable_points(app, world_a, expiry_months=1)
    post(client, token_a, receipt(customer=CARD, at=T0 - timedelta(days=90)))
    entry = schedule.entry("points_expiry")
    assert entry.cron.split()[2:] == ["*", "*", "*"]
    with app.app_context():
        for _ in range(2):
            schedule.run_for_tenant("points_expiry", world_a.tenant_id, T0.isoformat())
    assert balance_and_sum(app, world_a, jan["id"]) == (0, 0)
    with app.app_context(), as_tenant(world_a):
        assert [k for k, _a in _kinds(jan["id"])] == ["earn", "expire"]


def test_a_manual_adjustment_needs_a_reason_and_a_key_writes_it_once(app, ctx, world_a, jan):
    with as_tenant(world_a):
        c = db.session.get(Customer, jan["id"])
        with pytest.raises(ServiceError) as refused:
            points.adjust(c, "abc", "", user_id=None)
        assert set(refused.value.errors) == {"amount", "reason"}
        points.adjust(c, "-25", "Complaint  goodwill", user_id=world_a.manager.id, idempotency_key="form-1")
        assert points.adjust(c, "-25", "Complaint goodwill", user_id=world_a.manager.id,
                             idempotency_key="form-1") is None
        db.session.commit()
        assert _kinds(c.id) == [("adjust", -25)]
        assert c.points_balance == -25
    assert balance_and_sum(app, world_a, jan["id"]) == (-25, -25)


def test_a_merge_moves_points_by_transfers_and_documents_with_the_survivor(client, app, world_a, token_a, jan):
    enable_points(app, world_a, expiry_months=12)
    post(client, token_a, receipt("R-1", customer=CARD, lines=[line("1", "1", 3000)]))
    with app.app_context(), as_tenant(world_a):
        survivor = make_customer("Jan", "Nowy")
        db.session.commit()
        sid = survivor.id
    post(client, token_a, receipt("R-2", customer={"id": sid}, lines=[line("1", "1", 1000)]))
    with app.app_context(), as_tenant(world_a):
        s, o = db.session.get(Customer, sid), db.session.get(Customer, jan["id"])
        figures = customers.merge(s, o)
        db.session.commit()
        assert figures["moved"]["points"] == 30 and figures["moved"]["documents"] == 1
        assert _kinds(o.id) == [("earn", 30), ("transfer_out", -30)]
        assert _kinds(s.id) == [("earn", 10), ("transfer_in", 30)]
        transferred = db.session.scalar(select(PointsEntry).where(PointsEntry.kind == "transfer_in"))
        assert transferred.day == date(2026, 12, 1)  # the points keep the day they were earned
    assert balance_and_sum(app, world_a, sid) == (40, 40)
    assert balance_and_sum(app, world_a, jan["id"]) == (0, 0)
    # A return of the merged record's sale now takes from the survivor.
    body = post(client, token_a, refund("Z-1", lines=[back("a", "1", "1", 3000)])).get_json()
    assert body["customer"] == {"id": sid} and body["points"]["balance"] == 10


def test_erase_keeps_the_documents_and_the_ledger(client, app, world_a, token_a, jan, points_on):
    post(client, token_a, receipt(customer=CARD))
    with app.app_context(), as_tenant(world_a):
        c = db.session.get(Customer, jan["id"])
        customers.erase(c, str(c.id))
        db.session.commit()
        assert _kinds(c.id) == [("earn", 10)]
    assert balance_and_sum(app, world_a, jan["id"]) == (10, 10)


def test_a_guarded_debit_never_overdraws(app, ctx, world_a, jan):
    with as_tenant(world_a):
        ledger.post(jan["id"], "adjust", 5, reason="x")
        with pytest.raises(ledger.Overdrawn):
            ledger.post(jan["id"], "redeem", -6, guard=True)
        db.session.rollback()
