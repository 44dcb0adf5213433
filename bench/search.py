"""Time the customer list's live search over HTTP, and the bare SQL it runs, at bench scale.

    DATABASE_URL=postgresql://postgres@127.0.0.1/regulars_bench \\
        python -m bench.search --tenant-slug bench

Starts gunicorn on a free local port (or uses --base-url), signs in as the bench tenant's owner
(see bench.generate), then for each query below sends the htmx fragment request
GET /customers/?q=... with HX-Request, sequentially, and prints p50/p95 of the round trip.
Beside it, measured in-process on the same database:

* sql    - all statements the same page() call runs (the rows with their card codes, the
           capped count, the card hit), timed at the cursor: what the fragment's data costs in
           the database;
* rows-q - the main keyset query alone.

And once, before the table, two floors over the same gunicorn setup: a minimal Flask app
(bench/minimal_app.py), what any request costs before our code runs; and the signed-in
floor, this app's duplicate check with nothing typed, what any signed-in fragment costs
(session, user and memberships, tenant) before its own work. The last columns are
http p95 / sql p95 (the aim: 2x), http p95 / (floor p95 + sql p95), and the room:
2 x sql p95 - sql p95 - signed-in floor p95, what the aim leaves for the list's own Python
and rendering (below zero no list could meet it). Figures only; nothing is asserted.
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import time

import requests
from flask import g
from sqlalchemy import event, select

from bench import bench_tenant, pct, servers
from panel import cardcodes, create_app
from panel.access import read_without_transaction
from panel.extensions import db
from panel.models import Card, Customer, Tenant
from panel.services import customer_list, customers
from panel.tenancy import tenant_scope

HX = {"HX-Request": "true"}


def pick_queries(tenant_id: int) -> list[tuple[str, dict]]:
    """Realistic searches drawn from the bench data: (label, URL arguments)."""
    with tenant_scope(tenant_id):
        person = db.session.scalars(select(Customer).where(Customer.last_name != "", Customer.archived_at.is_(None))
                                    .order_by(Customer.id).offset(500).limit(1)).one()
        firm = db.session.scalars(select(Customer).where(Customer.nip != "").order_by(Customer.id).limit(1)).one()
        phoned = db.session.scalars(select(Customer).where(Customer.phone_digits.like("48%"))
                                    .order_by(Customer.id).offset(77).limit(1)).one()
        mailed = db.session.scalars(select(Customer).where(Customer.email != "").order_by(Customer.id)
                                    .offset(300).limit(1)).one()
        card = db.session.scalars(select(Card).where(Card.code.like("__________")).order_by(Card.id)
                                  .offset(1234).limit(1)).one()
        info = cardcodes.describe(card.code)
    national = phoned.phone_digits[2:]
    return [
        ("first page, no search", {}),
        ("surname, 5 letters", {"q": customers.fold(person.last_name)[:5]}),
        ("full name", {"q": f"{person.first_name} {person.last_name}"}),
        ("city without accents 'lodz'", {"q": "lodz"}),
        ("two letters 'ko'", {"q": "ko"}),
        ("NIP, full", {"q": firm.nip}),
        ("NIP, first 6 digits", {"q": firm.nip[:6]}),
        ("phone, national 9 digits", {"q": f"{national[:3]} {national[3:6]} {national[6:]}"}),
        ("phone, +48 and 6 digits", {"q": f"+48 {national[:6]}"}),
        ("e-mail, 8 chars", {"q": mailed.email[:8]}),
        ("card scan, decimal", {"q": card.code}),
        ("card scan, same card as hex", {"q": info["hex_fwd"] or card.code}),
        ("no match", {"q": "qxzqxz"}),
        ("filters: consent+no card", {"consent": "yes", "card": "no"}),
        ("sort by city, page 1", {"sort": "city"}),
        ("sort by company, desc", {"sort": "-company"}),
        ("created, newest first", {"sort": "-created"}),
        ("search + archived filter", {"q": "nowak", "status": "all"}),
        # Matches that cluster in the sort order: the walk to Łódź in city order is long.
        ("'lodz', sorted by city", {"q": "lodz", "sort": "city"}),
    ]


def time_sql(tenant_id: int, args: dict, runs: int) -> tuple[list[float], list[float], int]:
    """(all statements ms, main rows query ms, rows) per run of customer_list.page() for these args."""
    totals, mains, spans = [], [], []

    def before(conn, cursor, statement, params, context, executemany):
        context._bench_start = time.perf_counter()

    def after(conn, cursor, statement, params, context, executemany):
        spans.append((statement, (time.perf_counter() - context._bench_start) * 1000))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    count = 0
    try:
        read_without_transaction()  # as the list view reads: autocommit
        with tenant_scope(tenant_id):
            # Held, as a request holds it in g.tenant: else the session's weak identity map lets
            # it go and every run would load the tenant row again (reader format, collation).
            g.tenant = db.session.get(Tenant, tenant_id)
            f = customer_list.parse_filter(args)
            customer_list.page(f)  # warm-up
            for _ in range(runs):
                spans.clear()
                result = customer_list.page(f)
                count = len(result.customers)
                totals.append(sum(ms for _s, ms in spans))
                # The keyset query is the one with ORDER BY ... LIMIT over customers.
                mains.append(sum(ms for s, ms in spans if "FROM customers" in s and "LIMIT" in s and "count(" not in s))
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    return totals, mains, count


def time_gets(session: requests.Session, url: str, n: int, warmup: int, **kwargs) -> list[float]:
    """Round trips of GET `url` through a requests session, as the fragment requests go."""
    times = []
    for i in range(warmup + n):
        t0 = time.perf_counter()
        resp = session.get(url, **kwargs)
        if i >= warmup:
            times.append((time.perf_counter() - t0) * 1000)
        if resp.status_code != 200:
            raise SystemExit(f"{url}: HTTP {resp.status_code}")
    return times


def sign_in(base: str, email: str, password: str) -> requests.Session:
    s = requests.Session()
    page = s.get(f"{base}/login").text
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    data = {"email": email, "password": password, "csrf_token": m.group(1) if m else ""}
    resp = s.post(f"{base}/login", data=data, allow_redirects=False)
    if resp.status_code not in (302, 303):
        raise SystemExit(f"sign-in as {email} failed ({resp.status_code}); run bench.generate first")
    return s


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenant-slug", default="bench")
    parser.add_argument("--password", default="bench-password-2026")
    parser.add_argument("--requests", type=int, default=100, help="timed requests per query")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--base-url", help="use a running server instead of starting gunicorn")
    args = parser.parse_args(argv)

    app = create_app()
    with app.app_context():
        tenant_id = bench_tenant(args.tenant_slug, "bench.search").id
        with tenant_scope(tenant_id):
            total = db.session.scalar(select(db.func.count()).select_from(Customer))
        queries = pick_queries(tenant_id)

    with servers() as serve:
        base = args.base_url or serve("wsgi:app", args.workers, "/login")
        floor_base = serve("bench.minimal_app:app", args.workers, "/ping/x")
        floor = time_gets(requests.Session(), f"{floor_base}/ping/x", args.requests * 2, args.warmup)
        session = sign_in(base, f"owner@{args.tenant_slug}.bench", args.password)
        # The same path as the list up to its own work: session, user and memberships, tenant,
        # no transaction; the duplicate check with nothing typed runs no query, renders nothing.
        signed = time_gets(session, f"{base}/customers/duplicates", args.requests * 2, args.warmup, headers=HX)
        print(f"{total} customers in {args.tenant_slug!r}; {args.requests} sequential requests per query "
              f"against {base} (gunicorn, {args.workers} sync workers); ms")
        print(f"floor, minimal Flask over the same gunicorn: p50 {pct(floor, 50):.1f}, p95 {pct(floor, 95):.1f}")
        print(f"signed-in floor, an empty fragment of this app: p50 {pct(signed, 50):.1f}, p95 {pct(signed, 95):.1f}")
        print(f"{'query':34} {'rows':>4} {'http p50':>9} {'http p95':>9} {'sql p50':>8} {'sql p95':>8} "
              f"{'rows-q p50':>10} {'x sql':>6} {'x floor+sql':>11} {'room':>6}")
        for label, qargs in queries:
            times = time_gets(session, f"{base}/customers/", args.requests, args.warmup, params=qargs, headers=HX)
            with app.app_context():
                sql, main_q, rows = time_sql(tenant_id, qargs, max(20, args.requests))
            http95, sql95 = pct(times, 95), pct(sql, 95)
            # Within 2x of its SQL, a fragment has one more SQL's worth of time besides the SQL
            # itself: what of it a signed-in request leaves for the list's own Python and
            # rendering. Below zero, no list could meet the aim.
            room = sql95 - pct(signed, 95)
            print(f"{label:34} {rows:>4} {pct(times, 50):>9.1f} {http95:>9.1f} {pct(sql, 50):>8.1f} "
                  f"{sql95:>8.1f} {statistics.median(main_q):>10.1f} {http95 / sql95:>6.1f} "
                  f"{http95 / (pct(floor, 95) + sql95):>11.1f} {room:>6.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
