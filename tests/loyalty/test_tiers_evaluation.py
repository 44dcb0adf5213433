"""The set-based evaluation (services/loyalty) against the naive reading of the rule, through
the database, on random documents, dates, settings and states; then its promises: a second run
the same day changes nothing, a failed run leaves nothing, the dry run writes nothing."""
from __future__ import annotations

import os
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from panel.extensions import db
from panel.loyalty import tiers as rule
from panel.models import Customer, CustomerTier, LoyaltySettings, Tier, TierChange
from panel.services.loyalty import evaluation, queries, setup
from panel.tenancy import tenant_scope

from ..customers.factories import make_customer
from . import naive_tiers as naive
from .helpers import add_document

EXAMPLES = int(os.environ.get("TIERS_DB_EXAMPLES", "60"))
CUSTOMERS = 4

days = st.dates(min_value=date(2026, 6, 1), max_value=date(2027, 6, 30))


@st.composite
def customer_docs(draw):
    sales = draw(st.lists(st.tuples(st.sampled_from(["receipt", "invoice", "invoice_for_receipt"]), days,
                                    st.integers(0, 200_000)), max_size=8))
    refunds = draw(st.lists(st.tuples(st.integers(0, 7), st.sampled_from(["return", "correction"]),
                                      st.integers(0, 60), st.integers(0, 100)), max_size=4))
    return sales, refunds


@st.composite
def scenario(draw):
    cal = draw(st.sampled_from([None, "month", "quarter", "year"]))
    unit = draw(st.sampled_from(["days", "months"]))
    s = rule.Settings(counted_types=draw(st.sampled_from([("receipt",), ("invoice",), ("receipt", "invoice")])),
                      rolling_days=draw(st.integers(1, 400)), calendar=cal, validity_unit=unit,
                      validity=draw(st.integers(0, 14 if unit == "months" else 400)),
                      include_staff=draw(st.booleans()))
    ladder = [(draw(st.booleans()), draw(st.integers(0, 400_000)), draw(st.integers(0, 4)))
              for _ in range(draw(st.integers(0, 4)))]
    people = [(draw(customer_docs()), draw(st.one_of(st.none(), st.integers(0, 3))),
               draw(st.one_of(st.none(), days)), draw(st.booleans()), draw(st.booleans()))
              for _ in range(CUSTOMERS)]
    return s, ladder, people, draw(days)


@pytest.fixture
def customers(app, world_a):
    return [make_customer(app, world_a.tenant_id, first_name=f"C{i}") for i in range(CUSTOMERS)]


def _save_settings(s: rule.Settings) -> None:
    row = setup.current_settings()
    row.evaluate, row.counted_types = True, ",".join(s.counted_types)
    row.rolling_days, row.period_calendar = s.rolling_days, s.calendar
    row.validity_unit, row.validity, row.include_staff = s.validity_unit, s.validity, s.include_staff
    db.session.add(row)


def _build(world, customer_ids, scenario_):
    """Insert the scenario; returns what the naive reading expects per customer."""
    s, ladder, people, day = scenario_
    _save_settings(s)
    tiers = []
    for i, (automatic, threshold, docs) in enumerate(ladder):
        t = Tier(rank=i + 1, name=f"T{i}", name_key=f"t{i}", colour="#123456", automatic=automatic,
                 threshold=threshold, min_documents=docs)
        db.session.add(t)
        tiers.append(t)
    db.session.flush()
    naive_tiers = [{"key": t.id, "automatic": t.automatic, "threshold": t.threshold, "min_documents": t.min_documents}
                   for t in tiers]
    expected = {}
    for customer_id, ((sales, refunds), cur_index, until, manual, staff) in zip(customer_ids, people):
        db.session.get(Customer, customer_id).is_staff = staff
        docs = []
        for type_, on, total in sales:
            d = add_document(customer_id, type_, on, total)
            docs.append({"id": d.id, "type": type_, "on": on, "total": total, "original": None})
        for index, type_, after, percent in refunds:
            if index < len(docs):
                sale = docs[index]
                on, back = sale["on"] + timedelta(days=after), sale["total"] * percent // 100
                d = add_document(customer_id, type_, on, back, sale["id"])
                docs.append({"id": d.id, "type": type_, "on": on, "total": back, "original": sale["id"]})
        cur = tiers[cur_index].id if cur_index is not None and cur_index < len(tiers) else None
        manual = manual and cur is not None
        if cur is not None:
            db.session.add(CustomerTier(customer_id=customer_id, tier_id=cur, valid_until=until, manual=manual))
        turnover, count = naive.figures(docs, day, set(s.counted_types), s.rolling_days, s.calendar)
        tier, valid, changed = naive.judge(naive_tiers, cur, until, manual, staff, s.include_staff, turnover, count,
                                           day, s.validity_unit, s.validity)
        expected[customer_id] = (tier, valid, changed, turnover, count)
    db.session.flush()
    return expected, day


def _states(customer_ids):
    rows = {r.customer_id: r for r in db.session.scalars(select(CustomerTier))}
    return {c: (rows[c].tier_id, rows[c].valid_until) if c in rows and rows[c].tier_id else (None, None)
            for c in customer_ids}


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario())
def test_the_evaluation_matches_the_naive_reading(app, world_a, customers, scenario_):
    with app.app_context(), tenant_scope(world_a.tenant_id):
        try:
            expected, day = _build(world_a, customers, scenario_)
            rows = {r.customer_id: r for r in queries.decisions(
                world_a.tenant_id, setup.rule_settings(setup.current_settings()),
                evaluation.specs(setup.tier_rows()), day)}
            dry, dry_summary = evaluation.dry_run(day, setup.rule_settings(setup.current_settings()),
                                                  evaluation.specs(setup.tier_rows()))
            result = evaluation.evaluate(day)
            states = _states(customers)
            for customer_id, (tier, valid, _changed, turnover, count) in expected.items():
                if tier is not None or customer_id in rows:
                    row = rows[customer_id]
                    assert (int(row.turnover), int(row.documents)) == (turnover, count)
                # a customer without a tier keeps no validity
                assert states[customer_id] == ((tier, valid) if tier is not None else (None, None))
            changed_ids = {c for c, e in expected.items() if e[2]}
            history = set(db.session.scalars(select(TierChange.customer_id)))
            assert history == changed_ids == {c.customer_id for c in dry}
            assert result["up"] + result["down"] == len(changed_ids) == dry_summary["up"] + dry_summary["down"]
            # Idempotent: the same day again changes nothing.
            again = evaluation.evaluate(day)
            assert again["up"] == again["down"] == 0
            assert _states(customers) == states
            assert db.session.scalar(select(func.count()).select_from(TierChange)) == len(changed_ids)
        finally:
            db.session.rollback()


def test_a_failed_run_leaves_nothing_and_a_rerun_finishes(app, world_a, customers, monkeypatch):
    day = date(2027, 1, 10)
    with app.app_context(), tenant_scope(world_a.tenant_id):
        db.session.add(LoyaltySettings(evaluate=True))
        setup.replace_tiers(setup.default_tiers())
        for c in customers:
            add_document(c, "receipt", day, 300_000)
            add_document(c, "receipt", day, 300_000)  # two documents: Bronze
        db.session.commit()

        def killed(*args, **kwargs):
            raise RuntimeError("worker killed")

        monkeypatch.setattr(queries, "write_states", killed)
        with pytest.raises(RuntimeError):
            evaluation.evaluate(day)
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(TierChange)) == 0
        monkeypatch.undo()
        assert evaluation.evaluate(day)["up"] == CUSTOMERS
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(CustomerTier)) == CUSTOMERS
        assert evaluation.evaluate(day)["up"] == 0


def test_the_evaluation_sees_only_its_tenant(app, world_a, world_b, customers):
    day = date(2027, 1, 10)
    other = make_customer(app, world_b.tenant_id, first_name="B")
    with app.app_context():
        with tenant_scope(world_b.tenant_id):
            db.session.add(LoyaltySettings(evaluate=True))
            setup.replace_tiers(setup.default_tiers())
            add_document(other, "receipt", day, 900_000)
            add_document(other, "receipt", day, 900_000)
            db.session.commit()
        with tenant_scope(world_a.tenant_id):
            db.session.add(LoyaltySettings(evaluate=True))
            setup.replace_tiers(setup.default_tiers())
            add_document(customers[0], "receipt", day, 30_000)
            add_document(customers[0], "receipt", day, 30_000)
            db.session.commit()
            result = evaluation.evaluate(day)
            db.session.commit()
            assert result["evaluated"] == 1 and result["up"] == 1
        with tenant_scope(world_b.tenant_id):
            assert db.session.scalar(select(func.count()).select_from(CustomerTier)) == 0


def test_the_daily_schedule_evaluates_at_the_tenants_hour_only(app, world_a, customers):
    from datetime import datetime, timezone

    from panel.jobs import schedule
    from panel.models import JobRun

    entry = schedule.entry("loyalty_tiers")
    assert (entry.queue, entry.period) == ("loyalty", "%Y%m%d%H")
    with app.app_context(), tenant_scope(world_a.tenant_id):
        db.session.add(LoyaltySettings(evaluate=True, daily_hour=4))
        setup.replace_tiers(setup.default_tiers())
        for c in customers[:2]:
            add_document(c, "receipt", date.today(), 30_000)
            add_document(c, "receipt", date.today(), 30_000)
        db.session.commit()
        # 02:05 UTC in winter is 03:05 in Warsaw: not the hour; 03:05 UTC is 04:05 there.
        assert evaluation.scheduled(datetime(2026, 12, 6, 2, 5, tzinfo=timezone.utc)) is None
        result = evaluation.scheduled(datetime(2026, 12, 6, 3, 5, tzinfo=timezone.utc))
        db.session.commit()
        assert result["up"] == 2
        run = db.session.scalars(select(JobRun).where(JobRun.kind == "tier_evaluation")).one()
        assert run.status == "finished" and run.result == result
        assert {c.job_run_id for c in db.session.scalars(select(TierChange))} == {run.id}
        setup.current_settings().evaluate = False
        assert evaluation.scheduled(datetime(2026, 12, 7, 3, 5, tzinfo=timezone.utc)) is None
        db.session.rollback()
