"""The groups API (manage scope) and PATCH /customers/{id} (pos scope)."""
from __future__ import annotations

from panel.extensions import db
from panel.models import Customer

from ..api.conftest import make_token
from ..cards.factories import UID_DEC_LE
from ..conftest import as_tenant
from ..customers.factories import make_customer
from .factories import make_discount, make_group, make_price_list


def test_create_read_list_update_delete(client, app, world_a):
    t = world_a.tenant_id
    manage = make_token(app, world_a, "Back office", scopes=("manage",))
    d, p = make_discount(app, t), make_price_list(app, t)
    resp = client.post("/api/v1/groups", headers=manage.headers,
                       json={"name": "Stali goście", "colour": "#123abc", "discount_ids": [d], "price_list_ids": [p]})
    assert resp.status_code == 201, resp.get_json()
    group = resp.get_json()["group"]
    assert group == {"id": group["id"], "name": "Stali goście", "colour": "#123abc", "note": "",
                     "discount_ids": [d], "price_list_ids": [p], "members": 0}
    gid = group["id"]
    assert resp.headers["Location"].endswith(f"/api/v1/groups/{gid}")
    assert client.get(f"/api/v1/groups/{gid}", headers=manage.headers).get_json()["group"] == group
    assert [g["id"] for g in client.get("/api/v1/groups", headers=manage.headers).get_json()["groups"]] == [gid]
    patched = client.patch(f"/api/v1/groups/{gid}", headers=manage.headers, json={"discount_ids": []}).get_json()
    assert patched["group"]["discount_ids"] == [] and patched["group"]["price_list_ids"] == [p]
    make_customer(app, t, first_name="Jan", group_id=gid)
    resp = client.delete(f"/api/v1/groups/{gid}", headers=manage.headers)
    assert resp.get_json() == {"deleted": gid, "customers_released": 1}
    assert client.get(f"/api/v1/groups/{gid}", headers=manage.headers).status_code == 404


def test_errors(client, app, world_a, world_b):
    manage = make_token(app, world_a, "Back office", scopes=("manage",))
    make_group(app, world_a.tenant_id, "VIP")
    b_discount = make_discount(app, world_b.tenant_id)
    archived = make_discount(app, world_a.tenant_id, "Old", archived=True)
    post = lambda body: client.post("/api/v1/groups", headers=manage.headers, json=body)  # noqa: E731
    resp = post({"name": "vip"})
    assert (resp.status_code, resp.get_json()["error"]["code"]) == (409, "conflict")
    resp = post({"name": "X", "colour": "blue"})
    assert resp.status_code == 422 and resp.get_json()["error"]["field"] == "colour"
    resp = post({"name": ""})
    assert resp.status_code == 422 and resp.get_json()["error"]["field"] == "name"
    resp = post({"name": "X", "discount_ids": [b_discount]})
    assert (resp.status_code, resp.get_json()["error"]["code"]) == (404, "discount_not_found")
    resp = post({"name": "X", "discount_ids": [archived]})
    assert resp.status_code == 422 and resp.get_json()["error"]["field"] == "discount_ids"
    resp = post({"name": "X", "price_list_ids": ["a"]})
    assert resp.status_code == 422
    assert client.get("/api/v1/groups/abc", headers=manage.headers).status_code == 404


def test_scopes(client, app, world_a, token_a):
    gid = make_group(app, world_a.tenant_id)
    assert client.get("/api/v1/groups", headers=token_a.headers).status_code == 403
    assert client.post("/api/v1/groups", headers=token_a.headers, json={"name": "X"}).status_code == 403
    assert client.get(f"/api/v1/groups/{gid}/customers", headers=token_a.headers).status_code == 403
    manage = make_token(app, world_a, "Back office", scopes=("manage",))
    cid = make_customer(app, world_a.tenant_id)
    resp = client.patch(f"/api/v1/customers/{cid}", headers=manage.headers, json={"group_id": gid})
    assert resp.status_code == 403  # changing a customer is the till's (pos) operation


def test_members_are_searched_and_paged(client, app, world_a):
    t = world_a.tenant_id
    manage = make_token(app, world_a, "Back office", scopes=("manage",))
    gid = make_group(app, t)
    for i in range(5):
        make_customer(app, t, first_name=f"Gość{i}", last_name="Kowalski", group_id=gid)
    make_customer(app, t, first_name="Obok", last_name="Kowalski")
    url = f"/api/v1/groups/{gid}/customers"
    first = client.get(url, headers=manage.headers, query_string={"limit": 3}).get_json()
    assert first["total"] == 5 and len(first["customers"]) == 3 and first["next_cursor"]
    assert first["customers"][0]["group"] == {"id": gid, "name": "Stali goście", "colour": "#2f6f4f"}
    rest = client.get(url, headers=manage.headers, query_string={"limit": 3, "cursor": first["next_cursor"]}).get_json()
    assert len(rest["customers"]) == 2 and rest["next_cursor"] is None
    found = client.get(url, headers=manage.headers, query_string={"q": "gość3"}).get_json()
    assert [c["first_name"] for c in found["customers"]] == ["Gość3"]


def test_patch_customer_sets_and_clears_the_group(client, app, world_a, world_b, token_a):
    gid = make_group(app, world_a.tenant_id)
    b_gid = make_group(app, world_b.tenant_id, "B")
    cid = make_customer(app, world_a.tenant_id, first_name="Jan", last_name="Kowalski", phone="600100200")
    url = f"/api/v1/customers/{cid}"
    resp = client.patch(url, headers=token_a.headers, json={"group_id": gid})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()["customer"]
    assert body["group"] == {"id": gid, "name": "Stali goście", "colour": "#2f6f4f"}
    assert body["phone"] == "600100200" and body["last_name"] == "Kowalski"  # not sent: unchanged
    assert client.get(url, headers=token_a.headers).get_json()["customer"]["group"]["id"] == gid
    resp = client.patch(url, headers=token_a.headers, json={"email": "not-an-email"})
    assert resp.status_code == 422 and resp.get_json()["error"]["field"] == "email"
    resp = client.patch(url, headers=token_a.headers, json={"group_id": b_gid})
    assert (resp.status_code, resp.get_json()["error"]["code"]) == (404, "group_not_found")
    resp = client.patch(url, headers=token_a.headers, json={"group_id": None, "first_name": "Janek"})
    assert resp.get_json()["customer"]["group"] is None and resp.get_json()["customer"]["first_name"] == "Janek"
    assert client.patch("/api/v1/customers/999999", headers=token_a.headers, json={}).status_code == 404


def test_the_card_scan_names_the_group_in_the_same_queries(client, app, world_a, token_a, jan, count_queries):
    client.get(f"/api/v1/cards/{UID_DEC_LE}", headers=token_a.headers)  # the token's last use is stamped
    with count_queries() as before:
        assert client.get(f"/api/v1/cards/{UID_DEC_LE}", headers=token_a.headers).get_json()["customer"]["group"] is None
    gid = make_group(app, world_a.tenant_id)
    with app.app_context(), as_tenant(world_a):
        db.session.get(Customer, jan["id"]).group_id = gid
        db.session.commit()
    with count_queries() as after:
        body = client.get(f"/api/v1/cards/{UID_DEC_LE}", headers=token_a.headers).get_json()
    assert body["customer"]["group"] == {"id": gid, "name": "Stali goście", "colour": "#2f6f4f"}
    assert after() == before()
    found = client.get("/api/v1/customers?q=kowalski", headers=token_a.headers).get_json()["customers"]
    assert found[0]["group"]["id"] == gid
