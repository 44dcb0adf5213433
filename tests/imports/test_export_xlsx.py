"""GET /exports/customers.xlsx: the owner's export, for opening in Excel in the user's language."""
from __future__ import annotations

from datetime import date, datetime
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select

from panel.extensions import db
from panel.models import AuditEntry, User
from panel.services import cards as card_service
from panel.services import customers as customer_service

from ..conftest import as_tenant

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _polish(app, world):
    with app.app_context():
        db.session.get(User, world.manager.id).locale = "pl"
        db.session.commit()


def _sheet(resp):
    assert resp.status_code == 200 and resp.mimetype == XLSX
    assert resp.is_streamed
    assert 'attachment; filename="customers-' in resp.headers["Content-Disposition"]
    assert resp.headers["Content-Disposition"].endswith('.xlsx"')
    book = load_workbook(BytesIO(resp.data))  # a full (not read-only) load: Excel's view of the cells
    return book.worksheets[0]


def _table(sheet) -> tuple[list[str], list[dict]]:
    rows = list(sheet.iter_rows())
    headers = [c.value for c in rows[0]]
    return headers, [dict(zip(headers, row)) for row in rows[1:]]


def test_headers_are_in_the_users_language_and_codes_stay_text(app, manager_a, world_a, world_b):
    with app.app_context(), as_tenant(world_a):
        jan = customer_service.create({"first_name": "Jan", "last_name": "Kowalski", "phone": "+48 600 100 200",
                                       "nip": "7740001454", "postcode": "00-950", "city": "Łódź", "country": "PL",
                                       "birthday": "1990-05-31", "marketing_consent": True})
        card_service.assign(jan, "0004340757")
        card_service.assign(jan, "0000000123")
        customer_service.create({"first_name": "=HYPERLINK(\"http://evil\")", "last_name": "Nowak",
                                 "notes": "zero\u001bwidth"})
        db.session.commit()
    with app.app_context(), as_tenant(world_b):
        customer_service.create({"first_name": "Beta-only", "last_name": "Dvořák"})
        db.session.commit()
    _polish(app, world_a)
    sheet = _sheet(manager_a.get("/exports/customers.xlsx?sort=name"))
    assert sheet.title == "Klienci"
    headers, rows = _table(sheet)
    assert headers[:3] == ["Numer klienta", "Imię", "Nazwisko"]
    assert {"Karty", "Kraj", "Data urodzenia", "Kod pocztowy", "Telefon"} <= set(headers)
    assert [r["Nazwisko"].value for r in rows] == ["Kowalski", "Nowak"]  # the list's sort; not tenant B's
    jan = rows[0]
    for header, text in (("Karty", "0004340757, 0000000123"), ("Telefon", "+48 600 100 200"),
                         ("NIP (PL)", "7740001454"), ("Kod pocztowy", "00-950")):
        assert (jan[header].value, jan[header].data_type) == (text, "s"), header  # text: no digits lost
    assert jan["Data urodzenia"].is_date and jan["Data urodzenia"].value == datetime(1990, 5, 31)
    assert jan["Kraj"].value == "Polska"
    assert jan["Zgoda na komunikację marketingową"].value is True
    assert jan["Data dodania"].is_date and jan["Data dodania"].value.date() <= date.today()
    assert isinstance(jan["Numer klienta"].value, int)
    # A name that looks like a formula stays that text, never a formula Excel would run;
    # a control character (which Excel cannot hold) is dropped, not a failed download.
    nowak = rows[1]
    assert (nowak["Imię"].value, nowak["Imię"].data_type) == ("=HYPERLINK(\"http://evil\")", "s")
    assert nowak["Notatki"].value == "zerowidth"


def test_xlsx_export_takes_the_lists_filters_and_is_audited(app, manager_a, world_a):
    with app.app_context(), as_tenant(world_a):
        customer_service.create({"first_name": "Ewa", "last_name": "Zgoda", "marketing_consent": True})
        customer_service.create({"first_name": "Ola", "last_name": "Bez", "marketing_consent": False})
        db.session.commit()
    headers, rows = _table(_sheet(manager_a.get("/exports/customers.xlsx?consent=yes")))
    assert [r["Last name"].value for r in rows] == ["Zgoda"]  # an English user's headers are English
    with app.app_context(), as_tenant(world_a):
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "customers.exported"))
        assert entry.summary == "consent=yes" and entry.changes["format"] == "xlsx"


def test_xlsx_export_is_for_managers(app, staff_a, world_a):
    assert staff_a.get("/exports/customers.xlsx").status_code == 403


def test_the_customer_list_offers_both_exports_with_its_filters(app, manager_a, world_a):
    page = manager_a.get("/customers/?consent=yes").text
    assert 'href="/exports/customers.xlsx?consent=yes"' in page
    assert 'href="/exports/customers.csv?consent=yes"' in page
