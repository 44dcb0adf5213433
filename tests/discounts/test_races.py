"""Discounts saved at the same moment, with real threads against PostgreSQL."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from panel.extensions import db
from panel.models import Discount
from panel.tenancy import tenant_scope

from ..concurrency import all_at_once, race
from ..conftest import login

ROUNDS = 6


@pytest.mark.pg_only
def test_two_creates_with_one_name_are_one_201_and_one_409(app, world_a, catalog_a, manage_a):
    for i in range(ROUNDS):
        name = f"Stali goście {i}"
        responses = race(*[lambda p=p: app.test_client().post(
            "/api/v1/discounts", headers=manage_a.headers, json={"name": name, "percent": p}) for p in ("5", "7")])
        assert sorted(r.status_code for r in responses) == [201, 409], [r.json for r in responses]
        refused = next(r for r in responses if r.status_code == 409)
        assert refused.json["error"]["code"] == "conflict" and refused.json["error"]["field"] == "name"
    with app.app_context(), tenant_scope(world_a.tenant_id):
        assert db.session.scalar(select(func.count()).select_from(Discount)) == ROUNDS


@pytest.mark.pg_only
def test_many_forms_saving_one_name_save_it_once(app, world_a, catalog_a):
    def save(i):
        client = login(app.test_client(), world_a.manager.id, world_a.manager.fingerprint, world_a.tenant_id)
        return client.post("/discounts/new", data={"name": "Happy hour", "kind": "percent", "value": str(10 + i),
                                                   "scope": "bill", "selectable": "on"})

    responses = all_at_once(6, save)
    assert sorted(r.status_code for r in responses) == [303] + [422] * 5
    for r in responses:
        if r.status_code == 422:
            assert "Happy hour" in r.text and ("already called" in r.text or "at the same moment" in r.text)
    with app.app_context(), tenant_scope(world_a.tenant_id):
        assert db.session.scalar(select(func.count()).select_from(Discount)) == 1
