"""The quote API against the naive oracle of tests/test_pricing.py on random bills built in the DB.

Each example writes random discounts (granted by a new group, picked by staff, or both) and
price lists to the database, asks POST /api/v1/bills/quote for a customer in that group, and
compares every line, adjustment, total and refusal with the oracle run on rules built here,
from the example's own description: the service's loading (ids to external ids, targets,
windows, category chains, sources, the price-list cache) is what is under test.
"""
from __future__ import annotations

import itertools
import os
from collections import Counter
from datetime import date, datetime, time
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from panel.extensions import db
from panel.models import Category, Customer, Product
from panel.pricing import BillLine, Discount, PriceEntry, PriceList, Source, Validity, WeeklyWindow

from ..cards.factories import make_customer
from ..conftest import as_tenant
from ..test_pricing import oracle
from . import factories as f

PARENTS = {"k1": "k0", "k2": "k1", "k4": "k3"}  # k0 > k1 > k2, k3 > k4, k5 alone
CATEGORIES = ["k0", "k1", "k2", "k3", "k4", "k5"]
PRODUCTS = {f"q{i}": (CATEGORIES[i % 6], i != 7) for i in range(8)}  # q7 is not discountable
AT = datetime(2026, 12, 4, 16, 30)  # a Friday afternoon, local time
STAFF = Source("staff")
PERCENTS = [Decimal("5"), Decimal("10"), Decimal("12.5"), Decimal("33.3333"), Decimal("100")]
QUANTITIES = ["1", "2", "0.5", "1.25", "0.333", "3", "0"]
serial = itertools.count()


def chain(category):
    out = []
    while category in PARENTS:
        category = PARENTS[category]
        out.append(category)
    return tuple(out)


some_categories = st.frozensets(st.sampled_from(CATEGORIES), max_size=2)
some_products = st.frozensets(st.sampled_from(sorted(PRODUCTS)), max_size=3)
validity = st.sampled_from([(None, None), (date(2026, 12, 1), date(2026, 12, 4)), (date(2026, 12, 5), None),
                            (None, date(2026, 12, 3))])
windows = st.sampled_from([(), (({1, 2, 3, 4, 5}, time(15), time(17)),), (({6, 7}, time(12), time(14)),),
                           (({4}, time(22), time(2)),)])


@st.composite
def discount_specs(draw):
    scope = draw(st.sampled_from(["bill", "categories", "products"]))
    percent = draw(st.none() | st.sampled_from(PERCENTS))
    return {
        "scope": scope, "percent": percent,
        "amount": None if percent is not None else draw(st.integers(1, 3000)),
        "categories": draw(some_categories) if scope == "categories" else frozenset(),
        "products": draw(some_products) if scope == "products" else frozenset(),
        "excluded_categories": draw(st.frozensets(st.sampled_from(CATEGORIES), max_size=1)),
        "excluded_products": draw(st.frozensets(st.sampled_from(sorted(PRODUCTS)), max_size=1)),
        "selectable": draw(st.booleans()), "validity": draw(validity), "windows": draw(windows),
        "min_bill": draw(st.sampled_from([0, 0, 1000, 5000])) if scope == "bill" else 0,
        "granted": draw(st.booleans()), "picked": draw(st.booleans()),
    }


@st.composite
def list_specs(draw):
    return {
        "products": draw(st.dictionaries(st.sampled_from(sorted(PRODUCTS)), st.integers(0, 4000), max_size=4)),
        "categories": draw(st.dictionaries(st.sampled_from(CATEGORIES), st.sampled_from(PERCENTS), max_size=2)),
        "validity": draw(validity),
    }


line_specs = st.lists(st.fixed_dictionaries({
    "product": st.none() | st.sampled_from(sorted(PRODUCTS)) | st.just("unknown-product"),
    "category": st.none() | st.sampled_from(CATEGORIES) | st.just("unknown-category"),
    "quantity": st.sampled_from(QUANTITIES),
    "unit_price": st.integers(0, 6000),
}), min_size=1, max_size=6)


def _build_catalog():
    cats = {}
    for ext in CATEGORIES:
        parent = cats.get(PARENTS.get(ext))
        cats[ext] = f.category(ext, parent=parent)
    prods = {ext: f.product(ext, cats[cat], discountable=ok) for ext, (cat, ok) in PRODUCTS.items()}
    return cats, prods


@pytest.fixture
def unlimited(app, monkeypatch):
    """Thousands of quotes a minute from one till: past the API's rate limit, which is not under test."""
    monkeypatch.setitem(app.config, "API_RATE_LIMIT_PER_TOKEN", 10**9)
    monkeypatch.setitem(app.config, "API_RATE_LIMIT_PER_ADDRESS", 10**9)


@settings(max_examples=int(os.environ.get("QUOTE_ORACLE_EXAMPLES", "150")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(lines=line_specs, discounts=st.lists(discount_specs(), max_size=4),
       lists=st.lists(list_specs(), max_size=2), hour=st.sampled_from([9, 16, 23]))
def test_the_quote_api_agrees_with_the_oracle_on_random_bills(app, world_a, client, shop, unlimited, lines, discounts,
                                                              lists, hour):
    at = AT.replace(hour=hour)
    with app.app_context(), as_tenant(world_a):
        cats, prods = _catalog()
        n = next(serial)
        rows = []
        for i, d in enumerate(discounts):
            rows.append(f.discount(
                f"D{n}-{i}", percent=d["percent"], amount=d["amount"], scope=d["scope"],
                categories=[cats[c] for c in sorted(d["categories"])], products=[prods[p] for p in sorted(d["products"])],
                excluded_categories=[cats[c] for c in sorted(d["excluded_categories"])],
                excluded_products=[prods[p] for p in sorted(d["excluded_products"])], selectable=d["selectable"],
                valid_from=d["validity"][0], valid_to=d["validity"][1], windows=d["windows"], min_bill=d["min_bill"]))
        list_rows = [f.price_list(f"L{n}-{i}", products={prods[p]: v for p, v in spec["products"].items()},
                                  categories={cats[c]: v for c, v in spec["categories"].items()},
                                  valid_from=spec["validity"][0], valid_to=spec["validity"][1])
                     for i, spec in enumerate(lists)]
        group = f.group(f"G{n}", discounts=[r for r, d in zip(rows, discounts) if d["granted"]], price_lists=list_rows)
        eva = _eva()
        eva.group_id = group.id
        db.session.commit()
        group_source = Source("group", group.id, group.name)
        expected_discounts = []
        for row, d in zip(rows, discounts):
            sources = ([group_source] if d["granted"] else []) + ([STAFF] if d["picked"] else [])
            expected_discounts += [Discount(
                row.id, row.name, source, percent=d["percent"], amount=d["amount"], scope=d["scope"],
                category_ids=d["categories"], product_ids=d["products"], excluded_category_ids=d["excluded_categories"],
                excluded_product_ids=d["excluded_products"], validity=Validity(*d["validity"]),
                weekly=tuple(WeeklyWindow(frozenset(days), s, e) for days, s, e in d["windows"]),
                min_bill=d["min_bill"], selectable=d["selectable"]) for source in sources]
        expected_lists = [PriceList(row.id, row.name, tuple(
            [PriceEntry(product_id=p, unit_price=v) for p, v in spec["products"].items()]
            + [PriceEntry(category_id=c, percent=v) for c, v in spec["categories"].items()]),
            created_order=row.id, validity=Validity(*spec["validity"]), source=group_source)
            for row, spec in zip(list_rows, lists)]
        picks = [row.id for row, d in zip(rows, discounts) if d["picked"]]
        eva_id = eva.id

    bill_lines, sent = [], []
    for i, spec in enumerate(lines):
        known = PRODUCTS.get(spec["product"])
        category = spec["category"] or (known[0] if known else None)
        bill_lines.append(BillLine(str(i), Decimal(spec["quantity"]), spec["unit_price"], spec["product"], category,
                                   chain(category), known[1] if known else True))
        sent.append({"line_id": str(i), "product_id": spec["product"], "category_id": spec["category"],
                     "quantity": spec["quantity"], "unit_price": spec["unit_price"]})
    want = oracle(bill_lines, at, expected_lists, expected_discounts, 0)

    resp = client.post("/api/v1/bills/quote", headers=shop.token,
                       json={"customer": {"id": eva_id}, "lines": sent, "discount_ids": picks, "at": at.isoformat()})
    assert resp.status_code == 200, resp.text
    got = resp.get_json()

    def source(s):
        return Source(s["type"], s["id"], s["name"])

    def adj(a):
        percent = Decimal(a["percent"]) if a["percent"] is not None else None
        return (a["layer"], source(a["source"]), a["amount"], a["discount_id"], a["price_list_id"], percent,
                a["unit_price"], a["fixed_amount"])

    assert [(li["line_id"], li["base"], li["final"], [adj(a) for a in li["adjustments"]]) for li in got["lines"]] == [
        (line_id, base, final, adjs) for line_id, base, _l1, _l2, _l3, final, adjs in want["lines"]]
    assert [adj(a) for a in got["bill_adjustments"]] == want["bill"]
    assert (got["totals"]["base"], got["totals"]["discount"], got["totals"]["total"]) == want["totals"]
    assert Counter((n["discount_id"], n["reason"], source(n["source"]), n["line_id"])
                   for n in got["not_applied"]) == want["not_applied"]


def _catalog():
    """The oracle's catalog, written by the first example (the tables are emptied per test)."""
    cats = {c.external_id: c for c in db.session.scalars(select(Category).where(Category.external_id.in_(CATEGORIES)))}
    if not cats:
        return _build_catalog()
    prods = {p.external_id: p for p in db.session.scalars(select(Product).where(Product.external_id.in_(list(PRODUCTS))))}
    return cats, prods


def _eva():
    eva = db.session.scalar(select(Customer).where(Customer.first_name == "Eva"))
    return eva or make_customer("Eva", "Nováková")
