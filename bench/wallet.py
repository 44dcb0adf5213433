"""Wallet payments at once: N threads x M payments of random amounts against ONE wallet whose
balance covers about half of them, through the wallet service over real PostgreSQL connections.

    python -m bench.wallet [--threads 16] [--payments 50] [--seed 1]

Each thread is a unit of work of its own (app context, session, its own pooled connection) and
commits each payment, as a request would. Each payment is made as a sales document will make it
(with a document number, so without an audit entry of its own: the document is the record). Payments over HTTP arrive with the sales documents
API (a document's `wallet` payment is one call of services.wallets.pay in the document's
transaction); until then this drives the service, which is where the guarded statement lives.

Uses its own database, regulars_bench_wallet (created, migrated, dropped at the end; no other
database is touched). Prints payments/s, how many succeeded and were refused, and checks:
final balance == start - sum(successful amounts) == sum(entries), never below zero, every
refused amount larger than the final balance (each refusal saw less than it asked), and the
reconciliation finds no break. Figures only: timings are not asserted.
"""
from __future__ import annotations

import argparse
import random
import sys
import threading
import time

import psycopg
from sqlalchemy import func, select

from panel import create_app
from panel.extensions import db
from panel.models import Customer, Document, Wallet, WalletEntry
from panel.models.base import utcnow
from panel.services import ServiceError, accounts, wallets
from panel.services import customers as customer_service
from panel.services.wallets import reconcile
from panel.tenancy import tenant_scope

DB_NAME = "regulars_bench_wallet"


def _admin(url: str, sql: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


def commit_ms(dsn: str, n: int = 100) -> float:
    """The median time of a one-row INSERT + COMMIT on this server (its WAL flush): the floor of a
    payment, which holds its wallet's row until its commit is durable."""
    times = []
    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE TABLE bench_commit (x int)")
        conn.commit()
        for i in range(n):
            t0 = time.perf_counter()
            conn.execute("INSERT INTO bench_commit VALUES (%s)", (i,))
            conn.commit()
            times.append((time.perf_counter() - t0) * 1000)
    return sorted(times)[n // 2]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=16)
    ap.add_argument("--payments", type=int, default=50, help="payments per thread")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--switch-interval", type=float, default=0.0002, help="sys.setswitchinterval for the threads")
    ap.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = ap.parse_args()

    _admin(args.admin_url, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    _admin(args.admin_url, f'CREATE DATABASE "{DB_NAME}"')
    url = args.admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + "/" + DB_NAME
    try:
        run(url, args)
    finally:
        _admin(args.admin_url, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def run(url: str, args) -> None:
    app = create_app({"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": args.threads + 2, "max_overflow": 0}},
                     env={"REGULARS_ENV": "development", "DATABASE_URL": url, "SECRET_KEY": "bench-" + "x" * 40,
                          "REDIS_URL": ""})
    rnd = random.Random(args.seed)
    plans = [[rnd.randint(100, 5000) for _ in range(args.payments)] for _ in range(args.threads)]
    demand = sum(map(sum, plans))
    start = demand // 2
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        tenant, _owner = accounts.create_tenant("Bench Bistro", country="PL", currency="PLN", locale="pl",
                                                owner_email="owner@bench.test", owner_password="bench-password-1234",
                                                owner_name="Owner")
        tenant_id = tenant.id
        with tenant_scope(tenant_id):
            customer = customer_service.create({"first_name": "Jan", "last_name": "Kosmowski"})
            wallets.top_up(customer, start, "cash")
            # One receipt per planned payment, written before the clock starts: the payment is
            # what is timed (bench/documents.py times documents with their payments).
            receipts = [Document(type="receipt", register_id="BENCH", number=str(n), issued_at=utcnow(),
                                 issued_on=utcnow().date(), customer_id=customer.id, currency="PLN",
                                 base_total=0, total=0) for n in range(args.threads * args.payments)]
            db.session.add_all(receipts)
            db.session.flush()
            documents = iter([r.id for r in receipts])
            db.session.commit()
            customer_id = customer.id
        db.session.remove()

    results: list[list[tuple[int, bool]]] = [[] for _ in range(args.threads)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(args.threads)
    # One process of threads stands in for gunicorn's worker processes. With Python's default
    # 5 ms switch interval a thread holding the wallet's row lock would wait for the GIL while
    # the others run, a stall separate processes never have; a short interval keeps it close.
    sys.setswitchinterval(args.switch_interval)

    def worker(i: int) -> None:
        with app.app_context(), tenant_scope(tenant_id):
            barrier.wait()
            for amount in plans[i]:
                try:
                    # As a document's wallet payment: the document is the record (no audit entry).
                    wallets.pay(db.session.get(Customer, customer_id), amount, document_id=next(documents))
                    db.session.commit()
                    results[i].append((amount, True))
                except ServiceError as e:
                    db.session.rollback()
                    if e.code != "insufficient_funds":
                        errors.append(e)
                    results[i].append((amount, False))
                except BaseException as e:  # counted: a crash is a result, not a lost thread
                    db.session.rollback()
                    errors.append(e)
                finally:
                    db.session.expunge_all()
            db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.threads)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0

    done = [r for rs in results for r in rs]
    paid = [a for a, ok in done if ok]
    refused = [a for a, ok in done if not ok]
    with app.app_context(), tenant_scope(tenant_id):
        balance = db.session.scalar(select(Wallet.balance).where(Wallet.customer_id == customer_id))
        entries_sum = int(db.session.scalar(select(func.sum(WalletEntry.amount))) or 0)
        payments = db.session.scalar(select(func.count()).where(WalletEntry.kind == "payment"))
        breaks = reconcile.breaks(reconcile.figures(tenant_id))
        db.session.remove()

    floor = commit_ms(url.replace("postgresql+psycopg://", "postgresql://", 1))
    checks = {
        "balance == start - sum(successes)": balance == start - sum(paid),
        "balance == sum(entries)": balance == entries_sum,
        "balance >= 0": balance >= 0,
        "payment entries == successes": payments == len(paid),
        "every refused amount > final balance": all(a > balance for a in refused),
        "reconciliation: no break": breaks == [],
        "no unexpected errors": not errors,
    }
    print(f"wallet payments: {args.threads} threads x {args.payments} payments of 1.00-50.00 zł, one wallet, "
          f"PostgreSQL via the service")
    print(f"  start balance      {start / 100:,.2f} (demand {demand / 100:,.2f})")
    print(f"  attempts           {len(done)} in {elapsed:.2f} s = {len(done) / elapsed:,.0f} payments/s")
    print(f"  succeeded          {len(paid)}  ({sum(paid) / 100:,.2f})")
    print(f"  refused            {len(refused)}  (insufficient_funds)")
    print(f"  final balance      {balance / 100:,.2f}   sum(entries) {entries_sum / 100:,.2f}")
    print(f"  floor              one durable commit here takes {floor:.2f} ms; payments of ONE wallet take turns "
          f"through their commits, so at most ~{1000 / floor:,.0f}/s for a single wallet")
    for name, ok in checks.items():
        print(f"  {'OK  ' if ok else 'FAIL'} {name}")
    if errors:
        print(f"  errors: {errors[:3]}")
    print("invariant breaks: 0" if all(checks.values()) else "invariant BROKEN")


if __name__ == "__main__":
    main()
