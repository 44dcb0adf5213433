"""The pricing engine: what each line of a bill costs a customer, and why.

A pure module (no Flask, no database; ARCHITECTURE 6a). It receives a bill - lines with the
POS's external product and category ids, quantity and unit gross price - and the rules that
reach this customer: the price lists and discounts granted by the customer's group (and tier),
plus the discounts staff picked for this bill. It returns every line's base, the adjustments
with their source, the final amount, the bill-level adjustments, totals, and the discounts
that did not apply with the reason. The quote endpoint, the panel's "try a bill", the
terminal and the re-pricing of documents all call `quote`.

The rule, in ARCHITECTURE terms: **layers compound; each layer keeps only its best
candidate.** Price lists, then line discounts, then one bill discount split by largest
remainder, then points. Every amount is integer minor units; half-up means .5 of a minor unit
goes away from zero (`panel.money.round_half_up`). "Eligible" means the line is discountable.

0. ``base = round_half_up(q * u)``. A non-eligible line keeps its base through every step
   and does not count towards a minimum bill.
1. Price-list layer -> ``L1``. Each entry of a granted price list valid at the bill's time
   that matches an eligible line proposes a line total: a product price p gives
   ``round_half_up(q * p)``, a category percent r gives ``base - round_half_up(base * r / 100)``
   (a category entry covers the category's children). The lowest proposal below the base
   wins; ties go to the older list (lower ``created_order``, then lower id). Lists never stack.
2. Line-discount layer -> ``L2``. Discounts of scope categories/products, granted or picked,
   valid now, covering the line and not excluding it. A percent gives
   ``round_half_up(L1 * r / 100)``, a fixed amount a gives ``min(round_half_up(q * a), L1)``.
   Only the single largest applies (ties: the lower discount id). ``L2 = L1 - that``.
3. Bill layer -> ``L3``. Bill-scope discounts whose minimum is met by ``S``, the sum of
   eligible ``L2``. A percent gives ``round_half_up(S * r / 100)``, a fixed amount
   ``min(a, S)``. Only the largest applies (ties: the lower discount id); it is split over
   the eligible lines in proportion to their ``L2`` by the largest-remainder method
   (`panel.money.allocate`: ties to the larger L2, then the earlier line), so the parts sum
   to it exactly. A bill discount's exclusions take those lines out of its ``S`` and its split.
4. Points redemption (the ``redeem`` argument, minor units already converted from points)
   -> ``final``: capped at the sum of eligible ``L3``, split the same way as step 3.

Validity: dates inclusive on the bill's local date; weekly windows (days 1-7, from-to local
hours, past midnight when to <= from) on the bill's local time, which the caller passes in the
restaurant's zone. A hidden (not selectable) discount picked by staff is refused as
``not_selectable``; a rule reaching the bill from two sources counts once.
"""

from panel.pricing.engine import quote
from panel.pricing.model import (
    ALWAYS,
    BETTER_DISCOUNT_APPLIED,
    BILL_DISCOUNT,
    GROUP,
    LINE_DISCOUNT,
    MIN_BILL_NOT_MET,
    NOT_DISCOUNTABLE,
    NOT_SELECTABLE,
    OUTSIDE_TIME_WINDOW,
    POINTS,
    PRICE_LIST,
    SCOPE_BILL,
    SCOPE_CATEGORIES,
    SCOPE_PRODUCTS,
    STAFF,
    TIER,
    Adjustment,
    BillLine,
    Discount,
    NotApplied,
    PricedLine,
    PriceEntry,
    PriceList,
    Quote,
    Source,
    Totals,
    Validity,
    WeeklyWindow,
)

__all__ = [
    "ALWAYS",
    "BETTER_DISCOUNT_APPLIED",
    "BILL_DISCOUNT",
    "GROUP",
    "LINE_DISCOUNT",
    "MIN_BILL_NOT_MET",
    "NOT_DISCOUNTABLE",
    "NOT_SELECTABLE",
    "OUTSIDE_TIME_WINDOW",
    "POINTS",
    "PRICE_LIST",
    "SCOPE_BILL",
    "SCOPE_CATEGORIES",
    "SCOPE_PRODUCTS",
    "STAFF",
    "TIER",
    "Adjustment",
    "BillLine",
    "Discount",
    "NotApplied",
    "PricedLine",
    "PriceEntry",
    "PriceList",
    "Quote",
    "Source",
    "Totals",
    "Validity",
    "WeeklyWindow",
    "quote",
]
