"""Price lists in a real browser, in Polish: create a list, add a product through the catalog
picker by keyboard, a category at a percent off, change a price inline, search the entries;
screenshots of the list and of its page."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from panel.extensions import db

from ..conftest import as_tenant
from ..price_lists.factories import make_catalog
from .conftest import shot, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def catalog(app, world_a):
    with app.app_context(), as_tenant(world_a):
        ids = make_catalog()
        db.session.commit()
        db.session.remove()
    return ids


def _grant(app, world, list_id: int) -> None:
    """The groups area grants lists; here the row is written directly."""
    from panel.models import CustomerGroup, GroupPriceList

    with app.app_context(), as_tenant(world):
        group = CustomerGroup(name="Stali goście −5%", name_key="stali goście −5%")
        db.session.add(group)
        db.session.flush()
        db.session.add(GroupPriceList(group_id=group.id, price_list_id=list_id))
        db.session.commit()
        db.session.remove()


def test_a_price_list_end_to_end_in_polish(app, page, world_a, catalog):
    sign_in(page, world_a.manager)
    page.click("button.lang[value=pl]")
    page.wait_for_load_state()
    page.goto("/price-lists/")
    expect(page.locator("h1")).to_have_text("Cenniki")
    page.click("text=Nowy cennik")

    # A 422 keeps what was typed.
    page.fill("#new-name", "Cennik stałych gości")
    page.fill("#new-valid_from", "2026-03-01")
    page.fill("#new-valid_to", "2026-02-01")
    page.click("main button[type=submit]")
    expect(page.locator("#new-valid_to-error")).to_contain_text("nie może kończyć się przed początkiem")
    assert page.input_value("#new-name") == "Cennik stałych gości"
    page.fill("#new-valid_to", "2026-12-31")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/price-lists/\d+$"))

    # A product by keyboard: type, the picker suggests, arrow down + Enter picks, Tab to the price.
    item = page.locator("#add-product-item")
    item.click()
    item.press_sequentially("piwo", delay=50)
    expect(page.locator("#add-product-items option")).to_have_count(1)
    item.fill("Piwo Żywiec 0,5 l [beer-05]")
    item.press("Tab")
    page.keyboard.type("9,00")
    page.keyboard.press("Enter")
    expect(page.locator("#entry-table tbody tr")).to_have_count(1)
    expect(page.locator("#entry-table")).to_contain_text("Piwo Żywiec 0,5 l")
    expect(page.locator("#entry-table")).to_contain_text("−25 %")

    # A category at a percent off; a wrong percent keeps what was typed.
    page.fill("#add-category-item", "Desery [desserts]")
    page.fill("#add-category-value", "150")
    page.click("#add-category button[type=submit]")
    expect(page.locator("#add-category-value-error")).to_be_visible()
    assert page.input_value("#add-category-item") == "Desery [desserts]"
    page.fill("#add-category-value", "10")
    page.click("#add-category button[type=submit]")
    expect(page.locator("#entry-table tbody tr")).to_have_count(2)
    expect(page.locator("#entry-count")).to_have_text("2")  # the head follows the table

    # Change the beer's price inline.
    beer = page.locator("#entry-table tbody tr", has_text="Piwo")
    beer.locator("text=Zmień").click()
    value = page.locator("#entry-table input[name=value]")
    expect(value).to_be_focused()
    value.fill("8,50")
    value.press("Enter")
    expect(page.locator("#entry-table tbody tr", has_text="Piwo")).to_contain_text("8,50")

    # Live search within the entries.
    page.locator("#entry-q").press_sequentially("deser", delay=50)
    page.wait_for_url(re.compile(r"q=deser"))
    expect(page.locator("#entry-table tbody tr")).to_have_count(1)
    page.fill("#entry-q", "")
    page.locator("#entry-q").press("Enter")
    expect(page.locator("#entry-table tbody tr")).to_have_count(2)
    shot(page, "price-list-pl")

    # An import with a bad row shows it and saves nothing.
    page.click("text=Importuj ceny z pliku")
    page.set_input_files("#price-import-file", files=[{
        "name": "cennik.csv", "mimeType": "text/csv",
        "buffer": "Produkt;Cena;Kategoria;Rabat %\ncake;14,50;;\nghost;3,00;;\n;;drinks;5\n".encode()}])
    page.click("main button[type=submit]")
    expect(page.locator(".row-error")).to_contain_text("ghost")
    expect(page.locator("button[value=import]")).to_be_disabled()
    shot(page, "price-list-import-pl")

    _grant(app, world_a, int(re.search(r"/price-lists/(\d+)", page.url).group(1)))
    page.goto("/price-lists/")
    expect(page.locator("#price-list-table")).to_contain_text("Cennik stałych gości")
    expect(page.locator("#price-list-table")).to_contain_text("Stali goście −5%")
    shot(page, "price-lists-pl")
