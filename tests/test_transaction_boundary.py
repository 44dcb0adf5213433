"""One transaction per request: commit after the view, roll back on any exception, a refused
save as the form's 422 or the API's error, a lost unique race as its domain message."""
from __future__ import annotations

import threading

import pytest
from flask import flash, request, session
from flask_wtf import FlaskForm
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError
from wtforms import StringField

from panel import create_app, jobs
from panel.extensions import db
from panel.models import AuditEntry, Customer, Tenant, User
from panel.services import ServiceError, accounts, conflicts
from panel.services import settings as settings_service
from panel.tenancy import tenant_scope, unscoped
from panel.transaction import form_errors

from .concurrency import all_at_once
from .conftest import TEST_OVERRIDES, make_test_env

SLUG = "boundary-test"


def _tenant_slugs(app, like: str) -> list[str]:
    with app.app_context(), unscoped("test: tenants across the database"):
        return sorted(db.session.scalars(select(Tenant.slug).where(Tenant.slug.like(f"{like}%"))))


@pytest.fixture
def probe(app, database_url, monkeypatch):
    """An app of its own with test-only routes (the shared app has served requests, so it takes
    no new ones); `probe.dispatched` lists the jobs handed to the queue, each with whether the
    request's tenant row was already committed then."""
    probe_app = create_app(dict(TEST_OVERRIDES), env=make_test_env(database_url))
    dispatched: list[tuple[str, bool]] = []

    def new_tenant():
        db.session.add(Tenant(name="Boundary", slug=SLUG, country="PL", currency="PLN", locale="pl"))
        db.session.flush()

    def record_dispatch(_app, queued):
        committed = bool(_tenant_slugs(probe_app, SLUG))  # another session: sees committed rows only
        dispatched.extend((fn.__name__, committed) for fn, *_rest in queued)

    monkeypatch.setattr(jobs, "_dispatch", record_dispatch)

    @probe_app.post("/probe/<outcome>")
    def flushed(outcome: str):
        new_tenant()
        jobs.enqueue_after_commit(_a_job, 1)
        if outcome == "crash":
            raise RuntimeError("after the flush")
        if outcome == "refused":
            raise ServiceError("The probe says no.", code="conflict")
        if outcome == "race":
            db.session.add(Tenant(name="Again", slug=SLUG, country="PL", currency="PLN", locale="pl"))
            db.session.flush()
        return "done"

    class ProbeForm(FlaskForm):
        name = StringField()

    @probe_app.post("/probe-form")
    def probe_form():
        form = ProbeForm()
        with form_errors(form, "name"):
            new_tenant()
            raise ServiceError("That name is refused.", field="name")
        return f"{form.name.errors} {form.name.data} {request.form['name']}", 422

    probe_app.dispatched = dispatched
    yield probe_app
    with probe_app.app_context():
        db.engine.dispose()


def _a_job(n):  # pragma: no cover (never run: the dispatch is recorded instead)
    return n


def test_a_view_that_answers_is_committed_and_its_jobs_leave_after_the_commit(app, probe):
    resp = probe.test_client().post("/probe/ok")
    assert resp.status_code == 200
    assert _tenant_slugs(app, SLUG) == [SLUG]
    assert probe.dispatched == [("_a_job", True)]


def test_a_view_that_raises_after_a_flush_leaves_nothing_behind(app, probe):
    with pytest.raises(RuntimeError):  # tests see the exception; production answers 500
        probe.test_client().post("/probe/crash")
    assert _tenant_slugs(app, SLUG) == []
    assert probe.dispatched == []


def test_a_service_error_no_view_catches_is_the_message_and_nothing_saved(app, probe):
    resp = probe.test_client().post("/probe/refused")
    assert resp.status_code == 409 and "The probe says no." in resp.text
    assert _tenant_slugs(app, SLUG) == [] and probe.dispatched == []


def test_a_unique_race_no_view_expects_is_its_domain_message(app, probe):
    resp = probe.test_client().post("/probe/race")
    assert resp.status_code == 409
    assert "Another restaurant with this name was created at the same moment" in resp.text
    assert _tenant_slugs(app, SLUG) == [] and probe.dispatched == []


def test_form_errors_rolls_back_and_puts_the_message_on_the_field(app, probe):
    resp = probe.test_client().post("/probe-form", data={"name": "Typed name"})
    assert resp.status_code == 422
    assert resp.text == "['That name is refused.'] Typed name Typed name"
    assert _tenant_slugs(app, SLUG) == []


def test_a_refused_panel_form_is_422_with_the_message_and_the_typed_values(app, owner_a, world_a, monkeypatch):
    def update_then_refuse(tenant, *, name, locale, reader_format):
        tenant.name = name
        db.session.flush()
        raise ServiceError("This name is reserved.", field="name")

    monkeypatch.setattr(settings_service, "update_tenant", update_then_refuse)
    resp = owner_a.post("/settings/", data={"name": "Bistro Typed", "locale": "pl", "reader_format": "auto"})
    assert resp.status_code == 422
    assert "This name is reserved." in resp.text and 'value="Bistro Typed"' in resp.text
    with app.app_context():
        assert db.session.get(Tenant, world_a.tenant_id).name == world_a.name


def test_a_customer_save_that_fails_after_flushing_keeps_nothing(app, staff_a, world_a, monkeypatch):
    """The real form: the customer is flushed, then the card rows are refused."""
    from panel.services import cards as cards_service

    def refuse(customer, rows):
        raise ServiceError("The reader is unplugged.", field="cards")

    monkeypatch.setattr(cards_service, "apply_card_rows", refuse)
    resp = staff_a.post("/customers/new", data={"first_name": "Ewa", "last_name": "Nowak", "country": "PL"})
    assert resp.status_code == 422 and "The reader is unplugged." in resp.text and 'value="Nowak"' in resp.text
    with app.app_context(), tenant_scope(world_a.tenant_id):
        assert db.session.scalar(select(func.count()).select_from(Customer)) == 0
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "customer.created")) == 0


def test_every_registered_constraint_is_a_unique_key_of_the_models(app):
    names = set()
    for table in db.metadata.tables.values():
        names |= {c.name for c in table.constraints if c.__class__.__name__ == "UniqueConstraint"}
        names |= {i.name for i in table.indexes if i.unique}
    assert set(conflicts.UNIQUE) <= names, set(conflicts.UNIQUE) - names


def test_a_duplicate_on_a_registered_constraint_names_it_on_both_databases(ctx):
    db.session.add(Tenant(name="One", slug="twice", country="PL", currency="PLN", locale="pl"))
    db.session.commit()
    db.session.add(Tenant(name="Two", slug="twice", country="PL", currency="PLN", locale="pl"))
    with pytest.raises(IntegrityError) as caught:
        db.session.flush()
    db.session.rollback()
    assert conflicts.constraint_name(caught.value) == "uq_tenants_slug"
    error = conflicts.service_error(caught.value)
    assert (error.field, error.code) == ("name", "conflict")


@pytest.mark.pg_only
def test_parallel_signups_of_one_restaurant_name_give_the_losers_the_domain_message(app, monkeypatch):
    """Every sign-up picks the free slug before any inserts it: one wins the unique index."""
    n = 4
    picked = threading.Barrier(n)
    pick = accounts._unique_slug

    def slug_once_all_have_picked(name):
        slug = pick(name)
        picked.wait()
        return slug

    monkeypatch.setattr(accounts, "_unique_slug", slug_once_all_have_picked)
    clients = [app.test_client() for _ in range(n)]
    results = all_at_once(n, lambda i: clients[i].post("/signup", data={
        "name": "Bistro Wyścig", "country": "PL", "currency": "PLN", "locale": "pl", "owner_name": f"Racer {i}",
        "email": f"racer{i}@wyscig.test", "password": "bardzo-tajne-haslo"}))
    codes = sorted(r.status_code if not isinstance(r, Exception) else repr(r) for r in results)
    assert codes == [302] + [422] * (n - 1), codes
    losers = [r for r in results if r.status_code == 422]
    assert all("Another restaurant with this name was created at the same moment" in r.text for r in losers)
    assert all('value="Bistro Wyścig"' in r.text for r in losers)  # the typed values stay
    assert _tenant_slugs(app, "bistro-wyscig") == ["bistro-wyscig"]
    with app.app_context(), unscoped("test: accounts across tenants"):
        assert db.session.scalar(select(func.count()).select_from(User)
                                 .where(User.email.like("racer%@wyscig.test"))) == 1


def test_an_api_write_commits_once(app, client, world_a):
    from .api.conftest import make_token

    token = make_token(app, world_a)
    commits = []
    with app.app_context():
        engine = db.engine
    listener = lambda conn: commits.append(conn)  # noqa: E731
    event.listen(engine, "commit", listener)
    try:
        resp = client.post("/api/v1/customers", json={"first_name": "Ewa"},
                           headers={**token.headers, "Idempotency-Key": "till-1-op-1"})
    finally:
        event.remove(engine, "commit", listener)
    assert resp.status_code == 201
    assert len(commits) == 1  # the token's last use, the customer and the stored answer together


def test_an_api_read_commits_nothing(app, client, world_a):
    from .api.conftest import make_token

    token = make_token(app, world_a)
    client.get("/api/v1/customers?q=x", headers=token.headers)  # the token's first use: noted
    commits = []
    with app.app_context():
        engine = db.engine
    listener = lambda conn: commits.append(conn)  # noqa: E731
    event.listen(engine, "commit", listener)
    try:
        resp = client.get("/api/v1/customers?q=x", headers=token.headers)
    finally:
        event.remove(engine, "commit", listener)
    assert resp.status_code == 200 and commits == []


def test_a_read_only_panel_view_runs_without_a_transaction(app, staff_a, world_a):
    staff_a.get("/customers/")  # the session's first request loads what later ones reuse
    statements = []
    with app.app_context():
        engine = db.engine
    listen = lambda conn, cursor, statement, *rest: statements.append(statement)  # noqa: E731
    count = lambda conn: statements.append("COMMIT")  # noqa: E731
    event.listen(engine, "before_cursor_execute", listen)
    event.listen(engine, "commit", count)
    try:
        assert staff_a.get("/customers/").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listen)
        event.remove(engine, "commit", count)
    assert statements and "COMMIT" not in statements


def test_a_flash_before_a_refused_commit_is_not_shown(app):
    """Unit: _commit() drops the success message of a save the database refused."""
    from panel import transaction

    with app.test_request_context("/"):
        flash("Saved!", "success")
        db.session.add(Tenant(name="A", slug="dup-flash", country="PL", currency="PLN", locale="pl"))
        db.session.add(Tenant(name="B", slug="dup-flash", country="PL", currency="PLN", locale="pl"))
        with pytest.raises(IntegrityError):
            transaction._commit()
        db.session.rollback()
        assert "_flashes" not in session
