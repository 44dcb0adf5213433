"""Issue 15's "Done when" in a real browser, as a new manager would: in Polish, a hidden 5%
discount and a group granting it (with a price list and a category discount made beside it),
a customer put in the group from the customer form, scanned at the terminal; a quote by API
matching the rule to the grosz; then the discount and group pages in Czech."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from panel.extensions import db
from panel.models import Category, Product, User

from ..api.conftest import make_token
from ..cards.factories import UID_DEC_LE, make_card, make_customer
from ..conftest import as_tenant
from ..discounts.factories import make_catalog
from ..pricing import factories as f
from .conftest import shot, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def shop(app, world_a):
    """Drinks (beer 12,00, cola 8,00), tobacco (not discountable); drinks -10% and a price list
    with beer at 10,50 exist (to be granted); Jan with a card."""
    with app.app_context(), as_tenant(world_a):
        ids = make_catalog()
        beer = db.session.get(Product, ids["beer"])
        f.discount("Napoje -10%", percent="10", scope="categories", categories=[db.session.get(Category, ids["drinks"])],
                   selectable=False)
        f.price_list("Cennik stałych gości", products={beer: 1050})
        jan = make_customer("Jan", "Kosmowski")
        make_card(jan, UID_DEC_LE)
        db.session.get(User, world_a.manager.id).locale = "pl"
        db.session.commit()
        return jan.id


def test_a_hidden_group_discount_from_setup_to_the_quote(page, app, world_a, shop):
    sign_in(page, world_a.manager)

    # A hidden 5% on the whole bill; the form says the rule back.
    page.goto("/discounts/new")
    page.fill("#name", "Stali goście -5%")
    page.fill("#value", "5")
    page.uncheck("input[name=selectable]")
    expect(page.locator("#discount-sentence")).to_have_text("Rabat 5% na cały rachunek, ukryty w terminalu")
    page.click("#discount-form button[type=submit]")
    page.wait_for_url(re.compile(r"/discounts/\d+$"))
    shot(page, "walk15-1-discount-pl")

    # The group grants it, the drinks discount and the price list.
    page.goto("/groups/new")
    page.fill("#name", "Stali goście")
    for name in ("Stali goście -5%", "Napoje -10%", "Cennik stałych gości"):
        page.get_by_label(re.compile(re.escape(name))).check()
    page.get_by_role("button", name="Utwórz grupę").click()
    page.wait_for_url(re.compile(r"/groups/\d+$"))
    shot(page, "walk15-2-group-pl")

    # Jan goes into the group from his form ("Należy do grupy").
    page.goto(f"/customers/{shop}/edit")
    page.select_option("#group_id", label="Stali goście")
    page.get_by_role("button", name="Zapisz", exact=True).click()
    page.wait_for_url(re.compile(rf"/customers/{shop}$"))
    expect(page.locator(".customer-badges")).to_contain_text("Stali goście")

    # Scanned at the terminal: the group and what it gives, the hidden one as the group's.
    page.goto("/terminal/")
    page.locator("#terminal-q").fill(UID_DEC_LE)
    page.keyboard.press("Enter")
    benefits = page.locator(".terminal-benefits")
    expect(benefits).to_contain_text("Stali goście -5%")
    expect(benefits).to_contain_text("korzyść grupy")
    expect(benefits).to_contain_text("Cennik stałych gości")
    expect(page.locator(".terminal-benefits button, .terminal-benefits input")).to_have_count(0)
    shot(page, "walk15-3-terminal-pl")

    # The POS asks for a quote: 2 beers, a cola, cigarettes.
    token = make_token(app, world_a, "Till")
    quote = app.test_client().post("/api/v1/bills/quote", headers=token.headers, json={
        "customer": {"card_code": UID_DEC_LE},
        "lines": [{"line_id": "1", "product_id": "beer", "quantity": "2", "unit_price": 1200},
                  {"line_id": "2", "product_id": "cola", "quantity": "1", "unit_price": 800},
                  {"line_id": "3", "product_id": "cigs", "quantity": "1", "unit_price": 1800}]}).get_json()
    beer, cola, cigs = quote["lines"]
    # Beer: base 24,00; the price list 2 x 10,50 = 21,00 beats it; drinks -10% of 21,00 = 2,10 -> 18,90.
    # Cola: 8,00; no list entry; drinks -10% = 0,80 -> 7,20.
    # Cigarettes: not discountable, 18,00 untouched and outside the bill's sum.
    # Bill: 5% of S = 18,90 + 7,20 = 26,10 -> 1,305 -> 1,31 (half up), split 18,90 : 7,20 by largest
    # remainder: 131 x 1890/2610 = 94,86 and 131 x 720/2610 = 36,14 -> 94 + 36, the grosz left goes
    # to the larger remainder (beer) -> 0,95 and 0,36.
    assert (beer["base"], beer["final"]) == (2400, 1890 - 95)
    assert (cola["base"], cola["final"]) == (800, 720 - 36)
    assert (cigs["base"], cigs["final"]) == (1800, 1800)
    assert quote["totals"] == {"base": 5000, "discount": 5000 - 4279, "total": 1795 + 684 + 1800}
    assert quote["customer"]["group"]["name"] == "Stali goście"

    # In Czech: the discount's sentence and the group page.
    page.click("button.lang[value=cs]")
    page.wait_for_load_state("networkidle")
    page.goto("/discounts/")
    expect(page.locator("main")).to_contain_text("Sleva 5\u00a0% na celý účet, skrytá v terminálu")
    shot(page, "walk15-4-discounts-cs")
    page.goto("/groups/")
    expect(page.locator("main")).to_contain_text("Stali goście")
    shot(page, "walk15-5-groups-cs")
