"""Two requests at once, with real threads against PostgreSQL: rules checked by reading first
(at least one owner, a record merged only once) hold when two changes race for them."""
from __future__ import annotations

import pytest
from sqlalchemy import event, func, select, update

from panel.extensions import db
from panel.models import Card, Customer, Membership
from panel.services import customers
from panel.tenancy import tenant_scope

from .api.conftest import make_token
from .concurrency import race
from .conftest import login
from .customers.factories import make_customer

ROUNDS = 8


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
        statuses = sorted(race(take_away(one, second), take_away(two, first)))
        # The second is refused by the rule (303 with a message) or, when the first has already
        # committed, at the door: no longer an owner (403) or no longer signed in here (302).
        assert statuses in ([303, 303], [303, 403], [302, 303]), statuses
        states = _owner_states(app, world_a, [first, second])
        outcomes.append(sorted(states))
    removed = ("staff", True) if action == "demote" else ("owner", False)
    assert outcomes == [sorted([("owner", True), removed])] * ROUNDS


def _merged_into(app, world, ids):
    with app.app_context(), tenant_scope(world.tenant_id):
        return [db.session.get(Customer, i).merged_into_id for i in ids]


@pytest.mark.pg_only
def test_two_merges_of_one_pair_in_opposite_directions_merge_once(app, world_a):
    one = login(app.test_client(), world_a.owner.id, world_a.owner.fingerprint, world_a.tenant_id)
    two = login(app.test_client(), world_a.manager.id, world_a.manager.fingerprint, world_a.tenant_id)
    outcomes = []
    for n in range(ROUNDS):
        a = make_customer(app, world_a.tenant_id, first_name="Anna", last_name=f"Nowak {n}")
        b = make_customer(app, world_a.tenant_id, first_name="Anna", last_name=f"Nowak-{n}")
        statuses = race(lambda: one.post(f"/customers/{b}/merge", data={"other": a}).status_code,
                        lambda: two.post(f"/customers/{a}/merge", data={"other": b}).status_code)
        merged = _merged_into(app, world_a, [a, b])
        # One merge wins; the other is refused (422), whichever it is: never each into the other.
        outcomes.append((sorted(statuses), merged in ([b, None], [None, a])))
    assert outcomes == [([303, 422], True)] * ROUNDS


def test_erasing_a_record_in_a_merge_loop_ends(app, world_a):
    """A loop left by the race before the fix: the erasure walks it once and erases both."""
    a = make_customer(app, world_a.tenant_id, first_name="Ewa")
    b = make_customer(app, world_a.tenant_id, first_name="Ewa")
    with app.app_context(), tenant_scope(world_a.tenant_id):
        db.session.execute(update(Customer).where(Customer.id == a).values(merged_into_id=b))
        db.session.execute(update(Customer).where(Customer.id == b).values(merged_into_id=a))
        db.session.commit()
    walked = []

    def _walk_step(conn, cursor, statement, params, context, executemany):
        if "merged_into_id IN" in statement:
            walked.append(statement)
            if len(walked) > 20:  # before the fix the walk went round the loop for ever
                raise RuntimeError("the merge chain walk does not end")

    with app.app_context(), tenant_scope(world_a.tenant_id):
        event.listen(db.engine, "before_cursor_execute", _walk_step)
        try:
            figures = customers.erase(db.session.get(Customer, a), str(a))
            db.session.commit()
        finally:
            event.remove(db.engine, "before_cursor_execute", _walk_step)
    assert figures == {"cards_blocked": 0, "merged_records_erased": 1, "wallets_kept_empty": 0}
    with app.app_context(), tenant_scope(world_a.tenant_id):
        assert [db.session.get(Customer, i).erased_at is not None for i in (a, b)] == [True, True]


# --- one new card scanned on several terminals (or tills) at once ------------------------------

RACERS = 10


def _card_holders(app, world, code):
    with app.app_context(), tenant_scope(world.tenant_id):
        cards = db.session.scalars(select(Card).where(Card.code == code)).all()
        return [c.customer.display_name for c in cards]


def _clients(app, world, n):
    return [login(app.test_client(), world.staff.id, world.staff.fingerprint, world.tenant_id) for _ in range(n)]


def _tally(responses, winner_name, taken_text):
    """(status counts, how many losers named the winner)."""
    counts: dict = {}
    named = 0
    for resp in responses:
        status = 500 if isinstance(resp, Exception) else resp.status_code  # TESTING re-raises
        counts[status] = counts.get(status, 0) + 1
        named += resp.status_code == 409 and taken_text(resp, winner_name)
    return counts, named


def _says_whose(resp, name):
    return f"Already on {name}&#39;s card." in resp.text or f"Already on {name}'s card." in resp.text


@pytest.mark.pg_only
def test_one_new_card_assigned_on_many_terminals_at_once_goes_to_one_customer(app, world_a):
    clients = _clients(app, world_a, RACERS)
    for n in range(3):
        code = f"RACE-ASSIGN-{n}"
        people = [make_customer(app, world_a.tenant_id, first_name="Guest", last_name=f"No{n}-{i}")
                  for i in range(RACERS)]
        responses = race(*[lambda c=c, p=p: c.post("/terminal/assign", data={"code": code, "customer_id": p})
                           for c, p in zip(clients, people)])
        [holder] = _card_holders(app, world_a, code)
        assert _tally(responses, holder, _says_whose) == ({200: 1, 409: RACERS - 1}, RACERS - 1)


@pytest.mark.pg_only
def test_one_new_card_quick_added_on_many_terminals_at_once_creates_one_customer(app, world_a):
    clients = _clients(app, world_a, RACERS)
    for n in range(3):
        code = f"RACE-QUICK-{n}"
        responses = race(*[lambda c=c, i=i: c.post("/terminal/quick-add", data={
            "code": code, "first_name": "Walk-in", "last_name": f"No{n}-{i}"}) for i, c in enumerate(clients)])
        [holder] = _card_holders(app, world_a, code)
        assert _tally(responses, holder, _says_whose) == ({200: 1, 409: RACERS - 1}, RACERS - 1)
        with app.app_context(), tenant_scope(world_a.tenant_id):
            walk_ins = db.session.scalar(select(func.count()).select_from(Customer).where(
                Customer.first_name == "Walk-in", Customer.last_name.like(f"No{n}-%")))
        assert walk_ins == 1  # the losers created nobody


def _api_says_whose(resp, name):
    error = resp.get_json()["error"]
    return error["code"] == "card_taken" and f"Already on {name}'s card." in error["message"] \
        and isinstance(error.get("customer_id"), int)


@pytest.mark.pg_only
def test_one_new_card_sent_by_many_tills_at_once_is_one_201_and_409s(app, world_a):
    token = make_token(app, world_a)
    for n in range(3):
        code = f"RACE-API-{n}"
        responses = race(*[lambda i=i: app.test_client().post("/api/v1/customers", headers=token.headers, json={
            "first_name": "Till", "last_name": f"No{n}-{i}", "card_code": code}) for i in range(RACERS)])
        [holder] = _card_holders(app, world_a, code)
        assert _tally(responses, holder, _api_says_whose) == ({201: 1, 409: RACERS - 1}, RACERS - 1)


@pytest.mark.pg_only
def test_a_merge_racing_an_erasure_never_leaves_the_merged_record_unerased(app, world_a):
    one = login(app.test_client(), world_a.owner.id, world_a.owner.fingerprint, world_a.tenant_id)
    two = login(app.test_client(), world_a.manager.id, world_a.manager.fingerprint, world_a.tenant_id)
    outcomes = []
    for n in range(ROUNDS):
        a = make_customer(app, world_a.tenant_id, first_name="Olga", last_name=f"Erased {n}")
        c = make_customer(app, world_a.tenant_id, first_name="Olga", last_name=f"Merged {n}")
        statuses = race(lambda: one.post(f"/customers/{a}/merge", data={"other": c}).status_code,
                        lambda: two.post(f"/customers/{a}/erase", data={"confirmation": str(a)}).status_code)
        with app.app_context(), tenant_scope(world_a.tenant_id):
            merged = db.session.get(Customer, c)
            # Merged first: erased with the survivor. Erased first: the merge is refused.
            outcomes.append((merged.merged_into_id is not None) == (merged.erased_at is not None)
                            and sorted(statuses) in ([303, 303], [303, 422]))
    assert outcomes == [True] * ROUNDS
