"""The terminal: a scan finds the customer; unknown cards can be assigned or quick-added."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from panel.extensions import db
from panel.models import Card, Customer
from panel.services import customers as customer_service

from ..api.conftest import make_token
from ..conftest import HX, as_tenant
from .factories import UID_DEC_LE, UID_HEX, expire_card, make_card, make_customer


@pytest.fixture
def jan(app, world_a):
    """Jan Kowalski of Kowalski Sp. z o.o. with a MIFARE card enrolled from a decimal reader."""
    with app.app_context(), as_tenant(world_a):
        c = make_customer(company_name="Kowalski Sp. z o.o.", nip="5260250274", phone="600 100 200",
                          notes="Prefers the window table")
        make_card(c, UID_DEC_LE, number="000123", expires_on=date.today() + timedelta(days=300))
        db.session.commit()
        return c.id


def lookup(client, q):
    return client.get("/terminal/lookup", query_string={"q": q}, headers=HX)


def test_page_has_a_focused_scan_field(staff_a):
    page = staff_a.get("/terminal/")
    assert page.status_code == 200
    assert 'data-terminal-form' in page.text and 'id="terminal-q"' in page.text and "autofocus" in page.text
    assert "js/cards.js" in page.text


@pytest.mark.parametrize("typed", [UID_DEC_LE, UID_HEX, "bf:f2:78:1c", "000123"])
def test_a_scan_in_any_reader_format_or_the_number_shows_the_customer(staff_a, jan, typed):
    resp = lookup(staff_a, typed)
    assert resp.status_code == 200 and "<html" not in resp.text and 'id="terminal-result"' in resp.text
    assert "VALID" in resp.text and "Jan Kowalski" in resp.text and "Kowalski Sp. z o.o." in resp.text
    assert "5260250274" in resp.text and "Prefers the window table" in resp.text
    assert f'href="/customers/{jan}"' in resp.text


def test_a_repeated_scan_is_harmless(staff_a, jan):
    first = lookup(staff_a, UID_HEX)
    second = lookup(staff_a, UID_HEX)
    assert first.status_code == second.status_code == 200 and first.text == second.text


@pytest.mark.parametrize("make_unusable, banner, words", [
    (lambda c: setattr(c, "status", "blocked"), "BLOCKED", "is blocked. Do not accept it."),
    (lambda c: setattr(c, "status", "lost"), "LOST", "was reported lost. Do not accept it."),
    (lambda c: expire_card(c, date(2024, 1, 31)), "EXPIRED", "expired on 31 Jan 2024 and cannot be used"),
])
def test_an_unusable_card_says_so(staff_a, jan, app, world_a, make_unusable, banner, words):
    with app.app_context(), as_tenant(world_a):
        make_unusable(db.session.scalar(select(Card).where(Card.code == UID_DEC_LE)))
        db.session.commit()
    resp = lookup(staff_a, UID_HEX).text
    assert banner in resp and words in resp and "VALID" not in resp and 'role="alert"' in resp
    assert "Jan Kowalski" in resp  # staff still see whose card it is


def test_name_or_nip_finds_customers(staff_a, jan, app, world_a):
    assert "Jan Kowalski" in lookup(staff_a, "kowalski").text
    assert "Jan Kowalski" in lookup(staff_a, "5260250274").text
    with app.app_context(), as_tenant(world_a):
        make_customer("Janina", "Kowalska")
        db.session.commit()
    several = lookup(staff_a, "kowal").text
    assert "Customers matching" in several and "Janina Kowalska" in several
    assert f"/terminal/lookup?customer_id={jan}" in several
    one = staff_a.get(f"/terminal/lookup?customer_id={jan}", headers=HX).text
    assert "Jan Kowalski" in one and UID_DEC_LE in one


def test_an_unknown_code_offers_assign_and_quick_add(staff_a, jan):
    resp = lookup(staff_a, "7777777777")
    assert "UNKNOWN CARD" in resp.text and 'name="assign" value="7777777777"' in resp.text
    assert 'action="/terminal/quick-add"' in resp.text
    picks = staff_a.get("/terminal/lookup", query_string={"assign": "7777777777", "q": "kowal"}, headers=HX).text
    assert 'id="assign-results"' in picks and 'id="terminal-result"' not in picks
    assert f'name="customer_id" value="{jan}"' in picks and "Give this card to Jan Kowalski" in picks


def test_assign_puts_the_card_on_the_customer_once(staff_a, jan, app, world_a):
    for _ in range(2):  # the second click changes nothing
        resp = staff_a.post("/terminal/assign", data={"code": "7777777777", "customer_id": jan}, headers=HX)
        assert resp.status_code == 200 and "VALID" in resp.text and "Jan Kowalski" in resp.text
    with app.app_context(), as_tenant(world_a):
        assert db.session.scalar(select(func.count()).select_from(Card).where(Card.code == "7777777777")) == 1


def test_assign_refuses_a_taken_card_and_another_tenants_customer(staff_a, owner_b, jan, app, world_a):
    with app.app_context(), as_tenant(world_a):
        anna_id = make_customer("Anna", "Nowak").id
        db.session.commit()
    resp = staff_a.post("/terminal/assign", data={"code": UID_HEX, "customer_id": anna_id}, headers=HX)
    assert resp.status_code == 409 and "Already on Jan Kowalski" in resp.text
    assert owner_b.post("/terminal/assign", data={"code": "1", "customer_id": jan}, headers=HX).status_code == 404
    assert owner_b.get(f"/terminal/lookup?customer_id={jan}", headers=HX).status_code == 404


def test_an_erased_customer_gets_no_card_and_the_api_reports_theirs_unusable(staff_a, client, jan, app, world_a):
    with app.app_context(), as_tenant(world_a):
        customer_service.erase(db.session.get(Customer, jan), str(jan))
        db.session.commit()
    resp = staff_a.post("/terminal/assign", data={"customer_id": jan, "code": "NEW-77"}, headers=HX)
    assert resp.status_code == 422 and "data was erased" in resp.text
    token = make_token(app, world_a)
    assert client.get(f"/api/v1/cards/{UID_DEC_LE}", headers=token.headers).status_code == 404
    cards = client.get(f"/api/v1/customers/{jan}", headers=token.headers).get_json()["customer"]["cards"]
    assert [(c["status"], c["usable"]) for c in cards] == [("blocked", False)]
    with app.app_context(), as_tenant(world_a):
        assert db.session.scalar(select(func.count(Card.id)).where(Card.customer_id == jan)) == 1


def test_quick_add_creates_the_customer_with_the_card(staff_a, app, world_a):
    resp = staff_a.post("/terminal/quick-add", headers=HX, data={
        "code": "8888888888", "first_name": "Zofia", "last_name": "Dvořák", "phone": "601 200 300"})
    assert resp.status_code == 200 and "VALID" in resp.text and "Zofia Dvořák" in resp.text
    with app.app_context(), as_tenant(world_a):
        card = db.session.scalar(select(Card).where(Card.code == "8888888888"))
        assert card.customer.last_name == "Dvořák" and card.customer.sort_name == "dvorak zofia"
    assert "Zofia Dvořák" in lookup(staff_a, "dvorak").text  # the new customer is searchable at once


def test_quick_add_keeps_what_was_typed_on_errors(staff_a, jan, app, world_a):
    resp = staff_a.post("/terminal/quick-add", headers=HX, data={"code": "9999999999", "phone": "abc"})
    assert resp.status_code == 422 and "Enter a first or last name, or a company name." in resp.text
    assert 'value="abc"' in resp.text and "UNKNOWN CARD" in resp.text
    taken = staff_a.post("/terminal/quick-add", headers=HX, data={"code": UID_HEX, "first_name": "Ewa"})
    assert taken.status_code == 409 and "Already on Jan Kowalski" in taken.text
    with app.app_context(), as_tenant(world_a):
        assert db.session.scalar(select(func.count()).select_from(Customer).where(Customer.first_name == "Ewa")) == 0


def test_another_tenant_cannot_find_the_card(owner_b, jan):
    resp = lookup(owner_b, UID_DEC_LE).text
    assert "Jan Kowalski" not in resp and "UNKNOWN CARD" in resp
