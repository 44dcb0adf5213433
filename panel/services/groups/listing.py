"""The groups as the list shows them: member counts and what each grants, said in words
("Stali goście −5% (hidden)", a price list's name), a fixed number of queries for any number
of groups."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select

from ...extensions import db
from ...i18n import money
from ...models import Customer, CustomerGroup, Discount, GroupDiscount, GroupPriceList, PriceList
from ..customers.validation import fold


@dataclass(frozen=True)
class Grant:
    kind: str            # "discount" | "price_list"
    id: int
    name: str
    value: str           # "−5%", "−10,00 zł"; "" for a price list
    hidden: bool         # a discount not available on the terminal: reaches bills only through groups
    archived: bool


@dataclass
class Listed:
    group: CustomerGroup
    members: int
    grants: list[Grant] = field(default_factory=list)


def discount_value(d: Discount) -> str:
    """"−5%", "−12.5%" (the exact percent, no trailing zeros) or "−10,00 zł"."""
    if d.percent is not None:
        return f"−{format(Decimal(d.percent).normalize(), 'f')}%"
    return f"−{money(d.amount)}"


def grants_of(group_ids: list[int]) -> dict[int, list[Grant]]:
    """Each group's discounts, then its price lists, by name: two queries for all the groups."""
    out: dict[int, list[Grant]] = {gid: [] for gid in group_ids}
    if not group_ids:
        return out
    discounts = db.session.execute(
        select(GroupDiscount.group_id, Discount).join(Discount, Discount.id == GroupDiscount.discount_id)
        .where(GroupDiscount.group_id.in_(group_ids)).order_by(Discount.name_key, Discount.id))
    for gid, d in discounts:
        out[gid].append(Grant("discount", d.id, d.name, discount_value(d), not d.selectable,
                              d.archived_at is not None))
    lists = db.session.execute(
        select(GroupPriceList.group_id, PriceList).join(PriceList, PriceList.id == GroupPriceList.price_list_id)
        .where(GroupPriceList.group_id.in_(group_ids)).order_by(PriceList.name_key, PriceList.id))
    for gid, p in lists:
        out[gid].append(Grant("price_list", p.id, p.name, "", False, p.archived_at is not None))
    return out


def member_counts(group_ids: list[int] | None = None) -> dict[int, int]:
    """Active (not archived) members per group: one GROUP BY on the (tenant, group) index."""
    stmt = (select(Customer.group_id, func.count()).where(Customer.group_id.is_not(None),
                                                          Customer.archived_at.is_(None))
            .group_by(Customer.group_id))
    if group_ids is not None:
        stmt = stmt.where(Customer.group_id.in_(group_ids))
    return dict(db.session.execute(stmt).all())


def listed(q: str = "") -> list[Listed]:
    """Every group of the tenant (a restaurant has a handful), by name; `q` narrows by name."""
    groups = list(db.session.scalars(select(CustomerGroup).order_by(CustomerGroup.name_key, CustomerGroup.id)))
    if q:
        wanted = fold(q)
        groups = [g for g in groups if wanted in fold(g.name)]
    ids = [g.id for g in groups]
    counts, grants = member_counts(ids), grants_of(ids)
    return [Listed(g, counts.get(g.id, 0), grants[g.id]) for g in groups]
