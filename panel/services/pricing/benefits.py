"""What a customer's group gives them right now: for the terminal after a scan.

Only what applies through the group is listed (hidden discounts included, marked as group
benefits): the terminal offers nothing staff could hand out, and says nothing of discounts
outside their hours except that they exist and when.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ... import clock
from . import rules, words
from .rules import GroupRef


@dataclass(frozen=True)
class Benefit:
    name: str
    sentence: str
    hidden: bool      # not available on the terminal: reaches the bill only through the group
    now: bool         # valid at this moment (dates and hours)


@dataclass(frozen=True)
class Benefits:
    group: GroupRef
    discounts: tuple[Benefit, ...]
    price_lists: tuple[str, ...]  # names of the lists valid now


def of_group(tenant_id: int, group: GroupRef | None, at: datetime | None = None) -> Benefits | None:
    if group is None:
        return None
    at = at or clock.now()
    found = rules.discounts(tenant_id, group, ())
    names = words.names_of(tenant_id, found.discounts)
    discounts = sorted(
        (Benefit(d.name, words.describe(d, names), not d.selectable, d.active_at(at)) for d in found.discounts),
        key=lambda b: (not b.now, b.name.casefold()))
    lists = tuple(p.name for p in rules.price_lists(tenant_id, group) if p.validity.contains(at))
    return Benefits(group, tuple(discounts), lists)
