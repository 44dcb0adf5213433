"""Two POS syncs at once, with real threads against PostgreSQL: overlapping new ids never 500,
and every id ends as exactly one row."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from panel.extensions import db
from panel.models import Category, Product
from panel.tenancy import tenant_scope

from ..api.conftest import make_token
from ..concurrency import race

ROUNDS = 5


def _count(app, world, model) -> int:
    with app.app_context(), tenant_scope(world.tenant_id):
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.pg_only
def test_two_syncs_with_overlapping_new_ids(app, world_a):
    headers = make_token(app, world_a, "Sync", scopes=("manage",)).headers
    clients = [app.test_client(), app.test_client()]
    total = 0
    for round_ in range(ROUNDS):
        # Each round: 300 new ids shared by both, 100 new of each's own, one shared new category.
        shared = [{"id": f"r{round_}-s{i}", "name": f"Shared {i}", "category_id": f"c{round_}", "price": i}
                  for i in range(300)]
        own = [[{"id": f"r{round_}-{who}{i}", "name": f"Own {i}", "price": 5} for i in range(100)] for who in "ab"]
        bodies = [{"categories": [{"id": f"c{round_}", "name": f"Cat {round_}"}], "products": shared + own[k]}
                  for k in range(2)]
        answers = race(*(lambda k=k: clients[k].put("/api/v1/catalog", json=bodies[k], headers=headers)
                         for k in range(2)))
        assert [r.status_code for r in answers] == [200, 200], [getattr(r, "json", r) for r in answers]
        created = sum(r.json["products"]["created"] for r in answers)
        # Every shared id was created by exactly one of the two; the other saw it unchanged.
        assert created == 300 + 200
        assert sum(r.json["products"]["unchanged"] for r in answers) == 300
        assert sum(r.json["categories"]["created"] for r in answers) == 1
        total += 500
        assert _count(app, world_a, Product) == total
        assert _count(app, world_a, Category) == round_ + 1
