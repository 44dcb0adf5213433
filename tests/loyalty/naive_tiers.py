"""A naive reading of issue 17's "The rule", written apart from panel/loyalty/tiers.py: days
walked one by one, months counted on a calendar, every branch of the rule spelled out. The
pure module and the SQL evaluation are both checked against it."""
from __future__ import annotations

from datetime import date, timedelta


def period_days(day: date, rolling_days: int | None, calendar: str | None) -> set[date]:
    """Every day of the period ending on `day`."""
    days, d = set(), day
    if calendar is None:
        for _ in range(rolling_days):
            days.add(d)
            d -= timedelta(days=1)
        return days

    def same(x: date) -> bool:
        if calendar == "month":
            return (x.year, x.month) == (day.year, day.month)
        if calendar == "quarter":
            return x.year == day.year and (x.month - 1) // 3 == (day.month - 1) // 3
        return x.year == day.year

    while same(d):
        days.add(d)
        d -= timedelta(days=1)
    return days


def plus_validity(day: date, unit: str, n: int) -> date:
    if unit == "days":
        return day + timedelta(days=n)
    year, month = day.year, day.month
    for _ in range(n):
        month += 1
        if month == 13:
            year, month = year + 1, 1
    last = 31
    while True:
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            last -= 1


def figures(docs: list[dict], day: date, counted: set[str], rolling_days, calendar) -> tuple[int, int]:
    """docs: {"id", "type", "on", "total", "original"} of one customer (and returns of them)."""
    in_period = period_days(day, rolling_days, calendar)
    turnover = documents = 0
    for sale in docs:
        if sale["type"] not in counted or sale["type"] not in ("receipt", "invoice") or sale["on"] not in in_period:
            continue
        given_back = 0
        for r in docs:
            if r["type"] in ("return", "correction") and r["original"] == sale["id"] and r["on"] <= day:
                given_back += r["total"]
        net = sale["total"] - given_back
        turnover += net
        if net > 0:
            documents += 1
    return turnover, documents


def judge(tiers: list[dict], cur: int | None, valid_until: date | None, manual: bool, staff: bool,
          include_staff: bool, turnover: int, documents: int, day: date, unit: str, n: int):
    """tiers: [{"key", "automatic", "threshold", "min_documents"}] highest first.
    Returns (tier key or None, valid until, changed?)."""
    if manual and (valid_until is None or day <= valid_until):
        return cur, valid_until, False
    position = {t["key"]: i for i, t in enumerate(tiers)}
    if cur not in position:
        cur = None
    if staff and not include_staff:
        return None, None, cur is not None
    qualified = None
    for i, t in enumerate(tiers):
        if t["automatic"] and turnover >= t["threshold"] and documents >= t["min_documents"]:
            qualified = i
            break
    new_valid = plus_validity(day, unit, n)
    if qualified is not None and (cur is None or qualified < position[cur]):
        return tiers[qualified]["key"], new_valid, True
    if qualified is not None and tiers[qualified]["key"] == cur:
        return cur, new_valid, False
    if cur is None:
        return None, None, False
    if valid_until is not None and day <= valid_until:
        return cur, valid_until, False
    if qualified is None:
        return None, None, True
    return tiers[qualified]["key"], new_valid, True
