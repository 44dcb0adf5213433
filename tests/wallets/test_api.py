"""The wallet's API operations: the ledger page, top-ups with their Idempotency-Key, the scan."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from panel.extensions import db
from panel.models import WalletEntry
from panel.services import wallets as w

from ..api.conftest import make_token
from ..cards.factories import UID_DEC_LE
from ..concurrency import all_at_once
from ..conftest import as_tenant
from .conftest import make_document


def _key(token, key):
    return {**token.headers, "Idempotency-Key": key}


def _entries(app, world) -> int:
    with app.app_context(), as_tenant(world):
        return db.session.scalar(select(func.count()).select_from(WalletEntry))


def test_top_up_by_api_is_idempotent_and_answers_entries_and_balance(app, client, world_a, token_a, jan):
    with app.app_context(), as_tenant(world_a):
        w.add_rule(10000, None, Decimal("10"))   # pay 100, get 110
        db.session.commit()
    url = f"/api/v1/customers/{jan['id']}/wallet/top-ups"
    r = client.post(url, json={"amount": 20000, "method": "cash"}, headers=_key(token_a, "t-1"))
    assert r.status_code == 201, r.json
    body = r.json
    assert (body["balance"], body["currency"]) == (22000, "PLN")
    assert [(e["kind"], e["amount"], e["balance_after"], e["method"]) for e in body["entries"]] == [
        ("top_up", 20000, 20000, "cash"), ("top_up_bonus", 2000, 22000, None)]
    again = client.post(url, json={"amount": 20000, "method": "cash"}, headers=_key(token_a, "t-1"))
    assert again.status_code == 201 and again.json == body and again.headers["Idempotent-Replayed"] == "true"
    other = client.post(url, json={"amount": 20001, "method": "cash"}, headers=_key(token_a, "t-1"))
    assert (other.status_code, other.json["error"]["code"]) == (409, "idempotency_key_reused")
    assert _entries(app, world_a) == 2
    # Another till may pick the same key for its own top-up: keys are the token's.
    second = make_token(app, world_a, "Bar till 2")
    r2 = client.post(url, json={"amount": 500, "method": "card"}, headers=_key(second, "t-1"))
    assert r2.status_code == 201 and r2.json["balance"] == 22500


def test_a_top_up_storm_by_api_tops_up_once(app, world_a, token_a, jan):
    url = f"/api/v1/customers/{jan['id']}/wallet/top-ups"

    def send(_i):
        return app.test_client().post(url, json={"amount": 5000, "method": "card"}, headers=_key(token_a, "storm"))

    answers = all_at_once(8, send)
    assert {a.status_code for a in answers} == {201}
    assert {a.json["entries"][0]["id"] for a in answers} != set() and len({a.get_data() for a in answers}) == 1
    assert _entries(app, world_a) == 1


@pytest.mark.parametrize("body, field", [
    ({"amount": 0, "method": "cash"}, "amount"), ({"amount": "12,50", "method": "cash"}, "amount"),
    ({"amount": 100, "method": "voucher"}, "method"), ({"method": "cash"}, "amount"),
    ({"amount": 12.5, "method": "cash"}, "amount")])
def test_bad_top_ups_are_422_naming_the_field(client, token_a, jan, body, field):
    r = client.post(f"/api/v1/customers/{jan['id']}/wallet/top-ups", json=body, headers=_key(token_a, "bad"))
    assert (r.status_code, r.json["error"]["code"], r.json["error"]["field"]) == (422, "invalid", field)


def test_top_up_needs_a_key_and_a_known_customer(client, token_a, token_b, jan):
    url = f"/api/v1/customers/{jan['id']}/wallet/top-ups"
    r = client.post(url, json={"amount": 100, "method": "cash"}, headers=token_a.headers)
    assert (r.status_code, r.json["error"]["code"]) == (400, "idempotency_key_required")
    r = client.post(url, json={"amount": 100, "method": "cash"}, headers=_key(token_b, "x"))
    assert (r.status_code, r.json["error"]["code"]) == (404, "customer_not_found")
    assert client.get(f"/api/v1/customers/{jan['id']}/wallet", headers=token_b.headers).status_code == 404


def test_wallet_pages_newest_first_with_a_cursor(app, client, world_a, token_a, jan):
    empty = client.get(f"/api/v1/customers/{jan['id']}/wallet", headers=token_a.headers)
    assert empty.json == {"balance": 0, "currency": "PLN", "entries": [], "next": None}
    with app.app_context(), as_tenant(world_a):
        from panel.models import Customer
        c = db.session.get(Customer, jan["id"])
        for n in range(5):
            w.top_up(c, 1000 + n, "cash")
        document_id = make_document(c, 2500).id
        w.pay(c, 2500, document_id=document_id)
        db.session.commit()
    url = f"/api/v1/customers/{jan['id']}/wallet"
    first = client.get(f"{url}?limit=4", headers=token_a.headers).json
    assert first["balance"] == 5010 - 2500 and len(first["entries"]) == 4
    assert first["entries"][0] | {"id": 0, "created_at": ""} == {
        "id": 0, "kind": "payment", "amount": -2500, "balance_after": 2510, "document_id": document_id, "created_at": "",
        "reason": "", "method": None}
    rest = client.get(f"{url}?limit=4&cursor={first['next']}", headers=token_a.headers).json
    assert [e["amount"] for e in rest["entries"]] == [1001, 1000] and rest["next"] is None
    ids = [e["id"] for e in first["entries"] + rest["entries"]]
    assert ids == sorted(ids, reverse=True)
    for bad in ("limit=0", "limit=201", "cursor=abc"):
        r = client.get(f"{url}?{bad}", headers=token_a.headers)
        assert (r.status_code, r.json["error"]["code"]) == (400, "invalid_parameter")


def test_card_scan_answers_the_wallet_in_the_same_statement(app, client, world_a, token_a, jan, count_queries):
    r = client.get(f"/api/v1/cards/{UID_DEC_LE}", headers=token_a.headers)
    assert r.json["wallet"] is None
    with app.app_context(), as_tenant(world_a):
        from panel.models import Customer
        w.top_up(db.session.get(Customer, jan["id"]), 15650, "cash")
        db.session.commit()
    with count_queries("wallets") as n:
        r = client.get(f"/api/v1/cards/{UID_DEC_LE}", headers=token_a.headers)
    assert r.json["wallet"] == {"balance": 15650, "currency": "PLN"} and n() == 1


def test_insufficient_funds_is_409_with_the_balance(app):
    """How a document's wallet payment will be refused: the service's error as the API says it."""
    from panel.blueprints.api import errors
    from panel.services.wallets.movements import insufficient

    with app.test_request_context():
        e = errors.from_service_error(insufficient(1234))
    assert (e.status, e.code, e.extra["balance"]) == (409, "insufficient_funds", 1234)
