"""The Loyalty pages: settings (422 keeps what was typed), tiers editor, Start with its summary,
dry run, members with CSV, the customer's Loyalty tab with the manual tier."""
from __future__ import annotations

from datetime import date, timedelta

from rq import SimpleWorker
from sqlalchemy import select

from panel import clock
from panel.extensions import db
from panel.models import CustomerTier, JobRun, Tier, TierChange
from panel.redis_conn import get_queue, redis_connection
from panel.services.loyalty import setup
from panel.tenancy import tenant_scope

from ..conftest import HX
from ..customers.factories import make_customer
from .helpers import add_document

SETTINGS = {"evaluate": "1", "counted_types": ["receipt", "invoice"], "period": "rolling", "rolling_days": "365",
            "validity": "90", "validity_unit": "days", "daily_at": "04:00"}


def _tiers_form(rows):
    form = {}
    for i, (tid, name, threshold, docs) in enumerate(rows):
        form |= {f"tiers-{i}-id": tid, f"tiers-{i}-name": name, f"tiers-{i}-colour": "#c9a227",
                 f"tiers-{i}-automatic": "1", f"tiers-{i}-threshold": threshold, f"tiers-{i}-min_documents": docs,
                 f"tiers-{i}-position": str(i + 1)}
    return form


def test_the_settings_save_and_a_bad_value_comes_back_422_with_what_was_typed(app, manager_a, world_a):
    resp = manager_a.post("/loyalty/settings", data={**SETTINGS, "rolling_days": "abc", "validity": "12"})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert 'value="abc"' in page and 'value="12"' in page and "Enter a whole number of days." in page
    assert manager_a.post("/loyalty/settings", data={**SETTINGS, "period": "quarter"}).status_code == 303
    with app.app_context(), tenant_scope(world_a.tenant_id):
        row = setup.current_settings()
        assert (row.evaluate, row.period_calendar, row.validity, row.daily_hour) == (True, "quarter", 90, 4)


def test_staff_cannot_open_the_loyalty_pages(staff_a):
    assert staff_a.get("/loyalty/").status_code == 403


def test_the_tiers_editor_adds_renames_reorders_and_removes(app, manager_a, world_a):
    resp = manager_a.post("/loyalty/tiers", data=_tiers_form([("", "Gold", "5000", "10"), ("", "Silver", "2000,50", "5")]))
    assert resp.status_code == 303
    with app.app_context(), tenant_scope(world_a.tenant_id):
        gold, silver = setup.tier_rows()
        assert (gold.name, gold.threshold, silver.name, silver.threshold) == ("Gold", 500_000, "Silver", 200_050)
    form = _tiers_form([(str(silver.id), "Platinum", "9000", "3"), (str(gold.id), "Gold", "5000", "10")])
    form["tiers-1-remove"] = "1"
    assert manager_a.post("/loyalty/tiers", data=form).status_code == 303
    with app.app_context(), tenant_scope(world_a.tenant_id):
        (only,) = setup.tier_rows()
        assert (only.id, only.name, only.rank) == (silver.id, "Platinum", 1)
    bad = manager_a.post("/loyalty/tiers", data=_tiers_form([(str(silver.id), "Platinum", "lots", "3")]))
    assert bad.status_code == 422 and 'value="lots"' in bad.get_data(as_text=True)


def test_start_evaluates_and_the_history_explains_it(app, manager_a, world_a):
    customer = make_customer(app, world_a.tenant_id, first_name="Ewa")
    today = date.today()
    with app.app_context(), tenant_scope(world_a.tenant_id):
        setup.replace_tiers(setup.default_tiers())
        for _ in range(2):
            add_document(customer, "receipt", today, 30_000)
        db.session.commit()
    assert manager_a.post("/loyalty/start").status_code == 303
    with app.app_context():
        SimpleWorker([get_queue("loyalty")], connection=redis_connection()).work(burst=True)
    with app.app_context(), tenant_scope(world_a.tenant_id):
        run = db.session.scalars(select(JobRun).where(JobRun.kind == "tier_evaluation")).one()
        assert run.status == "finished" and run.result["up"] == 1
        change = db.session.scalars(select(TierChange)).one()
        assert (change.new_tier_name, change.turnover, change.documents, change.threshold) == ("Bronze", 60_000, 2, 50_000)
    page = manager_a.get(f"/customers/{customer}?tab=loyalty").get_data(as_text=True)
    assert "Bronze" in page and "to Silver" in page
    status = manager_a.get(f"/loyalty/runs/{run.id}", headers=HX)
    assert status.status_code == 286 or "Moved up" in status.get_data(as_text=True)


def test_the_dry_run_lists_who_would_move_and_writes_nothing(app, manager_a, world_a):
    customer = make_customer(app, world_a.tenant_id, first_name="Ola")
    with app.app_context(), tenant_scope(world_a.tenant_id):
        setup.replace_tiers(setup.default_tiers())
        bronze = setup.tier_rows()[2].id
        for _ in range(2):
            add_document(customer, "receipt", date.today(), 30_000)
        db.session.commit()
    resp = manager_a.post("/loyalty/dry-run", data={"as_of": date.today().isoformat(), f"threshold-{bronze}": "700"})
    assert resp.status_code == 200 and "Nobody's tier would change." in resp.get_data(as_text=True)
    resp = manager_a.post("/loyalty/dry-run", data={"as_of": date.today().isoformat()})
    assert "Ola" in resp.get_data(as_text=True)
    with app.app_context(), tenant_scope(world_a.tenant_id):
        assert db.session.scalar(select(CustomerTier)) is None


def test_manual_tier_members_list_and_csv(app, manager_a, world_a):
    customer = make_customer(app, world_a.tenant_id, first_name="Kasia")
    with app.app_context(), tenant_scope(world_a.tenant_id):
        setup.replace_tiers(setup.default_tiers())
        gold = setup.tier_rows()[0].id
        db.session.commit()
    bad = manager_a.post(f"/loyalty/customer/{customer}/tier", data={"tier": str(gold), "until": "2001-01-01",
                                                                      "reason": "VIP"})
    assert bad.status_code == 422 and 'value="VIP"' in bad.get_data(as_text=True)
    until = (clock.today() + timedelta(days=30)).isoformat()
    assert manager_a.post(f"/loyalty/customer/{customer}/tier",
                          data={"tier": str(gold), "until": until, "reason": "VIP"}).status_code == 303
    members = manager_a.get(f"/loyalty/tiers/{gold}?q=kas", headers=HX).get_data(as_text=True)
    assert "Kasia" in members and "1 customer" in members
    csv = manager_a.get(f"/loyalty/tiers/{gold}/export.csv").get_data(as_text=True)
    assert "Kasia" in csv and until in csv
    assert manager_a.post(f"/loyalty/customer/{customer}/tier/end").status_code == 303
    with app.app_context(), tenant_scope(world_a.tenant_id):
        state = db.session.get(CustomerTier, (world_a.tenant_id, customer))
        assert state.tier_id == gold and not state.manual
        assert [c.cause for c in db.session.scalars(select(TierChange))] == ["manual", "manual"]
        assert db.session.get(Tier, gold) is not None



def test_the_terminal_the_list_and_the_dashboard_show_the_tier(app, staff_a, world_a):
    customer = make_customer(app, world_a.tenant_id, first_name="Ewa", last_name="Nowak")
    other = make_customer(app, world_a.tenant_id, first_name="Jan", last_name="Nowak")
    with app.app_context(), tenant_scope(world_a.tenant_id):
        setup.replace_tiers(setup.default_tiers())
        silver = setup.tier_rows()[1].id
        for _ in range(5):
            add_document(customer, "receipt", clock.today(), 93_600)  # 4 680 zł: 320 zł short of Gold
        db.session.add(CustomerTier(customer_id=customer, tier_id=silver, valid_until=clock.today()))
        db.session.commit()
    terminal = staff_a.get(f"/terminal/lookup?customer_id={customer}", headers=HX).get_data(as_text=True)
    assert "Silver" in terminal and "320.00 to Gold" in terminal.replace("\xa0", " ")
    listed = staff_a.get(f"/customers/?q=nowak&tier={silver}", headers=HX).get_data(as_text=True)
    assert "Ewa" in listed and "Jan" not in listed and "tier-badge" in listed
    assert "Jan" in staff_a.get("/customers/?q=nowak&tier=none", headers=HX).get_data(as_text=True)
    assert other
    dashboard = staff_a.get("/").get_data(as_text=True)
    assert "tier-chart" in dashboard and "Silver" in dashboard
