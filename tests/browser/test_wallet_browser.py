"""The wallet in a real browser, in Polish: top up 200 zł from the customer's Wallet tab, see the
printable confirmation and the balance; a mistyped amount comes back with what was typed."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from panel.extensions import db
from panel.models import User, WalletEntry

from ..cards.factories import make_customer
from ..conftest import as_tenant
from .conftest import shot, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def jan(app, world_a):
    with app.app_context(), as_tenant(world_a):
        c = make_customer("Jan", "Kosmowski", phone="600100200")
        db.session.get(User, world_a.manager.id).locale = "pl"
        db.session.commit()
        return c.id


def test_top_up_200_zl_and_see_it(page, app, world_a, jan):
    sign_in(page, world_a.manager)
    page.goto(f"/customers/{jan}?tab=wallet")
    expect(page.locator("#wallet-balance")).to_have_text("0,00\xa0zł")
    # A mistyped amount: the form comes back (htmx, 422) with the text and the method kept.
    page.fill("#top-up-amount", "20O")
    page.check("input[name=method][value=card]")
    page.click("#wallet-top-up button[type=submit]")
    expect(page.locator("#top-up-amount-error")).to_contain_text("np. 200")
    expect(page.locator("#top-up-amount")).to_have_value("20O")
    expect(page.locator("input[name=method][value=card]")).to_be_checked()
    shot(page, "wallet-top-up-error-pl")
    page.fill("#top-up-amount", "200")
    page.check("input[name=method][value=cash]")
    page.keyboard.press("Enter")   # from the keyboard, as at the bar
    page.wait_for_url("**/confirmation")
    receipt = page.locator(".wallet-receipt")
    expect(receipt).to_contain_text("Potwierdzenie doładowania")
    expect(receipt).to_contain_text("Bistro Alfa")
    expect(receipt).to_contain_text("Jan Kosmowski")
    expect(receipt).to_contain_text("200,00\xa0zł")
    expect(receipt).to_contain_text("Gotówka")
    shot(page, "wallet-confirmation-pl")
    page.click("text=Wróć do portfela")
    expect(page.locator("#wallet-balance")).to_have_text("200,00\xa0zł")
    expect(page.locator(".wallet-ledger")).to_contain_text("Doładowanie")
    shot(page, "wallet-tab-pl")
    # Back to the confirmation and forward again: nothing is topped up twice.
    page.go_back()
    page.go_forward()
    with app.app_context(), as_tenant(world_a):
        assert db.session.scalar(select(func.count()).select_from(WalletEntry)) == 1


def test_the_wallet_tab_in_czech(page, app, world_b):
    with app.app_context(), as_tenant(world_b):
        from panel.services import wallets

        c = make_customer("Jana", "Dvořáková")
        wallets.add_rule(50000, 5000, None)
        wallets.top_up(c, 50000, "card")
        wallets.pay(c, 4350)
        db.session.get(User, world_b.owner.id).locale = "cs"
        db.session.commit()
        cid = c.id
    sign_in(page, world_b.owner)
    page.goto(f"/customers/{cid}?tab=wallet")
    expect(page.locator("#wallet-balance")).to_have_text("506,50\xa0Kč")
    ledger = page.locator(".wallet-ledger")
    expect(ledger).to_contain_text("Bonus za dobití")
    expect(ledger).to_contain_text("Platba")
    expect(ledger).to_contain_text("−43,50\xa0Kč")
    shot(page, "wallet-tab-cs")
