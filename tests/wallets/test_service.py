"""The wallet service: movements, idempotency, bonus rules, reversals, merge and erase."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from panel.extensions import db
from panel.models import Wallet, WalletEntry
from panel.services import ServiceError, customers
from panel.services import wallets as w
from panel.services.wallets import reconcile

from ..cards.factories import make_customer
from ..conftest import as_tenant
from .conftest import make_document


@pytest.fixture
def scoped(app, world_a, ctx):
    with as_tenant(world_a):
        yield world_a


def ledger(customer) -> list[tuple[str, int, int]]:
    wallet = w.wallet_of(customer)
    return [(e.kind, e.amount, e.balance_after) for e in
            db.session.scalars(select(WalletEntry).where(WalletEntry.wallet_id == wallet.id).order_by(WalletEntry.id))]


def assert_invariant(tenant_id: int) -> None:
    assert reconcile.breaks(reconcile.figures(tenant_id)) == []


def test_top_up_pay_refund_keep_the_ledger_and_balance_together(scoped):
    c = make_customer()
    moved = w.top_up(c, 20000, "cash")
    assert (moved.balance, moved.entry.kind, moved.entry.method) == (20000, "top_up", "cash")
    assert w.wallet_of(c).currency == "PLN"
    assert w.pay(c, 4350).balance == 15650
    assert w.refund(c, 350, reason="zwrot").balance == 16000
    db.session.commit()
    assert ledger(c) == [("top_up", 20000, 20000), ("payment", -4350, 15650), ("refund", 350, 16000)]
    assert w.wallet_of(c).balance == 16000
    assert_invariant(scoped.tenant_id)


def test_payment_beyond_the_balance_is_refused_with_it_and_moves_nothing(scoped):
    c = make_customer()
    w.top_up(c, 1000, "card")
    with pytest.raises(ServiceError) as e:
        w.pay(c, 1001)
    assert (e.value.code, e.value.details) == ("insufficient_funds", {"balance": 1000})
    with pytest.raises(ServiceError) as e:
        w.pay(make_customer("Ewa", "Nowak"), 1)
    assert (e.value.code, e.value.details) == ("insufficient_funds", {"balance": 0})
    assert ledger(c) == [("top_up", 1000, 1000)]


@pytest.mark.parametrize("amount", [0, -5, 10**13, True, "100"])
def test_amounts_that_are_not_a_positive_integer_are_refused(scoped, amount):
    with pytest.raises(ServiceError) as e:
        w.top_up(make_customer(), amount, "cash")
    assert e.value.field == "amount"


def test_unknown_top_up_method_is_refused(scoped):
    with pytest.raises(ServiceError) as e:
        w.top_up(make_customer(), 100, "voucher")
    assert e.value.field == "method"


def test_a_replayed_key_returns_the_first_entry_and_another_amount_is_refused(scoped):
    c = make_customer()
    first = w.top_up(c, 5000, "cash", key="k-1")
    again = w.top_up(c, 5000, "cash", key="k-1")
    assert again.replayed and again.entry.id == first.entry.id and again.balance == 5000
    w.pay(c, 1000, key="p-1")
    w.pay(c, 4000)
    # The money is gone, yet the replay of the payment answers its first run.
    replay = w.pay(c, 1000, key="p-1")
    assert replay.replayed and replay.balance == 4000
    with pytest.raises(ServiceError) as e:
        w.top_up(c, 5001, "cash", key="k-1")
    assert e.value.code == "idempotency_key_reused"
    with pytest.raises(ServiceError) as e:
        w.refund(c, 5000, key="k-1")
    assert e.value.code == "idempotency_key_reused"
    assert [k for k, *_ in ledger(c)] == ["top_up", "payment", "payment"]


def test_bonus_rules_the_best_reached_rule_applies_as_its_own_entry(scoped):
    w.add_rule(10000, 1000, None)              # from 100 zł: +10 zł
    w.add_rule(20000, None, Decimal("7.5"))    # from 200 zł: +7.5 %
    c = make_customer()
    assert [e.kind for e in w.top_up(c, 9999, "cash").entries] == ["top_up"]
    moved = w.top_up(c, 10000, "cash")
    assert [(e.kind, e.amount, e.related_entry_id) for e in moved.entries] == [
        ("top_up", 10000, None), ("top_up_bonus", 1000, moved.entry.id)]
    assert w.top_up(c, 20000, "card").entries[1].amount == 1500      # 7.5 % beats 10 zł
    assert w.top_up(c, 13000, "card").entries[1].amount == 1000
    assert ledger(c)[-1][2] == 9999 + 11000 + 21500 + 14000
    # A replay of a top-up with a bonus answers both entries and moves nothing.
    first = w.top_up(c, 10000, "cash", key="b")
    again = w.top_up(c, 10000, "cash", key="b")
    assert [e.id for e in again.entries] == [e.id for e in first.entries] and again.balance == first.balance
    assert_invariant(scoped.tenant_id)


def test_bonus_for_is_the_most_any_reached_rule_gives():
    rules = [w.Rule(10000, 1000), w.Rule(20000, None, Decimal("5")), w.Rule(50000, 2000)]
    assert [w.bonus_for(a, rules) for a in (0, 9999, 10000, 19999, 20000, 40000, 50000, 60000)] == [
        0, 0, 1000, 1000, 1000, 2000, 2500, 3000]
    assert w.bonus_for(20001, [w.Rule(1, None, Decimal("0.5"))]) == 100  # 100.005 rounds half up


def test_bonus_rule_checks(scoped):
    w.add_rule(10000, 500, None)
    for args, field in [((10000, 100, None), "min_amount"), ((0, 100, None), "min_amount"),
                        ((5000, None, None), "bonus"), ((5000, 1, Decimal("1")), "bonus"),
                        ((5000, None, Decimal("101")), "bonus")]:
        with pytest.raises(ServiceError) as e:
            w.add_rule(*args)
        assert e.value.field == field


def test_reversing_a_top_up_takes_its_bonus_back_first(scoped):
    w.add_rule(10000, 1000, None)
    c = make_customer()
    top = w.top_up(c, 10000, "cash").entry
    moved = w.reverse(top, "pomyłka")
    assert [(e.kind, e.amount, e.reverses_entry_id) for e in moved.entries] == [
        ("reversal", -1000, top.id + 1), ("reversal", -10000, top.id)]
    assert moved.balance == 0
    again = w.reverse(top)
    assert again.replayed and db.session.scalar(select(func.count()).select_from(WalletEntry)) == 4
    assert_invariant(scoped.tenant_id)


def test_reversal_refused_when_the_money_is_spent_and_for_unreversible_entries(scoped):
    c = make_customer()
    top = w.top_up(c, 10000, "cash").entry
    pay = w.pay(c, 6000).entry
    with pytest.raises(ServiceError) as e:
        w.reverse(top)
    assert e.value.code == "insufficient_funds"
    back = w.reverse(pay)
    assert back.balance == 10000 and back.entry.amount == 6000
    with pytest.raises(ServiceError) as e:
        w.reverse(back.entry)
    assert e.value.code == "not_reversible"
    doc = w.pay(c, 100, document_id=make_document(c, 100).id).entry
    with pytest.raises(ServiceError) as e:
        w.reverse(doc)
    assert e.value.code == "not_reversible"


def test_adjustment_needs_a_reason_and_goes_down_to_zero_not_below(scoped):
    c = make_customer()
    w.top_up(c, 500, "cash")
    with pytest.raises(ServiceError) as e:
        w.adjust(c, -100, "  ")
    assert e.value.field == "reason"
    with pytest.raises(ServiceError) as e:
        w.adjust(c, -501, "korekta")
    assert e.value.code == "insufficient_funds"
    assert w.adjust(c, -500, "wypłata gotówką").balance == 0
    assert w.adjust(c, 250, "rekompensata").balance == 250


def test_merge_moves_the_money_by_transfer_entries(scoped):
    survivor, other = make_customer("Jan", "Kowalski"), make_customer("Jan", "Kowalsky")
    w.top_up(survivor, 1000, "cash")
    w.top_up(other, 2500, "card")
    w.pay(other, 500)
    plan = customers.merge_plan(survivor, other)
    assert dict((m.key, n) for m, n in plan.moves)["wallet"] == 2000
    figures = customers.merge(survivor, other)
    db.session.commit()
    assert figures["moved"]["wallet"] == 2000
    assert ledger(other) == [("top_up", 2500, 2500), ("payment", -500, 2000), ("transfer_out", -2000, 0)]
    assert ledger(survivor) == [("top_up", 1000, 1000), ("transfer_in", 2000, 3000)]
    out_id = db.session.scalar(select(WalletEntry.id).where(WalletEntry.kind == "transfer_out"))
    assert db.session.scalar(select(WalletEntry.related_entry_id).where(WalletEntry.kind == "transfer_in")) == out_id
    assert_invariant(scoped.tenant_id)


def test_merge_of_a_customer_without_a_wallet_moves_nothing(scoped):
    survivor, other = make_customer("Jan", "Kowalski"), make_customer("Jan", "Kowalsky")
    assert customers.merge(survivor, other)["moved"]["wallet"] == 0
    assert db.session.scalar(select(func.count()).select_from(Wallet)) == 0


def test_erase_is_refused_while_the_wallet_holds_money(scoped):
    c = make_customer()
    w.top_up(c, 1500, "cash")
    db.session.commit()
    with pytest.raises(ServiceError) as e:
        customers.erase(c, str(c.id))
    assert e.value.code == "wallet_not_empty" and "adjustment" in e.value.message
    db.session.rollback()
    w.adjust(c, -1500, "wypłata przed usunięciem danych")
    customers.erase(c, str(c.id))
    db.session.commit()
    assert c.erased_at is not None and w.wallet_of(c).balance == 0
    with pytest.raises(ServiceError):  # an erased customer's wallet takes no more money
        w.top_up(c, 100, "cash")


def test_reconciliation_finds_every_kind_of_break():
    F = reconcile.Figures
    assert reconcile.breaks([F(1, 100, 100, 0), F(2, 0, 0, 0)]) == []
    assert [b.problem for b in reconcile.breaks([F(1, 100, 90, 0), F(2, -1, -1, 0), F(3, 5, 5, 2)])] == [
        "sum_differs", "negative", "chain"]


def test_the_scheduled_reconciliation_records_its_run(scoped):
    c = make_customer()
    w.top_up(c, 700, "cash")
    w.pay(c, 200)
    result = reconcile.reconcile_tenant()
    assert result == {"wallets": 1, "breaks": []}
    # A balance written behind the service's back is a break the check reports.
    db.session.execute(Wallet.__table__.update().values(balance=999))
    assert reconcile.reconcile_tenant()["breaks"][0]["problem"] == "sum_differs"
    assert reconcile.last_run().result["breaks"][0]["balance"] == 999
