"""Loyalty points: how many a document earns, what a return takes back, what a redemption is
worth, and which points have expired. A pure module (ARCHITECTURE 6a): the points service loads
the tenant's rule and the customer's ledger and writes what these functions decide.

The rule (issue 16, "Points"):

- **Earn.** A document of an earning type (receipts and invoices by default) earns
  ``floor(eligible * per_unit / unit)`` points, where ``eligible`` is what the customer paid
  for the lines whose product earns points: their final amounts, after discounts and points
  redemption, whatever the payment method (wallet included). Rounded down once per document.
- **Returns and corrections** recompute the original's points on its net eligible amount
  (``eligible`` less what the returns gave back on earning lines) and reverse the difference
  (``reversal``); the balance may go below zero, and the ledger says why.
- **Redemption.** ``redeem_points`` points are worth ``redeem_value`` minor units. A redemption
  never uses more than the customer has, nor takes off more than the eligible total of the bill
  after the bill layer, and uses only the points its value needs (the fewest worth it). The
  value is split over the eligible lines like a bill discount (the pricing engine's step 4).
- **Expiry.** Points expire ``expiry_months`` after the day they were earned, oldest first:
  every debit (a redemption, a reversal, an expiry, a negative adjustment, a transfer out) uses
  the oldest points still there; points left of a batch on its expiry day are written off.
  A debit beyond what is there leaves a deficit that the next points earned pay first.
Points are whole numbers, money integer minor units; no float anywhere.
"""
from __future__ import annotations

import calendar
from collections import deque
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Iterable, NamedTuple


@dataclass(frozen=True)
class PointsRule:
    """A tenant's points rule. ``per_unit`` points per 1 unit of currency (``unit`` minor units:
    100 for PLN and CZK); ``redeem_points`` points are worth ``redeem_value`` minor units."""

    per_unit: Decimal = Decimal(1)
    unit: int = 100
    redeem_points: int = 100
    redeem_value: int = 100
    expiry_months: int | None = None

    def __post_init__(self) -> None:
        if isinstance(self.per_unit, (float, bool)) or not isinstance(self.per_unit, (int, Decimal)):
            raise TypeError("per_unit must be Decimal, never float")
        if not Decimal(self.per_unit).is_finite() or self.per_unit < 0:
            raise ValueError("per_unit must be a finite number >= 0")
        for name in ("unit", "redeem_points", "redeem_value"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name} must be a positive int")
        if self.expiry_months is not None and not 0 < self.expiry_months <= 120:
            raise ValueError("expiry_months must be 1-120 or None")


def eligible_amount(lines: Iterable[tuple[int, bool]]) -> int:
    """What was paid for the earning lines: the sum of (final, earns_points) lines' finals."""
    return sum(final for final, earns in lines if earns)


def earned(eligible: int, rule: PointsRule) -> int:
    """Points a document earns on ``eligible`` minor units, rounded down; nothing below zero."""
    if eligible <= 0:
        return 0
    exact = Fraction(eligible) * Fraction(rule.per_unit) / rule.unit
    return exact.numerator // exact.denominator


def reversal(earned_so_far: int, net_eligible: int, rule: PointsRule) -> int:
    """Points a return or correction takes back: what the original document has earned so far
    (its earn entry less earlier reversals) minus what its net eligible amount earns now."""
    return earned_so_far - earned(net_eligible, rule)


class Redemption(NamedTuple):
    points: int  # points used
    value: int   # minor units taken off the bill


def redemption(requested: int, balance: int, eligible_total: int, rule: PointsRule) -> Redemption:
    """What redeeming ``requested`` points does to a bill whose eligible lines cost
    ``eligible_total`` after the bill layer, for a customer holding ``balance`` points."""
    if requested < 0:
        raise ValueError("requested points must not be negative")
    offered = min(requested, max(balance, 0))
    value = min(offered * rule.redeem_value // rule.redeem_points, max(eligible_total, 0))
    # Only the points that value needs (the fewest worth it: a ceiling), never a point spent
    # for nothing; never more than offered, since the offered points are worth at least it.
    return Redemption(-(-value * rule.redeem_points // rule.redeem_value), value)


# --- expiry ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Movement:
    """One ledger entry as the expiry rule sees it: its (restaurant-local) day and points."""

    on: date
    points: int


@dataclass(frozen=True)
class Batch:
    """Points earned on one day that are still there, and the day they expire."""

    earned_on: date
    expires_on: date
    points: int


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it has no such day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def batches(movements: Iterable[Movement], months: int) -> list[Batch]:
    """The batches still there after ``movements`` (in ledger order), oldest first."""
    left: deque[list] = deque()  # [earned_on, points] of each batch, oldest first
    deficit = 0
    for move in movements:
        if move.points > 0:
            points = move.points - min(deficit, move.points)
            deficit -= move.points - points
            if points:
                left.append([move.on, points])
        else:
            debit = -move.points
            while debit and left:
                used = min(debit, left[0][1])
                left[0][1] -= used
                debit -= used
                if not left[0][1]:
                    left.popleft()
            deficit += debit
    return [Batch(on, add_months(on, months), points) for on, points in left]


def expired(movements: Iterable[Movement], today: date, months: int) -> list[Batch]:
    """The batches whose expiry day has come by ``today``: what an expiry run writes off (one
    entry per batch). Earlier expiry entries are among the movements, so a second run on the
    same day finds nothing."""
    return [b for b in batches(movements, months) if b.expires_on <= today]


def next_expiry(movements: Iterable[Movement], today: date, months: int) -> Batch | None:
    """The next batch to expire after ``today`` (what the customer page shows), else None."""
    return next((b for b in batches(movements, months) if b.expires_on > today), None)
