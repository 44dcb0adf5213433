"""A customer's tier as everything else sees it: the badge (card scan, API, terminal, lists),
what it grants (the pricing engine's source T), and the Loyalty tab's figures."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from ... import clock
from ...extensions import db
from ...loyalty import tiers as rule
from ...models import CustomerTier, Tier
from ...pricing import TIER, Source
from ...tenancy import current_tenant_id
from . import queries, setup


@dataclass(frozen=True)
class Standing:
    """The customer's tier now and what it grants."""

    tier_id: int
    name: str
    colour: str
    rank: int
    valid_until: date | None
    manual: bool
    reason: str = ""
    discount_ids: list[int] = field(default_factory=list)
    price_list_ids: list[int] = field(default_factory=list)

    @property
    def source(self) -> Source:
        """Who grants the tier's adjustments, as the pricing engine names it (source T)."""
        return Source(TIER, self.tier_id, self.name)

    def as_json(self) -> dict:
        """`tier` in the API's customer and card scan answers."""
        return {"id": self.tier_id, "name": self.name, "colour": self.colour,
                "valid_until": self.valid_until.isoformat() if self.valid_until else None, "manual": self.manual}


def current(customer_id: int, *, with_grants: bool = True) -> Standing | None:
    """The customer's tier (None: no tier), with the discounts and price lists it grants.

    The integrator feeds this to the quote as pricing Source("tier", tier_id, name).
    """
    row = db.session.execute(
        select(Tier, CustomerTier).join(CustomerTier, CustomerTier.tier_id == Tier.id)
        .where(CustomerTier.customer_id == customer_id)).first()
    if row is None:
        return None
    tier, state = row
    discounts, price_lists = setup.grants([tier.id])[tier.id] if with_grants else ([], [])
    return Standing(tier.id, tier.name, tier.colour, tier.rank, state.valid_until, state.manual, state.reason,
                    discounts, price_lists)


def _badge(tier: Tier, state: CustomerTier) -> dict:
    return {"id": tier.id, "name": tier.name, "colour": tier.colour, "valid_until": state.valid_until,
            "manual": state.manual}


def tier_json(customer_id: int) -> dict | None:
    """The badge's fields (the API's `tier`) of one customer, or None."""
    return badges([customer_id]).get(customer_id)


def badges(customer_ids: list[int]) -> dict[int, dict]:
    """customer id -> the badge's fields, for the customers holding a tier (one query)."""
    if not customer_ids:
        return {}
    rows = db.session.execute(select(Tier, CustomerTier).join(CustomerTier, CustomerTier.tier_id == Tier.id)
                              .where(CustomerTier.customer_id.in_(customer_ids)))
    return {state.customer_id: _badge(tier, state) for tier, state in rows}


@dataclass(frozen=True)
class Progress:
    """The Loyalty tab and terminal's figures: the period, what counts in it, and what is
    missing for the next tier."""

    start: date
    end: date
    turnover: int
    documents: int
    next_tier: Tier | None
    short: int
    documents_short: int


def progress(customer_id: int, day: date | None = None) -> Progress:
    day = day or clock.today()
    settings = setup.rule_settings(setup.current_settings())
    turnover, documents = queries.customer_figures(current_tenant_id(), settings, day, customer_id)
    rows = setup.tier_rows()
    now = current(customer_id, with_grants=False)
    missing = rule.missing(setup.rule_tiers(rows), now.tier_id if now else None, turnover, documents)
    start, end = rule.period(settings, day)
    if missing is None:
        return Progress(start, end, turnover, documents, None, 0, 0)
    tier, short, docs_short = missing
    return Progress(start, end, turnover, documents, next(t for t in rows if t.id == tier.key), short, docs_short)
