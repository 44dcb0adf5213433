"""A new owner's walkthrough, in Polish at 1366 px: what a browser shows and the server cannot.

Row actions that wrap, a cut-off placeholder, identifiers of the wrong country in the form.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from rq import SimpleWorker

from panel.extensions import db
from panel.jobs import get_queue, redis_connection
from panel.models import Customer

from ..cards.factories import make_card, make_customer
from ..conftest import as_tenant
from .conftest import SHOTS, shot, sign_in

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}

# Widths of the text each input's placeholder needs, against the room its content box has.
PLACEHOLDER_FITS = """el => {
  const s = getComputedStyle(el);
  const ctx = document.createElement("canvas").getContext("2d");
  ctx.font = s.font;
  const room = el.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
  return [ctx.measureText(el.placeholder).width, room];
}"""


def _in_polish(page, path: str) -> None:
    page.set_viewport_size(LAPTOP)
    page.goto(path)
    page.click("button.lang[value=pl]")
    page.wait_for_selector("html[lang=pl]")


def test_cards_list_in_polish_at_1366_keeps_each_rows_actions_on_one_line(page, app, world_a):
    with app.app_context(), as_tenant(world_a):
        for i in range(3):
            c = make_customer("Katarzyna", f"Wiśniewska-Kowalczyk {i}", company_name="Restauracja Pod Złotym Lwem Sp. z o.o.")
            make_card(c, f"00043407{i:02d}", number=f"NR-{i:06d}", expires_on=date.today() + timedelta(days=10 + i))
        db.session.commit()
    sign_in(page, world_a.owner)
    _in_polish(page, "/cards/")
    rows = page.locator("table.card-table tbody tr")
    assert rows.count() == 3
    shot(page, "cards-list-pl-1366")
    for i in range(3):
        # On one line, every action's box overlaps the first one's height (a badge is lower than a button).
        boxes = rows.nth(i).locator(".card-actions > *").evaluate_all(
            "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.top, r.bottom]; })")
        first_top, first_bottom = boxes[0]
        assert len(boxes) >= 4 and all(top < first_bottom and bottom > first_top for top, bottom in boxes), (
            f"row {i}: the actions wrap: {boxes}")
    # One date style in the table: the expiry and the issue day are written alike.
    expires = rows.nth(0).locator("td").nth(3).locator("time").inner_text()
    issued = rows.nth(0).locator("td").nth(4).inner_text()
    shot(page, "cards-list-pl-1366")
    assert issued.count(" ") == expires.count(" ") == 2, (expires, issued)


def test_customer_search_placeholder_fits_in_polish_at_1366(page, world_a):
    sign_in(page, world_a.owner)
    _in_polish(page, "/customers/")
    shot(page, "customers-list-pl-1366")
    needed, room = page.locator("#customer-q").evaluate(PLACEHOLDER_FITS)
    assert needed <= room, f"the placeholder needs {needed:.0f} px, the field has {room:.0f} px"
    # ...and on a 1280 px laptop the search and the first four filters still share one line (the
    # area filters (group, wallet, tier, points) may wrap to the next).
    page.set_viewport_size({"width": 1280, "height": 800})
    tops = page.locator("#customer-filters > input, #customer-filters > label:not(.visually-hidden)").evaluate_all(
        "els => els.map(e => Math.round(e.getBoundingClientRect().top))")
    assert len(tops) >= 6 and max(tops[:5]) - min(tops[:5]) < 10, tops
    needed, room = page.locator("#customer-q").evaluate(PLACEHOLDER_FITS)
    assert needed <= room, f"at 1280 px the placeholder needs {needed:.0f} px, the field has {room:.0f} px"
    shot(page, "customers-list-pl-1280")


def test_customer_form_shows_the_tenants_own_identifiers(page, app, world_a, world_b):
    with app.app_context(), as_tenant(world_a):
        czech = make_customer("Jan", "Novák", ico="26168685", dic="CZ26168685").id
        db.session.commit()
    sign_in(page, world_a.owner)
    _in_polish(page, "/customers/new")
    assert page.locator("#nip").is_visible() and page.locator("#regon").is_visible()
    assert not page.locator("#ico").is_visible() and not page.locator("#dic").is_visible()
    shot(page, "customer-form-identifiers-pl")
    # A Polish restaurant's Czech guest keeps their IČO and DIČ, on screen.
    page.goto(f"/customers/{czech}/edit")
    assert page.input_value("#ico") == "26168685" and page.locator("#ico").is_visible()
    assert page.locator("#dic").is_visible()
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(lambda url: "/edit" not in url)
    with app.app_context(), as_tenant(world_a):
        assert db.session.get(Customer, czech).ico == "26168685"


def test_czech_tenants_form_shows_ico_and_dic_first(page, world_b):
    sign_in(page, world_b.owner)
    page.set_viewport_size(LAPTOP)
    page.goto("/customers/new")
    page.click("button.lang[value=cs]")
    page.wait_for_selector("html[lang=cs]")
    assert page.locator("#ico").is_visible() and page.locator("#dic").is_visible()
    assert not page.locator("#nip").is_visible() and not page.locator("#regon").is_visible()
    shot(page, "customer-form-identifiers-cs")


def test_health_page_in_polish_names_no_worker_ids(page, app, world_a):
    with app.app_context():
        worker = SimpleWorker([get_queue("lookups")], connection=redis_connection())
        worker.register_birth()
        worker.heartbeat()
    try:
        sign_in(page, world_a.owner)
        _in_polish(page, "/settings/health")
        assert "Działa 1 proces w tle" in page.inner_text("main")
        assert worker.name not in page.inner_text("main")  # folded in the technical details
        shot(page, "health-pl")
        page.click("details.tech-details summary")
        assert worker.name in page.inner_text("main")
    finally:
        with app.app_context():
            worker.register_death()


@pytest.mark.parametrize("locale", ["pl", "cs"])
def test_api_page_reads_in_the_viewers_language(page, world_a, locale):
    sign_in(page, world_a.owner)
    page.set_viewport_size(LAPTOP)
    page.goto("/api/v1/docs")
    page.click(f"button.lang[value={locale}]")
    page.wait_for_selector(f"html[lang={locale}]")
    main = page.inner_text("main")
    for english in ("Find a card and its customer", "A token has one or both scopes", "Too many requests"):
        assert english not in main
    shot(page, f"api-docs-{locale}")
    page.screenshot(path=str(SHOTS / f"api-docs-{locale}-top.png"))
    page.locator("#createCustomer").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"api-docs-{locale}-create.png"))
    page.locator("#createCustomer").screenshot(path=str(SHOTS / f"api-docs-{locale}-create-whole.png"))
    page.locator("section.card").last.screenshot(path=str(SHOTS / f"api-docs-{locale}-errors.png"))
