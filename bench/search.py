"""Time the customer list's live search over HTTP, and the bare SQL it runs, at bench scale.

    DATABASE_URL=postgresql://postgres@127.0.0.1/regulars_bench \\
        python -m bench.search --tenant-slug bench

Starts gunicorn on a free local port (or uses --base-url), signs in as the bench tenant's owner
(see bench.generate), then in each of --requests rounds sends every query below once as the
htmx fragment request GET /customers/?q=... with HX-Request, and prints p50/p95 of the round
trips, timed through bench.client (a Python client's own time is not the server's; the
minimal floor is also shown through requests, to show what it was). Beside it, measured in-process on the same database in the same rounds:

* sql    - all statements the same page() call runs (the rows with their card codes, the
           capped count, the card hit), timed at the cursor: what the fragment's data costs in
           the database;
* rows-q - the main keyset query alone.

And, in the same rounds, two floors over the same gunicorn setup: a minimal Flask app
(bench/minimal_app.py), what any request costs before our code runs; and the signed-in
floor, this app's duplicate check with nothing typed, what any signed-in fragment costs
(session, user and memberships, tenant) before its own work. The last columns are
http p95 / sql p95 (the aim: 2x), http p95 / (floor p95 + sql p95), and the room:
2 x sql p95 - sql p95 - signed-in floor p95, what the aim leaves for the list's own Python
and rendering (below zero no list could meet it). Figures only; nothing is asserted.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time

import requests
from flask import g
from sqlalchemy import event, select

from bench import bench_tenant, pct, servers
from bench.client import Client, sign_in
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


class SqlTimer:
    """Times customer_list.page() in-process, at the cursor: all its statements, and the main one.

    Enter it inside an app context; run(f) is then one page() call as the list view makes it.
    """

    def __init__(self, tenant_id: int):
        self.tenant_id, self.spans = tenant_id, []

    def _before(self, conn, cursor, statement, params, context, executemany):
        context._bench_start = time.perf_counter()

    def _after(self, conn, cursor, statement, params, context, executemany):
        self.spans.append((statement, (time.perf_counter() - context._bench_start) * 1000))

    def __enter__(self) -> "SqlTimer":
        event.listen(db.engine, "before_cursor_execute", self._before)
        event.listen(db.engine, "after_cursor_execute", self._after)
        read_without_transaction()  # as the list view reads: autocommit
        self._scope = tenant_scope(self.tenant_id)
        self._scope.__enter__()
        # Held, as a request holds it in g.tenant: else the session's weak identity map lets
        # it go and every run would load the tenant row again (reader format, collation).
        g.tenant = db.session.get(Tenant, self.tenant_id)
        return self

    def __exit__(self, *exc) -> None:
        self._scope.__exit__(*exc)
        event.remove(db.engine, "before_cursor_execute", self._before)
        event.remove(db.engine, "after_cursor_execute", self._after)

    def run(self, f) -> tuple[float, float, int]:
        """(all statements ms, main rows query ms, rows shown) of one page() call."""
        self.spans.clear()
        rows = len(customer_list.page(f).customers)
        total = sum(ms for _s, ms in self.spans)
        # The keyset query is the one with ORDER BY ... LIMIT over customers.
        main = sum(ms for s, ms in self.spans if "FROM customers" in s and "LIMIT" in s and "count(" not in s)
        return total, main, rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenant-slug", default="bench")
    parser.add_argument("--password", default="bench-password-2026")
    parser.add_argument("--requests", type=int, default=100, help="timed rounds (requests per query)")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--base-url", help="use a running server instead of starting gunicorn")
    args = parser.parse_args(argv)

    app = create_app()
    with app.app_context():
        tenant_id = bench_tenant(args.tenant_slug, "bench.search").id
        with tenant_scope(tenant_id):
            total_customers = db.session.scalar(select(db.func.count()).select_from(Customer))
        queries = pick_queries(tenant_id)

    with servers() as serve:
        base = args.base_url or serve("wsgi:app", args.workers, "/login")
        floor_base = serve("bench.minimal_app:app", args.workers, "/ping/x")
        plain, browser = Client(floor_base), sign_in(base, f"owner@{args.tenant_slug}.bench", args.password)
        heavy = requests.Session()
        floor, signed, through_requests = [], [], []
        http = {label: [] for label, _q in queries}
        sql = {label: [] for label, _q in queries}
        main_q = {label: [] for label, _q in queries}
        shown = {}
        # Round by round, every measurement once: the floors, each query over HTTP and its SQL
        # in-process. This machine's speed drifts within minutes; measured in turn, a slow
        # spell lands on every figure alike instead of on whichever row was being timed.
        with app.app_context(), SqlTimer(tenant_id) as timer:
            filters = {label: customer_list.parse_filter(qargs) for label, qargs in queries}
            for i in range(args.warmup + args.requests):
                keep = i >= args.warmup
                for _ in range(2):
                    bare = plain.timed("/ping/x")
                    # The same path as the list up to its own work: session, user and memberships,
                    # tenant, no transaction; the duplicate check with nothing typed runs no query.
                    empty = browser.timed("/customers/duplicates", headers=HX)
                    t0 = time.perf_counter()
                    heavy.get(f"{floor_base}/ping/x")
                    via_requests = (time.perf_counter() - t0) * 1000
                    if keep:
                        floor.append(bare)
                        signed.append(empty)
                        through_requests.append(via_requests)
                for label, qargs in queries:
                    ms = browser.timed("/customers/", params=qargs, headers=HX)
                    total, main, shown[label] = timer.run(filters[label])
                    if keep:
                        http[label].append(ms)
                        sql[label].append(total)
                        main_q[label].append(main)
        print(f"{total_customers} customers in {args.tenant_slug!r}; {args.requests} rounds of sequential requests "
              f"against {base} (gunicorn, {args.workers} sync workers), every query once a round; ms")
        print(f"floor, minimal Flask over the same gunicorn: p50 {pct(floor, 50):.1f}, p95 {pct(floor, 95):.1f}")
        print(f"the minimal floor through requests, which these figures used to include: "
              f"p50 {pct(through_requests, 50):.1f}, p95 {pct(through_requests, 95):.1f}")
        print(f"signed-in floor, an empty fragment of this app: p50 {pct(signed, 50):.1f}, p95 {pct(signed, 95):.1f}")
        print(f"{'query':34} {'rows':>4} {'http p50':>9} {'http p95':>9} {'sql p50':>8} {'sql p95':>8} "
              f"{'rows-q p50':>10} {'x sql':>6} {'x floor+sql':>11} {'room':>6}")
        for label, _q in queries:
            http95, sql95 = pct(http[label], 95), pct(sql[label], 95)
            # Within 2x of its SQL, a fragment has one more SQL's worth of time besides the SQL
            # itself: what of it a signed-in request leaves for the list's own Python and
            # rendering. Below zero, no list could meet the aim.
            room = sql95 - pct(signed, 95)
            print(f"{label:34} {shown[label]:>4} {pct(http[label], 50):>9.1f} {http95:>9.1f} {pct(sql[label], 50):>8.1f} "
                  f"{sql95:>8.1f} {statistics.median(main_q[label]):>10.1f} {http95 / sql95:>6.1f} "
                  f"{http95 / (pct(floor, 95) + sql95):>11.1f} {room:>6.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
