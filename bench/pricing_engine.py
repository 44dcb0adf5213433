"""Time the pure pricing engine (panel.pricing.quote) on issue 15's bench bill.

    .venv/bin/python -m bench.pricing_engine [--bills 2000]

A 20-line bill in a catalog of 5,000 products (100 categories, 10 roots of 10 children) for a
customer whose group grants 3 discounts (a hidden 5% on the bill, 10% on one root category in
a happy hour that is on, 2.00 off a few products) and 2 price lists of 500 entries (one of
product prices, one of product prices and category percents). About half the lines are on a
list, so every layer does work. Printed, per bill:

* engine      - quote() with the rules already built: what the engine itself costs, its
                per-quote index of the price-list entries included (aim: under 1 ms);
* with rules  - the same plus building the rule dataclasses from plain rows, as a service that
                loads the rows per request would (1,000 validated price-list entries).

Figures only; nothing is asserted.
"""
from __future__ import annotations

import argparse
import random
import time
from datetime import datetime
from datetime import time as clock
from decimal import Decimal

from bench import pct
from panel.pricing import (
    BillLine,
    Discount,
    PriceEntry,
    PriceList,
    Source,
    WeeklyWindow,
    quote,
)

AT = datetime(2026, 12, 4, 16, 30)  # a Friday, inside the 15:00-17:00 happy hour
GROUP = Source("group", 1, "regulars")
ROOTS = [f"root{r}" for r in range(10)]
PARENT = {f"cat{r}-{c}": ROOTS[r] for r in range(10) for c in range(10)}
CATEGORIES = sorted(PARENT)


def catalog(rng: random.Random) -> dict[str, tuple[str, int]]:
    """5,000 products: id -> (category, unit price)."""
    return {f"prod{i}": (CATEGORIES[i % 100], rng.randrange(500, 6000, 10)) for i in range(5000)}


def bill(rng: random.Random, products: dict[str, tuple[str, int]], on_list: list[str]) -> list[BillLine]:
    picks = rng.sample(on_list, 10) + rng.sample(sorted(products), 10)
    quantities = [Decimal("1"), Decimal("2"), Decimal("0.5"), Decimal("1.250"), Decimal("3")]
    lines = []
    for n, product in enumerate(picks):
        category, price = products[product]
        lines.append(BillLine(str(n + 1), rng.choice(quantities), price, product, category,
                              (PARENT[category],), discountable=n % 10 != 9))
    return lines


def rule_rows(rng: random.Random, products: dict[str, tuple[str, int]]) -> dict:
    """The rules as a service would load them: plain rows."""
    ids = sorted(products)
    first = rng.sample(ids, 500)
    second = rng.sample(ids, 450)
    return {
        "lists": [
            (1, "Gold", [(p, products[p][1] * 9 // 10, None, None) for p in first]),
            (2, "Lunch", [(p, products[p][1] - 50, None, None) for p in second]
             + [(None, None, c, Decimal("7.5")) for c in CATEGORIES[:50]]),
        ],
        "discounts": [
            (10, "regulars -5%", dict(percent=Decimal("5"), selectable=False)),
            (11, "happy hour", dict(percent=Decimal("10"), scope="categories", category_ids={ROOTS[3]},
                                    weekly=(WeeklyWindow({1, 2, 3, 4, 5}, clock(15), clock(17)),))),
            (12, "2 zl off", dict(amount=200, scope="products", product_ids=set(ids[:40]))),
        ],
    }


def build_rules(rows: dict) -> tuple[list[PriceList], list[Discount]]:
    lists = [
        PriceList(list_id, name, [PriceEntry(p, price, c, percent) for p, price, c, percent in entries],
                  created_order=list_id, source=GROUP)
        for list_id, name, entries in rows["lists"]
    ]
    discounts = [Discount(d_id, name, GROUP, **fields) for d_id, name, fields in rows["discounts"]]
    return lists, discounts


def timed(fn, runs: int) -> tuple[list[float], float]:
    """Wall milliseconds of each run, and the mean CPU milliseconds of this thread per run
    (the machine is shared: wall time includes waiting for a core, CPU time does not)."""
    out = []
    cpu_start = time.thread_time_ns()
    for _ in range(runs):
        start = time.perf_counter_ns()
        fn()
        out.append((time.perf_counter_ns() - start) / 1e6)
    return out, (time.thread_time_ns() - cpu_start) / 1e6 / runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bills", type=int, default=2000)
    args = parser.parse_args()
    rng = random.Random(15)
    products = catalog(rng)
    rows = rule_rows(rng, products)
    lists, discounts = build_rules(rows)
    on_list = [p for p, *_ in rows["lists"][0][2]]
    bills = [bill(rng, products, on_list) for _ in range(50)]

    sample = quote(bills[0], at=AT, price_lists=lists, discounts=discounts)
    layers = sorted({a.layer for line in sample.lines for a in line.adjustments})
    print(f"bill: {len(bills[0])} lines, layers used {layers}, "
          f"totals {sample.totals.base} -> {sample.totals.total}")

    it = iter(range(10**9))
    engine = timed(lambda: quote(bills[next(it) % 50], at=AT, price_lists=lists, discounts=discounts),
                   args.bills)

    def with_rules() -> None:
        built_lists, built_discounts = build_rules(rows)
        quote(bills[next(it) % 50], at=AT, price_lists=built_lists, discounts=built_discounts)

    full = timed(with_rules, max(args.bills // 4, 1))
    for name, (values, cpu) in (("engine", engine), ("with rules", full)):
        print(f"{name:<11} per bill: wall min {min(values):.3f} ms  p50 {pct(values, 50):.3f} ms  "
              f"p99 {pct(values, 99):.3f} ms  mean {sum(values) / len(values):.3f} ms; "
              f"cpu mean {cpu:.3f} ms  ({len(values)} bills)")


if __name__ == "__main__":
    main()
