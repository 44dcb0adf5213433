"""The discounts API: shape, scopes, errors, the picker, isolation."""
from __future__ import annotations

import pytest

from panel.extensions import db
from panel.models import CustomerGroup, GroupDiscount

from ..api.conftest import make_token
from ..conftest import as_tenant
from .factories import make_catalog

HAPPY = {"name": "Happy hour", "percent": "20", "scope": "categories", "category_ids": ["drinks"],
         "excluded_product_ids": ["cola"], "weekly": [{"days": [1, 2, 3, 4, 5], "from": "15:00", "to": "17:00"}]}


def post(client, token, body, **headers):
    return client.post("/api/v1/discounts", json=body, headers={**token.headers, **headers})


def test_create_answers_201_with_the_discount_in_full(client, catalog_a, manage_a):
    resp = post(client, manage_a, {**HAPPY, "valid_from": "2027-01-01", "valid_to": "2027-01-31"})
    assert resp.status_code == 201, resp.json
    body = resp.json
    assert resp.headers["Location"].endswith(f"/api/v1/discounts/{body['id']}")
    assert {k: v for k, v in body.items() if k != "id"} == {
        "name": "Happy hour", "percent": "20", "amount": None, "scope": "categories", "category_ids": ["drinks"],
        "product_ids": [], "excluded_category_ids": [], "excluded_product_ids": ["cola"], "selectable": True,
        "valid_from": "2027-01-01", "valid_to": "2027-01-31",
        "weekly": [{"days": [1, 2, 3, 4, 5], "from": "15:00", "to": "17:00"}], "min_bill": 0, "archived": False,
        "description": "20% off the category Drinks, except the product Cola, from 1 January 2027 to 31 January 2027, "
                       "Mon–Fri 15:00–17:00"}
    again = client.get(f"/api/v1/discounts/{body['id']}", headers=manage_a.headers)
    assert again.status_code == 200 and again.json == body


def test_the_description_follows_the_request_language(client, catalog_a, manage_a):
    body = {"name": "Stali goście", "percent": "5", "selectable": False}
    resp = post(client, manage_a, body, **{"Accept-Language": "pl"})
    assert resp.status_code == 201
    # The tenant's language (pl for a PL tenant) or the header's: both Polish here.
    assert resp.json["description"] == "Rabat 5% na cały rachunek, ukryty w terminalu"


@pytest.mark.parametrize("percent, stored", [("12.5", "12.5"), ("12,50", "12.5"), (5, "5"), ("100", "100"),
                                             ("0.0001", "0.0001")])
def test_percent_is_exact_from_a_string_or_an_integer(client, catalog_a, manage_a, percent, stored):
    resp = post(client, manage_a, {"name": "P", "percent": percent})
    assert resp.status_code == 201, resp.json
    assert resp.json["percent"] == stored


@pytest.mark.parametrize("body, field", [
    ({"name": "F", "percent": 5.5}, "percent"),                       # a float: never
    ({"name": "F", "percent": "0"}, "percent"),
    ({"name": "F", "percent": "100.01"}, "percent"),
    ({"name": "F", "percent": "1.23456"}, "percent"),
    ({"name": "F", "amount": 0}, "amount"),
    ({"name": "F", "amount": 10.5}, "amount"),
    ({"name": "F", "percent": "5", "amount": 500}, "percent"),
    ({"name": "F"}, "percent"),
    ({"name": "", "percent": "5"}, "name"),
    ({"name": "F", "percent": "5", "scope": "categories"}, "category_ids"),
    ({"name": "F", "percent": "5", "scope": "products"}, "product_ids"),
    ({"name": "F", "percent": "5", "scope": "everything"}, "scope"),
    ({"name": "F", "percent": "5", "valid_from": "2027-02-01", "valid_to": "2027-01-01"}, "valid_to"),
    ({"name": "F", "percent": "5", "min_bill": -1}, "min_bill"),
    ({"name": "F", "percent": "5", "scope": "categories", "category_ids": ["drinks"], "min_bill": 5000},
     "min_bill"),
    ({"name": "F", "percent": "5", "weekly": [{"days": [], "from": "15:00", "to": "17:00"}]}, "weekly.0.days"),
    ({"name": "F", "percent": "5", "weekly": [{"days": [8], "from": "15:00", "to": "17:00"}]}, "weekly.0.days"),
    ({"name": "F", "percent": "5", "weekly": [{"days": [1], "from": "25:00", "to": "17:00"}]}, "weekly.0.from"),
    ({"name": "F", "percent": "5", "weekly": [{"days": [1], "from": "15:00", "to": "15:00"}]}, "weekly.0.to"),
])
def test_a_broken_rule_is_422_on_its_field(client, catalog_a, manage_a, body, field):
    resp = post(client, manage_a, body)
    assert resp.status_code == 422, resp.json
    error = resp.json["error"]
    assert error["code"] == "invalid" and error["field"] == field and error["message"]


def test_past_midnight_and_whole_day_windows_are_accepted(client, catalog_a, manage_a):
    weekly = [{"days": [5, 6], "from": "22:00", "to": "02:00"}, {"days": [7], "from": "00:00", "to": "24:00"}]
    resp = post(client, manage_a, {"name": "Night", "amount": 500, "weekly": weekly})
    assert resp.status_code == 201, resp.json
    assert resp.json["weekly"] == [{"days": [5, 6], "from": "22:00", "to": "02:00"},
                                   {"days": [7], "from": "00:00", "to": "00:00"}]
    assert resp.json["description"] == "PLN5.00 off the whole bill, Fri, Sat 22:00–02:00; Sun all day"


def test_unknown_category_or_product_is_404_naming_it(client, catalog_a, manage_a):
    resp = post(client, manage_a, {**HAPPY, "category_ids": ["drinks", "nope"]})
    assert resp.status_code == 404
    assert resp.json["error"]["code"] == "category_not_found" and resp.json["error"]["id"] == "nope"
    resp = post(client, manage_a, {**HAPPY, "excluded_product_ids": ["ghost"]})
    assert resp.status_code == 404 and resp.json["error"]["code"] == "product_not_found"


def test_a_name_that_exists_is_409_case_and_spaces_aside(client, catalog_a, manage_a):
    assert post(client, manage_a, {"name": "Stali goście", "percent": "5"}).status_code == 201
    resp = post(client, manage_a, {"name": "  stali   GOŚCIE ", "percent": "7"})
    assert resp.status_code == 409
    assert resp.json["error"]["code"] == "conflict" and resp.json["error"]["field"] == "name"
    # With other faults too, the name is one of the 422's fields.
    resp = post(client, manage_a, {"name": "Stali goście", "percent": "0"})
    assert resp.status_code == 422 and set(resp.json["error"]["fields"]) == {"name", "percent"}


def test_patch_changes_only_what_it_sends(client, catalog_a, manage_a):
    created = post(client, manage_a, {**HAPPY, "valid_to": "2027-12-31"}).json
    resp = client.patch(f"/api/v1/discounts/{created['id']}", json={"percent": "25", "selectable": False},
                        headers=manage_a.headers)
    assert resp.status_code == 200, resp.json
    assert resp.json == {**created, "percent": "25", "selectable": False,
                         "description": resp.json["description"]}
    assert "hidden on the terminal" in resp.json["description"]
    # From percent to amount: sending the amount alone replaces the percent, and back.
    resp = client.patch(f"/api/v1/discounts/{created['id']}", json={"amount": 300}, headers=manage_a.headers)
    assert resp.status_code == 200 and resp.json["percent"] is None and resp.json["amount"] == 300
    resp = client.patch(f"/api/v1/discounts/{created['id']}", json={"percent": "7.5", "amount": None},
                        headers=manage_a.headers)
    assert resp.status_code == 200 and resp.json["percent"] == "7.5" and resp.json["amount"] is None
    resp = client.patch(f"/api/v1/discounts/{created['id']}", json={"percent": "7.5", "amount": 100},
                        headers=manage_a.headers)
    assert resp.status_code == 422 and resp.json["error"]["field"] == "percent"


def test_delete_removes_an_unused_discount_and_archives_one_a_group_grants(app, client, world_a, catalog_a,
                                                                           manage_a):
    unused = post(client, manage_a, {"name": "Unused", "percent": "5"}).json
    granted = post(client, manage_a, {"name": "Granted", "percent": "5", "selectable": False}).json
    with app.app_context(), as_tenant(world_a):
        group = CustomerGroup(name="Regulars", name_key="regulars")
        db.session.add(group)
        db.session.flush()
        db.session.add(GroupDiscount(group_id=group.id, discount_id=granted["id"]))
        db.session.commit()
    resp = client.delete(f"/api/v1/discounts/{unused['id']}", headers=manage_a.headers)
    assert resp.status_code == 200 and resp.json == {"id": unused["id"], "deleted": True, "archived": False}
    assert client.get(f"/api/v1/discounts/{unused['id']}", headers=manage_a.headers).status_code == 404
    resp = client.delete(f"/api/v1/discounts/{granted['id']}", headers=manage_a.headers)
    assert resp.json == {"id": granted["id"], "deleted": False, "archived": True}
    assert client.get(f"/api/v1/discounts/{granted['id']}", headers=manage_a.headers).json["archived"] is True
    # The name is free again for a new live discount.
    assert post(client, manage_a, {"name": "Granted", "percent": "5"}).status_code == 201


def test_the_picker_lists_only_what_the_terminal_may_offer(client, catalog_a, manage_a, pos_a):
    post(client, manage_a, {"name": "Happy hour", "percent": "20"})
    post(client, manage_a, {"name": "Stali goście", "percent": "5", "selectable": False})
    old = post(client, manage_a, {"name": "Old promo", "percent": "10"}).json
    client.delete(f"/api/v1/discounts/{old['id']}", headers=manage_a.headers)
    names = lambda q: [d["name"] for d in client.get("/api/v1/discounts" + q, headers=pos_a.headers).json["discounts"]]  # noqa: E731
    assert names("?selectable=true") == ["Happy hour"]
    assert names("?selectable=false") == ["Stali goście"]
    assert names("") == ["Happy hour", "Stali goście"]
    assert names("?selectable=true&q=happy") == ["Happy hour"]
    assert names("?selectable=true&q=stali") == []
    listed = client.get("/api/v1/discounts?q=happy", headers=pos_a.headers).json["discounts"]
    assert listed[0]["weekly"] == [] and set(listed[0]) == set(client.get(
        f"/api/v1/discounts/{listed[0]['id']}", headers=pos_a.headers).json)


def test_a_listed_discount_is_shaped_as_one_read_alone(client, catalog_a, manage_a):
    created = post(client, manage_a, HAPPY).json
    listed = client.get("/api/v1/discounts", headers=manage_a.headers).json["discounts"]
    assert listed == [created]


def test_scopes(client, catalog_a, pos_a, manage_a):
    resp = post(client, pos_a, {"name": "X", "percent": "5"})
    assert resp.status_code == 403 and resp.json["error"]["scope"] == "manage"
    created = post(client, manage_a, {"name": "X", "percent": "5"}).json
    assert client.get(f"/api/v1/discounts/{created['id']}", headers=pos_a.headers).status_code == 200
    assert client.patch(f"/api/v1/discounts/{created['id']}", json={}, headers=pos_a.headers).status_code == 403
    assert client.delete(f"/api/v1/discounts/{created['id']}", headers=pos_a.headers).status_code == 403


def test_another_tenants_discount_and_catalog_are_404(app, client, world_a, world_b, catalog_a, manage_a):
    with app.app_context(), as_tenant(world_b):
        make_catalog()
        db.session.commit()
    token_b = make_token(app, world_b, "B", scopes=("manage", "pos"))
    theirs = post(client, token_b, {"name": "Secret B", "percent": "50"}).json
    for method in ("get", "patch", "delete"):
        resp = getattr(client, method)(f"/api/v1/discounts/{theirs['id']}", json={} if method == "patch" else None,
                                       headers=manage_a.headers)
        assert resp.status_code == 404 and resp.json["error"]["code"] == "discount_not_found"
    listed = client.get("/api/v1/discounts?q=secret", headers=manage_a.headers).json
    assert listed == {"discounts": []}


def test_a_retried_create_with_its_key_answers_the_first_discount(app, client, world_a, catalog_a, manage_a):
    first = post(client, manage_a, HAPPY, **{"Idempotency-Key": "till-7-retry"})
    again = post(client, manage_a, HAPPY, **{"Idempotency-Key": "till-7-retry"})
    assert first.status_code == again.status_code == 201
    assert again.json == first.json and again.headers.get("Idempotent-Replayed") == "true"
    assert client.get("/api/v1/discounts", headers=manage_a.headers).json["discounts"] == [first.json]


def test_the_audit_log_names_the_discount(client, catalog_a, manage_a, owner_a):
    post(client, manage_a, HAPPY)
    owner_a.post("/language", data={"locale": "pl"})
    page = owner_a.get("/audit/").text
    assert "dodał(a) rabat" in page and "<td>Rabat</td>" in page and "Happy hour" in page
