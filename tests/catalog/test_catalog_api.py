"""The catalog over the API: PUT /catalog (manage), GET /products and /categories (pos)."""

import pytest
from sqlalchemy import func, select

from panel.extensions import db
from panel.models import Product

from ..api.conftest import make_token
from ..conftest import as_tenant

UPLOAD = {
    "categories": [{"id": "10", "name": "Drinks"}, {"id": "11", "name": "Beer", "parent_id": "10"},
                   {"id": 20, "name": "Tobacco"}],
    "products": [{"id": "1001", "name": "Pilsner 0.5 l", "category_id": "11", "price": 1400, "vat_rate": "23"},
                 {"id": "1002", "name": "Lemonade", "category_id": "10", "price": 900, "vat_rate": 8},
                 {"id": "2001", "name": "Marlboro Gold", "category_id": 20, "price": 1899, "vat_rate": 23,
                  "discountable": False, "earns_points": False}],
}


@pytest.fixture
def manage(app, world_a):
    return make_token(app, world_a, "Sync", scopes=("manage",)).headers


@pytest.fixture
def pos(app, world_a):
    return make_token(app, world_a, "Till", scopes=("pos",)).headers


def test_put_creates_then_reports_unchanged(client, manage):
    r = client.put("/api/v1/catalog", json=UPLOAD, headers=manage)
    assert r.status_code == 200, r.json
    assert r.json == {"created": 6, "updated": 0, "unchanged": 0,
                      "categories": {"created": 3, "updated": 0, "unchanged": 0},
                      "products": {"created": 3, "updated": 0, "unchanged": 0}}
    again = client.put("/api/v1/catalog", json=UPLOAD, headers=manage)
    assert (again.json["created"], again.json["updated"], again.json["unchanged"]) == (0, 0, 6)


def test_put_needs_the_manage_scope(client, pos):
    r = client.put("/api/v1/catalog", json=UPLOAD, headers=pos)
    assert r.status_code == 403 and r.json["error"]["code"] == "insufficient_scope"


def test_reads_need_the_pos_scope(client, manage):
    assert client.get("/api/v1/products", headers=manage).status_code == 403


def test_put_with_an_idempotency_key_replays(client, manage):
    headers = {**manage, "Idempotency-Key": "sync-1"}
    first = client.put("/api/v1/catalog", json=UPLOAD, headers=headers)
    second = client.put("/api/v1/catalog", json=UPLOAD, headers=headers)
    assert second.json == first.json and second.headers.get("Idempotent-Replayed") == "true"


@pytest.mark.parametrize(("item", "field"), [
    ({"id": "x", "name": "X", "price": 12.5}, "products[1].price"),
    ({"id": "x", "name": "X", "price": -1}, "products[1].price"),
    ({"id": "x", "name": "X", "vat_rate": "23%%"}, "products[1].vat_rate"),
    ({"id": "x"}, "products[1].name"),
    ({"id": "x", "name": "X", "discountable": "no"}, "products[1].discountable"),
    ({"id": None, "name": "X"}, "products[1].id"),
])
def test_a_bad_item_is_422_with_its_index_and_nothing_is_written(app, world_a, client, manage, item, field):
    r = client.put("/api/v1/catalog", json={"products": [{"id": "ok", "name": "OK"}, item]}, headers=manage)
    assert r.status_code == 422 and r.json["error"]["code"] == "invalid"
    assert r.json["error"]["field"] == field and field in r.json["error"]["message"]
    with app.app_context(), as_tenant(world_a):
        assert db.session.scalar(select(func.count()).select_from(Product)) == 0


def test_unknown_category_is_404_and_a_cycle_is_422(client, manage):
    r = client.put("/api/v1/catalog", json={"products": [{"id": "p", "name": "P", "category_id": "nope"}]},
                   headers=manage)
    assert r.status_code == 404 and r.json["error"]["code"] == "category_not_found"
    assert r.json["error"]["id"] == "nope" and r.json["error"]["field"] == "products[0].category_id"
    r = client.put("/api/v1/catalog", json={"categories": [{"id": "a", "name": "A", "parent_id": "b"},
                                                           {"id": "b", "name": "B", "parent_id": "a"}]},
                   headers=manage)
    assert r.status_code == 422 and r.json["error"]["field"].startswith("categories[")


def test_the_error_is_in_the_callers_language(client, manage):
    r = client.put("/api/v1/catalog", json={"products": [{"id": "p", "name": "P", "price": -3}]},
                   headers={**manage, "Accept-Language": "pl"})
    assert r.status_code == 422 and "grosz" in r.json["error"]["message"]


def test_ten_thousand_products_in_one_call(client, manage):
    """What it costs is measured by bench.catalog_sync, not here."""
    products = [{"id": f"P{i:05d}", "name": f"Product {i}", "category_id": "10", "price": 100 + i,
                 "vat_rate": "23"} for i in range(10_000)]
    body = {"categories": [{"id": "10", "name": "Everything"}], "products": products}
    r = client.put("/api/v1/catalog", json=body, headers=manage)
    assert r.status_code == 200 and r.json["products"]["created"] == 10_000
    for p in products[:100]:
        p["price"] += 1
    r = client.put("/api/v1/catalog", json=body, headers=manage)
    assert r.json["products"] == {"created": 0, "updated": 100, "unchanged": 9_900}
    assert client.put("/api/v1/catalog", json={"products": products + [{"id": "X", "name": "X"}]},
                      headers=manage).status_code == 422


def test_products_search_filter_and_pages(client, manage, pos):
    client.put("/api/v1/catalog", json=UPLOAD, headers=manage)
    r = client.get("/api/v1/products", headers=pos)
    assert [p["id"] for p in r.json["products"]] == ["1002", "2001", "1001"]
    assert r.json["products"][1] == {"id": "2001", "name": "Marlboro Gold", "category_id": "20",
                                     "category_name": "Tobacco", "price": 1899, "vat_rate": "23",
                                     "discountable": False, "earns_points": False, "archived": False}
    r = client.get("/api/v1/products?category_id=10", headers=pos)  # with its subcategory Beer
    assert [p["id"] for p in r.json["products"]] == ["1002", "1001"]
    assert [p["id"] for p in client.get("/api/v1/products?q=pils", headers=pos).json["products"]] == ["1001"]
    first = client.get("/api/v1/products?limit=2", headers=pos).json
    assert len(first["products"]) == 2 and first["next_cursor"]
    rest = client.get(f"/api/v1/products?limit=2&cursor={first['next_cursor']}", headers=pos).json
    assert [p["id"] for p in rest["products"]] == ["1001"] and rest["next_cursor"] is None
    assert first["next_cursor"] == "2001"  # the page's last product's id
    bad = client.get("/api/v1/products?cursor=zzz", headers=pos)
    assert bad.status_code == 404 and bad.json["error"]["code"] == "product_not_found"
    assert client.get("/api/v1/products?category_id=nope", headers=pos).status_code == 404
    assert client.get("/api/v1/products?limit=500", headers=pos).status_code == 400


def test_archived_products_are_left_out_unless_asked(client, manage, pos):
    client.put("/api/v1/catalog", json=UPLOAD, headers=manage)
    client.put("/api/v1/catalog", json={"products": [{"id": "1002", "name": "Lemonade", "archived": True}]},
               headers=manage)
    assert "1002" not in [p["id"] for p in client.get("/api/v1/products", headers=pos).json["products"]]
    shown = client.get("/api/v1/products?archived=true", headers=pos).json["products"]
    assert [p["archived"] for p in shown if p["id"] == "1002"] == [True]


def test_categories_as_a_tree(client, manage, pos):
    client.put("/api/v1/catalog", json=UPLOAD, headers=manage)
    r = client.get("/api/v1/categories", headers=pos)
    assert [(c["id"], c["parent_id"], c["depth"], c["products"]) for c in r.json["categories"]] == [
        ("10", None, 0, 1), ("11", "10", 1, 1), ("20", None, 0, 1)]


def test_another_tenants_catalog_is_invisible(app, world_b, client, manage, pos):
    client.put("/api/v1/catalog", json=UPLOAD, headers=manage)
    b_manage = make_token(app, world_b, "B sync", scopes=("manage", "pos")).headers
    r = client.put("/api/v1/catalog", json={"products": [{"id": "b1", "name": "B", "category_id": "10"}]},
                   headers=b_manage)
    assert r.status_code == 404
    assert client.get("/api/v1/products", headers=b_manage).json["products"] == []
    assert client.get("/api/v1/categories", headers=b_manage).json["categories"] == []
