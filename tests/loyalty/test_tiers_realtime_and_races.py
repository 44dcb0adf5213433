"""The real-time upgrade (never a downgrade), what a tier grants (the quote's source T), the
tier on the card scan and the API, and evaluations racing each other and real-time upgrades."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from panel.extensions import db
from panel.models import CustomerTier, Discount, LoyaltySettings, PriceList, TierChange
from panel.services.loyalty import evaluation, realtime, setup, standing
from panel.tenancy import tenant_scope

from ..concurrency import all_at_once, race
from ..customers.factories import add_card, make_customer
from .helpers import add_document


def _setup(world, evaluate=True):
    db.session.add(LoyaltySettings(evaluate=evaluate))
    setup.replace_tiers(setup.default_tiers())
    db.session.commit()
    return {t.name: t.id for t in setup.tier_rows()}


def test_a_document_that_crosses_a_threshold_upgrades_at_once_and_never_downgrades(app, world_a):
    customer = make_customer(app, world_a.tenant_id, first_name="Ewa")
    today = date(2027, 3, 1)
    with app.app_context(), tenant_scope(world_a.tenant_id):
        tiers = _setup(world_a)
        add_document(customer, "receipt", today, 30_000)
        assert realtime.upgrade_after_document(customer, today) is None  # one document: nothing yet
        sale = add_document(customer, "receipt", today, 30_000)
        change = realtime.upgrade_after_document(customer, today)
        assert (change.cause, change.new_tier_id, change.turnover, change.documents) == ("realtime", tiers["Bronze"], 60_000, 2)
        assert standing.current(customer).valid_until == today + timedelta(days=90)
        add_document(customer, "return", today, 30_000, sale.id)  # below Bronze now
        assert realtime.upgrade_after_document(customer, today) is None
        assert standing.current(customer).tier_id == tiers["Bronze"]  # only the evaluation lowers it
        # Not committed: on SQLite a return's ON DELETE RESTRICT to its sale would stop the
        # harness from emptying the documents table in one statement.
        db.session.rollback()


def test_no_real_time_upgrade_while_evaluation_is_off_or_a_manual_tier_holds(app, world_a):
    customer = make_customer(app, world_a.tenant_id, first_name="Jan")
    today = date(2027, 3, 1)
    with app.app_context(), tenant_scope(world_a.tenant_id):
        _setup(world_a, evaluate=False)
        for _ in range(12):
            add_document(customer, "receipt", today, 60_000)
        assert realtime.upgrade_after_document(customer, today) is None
        db.session.rollback()


def test_the_standing_carries_the_grants_for_the_quote(app, world_a):
    customer = make_customer(app, world_a.tenant_id, first_name="Ola")
    with app.app_context(), tenant_scope(world_a.tenant_id):
        discount = Discount(name="Gold 5%", name_key="gold 5%", percent=5, scope="bill", selectable=False)
        price_list = PriceList(name="Gold prices", name_key="gold prices")
        db.session.add_all([discount, price_list])
        db.session.flush()
        items = setup.default_tiers()
        items[0].discount_ids, items[0].price_list_ids = [discount.id], [price_list.id]
        setup.replace_tiers(items)
        gold = setup.tier_rows()[0]
        db.session.add(CustomerTier(customer_id=customer, tier_id=gold.id, valid_until=date(2027, 5, 1)))
        db.session.commit()
        found = standing.current(customer)
        assert (found.name, found.discount_ids, found.price_list_ids) == ("Gold", [discount.id], [price_list.id])
        assert standing.tier_json(customer) == {"id": gold.id, "name": "Gold", "colour": gold.colour,
                                                "valid_until": date(2027, 5, 1), "manual": False}


def test_the_card_scan_and_the_customer_carry_the_tier(app, world_a, count_queries):
    from ..api.conftest import make_token

    customer = make_customer(app, world_a.tenant_id, first_name="Iga")
    add_card(app, world_a.tenant_id, customer, "3220338716")
    token = make_token(app, world_a)
    client = app.test_client()
    assert client.get("/api/v1/cards/3220338716", headers=token.headers).json["customer"]["tier"] is None
    with app.app_context(), tenant_scope(world_a.tenant_id):
        tiers = _setup(world_a)
        db.session.add(CustomerTier(customer_id=customer, tier_id=tiers["Silver"], valid_until=date(2027, 5, 1)))
        db.session.commit()
    with count_queries("FROM cards") as n:
        scan = client.get("/api/v1/cards/3220338716", headers=token.headers).json
    assert n() == 1
    assert scan["customer"]["tier"] == {"id": tiers["Silver"], "name": "Silver", "colour": "#8e9aa6",
                                        "valid_until": "2027-05-01", "manual": False}
    detail = client.get(f"/api/v1/customers/{customer}", headers=token.headers).json
    assert detail["customer"]["tier"]["name"] == "Silver"


@pytest.mark.pg_only
def test_evaluations_at_once_write_each_change_once(app, world_a):
    customers = [make_customer(app, world_a.tenant_id, first_name=f"C{i}") for i in range(6)]
    day = date(2027, 3, 1)
    with app.app_context(), tenant_scope(world_a.tenant_id):
        _setup(world_a)
        for c in customers:
            add_document(c, "receipt", day, 30_000)
            add_document(c, "receipt", day, 30_000)
        db.session.commit()

    def run(_i):
        with app.app_context(), tenant_scope(world_a.tenant_id):
            try:
                result = evaluation.evaluate(day)
                db.session.commit()
                return result
            finally:
                db.session.remove()

    results = all_at_once(4, run)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r["up"] for r in results) == [0, 0, 0, 6]
    with app.app_context(), tenant_scope(world_a.tenant_id):
        assert db.session.scalar(select(func.count()).select_from(TierChange)) == 6
        assert db.session.scalar(select(func.count()).select_from(CustomerTier)) == 6


@pytest.mark.pg_only
def test_real_time_upgrades_racing_an_evaluation_leave_one_change_per_customer(app, world_a):
    customers = [make_customer(app, world_a.tenant_id, first_name=f"R{i}") for i in range(4)]
    day = date(2027, 3, 1)
    with app.app_context(), tenant_scope(world_a.tenant_id):
        _setup(world_a)
        for c in customers:
            add_document(c, "receipt", day, 30_000)
            add_document(c, "receipt", day, 30_000)
        db.session.commit()

    def upgrade(customer_id):
        def call():
            with app.app_context(), tenant_scope(world_a.tenant_id):
                try:
                    change = realtime.upgrade_after_document(customer_id, day)
                    db.session.commit()
                    return change is not None
                finally:
                    db.session.remove()
        return call

    def evaluate():
        with app.app_context(), tenant_scope(world_a.tenant_id):
            try:
                result = evaluation.evaluate(day)
                db.session.commit()
                return result["up"]
            finally:
                db.session.remove()

    results = race(evaluate, *(upgrade(c) for c in customers), *(upgrade(c) for c in customers))
    assert not [r for r in results if isinstance(r, Exception)], results
    with app.app_context(), tenant_scope(world_a.tenant_id):
        per_customer = dict(db.session.execute(select(TierChange.customer_id, func.count())
                                               .group_by(TierChange.customer_id)).all())
        assert per_customer == {c: 1 for c in customers}
        assert results[0] + sum(results[1:]) == len(customers)


def test_the_standing_names_its_pricing_source(app, world_a):
    from panel.pricing import TIER, Source

    customer = make_customer(app, world_a.tenant_id, first_name="Ada")
    with app.app_context(), tenant_scope(world_a.tenant_id):
        tiers = _setup(world_a)
        db.session.add(CustomerTier(customer_id=customer, tier_id=tiers["Gold"], valid_until=None, manual=True))
        db.session.commit()
        assert standing.current(customer).source == Source(TIER, tiers["Gold"], "Gold")
