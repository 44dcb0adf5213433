"""Loyalty tiers by turnover (issue 17): the rule, as a pure module (no Flask, no database).

The set-based evaluation (panel/services/loyalty/evaluation.py) computes the same thing in SQL
for a whole tenant at once; it takes its dates (the period, the new validity) from here, and
its tests check it against this text's naive reading.

The rule, for each customer at evaluation date D (the restaurant's date):

- A counted sale document's **net** is what the customer paid for it minus what its returns
  and corrections issued up to D gave back. It belongs to the period by its own issue date.
  An ``invoice_for_receipt`` never counts (its receipt does).
- ``turnover`` = the sum of the nets of the counted sale documents issued in the period ending
  on D; ``documents`` = how many of them have a net above zero.
- ``qualified`` = the highest automatic tier whose turnover threshold and minimum documents are
  both met (or none).
- With a current tier ``cur`` valid until ``V``:
  - ``qualified`` above ``cur``: move up to ``qualified``, valid until D + validity;
  - ``qualified`` equal to ``cur``: stay, valid until D + validity (re-qualified);
  - ``qualified`` below ``cur`` (or none) and D <= V: stay at ``cur``, V unchanged;
  - ``qualified`` below ``cur`` (or none) and D > V: move to ``qualified`` (or no tier), valid
    until D + validity (or none).
- A manual assignment wins over evaluation until it ends (its ``until`` has passed) or is
  removed; then the next evaluation applies the rule. Manual-only tiers are never given by
  evaluation. A current tier with no ``valid_until`` (a removed manual assignment) holds nothing.
- Staff members are skipped unless staff are included: they keep a manual tier only (any other
  tier is taken away).

Tiers are ranked: rank 1 is the highest (Gold), a larger rank is lower.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable, Literal, Sequence

from .points import add_months

SALE_TYPES = ("receipt", "invoice")      # what a customer bought; the only types that can count
REFUND_TYPES = ("return", "correction")  # give money back against their original
CALENDAR_PERIODS = ("month", "quarter", "year")
VALIDITY_UNITS = ("days", "months")
MAX_ROLLING_DAYS = 3660
MAX_VALIDITY = {"days": 3660, "months": 120}

Outcome = Literal["up", "down", "kept", "requalified", "unchanged", "manual"]


@dataclass(frozen=True)
class Settings:
    """What the evaluation counts and how long a tier holds. ``calendar`` None means a rolling
    period of ``rolling_days`` days ending on D (D included)."""

    counted_types: tuple[str, ...] = SALE_TYPES
    rolling_days: int = 365
    calendar: str | None = None
    validity_unit: str = "days"
    validity: int = 90
    include_staff: bool = False

    def __post_init__(self) -> None:
        if not set(self.counted_types) <= set(SALE_TYPES):
            raise ValueError(f"only {SALE_TYPES} can count")
        if self.calendar is not None and self.calendar not in CALENDAR_PERIODS:
            raise ValueError(f"calendar must be one of {CALENDAR_PERIODS}")
        if self.calendar is None and not 1 <= self.rolling_days <= MAX_ROLLING_DAYS:
            raise ValueError(f"rolling_days must be 1-{MAX_ROLLING_DAYS}")
        if self.validity_unit not in VALIDITY_UNITS:
            raise ValueError(f"validity_unit must be one of {VALIDITY_UNITS}")
        if not 0 <= self.validity <= MAX_VALIDITY[self.validity_unit]:
            raise ValueError("validity out of range")


@dataclass(frozen=True)
class Tier:
    """One rung. ``rank`` 1 is the highest; ``key`` names it (the row id, or a name for unsaved ones)."""

    key: object
    rank: int
    automatic: bool
    threshold: int       # turnover in the period, minor units
    min_documents: int


@dataclass(frozen=True)
class Doc:
    id: int
    type: str
    issued_on: date
    total: int           # a sale: what was paid; a return/correction: what it gave back
    original_id: int | None = None


@dataclass(frozen=True)
class State:
    """A customer's tier now: ``tier`` is a key of a Tier (or None), ``valid_until`` its hold."""

    tier: object = None
    valid_until: date | None = None
    manual: bool = False


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    tier: object
    valid_until: date | None
    turnover: int
    documents: int


def period(settings: Settings, day: date) -> tuple[date, date]:
    """The first and last day of the period ending on ``day``."""
    if settings.calendar is None:
        return day - timedelta(days=settings.rolling_days - 1), day
    if settings.calendar == "month":
        return day.replace(day=1), day
    if settings.calendar == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1), day
    return date(day.year, 1, 1), day


def valid_until(settings: Settings, day: date) -> date:
    """D + validity: the last day a tier reached on ``day`` holds without re-qualifying."""
    if settings.validity_unit == "months":
        return add_months(day, settings.validity)
    return day + timedelta(days=settings.validity)


def figures(settings: Settings, docs: Iterable[Doc], day: date) -> tuple[int, int]:
    """(turnover, documents) of one customer's documents at ``day``."""
    docs = list(docs)
    start, end = period(settings, day)
    back: dict[int, int] = {}
    for d in docs:
        if d.type in REFUND_TYPES and d.original_id is not None and d.issued_on <= day:
            back[d.original_id] = back.get(d.original_id, 0) + d.total
    turnover = documents = 0
    for d in docs:
        if d.type in settings.counted_types and start <= d.issued_on <= end:
            net = d.total - back.get(d.id, 0)
            turnover += net
            documents += net > 0
    return turnover, documents


def qualified(tiers: Sequence[Tier], turnover: int, documents: int) -> Tier | None:
    """The highest automatic tier whose threshold and minimum documents are both met."""
    met = [t for t in tiers if t.automatic and turnover >= t.threshold and documents >= t.min_documents]
    return min(met, key=lambda t: t.rank, default=None)


def manual_active(state: State, day: date) -> bool:
    return state.manual and (state.valid_until is None or day <= state.valid_until)


def decide(settings: Settings, tiers: Sequence[Tier], state: State, turnover: int, documents: int,
           day: date, *, staff: bool = False) -> Decision:
    """What the evaluation on ``day`` does to a customer in ``state`` with these figures."""
    if manual_active(state, day):
        return Decision("manual", state.tier, state.valid_until, turnover, documents)
    rank = {t.key: t.rank for t in tiers}
    current = state.tier if state.tier in rank else None
    if staff and not settings.include_staff:
        if current is None:
            return Decision("unchanged", None, None, turnover, documents)
        return Decision("down", None, None, turnover, documents)
    q = qualified(tiers, turnover, documents)
    until = valid_until(settings, day)
    if q is not None and (current is None or q.rank < rank[current]):
        return Decision("up", q.key, until, turnover, documents)
    if q is not None and q.key == current:
        if state.valid_until == until and not state.manual:
            return Decision("unchanged", current, until, turnover, documents)
        return Decision("requalified", current, until, turnover, documents)
    if current is None:
        return Decision("unchanged", None, None, turnover, documents)
    if state.valid_until is not None and day <= state.valid_until:
        return Decision("kept", current, state.valid_until, turnover, documents)
    return Decision("down", q.key if q else None, until if q else None, turnover, documents)


def missing(tiers: Sequence[Tier], current: object, turnover: int, documents: int) -> tuple[Tier, int, int] | None:
    """The next automatic tier above ``current`` and what is missing for it: (tier, turnover
    short, documents short); None at the top. What the terminal shows as "32 zł to Gold"."""
    rank = {t.key: t.rank for t in tiers}
    above = [t for t in tiers if t.automatic and (current not in rank or t.rank < rank[current])]
    for t in sorted(above, key=lambda t: -t.rank):
        short, docs_short = max(0, t.threshold - turnover), max(0, t.min_documents - documents)
        if short or docs_short:
            return t, short, docs_short
    return None
