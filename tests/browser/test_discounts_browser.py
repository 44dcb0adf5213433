"""A discount set up as an owner would: in Polish, picking a category and a product by typing,
weekly hours, the sentence following every change, a refused save keeping everything."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from panel.extensions import db
from panel.models import Discount
from panel.services import discounts

from ..conftest import as_tenant
from ..discounts.factories import make_catalog
from .conftest import shot, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def catalog(app, world_a):
    with app.app_context(), as_tenant(world_a):
        make_catalog()
        db.session.commit()


def test_a_happy_hour_set_up_in_polish(page, app, world_a, catalog):
    sign_in(page, world_a.manager)
    page.goto("/discounts/")
    page.click("button.lang[value=pl]")
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    page.click("text=Dodaj rabat")
    sentence = page.locator("#discount-sentence")

    page.fill("#name", "Happy hour")
    page.fill("#value", "20")
    expect(sentence).to_have_text("Rabat 20% na cały rachunek")

    # Categories: typed, picked with the keyboard, shown as a chip.
    page.check("input[name=scope][value=categories]")
    page.click("#category_ids-q")
    page.keyboard.type("dri", delay=20)
    page.wait_for_selector("#category_ids-options [data-pick=drinks]")
    page.keyboard.press("Enter")
    expect(page.locator("#category_ids-chips .chip")).to_have_text(["Drinks×"])
    expect(sentence).to_have_text("Rabat 20% na kategorię Drinks")

    # A product left out, by mouse this time.
    page.click("#excluded_product_ids-q")
    page.keyboard.type("col", delay=20)
    page.click("#excluded_product_ids-options [data-pick=cola]")
    expect(sentence).to_have_text("Rabat 20% na kategorię Drinks, z wyłączeniem produktu Cola")

    # Weekly hours: a row added, Mon-Fri ticked, 15-17.
    page.click("[data-add-window]")
    for day in "12345":
        page.check(f"input[name=weekly-0-days][value='{day}']", force=True)
    page.fill("input[name=weekly-0-from]", "15:00")
    page.fill("input[name=weekly-0-to]", "17:00")
    page.uncheck("input[name=selectable]")
    expect(sentence).to_have_text("Rabat 20% na kategorię Drinks, z wyłączeniem produktu Cola, "
                                  "ukryty w terminalu, pon.–pt. 15:00–17:00")
    shot(page, "discount-form-pl")

    # A refused save keeps everything: the chips, the ticked days, the hours.
    page.fill("#valid_from", "2027-02-01")
    page.fill("#valid_to", "2027-01-01")
    page.click("#discount-form button[type=submit]")
    expect(page.locator("#valid_to-error")).to_have_text("Ostatni dzień nie może być wcześniejszy niż pierwszy.")
    expect(page.locator("#category_ids-chips .chip")).to_have_text(["Drinks×"])
    expect(page.locator("#excluded_product_ids-chips .chip")).to_have_text(["Cola×"])
    expect(page.locator("input[name=weekly-0-days]:checked")).to_have_count(5)
    expect(page.locator("#name")).to_have_value("Happy hour")
    shot(page, "discount-form-refused-pl")

    page.fill("#valid_to", "2027-12-31")
    page.click("#discount-form button[type=submit]")
    page.wait_for_url("**/discounts/*")
    expect(page.locator(".discount-sentence-big")).to_contain_text("od 1 lutego 2027 do 31 grudnia 2027")
    shot(page, "discount-detail-pl")

    with app.app_context(), as_tenant(world_a):
        d = db.session.scalars(select(Discount)).one()
        x = discounts.load([d])[0]
        assert (d.percent, d.scope, d.selectable) == (20, "categories", False)
        assert [c.external_id for c in x.categories] == ["drinks"]
        assert [p.external_id for p in x.excluded_products] == ["cola"]

    # The list finds it as you type and says the rule.
    page.goto("/discounts/")
    page.fill("#discount-q", "happy")
    expect(page.locator("#discount-table tbody tr")).to_have_count(1)
    expect(page.locator(".discount-rule")).to_contain_text("ukryty w terminalu")
    shot(page, "discount-list-pl")

    # In Czech, the same rule in Czech grammar, on the edit form.
    page.click("button.lang[value=cs]")
    expect(page.locator("html")).to_have_attribute("lang", "cs")
    page.click("text=Happy hour")
    page.click("text=Upravit")
    expect(page.locator("#discount-sentence")).to_have_text(
        "Sleva 20\u00a0% na kategorii Drinks, kromě produktu Cola, skrytá v terminálu, od 1. února 2027 "
        "do 31. prosince 2027, po–pá 15:00–17:00")
    shot(page, "discount-form-cs")


def test_enter_typed_faster_than_the_search_picks_what_was_typed(page, world_a, catalog):
    """Options shown on focus (Drinks first) are still there when a quick typist presses Enter
    after "toba": the picker takes Tobacco from the answer to "toba", never the stale Drinks."""
    sign_in(page, world_a.manager)
    page.goto("/discounts/new")
    page.check("input[name=scope][value=categories]")
    page.click("#category_ids-q")
    page.wait_for_selector("#category_ids-options [data-pick=drinks]")   # the list on focus
    page.keyboard.type("toba")
    page.keyboard.press("Enter")                                        # before the search's delay
    expect(page.locator("#category_ids-chips .chip")).to_have_text(["Tobacco×"])
    expect(page.locator("#category_ids-q")).to_have_value("")
    expect(page.locator("#category_ids-q")).to_be_focused()
