"""Two requests at once, with real threads against PostgreSQL: rules checked by reading first
(at least one owner, a record merged only once) hold when two changes race for them."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, update

from panel.extensions import db
from panel.models import Customer, Membership
from panel.services import customers
from panel.tenancy import tenant_scope

from .conftest import login
from .customers.factories import make_customer

ROUNDS = 8


def race(*calls):
    """Run the calls in threads released together; their results (or exceptions), in order."""
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        start.wait()
        try:
            results[i] = call()
        except Exception as e:  # noqa: BLE001 - the test asserts on it
            results[i] = e

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _memberships(app, world):
    with app.app_context(), tenant_scope(world.tenant_id):
        rows = db.session.scalars(select(Membership).join(Membership.user)).all()
        return {m.user.email: m.id for m in rows}


def _two_owners(app, world, ids):
    with app.app_context(), tenant_scope(world.tenant_id):
        db.session.execute(update(Membership).where(Membership.id.in_(ids)).values(role="owner", is_active=True))
        db.session.commit()


def _owner_states(app, world, ids):
    with app.app_context(), tenant_scope(world.tenant_id):
        rows = db.session.scalars(select(Membership).where(Membership.id.in_(ids)).order_by(Membership.id))
        return [(m.role, m.is_active) for m in rows]


@pytest.mark.pg_only
@pytest.mark.parametrize("action", ["demote", "deactivate"])
def test_two_owners_taking_each_other_away_leave_one_owner(app, world_a, action):
    ids = _memberships(app, world_a)
    first, second = ids[world_a.owner.email], ids[world_a.manager.email]
    one = login(app.test_client(), world_a.owner.id, world_a.owner.fingerprint, world_a.tenant_id)
    two = login(app.test_client(), world_a.manager.id, world_a.manager.fingerprint, world_a.tenant_id)

    def take_away(client, membership_id):
        if action == "demote":
            return lambda: client.post(f"/users/{membership_id}/role", data={"role": "staff"}).status_code
        return lambda: client.post(f"/users/{membership_id}/active", data={"active": "0"}).status_code

    outcomes = []
    for _round in range(ROUNDS):
        _two_owners(app, world_a, [first, second])
        assert race(take_away(one, second), take_away(two, first)) == [303, 303]
        states = _owner_states(app, world_a, [first, second])
        outcomes.append(sorted(states))
    removed = ("staff", True) if action == "demote" else ("owner", False)
    assert outcomes == [sorted([("owner", True), removed])] * ROUNDS
