"""The demo's customer group: "Stali goście" with a few of the demo regulars in it.

Idempotent. It grants the demo's discounts and price lists named below when they exist (the
discount and price list seeds run before this one), so the group's promise shows in the demo.
"""
from __future__ import annotations

from sqlalchemy import select

from .extensions import db
from .models import Customer, CustomerGroup, Discount, PriceList
from .services import groups
from .services.naming import name_key

GROUP_NAME = "Stali goście"
GROUP_NOTE = "Goście, którzy bywają u nas co tydzień: 5% taniej na cały rachunek."
# By name, as the discount and price list seeds call them.
GRANTED_DISCOUNTS = ("Stali goście -5%", "Stali goście −5%")
GRANTED_PRICE_LISTS = ("Cennik stałych gości",)
MEMBERS = 6


def seed_groups() -> int:
    """Create the group (or top up its grants) and put the first demo regulars in it; returns
    how many customers joined now."""
    group = db.session.scalar(select(CustomerGroup).where(CustomerGroup.name_key == name_key(GROUP_NAME)))
    discount_ids = list(db.session.scalars(select(Discount.id).where(
        Discount.name_key.in_([name_key(n) for n in GRANTED_DISCOUNTS]), Discount.archived_at.is_(None))))
    list_ids = list(db.session.scalars(select(PriceList.id).where(
        PriceList.name_key.in_([name_key(n) for n in GRANTED_PRICE_LISTS]), PriceList.archived_at.is_(None))))
    if group is None:
        group = groups.create({"name": GROUP_NAME, "colour": groups.PALETTE[0], "note": GROUP_NOTE,
                               "discount_ids": discount_ids, "price_list_ids": list_ids})
    else:
        granted = groups.grants_of([group.id])[group.id]
        groups.update(group, {
            "discount_ids": sorted({g.id for g in granted if g.kind == "discount"} | set(discount_ids)),
            "price_list_ids": sorted({g.id for g in granted if g.kind == "price_list"} | set(list_ids))})
    if db.session.scalar(select(Customer.id).where(Customer.group_id == group.id).limit(1)) is not None:
        return 0
    first = db.session.scalars(select(Customer.id).where(Customer.archived_at.is_(None), Customer.is_staff.is_(False))
                               .order_by(Customer.id).limit(MEMBERS)).all()
    return groups.move(first, group) if first else 0
