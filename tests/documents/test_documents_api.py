"""Recording documents over the API: the shape, the natural key, replays, returns, points."""
from __future__ import annotations

from datetime import timedelta

from panel.extensions import db
from panel.models import Document

from ..conftest import as_tenant
from .conftest import CARD, T0, add_product, back, balance_and_sum, line, post, receipt, refund


def test_a_receipt_with_a_card_earns_points_and_answers_the_shape(client, app, world_a, token_a, jan, points_on):
    resp = post(client, token_a, receipt(customer=CARD, lines=[line("1", "2", 1450), line("2", "0.5", 999)]))
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    # 2900 + 500 (0.5 x 999 = 499.5, half up) = 3400 grosze: 34 points.
    assert body["total"] == 3400
    assert body["customer"] == {"id": jan["id"]}
    assert body["flags"] == []
    assert body["points"] == {"balance": 34, "earned": 34, "redeemed": 0, "reversed": 0}
    assert body["wallet"] == {"balance": None}
    assert body["tier"] is None
    assert resp.headers["Location"].endswith(f"/api/v1/documents/{body['id']}")
    got = client.get(f"/api/v1/documents/{body['id']}", headers=token_a.headers).get_json()
    assert [ln["base"] for ln in got["lines"]] == [2900, 500]
    assert got["lines"][1]["quantity"] == "0.500"
    assert got["payments"] == [{"method": "card", "amount": 3400}]
    assert got["points"]["earned"] == 34
    assert balance_and_sum(app, world_a, jan["id"]) == (34, 34)


def test_issued_on_is_the_restaurants_day(client, token_a, jan, points_on):
    # 23:30 UTC on 1 December is 00:30 on 2 December in Warsaw.
    body = post(client, token_a, receipt(at=T0.replace(hour=23, minute=30))).get_json()
    assert body["issued_on"] == "2026-12-02"


def test_the_natural_key_is_unique_but_a_replay_answers_the_first(client, app, world_a, token_a, jan, points_on):
    doc = receipt(customer=CARD)
    first = post(client, token_a, doc, key="k-1")
    replay = post(client, token_a, doc, key="k-1")
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_json() == first.get_json()
    again = post(client, token_a, doc, key="k-2")
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "document_exists"
    assert again.get_json()["error"]["document_id"] == first.get_json()["id"]
    assert balance_and_sum(app, world_a, jan["id"]) == (10, 10)


def test_payments_must_add_up_to_the_total(client, token_a):
    resp = post(client, token_a, receipt(paid=900))
    assert resp.status_code == 422
    assert resp.get_json()["error"]["field"] == "payments"


def test_bad_lines_are_422_with_the_field(client, token_a):
    for bad, field in (({"quantity": "1.0005"}, "lines[0].quantity"), ({"quantity": "0"}, "lines[0].quantity"),
                       ({"final": 1001}, "lines[0].final"), ({"unit_price": -1}, "lines[0].unit_price")):
        doc = receipt(lines=[{**line(), **bad}], paid=1000)
        resp = post(client, token_a, doc)
        assert resp.status_code == 422, (bad, resp.get_json())
        assert resp.get_json()["error"]["field"] == field
    naive = {**receipt(), "issued_at": "2026-12-01T18:00:00"}
    assert post(client, token_a, naive).status_code == 422


def test_unknown_customer_and_card_are_404(client, token_a, jan):
    assert post(client, token_a, receipt(customer={"id": 999999})).get_json()["error"]["code"] == "customer_not_found"
    resp = post(client, token_a, receipt(customer={"card_code": "NOPE-1"}))
    assert (resp.status_code, resp.get_json()["error"]["code"]) == (404, "card_not_found")


def test_a_card_in_another_reader_format_finds_the_customer(client, token_a, jan, points_on):
    # The same MIFARE UID as UID_DEC_LE, as a big-endian decimal reader types it.
    body = post(client, token_a, receipt(customer={"card_code": "0477688511"})).get_json()
    assert body["customer"] == {"id": jan["id"]}


def test_products_that_earn_no_points_earn_none(client, app, world_a, token_a, jan, points_on):
    add_product(app, world_a, "tobacco", discountable=False, earns_points=False)
    body = post(client, token_a, receipt(customer=CARD, lines=[line("1", price=2000), line("2", price=1500,
                                                                                     product="tobacco")])).get_json()
    assert body["points"]["earned"] == 20


def test_returns_reverse_points_and_never_exceed_what_was_sold(client, app, world_a, token_a, jan, points_on):
    post(client, token_a, receipt(customer=CARD, lines=[line("1", "3", 1000), line("2", "1", 500)]))  # 35 points
    first = post(client, token_a, refund("Z-1", lines=[back("a", "1", "1", 1000)]))
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["customer"] == {"id": jan["id"]}  # the original's customer
    assert first.get_json()["points"] == {"balance": 25, "earned": 0, "redeemed": 0, "reversed": 10}
    too_many = post(client, token_a, refund("Z-2", lines=[back("a", "1", "3", 1000)]))
    assert too_many.status_code == 422
    assert too_many.get_json()["error"]["code"] == "exceeds_original"
    assert too_many.get_json()["error"]["line_id"] == "1"
    too_much = post(client, token_a, refund("Z-3", lines=[back("a", "2", "1", 600, final=600)]))
    assert too_much.status_code == 422, too_much.get_json()
    rest = post(client, token_a, refund("Z-4", lines=[back("a", "1", "2", 1000), back("b", "2", "1", 500)]))
    assert rest.get_json()["points"]["balance"] == 0
    assert balance_and_sum(app, world_a, jan["id"]) == (0, 0)
    unknown = post(client, token_a, refund("Z-5", lines=[back("a", "9", "1", 10)]))
    assert unknown.status_code == 422


def test_a_return_of_spent_points_goes_below_zero(client, app, world_a, token_a, jan, points_on):
    post(client, token_a, receipt(customer=CARD, lines=[line("1", "1", 5000)]))  # 50 points
    spent = post(client, token_a, receipt("R-2", customer=CARD, lines=[line("1", "1", 5000, final=4950)],
                                          redeem_points=50)).get_json()
    assert spent["redeemed_points"] == 50 and spent["redeemed_value"] == 50
    assert spent["points"]["balance"] == 49  # 50 - 50 + 49 earned on 49,50 zł
    back_ = post(client, token_a, refund("Z-1", lines=[back("a", "1", "1", 5000)])).get_json()
    assert back_["points"] == {"balance": -1, "earned": 0, "redeemed": 0, "reversed": 50}
    assert balance_and_sum(app, world_a, jan["id"]) == (-1, -1)


def test_redemption_is_capped_by_the_balance(client, token_a, jan, points_on):
    post(client, token_a, receipt(customer=CARD, lines=[line("1", "1", 3000)]))  # 30 points
    body = post(client, token_a, receipt("R-2", customer=CARD, redeem_points=500)).get_json()
    assert (body["redeemed_points"], body["redeemed_value"]) == (30, 30)


def test_an_original_that_is_not_recorded_is_404(client, token_a):
    resp = post(client, token_a, refund("Z-1", lines=[back("a", "1")]))
    assert (resp.status_code, resp.get_json()["error"]["code"]) == (404, "original_not_found")


def test_an_invoice_for_a_receipt_adds_no_turnover_and_no_points(client, app, world_a, token_a, jan, points_on):
    post(client, token_a, receipt(customer=CARD))
    body = post(client, token_a, {**refund("F-1", kind="invoice_for_receipt", lines=[line()]),
                                  "payments": [{"method": "card", "amount": 1000}]}).get_json()
    assert body["points"] == {"balance": 10, "earned": 0, "redeemed": 0, "reversed": 0}
    with app.app_context(), as_tenant(world_a):
        invoice = db.session.get(Document, body["id"])
        assert invoice.original_id is not None and invoice.customer_id == jan["id"]


def test_points_off_earn_nothing(client, token_a, jan):
    body = post(client, token_a, receipt(customer=CARD)).get_json()
    assert body["points"]["earned"] == 0


def test_the_points_ledger_pages_newest_first(client, token_a, jan, points_on):
    for i in range(5):
        post(client, token_a, receipt(f"R-{i}", customer=CARD, at=T0 + timedelta(minutes=i)))
    page = client.get(f"/api/v1/customers/{jan['id']}/points?limit=2", headers=token_a.headers).get_json()
    assert page["balance"] == 50
    assert [e["balance_after"] for e in page["entries"]] == [50, 40]
    rest = client.get(f"/api/v1/customers/{jan['id']}/points?limit=200&cursor={page['next']}",
                      headers=token_a.headers).get_json()
    assert [e["balance_after"] for e in rest["entries"]] == [30, 20, 10] and rest["next"] is None
    assert client.get(f"/api/v1/customers/{jan['id']}/points?limit=201", headers=token_a.headers).status_code == 400
    assert client.get("/api/v1/customers/999999/points", headers=token_a.headers).status_code == 404


def test_an_invoice_for_a_receipt_may_list_no_payment_but_never_the_wallet(client, token_a, jan, points_on):
    post(client, token_a, receipt(customer=CARD))
    bare = {**refund("F-1", kind="invoice_for_receipt", lines=[line()]), "payments": []}
    assert post(client, token_a, bare).status_code == 201
    post(client, token_a, receipt("R-2", customer=CARD))
    wallet = {**refund("F-2", original="R-2", kind="invoice_for_receipt", lines=[line()]),
              "payments": [{"method": "wallet", "amount": 1000}]}
    assert post(client, token_a, wallet).status_code == 422


def test_an_absurd_customer_id_is_404_not_500(client, token_a):
    resp = post(client, token_a, receipt(customer={"id": 2**40}))
    assert (resp.status_code, resp.get_json()["error"]["code"]) == (404, "customer_not_found")


def test_turnover_counts_sales_less_returns_and_never_an_invoice_for_a_receipt(client, app, world_a, token_a, jan,
                                                                               staff_a):
    from datetime import date

    from panel.services import documents

    post(client, token_a, receipt(customer=CARD, lines=[line("1", "2", 1000)]))
    post(client, token_a, {**refund("F-1", kind="invoice_for_receipt", lines=[line("1", "2", 1000)]), "payments": []})
    post(client, token_a, refund("Z-1", lines=[back("a", "1", "1", 1000, final=700)]))
    with app.app_context(), as_tenant(world_a):
        assert documents.turnover(jan["id"], date(2026, 12, 1), date(2026, 12, 1)) == 1300
        assert documents.turnover(jan["id"], date(2026, 12, 2), date(2026, 12, 31)) == 0


def test_a_receipt_is_invoiced_once(client, token_a, points_on):
    post(client, token_a, receipt())
    first = {**refund("F-1", kind="invoice_for_receipt", lines=[line()]), "payments": []}
    assert post(client, token_a, first).status_code == 201
    second = post(client, token_a, {**first, "number": "F-2"})
    assert (second.status_code, second.get_json()["error"]["code"]) == (409, "receipt_already_invoiced")
    assert "F-1" in second.get_json()["error"]["message"]
