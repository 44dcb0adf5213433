"""Tenant settings, API tokens in the panel, the audit log page, error pages."""
import re

from sqlalchemy import select

from panel import create_app
from panel.extensions import db
from panel.jobs import start_job
from panel.jobs.exports import export_audit_log
from panel.models import ApiToken, AuditEntry, Customer, Tenant
from panel.services import audit, tokens
from panel.tenancy import tenant_scope

from .conftest import HX, TEST_OVERRIDES, make_test_env


def test_owner_changes_settings_and_it_is_audited(app, owner_a, world_a):
    resp = owner_a.post("/settings/", data={"name": "Bistro Alfa & Syn", "locale": "cs", "reader_format": "dec10_le"})
    assert resp.status_code == 303
    with app.app_context():
        t = db.session.get(Tenant, world_a.tenant_id)
        assert (t.name, t.locale, t.reader_format) == ("Bistro Alfa & Syn", "cs", "dec10_le")
        with tenant_scope(world_a.tenant_id):
            entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "tenant.updated"))
            assert entry.changes["reader_format"] == ["auto", "dec10_le"]


def test_settings_errors_keep_values(owner_a):
    resp = owner_a.post("/settings/", data={"name": "", "locale": "xx", "reader_format": "auto"})
    assert resp.status_code == 422 and "Enter the restaurant" in resp.text


def test_tokens_page_creates_shows_once_and_revokes(app, owner_a, world_a):
    resp = owner_a.post("/settings/tokens", data={"name": "Bar till 1", "scope_pos": "y"})
    assert resp.status_code == 200 and "Copy the new token now" in resp.text
    plain = resp.text.split('id="new-token" class="mono" type="text" readonly value="')[1].split('"')[0]
    assert plain.startswith("rg_")
    page = owner_a.get("/settings/tokens").text
    assert plain not in page and plain[:10] in page  # only the prefix is ever shown again
    with app.app_context():
        token = tokens.authenticate(plain)
        assert token is not None
        token_id = token.id
    owner_a.post(f"/settings/tokens/{token_id}/revoke")
    with app.app_context():
        assert tokens.authenticate(plain) is None


def test_token_needs_a_name(owner_a):
    resp = owner_a.post("/settings/tokens", data={"name": " ", "scope_pos": "y"})
    assert resp.status_code == 422


def test_token_page_asks_what_the_token_may_do(app, owner_a, world_a):
    page = owner_a.get("/settings/tokens").text
    assert 'name="scope_pos"' in page and 'name="scope_manage"' in page
    resp = owner_a.post("/settings/tokens", data={"name": "Office", "scope_manage": "y"})
    plain = resp.text.split('id="new-token" class="mono" type="text" readonly value="')[1].split('"')[0]
    with app.app_context():
        assert tokens.authenticate(plain).scopes == {"manage"}
    both = owner_a.post("/settings/tokens", data={"name": "Both", "scope_pos": "y", "scope_manage": "y"})
    plain = both.text.split('id="new-token" class="mono" type="text" readonly value="')[1].split('"')[0]
    with app.app_context():
        assert tokens.authenticate(plain).scopes == {"pos", "manage"}
    neither = owner_a.post("/settings/tokens", data={"name": "Nothing"})
    assert neither.status_code == 422 and "POS, management or both" in neither.text
    assert 'value="Nothing"' in neither.text  # what was typed is kept


def test_audit_log_lists_filters_and_pages(app, owner_a, world_a):
    with app.app_context(), tenant_scope(world_a.tenant_id):
        for n in range(60):
            audit.record("customer.updated", "customer", n, f"entry {n}")
        db.session.commit()
    page = owner_a.get("/audit/")
    assert page.status_code == 200 and "entry 59" in page.text and "entry 5<" not in page.text
    assert "Older entries" in page.text
    frag = owner_a.get("/audit/?action=tenant.", headers=HX)
    assert "entry 59" not in frag.text and "created the account" in frag.text and "<html" not in frag.text


def test_audit_log_shows_only_own_tenant(app, owner_a, world_b):
    with app.app_context(), tenant_scope(world_b.tenant_id):
        audit.record("customer.updated", "customer", 1, "beta secret entry")
        db.session.commit()
    assert "beta secret entry" not in owner_a.get("/audit/").text


def test_unexpected_error_gets_a_polite_500_page(database_url):
    app = create_app(dict(TEST_OVERRIDES, TESTING=False), env=make_test_env(database_url))

    @app.get("/boom")
    def boom():
        raise RuntimeError("kaboom")

    resp = app.test_client().get("/boom")
    assert resp.status_code == 500 and "Something went wrong" in resp.text and "kaboom" not in resp.text
    with app.app_context():
        db.engine.dispose()


def test_unknown_page_is_a_translated_404(client):
    client.post("/language", data={"locale": "cs"})
    resp = client.get("/no-such-page")
    assert resp.status_code == 404 and 'lang="cs"' in resp.text


def test_api_tokens_are_hashed_at_rest(app, world_a):
    with app.app_context(), tenant_scope(world_a.tenant_id):
        _t, plain = tokens.create("Till")
        db.session.commit()
        assert all(plain not in row for row in db.session.scalars(select(ApiToken.token_hash)))


def test_audit_log_names_records_and_filters_in_the_users_language(app, owner_a, world_a, count_queries):
    with app.app_context(), tenant_scope(world_a.tenant_id):
        customer = Customer(first_name="Anna", last_name="Nowak", sort_name="nowak anna", search_text="anna nowak")
        db.session.add(customer)
        run = start_job("audit_export", export_audit_log)
        db.session.flush()
        cid, run_id = customer.id, run.id
        audit.record("customer.updated", "customer", cid, f"#{cid}", {"city": ["", "Kraków"]})
        audit.record("audit.exported", "job_run", run_id)
        audit.record("customer.updated", "customer", 999_999, "#999999")  # no such customer: no link
        db.session.commit()
    owner_a.post("/language", data={"locale": "pl"})
    page = owner_a.get("/audit/").text
    assert f'<a href="/customers/{cid}">Klient #{cid}</a>' in page
    assert f'<a href="/jobs/{run_id}">Eksport dziennika zdarzeń #{run_id}</a>' in page
    assert "Klient #999999</td>" in page and 'href="/customers/999999"' not in page
    assert "<strong>Miejscowość</strong>: — → Kraków" in page
    assert f"customer #{cid}" not in page and "job_run" not in page
    assert re.search(r'<option value="customer\."\s*>Klienci</option>', page) and ">customer<" not in page
    with app.app_context(), tenant_scope(world_a.tenant_id):
        for n in range(20):
            audit.record("customer.updated", "customer", cid + n, f"#{n}")
            audit.record("audit.exported", "job_run", run_id + n)
        db.session.commit()
    with count_queries() as short:
        owner_a.get("/audit/?action=tenant.", headers=HX)
    with count_queries() as long:
        owner_a.get("/audit/", headers=HX)
    assert long() == short() + 2  # the page's customers and jobs, each in one query


def test_audit_log_reads_a_customer_export_filter(app, owner_a, world_a):
    owner_a.get("/exports/customers.csv?q=ka&consent=yes&sort=city")
    with app.app_context(), tenant_scope(world_a.tenant_id):
        audit.record("customers.exported", "customer", None, "consent=no q=a b sort=-city")  # logged before
        db.session.commit()
    page = owner_a.get("/audit/").text
    assert "searched for “ka”, Consent: Given, sorted by City" in page
    assert "searched for “a b”, Consent: Not given, sorted by City, descending" in page
    assert "q=ka" not in page and "consent=yes" not in page
