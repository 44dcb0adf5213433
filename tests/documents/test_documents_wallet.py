"""Documents with the wallet and the customer's rules (issue 16's "Done when", by API): a
top-up, a sale paid from the wallet, a partial return refunded to it; wallet, points and the
documents agree to the grosz. A sale the wallet cannot cover records nothing. The server
re-prices each sale with the quote's own service and flags a document whose discounts differ.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from panel.extensions import db
from panel.models import Customer, Document, Wallet, WalletEntry

from ..concurrency import all_at_once
from ..conftest import as_tenant
from ..pricing import factories as f
from .conftest import CARD, back, balance_and_sum, line, post, receipt, refund


def _top_up(client, token, customer_id, amount):
    resp = client.post(f"/api/v1/customers/{customer_id}/wallet/top-ups", json={"amount": amount, "method": "cash"},
                       headers={**token.headers, "Idempotency-Key": f"top-{amount}"})
    assert resp.status_code == 201, resp.get_json()


def _wallet(app, world, customer_id) -> tuple[int, int]:
    """(the stored balance, the sum of the ledger): always equal."""
    with app.app_context(), as_tenant(world):
        balance = db.session.scalar(select(Wallet.balance).where(Wallet.customer_id == customer_id))
        total = db.session.scalar(select(func.coalesce(func.sum(WalletEntry.amount), 0))
                                  .join(Wallet, Wallet.id == WalletEntry.wallet_id)
                                  .where(Wallet.customer_id == customer_id))
        return int(balance), int(total)


def test_top_up_pay_43_50_from_the_wallet_then_return_part(client, app, world_a, token_a, jan, points_on):
    _top_up(client, token_a, jan["id"], 20000)
    # 43,50 zł: 2 x 12,50 zł and 18,50 zł, paid from the wallet; 1 point per zł -> 43 points.
    sale = post(client, token_a, receipt("R-1", customer=CARD, method="wallet",
                                         lines=[line("1", "2", 1250), line("2", "1", 1850)]))
    assert sale.status_code == 201, sale.get_json()
    body = sale.get_json()
    assert body["wallet"] == {"balance": 20000 - 4350} and body["points"]["earned"] == 43
    assert _wallet(app, world_a, jan["id"]) == (15650, 15650)
    # One of the two 12,50 zł lines back, to the wallet: 43,50 - 12,50 = 31,00 earns 31, so 12 go back.
    ret = post(client, token_a, {**refund("Z-1", lines=[back("a", "1", "1", 1250)]),
                                 "payments": [{"method": "wallet", "amount": 1250}]})
    assert ret.status_code == 201, ret.get_json()
    assert ret.get_json()["wallet"] == {"balance": 15650 + 1250} and ret.get_json()["points"]["reversed"] == 12
    assert _wallet(app, world_a, jan["id"]) == (16900, 16900)
    assert balance_and_sum(app, world_a, jan["id"]) == (31, 31)
    with app.app_context(), as_tenant(world_a):
        entries = db.session.execute(select(WalletEntry.kind, WalletEntry.amount, WalletEntry.document_id)
                                     .order_by(WalletEntry.id)).all()
        ids = dict(db.session.execute(select(Document.number, Document.id)).all())
    assert [tuple(e) for e in entries] == [("top_up", 20000, None), ("payment", -4350, ids["R-1"]),
                                           ("refund", 1250, ids["Z-1"])]


def test_a_sale_the_wallet_cannot_cover_records_nothing(client, app, world_a, token_a, jan, points_on):
    _top_up(client, token_a, jan["id"], 1000)
    resp = post(client, token_a, receipt("R-9", customer=CARD, method="wallet", lines=[line("1", "1", 4350)]))
    assert resp.status_code == 409
    error = resp.get_json()["error"]
    assert (error["code"], error["balance"]) == ("insufficient_funds", 1000)
    with app.app_context(), as_tenant(world_a):  # no document, no points, the wallet untouched
        assert db.session.query(Document).count() == 0
        assert db.session.get(Customer, jan["id"]).points_balance == 0
    assert _wallet(app, world_a, jan["id"]) == (1000, 1000)


def test_a_wallet_payment_without_a_customer_is_refused(client, token_a):
    resp = post(client, token_a, receipt("R-8", method="wallet"))
    assert (resp.status_code, resp.get_json()["error"]["field"]) == (422, "payments")


@pytest.mark.pg_only
def test_tills_paying_from_one_wallet_at_once_never_overdraw_it(app, world_a, token_a, jan, points_on):
    """Ten 30,00 zł sales at once against 100,00 zł: exactly three are recorded."""
    _top_up(app.test_client(), token_a, jan["id"], 10000)

    def attempt(i):
        return post(app.test_client(), token_a, receipt(f"R-{i}", customer=CARD, method="wallet",
                                                        lines=[line("1", "1", 3000)])).status_code

    assert sorted(all_at_once(10, attempt)) == [201] * 3 + [409] * 7
    assert _wallet(app, world_a, jan["id"]) == (1000, 1000)
    with app.app_context(), as_tenant(world_a):
        assert db.session.query(Document).count() == 3
    assert balance_and_sum(app, world_a, jan["id"]) == (90, 90)


def test_a_sale_whose_discounts_differ_from_the_customers_rules_is_flagged(client, app, world_a, token_a, jan):
    with app.app_context(), as_tenant(world_a):
        regulars = f.discount("Stali goście -5%", percent="5", selectable=False)
        f.group("Stali goście", discounts=[regulars], members=[db.session.get(Customer, jan["id"])])
        db.session.commit()
    # The rules give 5% of 40,00 zł = 2,00 zł: a till that charged 40,00 zł is flagged...
    missed = post(client, token_a, receipt("R-1", customer=CARD, lines=[line("1", "4", 1000)]))
    assert missed.status_code == 201 and missed.get_json()["flags"] == ["discount_mismatch"]
    # ... one that charged 38,00 zł is not.
    right = post(client, token_a, receipt("R-2", customer=CARD, lines=[line("1", "4", 1000, final=3800)]))
    assert right.status_code == 201 and right.get_json()["flags"] == []
    with app.app_context(), as_tenant(world_a):
        flagged = db.session.scalar(select(Document).where(Document.number == "R-1"))
        assert (flagged.total, flagged.expected_total, flagged.discount_mismatch) == (4000, 3800, True)


def test_a_staff_pick_the_pos_applied_is_part_of_the_expected_price(client, app, world_a, token_a):
    with app.app_context(), as_tenant(world_a):
        ten = f.discount("Staff -10%", percent="10")
        db.session.commit()
        ten_id = ten.id
    adjustments = [{"layer": "bill_discount", "source": {"type": "staff"}, "discount_id": ten_id, "amount": -100}]
    resp = post(client, token_a, receipt("R-3", lines=[line("1", "1", 1000, final=900, adjustments=adjustments)]))
    assert resp.status_code == 201 and resp.get_json()["flags"] == []


def test_a_sale_that_crosses_gold_gives_gold_at_once_and_the_next_quote_has_golds_prices(
        client, app, world_a, token_a, jan):
    from datetime import datetime, timezone

    from panel.models import LoyaltySettings

    with app.app_context(), as_tenant(world_a):
        gold_off = f.discount("Gold -10%", percent="10", selectable=False)
        db.session.add(LoyaltySettings(evaluate=True))
        f.tier("Gold", discounts=[gold_off]).threshold = 50000
        db.session.commit()
    today = datetime.now(timezone.utc)
    first = post(client, token_a, receipt("R-1", customer=CARD, at=today, lines=[line("1", "1", 30000)]))
    assert first.get_json()["tier"] is None
    second = post(client, token_a, receipt("R-2", customer=CARD, at=today, lines=[line("1", "1", 25000)]))
    assert second.get_json()["tier"]["name"] == "Gold"  # 550,00 zł in the period: Gold from tonight
    quote = client.post("/api/v1/bills/quote", headers=token_a.headers, json={
        "customer": CARD, "lines": [{"line_id": "1", "quantity": "1", "unit_price": 10000}]}).get_json()
    assert quote["customer"]["tier"]["name"] == "Gold" and quote["totals"]["total"] == 9000


def test_the_card_scan_and_the_terminal_show_the_points(client, app, world_a, token_a, jan, staff_a, points_on):
    post(client, token_a, receipt("R-1", customer=CARD, lines=[line("1", "1", 4350)]))
    scan = client.get(f"/api/v1/cards/{CARD['card_code']}", headers=token_a.headers).get_json()
    assert scan["points"] == {"balance": 43}
    page = staff_a.get(f"/terminal/lookup?customer_id={jan['id']}").get_data(as_text=True)
    assert "Points: <strong>43</strong>" in page
