"""A quote: the bill's lines and the customer's rules through the pricing engine. Read-only."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

import pytz
from flask_babel import gettext as _

from ... import clock
from ... import pricing as engine
from .. import ServiceError
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
          at: datetime | None = None) -> Priced:
    """Price `lines` for `who` with the staff's `picks` at `at` (default: now). No side effects.

    Raises discount_not_found for a pick that is not this tenant's, invalid for an archived one.
    """
    at = at or clock.now().replace(microsecond=0)
    found = rules.discounts(tenant_id, who.group, picks, who.tier)
    lists = rules.price_lists(tenant_id, who.group, who.tier)
    matched = tuple(bill.resolve(tenant_id, lines))
    result = engine.quote(matched, at=at, price_lists=lists, discounts=found.discounts)
    return Priced(result, who, at, matched, found.names)
