"""The price lists over the management API: shapes, scopes, errors, other tenants, races."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from panel.extensions import db
from panel.models import CustomerGroup, GroupPriceList, PriceList, PriceListEntry

from ..api.conftest import make_token
from ..concurrency import race
from ..conftest import as_tenant
from .factories import make_catalog

BODY = {"name": "Cennik stałych gości", "valid_from": "2026-01-01",
        "entries": [{"product_id": "beer-05", "unit_price": 900}, {"category_id": "desserts", "percent": "12.5"}]}


@pytest.fixture
def manage(app, world_a):
    with app.app_context(), as_tenant(world_a):
        make_catalog()
        db.session.commit()
    return make_token(app, world_a, "Back office", scopes=("manage",)).headers


@pytest.fixture
def api(app):
    return app.test_client()


def test_create_get_list(api, manage):
    resp = api.post("/api/v1/price-lists", json=BODY, headers=manage)
    assert resp.status_code == 201, resp.json
    created = resp.json["price_list"]
    assert resp.headers["Location"].endswith(f"/api/v1/price-lists/{created['id']}")
    assert created["name"] == "Cennik stałych gości" and created["valid_from"] == "2026-01-01"
    assert created["valid_to"] is None and created["archived"] is False and created["entry_count"] == 2
    assert sorted(created["entries"], key=str) == sorted([
        {"product_id": "beer-05", "unit_price": 900, "category_id": None, "percent": None},
        {"product_id": None, "unit_price": None, "category_id": "desserts", "percent": "12.5"}], key=str)
    got = api.get(f"/api/v1/price-lists/{created['id']}", headers=manage).json["price_list"]
    assert got == created
    listed = api.get("/api/v1/price-lists?q=STAŁYCH", headers=manage).json["price_lists"]
    assert [p["id"] for p in listed] == [created["id"]] and "entries" not in listed[0]


def test_percent_as_a_whole_number_and_float_refused(api, manage):
    ok = api.post("/api/v1/price-lists", json={"name": "A", "entries": [{"category_id": "drinks", "percent": 10}]},
                  headers=manage)
    assert ok.status_code == 201 and ok.json["price_list"]["entries"][0]["percent"] == "10"
    bad = api.post("/api/v1/price-lists", json={"name": "B", "entries": [{"category_id": "drinks", "percent": 10.5}]},
                   headers=manage)
    assert bad.status_code == 422 and bad.json["error"]["code"] == "invalid"
    bad = api.post("/api/v1/price-lists", json={"name": "C", "entries": [{"category_id": "drinks", "percent": "abc"}]},
                   headers=manage)
    assert bad.status_code == 422 and bad.json["error"]["field"] == "entries.0.percent"


@pytest.mark.parametrize("body, status, code, field", [
    ({"name": ""}, 422, "invalid", "name"),
    ({}, 422, "invalid", "name"),
    ({"name": "X", "valid_from": "2026-02-01", "valid_to": "2026-01-01"}, 422, "invalid", "valid_to"),
    ({"name": "X", "entries": [{"product_id": "beer-05", "unit_price": -5}]}, 422, "invalid", "entries.0.unit_price"),
    ({"name": "X", "entries": [{"category_id": "drinks", "percent": "150"}]}, 422, "invalid", "entries.0.percent"),
    ({"name": "X", "entries": [{"product_id": "ghost", "unit_price": 5}]}, 404, "product_not_found",
     "entries.0.product_id"),
    ({"name": "X", "entries": [{"category_id": "ghost", "percent": "5"}]}, 404, "category_not_found",
     "entries.0.category_id"),
])
def test_create_errors(api, manage, body, status, code, field):
    resp = api.post("/api/v1/price-lists", json=body, headers=manage)
    assert resp.status_code == status, resp.json
    assert resp.json["error"]["code"] == code and resp.json["error"]["field"] == field


def test_a_duplicate_entry_is_422_naming_both(api, manage):
    resp = api.post("/api/v1/price-lists", json={"name": "X", "entries": [
        {"product_id": "beer-05", "unit_price": 900}, {"product_id": "beer-05", "unit_price": 800}]}, headers=manage)
    assert resp.status_code == 422
    assert set(resp.json["error"]["fields"]) == {"entries.0.product_id", "entries.1.product_id"}


def test_an_existing_name_is_409(api, manage):
    assert api.post("/api/v1/price-lists", json={"name": "Dup"}, headers=manage).status_code == 201
    resp = api.post("/api/v1/price-lists", json={"name": " dup "}, headers=manage)
    assert resp.status_code == 409 and resp.json["error"]["code"] == "conflict"


def test_patch_changes_only_what_is_sent_and_replaces_entries(api, manage):
    list_id = api.post("/api/v1/price-lists", json=BODY, headers=manage).json["price_list"]["id"]
    before = api.get(f"/api/v1/price-lists/{list_id}", headers=manage).json["price_list"]
    resp = api.patch(f"/api/v1/price-lists/{list_id}", json={"valid_to": "2026-12-31"}, headers=manage)
    after = resp.json["price_list"]
    assert resp.status_code == 200 and after["valid_to"] == "2026-12-31" and after["name"] == BODY["name"]
    assert after["entry_count"] == 2 and after["updated_at"] > before["updated_at"]
    resp = api.patch(f"/api/v1/price-lists/{list_id}", json={"entries": [{"product_id": "cake", "unit_price": 1500}]},
                     headers=manage)
    assert [e["product_id"] for e in resp.json["price_list"]["entries"]] == ["cake"]
    assert resp.json["price_list"]["updated_at"] > after["updated_at"]
    resp = api.patch(f"/api/v1/price-lists/{list_id}", json={"valid_from": None}, headers=manage)
    assert resp.json["price_list"]["valid_from"] is None
    bad = api.patch(f"/api/v1/price-lists/{list_id}", json={"entries": [{"product_id": "ghost", "unit_price": 1}]},
                    headers=manage)
    assert bad.status_code == 404
    assert [e["product_id"] for e in api.get(f"/api/v1/price-lists/{list_id}", headers=manage)
            .json["price_list"]["entries"]] == ["cake"]  # nothing half-changed


def test_delete_deletes_or_archives(api, manage, app, world_a):
    loose = api.post("/api/v1/price-lists", json={"name": "Loose"}, headers=manage).json["price_list"]["id"]
    kept = api.post("/api/v1/price-lists", json=BODY, headers=manage).json["price_list"]["id"]
    with app.app_context(), as_tenant(world_a):
        group = CustomerGroup(name="Stali", name_key="stali")
        db.session.add(group)
        db.session.flush()
        db.session.add(GroupPriceList(group_id=group.id, price_list_id=kept))
        db.session.commit()
        group_id = group.id
    assert api.delete(f"/api/v1/price-lists/{loose}", headers=manage).json == {"id": loose, "outcome": "deleted"}
    assert api.get(f"/api/v1/price-lists/{loose}", headers=manage).status_code == 404
    assert api.delete(f"/api/v1/price-lists/{kept}", headers=manage).json == {"id": kept, "outcome": "archived"}
    got = api.get(f"/api/v1/price-lists/{kept}", headers=manage).json["price_list"]
    assert got["archived"] is True and got["groups"] == [{"id": group_id, "name": "Stali"}]
    assert api.get("/api/v1/price-lists", headers=manage).json["price_lists"] == []
    assert [p["id"] for p in api.get("/api/v1/price-lists?archived=true", headers=manage).json["price_lists"]] == [kept]
    resp = api.patch(f"/api/v1/price-lists/{kept}", json={"name": "Again"}, headers=manage)
    assert resp.status_code == 409


def test_pos_scope_may_not(api, app, world_a):
    pos = make_token(app, world_a).headers
    for method, url in (("POST", "/api/v1/price-lists"), ("GET", "/api/v1/price-lists"),
                        ("GET", "/api/v1/price-lists/1"), ("PATCH", "/api/v1/price-lists/1"),
                        ("DELETE", "/api/v1/price-lists/1")):
        resp = api.open(url, method=method, json=BODY, headers=pos)
        assert resp.status_code == 403 and resp.json["error"]["scope"] == "manage"


def test_other_tenants_lists_and_catalog_are_404(api, manage, app, world_b):
    with app.app_context(), as_tenant(world_b):
        make_catalog()
        theirs = PriceList(name="Theirs", name_key="theirs")
        db.session.add(theirs)
        db.session.commit()
        their_id = theirs.id
    for method in ("GET", "PATCH", "DELETE"):
        resp = api.open(f"/api/v1/price-lists/{their_id}", method=method, json={"name": "Mine"}, headers=manage)
        assert resp.status_code == 404 and resp.json["error"]["code"] == "price_list_not_found"
    with app.app_context(), as_tenant(world_b):
        assert db.session.get(PriceList, their_id).name == "Theirs"


@pytest.mark.pg_only
def test_two_creates_of_one_name_at_once(api, manage, app, world_a):
    results = race(*(lambda: api.post("/api/v1/price-lists", json={"name": "Race"}, headers=manage)
                     for _ in range(2)))
    assert sorted(r.status_code for r in results) == [201, 409]
    assert [r.json["error"]["code"] for r in results if r.status_code == 409] == ["conflict"]
    with app.app_context(), as_tenant(world_a):
        assert db.session.scalar(select(func.count()).select_from(PriceList)) == 1


@pytest.mark.pg_only
def test_many_creates_of_one_name_at_once(app, manage, world_a):
    clients = [app.test_client() for _ in range(6)]
    results = race(*(lambda c=c: c.post("/api/v1/price-lists", json={"name": "Crowd", "entries": BODY["entries"]},
                                        headers=manage) for c in clients))
    assert sorted(r.status_code for r in results) == [201] + [409] * 5
    with app.app_context(), as_tenant(world_a):
        assert db.session.scalar(select(func.count()).select_from(PriceListEntry)) == 2
