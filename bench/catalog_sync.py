"""Time `PUT /api/v1/catalog` with 10,000 products: the first sync (all created) and a re-sync
with 100 changed, in process (the Flask test client: JSON and validation included, no HTTP).

    python -m bench.catalog_sync [--products 10000] [--runs 3]

Uses its own PostgreSQL database, regulars_bench_catalog (created, migrated, dropped at the end;
no other database is touched). Figures only; nothing is asserted.
"""
from __future__ import annotations

import argparse
import time

from bench import pct
from bench.wallet import _admin
from panel import create_app
from panel.extensions import db
from panel.services import accounts, tokens
from panel.tenancy import tenant_scope

DB_NAME = "regulars_bench_catalog"
ENV = {"REGULARS_ENV": "development", "SECRET_KEY": "bench-" + "x" * 40, "REDIS_URL": "",
       "API_RATE_LIMIT_PER_TOKEN": "1000000", "API_RATE_LIMIT_PER_ADDRESS": "1000000"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--products", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=3, help="fresh tenants, each synced twice")
    ap.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = ap.parse_args()
    _admin(args.admin_url, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    _admin(args.admin_url, f'CREATE DATABASE "{DB_NAME}"')
    url = args.admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + "/" + DB_NAME
    try:
        run(create_app(env={**ENV, "DATABASE_URL": url}), args)
    finally:
        _admin(args.admin_url, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def run(app, args) -> None:
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    firsts, resyncs = [], []
    for n in range(args.runs):
        with app.app_context():
            tenant, _owner = accounts.create_tenant(f"Bench {n}", country="PL", currency="PLN", locale="pl",
                                                    owner_email=f"owner{n}@bench.test",
                                                    owner_password="bench-password-1234", owner_name="Owner")
            with tenant_scope(tenant.id):
                _token, plain = tokens.create("Integrator", scopes=("manage",))
                db.session.commit()
            db.session.remove()
        client, headers = app.test_client(), {"Authorization": f"Bearer {plain}"}
        products = [{"id": f"P{i:05d}", "name": f"Product {i}", "category_id": f"C{i % 50}", "price": 100 + i,
                     "vat_rate": "23"} for i in range(args.products)]
        body = {"categories": [{"id": f"C{c}", "name": f"Category {c}"} for c in range(50)], "products": products}
        started = time.perf_counter()
        first = client.put("/api/v1/catalog", json=body, headers=headers)
        firsts.append(time.perf_counter() - started)
        for p in products[:100]:
            p["price"] += 1
        started = time.perf_counter()
        again = client.put("/api/v1/catalog", json=body, headers=headers)
        resyncs.append(time.perf_counter() - started)
        assert first.status_code == 200 and again.json["products"]["updated"] == 100, (first.json, again.json)
    print(f"PUT /api/v1/catalog, {args.products:,} products in 50 categories, PostgreSQL, {args.runs} runs (s):")
    print(f"  first sync (all created)   median {pct(firsts, 50):.2f}  max {max(firsts):.2f}")
    print(f"  re-sync (100 changed)      median {pct(resyncs, 50):.2f}  max {max(resyncs):.2f}")


if __name__ == "__main__":
    main()
