"""The owner manages the tenant's users; the list filters live."""
from sqlalchemy import select

from panel.extensions import db
from panel.models import Invite, Membership
from panel.tenancy import tenant_scope

from .conftest import HX


def _membership(app, world, email):
    with app.app_context(), tenant_scope(world.tenant_id):
        return db.session.scalar(select(Membership).join(Membership.user).where(Membership.user.has(email=email))).id


def test_user_list_full_page_and_fragment(owner_a):
    full = owner_a.get("/users/")
    assert full.status_code == 200 and "<html" in full.text and "staff@bistro-alfa.test" in full.text
    frag = owner_a.get("/users/?show=active&q=STAFF", headers=HX)
    assert "<html" not in frag.text and 'id="user-table"' in frag.text
    assert "staff@bistro-alfa.test" in frag.text and "manager@bistro-alfa.test" not in frag.text
    assert 'id="flash"' in frag.text and 'hx-swap-oob="true"' in frag.text


def test_user_list_never_shows_another_tenant(owner_a, world_b):
    resp = owner_a.get("/users/?q=hospoda")
    assert "hospoda-beta" not in resp.text


def test_add_user_by_invitation_link(app, owner_a, world_a):
    resp = owner_a.post("/users/new", data={"email": "cook@bistro-alfa.test", "role": "manager"})
    assert resp.status_code == 200 and "/invite/" in resp.text
    with app.app_context(), tenant_scope(world_a.tenant_id):
        assert db.session.scalar(select(Invite.role).where(Invite.email == "cook@bistro-alfa.test")) == "manager"


def test_add_user_invalid_keeps_values(owner_a):
    resp = owner_a.post("/users/new", data={"email": "not-an-email", "role": "manager"})
    assert resp.status_code == 422 and 'value="not-an-email"' in resp.text and "Enter a valid e-mail address." in resp.text
    assert '<option selected value="manager">' in resp.text


def test_adding_an_existing_member_is_refused(owner_a, world_a):
    resp = owner_a.post("/users/new", data={"email": world_a.staff.email, "role": "staff"})
    assert resp.status_code == 422 and "already has access" in resp.text


def test_change_role_and_last_owner_protection(app, owner_a, world_a):
    staff_m = _membership(app, world_a, world_a.staff.email)
    owner_a.post(f"/users/{staff_m}/role", data={"role": "manager"})
    with app.app_context(), tenant_scope(world_a.tenant_id):
        assert db.session.get(Membership, staff_m).role == "manager"
    owner_m = _membership(app, world_a, world_a.owner.email)
    resp = owner_a.post(f"/users/{owner_m}/role", data={"role": "staff"}, follow_redirects=True)
    assert "at least one owner" in resp.text
    with app.app_context(), tenant_scope(world_a.tenant_id):
        assert db.session.get(Membership, owner_m).role == "owner"


def test_owner_cannot_deactivate_self(app, owner_a, world_a):
    owner_m = _membership(app, world_a, world_a.owner.email)
    resp = owner_a.post(f"/users/{owner_m}/active", data={"active": "0"}, follow_redirects=True)
    assert "You cannot deactivate yourself." in resp.text


def test_deactivate_and_reactivate(app, owner_a, world_a):
    m = _membership(app, world_a, world_a.manager.email)
    owner_a.post(f"/users/{m}/active", data={"active": "0"})
    with app.app_context(), tenant_scope(world_a.tenant_id):
        assert db.session.get(Membership, m).is_active is False
    owner_a.post(f"/users/{m}/active", data={"active": "1"})
    with app.app_context(), tenant_scope(world_a.tenant_id):
        assert db.session.get(Membership, m).is_active is True


def test_withdraw_invite(app, owner_a, world_a):
    owner_a.post("/users/new", data={"email": "late@bistro-alfa.test", "role": "staff"})
    with app.app_context(), tenant_scope(world_a.tenant_id):
        inv = db.session.scalar(select(Invite.id))
    assert "Open invitations" in owner_a.get("/users/").text
    owner_a.post(f"/users/invites/{inv}/revoke")
    owner_a.get("/users/")  # takes the flash message
    assert "late@bistro-alfa.test" not in owner_a.get("/users/").text


def test_user_list_fragment_query_count_does_not_grow(app, owner_a, world_a, count_queries):
    with count_queries() as n:
        owner_a.get("/users/", headers=HX)
    few = n()
    with app.app_context(), tenant_scope(world_a.tenant_id):
        from panel.services import accounts

        for i in range(15):
            accounts.add_user(f"extra{i}@bistro-alfa.test", f"Extra {i}", "staff")
        db.session.commit()
    with count_queries() as n:
        resp = owner_a.get("/users/", headers=HX)
    assert "extra14@bistro-alfa.test" in resp.text
    assert n() == few
