"""The points rule (panel.loyalty.points): worked examples, then each function against a naive
oracle that reads issue 16's "Points" section its own way: points counted out one by one,
batches as lists of single points with their expiry day, no shared code but the dataclasses.
"""
from __future__ import annotations

import os
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from panel.loyalty.points import (
    Movement,
    PointsRule,
    add_months,
    batches,
    earned,
    eligible_amount,
    expired,
    next_expiry,
    redemption,
    reversal,
)

EXAMPLES = int(os.environ.get("POINTS_EXAMPLES", "300"))
ONE_PER_ZLOTY = PointsRule()  # 1 point per 1 zł, 100 points = 1 zł


# --- worked examples ---------------------------------------------------------------------------

def test_a_bill_of_43_50_earns_43_points_rounded_down_once():
    lines = [(2550, True), (1800, True), (1200, False)]  # tobacco earns nothing
    assert eligible_amount(lines) == 4350
    assert earned(4350, ONE_PER_ZLOTY) == 43


def test_fractional_rates_round_down_per_document():
    assert earned(999, PointsRule(per_unit=Decimal("2.5"))) == 24       # 9.99 zł x 2.5 = 24.975
    assert earned(10_000, PointsRule(per_unit=Decimal("0.1"))) == 10    # 100 zł x 0.1
    assert earned(-500, ONE_PER_ZLOTY) == 0


def test_a_return_takes_back_the_difference_of_the_recomputed_points():
    # 43.50 earned 43; 10.00 of it returned: the net 33.50 earns 33, so 10 go back.
    assert reversal(43, 4350 - 1000, ONE_PER_ZLOTY) == 10
    # A second return of 0.60 on the same document: 33.50 -> 32.90 earns 32: one more point back.
    assert reversal(33, 3290, ONE_PER_ZLOTY) == 1


def test_redemption_is_capped_by_the_balance_and_by_the_eligible_total():
    assert redemption(500, 320, 10_000, ONE_PER_ZLOTY) == (320, 320)           # only 320 held
    hundred_is_a_zloty = PointsRule(redeem_points=100, redeem_value=100)
    assert redemption(5000, 9000, 1234, hundred_is_a_zloty) == (1234, 1234)  # bill caps it
    ten_per_grosz = PointsRule(redeem_points=10, redeem_value=1)
    # 1,000 points are worth 100 grosze; a bill of 0.55 zł needs only 550 of them.
    assert redemption(1000, 1000, 55, ten_per_grosz) == (550, 55)
    assert redemption(9, 100, 500, ten_per_grosz) == (0, 0)                   # worth nothing yet


def test_months_clamp_to_the_end_of_a_short_month():
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 15), 14) == date(2028, 1, 15)


def test_the_oldest_points_go_first_and_expire_on_their_day():
    moves = [Movement(date(2026, 1, 10), 100), Movement(date(2026, 3, 1), 50),
             Movement(date(2026, 6, 1), -120)]  # a redemption uses January's 100 and 20 of March's
    assert [(b.earned_on, b.points) for b in batches(moves, 12)] == [(date(2026, 3, 1), 30)]
    assert expired(moves, date(2027, 2, 28), 12) == []
    assert [(b.expires_on, b.points) for b in expired(moves, date(2027, 3, 1), 12)] == [(date(2027, 3, 1), 30)]
    # Written off, nothing is left to expire a second time.
    after = moves + [Movement(date(2027, 3, 1), -30)]
    assert expired(after, date(2027, 3, 1), 12) == [] and next_expiry(after, date(2027, 3, 1), 12) is None


def test_a_deficit_from_a_return_is_paid_by_the_next_points_earned():
    moves = [Movement(date(2026, 1, 1), 10), Movement(date(2026, 1, 2), -25), Movement(date(2026, 2, 1), 40)]
    assert [(b.earned_on, b.points) for b in batches(moves, 6)] == [(date(2026, 2, 1), 25)]
    assert next_expiry(moves, date(2026, 5, 1), 6).expires_on == date(2026, 8, 1)


def test_a_rule_refuses_floats_and_nonsense():
    with pytest.raises(TypeError):
        PointsRule(per_unit=1.5)
    with pytest.raises(ValueError):
        PointsRule(redeem_points=0)
    with pytest.raises(ValueError):
        PointsRule(expiry_months=0)


# --- the naive oracle ---------------------------------------------------------------------------

def naive_earned(eligible: int, per_unit: Decimal, unit: int) -> int:
    """Count whole points: how many times does one point's price fit into what was paid?"""
    if eligible <= 0 or per_unit == 0:
        return 0
    # One point costs unit / per_unit minor units; compare exactly in integers scaled by 10**6.
    scale = 10**6
    price_scaled = int(Decimal(unit) * scale / per_unit) if (Decimal(unit) * scale / per_unit) % 1 == 0 else None
    if price_scaled is None:  # not exact at this scale: fall back to the definition in Decimal
        from decimal import ROUND_FLOOR, localcontext

        with localcontext() as ctx:
            ctx.prec = 60
            return int((Decimal(eligible) * per_unit / unit).to_integral_value(rounding=ROUND_FLOOR))
    points = 0
    while (points + 1) * price_scaled <= eligible * scale:
        points += 1
    return points


def naive_redemption(requested, balance, eligible_total, redeem_points, redeem_value):
    """Spend points one at a time while the customer has them, they were offered, and the bill
    still has value left to take off."""
    best = (0, 0)
    for points in range(0, min(requested, max(balance, 0)) + 1):
        value = min(points * redeem_value // redeem_points, max(eligible_total, 0))
        if value > best[1]:
            best = (points, value)  # the fewest points for each higher value
    return best


def naive_left(moves, months):
    """Every point as its own item (its earning day), debits taking the oldest one by one."""
    pile, owed = [], 0
    for on, points in moves:
        if points > 0:
            for _ in range(points):
                if owed:
                    owed -= 1
                else:
                    pile.append(on)
        else:
            for _ in range(-points):
                if pile:
                    pile.pop(0)
                else:
                    owed += 1
    return pile


rules = st.builds(PointsRule, per_unit=st.decimals(min_value=0, max_value=20, places=2),
                  redeem_points=st.integers(1, 1000), redeem_value=st.integers(1, 500))


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.integers(-1000, 2_000_000), rules)
def test_earned_agrees_with_counting_points(eligible, rule):
    assert earned(eligible, rule) == naive_earned(eligible, rule.per_unit, rule.unit)


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.integers(0, 600), st.integers(-50, 600), st.integers(-10, 800), rules)
def test_redemption_agrees_with_spending_points_one_by_one(requested, balance, total, rule):
    got = redemption(requested, balance, total, rule)
    assert (got.points, got.value) == naive_redemption(requested, balance, total, rule.redeem_points,
                                                       rule.redeem_value)


movements = st.lists(st.tuples(st.integers(0, 900), st.integers(-60, 80).filter(bool)), max_size=25)


@settings(max_examples=EXAMPLES, deadline=None)
@given(movements, st.integers(1, 24), st.integers(0, 1500))
def test_expiry_agrees_with_points_counted_one_by_one(raw, months, today_offset):
    start = date(2026, 1, 1)
    moves = sorted(((start + timedelta(days=d), p) for d, p in raw), key=lambda m: m[0])
    today = start + timedelta(days=today_offset)
    pile = naive_left(moves, months)
    expected_due = {}
    for on in pile:
        if add_months(on, months) <= today:
            expected_due[on] = expected_due.get(on, 0) + 1
    ledger = [Movement(on, p) for on, p in moves]
    due = {}
    for batch in expired(ledger, today, months):
        due[batch.earned_on] = due.get(batch.earned_on, 0) + batch.points
    assert due == expected_due
    assert sum(b.points for b in batches(ledger, months)) == len(pile)
