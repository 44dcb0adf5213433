"""Account takeover and consent: a password is proved only on the sign-in page, sign-out ends
every session, an account joins a tenant only by accepting an invitation, and races on one new
e-mail answer as for an existing one."""
import re

import pytest
from sqlalchemy import func, select

from panel.extensions import db
from panel.models import AuditEntry, Invite, JobRun, Membership, Tenant, User
from panel.services import accounts
from panel.tenancy import tenant_scope, unscoped

from .concurrency import all_at_once
from .conftest import login
from .factories import PASSWORD


def _signup(client, **over):
    data = {"name": "Kavárna Dvořák", "country": "CZ", "currency": "CZK", "locale": "cs",
            "owner_name": "Antonín Dvořák", "email": "antonin@kavarna.test", "password": "velmi-tajne-heslo"}
    data.update(over)
    return client.post("/signup", data=data)


def _invite(app, world, email: str, role: str = "staff") -> str:
    with app.app_context(), tenant_scope(world.tenant_id):
        _inv, token = accounts.create_invite(email, role, world.owner.id)
        db.session.commit()
    return token


def _count(app, model, *where) -> int:
    with app.app_context(), unscoped("test: counting across tenants"):
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _membership_role(app, world, user_id: int):
    with app.app_context(), tenant_scope(world.tenant_id):
        return db.session.scalar(select(Membership.role).where(Membership.user_id == user_id, Membership.is_active))


def _without_csrf(html: str) -> str:
    return re.sub(r'(name="csrf_token"[^>]*>|"X-CSRFToken": "[^"]*")', "", html)


def _signed_in(client) -> bool:
    return client.get("/").status_code == 200


# --- sign-up is no password oracle ---------------------------------------------------------

def test_signup_with_a_known_email_never_checks_the_password_nor_signs_in(app, client, world_a):
    right = _signup(client, email=world_a.owner.email, password=PASSWORD)
    wrong = _signup(client, email=world_a.owner.email, password="not-the-password")
    assert right.status_code == wrong.status_code == 422
    assert "Sign in first, then add a restaurant" in right.text
    # The right password and a wrong one get the same answer: nothing is learnt from it.
    assert _without_csrf(right.text) == _without_csrf(wrong.text)
    assert not _signed_in(client)
    assert _count(app, Tenant, Tenant.name == "Kavárna Dvořák") == 0
    assert "/login?next=/restaurants/new" in right.text


def test_signup_shows_a_known_email_only_once_everything_else_is_right(client, world_a):
    known = _signup(client, email=world_a.owner.email, password="short")
    unknown = _signup(client, email="nobody-yet@kavarna.test", password="short")
    assert known.status_code == unknown.status_code == 422
    assert "Use at least 10 characters." in known.text
    assert "already has an account" not in known.text
    assert (_without_csrf(known.text).replace(world_a.owner.email, "E")
            == _without_csrf(unknown.text).replace("nobody-yet@kavarna.test", "E"))


def test_a_signed_in_user_adds_a_restaurant_from_the_top_bar(app, owner_a, world_a):
    page = owner_a.get("/")
    assert 'href="/restaurants/new"' in page.text
    assert owner_a.get("/restaurants/new").status_code == 200
    bad = owner_a.post("/restaurants/new", data={"name": "", "country": "PL", "currency": "PLN", "locale": "pl"})
    assert bad.status_code == 422 and "Enter the restaurant's name." in bad.text
    resp = owner_a.post("/restaurants/new", data={"name": "Pierogarnia Druga", "country": "PL", "currency": "PLN",
                                                  "locale": "pl"})
    assert resp.status_code == 302
    with app.app_context(), unscoped("test"):
        tenant = db.session.scalar(select(Tenant).where(Tenant.name == "Pierogarnia Druga"))
    assert _membership_role(app, type("W", (), {"tenant_id": tenant.id}), world_a.owner.id) == "owner"
    dashboard = owner_a.get("/")
    assert "Pierogarnia Druga" in dashboard.text and "Bistro Alfa" in dashboard.text  # switcher holds both


# --- invitations: an existing account accepts by signing in ---------------------------------

def test_an_invitation_for_a_known_email_never_checks_a_password(app, client, world_a, world_b):
    token = _invite(app, world_b, world_a.owner.email, "manager")
    for password in ("wrong-password-1", PASSWORD):
        resp = client.post(f"/invite/{token}", data={"name": "X", "password": password})
        assert resp.status_code == 409 and "Sign in to accept" in resp.text
    assert not _signed_in(client)
    assert _membership_role(app, world_b, world_a.owner.id) is None


def test_an_invitation_for_a_known_email_is_accepted_by_signing_in(app, client, world_a, world_b):
    token = _invite(app, world_b, world_a.owner.email, "manager")
    page = client.get(f"/invite/{token}")
    assert "Sign in to accept" in page.text and 'type="password"' not in page.text
    assert f"/login?next=/invite/{token}" in page.text
    resp = client.post("/login", data={"email": world_a.owner.email, "password": PASSWORD,
                                       "next": f"/invite/{token}"})
    assert resp.headers["Location"] == f"/invite/{token}"
    page = client.get(f"/invite/{token}")
    assert "Accept and join Hospoda Beta" in page.text
    assert _membership_role(app, world_b, world_a.owner.id) is None  # opening the page joins nobody
    resp = client.post(f"/invite/{token}")
    assert resp.status_code == 302
    assert _membership_role(app, world_b, world_a.owner.id) == "manager"
    assert "Hospoda Beta" in client.get("/").text  # now working in the restaurant just joined
    assert client.get(f"/invite/{token}").status_code == 404  # used


def test_an_account_with_no_access_left_signs_in_to_accept_an_invitation(app, client, world_a, world_b):
    with app.app_context(), tenant_scope(world_a.tenant_id):
        m = db.session.scalar(select(Membership).where(Membership.user_id == world_a.staff.id))
        accounts.set_active(m, False)
        db.session.commit()
    token = _invite(app, world_b, world_a.staff.email)
    # Without the invitation there is still nowhere to go.
    assert client.post("/login", data={"email": world_a.staff.email, "password": PASSWORD}).status_code == 403
    resp = client.post("/login", data={"email": world_a.staff.email, "password": PASSWORD, "next": f"/invite/{token}"})
    assert resp.headers["Location"] == f"/invite/{token}"
    assert client.get(f"/invite/{token}").status_code == 200
    assert client.post(f"/invite/{token}").status_code == 302
    assert _membership_role(app, world_b, world_a.staff.id) == "staff"
    assert "Hospoda Beta" in client.get("/").text


def test_an_invitation_opened_by_someone_else_signed_in_is_refused(app, owner_a, world_a, world_b):
    token = _invite(app, world_b, "someone.else@hospoda.test")
    page = owner_a.get(f"/invite/{token}")
    assert page.status_code == 403 and "this invitation is for someone.else@hospoda.test" in page.text
    assert owner_a.post(f"/invite/{token}").status_code == 403
    assert _count(app, Membership, Membership.user_id == world_a.owner.id) == 1


def test_accepting_an_invitation_with_a_short_password_is_422_not_500(app, client, world_a):
    token = _invite(app, world_a, "newcook@bistro-alfa.test")
    for _ in range(2):
        resp = client.post(f"/invite/{token}", data={"name": "Nowy Kucharz", "password": "short"})
        assert resp.status_code == 422
        assert "Use at least 10 characters." in resp.text and 'value="Nowy Kucharz"' in resp.text
    resp = client.post(f"/invite/{token}", data={"name": "Nowy Kucharz", "password": "long-enough-pass"})
    assert resp.status_code == 302


# --- sign-out ends the session, the remember-me cookie and every copy ------------------------

def _cookie(client, name):
    cookie = client.get_cookie(name)
    assert cookie is not None, f"no {name} cookie"
    return cookie.value


def test_sign_out_ends_the_remember_cookie_and_copied_session_cookies(app, world_a):
    device = app.test_client()
    resp = device.post("/login", data={"email": world_a.owner.email, "password": PASSWORD, "remember": "y"})
    assert resp.status_code == 302
    session_copy, remember_copy = app.test_client(), app.test_client()
    session_copy.set_cookie("session", _cookie(device, "session"))
    remember_copy.set_cookie("remember_token", _cookie(device, "remember_token"))
    assert _signed_in(session_copy) and _signed_in(remember_copy)

    resp = device.post("/logout")
    deleted = [c for c in resp.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]
    assert deleted and "Expires=Thu, 01 Jan 1970" in deleted[0]
    assert not _signed_in(device)
    assert not _signed_in(session_copy)
    assert not _signed_in(remember_copy)
    # Signing in again works, with a session of the new generation.
    device.post("/login", data={"email": world_a.owner.email, "password": PASSWORD})
    assert _signed_in(device)


def test_sign_out_ends_the_users_other_devices_and_says_so(app, world_a):
    phone, till = app.test_client(), app.test_client()
    for c in (phone, till):
        c.post("/login", data={"email": world_a.manager.email, "password": PASSWORD})
    assert "On all your devices" in till.get("/").text
    resp = till.post("/logout", follow_redirects=True)
    assert "You have signed out on all your devices." in resp.text
    assert not _signed_in(phone)


# --- adding a user: consent, and the same answer for known and unknown e-mails ----------------

def _add(client, email: str, **extra):
    return client.post("/users/new", data={"email": email, "role": "owner", **extra})


def test_adding_a_user_answers_the_same_for_known_and_unknown_emails(app, owner_b, world_a, world_b):
    known = _add(owner_b, world_a.owner.email, method="password")  # the old form's "one-time password"
    unknown = _add(owner_b, "nobody@nowhere.test", method="password")
    assert known.status_code == unknown.status_code == 200

    def shape(resp, email):
        return re.sub(r"/invite/[\w-]+", "/invite/T", _without_csrf(resp.text).replace(email, "E"))

    assert shape(known, world_a.owner.email) == shape(unknown, "nobody@nowhere.test")
    # Nobody joined without consent, and no account was made up for the unknown e-mail.
    assert _membership_role(app, world_b, world_a.owner.id) is None
    assert _count(app, User, User.email == "nobody@nowhere.test") == 0
    assert _count(app, Invite, Invite.tenant_id == world_b.tenant_id) == 2


def test_a_sign_in_lands_and_is_logged_only_in_the_users_own_tenant(app, owner_b, world_a, world_b):
    _add(owner_b, world_a.owner.email, method="password")
    client = app.test_client()
    client.post("/login", data={"email": world_a.owner.email, "password": PASSWORD})
    assert "Bistro Alfa" in client.get("/").text and "Hospoda Beta" not in client.get("/").text
    signed_in = AuditEntry.action == "user.signed_in"
    assert _count(app, AuditEntry, signed_in, AuditEntry.tenant_id == world_a.tenant_id) == 1
    assert _count(app, AuditEntry, signed_in, AuditEntry.tenant_id == world_b.tenant_id) == 0


# --- a demoted user's exports -------------------------------------------------------------

@pytest.mark.parametrize("kind, made_by, demoted_to", [("card_export", "manager", "staff"),
                                                       ("audit_export", "owner", "manager")])
def test_a_demoted_user_cannot_download_what_the_old_role_made(app, world_a, kind, made_by, demoted_to):
    person = getattr(world_a, made_by)
    with app.app_context(), tenant_scope(world_a.tenant_id):
        run = JobRun(kind=kind, status="finished", file_name="x.csv", file_type="text/csv", file_data=b"secret",
                     created_by_id=person.id)
        db.session.add(run)
        db.session.commit()
        run_id = run.id
    client = login(app.test_client(), person.id, person.fingerprint, world_a.tenant_id)
    assert client.get(f"/jobs/{run_id}/download").status_code == 200
    with app.app_context(), tenant_scope(world_a.tenant_id):
        m = db.session.scalar(select(Membership).where(Membership.user_id == person.id))
        m.role = demoted_to  # as change_role does (the tenant keeps another owner here)
        db.session.commit()
    resp = client.get(f"/jobs/{run_id}/download")
    assert resp.status_code == 403 and b"secret" not in resp.data
    page = client.get(f"/jobs/{run_id}")
    assert page.status_code == 200 and f"/jobs/{run_id}/download" not in page.text


# --- races on one new e-mail (real threads, PostgreSQL) ---------------------------------------

@pytest.mark.pg_only
def test_parallel_signups_with_one_new_email_make_one_account_and_no_500(app):
    n = 8
    clients = [app.test_client() for _ in range(n)]
    results = all_at_once(n, lambda i: _signup(clients[i], name=f"Race {i}", email="racer@kavarna.test"))
    codes = sorted(r.status_code if not isinstance(r, Exception) else repr(r) for r in results)
    assert codes == [302] + [422] * (n - 1), codes
    losers = [r for r in results if r.status_code == 422]
    assert all("already has an account" in r.text for r in losers)
    assert _count(app, User, User.email == "racer@kavarna.test") == 1
    assert _count(app, Tenant, Tenant.name.like("Race %")) == 1


@pytest.mark.pg_only
def test_parallel_acceptances_for_one_new_email_make_one_account_and_no_500(app, world_a, world_b):
    tokens = [_invite(app, world_a, "twice@new.test"), _invite(app, world_b, "twice@new.test"),
              _invite(app, world_a, "twice@new.test")]
    tokens += tokens  # every link opened twice at once, too
    n = len(tokens)
    clients = [app.test_client() for _ in range(n)]
    results = all_at_once(n, lambda i: clients[i].post(f"/invite/{tokens[i]}", data={"name": "T", "password": "twice-password-1"}))
    codes = sorted(r.status_code if not isinstance(r, Exception) else repr(r) for r in results)
    assert codes.count(302) == 1 and all(c in (302, 404, 409) for c in codes), codes
    assert _count(app, User, User.email == "twice@new.test") == 1
    assert _count(app, Membership, Membership.user.has(email="twice@new.test")) == 1


@pytest.mark.pg_only
def test_parallel_user_additions_with_one_new_email_give_no_500(app, owner_a, world_a):
    n = 6
    clients = [login(app.test_client(), world_a.owner.id, world_a.owner.fingerprint, world_a.tenant_id)
               for _ in range(n)]
    results = all_at_once(n, lambda i: _add(clients[i], "newbie@race.test", method="password"))
    codes = [r.status_code if not isinstance(r, Exception) else repr(r) for r in results]
    assert codes == [200] * n, codes
    assert _count(app, User, User.email == "newbie@race.test") == 0
    assert _count(app, Invite, Invite.email == "newbie@race.test") == n
