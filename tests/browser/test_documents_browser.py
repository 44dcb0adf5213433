"""Documents and points in a real browser, in Polish: a customer's Documents tab opens a
purchase by keyboard, the Points tab shows the ledger, a manager adjusts points, and the
documents list filters live."""
from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from ..api.conftest import make_token
from ..cards.factories import UID_DEC_LE, make_card, make_customer
from ..conftest import as_tenant
from ..documents.conftest import back, enable_points, line, receipt, refund
from .conftest import shot, sign_in

pytestmark = pytest.mark.browser


def _send(app, token, body):
    resp = app.test_client().post("/api/v1/documents", json=body,
                                  headers={**token.headers, "Idempotency-Key": str(uuid.uuid4())})
    assert resp.status_code == 201, resp.get_json()


def test_documents_and_points_tabs_in_polish(page, app, world_a):
    from panel.extensions import db

    with app.app_context(), as_tenant(world_a):
        jan = make_customer("Jan", "Kowalski")
        make_card(jan, UID_DEC_LE, number="000123")
        db.session.commit()
        jan_id = jan.id
    enable_points(app, world_a)
    token = make_token(app, world_a)
    _send(app, token, receipt("PAR/2026/000123", customer={"card_code": UID_DEC_LE},
                              lines=[line("1", "2", 1450, name="Pilsner 0,5 l"),
                                     line("2", "1", 2400, final=2160, name="Burger wołowy",
                                          adjustments=[{"layer": "line_discount", "amount": -240}])]))
    _send(app, token, refund("ZW/2026/000007", original="PAR/2026/000123", lines=[back("a", "1", "1", 1450)]))

    sign_in(page, world_a.manager)
    page.goto(f"/customers/{jan_id}")
    page.click("button.lang[value=pl]")
    page.wait_for_selector("html[lang=pl]")

    page.click("nav.tabs a[data-focus-key=tab-documents]")
    expect(page.locator(".document-item")).to_have_count(2)
    # Open the sale by keyboard: focus its summary, Enter.
    summary = page.locator(".document-item summary", has_text="PAR/2026/000123")
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Burger wołowy")).to_be_visible()
    assert "Płatności" in page.inner_text(".document-item details[open]")
    shot(page, "customer-documents-pl")

    page.click("nav.tabs a[data-focus-key=tab-points]")
    page.wait_for_url("**tab=points**")
    page.wait_for_load_state("networkidle")  # htmx has wired the swapped-in form
    expect(page.locator(".points-ledger")).to_be_visible()
    assert "Odebrane przez zwrot" in page.inner_text(".points-ledger")
    page.fill("#points-amount", "10")
    page.keyboard.press("Enter")  # no reason: refused, the amount kept
    expect(page.locator("#points-reason-error")).to_be_visible(timeout=10000)
    assert page.input_value("#points-amount") == "10"
    page.fill("#points-reason", "Urodziny")
    page.keyboard.press("Enter")
    expect(page.locator(".points-ledger")).to_contain_text("Urodziny")
    # 29,00 + 21,60 = 50 points earned, 14 taken back by the return, +10 by hand.
    expect(page.locator(".stat-value").first).to_have_text("46")
    shot(page, "customer-points-pl")

    page.goto("/documents/")
    expect(page.locator("#documents-table")).to_contain_text("ZW/2026/000007")
    page.select_option("select[name=type]", "return")
    expect(page.locator("#documents-table")).not_to_contain_text("PAR/2026/000123")
    assert "type=return" in page.url
    shot(page, "documents-list-pl")


def test_the_points_settings_in_polish_keep_what_was_typed(page, app, world_a):
    sign_in(page, world_a.owner)
    page.goto("/settings/points")
    page.click("button.lang[value=pl]")
    page.wait_for_selector("html[lang=pl]")
    page.check("#enabled")
    page.fill("#per_unit", "1,5")
    page.fill("#redeem_value", "abc")
    page.click("main button[type=submit]")
    expect(page.locator(".has-error #redeem_value")).to_be_visible()
    assert page.input_value("#per_unit") == "1,5"
    shot(page, "settings-points-pl")
    page.fill("#redeem_value", "1,00")
    page.click("main button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text("Zapisano ustawienia punktów")
