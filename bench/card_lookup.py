"""Time GET /api/v1/cards/{code} over HTTP at bench scale, beside its floor.

    DATABASE_URL=postgresql://postgres@127.0.0.1/regulars_bench \\
        python -m bench.card_lookup --tenant-slug bench

Needs a tenant filled by bench.generate (150 000 cards). Creates an API token for the run
(revoked at the end), starts gunicorn with 2 workers on a free local port, and sends the
lookups sequentially through bench.client, each with a fresh connection as gunicorn's sync
workers answer. A share of the codes is sent in the other reader format (hex for a decimal
card and back), so the canonical matching is what gets timed. Beside it, with the same codes:

* sql      - the bare lookup: the endpoint's card statement (services/cards/lookup.py _POS_SCAN,
             the card and its holder by canonical key or printed number) run with psycopg on
             one connection, what the scan costs in the database;
* minimal  - a minimal Flask app returning JSON (bench/minimal_app.py), the same gunicorn
             setup: what any request costs before our code runs.

The aim: endpoint p99 < 10 ms, and the endpoint within 3x of (minimal + sql). Figures only;
nothing is asserted.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from urllib.parse import quote

import psycopg
from sqlalchemy import text
from sqlalchemy.dialects import postgresql

from bench import bench_tenant, pct, servers
from bench.client import Client
from panel import cardcodes, create_app
from panel.extensions import db
from panel.models import ApiToken
from panel.services import cards, tokens
from panel.tenancy import tenant_scope

# The endpoint's card statement itself, compiled for psycopg (named %(param)s placeholders).
BARE = cards.lookup._POS_SCAN.compile(dialect=postgresql.psycopg.dialect())


def other_format(code: str) -> str:
    """The same card as the other kind of reader would type it."""
    info = cardcodes.describe(code)
    if info["uid_length"] != 4:
        return code
    return info["hex_fwd"] if code.isdigit() and len(code) == 10 else info["dec_le"]


def pick_codes(tenant_id: int, n: int, seed: int) -> list[str]:
    """n random card codes of the tenant, 40% of them as the other kind of reader types them."""
    rnd = random.Random(seed)
    db.session.execute(text("SELECT setseed(:s)"), {"s": rnd.random()})
    codes = list(db.session.scalars(text("SELECT code FROM cards WHERE tenant_id = :t ORDER BY random() LIMIT :n"),
                                    {"t": tenant_id, "n": n}))
    return [other_format(c) if rnd.random() < 0.4 else c for c in codes]


def time_http(client: Client, paths: list[str], warmup: int) -> list[float]:
    for path in paths[:warmup]:
        client.get(path)
    return [client.timed(path) for path in paths]


def time_sql(dsn: str, tenant_id: int, fmt: str, codes: list[str]) -> list[float]:
    sql = str(BARE)
    params = [BARE.construct_params({"tenant_id": tenant_id, "key": cardcodes.lookup_key(c, fmt), "number": c})
              for c in codes]
    times = []
    with psycopg.connect(dsn, autocommit=True) as conn:  # as the endpoint reads
        for p in params[:50]:  # warm-up; also lets psycopg prepare the statement
            conn.execute(sql, p).fetchall()
        for p in params:
            t0 = time.perf_counter()
            rows = conn.execute(sql, p).fetchall()
            times.append((time.perf_counter() - t0) * 1000)
            if len(rows) != 1:
                raise SystemExit(f"bare SQL found {len(rows)} rows for {p['key']}")
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenant-slug", default="bench")
    parser.add_argument("--requests", type=int, default=2000, help="timed lookups")
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args(argv)
    # The run sends thousands of lookups a minute from one token and address, far past the API's
    # rate limits, which only a runaway client meets. Raised for the server started below: every
    # request is still counted (what a till pays), none is refused.
    for name in ("API_RATE_LIMIT_PER_TOKEN", "API_RATE_LIMIT_PER_ADDRESS"):
        os.environ.setdefault(name, "100000000")

    app = create_app()
    with app.app_context():
        tenant = bench_tenant(args.tenant_slug, "bench.card_lookup")
        tenant_id, fmt = tenant.id, tenant.reader_format
        codes = pick_codes(tenant_id, args.requests, args.seed)
        with tenant_scope(tenant_id):
            cards = db.session.scalar(text("SELECT count(*) FROM cards WHERE tenant_id = :t"), {"t": tenant_id})
            token, plain = tokens.create("bench.card_lookup")
            db.session.commit()
            token_id = token.id
        dsn = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)

    try:
        with servers() as serve:
            api_base = serve("wsgi:app", args.workers, "/healthz")
            floor_base = serve("bench.minimal_app:app", args.workers, "/ping/x")
            quoted = [quote(c, safe="") for c in codes]
            pos = Client(api_base, headers={"Authorization": f"Bearer {plain}"})
            endpoint = time_http(pos, [f"/api/v1/cards/{q}" for q in quoted], args.warmup)
            minimal = time_http(Client(floor_base), [f"/ping/{q}" for q in quoted], args.warmup)
        sql = time_sql(dsn, tenant_id, fmt, codes)
    finally:
        with app.app_context(), tenant_scope(tenant_id):
            tokens.revoke(db.session.get(ApiToken, token_id))
            db.session.commit()

    print(f"GET /api/v1/cards/{{code}}: {cards} cards in {args.tenant_slug!r} (reader format {fmt}), "
          f"{len(codes)} sequential lookups, 40% typed in the other reader format; "
          f"gunicorn, {args.workers} sync workers; ms")
    print(f"{'':28} {'p50':>7} {'p90':>7} {'p99':>7} {'max':>7}")
    for label, values in (("endpoint (HTTP)", endpoint), ("minimal Flask (HTTP)", minimal), ("bare SQL lookup", sql)):
        print(f"{label:28} {pct(values, 50):>7.2f} {pct(values, 90):>7.2f} {pct(values, 99):>7.2f} {max(values):>7.2f}")
    for p in (50, 99):
        floor_ms = pct(minimal, p) + pct(sql, p)
        print(f"p{p}: endpoint {pct(endpoint, p):.2f} ms = {pct(endpoint, p) / floor_ms:.2f}x "
              f"(minimal + SQL = {floor_ms:.2f} ms); aim <= 3x" + ("; aim p99 < 10 ms" if p == 99 else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
