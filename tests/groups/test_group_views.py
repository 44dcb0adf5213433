"""The groups pages, the members fragment, adding and removing, delete, the customer list's group."""
from __future__ import annotations

from sqlalchemy import select

from panel.extensions import db
from panel.models import Customer, CustomerGroup

from ..conftest import HX, as_tenant
from ..customers.factories import add_card, make_customer
from .factories import make_discount, make_group, make_price_list


def _group(app, world, gid):
    with app.app_context(), as_tenant(world):
        return db.session.get(CustomerGroup, gid)


def test_list_shows_members_and_grants_in_words(app, manager_a, world_a):
    t = world_a.tenant_id
    d = make_discount(app, t, "Stali goście", percent="5")
    p = make_price_list(app, t, "Cennik VIP")
    gid = make_group(app, t, "Stali goście", discount_ids=[d], price_list_ids=[p])
    make_customer(app, t, first_name="Jan", group_id=gid)
    body = manager_a.get("/groups/").data.decode()
    assert "Stali goście" in body and "−5%" in body and "hidden on the terminal" in body and "Cennik VIP" in body
    assert f'href="/customers/?group={gid}"' in body and ">1</a>" in body
    frag = manager_a.get("/groups/?q=zzz", headers=HX).data.decode()
    assert "No group matches." in frag and "<html" not in frag


def test_staff_cannot_open_groups(app, staff_a, world_a):
    gid = make_group(app, world_a.tenant_id)
    assert staff_a.get("/groups/").status_code == 403
    assert staff_a.get(f"/groups/{gid}").status_code == 403


def test_create_keeps_typed_values_on_422(app, manager_a, world_a):
    t = world_a.tenant_id
    make_group(app, t, "VIP")
    d = make_discount(app, t, "Stali -5%")
    resp = manager_a.post("/groups/new", data={"name": "vip", "colour": "#bf3989", "note": "Nasi ludzie",
                                               "discount_ids": [str(d)]})
    assert resp.status_code == 422
    body = resp.data.decode()
    assert "Another group already has this name." in body
    assert 'value="vip"' in body and "Nasi ludzie" in body and 'value="#bf3989"' in body
    assert f'value="{d}" checked' in body
    resp = manager_a.post("/groups/new", data={"name": "Stali", "colour": "#bf3989", "discount_ids": [str(d)]})
    assert resp.status_code == 303
    gid = int(resp.headers["Location"].rsplit("/", 1)[1])
    assert _group(app, world_a, gid).colour == "#bf3989"


def test_edit_and_delete_with_confirmation(app, manager_a, world_a):
    t = world_a.tenant_id
    gid = make_group(app, t, "Stali")
    for i in range(2):
        make_customer(app, t, first_name=f"G{i}", group_id=gid)
    resp = manager_a.post(f"/groups/{gid}", data={"name": "", "colour": "#zzz", "note": "n"})
    assert resp.status_code == 422 and "Enter the group&#39;s name." in resp.data.decode()
    assert manager_a.post(f"/groups/{gid}", data={"name": "Stali 2", "colour": "#1f6feb"}).status_code == 303
    assert _group(app, world_a, gid).name == "Stali 2"
    confirm = manager_a.get(f"/groups/{gid}/delete").data.decode()
    assert "2 customers will fall out of the group" in confirm
    assert manager_a.post(f"/groups/{gid}/delete").status_code == 303
    assert _group(app, world_a, gid) is None


def test_members_fragment_searches_live(app, manager_a, world_a):
    t = world_a.tenant_id
    gid = make_group(app, t)
    make_customer(app, t, first_name="Anna", last_name="Nowak", group_id=gid)
    make_customer(app, t, first_name="Jan", last_name="Kowalski", group_id=gid)
    make_customer(app, t, first_name="Piotr", last_name="Nowak")  # not a member
    frag = manager_a.get(f"/groups/{gid}/members?q=nowak", headers=HX).data.decode()
    assert "Anna Nowak" in frag and "Piotr" not in frag and "Jan Kowalski" not in frag
    assert "1 customer" in frag and "<html" not in frag
    page = manager_a.get(f"/groups/{gid}").data.decode()
    assert "2 customers" in page


def test_add_by_card_scan_search_and_remove(app, manager_a, world_a):
    t = world_a.tenant_id
    gid = make_group(app, t)
    cid = make_customer(app, t, first_name="Ewa", last_name="Zielińska")
    add_card(app, t, cid, "CARD-777")
    found = manager_a.get(f"/groups/{gid}/candidates?q=zielinska").data.decode()
    assert "Ewa Zielińska" in found and f'value="{cid}"' in found
    resp = manager_a.post(f"/groups/{gid}/members", data={"q": "CARD-777"}, headers=HX)
    assert resp.status_code == 200 and "Ewa Zielińska" in resp.data.decode()
    assert "group-members-changed" in resp.headers["HX-Trigger"]
    with app.app_context(), as_tenant(world_a):
        assert db.session.get(Customer, cid).group_id == gid
    resp = manager_a.post(f"/groups/{gid}/members", data={"q": "nobody-here"}, headers=HX)
    assert resp.status_code == 422 and "Nobody matches" in resp.data.decode()
    resp = manager_a.post(f"/groups/{gid}/members/{cid}/remove", headers=HX)
    assert resp.status_code == 200
    with app.app_context(), as_tenant(world_a):
        assert db.session.get(Customer, cid).group_id is None


def test_customer_list_filters_shows_and_moves(app, manager_a, staff_a, world_a):
    t = world_a.tenant_id
    gid = make_group(app, t, "Stali goście")
    inside = make_customer(app, t, first_name="Anna", group_id=gid)
    outside = [make_customer(app, t, first_name=f"Bez{i}") for i in range(2)]
    page = manager_a.get("/customers/").data.decode()
    assert 'name="group"' in page and "Move to group" in page and f'value="{inside}" form="customer-bulk"' in page
    assert "group-badge" in page
    only = manager_a.get(f"/customers/?group={gid}", headers=HX).data.decode()
    assert "Anna" in only and "Bez0" not in only
    none = manager_a.get("/customers/?group=none", headers=HX).data.decode()
    assert "Bez0" in none and "Anna" not in none
    assert "Move to group" not in staff_a.get("/customers/").data.decode()  # the bulk bar is a manager's
    resp = manager_a.post("/groups/move", data={"group": gid, "customer_ids": outside,
                                                "next": "/customers/?group=none"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/customers/?group=none")
    with app.app_context(), as_tenant(world_a):
        assert set(db.session.scalars(select(Customer.group_id))) == {gid}
    assert manager_a.post("/groups/move", data={"group": gid, "customer_ids": outside,
                                                "next": "https://evil.example/"}).headers["Location"] == "/customers/"
    assert staff_a.post("/groups/move", data={"group": gid, "customer_ids": outside}).status_code == 403


def test_customer_form_sets_the_group_and_the_page_shows_it(app, staff_a, world_a):
    t = world_a.tenant_id
    gid = make_group(app, t, "Stali goście")
    form = staff_a.get("/customers/new").data.decode()
    assert 'name="group_id"' in form and "Stali goście" in form
    resp = staff_a.post("/customers/new", data={"first_name": "Ola", "country": "PL", "group_id": str(gid)})
    assert resp.status_code == 303
    cid = int(resp.headers["Location"].rsplit("/", 1)[1])
    detail = staff_a.get(f"/customers/{cid}").data.decode()
    assert "group-badge" in detail and "Stali goście" in detail
    resp = staff_a.post(f"/customers/{cid}/edit", data={"first_name": "Ola", "country": "PL", "group_id": "999999",
                                                         "phone": "12"})
    assert resp.status_code == 422 and "Choose a group from the list." in resp.data.decode()


def test_the_terminal_shows_the_scanned_customers_group(app, staff_a, world_a):
    t = world_a.tenant_id
    gid = make_group(app, t, "Stali goście")
    cid = make_customer(app, t, first_name="Jan", group_id=gid)
    add_card(app, t, cid, "CARD-555")
    body = staff_a.get("/terminal/lookup?q=CARD-555", headers=HX).data.decode()
    assert "group-badge" in body and "Stali goście" in body


def test_the_customer_history_names_the_group(app, staff_a, world_a):
    t = world_a.tenant_id
    gid = make_group(app, t, "Stali goście")
    cid = make_customer(app, t, first_name="Jan")
    staff_a.post(f"/customers/{cid}/edit", data={"first_name": "Jan", "country": "PL", "group_id": str(gid)})
    history = staff_a.get(f"/customers/{cid}?tab=history").data.decode()
    assert "Stali goście" in history and "group_id" not in history
