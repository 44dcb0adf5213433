"""The POS API v1: tokens, card lookup, customer search, detail and quick add."""
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import event, func, select

from panel import clock
from panel.extensions import db
from panel.models import ApiToken, AuditEntry, Card, Customer
from panel.models.base import aware, utcnow
from panel.services import tokens
from panel.tenancy import current_tenant_id

from ..cards.factories import UID_DEC_LE, UID_HEX, make_customer
from ..conftest import as_tenant


def assert_error(resp, status: int, code: str) -> dict:
    assert resp.status_code == status, resp.text
    assert resp.mimetype == "application/json"
    body = resp.get_json()
    assert set(body) == {"error"} and body["error"]["code"] == code and body["error"]["message"]
    return body["error"]


# --- authentication --------------------------------------------------------------------------

@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer rg_not-a-token",
                                    "Bearer " + "x" * 500, "Token rg_abc"])
def test_requests_without_a_valid_token_get_401(client, jan, header):
    headers = {"Authorization": header} if header is not None else {}
    for path in (f"/api/v1/cards/{UID_DEC_LE}", "/api/v1/customers", f"/api/v1/customers/{jan['id']}"):
        resp = client.get(path, headers=headers)
        error = assert_error(resp, 401, "unauthorized")
        assert "Bearer" in resp.headers["WWW-Authenticate"] and "Kowalski" not in resp.text
    assert_error(client.post("/api/v1/customers", json={"first_name": "X"}, headers=headers), 401, "unauthorized")
    assert error["message"] == "Send a valid API token: Authorization: Bearer <token>."


def test_a_revoked_token_stops_working_at_once(client, app, world_a, token_a, jan):
    assert client.get(f"/api/v1/cards/{UID_DEC_LE}", headers=token_a.headers).status_code == 200
    with app.app_context(), as_tenant(world_a):
        tokens.revoke(db.session.get(ApiToken, token_a.id))
        db.session.commit()
    assert_error(client.get(f"/api/v1/cards/{UID_DEC_LE}", headers=token_a.headers), 401, "unauthorized")


def test_another_tenants_token_never_sees_this_tenants_data(client, token_b, jan):
    assert_error(client.get(f"/api/v1/cards/{UID_DEC_LE}", headers=token_b.headers), 404, "card_not_found")
    assert_error(client.get(f"/api/v1/customers/{jan['id']}", headers=token_b.headers), 404, "customer_not_found")
    found = client.get("/api/v1/customers?q=kowalski", headers=token_b.headers).get_json()
    assert found == {"customers": []}
    # The same code is free in tenant B: it can hold its own card with it.
    resp = client.post("/api/v1/customers", headers=token_b.headers,
                       json={"first_name": "Petr", "card_code": UID_DEC_LE})
    assert resp.status_code == 201


def test_the_tenant_is_reset_after_each_request(client, token_a, jan):
    client.get(f"/api/v1/cards/{UID_DEC_LE}", headers=token_a.headers)
    assert current_tenant_id() is None


def test_last_used_is_stamped_at_most_once_a_minute(client, app, world_a, token_a, jan, count_queries):
    with count_queries() as first:
        client.get(f"/api/v1/cards/{UID_DEC_LE}", headers=token_a.headers)
    with app.app_context(), as_tenant(world_a):
        stamped = aware(db.session.get(ApiToken, token_a.id).last_used_at)
    assert stamped is not None and utcnow() - stamped < timedelta(seconds=5)
    with count_queries() as second:
        client.get(f"/api/v1/cards/{UID_DEC_LE}", headers=token_a.headers)
    assert second() == first() - 1  # no UPDATE within the minute
    with app.app_context(), as_tenant(world_a):
        assert aware(db.session.get(ApiToken, token_a.id).last_used_at) == stamped
        db.session.get(ApiToken, token_a.id).last_used_at = stamped - timedelta(minutes=2)
        db.session.commit()
    client.get(f"/api/v1/cards/{UID_DEC_LE}", headers=token_a.headers)
    with app.app_context(), as_tenant(world_a):
        assert aware(db.session.get(ApiToken, token_a.id).last_used_at) > stamped - timedelta(minutes=1)


# --- GET /cards/{code} -----------------------------------------------------------------------

@pytest.mark.parametrize("typed", [UID_DEC_LE, UID_HEX, "1c78f2bf", "BF:F2:78:1C", "000123"])
def test_card_lookup_matches_like_the_terminal(client, token_a, jan, typed):
    resp = client.get(f"/api/v1/cards/{typed}", headers=token_a.headers)
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    assert resp.get_json() == {
        "card": {"id": jan["card_id"], "code": UID_DEC_LE, "number": "000123", "status": "active", "reason": None,
                 "usable": True, "expires_on": jan["expires_on"]},
        "customer": {"id": jan["id"], "name": "Jan Kowalski", "first_name": "Jan", "last_name": "Kowalski",
                     "company_name": "Kowalski Sp. z o.o.", "nip": "5260250274", "email": "jan@example.com",
                     "phone": "", "archived": False, "group": None, "tier": None},
        "wallet": None, "points": {"balance": 0},
    }


def test_card_lookup_reports_blocked_lost_and_expired(client, app, world_a, token_a, jan):
    body = client.get("/api/v1/cards/OLD-BARCODE-1", headers=token_a.headers).get_json()
    assert (body["card"]["status"], body["card"]["reason"], body["card"]["usable"]) == ("blocked", "blocked", False)
    # Barcodes match exactly after trimming (URL-encoded spaces around the code).
    assert client.get("/api/v1/cards/%20OLD-BARCODE-1%20", headers=token_a.headers).status_code == 200
    assert_error(client.get("/api/v1/cards/old-barcode-1", headers=token_a.headers), 404, "card_not_found")
    with app.app_context(), as_tenant(world_a):
        card = db.session.get(Card, jan["card_id"])
        card.status = "lost"
        db.session.commit()
    body = client.get(f"/api/v1/cards/{UID_HEX}", headers=token_a.headers).get_json()
    assert (body["card"]["status"], body["card"]["reason"]) == ("blocked", "lost")
    with app.app_context(), as_tenant(world_a):
        card = db.session.get(Card, jan["card_id"])
        card.status, card.expires_on = "active", utcnow().date() - timedelta(days=1)
        db.session.commit()
    body = client.get(f"/api/v1/cards/{UID_HEX}", headers=token_a.headers).get_json()
    assert (body["card"]["status"], body["card"]["reason"], body["card"]["usable"]) == ("expired", "expired", False)


def test_a_card_valid_until_new_years_eve_is_expired_after_midnight_in_warsaw(client, app, world_a, token_a, jan,
                                                                              monkeypatch):
    # 23:30 UTC on New Year's Eve is 00:30 on New Year's Day in Warsaw.
    new_year = datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc)
    with app.app_context(), as_tenant(world_a):
        db.session.get(Card, jan["card_id"]).expires_on = date(2026, 12, 31)
        db.session.commit()
    monkeypatch.setattr(clock, "utcnow", lambda: new_year.replace(hour=22))  # 23:30 in Warsaw
    assert client.get(f"/api/v1/cards/{UID_HEX}", headers=token_a.headers).get_json()["card"]["status"] == "active"
    monkeypatch.setattr(clock, "utcnow", lambda: new_year)  # 00:30 in Warsaw, 23:30 in UTC
    card = client.get(f"/api/v1/cards/{UID_HEX}", headers=token_a.headers).get_json()["card"]
    assert (card["status"], card["usable"]) == ("expired", False)


def test_card_lookup_of_unknown_or_odd_codes_is_404(client, token_a, jan):
    for code in ("12345", "x" * 300, "%00", "a/b", "%0A", "line%0Abreak", "%C5%81%C3%B3d%C5%BA"):
        assert_error(client.get(f"/api/v1/cards/{code}", headers=token_a.headers), 404, "card_not_found")


# --- customers -------------------------------------------------------------------------------

def test_customer_search(client, app, world_a, token_a, jan):
    with app.app_context(), as_tenant(world_a):
        make_customer("Janina", "Kowalska")
        archived = make_customer("Jan", "Kowalczyk")
        archived.archived_at = utcnow()
        db.session.commit()
    found = client.get("/api/v1/customers?q=kowal", headers=token_a.headers).get_json()["customers"]
    assert [c["name"] for c in found] == ["Janina Kowalska", "Jan Kowalski"]  # by surname; archived left out
    assert [c["id"] for c in client.get("/api/v1/customers?q=5260250274", headers=token_a.headers)
            .get_json()["customers"]] == [jan["id"]]
    by_card = client.get(f"/api/v1/customers?q={UID_HEX}", headers=token_a.headers).get_json()["customers"]
    assert [c["id"] for c in by_card] == [jan["id"]]
    limited = client.get("/api/v1/customers?limit=1", headers=token_a.headers).get_json()["customers"]
    assert len(limited) == 1


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=abc", "limit=-1", "q=" + "x" * 101])
def test_customer_search_rejects_bad_parameters(client, token_a, query):
    assert_error(client.get(f"/api/v1/customers?{query}", headers=token_a.headers), 400, "invalid_parameter")


def test_customer_detail_lists_all_cards(client, token_a, jan):
    body = client.get(f"/api/v1/customers/{jan['id']}", headers=token_a.headers).get_json()["customer"]
    assert body["name"] == "Jan Kowalski" and body["group"] is None and body["tier"] is None
    assert [(c["code"], c["status"]) for c in body["cards"]] == [(UID_DEC_LE, "active"), ("OLD-BARCODE-1", "blocked")]
    assert_error(client.get("/api/v1/customers/999999", headers=token_a.headers), 404, "customer_not_found")
    for odd in ("99999999999999", "-5", "0", "abc", f"{jan['id']}/cards", "%C2%B2"):
        assert_error(client.get(f"/api/v1/customers/{odd}", headers=token_a.headers), 404, "customer_not_found")


def test_quick_add_with_a_card(client, app, world_a, token_a):
    resp = client.post("/api/v1/customers", headers=token_a.headers, json={
        "first_name": "Zofia", "last_name": "Dvořák", "phone": "601 200 300", "card_code": "8888888888",
        "card_number": "N-8", "card_expires_on": "2031-12-31"})
    assert resp.status_code == 201, resp.text
    body = resp.get_json()
    assert body["customer"]["name"] == "Zofia Dvořák" and body["customer"]["phone"] == "601 200 300"
    assert body["card"]["code"] == "8888888888" and body["card"]["expires_on"] == "2031-12-31"
    assert resp.headers["Location"] == f"/api/v1/customers/{body['customer']['id']}"
    with app.app_context(), as_tenant(world_a):
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()[-2:]
        assert [e.action for e in entries] == ["customer.created", "card.added"]
        assert all(e.actor_token_id == token_a.id for e in entries)  # the audit log names the till


def test_quick_add_without_a_card(client, token_a):
    resp = client.post("/api/v1/customers", headers=token_a.headers, json={"company_name": "Firma"})
    assert resp.status_code == 201 and resp.get_json()["card"] is None


def test_quick_add_with_a_taken_card_is_409_and_creates_nobody(client, app, world_a, token_a, jan):
    resp = client.post("/api/v1/customers", headers=token_a.headers, json={"first_name": "Ewa", "card_code": UID_HEX})
    error = assert_error(resp, 409, "card_taken")
    assert error["customer_id"] == jan["id"] and "Jan Kowalski" in error["message"]
    with app.app_context(), as_tenant(world_a):
        assert db.session.scalar(select(func.count()).select_from(Customer).where(Customer.first_name == "Ewa")) == 0


@pytest.mark.parametrize("body, field", [
    ({}, "first_name"),
    ({"first_name": "Ewa", "nip": "123"}, "nip"),
    ({"first_name": 5}, "first_name"),
    ({"first_name": "Ewa", "card_code": "x" * 65}, "card_code"),
    ({"first_name": "Ewa", "card_code": "C-1", "card_expires_on": "tomorrow"}, "card_expires_on"),
])
def test_quick_add_validation_is_422_with_the_field(client, token_a, body, field):
    error = assert_error(client.post("/api/v1/customers", headers=token_a.headers, json=body), 422, "invalid")
    assert error["field"] == field and field in error["fields"]


def test_quick_add_needs_a_json_object(client, token_a):
    for data in ("not json", "[1, 2]", ""):
        resp = client.post("/api/v1/customers", headers={**token_a.headers, "Content-Type": "application/json"},
                           data=data)
        assert_error(resp, 400, "bad_request")


# --- the document and the page -----------------------------------------------------------------

def test_openapi_document_is_public_and_describes_every_endpoint(client, app):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"] == "3.1.0" and doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            ok = next(r for code, r in op["responses"].items() if code.startswith("2"))
            assert ok["content"]["application/json"]["example"], f"{method} {path} has no example answer"
            assert op["x-scope"] in ("pos", "manage") and "401" in op["responses"] and "403" in op["responses"]
            if "requestBody" in op:
                assert op["requestBody"]["content"]["application/json"]["example"], f"{method} {path}: no example"
    documented = {(m.upper(), "/api/v1" + p.replace("{", "<").replace("}", ">"))
                  for p, ops in doc["paths"].items() for m in ops}
    routed = {(m, re.sub(r"<[^:>]+:", "<", r.rule)) for r in app.url_map.iter_rules()
              if r.endpoint.startswith("api.") and r.endpoint not in ("api.openapi", "api.docs")
              for m in r.methods - {"HEAD", "OPTIONS"}}
    assert documented == routed


def test_api_page_renders_from_the_document(staff_a, client):
    page = staff_a.get("/api/v1/docs")
    assert page.status_code == 200 and "Regulars POS API" in page.text
    for text in ("/cards/{code}", "/customers/{customer_id}", "card_taken", "Authorization: Bearer", "curl "):
        assert text in page.text
    assert client.get("/api/v1/docs").status_code in (302, 401)  # a panel page: sign in first


def test_settings_link_to_the_api_page(owner_a):
    assert 'href="/api/v1/docs"' in owner_a.get("/settings/tokens").text


def test_card_lookup_is_two_statements_without_a_transaction(app, client, token_a, jan):
    """The till's hot path: the token with its tenant, then the card with its holder; no BEGIN."""
    client.get(f"/api/v1/cards/{UID_DEC_LE}", headers=token_a.headers)  # stamps last_used_at
    seen = []

    def _before(conn, cursor, statement, params, context, executemany):
        seen.append((statement.split()[0], getattr(conn.connection.dbapi_connection, "autocommit", None)))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", _before)
    try:
        assert client.get(f"/api/v1/cards/{UID_HEX}", headers=token_a.headers).status_code == 200
        reads = list(seen)
        seen.clear()
        assert client.post("/api/v1/customers", json={"first_name": "Ewa"}, headers=token_a.headers).status_code == 201
    finally:
        event.remove(engine, "before_cursor_execute", _before)
    if engine.dialect.name == "postgresql":  # SQLite's driver keeps its own transaction rules
        assert reads == [("SELECT", True), ("SELECT", True)]
        assert seen and not any(autocommit for _verb, autocommit in seen)  # writes stay in one transaction
    else:
        assert [verb for verb, _ in reads] == ["SELECT", "SELECT"]

