"""Customer import in a real browser: upload a Polish Excel CSV, check the columns, preview, import."""
from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect
from rq import SimpleWorker
from rq.timeouts import TimerDeathPenalty
from sqlalchemy import select

from panel.extensions import db
from panel.jobs import get_queue, redis_connection
from panel.models import Card, Customer, User
from panel.services import customers as customer_service
from panel.tenancy import tenant_scope

from ..conftest import as_tenant
from ..imports.helpers import csv_bytes
from .conftest import shot, sign_in

pytestmark = pytest.mark.browser


class _ThreadWorker(SimpleWorker):
    """An RQ worker that can run outside the main thread (no signals there)."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self) -> None:
        pass


@pytest.fixture
def worker(app, live_server):
    stop = threading.Event()

    def loop() -> None:
        with app.app_context():
            while not stop.is_set():
                _ThreadWorker([get_queue("default")], connection=redis_connection()).work(burst=True)
                stop.wait(0.2)

    thread = threading.Thread(target=loop, name="import-worker", daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(10)


def test_import_a_polish_csv_from_upload_to_result(page, app, world_a, worker, tmp_path):
    with app.app_context(), as_tenant(world_a):
        customer_service.create({"first_name": "Ola", "last_name": "Stara", "email": "ola@example.com"})
        db.session.commit()
    rows = [["Imię", "Nazwisko", "E-mail", "Telefon", "Kod karty", "Kod pocztowy", "Miejscowość", "Uwagi"],
            ["Łukasz", "Żak", "lukasz@example.com", "600 100 200", "0004340757", "00-950", "Łódź", "stolik 4"],
            ["Ola", "Nowa", "OLA@example.com", "", "", "", "Kraków", ""],
            ["Zofia", "Dvořák", "zofia@example.com", "+420 777 123 456", "", "", "Praha", "=1+2"]]
    path = tmp_path / "klienci.csv"
    path.write_bytes(csv_bytes(rows, encoding="cp1250"))  # how Polish Excel saves "CSV"

    sign_in(page, world_a.manager)
    page.goto("/customers/import/")
    shot(page, "import-upload")
    page.set_input_files("#file", str(path))
    page.get_by_role("button", name="Upload and choose columns").click()
    page.wait_for_url("**/mapping")
    # The columns were recognised from their Polish names, the letters read as cp1250.
    expect(page.locator("#col-0")).to_have_value("first_name")
    expect(page.locator("#col-4")).to_have_value("card_code")
    expect(page.locator("#col-6")).to_have_value("city")
    expect(page.locator(".import-samples").nth(6)).to_contain_text("Łódź")
    # Choosing a field twice is pointed out at once.
    page.select_option("#col-7", "city")
    expect(page.locator("tr:has(#col-7) [data-duplicate-note]")).to_contain_text("Already chosen for column G")
    page.select_option("#col-7", "notes")
    expect(page.locator("[data-duplicate-note]")).to_have_count(0)
    page.check("input[name=duplicates][value=update]")
    shot(page, "import-mapping")
    page.get_by_role("button", name="Preview the import").click()
    page.wait_for_url("**/preview")
    expect(page.locator(".import-row-create")).to_have_count(2)
    expect(page.locator(".import-row-update")).to_contain_text("Ola Stara")
    shot(page, "import-preview")

    page.get_by_role("button", name="Start the import").click()
    status = page.locator("#import-status")
    expect(status).to_contain_text("2 customers added, 1 updated", timeout=20000)
    expect(status.get_by_role("link", name="Download the report (CSV)")).to_be_visible()
    shot(page, "import-done")

    with app.app_context(), tenant_scope(world_a.tenant_id):
        people = {c.email: c for c in db.session.scalars(select(Customer))}
        assert people["lukasz@example.com"].city == "Łódź"
        assert people["ola@example.com"].last_name == "Nowa" and people["ola@example.com"].city == "Kraków"
        assert people["zofia@example.com"].phone_digits == "420777123456"
        assert db.session.scalar(select(Card.code)) == "0004340757"


def test_the_preview_fits_every_column_at_1366_px_in_polish(page, app, world_a, tmp_path):
    """At 1366 x 768 the preview's last columns (postcode, card code) were cut off, behind a
    sideways scroll of the table's box: long values now wrap, and every column shows at once."""
    with app.app_context(), as_tenant(world_a):
        customer_service.create({"first_name": "Ola", "last_name": "Stara", "email": "ola@example.com"})
        db.session.get(User, world_a.manager.id).locale = "pl"
        db.session.commit()
    rows = [["Imię", "Nazwisko", "Firma", "NIP", "E-mail", "Telefon", "Ulica", "Nr domu", "Kod pocztowy",
             "Miejscowość", "Data urodzenia", "Uwagi", "Kod karty"],
            ["Łukasz", "Żak-Wiśniewski", "Przedsiębiorstwo Handlowo-Usługowe Żak sp. z o.o.", "7740001454",
             "lukasz.zak-wisniewski@przedsiebiorstwo-zak.example.com", "+48 600 100 200",
             "ul. Księdza Jerzego Popiełuszki", "12A", "00-950", "Łódź", "1990-05-31",
             "stolik przy oknie, zawsze zamawia to samo", "0004340757"],
            ["Ola", "Nowa", "", "", "OLA@example.com", "", "", "", "30-001", "Kraków", "", "", "1C78F2BF"]]
    path = tmp_path / "klienci.csv"
    path.write_bytes(csv_bytes(rows))
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, world_a.manager)
    page.goto("/customers/import/")
    page.set_input_files("#file", str(path))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/mapping")
    page.check("input[name=duplicates][value=update]")
    page.locator("form.import-mapping button.btn-primary").click()
    page.wait_for_url("**/preview")
    expect(page.get_by_role("columnheader", name="Kod pocztowy")).to_be_visible()
    shot(page, "import-preview-1366-pl")
    # Neither the page nor the table's own box scrolls sideways: every column is in view.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    wrap = page.locator(".import-preview")
    assert wrap.evaluate("box => box.scrollWidth <= box.clientWidth")
    box = wrap.bounding_box()
    for header in ("Kod pocztowy", "Miejscowość", "Kod karty"):
        cell_box = page.get_by_role("columnheader", name=header).bounding_box()
        assert box["x"] <= cell_box["x"] and cell_box["x"] + cell_box["width"] <= box["x"] + box["width"] + 1, header
    expect(page.locator(".import-row-create td.mono").last).to_have_text("0004340757")
