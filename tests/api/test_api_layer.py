"""The API layer: one declaration per operation, scopes, idempotency keys, rate limits, errors."""
import threading

import pytest
from flask import g
from pydantic import BaseModel
from sqlalchemy import func, select, text

from panel.blueprints.api import declare, limits
from panel.blueprints.api.errors import ApiError
from panel.extensions import db
from panel.models import Customer, IdempotencyKey
from panel.models.base import utcnow
from panel.redis_conn import forget_availability
from panel.services import ServiceError, idempotency, tokens

from ..cards.factories import UID_HEX
from ..conftest import as_tenant
from .conftest import make_token
from .test_api import assert_error


def customers_named(app, world, first_name: str) -> int:
    with app.app_context(), as_tenant(world):
        return db.session.scalar(select(func.count()).select_from(Customer).where(Customer.first_name == first_name))


def keyed(token, key: str) -> dict:
    return {**token.headers, "Idempotency-Key": key}


# --- idempotency keys ----------------------------------------------------------------------------

def test_a_replay_returns_the_first_answer_and_creates_nobody_else(client, app, world_a, token_a):
    body = {"first_name": "Ewa", "card_code": "7777777777"}
    first = client.post("/api/v1/customers", headers=keyed(token_a, "till-1-op-42"), json=body)
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    again = client.post("/api/v1/customers", headers=keyed(token_a, "till-1-op-42"), json=body)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json() and again.headers["Location"] == first.headers["Location"]
    assert customers_named(app, world_a, "Ewa") == 1
    # Key order and spacing are not a different request.
    reordered = client.post("/api/v1/customers", headers={**keyed(token_a, "till-1-op-42"),
                                                          "Content-Type": "application/json"},
                            data='{ "card_code": "7777777777",  "first_name": "Ewa" }')
    assert reordered.status_code == 201 and reordered.headers["Idempotent-Replayed"] == "true"


def test_the_same_key_with_another_body_is_409_and_changes_nothing(client, app, world_a, token_a):
    assert client.post("/api/v1/customers", headers=keyed(token_a, "k1"), json={"first_name": "Ewa"}).status_code == 201
    resp = client.post("/api/v1/customers", headers=keyed(token_a, "k1"), json={"first_name": "Olga"})
    assert_error(resp, 409, "idempotency_key_reused")
    assert customers_named(app, world_a, "Olga") == 0


def test_keys_are_per_token(client, app, world_a, token_a):
    other = make_token(app, world_a, "Bar till 2")
    for token in (token_a, other):
        resp = client.post("/api/v1/customers", headers=keyed(token, "same"), json={"first_name": "Ewa"})
        assert resp.status_code == 201 and "Idempotent-Replayed" not in resp.headers
    assert customers_named(app, world_a, "Ewa") == 2


def test_a_failed_request_keeps_no_key_so_a_retry_runs_again(client, app, world_a, token_a, jan):
    taken = client.post("/api/v1/customers", headers=keyed(token_a, "k2"), json={"first_name": "Ewa", "card_code": UID_HEX})
    assert_error(taken, 409, "card_taken")
    invalid = client.post("/api/v1/customers", headers=keyed(token_a, "k3"), json={"nip": "123"})
    assert_error(invalid, 422, "invalid")
    with app.app_context(), as_tenant(world_a):
        assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 0
    fixed = client.post("/api/v1/customers", headers=keyed(token_a, "k3"), json={"first_name": "Ewa"})
    assert fixed.status_code == 201 and "Idempotent-Replayed" not in fixed.headers


@pytest.mark.parametrize("key", ["", "x" * 256, "zażółć", "tab\there"])
def test_malformed_keys_are_refused(client, app, world_a, token_a, key):
    resp = client.post("/api/v1/customers", headers=keyed(token_a, key), json={"first_name": "Ewa"})
    assert_error(resp, 400, "invalid_idempotency_key")
    assert customers_named(app, world_a, "Ewa") == 0


def test_expired_keys_are_purged_per_tenant_and_then_free(client, app, world_a, world_b, token_a, token_b):
    for token in (token_a, token_b):
        client.post("/api/v1/customers", headers=keyed(token, "old"), json={"first_name": "Ewa"})
    later = utcnow() + idempotency.KEEP_FOR + idempotency.KEEP_FOR / 7
    with app.app_context():
        with as_tenant(world_a):
            assert idempotency.purge_expired_idempotency_keys(utcnow()) == 0  # young keys stay
            assert idempotency.purge_expired_idempotency_keys(later) == 1
            db.session.commit()
        with as_tenant(world_b):  # another tenant's keys are its own clean-up's
            assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 1
    resp = client.post("/api/v1/customers", headers=keyed(token_a, "old"), json={"first_name": "Olga"})
    assert resp.status_code == 201 and "Idempotent-Replayed" not in resp.headers


def test_an_expired_key_not_yet_purged_is_free_again(app, world_a, token_a):
    t, tok = world_a.tenant_id, token_a.id
    with app.app_context(), as_tenant(world_a):
        assert idempotency.claim(t, tok, "k", "h1", now=utcnow() - idempotency.KEEP_FOR * 2) is None
        db.session.commit()
        assert idempotency.claim(t, tok, "k", "h2") is None  # 14 days old: claimed anew
        idempotency.record(t, tok, "k", 201, "{}", {})
        db.session.commit()
        held = idempotency.claim(t, tok, "k", "h3")
        assert (held.request_hash, held.status_code) == ("h2", 201)
        db.session.rollback()


@pytest.mark.pg_only
def test_concurrent_requests_with_one_key_act_once(app, world_a, token_a):
    """Eight tills' retries at once with one key: one customer, one 201, seven replays of it."""
    threads, results = 8, []
    barrier = threading.Barrier(threads)
    body = {"first_name": "Race", "card_code": "5555555555"}

    def post():
        client = app.test_client()
        barrier.wait()
        resp = client.post("/api/v1/customers", headers=keyed(token_a, "race-key"), json=body)
        results.append((resp.status_code, resp.headers.get("Idempotent-Replayed"), resp.get_json()))

    workers = [threading.Thread(target=post) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert sorted((status, replayed or "") for status, replayed, _body in results) == \
        [(201, "")] + [(201, "true")] * (threads - 1)
    assert len({str(answer) for _s, _r, answer in results}) == 1  # every till got the same customer
    assert customers_named(app, world_a, "Race") == 1


# --- scopes --------------------------------------------------------------------------------------

def test_a_manage_only_token_is_refused_on_pos_operations(client, app, world_a, jan):
    manage = make_token(app, world_a, "Back office", scopes=("manage",))
    for resp in (client.get(f"/api/v1/cards/{UID_HEX}", headers=manage.headers),
                 client.get("/api/v1/customers", headers=manage.headers),
                 client.get(f"/api/v1/customers/{jan['id']}", headers=manage.headers),
                 client.post("/api/v1/customers", headers=manage.headers, json={"first_name": "Ewa"})):
        error = assert_error(resp, 403, "insufficient_scope")
        assert error["scope"] == "pos" and "Kowalski" not in resp.text
    assert customers_named(app, world_a, "Ewa") == 0
    both = make_token(app, world_a, "Manager's till", scopes=("pos", "manage"))
    assert client.get(f"/api/v1/cards/{UID_HEX}", headers=both.headers).status_code == 200


def test_a_pos_token_is_refused_on_a_manage_operation(app, world_a):
    class Answer(BaseModel):
        ok: bool

    @declare.api_operation(operation_id="tryManage", summary="A manage operation", scope="manage", response=Answer)
    def manage_view():
        return Answer(ok=True)

    with app.test_request_context("/api/v1/anything"):
        g.api_token = tokens.ApiCaller(1, "Till", world_a.tenant_id, "auto", "PL", None, frozenset({"pos"}))
        with pytest.raises(ApiError) as refused:
            manage_view()
        assert (refused.value.status, refused.value.code) == (403, "insufficient_scope")
        g.api_token = tokens.ApiCaller(1, "Office", world_a.tenant_id, "auto", "PL", None, frozenset({"manage"}))
        assert manage_view().get_json() == {"ok": True}


def test_an_operation_declares_a_known_scope():
    with pytest.raises(ValueError):
        declare.api_operation(operation_id="x", summary="x", scope="admin", response=BaseModel)


def test_tokens_made_before_scopes_are_pos(client, app, world_a, jan):
    """A row written without the column (as every token before the migration) gets "pos"."""
    plain = tokens.PREFIX + "made-before-scopes"
    with app.app_context():
        db.session.execute(text("INSERT INTO api_tokens (name, prefix, token_hash, created_at, tenant_id) "
                                "VALUES ('Old till', 'rg_made-b', :h, :now, :t)"),
                           {"h": tokens._hash(plain), "now": utcnow(), "t": world_a.tenant_id})
        db.session.commit()
        assert tokens.authenticate(plain).scopes == {"pos"}
    assert client.get(f"/api/v1/cards/{UID_HEX}", headers={"Authorization": f"Bearer {plain}"}).status_code == 200


# --- rate limits ---------------------------------------------------------------------------------

@pytest.fixture
def small_limits(app):
    saved = {k: app.config[k] for k in ("API_RATE_LIMIT_PER_TOKEN", "API_RATE_LIMIT_PER_ADDRESS")}
    app.config.update(API_RATE_LIMIT_PER_TOKEN=3, API_RATE_LIMIT_PER_ADDRESS=5)
    limits._memory.clear()
    yield
    app.config.update(saved)
    limits._memory.clear()


@pytest.fixture(params=["redis", "memory"])
def limit_store(request, app, monkeypatch):
    if request.param == "memory":
        monkeypatch.setattr(limits, "redis_available", lambda: False)
    return request.param


def test_a_token_past_its_limit_gets_429_with_retry_after(client, app, world_a, token_a, jan, small_limits,
                                                          limit_store):
    for _n in range(3):
        assert client.get(f"/api/v1/cards/{UID_HEX}", headers=token_a.headers).status_code == 200
    resp = client.get(f"/api/v1/cards/{UID_HEX}", headers=token_a.headers)
    assert_error(resp, 429, "rate_limited")
    assert 1 <= int(resp.headers["Retry-After"]) <= limits.WINDOW
    # Another token of the same address has its own count, up to the address's limit.
    other = make_token(app, world_a, "Bar till 2")
    assert client.get(f"/api/v1/cards/{UID_HEX}", headers=other.headers).status_code == 200
    assert_error(client.get(f"/api/v1/cards/{UID_HEX}", headers=other.headers), 429, "rate_limited")


def test_an_address_guessing_tokens_is_limited(client, small_limits, limit_store):
    for _n in range(5):
        assert_error(client.get("/api/v1/customers", headers={"Authorization": "Bearer rg_guess"}), 401,
                     "unauthorized")
    assert_error(client.get("/api/v1/customers", headers={"Authorization": "Bearer rg_guess"}), 429, "rate_limited")
    other = client.get("/api/v1/customers", headers={"Authorization": "Bearer rg_guess"},
                       environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert_error(other, 401, "unauthorized")


def test_redis_counts_for_every_web_process(client, app, token_a, jan, small_limits, redis_conn):
    forget_availability()
    client.get(f"/api/v1/cards/{UID_HEX}", headers=token_a.headers)
    assert any(k.startswith(f"regulars:api:token:{token_a.id}:") for k in
               (key.decode() for key in redis_conn.keys("regulars:api:*")))


# --- errors --------------------------------------------------------------------------------------

def test_service_errors_map_to_statuses_by_code():
    from panel.blueprints.api.errors import from_service_error

    cases = {"invalid": 422, "not_found": 404, "card_taken": 409, "conflict": 409, "something_new": 409}
    for code, status in cases.items():
        assert from_service_error(ServiceError("m", field="f", code=code)).status == status
    taken = from_service_error(ServiceError("m", field="card_code", code="card_taken", details={"customer_id": 7}))
    assert taken.extra == {"customer_id": 7, "field": "card_code"}


def test_validation_speaks_the_callers_language(client, token_a):
    headers = {**token_a.headers, "Accept-Language": "pl"}
    resp = client.post("/api/v1/customers", headers=headers, json={"first_name": 5})
    error = assert_error(resp, 422, "invalid")
    assert error["field"] == "first_name" and error["message"] == "Wyślij first_name jako ciąg znaków."
    resp = client.get("/api/v1/customers?limit=500", headers={**token_a.headers, "Accept-Language": "cs"})
    error = assert_error(resp, 400, "invalid_parameter")
    assert error["field"] == "limit" and error["message"] == "limit musí být celé číslo od 1 do 100."


@pytest.mark.parametrize("body", [{"first_name": "\ud800"}, {"first_name": ["a"]}, {"first_name": {"a": 1}},
                                  {"first_name": None}, {"first_name": True}, {"card_code": 1.5}])
def test_odd_json_values_are_422_never_500(client, token_a, body):
    assert_error(client.post("/api/v1/customers", headers=token_a.headers, json=body), 422, "invalid")


def test_every_example_is_valid_for_its_model(app):
    from panel.blueprints.api.openapi import _example, operations

    for _method, _path, op in operations(app):
        op.response.model_validate(op.example)
        if op.body is not None:
            op.body.model_validate(_example(op.body))


def test_an_operation_may_require_a_key(app, world_a):
    """Money operations will declare idempotency="required": without the header nothing runs."""
    class Body(BaseModel):
        amount: int

    ran = []

    @declare.api_operation(operation_id="tryCharge", summary="A charge", scope="pos", body=Body, response=Body,
                           idempotency="required")
    def charge(body: Body):
        ran.append(body.amount)
        return body

    with app.test_request_context("/api/v1/charge", method="POST", json={"amount": 5}):
        g.api_token = tokens.ApiCaller(1, "Till", world_a.tenant_id, "auto", "PL", None, frozenset({"pos"}))
        with pytest.raises(ApiError) as refused:
            charge()
        assert (refused.value.status, refused.value.code, ran) == (400, "idempotency_key_required", [])


def test_a_process_takes_its_rate_limit_slots_ten_at_a_time(app, redis_conn):
    # Slots are numbered in order within a process; Redis is asked once per ten; another process
    # (its own reserve) starts after what this one took, so no slot is handed out twice.
    with app.app_context():
        mine = [limits._take_slots([("regulars:api:token:1:7", 600)])[0] for _ in range(25)]
        assert mine == list(range(1, 26))
        assert int(redis_conn.get("regulars:api:token:1:7")) == 30
        limits._reserved.clear()  # another web process
        assert limits._take_slots([("regulars:api:token:1:7", 600), ("regulars:api:addr:x:7", 3)]) == [31, 1]
        assert int(redis_conn.get("regulars:api:token:1:7")) == 40
        assert int(redis_conn.get("regulars:api:addr:x:7")) == 1  # a small limit counts one by one
