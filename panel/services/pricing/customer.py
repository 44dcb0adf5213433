"""Whose bill it is: the customer found by a card scan or by id, with their group.

A scan matches a card exactly as the POS card lookup does (services/cards/lookup.py): by
canonical key in any of the tenant's reader formats, then by printed number. Only an active
card prices a bill: a blocked, lost, replaced or expired one is refused with its reason, as
the card lookup reports it, so a till cannot give a lost card's owner their discounts.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, select

from ... import cardcodes, clock
from ...extensions import db
from ...models import Customer, CustomerGroup, CustomerTier, Tier
from ...models.base import row_id
from ...models.customers import display_name
from .. import ServiceError
from ..cards import lookup
from .rules import GroupRef, TierRef

_cu, _g = Customer.__table__, CustomerGroup.__table__
_GROUP_COLUMNS = (_cu.c.group_id, _g.c.name.label("group_name"), _g.c.colour.label("group_colour"))
_GROUP_JOIN = and_(_g.c.tenant_id == _cu.c.tenant_id, _g.c.id == _cu.c.group_id)
# The POS scan's own statement: it joins the holder's group (and wallet) already, one round trip.
_SCAN = lookup._POS_SCAN
_st, _ti = CustomerTier.__table__, Tier.__table__
_BY_ID = (
    select(_cu.c.id, _cu.c.first_name, _cu.c.last_name, _cu.c.company_name, _cu.c.erased_at, *_GROUP_COLUMNS,
           _ti.c.id.label("tier_id"), _ti.c.name.label("tier_name"), _ti.c.colour.label("tier_colour"),
           _st.c.valid_until.label("tier_valid_until"), _st.c.manual.label("tier_manual"))
    .select_from(_cu.outerjoin(_g, _GROUP_JOIN)
                 .outerjoin(_st, and_(_st.c.tenant_id == _cu.c.tenant_id, _st.c.customer_id == _cu.c.id))
                 .outerjoin(_ti, and_(_ti.c.tenant_id == _cu.c.tenant_id, _ti.c.id == _st.c.tier_id)))
    .where(_cu.c.tenant_id == bindparam("tenant_id"), _cu.c.id == bindparam("id"))
)


@dataclass(frozen=True)
class Who:
    """The customer a bill is priced for (None: a walk-in), their group and their tier."""

    customer_id: int | None = None
    name: str = ""
    group: GroupRef | None = None
    tier: TierRef | None = None


NOBODY = Who()


def _group(row) -> GroupRef | None:
    return GroupRef(row.group_id, row.group_name, row.group_colour) if row.group_name is not None else None


def _tier(row, prefix: str = "") -> TierRef | None:
    """The tier the customer holds (its state row names one), read by the same statement."""
    tier_id = getattr(row, f"{prefix}tier_id")
    if tier_id is None:
        return None
    return TierRef(tier_id, getattr(row, f"{prefix}tier_name"), getattr(row, f"{prefix}tier_colour"),
                   getattr(row, f"{prefix}tier_valid_until"), bool(getattr(row, f"{prefix}tier_manual")))


def by_card(tenant_id: int, reader_format: str, raw: str) -> Who:
    """The holder of a scanned card; 404 card_not_found, 422 card_not_usable (with `reason`)."""
    try:
        code = cardcodes.clean(raw or "")
    except cardcodes.InvalidCardCode:
        code = None
    row = None
    if code is not None:
        params = {"tenant_id": tenant_id, "key": cardcodes.lookup_key(code, reader_format),
                  "number": code if len(code) <= lookup.MAX_NUMBER_LENGTH else None}
        row = db.session.connection().execute(_SCAN, params).first()
    if row is None:
        raise ServiceError(_("No card has this code."), field="customer.card_code", code="card_not_found")
    card = lookup.PosCard(*(getattr(row, f) for f in lookup._POS_CARD_FIELDS))
    status, reason = lookup.pos_state(card, clock.today())
    if status != "active":
        raise ServiceError(_CARD_REFUSALS[reason](), field="customer.card_code", code="card_not_usable",
                           details={"reason": reason})
    name = display_name(row.customer_first_name, row.customer_last_name, row.customer_company_name,
                        row.customer_id)
    group = (GroupRef(row.customer_group_id, row.customer_group_name, row.customer_group_colour)
             if row.customer_group_name is not None else None)
    return Who(row.customer_id, name, group, _tier(row, "customer_"))


_CARD_REFUSALS = {
    "blocked": lambda: _("This card is blocked and cannot be used."),
    "lost": lambda: _("This card was reported lost and cannot be used."),
    "replaced": lambda: _("This card was replaced by a new card; ask for the new one."),
    "expired": lambda: _("This card has expired and cannot be used."),
}


def by_id(tenant_id: int, customer_id: int) -> Who:
    """The customer with this id (an erased one is gone); 404 customer_not_found."""
    row = None
    if row_id(customer_id) is not None:
        row = db.session.connection().execute(_BY_ID, {"tenant_id": tenant_id, "id": customer_id}).first()
    if row is None or row.erased_at is not None:
        raise ServiceError(_("No customer has this id."), field="customer.id", code="customer_not_found")
    return Who(row.id, display_name(row.first_name, row.last_name, row.company_name, row.id), _group(row), _tier(row))

