""""Try a bill" and the terminal's group benefits in a real browser, in Polish.

A manager picks Jan (in the group with the hidden 5%), adds products from the catalog by
searching, changes a quantity and ticks a staff discount; the quote follows each change. Then
staff scan Jan's card at the terminal and see the group and what it gives now.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from panel.extensions import db
from panel.models import Category, GroupPriceList, Product

from ..conftest import as_tenant
from ..pricing import factories as f
from ..pricing.conftest import _fresh_cache, shop  # noqa: F401  (the pricing tests' fixtures, reused)
from .conftest import shot, sign_in

pytestmark = pytest.mark.browser


def _polish(page) -> None:
    page.click("button.lang[value=pl]")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "pl"


@pytest.fixture
def rich_shop(app, world_a, shop):  # noqa: F811
    with app.app_context(), as_tenant(world_a):
        beer = db.session.get(Category, shop.beer_id)
        ipa = db.session.scalar(select(Product).where(Product.external_id == "p_ipa"))
        f.discount("Piwo -10%", percent="10", scope="categories", categories=[beer])
        happy = f.price_list("Ceny stałych gości", products={ipa: 1200})
        db.session.add(GroupPriceList(group_id=shop.group_id, price_list_id=happy.id))
        db.session.commit()
    return shop


def _settled(page) -> None:
    """Wait until htmx has swapped and settled the form (keys typed before that would be lost)."""
    page.wait_for_selector("#try-form:not(.htmx-settling):not(.htmx-request)")
    expect(page.locator(".htmx-request, .htmx-settling, .htmx-swapping")).to_have_count(0)


def _total(page) -> str:
    return page.inner_text("#try-quote .try-total td")


def test_try_a_bill_then_the_terminal_after_a_scan(page, world_a, rich_shop):
    sign_in(page, world_a.manager)
    _polish(page)
    page.goto("/pricing/try")
    page.fill("#try-cq", "Kowal")
    page.click("#customer-results button")
    expect(page.locator(".try-chosen")).to_contain_text("Stali goście")

    for query in ("ipa", "soup", "cigar"):
        _settled(page)
        page.locator("#product-search").fill(query)
        page.locator("#product-results button").first.click()
        expect(page.locator("#product-search")).to_be_focused()
    # IPA 12.00 from the group's list, soup 18.00, cigarettes 18.90 untouched; then the hidden 5%
    # on 30.00: 1.50 -> 48.90 - 1.50 ... in Polish money format.
    expect(page.locator("#try-quote")).to_contain_text("Stali goście -5%")
    _settled(page)
    before = _total(page)
    page.locator("input[name=lq]").first.fill("3")
    expect(page.locator("#try-quote .try-total td")).not_to_have_text(before)
    # 3 x 12.00 + 18.00 = 54.00, -5% = 2.70 -> 51.30 + 18.90 = 70.20
    expect(page.locator("#try-quote .try-total td")).to_have_text(re.compile(r"70,20"))
    _settled(page)
    page.get_by_label("Piwo -10%").check()
    # IPA: 36.00 -10% = 3.60 -> 32.40; S = 50.40, -5% = 2.52 -> 47.88 + 18.90 = 66.78
    expect(page.locator("#try-quote .try-total td")).to_have_text(re.compile(r"66,78"))
    expect(page.locator("#try-quote")).to_contain_text("Ceny stałych gości")
    shot(page, "pricing-try-bill-pl")
    bill_url = page.url  # the whole bill is in the address: it survives a reload, in another language too
    assert "lq=3" in bill_url and "pick=" in bill_url

    page.goto("/terminal/")
    page.keyboard.type(rich_shop.card, delay=10)
    page.keyboard.press("Enter")
    benefits = page.locator(".terminal-benefits")
    expect(benefits).to_contain_text("Stali goście")
    expect(benefits).to_contain_text("Stali goście -5%")
    expect(benefits.locator(".badge-group")).to_have_count(1)
    expect(benefits).to_contain_text("Ceny stałych gości")
    expect(benefits).not_to_contain_text("Piwo -10%")  # a staff discount is not the group's
    shot(page, "pricing-terminal-benefits-pl")

    page.click("button.lang[value=cs]")
    page.wait_for_load_state("networkidle")
    page.goto(bill_url)
    expect(page.locator("h1")).to_have_text("Vyzkoušet účet")
    expect(page.locator("#try-quote .try-total td")).to_have_text(re.compile(r"66,78"))
    expect(page.locator("#try-quote")).to_contain_text("sleva na účet")
    shot(page, "pricing-try-bill-cs")
