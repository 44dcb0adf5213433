"""Time the tier evaluation at scale, beside the bare GROUP BY of the same documents.

    python -m bench.tiers            # creates (and at the end drops) the database regulars_bench_tiers

One tenant with 100,000 customers (bench.generate) and 1,000,000 documents: 950,000 receipts
and invoices over 400 days, spread unevenly over the customers (a few regulars buy often), and
50,000 returns of some of them a few days later. Gold / Silver / Bronze, a rolling year, 90 days
of validity. Then, each timed:

* bare       - SELECT customer_id, SUM(total), COUNT(*) ... GROUP BY customer_id over the same
               documents and period: what reading the turnover costs at the least;
* first run  - the evaluation on the empty tiers table: everyone who qualifies moves up (history
               and tiers written for each);
* second run - the same day again: the steady state of a daily run, idempotent (changes nothing);
* next day  - the day after, when validity moves for those who re-qualify;
* dry run    - the same computation with a higher Gold threshold, writing nothing.

The aim: a run under 3 s and within 2x of the bare query. Figures only; nothing is asserted.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta

import psycopg

ADMIN_URL = os.environ.get("BENCH_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
NAME = "regulars_bench_tiers"


def _admin(sql: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


def _timed(fn, repeat: int = 1) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)

    _admin(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{NAME}"')
    base = ADMIN_URL.rsplit("/", 1)[0]
    os.environ["DATABASE_URL"] = f"{base}/{NAME}"
    os.environ.setdefault("REGULARS_ENV", "development")
    try:
        return _run(args)
    finally:
        if not args.keep:
            _admin(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')


def _run(args) -> int:
    from flask_migrate import upgrade
    from sqlalchemy import text

    from bench import generate
    from panel import create_app
    from panel.extensions import db
    from panel.models import LoyaltySettings
    from panel.services.loyalty import evaluation, setup
    from panel.tenancy import tenant_scope

    app = create_app()
    with app.app_context():
        upgrade()
    generate.main(["--customers", str(args.customers), "--cards", "0", "--tenant-slug", "bench-tiers"])
    day = date(2027, 1, 1)
    sales = args.documents * 95 // 100
    with app.app_context():
        tenant_id = db.session.scalar(text("SELECT id FROM tenants WHERE slug = 'bench-tiers'"))
        low, high = db.session.execute(text("SELECT min(id), max(id) FROM customers WHERE tenant_id = :t"),
                                       {"t": tenant_id}).one()
        started = time.perf_counter()
        # Sales: a customer drawn with a skew (random()^3: a few regulars buy often), a day in
        # the 400 before D, 5 to 205 zł; one in seven an invoice.
        db.session.execute(text("""
INSERT INTO documents (tenant_id, type, register_id, number, issued_at, issued_on, customer_id, currency,
                       base_total, total, redeemed_points, redeemed_value, discount_mismatch, created_at)
SELECT :t, CASE WHEN g % 7 = 0 THEN 'invoice' ELSE 'receipt' END, 'R1', g::text,
       (CAST(:day AS date) - (g * 7919 % 400)::int) + time '12:00', CAST(:day AS date) - (g * 7919 % 400)::int,
       :low + floor(power(random(), 3) * (:high - :low + 1))::int, 'PLN',
       500 + (g * 104729 % 20000), 500 + (g * 104729 % 20000), 0, 0, false, now()
FROM generate_series(CAST(1 AS bigint), :n) g
"""), {"t": tenant_id, "day": day, "low": low, "high": high, "n": sales})
        # Returns: every 19th sale gives back half, three days later (never after D).
        db.session.execute(text("""
INSERT INTO documents (tenant_id, type, register_id, number, issued_at, issued_on, customer_id, original_id,
                       currency, base_total, total, redeemed_points, redeemed_value, discount_mismatch, created_at)
SELECT s.tenant_id, 'return', 'R1', 'Z' || s.number, s.issued_at + interval '3 days',
       LEAST(s.issued_on + 3, CAST(:day AS date)), s.customer_id, s.id, 'PLN', s.total / 2, s.total / 2, 0, 0,
       false, now()
FROM documents s WHERE s.tenant_id = :t AND s.id % 19 = 0 LIMIT :n
"""), {"t": tenant_id, "day": day, "n": args.documents - sales})
        db.session.commit()
        count = db.session.scalar(text("SELECT count(*) FROM documents WHERE tenant_id = :t"), {"t": tenant_id})
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        print(f"documents: {count} rows in {time.perf_counter() - started:.1f} s")

        with tenant_scope(tenant_id):
            db.session.add(LoyaltySettings(evaluate=True))
            setup.replace_tiers(setup.default_tiers())
            db.session.commit()
            settings = setup.rule_settings(setup.current_settings())
            start = day - timedelta(days=364)
            bare_sql = text("""
SELECT customer_id, SUM(total), COUNT(*) FROM documents
WHERE tenant_id = :t AND type IN ('receipt', 'invoice') AND issued_on BETWEEN :start AND :day
  AND customer_id IS NOT NULL
GROUP BY customer_id""")
            bare, rows = _timed(lambda: db.session.execute(bare_sql, {"t": tenant_id, "start": start, "day": day}).all(),
                                repeat=3)
            db.session.rollback()

            def run(on: date):
                result = evaluation.evaluate(on)
                db.session.commit()
                return result

            first, first_summary = _timed(lambda: run(day))
            second, second_summary = _timed(lambda: run(day))
            next_day, next_summary = _timed(lambda: run(day + timedelta(days=1)))
            tiers = evaluation.specs(setup.tier_rows())
            higher = [evaluation.TierSpec(t.id, t.rank, t.automatic, t.threshold * 2 if t.rank == 1 else t.threshold,
                                          t.min_documents, t.name) for t in tiers]
            dry, (changes, dry_summary) = _timed(lambda: evaluation.dry_run(day + timedelta(days=1), settings, higher),
                                                 repeat=3)
            db.session.rollback()
        tiers_now = dict(db.session.execute(text(
            "SELECT t.name, count(*) FROM customer_tiers c JOIN tiers t ON t.id = c.tier_id AND t.tenant_id = c.tenant_id "
            "WHERE c.tenant_id = :t GROUP BY t.name"), {"t": tenant_id}).all())

    print(f"customers with documents in the period: {len(rows)}; tiers now: {tiers_now}")
    print(f"bare GROUP BY (median of 3) : {bare * 1000:8.0f} ms")
    print(f"evaluation, first run       : {first * 1000:8.0f} ms  ({first / bare:.2f}x bare)  {first_summary}")
    print(f"evaluation, same day again  : {second * 1000:8.0f} ms  ({second / bare:.2f}x bare)  {second_summary}")
    print(f"evaluation, the next day    : {next_day * 1000:8.0f} ms  ({next_day / bare:.2f}x bare)  {next_summary}")
    print(f"dry run, Gold threshold x2  : {dry * 1000:8.0f} ms  ({dry / bare:.2f}x bare)  "
          f"{len(changes)} changes, {dry_summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
