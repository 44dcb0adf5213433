"""A quote: the bill's lines and the customer's rules through the pricing engine. Read-only."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

import pytz
from flask_babel import gettext as _

from ... import clock
from ... import pricing as engine
from .. import ServiceError, points
from . import bill, rules
from .customer import NOBODY, Who


@dataclass(frozen=True)
class Priced:
    """The engine's quote with what the caller shows beside it."""

    quote: engine.Quote
    who: Who
    at: datetime                       # the restaurant's local time the rules were judged at
    lines: tuple[engine.BillLine, ...]  # as matched to the catalog
    names: dict[int, str]               # every discount involved, by id
    redeemed_points: int = 0            # the points the redemption uses (its value is quote.redeemed)


def moment(value: str | None) -> datetime:
    """`at` on the restaurant's clock: naive means its local time, an offset is converted; none is now."""
    zone = pytz.timezone(clock.zone_name())
    if value is None or not str(value).strip():
        return clock.now().replace(microsecond=0)
    try:
        parsed = datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise ServiceError(_("Send the time as ISO 8601, e.g. 2026-12-04T16:30 or 2026-12-04T15:30:00Z."),
                           field="at") from None
    if parsed.tzinfo is None:
        return zone.localize(parsed)
    return parsed.astimezone(zone)


def quote(tenant_id: int, lines: Sequence[bill.LineIn], *, who: Who = NOBODY, picks: Sequence[int] = (),
          at: datetime | None = None, redeem_points: int = 0) -> Priced:
    """Price `lines` for `who` with the staff's `picks` at `at` (default: now), redeeming up to
    `redeem_points` of the customer's points after the bill layer. No side effects.

    Raises discount_not_found for a pick that is not this tenant's, invalid for an archived one.
    """
    at = at or clock.now().replace(microsecond=0)
    found = rules.discounts(tenant_id, who.group, picks, who.tier)
    lists = rules.price_lists(tenant_id, who.group, who.tier)
    matched = tuple(bill.resolve(tenant_id, lines))
    result = engine.quote(matched, at=at, price_lists=lists, discounts=found.discounts)
    if redeem_points and who.customer_id is not None:
        # Step 4 needs the eligible total after the bill layer, which only the engine knows: the
        # points rule caps the redemption by it and by the balance, then the engine splits it.
        eligible = sum(p.l3 for p, line in zip(result.lines, matched) if line.discountable)
        used = points.redemption_for(who.customer_id, redeem_points, eligible)
        if used.value:
            result = engine.quote(matched, at=at, price_lists=lists, discounts=found.discounts, redeem=used.value)
            return Priced(result, who, at, matched, found.names, used.points)
    return Priced(result, who, at, matched, found.names)
