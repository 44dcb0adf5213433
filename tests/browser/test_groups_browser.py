"""Customer groups in a real browser: create a group granting a hidden discount, move customers
into it from the list, add one by scanning their card on the group page, in Polish."""
import re

import pytest
from playwright.sync_api import expect

from ..customers.factories import add_card, make_customer
from ..groups.factories import make_discount
from .conftest import shot, sign_in

pytestmark = pytest.mark.browser


def test_group_flow_in_polish(page, app, world_a):
    t = world_a.tenant_id
    make_discount(app, t, "Stali goście", percent="5", selectable=False)
    anna = make_customer(app, t, first_name="Anna", last_name="Nowak", phone="600100200")
    make_customer(app, t, first_name="Piotr", last_name="Nowak")
    ewa = make_customer(app, t, first_name="Ewa", last_name="Zielińska")
    add_card(app, t, ewa, "0004340757")
    sign_in(page, world_a.manager)
    page.goto("/groups/")
    page.get_by_role("button", name="PL").click()
    page.wait_for_url(re.compile(r"/groups/$"))

    page.get_by_role("link", name="Nowa grupa").click()
    page.fill("#name", "Stali goście")
    page.locator("[data-swatch='#1f6feb']").click()   # a palette swatch fills the colour input
    assert page.input_value("#colour") == "#1f6feb"
    page.get_by_label(re.compile("Stali goście")).check()
    page.get_by_role("button", name="Utwórz grupę").click()
    page.wait_for_url(re.compile(r"/groups/\d+$"))
    expect(page.locator(".flash, [role=status]").first).to_be_visible()

    # From the customer list: tick the two Nowaks (keyboard-usable checkboxes) and move them.
    page.goto("/customers/?q=nowak")
    expect(page.locator("#customer-table tbody tr")).to_have_count(2)
    page.locator("[data-bulk-all]").check()
    expect(page.locator("[data-bulk-count]")).to_have_text("Zaznaczono: 2")
    page.select_option("#bulk-group", label="Stali goście")
    page.get_by_role("button", name="Przenieś", exact=True).click()
    page.wait_for_url(re.compile(r"/customers/\?q=nowak$"))
    expect(page.locator("#customer-table .group-badge")).to_have_count(2)
    shot(page, "customers-moved-to-group-pl")

    # On the group's page: scan Ewa's card into the add box; Enter adds her.
    page.goto("/groups/")
    page.locator("#group-table .group-badge").first.click()
    page.wait_for_url(re.compile(r"/groups/\d+$"))
    expect(page.locator("#members-count")).to_have_text("2 klientów")
    page.locator("#group-add-q").click()
    page.keyboard.type("0004340757", delay=10)
    page.keyboard.press("Enter")
    expect(page.locator("#members-count")).to_have_text("3 klientów")
    expect(page.locator("#members")).to_contain_text("Ewa Zielińska")
    # The member search narrows live (once htmx has settled the swapped section and bound it).
    expect(page.locator(".htmx-request, .htmx-settling, .htmx-swapping")).to_have_count(0)
    page.fill("#members-q", "ziel")
    expect(page.locator("#members tbody tr")).to_have_count(1)
    page.fill("#members-q", "")
    expect(page.locator("#members tbody tr")).to_have_count(3)
    shot(page, "groups-page-pl")
    page.goto("/groups/")
    expect(page.locator("#group-table")).to_contain_text("ukryty w terminalu")
    shot(page, "groups-list-pl")
    page.goto(f"/customers/{anna}")
    expect(page.locator(".customer-badges .group-badge")).to_contain_text("Stali goście")
