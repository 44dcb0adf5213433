"""Late documents by the batch, and what two tills do at once (threads on PostgreSQL)."""
from __future__ import annotations

import random
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from panel.extensions import db
from panel.models import Document, DocumentLine

from ..concurrency import all_at_once
from ..conftest import as_tenant
from .conftest import CARD, T0, back, balance_and_sum, line, post, receipt, refund


def _batch(client, token, items):
    return client.post("/api/v1/documents:batch", headers=token.headers,
                       json={"documents": [{"idempotency_key": k, "document": d} for k, d in items]})


def test_a_batch_of_500_late_documents_in_any_order_records_them_in_issue_order(client, app, world_a, token_a,
                                                                              jan, points_on):
    sales = [(f"s-{i}", receipt(f"R-{i}", customer=CARD, at=T0 + timedelta(minutes=i),
                                lines=[line("1", "2", 1000), line("2", "1", 550)])) for i in range(400)]
    returns = [(f"z-{i}", refund(f"Z-{i}", original=f"R-{i}", at=T0 + timedelta(minutes=i, seconds=30),
                                 lines=[back("a", "1", "1", 1000)])) for i in range(100)]
    items = sales + returns
    random.Random(7).shuffle(items)  # returns arrive before their originals
    resp = _batch(client, token_a, items)
    assert resp.status_code == 200
    results = resp.get_json()["results"]
    assert [r["idempotency_key"] for r in results] == [k for k, _d in items]
    assert {r["status"] for r in results} == {201}, [r for r in results if r["status"] != 201][:3]
    # 400 x 25 points earned, 100 x 10 reversed.
    assert balance_and_sum(app, world_a, jan["id"]) == (9000, 9000)
    # Sent again (a till that did not hear the answer): every document answers as the first time.
    again = _batch(client, token_a, items).get_json()["results"]
    assert [r["body"] for r in again] == [r["body"] for r in results]
    assert balance_and_sum(app, world_a, jan["id"]) == (9000, 9000)
    # And one of them singly, with its key: the batch's answer.
    key, doc = items[0]
    single = post(client, token_a, doc, key=key)
    assert single.status_code == 201 and single.get_json() == results[0]["body"]


def test_one_documents_failure_does_not_undo_the_others(client, app, world_a, token_a, jan, points_on):
    items = [("a", receipt("R-1", customer=CARD)), ("b", receipt("R-2", paid=1)),
             ("c", {"type": "receipt"}), ("d", refund("Z-1", lines=[back("a", "1", "5")])),
             ("e", receipt("R-3", customer={"id": 999999}))]
    results = _batch(client, token_a, items).get_json()["results"]
    assert [(r["status"], r["body"].get("error", {}).get("code")) for r in results] == [
        (201, None), (422, "invalid"), (422, "invalid"), (422, "exceeds_original"), (404, "customer_not_found")]
    with app.app_context(), as_tenant(world_a):
        assert db.session.scalar(select(func.count()).select_from(Document)) == 1


def test_a_key_reused_for_another_document_in_a_batch_is_409(client, token_a, points_on):
    post(client, token_a, receipt("R-1"), key="same")
    results = _batch(client, token_a, [("same", receipt("R-2"))]).get_json()["results"]
    assert (results[0]["status"], results[0]["body"]["error"]["code"]) == (409, "idempotency_key_reused")


def test_a_batch_with_another_tenants_customer_answers_404_for_that_document(client, app, world_a, world_b,
                                                                            token_a, points_on):
    from ..cards.factories import make_customer

    with app.app_context(), as_tenant(world_b):
        theirs = make_customer("Beta")
        db.session.commit()
        theirs_id = theirs.id
    results = _batch(client, token_a, [("x", receipt(customer={"id": theirs_id}))]).get_json()["results"]
    assert (results[0]["status"], results[0]["body"]["error"]["code"]) == (404, "customer_not_found")


def test_a_batch_is_at_most_500(client, token_a):
    resp = _batch(client, token_a, [(str(i), receipt(f"R-{i}")) for i in range(501)])
    assert resp.status_code == 422


@pytest.mark.pg_only
def test_concurrent_returns_of_one_line_never_exceed_what_was_sold(app, world_a, token_a, jan, points_on):
    """Ten tills return 1 of the 4 sold at once: exactly 4 pass, 6 are exceeds_original."""
    post(app.test_client(), token_a, receipt(customer=CARD, lines=[line("1", "4", 1000)]))  # 40 points

    def attempt(i):
        return post(app.test_client(), token_a, refund(f"Z-{i}", lines=[back("a", "1", "1", 1000)])).status_code

    statuses = all_at_once(10, attempt)
    assert sorted(statuses) == [201] * 4 + [422] * 6
    with app.app_context(), as_tenant(world_a):
        returned = db.session.scalar(select(func.sum(DocumentLine.quantity)).where(
            DocumentLine.original_line_id.is_not(None)))
        assert returned == 4
    assert balance_and_sum(app, world_a, jan["id"]) == (0, 0)


@pytest.mark.pg_only
def test_concurrent_replays_of_one_key_record_one_document(app, world_a, token_a, jan, points_on):
    doc = receipt(customer=CARD)

    def attempt(_i):
        resp = post(app.test_client(), token_a, doc, key="one-key")
        return resp.status_code, resp.headers.get("Idempotent-Replayed", ""), resp.get_json()["id"]

    results = all_at_once(8, attempt)
    assert sorted(r[:2] for r in results) == [(201, "")] + [(201, "true")] * 7
    assert len({r[2] for r in results}) == 1
    assert balance_and_sum(app, world_a, jan["id"]) == (10, 10)


@pytest.mark.pg_only
def test_concurrent_documents_with_one_number_record_one(app, world_a, token_a, jan, points_on):
    doc = receipt(customer=CARD)

    def attempt(_i):
        resp = post(app.test_client(), token_a, doc, key=str(uuid.uuid4()))
        return resp.status_code, resp.get_json().get("error", {}).get("code")

    results = all_at_once(6, attempt)
    assert sorted(results, key=str) == sorted([(201, None)] + [(409, "document_exists")] * 5, key=str)
    assert balance_and_sum(app, world_a, jan["id"]) == (10, 10)


@pytest.mark.pg_only
def test_concurrent_sales_and_redemptions_keep_the_balance_equal_to_the_ledger(app, world_a, token_a, jan,
                                                                              points_on):
    post(app.test_client(), token_a, receipt("R-0", customer=CARD, lines=[line("1", "1", 10000)]))  # 100

    def attempt(i):
        doc = receipt(f"R-{i + 1}", customer=CARD, lines=[line("1", "1", 1000, final=900)], redeem_points=100)
        return post(app.test_client(), token_a, doc).get_json()["redeemed_points"]

    redeemed = all_at_once(8, attempt)
    # Whoever locks the customer first takes the 100 points and earns 9; each next one finds 9.
    assert sorted(redeemed) == [9] * 7 + [100]
    assert balance_and_sum(app, world_a, jan["id"]) == (9, 9)


@pytest.mark.pg_only
def test_a_return_and_a_merge_of_its_customer_at_once_both_finish(app, world_a, token_a, jan, points_on):
    """They take the same rows (customer, then documents) in the same order: no deadlock."""
    from panel.models import Customer
    from panel.services import customers

    from ..cards.factories import make_customer

    post(app.test_client(), token_a, receipt(customer=CARD, lines=[line("1", "5", 1000)]))  # 50 points
    with app.app_context(), as_tenant(world_a):
        survivor_id = make_customer("Jan", "Główny").id
        db.session.commit()

    def merge():
        with app.app_context(), as_tenant(world_a):
            customers.merge(db.session.get(Customer, survivor_id), db.session.get(Customer, jan["id"]))
            db.session.commit()
            return "merged"

    def give_back():
        return post(app.test_client(), token_a, refund("Z-1", lines=[back("a", "1", "1", 1000)])).status_code

    from ..concurrency import race

    assert race(merge, give_back) == ["merged", 201]
    # Wherever the return's reversal landed, the two ledgers add up to 40 and match their balances.
    a, b = balance_and_sum(app, world_a, jan["id"]), balance_and_sum(app, world_a, survivor_id)
    assert a[0] == a[1] and b[0] == b[1] and a[0] + b[0] == 40
