"""Wallet payments at once: N threads x M payments of random amounts against ONE wallet whose
balance covers about half of them, over HTTP (the default) or through the service (--direct).

    python -m bench.wallet [--threads 16] [--payments 50] [--workers 4] [--direct] [--seed 1]

Over HTTP each payment is what a till sends: `POST /api/v1/documents`, a one-line receipt of
the customer (by card code) paid by `wallet`, with its Idempotency-Key; gunicorn serves the app
with --workers sync workers, and the client threads keep one connection each. 201 is a payment,
409 insufficient_funds a refusal, anything else an error. --direct drives services.wallets.pay
from threads of this process instead (receipts written beforehand): the wallet's own cost.

Uses its own database, regulars_bench_wallet (created, migrated, dropped at the end; no other
database is touched). Prints payments/s, latency percentiles, how many succeeded and were
refused, and checks: final balance == start - sum(successful amounts) == sum(entries), never
below zero, every refused amount larger than the final balance (each refusal saw less than it
asked), and the reconciliation finds no break. Figures only: timings are not asserted.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import sys
import threading
import time

import psycopg
from sqlalchemy import func, select

from bench import pct, servers
from panel import create_app
from panel.extensions import db
from panel.models import Customer, Document, Wallet, WalletEntry
from panel.models.base import utcnow
from panel.services import ServiceError, accounts, terminal, tokens, wallets
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
    ap.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (HTTP)")
    ap.add_argument("--direct", action="store_true", help="call the wallet service instead of the API")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--switch-interval", type=float, default=0.0002, help="sys.setswitchinterval for --direct")
    ap.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = ap.parse_args()

    _admin(args.admin_url, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    _admin(args.admin_url, f'CREATE DATABASE "{DB_NAME}"')
    url = args.admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + "/" + DB_NAME
    try:
        run(url, args)
    finally:
        _admin(args.admin_url, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


# The API's rate limits guard against a misbehaving till; 16 tills paying as fast as they can
# for seconds from one address is the load this measures, so they are set out of the way.
ENV = {"REGULARS_ENV": "development", "SECRET_KEY": "bench-" + "x" * 40, "REDIS_URL": "",
       "API_RATE_LIMIT_PER_TOKEN": "1000000", "API_RATE_LIMIT_PER_ADDRESS": "1000000"}
CARD = "3220338716"


def run(url: str, args) -> None:
    app = create_app({"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": args.threads + 2, "max_overflow": 0}},
                     env={**ENV, "DATABASE_URL": url})
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
            customer, _card = terminal.quick_add({"first_name": "Jan", "last_name": "Kosmowski"}, card_code=CARD)
            wallets.top_up(customer, start, "cash")
            customer_id = customer.id
            # One token per till, as a restaurant's tills have (the API's limits are per token).
            plains = [tokens.create(f"Bench till {i}", scopes=("pos",))[1] for i in range(args.threads)]
            receipts = []
            if args.direct:
                # One receipt per planned payment, written before the clock starts: the payment
                # is what is timed.
                receipts = [Document(type="receipt", register_id="BENCH", number=str(n), issued_at=utcnow(),
                                     issued_on=utcnow().date(), customer_id=customer.id, currency="PLN",
                                     base_total=0, total=0) for n in range(args.threads * args.payments)]
                db.session.add_all(receipts)
                db.session.flush()
            documents = iter([r.id for r in receipts])
            db.session.commit()
        db.session.remove()

    results: list[list[tuple[int, bool, float]]] = [[] for _ in range(args.threads)]
    errors: list = []
    barrier = threading.Barrier(args.threads)

    def pay_direct(i: int) -> None:
        with app.app_context(), tenant_scope(tenant_id):
            barrier.wait()
            for amount in plans[i]:
                t0 = time.perf_counter()
                try:
                    # As a document's wallet payment: the document is the record (no audit entry).
                    wallets.pay(db.session.get(Customer, customer_id), amount, document_id=next(documents))
                    db.session.commit()
                    results[i].append((amount, True, time.perf_counter() - t0))
                except ServiceError as e:
                    db.session.rollback()
                    if e.code != "insufficient_funds":
                        errors.append(e)
                    results[i].append((amount, False, time.perf_counter() - t0))
                except BaseException as e:  # counted: a crash is a result, not a lost thread
                    db.session.rollback()
                    errors.append(e)
                finally:
                    db.session.expunge_all()
            db.session.remove()

    def pay_http(base: str):
        host, port = base.removeprefix("http://").split(":")

        def worker(i: int) -> None:
            barrier.wait()
            for n, amount in enumerate(plans[i]):
                body = json.dumps({
                    "type": "receipt", "number": f"W-{i}-{n}", "register_id": f"till-{i}",
                    "issued_at": utcnow().isoformat(), "customer": {"card_code": CARD},
                    "lines": [{"line_id": "1", "name": "Obiad", "quantity": "1", "unit_price": amount, "final": amount}],
                    "payments": [{"method": "wallet", "amount": amount}]}).encode()
                headers = {"Authorization": f"Bearer {plains[i]}", "Content-Type": "application/json",
                           "Idempotency-Key": f"bench-{i}-{n}"}
                t0 = time.perf_counter()
                conn = http.client.HTTPConnection(host, int(port), timeout=30)
                try:
                    conn.request("POST", "/api/v1/documents", body, headers)
                    resp = conn.getresponse()
                    answer = resp.read()
                finally:
                    conn.close()
                took = time.perf_counter() - t0
                if resp.status == 201:
                    results[i].append((amount, True, took))
                elif resp.status == 409 and b"insufficient_funds" in answer:
                    results[i].append((amount, False, took))
                else:
                    errors.append((resp.status, answer[:200]))
        return worker

    t0 = time.perf_counter()
    if args.direct:
        sys.setswitchinterval(args.switch_interval)  # threads stand in for worker processes
        _in_threads(pay_direct, args.threads)
        elapsed = time.perf_counter() - t0
        how = "through the service, threads of one process"
    else:
        os.environ.update(ENV, DATABASE_URL=url)
        with servers() as serve:
            base = serve("wsgi:app", args.workers, "/healthz")
            t0 = time.perf_counter()
            _in_threads(pay_http(base), args.threads)
            elapsed = time.perf_counter() - t0
        how = f"over HTTP (POST /api/v1/documents, gunicorn {args.workers} sync workers)"

    done = [r for rs in results for r in rs]
    paid = [a for a, ok, _t in done if ok]
    refused = [a for a, ok, _t in done if not ok]
    latencies = [t * 1000 for _a, _ok, t in done]
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
        "no unexpected answers or errors": not errors,
    }
    print(f"wallet payments: {args.threads} threads x {args.payments} payments of 1.00-50.00 zł, one wallet, "
          f"PostgreSQL, {how}")
    print(f"  start balance      {start / 100:,.2f} (demand {demand / 100:,.2f})")
    print(f"  attempts           {len(done)} in {elapsed:.2f} s = {len(done) / elapsed:,.0f} payments/s")
    if latencies:
        print(f"  latency            p50 {pct(latencies, 50):.1f} ms  p99 {pct(latencies, 99):.1f} ms")
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


def _in_threads(target, n: int) -> None:
    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
