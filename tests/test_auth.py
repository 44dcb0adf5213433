"""Sign-up, sign-in, throttling, password change, invitations, roles and redirects."""
import pytest
from sqlalchemy import select

from panel.extensions import db
from panel.models import Membership, Tenant, User
from panel.services import accounts
from panel.tenancy import tenant_scope

from .conftest import login
from .factories import PASSWORD, join_tenant


def _signup(client, **over):
    data = {"name": "Kavárna Dvořák", "country": "CZ", "currency": "CZK", "locale": "cs",
            "owner_name": "Antonín Dvořák", "email": "antonin@kavarna.test", "password": "velmi-tajne-heslo"}
    data.update(over)
    return client.post("/signup", data=data)


def test_signup_creates_tenant_owner_and_signs_in(app, client):
    resp = _signup(client)
    assert resp.status_code == 302
    with app.app_context():
        tenant = db.session.scalar(select(Tenant).where(Tenant.name == "Kavárna Dvořák"))
        assert (tenant.country, tenant.currency, tenant.locale, tenant.slug) == ("CZ", "CZK", "cs", "kavarna-dvorak")
        with tenant_scope(tenant.id):
            m = db.session.scalar(select(Membership))
            assert m.role == "owner" and m.user.email == "antonin@kavarna.test"
    page = client.get("/")
    assert page.status_code == 200 and "Kavárna Dvořák" in page.text


@pytest.mark.parametrize("language, country, currency", [("cs", "CZ", "CZK"), ("pl", "PL", "PLN")])
def test_signup_starts_from_the_country_of_the_page_language(client, language, country, currency):
    resp = client.get("/signup", headers={"Accept-Language": f"{language},en;q=0.5"})
    assert f'<option selected value="{country}">' in resp.text
    assert f'<option selected value="{currency}">' in resp.text
    assert f'<option selected value="{language}">' in resp.text
    # The language chosen in the header wins over the browser's.
    client.post("/language", data={"locale": "cs"})
    resp = client.get("/signup", headers={"Accept-Language": "pl"})
    assert '<option selected value="CZ">' in resp.text and '<option selected value="CZK">' in resp.text


def test_signup_errors_keep_typed_values_and_speak_the_language(client):
    client.post("/language", data={"locale": "pl"})
    resp = _signup(client, password="krótkie", email="not-an-email")
    assert resp.status_code == 422
    assert 'value="Kavárna Dvořák"' in resp.text
    assert "Podaj poprawny adres e-mail." in resp.text
    assert "Użyj co najmniej" in resp.text          # the password too, not on the next try


def test_login_success_redirects_and_sets_session(client, world_a):
    resp = client.post("/login", data={"email": world_a.owner.email.upper(), "password": PASSWORD})
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("email", ["owner@bistro-alfa.test", "nobody@nowhere.test"])
def test_wrong_login_says_the_same_for_unknown_email_and_wrong_password(client, world_a, email):
    resp = client.post("/login", data={"email": email, "password": "wrong-password"})
    assert resp.status_code == 401
    assert "Wrong e-mail or password." in resp.text
    assert f'value="{email}"' in resp.text


# Throttling: tests/test_login_throttle.py.


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil.example",
                                    "javascript:alert(1)", "http:/evil.example"])
def test_open_redirect_after_login_refused(client, world_a, target):
    resp = client.post("/login", data={"email": world_a.owner.email, "password": PASSWORD, "next": target})
    assert resp.status_code == 302 and resp.headers["Location"] == "/"


def test_next_within_the_site_is_followed(client, world_a):
    resp = client.post("/login", data={"email": world_a.owner.email, "password": PASSWORD, "next": "/users/?q=a"})
    assert resp.headers["Location"] == "/users/?q=a"


def test_remember_me_sets_a_lasting_cookie(client, world_a):
    resp = client.post("/login", data={"email": world_a.owner.email, "password": PASSWORD, "remember": "y"})
    assert any(c.startswith("remember_token=") for c in resp.headers.getlist("Set-Cookie"))
    resp = client.post("/login", data={"email": world_a.manager.email, "password": PASSWORD})
    assert not any(c.startswith("remember_token=") for c in resp.headers.getlist("Set-Cookie"))


def test_the_session_slides_every_few_minutes_not_on_every_answer(client, world_a, monkeypatch):
    from panel import auth_setup

    clock = [1_800_000_000.0]
    monkeypatch.setattr(auth_setup.time, "time", lambda: clock[0])
    resp = client.post("/login", data={"email": world_a.owner.email, "password": PASSWORD})
    assert any(c.startswith("session=") for c in resp.headers.getlist("Set-Cookie"))

    def cookie_after(seconds: float) -> list[str]:
        clock[0] += seconds
        answer = client.get("/customers/", headers={"HX-Request": "true"})
        assert answer.status_code == 200
        return [c for c in answer.headers.getlist("Set-Cookie") if c.startswith("session=")]

    # A live search sends no cookie back: nothing in the session changed ...
    assert cookie_after(1) == [] and cookie_after(auth_setup.SLIDE_EVERY - 2) == []
    # ... until the sign-in is due to slide, when it comes back with a new end.
    slid = cookie_after(1)
    assert len(slid) == 1 and "Expires=" in slid[0]
    assert cookie_after(1) == []


def test_logout_is_a_post_and_ends_the_session(owner_a):
    assert owner_a.get("/logout").status_code == 405
    assert owner_a.post("/logout").status_code == 302
    assert owner_a.get("/").status_code == 302


def test_password_change_signs_out_other_sessions(app, world_a):
    one, two = app.test_client(), app.test_client()
    for c in (one, two):
        c.post("/login", data={"email": world_a.owner.email, "password": PASSWORD})
    resp = one.post("/account/password", data={"current_password": PASSWORD, "new_password": "brand-new-password-1"})
    assert resp.status_code == 302
    assert one.get("/").status_code == 200
    assert two.get("/").status_code == 302  # the old session's fingerprint no longer matches


def test_password_change_errors(owner_a):
    resp = owner_a.post("/account/password", data={"current_password": "wrong", "new_password": "brand-new-password-1"})
    assert resp.status_code == 422 and "The current password is not right." in resp.text
    resp = owner_a.post("/account/password", data={"current_password": PASSWORD, "new_password": "short"})
    assert resp.status_code == 422 and "Use at least 10 characters." in resp.text


def test_one_time_password_must_be_changed_first(app, client, world_a):
    with app.app_context(), tenant_scope(world_a.tenant_id):
        _m, one_time = accounts.add_user("newbie@bistro-alfa.test", "Newbie", "staff")
        db.session.commit()
    resp = client.post("/login", data={"email": "newbie@bistro-alfa.test", "password": one_time})
    assert resp.headers["Location"] == "/account/password"


def test_invite_link_creates_account_with_role(app, client, world_a):
    with app.app_context(), tenant_scope(world_a.tenant_id):
        _inv, token = accounts.create_invite("chef@bistro-alfa.test", "manager", world_a.owner.id)
        db.session.commit()
    assert "Bistro Alfa" in client.get(f"/invite/{token}").text
    resp = client.post(f"/invite/{token}", data={"name": "Chef", "password": "chef-password-123"})
    assert resp.status_code == 302
    with app.app_context(), tenant_scope(world_a.tenant_id):
        user = db.session.scalar(select(User).where(User.email == "chef@bistro-alfa.test"))
        assert db.session.scalar(select(Membership.role).where(Membership.user_id == user.id)) == "manager"
    # Used once: the link is dead now.
    assert app.test_client().get(f"/invite/{token}").status_code == 404


def test_unknown_invite_is_404(client):
    assert client.get("/invite/not-a-token").status_code == 404


@pytest.mark.parametrize("path", ["/users/", "/settings/tokens", "/audit/"])
def test_staff_gets_an_explaining_403_on_owner_pages(staff_a, path):
    resp = staff_a.get(path)
    assert resp.status_code == 403
    assert "Your role does not allow this page" in resp.text


def test_staff_cannot_open_settings_but_manager_can(staff_a, manager_a):
    assert staff_a.get("/settings/").status_code == 403
    assert manager_a.get("/settings/").status_code == 200
    assert manager_a.post("/settings/", data={"name": "X", "locale": "pl", "reader_format": "auto"}).status_code == 403


def test_anonymous_is_sent_to_login(client):
    resp = client.get("/users/")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login")


def test_switch_only_to_own_tenants(app, owner_a, world_a, world_b):
    resp = owner_a.post("/switch-tenant", data={"tenant_id": world_b.tenant_id})
    assert resp.status_code == 404
    with app.app_context():
        join_tenant(world_b.tenant_id, world_a.owner.email, "staff")
    assert owner_a.post("/switch-tenant", data={"tenant_id": world_b.tenant_id}).status_code == 302
    assert "Hospoda Beta" in owner_a.get("/").text


def test_deactivated_member_loses_access_at_once(app, world_a):
    c = login(app.test_client(), world_a.staff.id, world_a.staff.fingerprint, world_a.tenant_id)
    assert c.get("/").status_code == 200
    with app.app_context(), tenant_scope(world_a.tenant_id):
        m = db.session.scalar(select(Membership).where(Membership.user_id == world_a.staff.id))
        accounts.set_active(m, False)
        db.session.commit()
    assert c.get("/").status_code == 302
    resp = app.test_client().post("/login", data={"email": world_a.staff.email, "password": PASSWORD})
    assert resp.status_code == 403
