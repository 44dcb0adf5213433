from .conftest import HX


def test_dashboard_renders_for_staff(staff_a):
    resp = staff_a.get("/")
    assert resp.status_code == 200
    assert b"Bistro Alfa" in resp.data


def test_login_page_renders(client):
    resp = client.get("/login")
    assert resp.status_code == 200
    assert b'name="password"' in resp.data


def test_users_list_filters_live_as_fragment(owner_a):
    resp = owner_a.get("/users/?q=manager", headers=HX)
    assert resp.status_code == 200
    assert b"<html" not in resp.data
    assert b"manager@bistro-alfa.test" in resp.data
    assert b"staff@bistro-alfa.test" not in resp.data
    assert "HX-Request" in resp.headers["Vary"]
