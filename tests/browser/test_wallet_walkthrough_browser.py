"""Issue 16's "Done when" in a real browser: a manager tops up 200 zł on the Wallet tab, staff
pay 43,50 zł from the wallet at the terminal (no POS connected), the POS returns part of that
bill by API to the wallet; the Wallet, Points and Documents tabs agree to the grosz, in Polish
and then in Czech."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from panel.extensions import db
from panel.models import Document, Tenant, User

from ..api.conftest import make_token
from ..cards.factories import UID_DEC_LE, make_card, make_customer
from ..conftest import as_tenant
from .conftest import shot, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def jan(app, world_a):
    with app.app_context(), as_tenant(world_a):
        tenant = db.session.get(Tenant, world_a.tenant_id)
        tenant.points_enabled = True  # 1 point per 1 zł, 100 points = 1 zł (the defaults)
        c = make_customer("Jan", "Kosmowski", phone="600100200")
        make_card(c, UID_DEC_LE)
        db.session.get(User, world_a.manager.id).locale = "pl"
        db.session.commit()
        return c.id


def _tab(page, customer_id, tab):
    page.goto(f"/customers/{customer_id}?tab={tab}")


def test_top_up_pay_at_the_terminal_return_part_and_everything_agrees(page, app, world_a, jan):
    sign_in(page, world_a.manager)

    # 1. Top up 200 zł as people type it.
    _tab(page, jan, "wallet")
    page.fill("#top-up-amount", "200")
    page.keyboard.press("Enter")
    page.wait_for_url("**/confirmation")
    expect(page.locator(".wallet-receipt")).to_contain_text("200,00\xa0zł")
    shot(page, "walk16-1-top-up-confirmation-pl")

    # 2. At the terminal: scan the card (the reader types the code and Enter), pay 43,50 zł.
    page.goto("/terminal/")
    page.locator("#terminal-q").fill(UID_DEC_LE)
    page.keyboard.press("Enter")
    expect(page.locator(".terminal-wallet").first).to_contain_text("200,00\xa0zł")
    page.fill("#pay-amount", "43,50")
    page.click(".terminal-pay button[type=submit]")
    expect(page.locator(".terminal-wallet").first).to_contain_text("156,50\xa0zł")
    expect(page.locator("body")).to_contain_text("Zapłacono 43,50\xa0zł z portfela")
    expect(page.locator("body")).to_contain_text("Punkty: 43")
    shot(page, "walk16-2-terminal-paid-pl")

    # 3. The POS returns 10,00 zł of that bill to the wallet (by API, naming the terminal's receipt).
    with app.app_context(), as_tenant(world_a):
        receipt = db.session.scalar(select(Document).where(Document.register_id == "panel-terminal"))
        number = receipt.number
    token = make_token(app, world_a, "Till")
    resp = app.test_client().post("/api/v1/documents", headers={**token.headers, "Idempotency-Key": str(uuid.uuid4())},
                                  json={"type": "return", "number": "ZW-1", "register_id": "kasa-1",
                                        "issued_at": datetime.now(timezone.utc).isoformat(),
                                        "original": {"register_id": "panel-terminal", "type": "receipt",
                                                     "number": number},
                                        "lines": [{"line_id": "a", "original_line_id": "1", "quantity": "1",
                                                   "unit_price": 1000, "final": 1000}],
                                        "payments": [{"method": "wallet", "amount": 1000}]})
    assert resp.status_code == 201, resp.get_json()
    # 43,50 - 10,00 = 33,50 earns 33 points: 10 of the 43 go back.
    assert resp.get_json()["points"] | {"earned": 0} == {"balance": 33, "earned": 0, "redeemed": 0, "reversed": 10}

    # 4. The tabs agree: 200,00 - 43,50 + 10,00 = 166,50 zł; 43 - 10 = 33 points.
    _tab(page, jan, "wallet")
    expect(page.locator("#wallet-balance")).to_have_text("166,50\xa0zł")
    ledger = page.locator(".wallet-ledger")
    expect(ledger).to_contain_text("−43,50\xa0zł")
    expect(ledger).to_contain_text("10,00\xa0zł")
    shot(page, "walk16-3-wallet-pl")
    _tab(page, jan, "points")
    expect(page.locator(".stat-value").first).to_have_text("33")
    shot(page, "walk16-4-points-pl")
    _tab(page, jan, "documents")
    docs = page.locator(".document-item")
    expect(docs).to_have_count(2)
    expect(page.locator("main")).to_contain_text("43,50\xa0zł")
    expect(page.locator("main")).to_contain_text("ZW-1")
    shot(page, "walk16-5-documents-pl")

    # 5. The same in Czech.
    page.click("button.lang[value=cs]")
    page.wait_for_load_state("networkidle")
    _tab(page, jan, "wallet")
    expect(page.locator("#wallet-balance")).to_have_text("166,50\xa0PLN")  # Czech writes the złoty's code
    expect(page.locator("nav.tabs")).to_contain_text("Peněženka")
    shot(page, "walk16-6-wallet-cs")
    _tab(page, jan, "documents")
    expect(page.locator(".document-item")).to_have_count(2)
    shot(page, "walk16-7-documents-cs")
