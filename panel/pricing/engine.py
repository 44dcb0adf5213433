"""The pricing rule, step by step (see the package docstring for the rule itself)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import Iterable, Sequence

from panel.money import allocate, line_total, percent_of, round_half_up
from panel.pricing.model import (
    BETTER_DISCOUNT_APPLIED,
    BILL_DISCOUNT,
    GROUP,
    LINE_DISCOUNT,
    MIN_BILL_NOT_MET,
    NOT_DISCOUNTABLE,
    NOT_SELECTABLE,
    OUTSIDE_TIME_WINDOW,
    POINTS,
    POINTS_SOURCE,
    PRICE_LIST,
    SCOPE_BILL,
    STAFF,
    TIER,
    Adjustment,
    BillLine,
    Discount,
    NotApplied,
    PricedLine,
    PriceList,
    Quote,
    Source,
    Totals,
)

# When one rule reaches the bill twice (a group and the tier grant the same discount, or
# staff pick one the group already gives), it counts once, credited to the first of these.
_SOURCE_RANK = {GROUP: 0, TIER: 1, PRICE_LIST: 2, STAFF: 3}


@dataclass
class _Line:
    """A line being priced: its running amounts and what happened to it so far."""

    line: BillLine
    q: Fraction  # the quantity, exact: every "q x price" of the rule is round_half_up(q * p)
    base: int
    l1: int = 0
    l2: int = 0
    l3: int = 0
    final: int = 0
    adjustments: list[Adjustment] = field(default_factory=list)

    def take(self, amount: int, adjustment: Adjustment) -> int:
        """Record a layer's reduction (none when it is 0) and return the reduction."""
        if amount:
            self.adjustments.append(adjustment)
        return amount


def quote(
    lines: Sequence[BillLine],
    *,
    at: datetime,
    price_lists: Iterable[PriceList] = (),
    discounts: Iterable[Discount] = (),
    redeem: int = 0,
) -> Quote:
    """Price `lines` at the bill's local time `at` with the rules granted to the customer.

    `price_lists` and `discounts` are everything the customer's group and tier grant plus the
    staff picks (source type "staff"); `redeem` is the points redemption of step 4, already
    converted to minor units (capped at what the eligible lines still cost).
    """
    if isinstance(redeem, bool) or not isinstance(redeem, int) or redeem < 0:
        raise ValueError("redeem must be a non-negative int of minor units")
    not_applied: list[NotApplied] = []
    active = _active_discounts(discounts, at, not_applied)
    line_rules = [d for d in active if d.scope != SCOPE_BILL]
    bill_rules = [d for d in active if d.scope == SCOPE_BILL]
    prices = _PriceLists(price_lists, at)

    work = []
    for line in lines:
        base = line_total(line.quantity, line.unit_price)  # step 0
        item = _Line(line, Fraction(line.quantity), base)
        if line.discountable:
            item.l1 = prices.best(item)  # step 1
            item.l2 = _line_discount(item, line_rules, not_applied)  # step 2
        else:
            item.l1 = item.l2 = item.base
            not_applied.extend(
                NotApplied(d.id, NOT_DISCOUNTABLE, d.source, line.line_id)
                for d in line_rules
                if d.covers(line)
            )
        work.append(item)

    bill_adjustments = _bill_discount(work, bill_rules, not_applied)  # step 3
    redeemed = _redeem_points(work, redeem, bill_adjustments)  # step 4
    return _result(work, bill_adjustments, not_applied, redeemed)


def _first_per_id(rules: Iterable, rank_of) -> list:
    """One rule per id: the one from the highest-ranked source, then the first given."""
    ranked = sorted(enumerate(rules), key=lambda pair: (rank_of(pair[1]), pair[0]))
    kept: dict[int, object] = {}
    for _, rule in ranked:
        kept.setdefault(rule.id, rule)
    return list(kept.values())


def _active_discounts(
    discounts: Iterable[Discount], at: datetime, not_applied: list[NotApplied]
) -> list[Discount]:
    """Refuse hidden staff picks, count each discount once, and keep those valid at `at`."""
    allowed = []
    for discount in discounts:
        if discount.source.type == STAFF and not discount.selectable:
            not_applied.append(NotApplied(discount.id, NOT_SELECTABLE, discount.source))
        else:
            allowed.append(discount)
    active = []
    for discount in _first_per_id(allowed, lambda d: _SOURCE_RANK.get(d.source.type, 3)):
        if discount.active_at(at):
            active.append(discount)
        else:
            not_applied.append(NotApplied(discount.id, OUTSIDE_TIME_WINDOW, discount.source))
    return active


class _PriceLists:
    """The price lists valid at the bill's time, each counted once.

    Lines look their product and category chain up in each list's index (`PriceList.
    by_product` / `by_category`, built once per list), never scanning a list's entries.
    """

    def __init__(self, price_lists: Iterable[PriceList], at: datetime) -> None:
        lists = _first_per_id(price_lists, lambda p: _SOURCE_RANK.get(p.granted_by.type, 3))
        self.valid = [price_list for price_list in lists if price_list.validity.contains(at)]

    def best(self, item: _Line) -> int:
        """Step 1: the lowest proposal below the base (ties: the older list), or the base.

        Equal proposals within one list go to the product's own price, then to the nearest
        category, so what the adjustment reports is deterministic.
        """
        line, base = item.line, item.base
        best = None  # (line total, list age, list id, kind, category depth), list, entry
        for price_list in self.valid:
            age = (price_list.created_order, price_list.id)
            for entry in price_list.by_product.get(line.product_id, ()):
                key = (round_half_up(item.q * entry.unit_price), *age, 0, 0)
                if best is None or key < best[0]:
                    best = key, price_list, entry
            for depth, category in enumerate(line.categories):
                for entry in price_list.by_category.get(category, ()):
                    key = (base - percent_of(base, entry.rate), *age, 1, depth)
                    if best is None or key < best[0]:
                        best = key, price_list, entry
        if best is None or best[0][0] >= base:
            return base
        (total, *_), price_list, entry = best
        item.take(base - total, Adjustment(
            PRICE_LIST, price_list.granted_by, total - base, name=price_list.name,
            price_list_id=price_list.id, percent=entry.percent, unit_price=entry.unit_price,
        ))
        return total


def _discount_adjustment(layer: str, discount: Discount, amount: int) -> Adjustment:
    return Adjustment(
        layer, discount.source, -amount, name=discount.name, discount_id=discount.id,
        percent=discount.percent, fixed_amount=discount.amount,
    )


def _largest(candidates: list[tuple[Discount, int]]) -> tuple[Discount, int]:
    """The single largest amount; ties go to the lower discount id."""
    return min(candidates, key=lambda pair: (-pair[1], pair[0].id))


def _report_losers(candidates, winner, line_id, not_applied: list[NotApplied]) -> None:
    not_applied.extend(
        NotApplied(d.id, BETTER_DISCOUNT_APPLIED, d.source, line_id)
        for d, _ in candidates
        if d is not winner
    )


def _line_discount(item: _Line, rules: list[Discount], not_applied: list[NotApplied]) -> int:
    """Step 2: the single largest line discount on L1 (percent of L1, or q x a capped at L1)."""
    line, l1 = item.line, item.l1
    candidates = []
    for discount in rules:
        if discount.covers(line):
            if discount.rate is not None:
                amount = percent_of(l1, discount.rate)
            else:
                amount = min(round_half_up(item.q * discount.amount), l1)
            candidates.append((discount, amount))
    if not candidates:
        return l1
    winner, amount = _largest(candidates)
    if amount == 0:  # nothing to take: no adjustment, and nothing was "better"
        return l1
    item.take(amount, _discount_adjustment(LINE_DISCOUNT, winner, amount))
    _report_losers(candidates, winner, line.line_id, not_applied)
    return l1 - amount


def _bill_discount(
    work: list[_Line], rules: list[Discount], not_applied: list[NotApplied]
) -> list[Adjustment]:
    """Step 3: the single largest bill discount on S, split over its lines by L2.

    A bill discount's lines are the eligible ones it does not exclude; S is the sum of their
    L2, and its minimum bill is judged on that S (with no exclusions: all eligible lines).
    """
    for item in work:
        item.l3 = item.l2
    candidates, lines_of = [], {}
    for discount in rules:
        lines = [item for item in work if item.line.discountable and discount.covers(item.line)]
        subtotal = sum(item.l2 for item in lines)
        if subtotal < discount.min_bill:
            not_applied.append(NotApplied(discount.id, MIN_BILL_NOT_MET, discount.source))
            continue
        if discount.rate is not None:
            amount = percent_of(subtotal, discount.rate)
        else:
            amount = min(discount.amount, subtotal)
        candidates.append((discount, amount))
        lines_of[discount.id] = lines
    if not candidates:
        return []
    winner, amount = _largest(candidates)
    if amount == 0:
        return []
    lines = lines_of[winner.id]
    for item, part in zip(lines, allocate(amount, [item.l2 for item in lines])):
        item.l3 -= item.take(part, _discount_adjustment(BILL_DISCOUNT, winner, part))
    _report_losers(candidates, winner, None, not_applied)
    return [_discount_adjustment(BILL_DISCOUNT, winner, amount)]


def _redeem_points(work: list[_Line], redeem: int, bill_adjustments: list[Adjustment]) -> int:
    """Step 4: points redemption (minor units), capped at the eligible L3, split like step 3."""
    for item in work:
        item.final = item.l3
    lines = [item for item in work if item.line.discountable]
    amount = min(redeem, sum(item.l3 for item in lines))
    if amount == 0:
        return 0
    source = Source(POINTS_SOURCE)
    for item, part in zip(lines, allocate(amount, [item.l3 for item in lines])):
        item.final -= item.take(part, Adjustment(POINTS, source, -part))
    bill_adjustments.append(Adjustment(POINTS, source, -amount))
    return amount


def _result(
    work: list[_Line],
    bill_adjustments: list[Adjustment],
    not_applied: list[NotApplied],
    redeemed: int,
) -> Quote:
    priced = tuple(
        PricedLine(
            item.line.line_id, item.base, item.l1, item.l2, item.l3, item.final,
            tuple(item.adjustments),
        )
        for item in work
    )
    base = sum(line.base for line in priced)
    total = sum(line.final for line in priced)
    return Quote(
        lines=priced,
        bill_adjustments=tuple(bill_adjustments),
        totals=Totals(base=base, discount=base - total, total=total),
        not_applied=tuple(not_applied),
        redeemed=redeemed,
    )
