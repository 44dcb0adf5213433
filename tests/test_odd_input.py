"""Input that used to answer 500, and characters no person types: an answer below 500, in the
caller's language, and names and notes without terminal escapes."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from panel.extensions import db
from panel.models import AuditEntry, Customer, JobRun

from .api.conftest import make_token
from .conftest import HX, as_tenant
from .customers.test_views import form


def test_the_terminals_customer_picker_opens_as_a_whole_page_without_htmx(owner_a):
    page = owner_a.get("/terminal/lookup?assign=ABC")
    assert page.status_code == 200
    assert 'name="assign" value="ABC"' in page.text and 'action="/terminal/quick-add"' in page.text
    assert owner_a.get("/terminal/lookup?assign=ABC", headers=HX).status_code == 200


@pytest.mark.parametrize("bounds", [{"until": "9999-12-31"}, {"since": "0001-01-01"},
                                    {"since": "0001-01-01", "until": "9999-12-31"}])
def test_the_audit_logs_widest_dates_are_no_bound(app, owner_a, world_a, bounds):
    page = owner_a.get("/audit/", query_string=bounds)
    assert page.status_code == 200 and "created" in page.text.lower()  # the tenant's creation is listed
    export = owner_a.post("/audit/export", data=bounds)
    assert export.status_code == 303
    with app.app_context(), as_tenant(world_a):
        [run] = db.session.scalars(select(JobRun).where(JobRun.kind == "audit_export")).all()
        assert run.params == {"since": "", "until": ""}
        assert db.session.scalar(select(AuditEntry.action).where(
            AuditEntry.entity_type == "job_run", AuditEntry.entity_id == run.id)) == "audit.exported"


def test_a_lone_surrogate_in_json_is_dropped_not_a_500(app, client, world_a):
    token = make_token(app, world_a)
    alone = client.post("/api/v1/customers", headers={**token.headers, "Accept-Language": "pl"},
                        json={"first_name": "\ud800"})
    assert alone.status_code == 422
    assert alone.get_json()["error"] == {
        "code": "invalid", "field": "first_name", "message": "Podaj imię, nazwisko lub nazwę firmy.",
        "fields": {"first_name": "Podaj imię, nazwisko lub nazwę firmy."}}
    around = client.post("/api/v1/customers", headers=token.headers, json={"first_name": "Ew\udc00a"})
    assert around.status_code == 201 and around.get_json()["customer"]["first_name"] == "Ewa"


@pytest.mark.parametrize("body", ["[" * 100_000 + "]" * 100_000, '{"a":' * 100_000 + "1" + "}" * 100_000,
                                  '{"first_name": "Ewa", "x": ' + "[" * 70 + "]" * 70 + "}"])
def test_json_nested_past_any_request_of_ours_is_a_bad_request(app, client, world_a, body):
    token = make_token(app, world_a)
    resp = client.post("/api/v1/customers", data=body, headers={
        **token.headers, "Content-Type": "application/json", "Accept-Language": "pl"})
    assert resp.status_code == 400
    assert resp.get_json() == {"error": {"code": "bad_request", "message": "Wyślij obiekt JSON."}}


def test_control_characters_are_dropped_from_forms_json_and_queries(app, owner_a, world_a):
    """ESC sequences, backspace, DEL and C1 controls go; tab and the textarea's line ends stay."""
    resp = owner_a.post("/customers/new", data=form(first_name="Ja\x1bn", last_name="Ko\x08wal\x7fski",
                                                   notes="Stolik\r\nprzy\toknie\x1b[2J\x9b2J\x07"))
    assert resp.status_code == 303
    token = make_token(app, world_a)
    api = app.test_client().post("/api/v1/customers", headers=token.headers,
                                 json={"first_name": "E\x1bwa", "last_name": "N\x0bowak\x85"})
    assert api.status_code == 201 and api.get_json()["customer"]["name"] == "Ewa Nowak"
    with app.app_context(), as_tenant(world_a):
        stored = set(db.session.execute(select(Customer.first_name, Customer.last_name, Customer.notes)).all())
    # The escape goes; what followed it is plain text. The form stores a textarea's CRLF as LF.
    assert {("Jan", "Kowalski", "Stolik\nprzy\toknie[2J2J"), ("Ewa", "Nowak", "")} <= stored
    found = owner_a.get("/customers/?q=Kowal%1Bski", headers=HX).get_data(as_text=True)
    assert "Jan Kowalski" in found
