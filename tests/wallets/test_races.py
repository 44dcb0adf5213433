"""The invariant under real concurrency: threads with their own connections hitting one wallet.

On PostgreSQL the guarded UPDATE and the wallet's row lock do the work; on SQLite BEGIN
IMMEDIATE serialises the writers. Both run here (the SQLite pass with the same assertions).
"""
from __future__ import annotations

from sqlalchemy import func, select

from panel.extensions import db
from panel.models import Wallet, WalletEntry
from panel.services import ServiceError
from panel.services import wallets as w
from panel.services.wallets import reconcile
from panel.tenancy import tenant_scope

from ..cards.factories import make_customer
from ..concurrency import all_at_once

THREADS = 16


def _customer_with(app, world, amount: int) -> int:
    with app.app_context(), tenant_scope(world.tenant_id):
        c = make_customer()
        if amount:
            w.top_up(c, amount, "cash")
        db.session.commit()
        return c.id


def _in_tenant(app, world, fn):
    """fn(customer) in a request-like unit of work of its own: its own session, committed once."""
    from panel.models import Customer

    def run(customer_id, *args):
        with app.app_context(), tenant_scope(world.tenant_id):
            try:
                result = fn(db.session.get(Customer, customer_id), *args)
                db.session.commit()
                return result
            except BaseException:
                db.session.rollback()
                raise
    return run


def _state(app, world, customer_id: int):
    with app.app_context(), tenant_scope(world.tenant_id):
        wallet = db.session.scalar(select(Wallet).where(Wallet.customer_id == customer_id))
        kinds = dict(db.session.execute(select(WalletEntry.kind, func.count()).where(
            WalletEntry.wallet_id == wallet.id).group_by(WalletEntry.kind)).all())
        total = db.session.scalar(select(func.sum(WalletEntry.amount)).where(WalletEntry.wallet_id == wallet.id))
        assert reconcile.breaks(reconcile.figures(world.tenant_id)) == []
        return wallet.balance, int(total), kinds


def test_sixteen_threads_paying_from_one_wallet_that_covers_half(app, world_a):
    per_thread, amount = 25, 300
    start = THREADS * per_thread * amount // 2 + 100       # covers exactly 200 of the 400, leaves 1 zł
    cid = _customer_with(app, world_a, start)
    pay = _in_tenant(app, world_a, lambda c: w.pay(c, amount).balance)

    def attempt(_i):
        outcomes = []
        for _n in range(per_thread):
            try:
                outcomes.append(pay(cid))
            except ServiceError as e:
                assert e.code == "insufficient_funds" and 0 <= e.details["balance"] < amount
                outcomes.append(None)
        return outcomes

    results = all_at_once(THREADS, attempt)
    assert not [r for r in results if isinstance(r, Exception)], results
    successes = sum(1 for r in results for o in r if o is not None)
    balance, total, kinds = _state(app, world_a, cid)
    assert successes == (start - 100) // amount == 200
    assert balance == start - successes * amount == total == 100
    assert kinds == {"top_up": 1, "payment": successes}
    # Every balance a success saw is distinct: each payment came after the one before it.
    seen = sorted(o for r in results for o in r if o is not None)
    assert seen == list(range(100, start - amount + 1, amount))


def test_a_replay_storm_of_one_key_moves_the_money_once(app, world_a):
    cid = _customer_with(app, world_a, 10000)
    pay = _in_tenant(app, world_a, lambda c: (lambda m: (m.entry.id, m.balance, m.replayed))(
        w.pay(c, 2500, key="till-7:receipt-1")))
    results = all_at_once(THREADS, lambda _i: pay(cid))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert {(entry_id, balance) for entry_id, balance, _replayed in results} == {(results[0][0], 7500)}
    assert sum(1 for *_rest, replayed in results if not replayed) == 1
    balance, total, kinds = _state(app, world_a, cid)
    assert (balance, total, kinds) == (7500, 7500, {"top_up": 1, "payment": 1})


def test_a_top_up_storm_with_a_bonus_tops_up_once(app, world_a):
    with app.app_context(), tenant_scope(world_a.tenant_id):
        w.add_rule(5000, 500, None)
        db.session.commit()
    cid = _customer_with(app, world_a, 0)
    top_up = _in_tenant(app, world_a, lambda c: [e.id for e in w.top_up(c, 5000, "card", key="k").entries])
    results = all_at_once(THREADS, lambda _i: top_up(cid))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({tuple(r) for r in results}) == 1 and len(results[0]) == 2
    assert _state(app, world_a, cid) == (5500, 5500, {"top_up": 1, "top_up_bonus": 1})


def test_payments_and_top_ups_at_once_never_break_the_invariant(app, world_a):
    cid = _customer_with(app, world_a, 5000)
    pay = _in_tenant(app, world_a, lambda c, n: w.pay(c, 700 + n))
    top_up = _in_tenant(app, world_a, lambda c, n: w.top_up(c, 300 + n, "cash"))

    def attempt(i):
        done = 0
        for n in range(15):
            try:
                (pay if (i + n) % 3 else top_up)(cid, n)
                done += 1
            except ServiceError as e:
                assert e.code == "insufficient_funds"
        return done

    results = all_at_once(THREADS, attempt)
    assert not [r for r in results if isinstance(r, Exception)], results
    balance, total, _kinds = _state(app, world_a, cid)
    assert balance == total >= 0


def test_two_reversals_of_one_top_up_at_once_reverse_it_once(app, world_a):
    cid = _customer_with(app, world_a, 4000)
    with app.app_context(), tenant_scope(world_a.tenant_id):
        entry_id = db.session.scalar(select(WalletEntry.id))

    def reverse(_i):
        with app.app_context(), tenant_scope(world_a.tenant_id):
            try:
                moved = w.reverse(db.session.get(WalletEntry, entry_id), "race")
                db.session.commit()
                return moved.replayed
            except ServiceError as e:
                db.session.rollback()
                return e.code

    results = all_at_once(8, reverse)
    assert sorted(map(str, results)).count("False") == 1, results
    assert set(map(str, results)) == {"False", "True"}  # the others answer the first reversal
    assert _state(app, world_a, cid) == (0, 0, {"top_up": 1, "reversal": 1})


def test_payments_racing_a_merge_lose_no_money(app, world_a):
    """Payments from the merged record's wallet while the merge moves its money: every grosz
    ends up either paid or in the survivor's wallet, by entries."""
    from panel.models import Customer
    from panel.services import customers

    survivor = _customer_with(app, world_a, 1000)
    other = _customer_with(app, world_a, 8000)
    pay = _in_tenant(app, world_a, lambda c: w.pay(c, 500).balance)

    def merge():
        with app.app_context(), tenant_scope(world_a.tenant_id):
            moved = customers.merge(db.session.get(Customer, survivor), db.session.get(Customer, other))
            db.session.commit()
            return moved["moved"]["wallet"]

    def attempt(i):
        if i == 0:
            return merge()
        outcomes = []
        for _n in range(4):
            try:
                pay(other)
                outcomes.append(500)
            except ServiceError as e:
                assert e.code == "insufficient_funds", e.code
        return sum(outcomes)

    results = all_at_once(8, attempt)
    assert not [r for r in results if isinstance(r, Exception)], results
    transferred, paid = results[0], sum(results[1:])
    assert paid + transferred == 8000
    assert _state(app, world_a, other)[:2] == (0, 0)
    assert _state(app, world_a, survivor)[:2] == (1000 + transferred, 1000 + transferred)
