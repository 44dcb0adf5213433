"""What a customer's group and loyalty tier give them right now: for the terminal after a scan.

Only what applies through the group or the tier is listed (hidden discounts included, marked as
benefits of their source): the terminal offers nothing staff could hand out, and says nothing of
discounts outside their hours except that they exist and when.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ... import clock
from . import rules, words
from .rules import GroupRef, TierRef


@dataclass(frozen=True)
class Benefit:
    name: str
    sentence: str
    hidden: bool      # not available on the terminal: reaches the bill only through the group or tier
    now: bool         # valid at this moment (dates and hours)
    via: str = "group"  # who gives it: "group" or "tier"


@dataclass(frozen=True)
class Benefits:
    group: GroupRef | None
    tier: TierRef | None
    discounts: tuple[Benefit, ...]
    price_lists: tuple[str, ...]  # names of the lists valid now


def of_customer(tenant_id: int, group: GroupRef | None, tier: TierRef | None = None,
                at: datetime | None = None) -> Benefits | None:
    if group is None and tier is None:
        return None
    at = at or clock.now()
    found = rules.discounts(tenant_id, group, (), tier)
    names = words.names_of(tenant_id, found.discounts)
    discounts, seen = [], set()
    for d in found.discounts:  # the group's first: a discount both give is the group's
        if d.id not in seen:
            seen.add(d.id)
            discounts.append(Benefit(d.name, words.describe(d, names), not d.selectable, d.active_at(at),
                                     d.source.type))
    discounts.sort(key=lambda b: (not b.now, b.name.casefold()))
    lists = tuple(dict.fromkeys(p.name for p in rules.price_lists(tenant_id, group, tier) if p.validity.contains(at)))
    return Benefits(group, tier, tuple(discounts), lists)
