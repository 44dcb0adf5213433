"""Two terminals at once: one name created twice, bulk moves crossing each other."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from panel.extensions import db
from panel.models import Customer, CustomerGroup

from ..api.conftest import make_token
from ..concurrency import all_at_once, race
from ..conftest import as_tenant, login
from ..customers.factories import make_customer
from .factories import make_group

ROUNDS = 5


@pytest.mark.pg_only
def test_two_creates_of_one_name_give_one_201_and_one_409(app, world_a):
    manage = make_token(app, world_a, "Back office", scopes=("manage",))
    for i in range(ROUNDS):
        name = f"Stali {i}"

        def create(n):
            resp = app.test_client().post("/api/v1/groups", headers=manage.headers,
                                          json={"name": name if n == 0 else name.upper()})
            return resp.status_code, resp.get_json()["error"]["code"] if resp.status_code >= 400 else None

        assert sorted(all_at_once(2, create)) == [(201, None), (409, "conflict")]
    with app.app_context(), as_tenant(world_a):
        assert db.session.scalar(select(func.count()).select_from(CustomerGroup)) == ROUNDS


@pytest.mark.pg_only
def test_crossing_bulk_moves_leave_every_customer_in_exactly_one_group(app, world_a):
    t = world_a.tenant_id
    a, b = make_group(app, t, "A"), make_group(app, t, "B")
    ids = [make_customer(app, t, first_name=f"Gość {i}") for i in range(40)]
    one = login(app.test_client(), world_a.manager.id, world_a.manager.fingerprint, t)
    two = login(app.test_client(), world_a.owner.id, world_a.owner.fingerprint, t)
    for _round in range(ROUNDS):
        # Overlapping selections in opposite orders: each UPDATE is one statement, so a row ends
        # in the group of whichever committed last, never in none or half-moved.
        statuses = race(lambda: one.post("/groups/move", data={"group": a, "customer_ids": ids[:30]}).status_code,
                        lambda: two.post("/groups/move", data={"group": b,
                                                               "customer_ids": list(reversed(ids[10:]))}).status_code)
        assert statuses == [303, 303]
        with app.app_context(), as_tenant(world_a):
            rows = dict(db.session.execute(select(Customer.id, Customer.group_id)).all())
        assert all(rows[i] == a for i in ids[:10]) and all(rows[i] == b for i in ids[30:])
        middle = {rows[i] for i in ids[10:30]}
        assert len(middle) == 1 and middle <= {a, b}  # one UPDATE's rows move together
