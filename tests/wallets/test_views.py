"""The panel's wallet pages: the Wallet tab, top-up with its confirmation, adjustment, reversal,
bonus rules, and what other pages show of wallets (list filter, dashboard, health, terminal)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from panel.extensions import db
from panel.models import Customer, WalletBonusRule, WalletEntry
from panel.services import wallets as w
from panel.services.wallets import reconcile

from ..cards.factories import UID_DEC_LE, make_card, make_customer
from ..conftest import HX, as_tenant


@pytest.fixture
def jan(app, world_a) -> int:
    with app.app_context(), as_tenant(world_a):
        c = make_customer("Jan", "Kosmowski")
        make_card(c, UID_DEC_LE)
        db.session.commit()
        return c.id


def _tab(client, customer_id) -> str:
    r = client.get(f"/customers/{customer_id}?tab=wallet")
    assert r.status_code == 200
    return r.text


def _key(page: str, form_id: str) -> str:
    form = page[page.index(f'id="{form_id}"'):]
    return re.search(r'name="key" value="([0-9a-f]+)"', form).group(1)


def _entries(app, world) -> list[tuple[str, int]]:
    with app.app_context(), as_tenant(world):
        return [(e.kind, e.amount) for e in db.session.scalars(select(WalletEntry).order_by(WalletEntry.id))]


def _balance(app, world, customer_id) -> int:
    with app.app_context(), as_tenant(world):
        return w.wallet_of(db.session.get(Customer, customer_id)).balance


def test_top_up_as_people_type_it_then_the_confirmation(app, staff_a, world_a, jan):
    page = _tab(staff_a, jan)
    assert "wallet-top-up" in page and "wallet-adjust" not in page  # staff tops up, managers adjust
    r = staff_a.post(f"/wallets/customers/{jan}/top-up",
                     data={"amount": "1 234,50", "method": "card", "key": _key(page, "wallet-top-up")})
    assert r.status_code == 303 and "/confirmation" in r.headers["Location"]
    receipt = staff_a.get(r.headers["Location"]).text
    for text in ("Bistro Alfa", "Jan Kosmowski", "1,234.50", "Card", "Staff Bistro Alfa", "Top-up confirmation"):
        assert text in receipt
    assert _entries(app, world_a) == [("top_up", 123450)]


@pytest.mark.parametrize("typed", ["200", "200,00", "200.00", "200 zł"])
def test_amount_spellings(app, staff_a, world_a, jan, typed):
    staff_a.post(f"/wallets/customers/{jan}/top-up", data={"amount": typed, "method": "cash", "key": "k" + str(len(typed))})
    assert _balance(app, world_a, jan) == 20000


def test_a_double_submit_tops_up_once(app, staff_a, world_a, jan):
    key = _key(_tab(staff_a, jan), "wallet-top-up")
    first = staff_a.post(f"/wallets/customers/{jan}/top-up", data={"amount": "200", "method": "cash", "key": key})
    second = staff_a.post(f"/wallets/customers/{jan}/top-up", data={"amount": "200", "method": "cash", "key": key},
                          headers=HX)
    assert second.status_code == 204 and second.headers["HX-Redirect"].endswith(first.headers["Location"])
    assert _entries(app, world_a) == [("top_up", 20000)]
    # Each rendered form has a key of its own: the next top-up is a new one.
    assert _key(_tab(staff_a, jan), "wallet-top-up") != key


@pytest.mark.parametrize("typed, message", [
    ("12,3456", "two decimal places"), ("abc", "such as 200"), ("", "Enter the amount"), ("-5", "greater than zero"),
    ("0", "greater than zero")])
def test_a_bad_amount_is_422_with_what_was_typed(app, staff_a, world_a, jan, typed, message):
    r = staff_a.post(f"/wallets/customers/{jan}/top-up", data={"amount": typed, "method": "card", "key": "abc123"},
                     headers=HX)
    assert r.status_code == 422 and message in r.text
    assert f'value="{typed}"' in r.text and 'value="card" checked' in r.text and 'value="abc123"' in r.text
    full = staff_a.post(f"/wallets/customers/{jan}/top-up", data={"amount": typed, "method": "card", "key": "abc1"})
    assert full.status_code == 422 and "Jan Kosmowski" in full.text and message in full.text
    assert _entries(app, world_a) == []


def test_adjustment_is_for_managers_with_a_reason(app, staff_a, manager_a, world_a, jan):
    with app.app_context(), as_tenant(world_a):
        w.top_up(db.session.get(Customer, jan), 5000, "cash")
        db.session.commit()
    assert staff_a.post(f"/wallets/customers/{jan}/adjust", data={"amount": "-10", "reason": "x"}).status_code == 403
    page = _tab(manager_a, jan)
    r = manager_a.post(f"/wallets/customers/{jan}/adjust", data={"amount": "-10,50", "reason": "", "key": "a1"},
                       headers=HX)
    assert r.status_code == 422 and "Say why" in r.text and 'value="-10,50"' in r.text
    r = manager_a.post(f"/wallets/customers/{jan}/adjust", data={"amount": "-60", "reason": "payout", "key": "a2"},
                       headers=HX)
    assert r.status_code == 422 and "Not enough money" in r.text and 'value="payout"' in r.text
    r = manager_a.post(f"/wallets/customers/{jan}/adjust",
                       data={"amount": "-10,50", "reason": "wrong top-up", "key": _key(page, "wallet-adjust")})
    assert r.status_code == 303
    assert _balance(app, world_a, jan) == 3950
    assert "wrong top-up" in _tab(manager_a, jan)


def test_reversal_by_a_manager(app, staff_a, manager_a, world_a, jan):
    with app.app_context(), as_tenant(world_a):
        entry_id = w.top_up(db.session.get(Customer, jan), 5000, "cash").entry.id
        db.session.commit()
    url = f"/wallets/customers/{jan}/entries/{entry_id}/reverse"
    assert staff_a.post(url).status_code == 403
    assert "Reverse the entry" in _tab(manager_a, jan)
    assert manager_a.post(url, data={"reason": "mistake"}).status_code == 303
    assert manager_a.post(url).status_code == 303   # a second time: answered, not repeated
    assert _entries(app, world_a) == [("top_up", 5000), ("reversal", -5000)]
    page = _tab(manager_a, jan)
    assert "reversed" in page and "Reverses #%d" % entry_id in page


def test_ledger_pages_with_running_balance(app, staff_a, world_a, jan):
    with app.app_context(), as_tenant(world_a):
        c = db.session.get(Customer, jan)
        for _n in range(30):
            w.top_up(c, 100, "cash")
        db.session.commit()
    page = _tab(staff_a, jan)
    assert page.count('id="wallet-entry-') == 25 and "Older entries" in page and "30.00" in page
    older = re.search(r'href="([^"]*before=\d+)"', page).group(1).replace("&amp;", "&")
    rest = staff_a.get(older).text
    assert rest.count('id="wallet-entry-') == 5 and "Newest" in rest


def test_confirmation_of_another_customers_entry_is_404(app, staff_a, world_a, jan):
    with app.app_context(), as_tenant(world_a):
        other = make_customer("Ewa", "Nowak")
        entry_id = w.top_up(other, 100, "cash").entry.id
        db.session.commit()
    assert staff_a.get(f"/wallets/customers/{jan}/entries/{entry_id}/confirmation").status_code == 404


def test_bonus_rules_settings(app, manager_a, staff_a, world_a):
    assert staff_a.get("/wallets/bonus-rules").status_code == 403
    assert manager_a.post("/wallets/bonus-rules", data={"min_amount": "100", "bonus": "10", "kind": "amount"}
                          ).status_code == 303
    assert manager_a.post("/wallets/bonus-rules", data={"min_amount": "200", "bonus": "7,5", "kind": "percent"}
                          ).status_code == 303
    r = manager_a.post("/wallets/bonus-rules", data={"min_amount": "100", "bonus": "5", "kind": "amount"}, headers=HX)
    assert r.status_code == 422 and "exists already" in r.text and 'value="5"' in r.text
    r = manager_a.post("/wallets/bonus-rules", data={"min_amount": "50", "bonus": "150", "kind": "percent"}, headers=HX)
    assert r.status_code == 422 and "at most 100" in r.text
    page = manager_a.get("/wallets/bonus-rules").text
    assert "7.5 %" in page and "100.00" in page
    with app.app_context(), as_tenant(world_a):
        rule_id = db.session.scalar(select(WalletBonusRule.id).where(WalletBonusRule.min_amount == 10000))
    assert manager_a.post(f"/wallets/bonus-rules/{rule_id}/delete").status_code == 303
    with app.app_context(), as_tenant(world_a):
        assert db.session.scalar(select(func.count()).select_from(WalletBonusRule)) == 1


def test_list_filter_dashboard_health_and_terminal(app, owner_a, world_a, jan):
    with app.app_context(), as_tenant(world_a):
        make_customer("Ewa", "Nowak")
        w.top_up(db.session.get(Customer, jan), 4350, "cash")
        reconcile.reconcile_tenant()
        db.session.commit()
    with_money = owner_a.get("/customers/?wallet=yes").text
    assert "Kosmowski" in with_money and "Nowak" not in with_money
    without = owner_a.get("/customers/?wallet=no").text
    assert "Nowak" in without and "Kosmowski" not in without
    assert "43.50" in owner_a.get("/").text
    assert "every balance equals its ledger" in owner_a.get("/settings/health").text
    scan = owner_a.get(f"/terminal/lookup?q={UID_DEC_LE}").text
    assert "Wallet" in scan and "43.50" in scan


def test_erase_page_says_to_pay_out_first(app, manager_a, world_a, jan):
    with app.app_context(), as_tenant(world_a):
        w.top_up(db.session.get(Customer, jan), 1000, "cash")
        db.session.commit()
    r = manager_a.post(f"/customers/{jan}/erase", data={"confirmation": str(jan)})
    assert r.status_code == 422 and "Pay it out first" in r.text


def test_merge_preview_and_history_say_the_wallet_money_as_money(app, manager_a, world_a, jan):
    with app.app_context(), as_tenant(world_a):
        other = make_customer("Jan", "Kosmowsky")
        w.top_up(other, 2000, "cash")
        db.session.commit()
        other_id = other.id
    preview = manager_a.get(f"/customers/{jan}/merge?other={other_id}").text
    assert "Wallet money: <strong>PLN20.00</strong>" in preview
    from panel.services import customers
    with app.app_context(), as_tenant(world_a):
        customers.merge(db.session.get(Customer, jan), db.session.get(Customer, other_id))
        db.session.commit()
    assert f"#{other_id} → #{jan}: Wallet money: PLN20.00" in manager_a.get("/").text
    assert _balance(app, world_a, jan) == 2000


def _pay(client, customer_id, amount, key="pay-1"):
    return client.post("/terminal/pay", data={"customer_id": customer_id, "amount": amount, "key": key})


def test_the_terminal_takes_a_typed_payment_from_the_wallet_as_a_receipt(app, staff_a, world_a, jan):
    from panel.models import Document, DocumentPayment

    with app.app_context(), as_tenant(world_a):
        w.top_up(db.session.get(Customer, jan), 20000, "cash")
        db.session.commit()
    page = staff_a.get(f"/terminal/lookup?customer_id={jan}").get_data(as_text=True)
    assert 'action="/terminal/pay"' in page
    resp = _pay(staff_a, jan, "43,50")
    assert resp.status_code == 303 and f"customer_id={jan}" in resp.headers["Location"]
    assert _pay(staff_a, jan, "43,50").status_code == 303  # a double submit pays once
    assert _balance(app, world_a, jan) == 20000 - 4350
    with app.app_context(), as_tenant(world_a):
        receipt = db.session.scalar(select(Document))
        assert (receipt.type, receipt.register_id, receipt.total, receipt.discount_mismatch) == (
            "receipt", "panel-terminal", 4350, False)
        assert db.session.scalar(select(DocumentPayment.method)) == "wallet"
        assert db.session.scalar(select(WalletEntry.document_id).where(WalletEntry.kind == "payment")) == receipt.id


@pytest.mark.parametrize("typed, message", [("500", "Not enough money"), ("4x", ""), ("0", "greater than zero")])
def test_a_terminal_payment_the_wallet_cannot_take_is_422_with_what_was_typed(app, staff_a, world_a, jan, typed,
                                                                              message):
    with app.app_context(), as_tenant(world_a):
        w.top_up(db.session.get(Customer, jan), 10000, "cash")
        db.session.commit()
    resp = _pay(staff_a, jan, typed)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and f'value="{typed}"' in page and message in page
    assert _balance(app, world_a, jan) == 10000
