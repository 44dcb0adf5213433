"""The catalog in a real browser, in Polish: live search, the category filter, a product added
with a price typed as people type money, a refused form keeping what was typed."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from panel.extensions import db
from panel.models import Product
from panel.services.catalog import sync

from ..conftest import as_tenant
from .conftest import shot, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def menu(app, world_a):
    from panel.demo_data import seed_catalog

    with app.app_context(), as_tenant(world_a):
        seed_catalog()
        sync.upsert([], [{"id": f"W{i:03d}", "name": f"Wino domu {i:03d}", "category_id": "NAP", "price": 2500}
                         for i in range(60)])
        db.session.commit()


def test_catalog_in_polish(page, app, world_a, menu):
    sign_in(page, world_a.manager)
    page.click("button.lang[value=pl]")
    page.click("nav.sidenav >> text=Katalog")
    expect(page.locator("h1")).to_have_text("Katalog")
    rows = page.locator("#product-table tbody tr")
    expect(rows).to_have_count(50)  # a page; the rest behind "Dalej"
    page.click("#product-table .pagination a[rel=next]")
    expect(rows).to_have_count(16 + 60 - 50)
    assert "after=" in page.url

    page.fill("#product-q", "pierog")   # live search, no Enter
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Pierogi ruskie")
    expect(rows.first).to_contain_text("32,00")
    assert "q=pierog" in page.url

    page.fill("#product-q", "")
    page.select_option("select[name=category]", label="Wyroby tytoniowe")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Marlboro Gold")
    expect(rows.first).to_contain_text("Bez rabatów")
    page.select_option("select[name=category]", value="")
    page.fill("#product-q", "piwo")
    expect(rows).to_have_count(2)
    shot(page, "catalog-products-pl")

    page.click("text=Dodaj produkt")
    page.fill("#name", "Kompot z suszu")
    page.fill("#external_id", "1201")    # the beer's POS id: refused, what was typed stays
    page.select_option("#category_id", label="Napoje")
    page.fill("#price", "9,5")
    page.fill("#vat_rate", "8")
    page.click("main button[type=submit]")
    expect(page.locator("[data-error-summary]")).to_contain_text("Inny produkt ma już to ID w POS.")
    expect(page.locator("#name")).to_have_value("Kompot z suszu")
    expect(page.locator("#price")).to_have_value("9,5")
    shot(page, "catalog-product-form-pl")
    page.fill("#external_id", "1301")
    page.click("main button[type=submit]")
    expect(page.locator(".flash, [role=status]").first).to_be_visible()
    with app.app_context(), as_tenant(world_a):
        kompot = db.session.scalar(select(Product).where(Product.external_id == "1301"))
        assert (kompot.name, kompot.price) == ("Kompot z suszu", 950)

    page.click("text=Kategorie")
    expect(page.locator("#category-table tbody tr")).to_have_count(7)
    expect(page.locator(".catalog-depth-1")).to_have_count(2)
    shot(page, "catalog-categories-pl")
