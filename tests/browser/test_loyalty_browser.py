"""Loyalty tiers as a new manager meets them, in Czech and Polish: Gold/Silver/Bronze, settings,
documents recorded, Start, the run's summary, the customer's history, a dry run with a higher
threshold."""
from datetime import date, datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect
from rq import SimpleWorker

from panel.extensions import db
from panel.jobs import get_queue, redis_connection
from panel.models import Customer

from ..api.conftest import make_token
from ..conftest import as_tenant
from .conftest import shot, sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("locale", ["cs", "pl"])
def test_configure_start_and_read_the_history(page, app, world_a, locale):
    with app.app_context(), as_tenant(world_a):
        ewa = Customer(first_name="Ewa", last_name="Nováková", sort_name="nováková ewa", search_text="ewa novakova")
        jan = Customer(first_name="Jan", last_name="Svoboda", sort_name="svoboda jan", search_text="jan svoboda")
        db.session.add_all([ewa, jan])
        db.session.commit()
        ewa_id, jan_id = ewa.id, jan.id
    # The POS records the documents by API (evaluation is not on yet: nothing moves until Start).
    token, api = make_token(app, world_a, "Till"), app.test_client()
    sales = [(ewa_id, "receipt", amount) for amount in (120_000, 110_000, 90_000, 60_000, 45_000)]
    sales += [(jan_id, "receipt", 30_000), (jan_id, "invoice", 25_000)]
    for n, (customer_id, kind, amount) in enumerate(sales):
        resp = api.post("/api/v1/documents", headers={**token.headers, "Idempotency-Key": f"{locale}-{n}"}, json={
            "type": kind, "number": f"D-{n}", "register_id": "kasa-1",
            "issued_at": datetime.now(timezone.utc).isoformat(), "customer": {"id": customer_id},
            "lines": [{"line_id": "1", "quantity": "1", "unit_price": amount, "final": amount}],
            "payments": [{"method": "card", "amount": amount}]})
        assert resp.status_code == 201, resp.get_json()

    sign_in(page, world_a.manager)
    page.click(f"button.lang[value={locale}]")
    page.wait_for_load_state("networkidle")
    page.goto("/loyalty/")
    assert page.locator("html").get_attribute("lang") == locale
    page.click("form[action$='/loyalty/defaults'] button")
    expect(page.locator("input[name='tiers-0-name']")).to_have_value("Gold")
    page.check("input[name='evaluate']")
    page.click("form[action$='/loyalty/settings'] button[type=submit]")
    expect(page.locator("input[name='evaluate']")).to_be_checked()

    page.click("form[action$='/loyalty/start'] button")
    with app.app_context():
        SimpleWorker([get_queue("loyalty")], connection=redis_connection()).work(burst=True)
    summary = page.locator(".loyalty-summary").first
    expect(summary).to_be_visible(timeout=10_000)
    expect(summary.locator(".up dd")).to_have_text("2")
    shot(page, f"loyalty-settings-{locale}")

    page.goto(f"/customers/{ewa_id}?tab=loyalty")
    expect(page.locator(".loyalty-tier .tier-badge")).to_contain_text("Silver")
    expect(page.locator(".loyalty-history tbody tr")).to_have_count(1)
    expect(page.locator(".loyalty-missing")).to_contain_text("Gold")
    shot(page, f"loyalty-customer-{locale}")

    page.goto("/loyalty/dry-run")
    # After Silver's validity (90 days), with Silver at 5000: Ewa would drop to Bronze.
    page.fill("#as_of", (date.today() + timedelta(days=100)).isoformat())
    silver = page.locator("input[id^='threshold-']").nth(1)
    silver.fill("5000")
    silver.press("Enter")
    result = page.locator("#dry-run-result")
    expect(result.locator("tbody tr")).to_have_count(1)
    expect(result).to_contain_text("Nováková")
    shot(page, f"loyalty-dry-run-{locale}")

    page.goto("/")
    expect(page.locator(".tier-chart")).to_be_visible()
    shot(page, f"loyalty-dashboard-{locale}")
    page.goto("/customers/?tier=any")
    expect(page.locator(".customer-badges .tier-badge")).to_have_count(2)
    shot(page, f"loyalty-dashboard-list-{locale}")
