"""Sustained documents per second over HTTP on PostgreSQL, and the batch endpoint with late ones.

    python -m bench.documents [--seconds 20] [--threads 12] [--workers 6] [--keep]

Builds its own database, regulars_bench_documents (created afresh, dropped at the end unless
--keep; no other database is touched), migrates it, and fills one tenant with points on and 500 customers with a card.
gunicorn serves the app (sync workers) on a free local port; the API's rate limits are raised
for the run. Then:

* sustained - `--threads` tills post receipts of 20 lines each, with a card code (a card lookup),
              points earned, for `--seconds`; every 10th document redeems points. Each request
              is one transaction: the natural-key check, the customer's lock, the lines, the
              payments, the points entry and the guarded balance update, the idempotency key.
* batch     - one till comes back online with 500 late documents (400 receipts, 100 returns of
              some of them), shuffled so returns arrive before their originals, in one
              POST /documents:batch; then the same batch again (every document replays).

At the end the points invariant is checked for every customer: balance == sum(entries).
Figures only; nothing is asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

import psycopg

from bench import pct, servers

ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
NAME = "regulars_bench_documents"
DSN = ADMIN.rsplit("/", 1)[0] + "/" + NAME
CUSTOMERS = 500
LINES = 20


def fresh_database() -> None:
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{NAME}"')


def fill() -> tuple[str, list[str]]:
    """Migrate, create the tenant, its customers and cards, and a token: (token, card codes)."""
    from flask_migrate import upgrade

    from panel import create_app
    from panel.extensions import db
    from panel.models import Tenant
    from panel.services import accounts, cards, customers, tokens
    from panel.tenancy import tenant_scope

    app = create_app()  # DATABASE_URL is this bench's database (main() sets it first)
    with app.app_context():
        upgrade()
        tenant, _owner = accounts.create_tenant("Bench Documents", country="PL", currency="PLN", locale="pl",
                                                owner_email="owner@bench-documents.test",
                                                owner_password="bench-password-123")
        tenant.points_enabled = True
        db.session.commit()
        codes = []
        with tenant_scope(tenant.id):
            for i in range(CUSTOMERS):
                c = customers.create({"first_name": f"Gość{i}", "last_name": "Stały"})
                code = f"BENCH-{i:06d}"
                cards.assign(c, code, "", "")
                codes.append(code)
            _token, plain = tokens.create("Bench till", scopes=("pos",))
            db.session.commit()
        assert db.session.get(Tenant, tenant.id).points_enabled
        db.session.remove()
        db.engine.dispose()
    return plain, codes


def receipt(number: str, code: str | None, at: datetime, rnd: random.Random, redeem: int = 0) -> dict:
    lines = []
    for n in range(LINES):
        price = rnd.randrange(300, 6000)
        qty = rnd.choice(["1", "1", "2", "0.5", "3"])
        base = (int(float(qty) * 1000) * price + 500) // 1000
        final = base - (base // 20 if n % 3 == 0 else 0)
        lines.append({"line_id": str(n + 1), "product_id": f"p-{rnd.randrange(200)}", "name": f"Pozycja {n + 1}",
                      "quantity": qty, "unit_price": price, "final": final,
                      "adjustments": [{"layer": "line_discount", "amount": final - base}] if final != base else []})
    total = sum(ln["final"] for ln in lines)
    body = {"type": "receipt", "number": number, "register_id": "kasa-bench", "issued_at": at.isoformat(),
            "lines": lines, "payments": [{"method": "card", "amount": total}], "redeem_points": redeem}
    if code:
        body["customer"] = {"card_code": code}
    return body


def post(base: str, path: str, token: str, body: dict, key: str | None = None) -> tuple[int, dict, float]:
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(base)
    data = json.dumps(body)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    try:
        conn.request("POST", path, body=data, headers=headers)
        resp = conn.getresponse()
        payload = resp.read()
    finally:
        conn.close()
    return resp.status, json.loads(payload or b"{}"), (time.perf_counter() - t0) * 1000


def sustained(base: str, token: str, codes: list[str], seconds: float, threads: int) -> None:
    stop = time.perf_counter() + seconds
    lock = threading.Lock()
    times: list[float] = []
    statuses: dict[int, int] = {}
    t_start = datetime(2026, 12, 1, 8, tzinfo=timezone.utc)

    def till(n: int) -> None:
        rnd = random.Random(n)
        i = 0
        while time.perf_counter() < stop:
            i += 1
            doc = receipt(f"T{n}-{i}", rnd.choice(codes), t_start + timedelta(seconds=i), rnd,
                          redeem=100 if i % 10 == 0 else 0)
            status, _body, ms = post(base, "/api/v1/documents", token, doc, key=str(uuid.uuid4()))
            with lock:
                times.append(ms)
                statuses[status] = statuses.get(status, 0) + 1

    started = time.perf_counter()
    workers = [threading.Thread(target=till, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    print(f"sustained: {len(times)} receipts of {LINES} lines in {elapsed:.1f} s with {threads} tills "
          f"= {len(times) / elapsed:.0f} documents/s; statuses {statuses}")
    print(f"  per request: p50 {pct(times, 50):.1f} ms, p95 {pct(times, 95):.1f} ms, p99 {pct(times, 99):.1f} ms")


def batch(base: str, token: str, codes: list[str]) -> None:
    rnd = random.Random(99)
    start = datetime(2026, 11, 20, 10, tzinfo=timezone.utc)
    sales = [(f"late-s-{i}", receipt(f"L-{i}", rnd.choice(codes), start + timedelta(minutes=i), rnd))
             for i in range(400)]
    returns = []
    for i in range(100):
        original = sales[i * 4][1]
        ln = original["lines"][0]
        returns.append((f"late-z-{i}", {
            "type": "return", "number": f"LZ-{i}", "register_id": "kasa-bench",
            "issued_at": (start + timedelta(minutes=i * 4, seconds=30)).isoformat(),
            "lines": [{**ln, "line_id": "r1", "original_line_id": ln["line_id"]}],
            "payments": [{"method": "cash", "amount": ln["final"]}],
            "original": {"register_id": "kasa-bench", "type": "receipt", "number": original["number"]}}))
    items = sales + returns
    rnd.shuffle(items)
    body = {"documents": [{"idempotency_key": k, "document": d} for k, d in items]}
    for label in ("first", "replayed"):
        status, answer, ms = post(base, "/api/v1/documents:batch", token, body)
        results = answer.get("results", [])
        by_status: dict[int, int] = {}
        for r in results:
            by_status[r["status"]] = by_status.get(r["status"], 0) + 1
        print(f"batch ({label}): HTTP {status}, {len(results)} documents in {ms / 1000:.2f} s "
              f"= {len(results) / (ms / 1000):.0f} documents/s; per document {by_status}")


def invariant() -> None:
    with psycopg.connect(DSN) as conn:
        broken = conn.execute(
            "SELECT count(*) FROM customers c LEFT JOIN (SELECT customer_id, sum(amount) s FROM points_entries "
            "GROUP BY 1) e ON e.customer_id = c.id WHERE c.points_balance <> coalesce(e.s, 0)").fetchone()[0]
        docs, entries = conn.execute("SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM points_entries)"
                                     ).fetchone()
    print(f"invariant: {broken} customers whose balance differs from the sum of their entries "
          f"({docs} documents, {entries} points entries)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--threads", type=int, default=12)
    parser.add_argument("--workers", type=int, default=6)
    parser.add_argument("--keep", action="store_true", help=f"keep {NAME} afterwards (dropped by default)")
    args = parser.parse_args()
    os.environ.update(DATABASE_URL=DSN, API_RATE_LIMIT_PER_TOKEN="10000000", API_RATE_LIMIT_PER_ADDRESS="10000000",
                      REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8"),
                      SECRET_KEY=os.environ.get("SECRET_KEY", "bench-secret-key-that-is-long-enough-1234"))
    fresh_database()
    token, codes = fill()
    print(f"{os.cpu_count()} CPUs; gunicorn with {args.workers} sync workers; PostgreSQL database {NAME}")
    with servers() as serve:
        base = serve("wsgi:app", args.workers, "/healthz")
        sustained(base, token, codes, args.seconds, args.threads)
        batch(base, token, codes)
    invariant()
    if not args.keep:
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')


if __name__ == "__main__":
    main()
