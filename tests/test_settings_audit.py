"""Tenant settings, API tokens in the panel, the audit log page, error pages."""
from sqlalchemy import select

from panel import create_app
from panel.extensions import db
from panel.models import ApiToken, AuditEntry, Tenant
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
    resp = owner_a.post("/settings/tokens", data={"name": "Bar till 1"})
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
    resp = owner_a.post("/settings/tokens", data={"name": " "})
    assert resp.status_code == 422


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
