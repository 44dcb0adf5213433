"""Company lookup in the customer form, in a real browser: NIP -> "Fetch data from GUS" -> filled form.

The fake GUS/ARES runs on a local socket; lookups run on a real RQ worker in a thread, so the
page really polls until the job is done.
"""
from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect
from rq import SimpleWorker
from rq.timeouts import TimerDeathPenalty
from sqlalchemy import select

from panel.extensions import db
from panel.jobs import get_queue, redis_connection
from panel.models import Customer
from panel.registers.fake import ARES_PATH, GUS_PATH, FakeRegisters, serve_in_thread
from panel.tenancy import tenant_scope

from .conftest import shot, sign_in

pytestmark = pytest.mark.browser

ORLEN = "POLSKI KONCERN NAFTOWY ORLEN SPÓŁKA AKCYJNA"


class _ThreadWorker(SimpleWorker):
    """An RQ worker that can run outside the main thread (no signals there)."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self) -> None:
        pass


@pytest.fixture
def registers(app):
    fake = FakeRegisters(slow_seconds=1.0)
    server, base = serve_in_thread(fake=fake)
    saved = {k: app.config[k] for k in ("GUS_URL", "ARES_URL", "GUS_API_KEY")}
    app.config.update(GUS_URL=base + GUS_PATH, ARES_URL=base + ARES_PATH, GUS_API_KEY=fake.api_key)
    yield fake
    app.config.update(saved)
    server.stop()


@pytest.fixture
def lookup_worker(app, live_server):
    """Works the `lookups` queue every 200 ms while the test runs."""
    stop = threading.Event()

    def loop() -> None:
        with app.app_context():
            while not stop.is_set():
                _ThreadWorker([get_queue("lookups")], connection=redis_connection()).work(burst=True)
                stop.wait(0.2)

    thread = threading.Thread(target=loop, name="lookup-worker", daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(10)


def _form_has_lookup(page) -> None:
    assert page.locator("[data-lookup-region]").count() == 1, (
        'the customer form must include {% include "lookups/_company_lookup.html" %} after the NIP/IČO fields')


def test_nip_fetches_gus_and_fills_the_form_without_overwriting(page, app, world_a, registers, lookup_worker):
    sign_in(page, world_a.staff)
    page.goto("/customers/new")
    _form_has_lookup(page)
    page.fill("#company_name", "Orlen")  # typed before asking: must not be overwritten silently
    offer = page.locator("[data-lookup-offer][data-lookup-source=nip]")
    page.fill("#nip", "774-000-14-55")  # a typo: the check digit is wrong
    expect(page.locator("[data-lookup-invalid=nip]")).to_be_visible()
    expect(offer).to_be_hidden()
    page.fill("#nip", "PL 774-000-14-54")
    expect(offer).to_be_visible()
    expect(page.locator("[data-lookup-invalid=nip]")).to_be_hidden()
    shot(page, "lookup-offer")

    offer.get_by_role("button", name="Fetch data from GUS").click()
    card = page.locator("[data-lookup-result]")
    expect(card).to_be_visible(timeout=15000)
    # Empty fields were filled at once...
    expect(page.locator("#regon")).to_have_value("610188201")
    expect(page.locator("#street")).to_have_value("ul. Test-Wilcza")
    expect(page.locator("#building")).to_have_value("7")
    expect(page.locator("#postcode")).to_have_value("09-411")
    expect(page.locator("#city")).to_have_value("Płock")
    # ...but what the user typed stays until they choose to replace it.
    expect(page.locator("#company_name")).to_have_value("Orlen")
    replace = card.locator("[data-lookup-field=company_name] .lookup-replace")
    expect(replace).to_be_visible()
    expect(replace).to_contain_text("Replace “Orlen”")
    expect(card.locator("[data-lookup-summary]")).to_contain_text(
        "Filled in: REGON (PL), Street, Building no., Postcode, City.")
    shot(page, "lookup-found-conflict")

    replace.locator("input").check()
    card.get_by_role("button", name="Fill in").click()
    expect(page.locator("#company_name")).to_have_value(ORLEN)
    expect(replace).to_be_hidden()
    shot(page, "lookup-filled")

    page.get_by_role("button", name="Add customer").click()
    page.wait_for_url(lambda url: "/customers/new" not in url)
    with app.app_context(), tenant_scope(world_a.tenant_id):
        c = db.session.scalar(select(Customer).where(Customer.nip == "7740001454"))
        assert (c.company_name, c.regon, c.postcode, c.city) == (ORLEN, "610188201", "09-411", "Płock")


def test_not_found_keeps_the_form_and_says_so(page, world_a, registers, lookup_worker):
    sign_in(page, world_a.staff)
    page.goto("/customers/new")
    _form_has_lookup(page)
    page.fill("#first_name", "Jan")
    page.fill("#nip", "1234563218")
    page.get_by_role("button", name="Fetch data from GUS").click()
    message = page.locator("#company-lookup-status .lookup-message")
    expect(message).to_contain_text("GUS has no company with the NIP 1234563218", timeout=15000)
    expect(page.locator("#first_name")).to_have_value("Jan")
    expect(page.locator("#nip")).to_have_value("1234563218")
    shot(page, "lookup-not-found")


def test_register_down_says_it_is_retrying(page, app, world_a, registers, lookup_worker):
    app.config["REGISTERS_HTTP_RETRIES"] = 0
    try:
        sign_in(page, world_a.staff)
        page.goto("/customers/new")
        _form_has_lookup(page)
        page.fill("#nip", "2222222222")
        page.get_by_role("button", name="Fetch data from GUS").click()
        expect(page.locator("#company-lookup-status .lookup-retrying")).to_contain_text(
            "GUS is not answering, retrying…", timeout=15000)
        shot(page, "lookup-retrying")
    finally:
        app.config.pop("REGISTERS_HTTP_RETRIES", None)


def test_register_down_gives_up_in_seconds_with_one_retry_button(page, app, world_a, registers, lookup_worker,
                                                                  monkeypatch):
    app.config["REGISTERS_HTTP_RETRIES"] = 0
    monkeypatch.setattr("panel.services.lookups.RETRY_INTERVALS", (0, 0))  # the retries, without the waits
    try:
        sign_in(page, world_a.staff)
        page.goto("/customers/new")
        page.click("button.lang[value=pl]")
        page.wait_for_selector("html[lang=pl]")
        page.fill("#nip", "2222222222")
        page.locator("[data-lookup-offer][data-lookup-source=nip] button").click()
        failed = page.locator("#company-lookup-status .lookup-failed")
        expect(failed).to_be_visible(timeout=15000)
        expect(failed.locator(".lookup-message")).to_contain_text("GUS")
        # One way to ask again: the failure's own button; the offer above it stays hidden.
        region = page.locator("[data-lookup-region]")
        expect(region.locator("[data-lookup-offer][data-lookup-source=nip]")).to_be_hidden()
        expect(region.locator("button:visible")).to_have_count(1)
        shot(page, "lookup-unavailable-pl")
        region.locator("button:visible").click()
        expect(page.locator("#company-lookup-status[data-lookup-state=failed]")).to_have_count(0, timeout=5000)
        expect(failed).to_be_visible(timeout=15000)  # asked again, and told again
    finally:
        app.config.pop("REGISTERS_HTTP_RETRIES", None)


def test_ares_in_a_polish_restaurant_fills_the_country_too(page, world_a, registers, lookup_worker):
    sign_in(page, world_a.staff)
    page.goto("/customers/new")
    page.click("button.lang[value=pl]")
    page.wait_for_selector("html[lang=pl]")
    assert page.input_value("#country") == "PL"  # the restaurant's country, preset
    page.click("details.foreign-ids summary")
    page.fill("#ico", "26168685")
    page.locator("[data-lookup-offer][data-lookup-source=ico] button").click()
    expect(page.locator("[data-lookup-result]")).to_be_visible(timeout=15000)
    expect(page.locator("#postcode")).to_have_value("150 00")
    expect(page.locator("#country")).to_have_value("CZ")
    expect(page.locator("[data-lookup-field=country] .lookup-replace")).to_be_hidden()
    shot(page, "lookup-ares-in-pl-tenant")


def test_gus_in_a_czech_restaurant_fills_poland(page, world_b, registers, lookup_worker):
    sign_in(page, world_b.owner)
    page.goto("/customers/new")
    assert page.input_value("#country") == "CZ"
    page.click("details.foreign-ids summary")
    page.fill("#nip", "7740001454")
    page.locator("[data-lookup-offer][data-lookup-source=nip] button").click()
    expect(page.locator("[data-lookup-result]")).to_be_visible(timeout=15000)
    expect(page.locator("#city")).to_have_value("Płock")
    expect(page.locator("#country")).to_have_value("PL")
    shot(page, "lookup-gus-in-cs-tenant")


def test_a_typed_address_keeps_its_country_until_replaced(page, world_a, registers, lookup_worker):
    sign_in(page, world_a.staff)
    page.goto("/customers/new")
    page.fill("#city", "Kraków")  # typed before asking: the country beside it is the user's too
    page.click("details.foreign-ids summary")
    page.fill("#ico", "26168685")
    page.locator("[data-lookup-offer][data-lookup-source=ico] button").click()
    expect(page.locator("[data-lookup-result]")).to_be_visible(timeout=15000)
    expect(page.locator("#country")).to_have_value("PL")
    expect(page.locator("[data-lookup-field=country] .lookup-replace")).to_be_visible()


def test_czech_ico_fills_from_ares_in_czech(page, world_b, registers, lookup_worker):
    sign_in(page, world_b.owner)
    page.goto("/customers/new")
    _form_has_lookup(page)
    page.fill("#ico", "26168685")
    page.locator("[data-lookup-offer][data-lookup-source=ico]").get_by_role("button").click()
    expect(page.locator("[data-lookup-result]")).to_be_visible(timeout=15000)
    expect(page.locator("#company_name")).to_have_value("Seznam.cz, a.s.")
    expect(page.locator("#dic")).to_have_value("CZ26168685")
    expect(page.locator("#postcode")).to_have_value("150 00")
    shot(page, "lookup-ares-cs")


def test_a_form_sent_back_for_a_bad_nip_says_so_once(page, world_a):
    sign_in(page, world_a.staff)
    page.goto("/customers/new")
    page.fill("#first_name", "Jan")
    page.fill("#nip", "1234567890")
    page.get_by_role("button", name="Add customer").click()
    expect(page.locator("#nip-error")).to_contain_text("This NIP is not valid")
    # The checksum hint under the identifiers would repeat the field's own error.
    expect(page.locator("[data-lookup-invalid=nip]")).to_be_hidden()
    expect(page.locator("#nip")).to_have_value("1234567890")
    page.fill("#nip", "1234567891")  # changed: the field's error is old news, the hint speaks
    expect(page.locator("[data-lookup-invalid=nip]")).to_be_visible()
