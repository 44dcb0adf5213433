"""The customer base in a real browser: live search, a card reader in the search box, the form's
422 and duplicate warning, detail tabs; screenshots in English and Polish."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ..customers.factories import add_card, make_customer
from .conftest import shot, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def regulars(app, world_a):
    t = world_a.tenant_id
    made = {
        "lodz": make_customer(app, t, first_name="Katarzyna", last_name="Wiśniewska", city="Łódź",
                              email="kasia@example.pl", phone="600 100 200", marketing_consent=True),
        "brno": make_customer(app, t, first_name="Antonín", last_name="Dvořák", city="Brno", country="CZ",
                              phone="+420 603 123 456"),
        "firma": make_customer(app, t, company_name="Pierogarnia Mandu Sp. z o.o.", nip="5261040828",
                               city="Gdańsk"),
    }
    for i in range(30):
        make_customer(app, t, first_name=f"Gość{i:02d}", last_name="Zieliński", city="Warszawa")
    add_card(app, t, made["brno"], "3220338716", number="RG-1001")
    return made


def rows(page) -> list[str]:
    return page.locator("#customer-table tbody tr").all_inner_texts()


def test_live_search_history_and_card_scan(page, world_a, regulars):
    sign_in(page, world_a.staff)
    page.goto("/customers/")
    expect(page.locator("#customer-q")).to_be_focused()
    assert len(rows(page)) == 25 and page.locator("a[rel=next]").is_visible()
    shot(page, "customers-list")

    # Typing searches as you go; no accents needed; the URL follows.
    page.locator("#customer-q").press_sequentially("lodz", delay=60)
    page.wait_for_url(re.compile(r"/customers/\?q=lodz$"))
    expect(page.locator("#customer-table tbody tr")).to_have_count(1)
    assert "Katarzyna Wiśniewska" in rows(page)[0]
    shot(page, "customers-search-lodz")

    # A filter combines with the search, and reload keeps both.
    page.select_option("select[name=consent]", "no")
    page.wait_for_url(re.compile(r"consent=no"))
    assert "No customers match." in page.locator("#customer-table").inner_text()
    page.reload()
    assert page.input_value("#customer-q") == "lodz"
    assert page.locator("select[name=consent]").input_value() == "no"
    page.go_back()
    page.wait_for_url(re.compile(r"/customers/\?q=lodz$"))
    expect(page.locator("#customer-table tbody tr")).to_have_count(1)

    # Switching the language keeps the search on screen.
    page.get_by_role("button", name="PL").click()
    page.wait_for_url(re.compile(r"/customers/\?q=lodz$"))
    assert page.input_value("#customer-q") == "lodz"
    expect(page.locator("#customer-table tbody tr")).to_have_count(1)
    page.get_by_role("button", name="EN").click()
    page.wait_for_url(re.compile(r"/customers/\?q=lodz$"))

    # "← Customers" on the customer's page goes back to the list as it was left.
    page.locator("#customer-table tbody a").first.click()
    page.wait_for_url(re.compile(r"/customers/\d+$"))
    page.locator("a[data-back-to-list]").click()
    page.wait_for_url(re.compile(r"/customers/\?q=lodz$"))
    assert page.input_value("#customer-q") == "lodz"

    # A card reader: the code typed fast into the search box and Enter, the way a USB reader does.
    page.goto("/customers/")
    page.locator("#customer-q").click()
    page.keyboard.type("1C78F2BF", delay=8)
    page.keyboard.press("Enter")
    expect(page.locator(".customer-card-hit")).to_be_visible()
    assert "Antonín Dvořák" in page.locator(".customer-card-hit").inner_text()
    assert [r.split("\t")[0] for r in rows(page)] == ["Antonín Dvořák"]
    # The code is selected, so the next scan replaces it instead of appending.
    expect(page.locator("#customer-q")).to_be_focused()
    assert page.locator("#customer-q").evaluate("el => el.selectionEnd - el.selectionStart") == 8
    shot(page, "customers-card-scan")
    page.keyboard.type("3220338716", delay=8)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=3220338716"))
    assert [r.split("\t")[0] for r in rows(page)] == ["Antonín Dvořák"]


def test_sort_and_pages_by_keyboard(page, world_a, regulars):
    sign_in(page, world_a.staff)
    page.goto("/customers/")
    page.locator("th a[data-focus-key=sort-city]").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"sort=city"))
    expect(page.locator("th a[data-focus-key=sort-city]")).to_be_focused()
    assert rows(page)[0].split("\t")[3] == "Brno"
    page.locator("a[rel=next]").click()
    page.wait_for_url(re.compile(r"after="))
    assert page.locator("a[rel=prev]").is_visible()
    page.locator("a[rel=prev]").click()
    page.wait_for_url(re.compile(r"before="))
    assert rows(page)[0].split("\t")[3] == "Brno"


def test_form_errors_keep_values_and_warn_of_duplicates(page, world_a, regulars):
    sign_in(page, world_a.staff)
    page.goto("/customers/new")
    page.fill("#first_name", "Żaneta")
    page.fill("#last_name", "Dvořáková")
    page.fill("#nip", "526-104-08-29")
    page.locator("#email").press_sequentially("kasia@example.pl", delay=20)
    page.wait_for_selector("#duplicate-warning .notice")
    assert "Katarzyna Wiśniewska" in page.locator("#duplicate-warning").inner_text()
    shot(page, "customers-form-duplicate")
    page.fill("#postcode", "9000")
    page.click("form.customer-form button[type=submit]")
    page.wait_for_selector("[data-error-summary]")
    expect(page.locator("[data-error-summary]")).to_be_focused()
    assert page.input_value("#first_name") == "Żaneta"
    assert page.input_value("#last_name") == "Dvořáková"
    assert page.input_value("#nip") == "526-104-08-29"
    assert "This NIP is not valid" in page.locator("#nip-error").inner_text()
    assert "Katarzyna Wiśniewska" in page.locator("#duplicate-warning").inner_text()
    shot(page, "customers-form-422")
    page.fill("#nip", "5261040828")
    page.fill("#postcode", "90-001")
    page.fill("#email", "zaneta@example.pl")
    page.click("form.customer-form button[type=submit]")
    page.wait_for_url(re.compile(r"/customers/\d+$"))
    assert "Żaneta Dvořáková" in page.locator("h1").inner_text()


def test_detail_tabs_in_english_and_polish(page, world_a, regulars):
    sign_in(page, world_a.manager)
    page.goto(f"/customers/{regulars['brno']}")
    assert page.locator(".tabs a").all_inner_texts()[0] == "Details"
    shot(page, "customers-detail")
    page.locator(".tabs a[data-focus-key=tab-cards]").click()
    page.wait_for_url(re.compile(r"tab=cards"))
    assert "3220338716" in page.locator("#customer-tab").inner_text()
    shot(page, "customers-detail-cards")
    page.click("button.lang[value=pl]")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "pl"
    shot(page, "customers-detail-cards-pl")
    page.goto("/customers/")
    shot(page, "customers-list-pl")
    page.goto(f"/customers/{regulars['lodz']}/edit")
    shot(page, "customers-form-pl")
    page.goto(f"/customers/{regulars['lodz']}/erase")
    shot(page, "customers-erase-pl")


def test_merge_preview_and_merge(page, app, world_a, regulars):
    twin = make_customer(app, world_a.tenant_id, first_name="Kasia", last_name="Wiśniewska", city="Łódź",
                         email="kasia@example.pl", phone="+48 600 100 200", notes="Zawsze stolik 4")
    add_card(app, world_a.tenant_id, twin, "0004340757")
    sign_in(page, world_a.manager)
    page.goto(f"/customers/{regulars['lodz']}")
    page.get_by_role("link", name="Merge…").click()
    # The shared e-mail and phone make the twin a suggestion before anything is typed.
    page.get_by_role("link", name="Compare").first.click()
    page.wait_for_url(re.compile(rf"other={twin}"))
    shot(page, "customers-merge-preview")
    page.locator("input[name=choice-first_name][value=other]").check()
    page.get_by_role("button", name="Merge").click()
    page.wait_for_url(re.compile(rf"/customers/{regulars['lodz']}$"))
    assert "Kasia Wiśniewska" in page.locator("h1").inner_text()
    assert "was merged into" in page.locator(".flash").inner_text()
    page.locator(".tabs a[data-focus-key=tab-cards]").click()
    expect(page.locator("#customer-tab")).to_contain_text("0004340757")
    shot(page, "customers-merged-cards")
