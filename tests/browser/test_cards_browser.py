"""Card readers in a real browser: scanning into the customer form and at the terminal.

A USB reader is a keyboard that types fast and presses Enter; Playwright types at 10 ms per key
and presses Enter the same way.
"""
import csv
import io
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from rq import SimpleWorker
from sqlalchemy import select

from panel.extensions import db
from panel.jobs import get_queue, redis_connection
from panel.models import Card, Customer, JobRun
from panel.services import customers as customer_service

from ..cards.factories import UID_DEC_LE, UID_HEX, expire_card, make_card, make_customer
from ..conftest import as_tenant
from .conftest import SHOTS, shot, sign_in

pytestmark = pytest.mark.browser

ANNAS_CARD = "0004340757"   # an EM4100 card, as a 10-digit decimal reader types it
NEXT_YEAR = date.today() + timedelta(days=365)


def scan(page, code: str) -> None:
    page.keyboard.type(code, delay=10)
    page.keyboard.press("Enter")


def scan_at_terminal(page, code: str) -> None:
    """Scan and wait until the result for this code has settled and focus is back in the scan field.

    htmx settles a swap a moment after it shows: keys pressed in between would be overtaken
    by the focus the terminal gives back to the scan field on settling.
    """
    scan(page, code)
    page.wait_for_selector(f"#terminal-result[data-query='{code}']:not(.htmx-settling)")
    expect(page.locator("[data-terminal-input]")).to_be_focused()


def active_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


@pytest.fixture
def anna(app, world_a):
    with app.app_context(), as_tenant(world_a):
        c = make_customer("Anna", "Nowak")
        make_card(c, ANNAS_CARD, expires_on=date(2031, 3, 31))
        db.session.commit()
        return c.id


def test_scanning_into_the_customer_form(page, app, world_a, anna):
    sign_in(page, world_a.staff)
    page.goto("/customers/new")
    page.fill("#first_name", "Jan")
    page.fill("#last_name", "Kowalski")
    posted = []
    page.on("request", lambda r: posted.append(r.url) if r.method == "POST" else None)

    page.click("#cards-0-code")
    scan(page, UID_DEC_LE)
    # The reader's Enter did not submit the form: the code is checked and focus moved on.
    page.wait_for_selector("#cards-0-check .badge-ok")
    assert "Free" in page.inner_text("#cards-0-check")
    assert "1C78F2BF" in page.inner_text("#cards-0-check")  # the hex a phone would read
    assert active_id(page) == "cards-0-number"
    assert posted == [] and page.url.endswith("/customers/new")
    assert page.locator("#cards-1-code").is_visible()  # a row for the next card
    page.keyboard.type("000123", delay=120)  # typed by hand: stays in the number field
    page.keyboard.press("Enter")  # Enter in the number field moves to the expiry, no submit
    assert active_id(page) == "cards-0-expires_on"
    page.fill("#cards-0-expires_on", NEXT_YEAR.isoformat())

    page.click("#cards-1-code")
    scan(page, "BAR-0001")
    page.wait_for_selector("#cards-1-check .badge-ok")
    assert active_id(page) == "cards-1-number" and page.locator("#cards-2-code").is_visible()

    # Anna's card is caught before saving, with whose card it is and until when.
    page.click("#cards-2-code")
    scan(page, ANNAS_CARD)
    page.wait_for_selector("#cards-2-check .badge-bad")
    assert "Already on Anna Nowak's card, expires 31 Mar 2031." in page.inner_text("#cards-2-check")
    assert page.get_attribute("#cards-2-check a", "href") == f"/customers/{anna}"
    # The same card again, typed as hex: caught as a duplicate within the form.
    page.click("#cards-3-code")
    scan(page, UID_HEX)
    page.wait_for_selector("#cards-3-check .badge-bad")
    assert "already in the list above" in page.inner_text("#cards-3-check")
    assert posted == []
    shot(page, "customer-form-cards")

    # Saving anyway is refused with the rows kept; clearing the two bad rows saves the rest.
    page.click("button[type=submit].btn-primary")
    page.wait_for_selector("[data-error-summary]")
    assert page.input_value("#cards-2-code") == ANNAS_CARD and page.input_value("#cards-0-number") == "000123"
    shot(page, "customer-form-cards-refused")
    page.fill("#cards-2-code", "")
    page.fill("#cards-3-code", "")
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(lambda url: "/customers/new" not in url)
    with app.app_context(), as_tenant(world_a):
        jan = db.session.scalar(select(Customer).where(Customer.last_name == "Kowalski"))
        cards = sorted((c.code, c.number, c.expires_on) for c in jan.cards)
    assert cards == [(UID_DEC_LE, "000123", NEXT_YEAR), ("BAR-0001", None, None)]


def test_two_cards_scanned_back_to_back_land_in_two_rows(page, app, world_a):
    """The second card scanned at once after the first goes into the new row, not into the first
    card's printed number; a printed number typed or scanned on purpose stays where it was put."""
    sign_in(page, world_a.staff)
    page.goto("/customers/new")
    page.click("button.lang[value=pl]")
    page.wait_for_selector("html[lang=pl]")
    page.fill("#first_name", "Jan")
    page.fill("#last_name", "Dwukartowy")
    page.click("#cards-0-code")
    scan(page, "1111222233")
    scan(page, "4444555566")  # at once, as a reader does with the next card
    page.wait_for_selector("#cards-1-check .badge-ok")
    assert page.input_value("#cards-0-code") == "1111222233"
    assert page.input_value("#cards-0-number") == ""
    assert page.input_value("#cards-1-code") == "4444555566"
    assert active_id(page) == "cards-1-number" and page.locator("#cards-2-code").is_visible()

    # Staff type the second card's printed number by hand where focus waits: it stays there.
    page.keyboard.type("000777", delay=120)
    page.keyboard.press("Enter")
    assert active_id(page) == "cards-1-expires_on"
    assert page.input_value("#cards-1-number") == "000777" and page.input_value("#cards-2-code") == ""
    # And the first card's printed number scanned (barcode) after clicking into its field stays too.
    page.click("#cards-0-number")
    scan(page, "NR-123456")
    assert page.input_value("#cards-0-number") == "NR-123456" and page.input_value("#cards-2-code") == ""
    assert active_id(page) == "cards-0-expires_on"
    assert "kliknij" in page.inner_text("#card-rows .hint")  # the hint says how to scan a number
    shot(page, "customer-form-two-cards-pl")

    page.click("button[type=submit].btn-primary")
    page.wait_for_url(lambda url: "/customers/new" not in url)
    with app.app_context(), as_tenant(world_a):
        jan = db.session.scalar(select(Customer).where(Customer.last_name == "Dwukartowy"))
        cards = sorted((c.code, c.number) for c in jan.cards)
    assert cards == [("1111222233", "NR-123456"), ("4444555566", "000777")]


def test_editing_a_customer_shows_their_cards_and_blocks_one_in_place(page, app, world_a, anna):
    sign_in(page, world_a.staff)
    page.goto(f"/customers/{anna}/edit")
    row = page.locator(f"[data-card-row]:has-text('{ANNAS_CARD}')")
    assert row.locator(".badge-ok").inner_text() == "Active"
    page.once("dialog", lambda d: d.accept())
    row.get_by_role("button", name=f"Block the card {ANNAS_CARD}").click()
    page.wait_for_selector(f"[data-card-row]:has-text('{ANNAS_CARD}') .badge-bad")
    assert page.url.endswith(f"/customers/{anna}/edit")  # the form stayed; nothing else was posted
    assert page.locator("#cards-1-code").is_visible()    # the empty row for a new card
    shot(page, "customer-form-blocked-card")
    with app.app_context(), as_tenant(world_a):
        assert db.session.scalar(select(Card.status).where(Card.code == ANNAS_CARD)) == "blocked"

    # Replace it: the new card's scan moves on to the number instead of submitting.
    row.get_by_role("link", name=f"Replace the card {ANNAS_CARD} with a new one").click()
    page.wait_for_url(lambda url: "/replace" in url)
    expect(page.locator("#replace-code")).to_be_focused()  # autofocus, once the page has loaded
    scan(page, "0004340758")
    assert active_id(page) == "replace-number" and "/replace" in page.url
    page.keyboard.type("N-2")
    shot(page, "card-replace")
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"**/customers/{anna}/edit")
    assert "is replaced by 0004340758" in page.inner_text("#flash")
    assert page.locator("[data-card-row]:has-text('0004340758') .badge-ok").is_visible()
    assert page.locator(f"[data-card-row]:has-text('{ANNAS_CARD}') .badge-muted").inner_text() == "Replaced"


def test_terminal_finds_the_customer_from_either_reader_format(page, app, world_a):
    with app.app_context(), as_tenant(world_a):
        jan = make_customer(company_name="Kowalski Sp. z o.o.", nip="5260250274")
        make_card(jan, UID_DEC_LE, number="000123", expires_on=NEXT_YEAR)
        old = make_card(jan, "OLD-1")
        expire_card(old, date(2025, 1, 31))
        db.session.commit()
    sign_in(page, world_a.staff)
    page.goto("/terminal/")
    assert active_id(page) == "terminal-q"
    lookups = []
    page.on("request", lambda r: lookups.append(r.url) if "/terminal/lookup" in r.url else None)

    scan_at_terminal(page, UID_HEX)  # a phone's NFC app reads hex
    assert page.locator("#terminal-result .banner-ok").is_visible()
    assert "Jan Kowalski" in page.inner_text("#terminal-result")
    assert active_id(page) == "terminal-q"  # focus stays for the next card, its text selected
    assert page.evaluate("document.activeElement.selectionEnd - document.activeElement.selectionStart") == 8
    shot(page, "terminal-valid")

    scan(page, UID_HEX)  # the card held to the reader again within a second: ignored
    page.wait_for_timeout(300)
    assert len(lookups) == 1

    page.wait_for_timeout(800)
    scan_at_terminal(page, UID_DEC_LE)  # the bar's wedge reader types little-endian decimal
    assert len(lookups) == 2 and "Jan Kowalski" in page.inner_text("#terminal-result .terminal-customer")

    scan_at_terminal(page, "OLD-1")
    assert page.locator("#terminal-result .banner-bad").is_visible()
    assert "EXPIRED" in page.inner_text("#terminal-result") and "31 Jan 2025" in page.inner_text("#terminal-result")
    shot(page, "terminal-expired")

    scan_at_terminal(page, "5555555555")
    assert "UNKNOWN CARD" in page.inner_text("#terminal-result")
    # Keyboard only: Tab into the result panel, find Jan, give him the card.
    page.keyboard.press("Tab")   # the Find button
    page.keyboard.press("Tab")   # the customer search of the assign panel
    assert active_id(page) == "assign-q"
    page.keyboard.type("kowal")
    page.wait_for_selector("#assign-results button")
    shot(page, "terminal-unknown")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector("#terminal-result .banner-ok")
    assert "5555555555" in page.inner_text("#terminal-result")
    # The scan field takes focus back once htmx has settled the swap, a moment after it shows.
    # (Polled from here: the page's CSP forbids the eval that wait_for_function polls with.)
    for _ in range(40):
        if active_id(page) == "terminal-q":
            break
        page.wait_for_timeout(50)
    assert active_id(page) == "terminal-q"


def test_terminal_and_cards_list_in_polish(page, app, world_a):
    with app.app_context(), as_tenant(world_a):
        jan = make_customer("Jan", "Kowalski")
        make_card(jan, UID_DEC_LE, number="000123", expires_on=date.today() + timedelta(days=10))
        make_card(make_customer("Zofia", "Dvořák"), "BAR-77", status="lost")
        db.session.commit()
    sign_in(page, world_a.owner)
    page.goto("/terminal/")
    page.click("button.lang[value=pl]")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "pl"
    page.click("#terminal-q")
    scan_at_terminal(page, UID_HEX)
    assert page.locator("#terminal-result .banner-ok").is_visible()
    shot(page, "terminal-valid-pl")
    page.goto("/cards/")
    assert page.locator("table.card-table tbody tr").count() == 2
    page.fill("#card-q", "bar")
    expect(page.locator("table.card-table tbody tr")).to_have_count(1)
    assert "/cards/?q=bar" in page.url  # the filter is in the address bar
    shot(page, "cards-list-pl")
    page.goto("/customers/new")
    page.click("#cards-0-code")
    scan(page, UID_HEX)
    page.wait_for_selector("#cards-0-check .badge-bad")
    assert "Jan Kowalski" in page.inner_text("#cards-0-check")  # whose card, in any language
    assert page.locator("#cards-1-code").is_visible()
    shot(page, "customer-form-cards-pl")
    page.goto("/api/v1/docs")
    assert page.locator("#getCard h3").inner_text().endswith("/cards/{code}")
    shot(page, "api-docs-pl")
    page.locator("#createCustomer").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "api-docs-pl-create.png"))


def test_the_export_takes_the_filters_changed_live(page, app, world_a):
    with app.app_context(), as_tenant(world_a):
        make_card(make_customer("Anna", "Nowak"), "A-1")
        make_card(make_customer("Jan", "Kowalski"), "B-1", status="blocked")
        make_card(make_customer("Zofia", "Dvořák"), "A-2")
        db.session.commit()
    sign_in(page, world_a.manager)
    page.goto("/cards/")
    page.select_option("#card-state", "active")
    page.wait_for_url("**/cards/?*state=active*")
    page.select_option("#card-sort", "code")
    page.wait_for_url("**/cards/?*sort=code*")
    expect(page.locator("table.card-table tbody tr")).to_have_count(2)
    page.get_by_role("button", name="Export CSV").click()
    page.wait_for_url("**/jobs/*")
    with app.app_context(), as_tenant(world_a):
        run = db.session.scalar(select(JobRun).where(JobRun.kind == "card_export"))
        assert run.params == {"q": "", "state": "active", "sort": "code", "locale": "en"}
    with app.app_context():
        SimpleWorker([get_queue("default")], connection=redis_connection()).work(burst=True)
    with app.app_context(), as_tenant(world_a):
        data = db.session.scalar(select(JobRun.file_data).where(JobRun.kind == "card_export"))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert [r[0] for r in rows[1:]] == ["A-1", "A-2"]


def test_cards_list_in_polish_names_an_erased_customer_and_offers_no_action(page, app, world_a):
    with app.app_context(), as_tenant(world_a):
        make_card(make_customer("Jan", "Kowalski"), "BAR-1", status="blocked")
        gone = make_customer("Ewa", "Gone")
        make_card(gone, "GONE-1")
        customer_service.erase(gone, str(gone.id))
        db.session.commit()
        gone_id = gone.id
    sign_in(page, world_a.owner)
    page.goto("/cards/")
    page.click("button.lang[value=pl]")
    page.wait_for_load_state("networkidle")
    row = page.locator(f"table.card-table tbody tr:has-text('Usunięty klient #{gone_id}')")
    expect(row).to_have_count(1)
    expect(row.locator("button, a.btn")).to_have_count(0)
    expect(page.locator("table.card-table tbody tr:has-text('BAR-1')").get_by_role("button")).to_have_count(1)
    shot(page, "cards-list-erased-pl")


def test_a_card_added_on_the_customer_page_appears_in_its_list_without_a_reload(page, app, world_a, anna):
    """The add form and the card list are two regions: the list refreshes on HX-Trigger card-added."""
    sign_in(page, world_a.staff)
    page.goto(f"/customers/{anna}?tab=cards")
    page.evaluate("window.__sameDocument = true")   # gone if the page reloads
    expect(page.locator("#customer-cards tbody tr")).to_have_count(1)
    page.click("#card-add-code")
    with page.expect_response(lambda r: r.request.method == "POST" and "/cards/customer/" in r.url) as added:
        scan(page, "ANNA-2")
    assert "card-added" in (added.value.headers.get("hx-trigger") or "")
    expect(page.locator("#customer-cards tbody tr")).to_have_count(2)
    expect(page.locator("#customer-cards")).to_contain_text("ANNA-2")
    expect(page.locator("#customer-tab-cards-count")).to_have_text("2")   # the tab's count too
    expect(page.locator("#flash")).to_contain_text("The card ANNA-2 now belongs to Anna Nowak.")
    # The form is empty and keeps focus: the next card can be scanned at once.
    expect(page.locator("#card-add-code")).to_have_value("")
    expect(page.locator("#card-add-code")).to_be_focused()
    scan(page, ANNAS_CARD)   # hers already: nothing added, the list stays as it is
    expect(page.locator("#flash")).to_contain_text("already holds the card")
    expect(page.locator("#customer-cards tbody tr")).to_have_count(2)
    assert page.evaluate("window.__sameDocument === true")
    shot(page, "customer-cards-added")
