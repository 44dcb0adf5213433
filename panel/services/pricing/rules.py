"""The rules that reach a bill, loaded from the database as the pricing engine's objects.

Who grants what: the customer's group and loyalty tier (their live discounts and price lists,
read from each one's association rows) and the staff's picks for this bill. The engine ranks
and de-duplicates by source: a discount both grant counts once, credited to the group.

Rows refer to categories and products by our ids; the engine speaks the POS's, so every read
joins the catalog for the external ids. Statements are Core with tenant_id bound explicitly.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Sequence

from flask_babel import gettext as _
from sqlalchemy import Boolean, Integer, String, Time, and_, bindparam, cast, func, literal, null, select, union_all

from ... import pricing as engine
from ...extensions import db
from ...models import (
    Category,
    CustomerGroup,
    Discount,
    DiscountTarget,
    DiscountWindow,
    GroupDiscount,
    GroupPriceList,
    PriceList,
    PriceListEntry,
    Product,
    TierDiscount,
    TierPriceList,
)
from ...models.base import row_id
from .. import ServiceError
from .cache import Lru


@dataclass(frozen=True)
class GroupRef:
    id: int
    name: str
    colour: str

    @property
    def source(self) -> engine.Source:
        return engine.Source(engine.GROUP, self.id, self.name)


@dataclass(frozen=True)
class TierRef:
    """The customer's loyalty tier (services/loyalty), as the quote names it."""

    id: int
    name: str
    colour: str
    valid_until: date | None = None
    manual: bool = False

    @property
    def source(self) -> engine.Source:
        return engine.Source(engine.TIER, self.id, self.name)


STAFF = engine.Source(engine.STAFF)


def plain_percent(value: Decimal | None) -> Decimal | None:
    """5.0000 as stored -> 5; 12.5000 -> 12.5 (never 1E+1)."""
    if value is None:
        return None
    return Decimal(format(value.normalize(), "f"))


# --- discounts -------------------------------------------------------------------------------

_d, _gd, _td = Discount.__table__, GroupDiscount.__table__, TierDiscount.__table__
_t, _w = DiscountTarget.__table__, DiscountWindow.__table__
_p, _c = Product.__table__, Category.__table__
_DISCOUNTS = (
    select(_d.c.id, _d.c.name, _d.c.percent, _d.c.amount, _d.c.scope, _d.c.selectable, _d.c.valid_from,
           _d.c.valid_to, _d.c.min_bill, _d.c.archived_at, _gd.c.group_id, _td.c.tier_id)
    .select_from(_d.outerjoin(_gd, and_(_gd.c.tenant_id == _d.c.tenant_id, _gd.c.discount_id == _d.c.id,
                                        _gd.c.group_id == bindparam("group_id")))
                 .outerjoin(_td, and_(_td.c.tenant_id == _d.c.tenant_id, _td.c.discount_id == _d.c.id,
                                      _td.c.tier_id == bindparam("tier_id"))))
    .where(_d.c.tenant_id == bindparam("tenant_id"),
           _gd.c.group_id.is_not(None) | _td.c.tier_id.is_not(None) | _d.c.id.in_(bindparam("picks", expanding=True)))
)
# A discount's targets ("t" rows) and weekly windows ("w" rows) in one round trip.
_DETAILS = union_all(
    select(literal("t").label("kind"), _t.c.id, _t.c.discount_id, _t.c.excluded, _c.c.external_id.label("category"),
           _p.c.external_id.label("product"), cast(null(), Integer).label("days"), cast(null(), Time).label("starts"),
           cast(null(), Time).label("ends"))
    .select_from(_t.outerjoin(_c, and_(_c.c.tenant_id == _t.c.tenant_id, _c.c.id == _t.c.category_id))
                 .outerjoin(_p, and_(_p.c.tenant_id == _t.c.tenant_id, _p.c.id == _t.c.product_id)))
    .where(_t.c.tenant_id == bindparam("tenant_id"), _t.c.discount_id.in_(bindparam("ids", expanding=True))),
    select(literal("w"), _w.c.id, _w.c.discount_id, cast(null(), Boolean), cast(null(), String), cast(null(), String),
           _w.c.days, _w.c.starts, _w.c.ends)
    .where(_w.c.tenant_id == bindparam("tenant_id"), _w.c.discount_id.in_(bindparam("ids", expanding=True))),
).order_by("kind", "id")


@dataclass(frozen=True)
class DiscountRules:
    """The engine's discounts (group grants and staff picks) and every discount's name by id."""

    discounts: tuple[engine.Discount, ...]
    names: dict[int, str]


def discounts(tenant_id: int, group: GroupRef | None, picks: Sequence[int],
              tier: TierRef | None = None) -> DiscountRules:
    """The group's and the tier's live discounts and the staff's picks, built for the engine.

    A pick that is not this tenant's discount is 404 discount_not_found; an archived one is
    refused (422); a hidden one goes to the engine, which reports it not_selectable.
    """
    picks = list(dict.fromkeys(picks))
    if group is None and tier is None and not picks:
        return DiscountRules((), {})
    conn = db.session.connection()
    # An id no row can have (0, -1, 2**70) is simply not found; it never reaches the database.
    rows = conn.execute(_DISCOUNTS, {"tenant_id": tenant_id, "group_id": group.id if group else None,
                                     "tier_id": tier.id if tier else None,
                                     "picks": [p for p in picks if row_id(p) is not None]}).all()
    by_id = {row.id: row for row in rows}
    for i, pick in enumerate(picks):
        row = by_id.get(pick)
        if row is None:
            raise ServiceError(_("No discount has the id %(id)s.", id=pick), field=f"discount_ids[{i}]",
                               code="discount_not_found")
        if row.archived_at is not None:
            raise ServiceError(_("The discount “%(name)s” is archived and cannot be given.", name=row.name),
                               field=f"discount_ids[{i}]")
    live = [row for row in rows if row.archived_at is None]
    if not live:
        return DiscountRules((), {})
    ids = [row.id for row in live]
    targets: dict[int, list] = {}
    windows: dict[int, list[engine.WeeklyWindow]] = {}
    for row in conn.execute(_DETAILS, {"tenant_id": tenant_id, "ids": ids}):
        if row.kind == "t":
            targets.setdefault(row.discount_id, []).append(row)
        else:
            days = frozenset(day for day in range(1, 8) if row.days & (1 << (day - 1)))
            windows.setdefault(row.discount_id, []).append(engine.WeeklyWindow(days, row.starts, row.ends))
    built = []
    for row in live:
        sources = (([group.source] if row.group_id is not None else [])
                   + ([tier.source] if row.tier_id is not None else []) + ([STAFF] if row.id in picks else []))
        built += [_discount(row, source, targets.get(row.id, ()), windows.get(row.id, ())) for source in sources]
    return DiscountRules(tuple(built), {row.id: row.name for row in live})


def _discount(row, source: engine.Source, targets, windows) -> engine.Discount:
    sets: dict[str, set[str]] = {"category_ids": set(), "product_ids": set(),
                                 "excluded_category_ids": set(), "excluded_product_ids": set()}
    for target in targets:
        prefix = "excluded_" if target.excluded else ""
        if target.category is not None:
            sets[f"{prefix}category_ids"].add(target.category)
        elif target.product is not None:
            sets[f"{prefix}product_ids"].add(target.product)
    return engine.Discount(
        row.id, row.name, source, percent=plain_percent(row.percent), amount=row.amount, scope=row.scope,
        validity=engine.Validity(row.valid_from, row.valid_to), weekly=tuple(windows),
        # A minimum belongs to bill scope (the engine refuses it elsewhere); a stray one is ignored.
        min_bill=(row.min_bill or 0) if row.scope == engine.SCOPE_BILL else 0,
        selectable=bool(row.selectable), **sets)


# --- price lists -----------------------------------------------------------------------------

_pl, _e = PriceList.__table__, PriceListEntry.__table__
# The entry count joins updated_at in the cache key: a product or category deleted from the
# catalog takes its entries with it (ON DELETE CASCADE) without touching the list's row.
_ENTRY_COUNT = (select(func.count()).where(_e.c.tenant_id == _pl.c.tenant_id, _e.c.price_list_id == _pl.c.id)
                .scalar_subquery())


def _lists_granted_by(grants, key: str):
    """The live price lists a group's or a tier's association rows grant."""
    return (
        select(_pl.c.id, _pl.c.name, _pl.c.valid_from, _pl.c.valid_to, _pl.c.updated_at, _ENTRY_COUNT.label("entries"))
        .join_from(_pl, grants, and_(grants.c.tenant_id == _pl.c.tenant_id, grants.c.price_list_id == _pl.c.id))
        .where(_pl.c.tenant_id == bindparam("tenant_id"), grants.c[key] == bindparam("grantor_id"),
               _pl.c.archived_at.is_(None))
        .order_by(_pl.c.id)
    )


_PRICE_LISTS = {engine.GROUP: _lists_granted_by(GroupPriceList.__table__, "group_id"),
                engine.TIER: _lists_granted_by(TierPriceList.__table__, "tier_id")}
_ENTRIES = (
    select(_e.c.price_list_id, _e.c.unit_price, _e.c.percent, _p.c.external_id.label("product"),
           _c.c.external_id.label("category"))
    .select_from(_e.outerjoin(_p, and_(_p.c.tenant_id == _e.c.tenant_id, _p.c.id == _e.c.product_id))
                 .outerjoin(_c, and_(_c.c.tenant_id == _e.c.tenant_id, _c.c.id == _e.c.category_id)))
    .where(_e.c.tenant_id == bindparam("tenant_id"), _e.c.price_list_id.in_(bindparam("ids", expanding=True)))
)

# Built lists by (tenant, list id, updated_at, entry count, what the engine object carries besides
# its entries).
# Every change to a list or its entries bumps its updated_at, so a changed list is a new key.
PRICE_LIST_CACHE: Lru[engine.PriceList] = Lru(512)


def price_lists(tenant_id: int, group: GroupRef | None, tier: TierRef | None = None) -> tuple[engine.PriceList, ...]:
    """The group's and the tier's live price lists as engine objects (one query per grantor;
    entries come from the cache when a list has not changed since they were built)."""
    return tuple(built for grantor in (group, tier) if grantor is not None
                 for built in _lists_of(tenant_id, grantor.source))


def _lists_of(tenant_id: int, source: engine.Source) -> tuple[engine.PriceList, ...]:
    rows = db.session.connection().execute(_PRICE_LISTS[source.type],
                                           {"tenant_id": tenant_id, "grantor_id": source.id}).all()
    if not rows:
        return ()
    keys = {(tenant_id, row.id, row.updated_at, row.entries, row.name, row.valid_from, row.valid_to, source): row
            for row in rows}

    def build(missing: list) -> dict:
        wanted = {keys[key].id: key for key in missing}
        entries: dict[int, list[engine.PriceEntry]] = {list_id: [] for list_id in wanted}
        params = {"tenant_id": tenant_id, "ids": sorted(wanted)}
        for e in db.session.connection().execute(_ENTRIES, params):
            if e.product is not None:
                entries[e.price_list_id].append(engine.PriceEntry(product_id=e.product, unit_price=e.unit_price))
            elif e.category is not None:
                entries[e.price_list_id].append(
                    engine.PriceEntry(category_id=e.category, percent=plain_percent(e.percent)))
        out = {}
        for list_id, key in wanted.items():
            row = keys[key]
            built = engine.PriceList(row.id, row.name, tuple(entries[list_id]), created_order=row.id,
                                     validity=engine.Validity(row.valid_from, row.valid_to), source=source)
            _index = (built.by_product, built.by_category)  # built once, here, not per quote
            out[key] = built
        return out

    found = PRICE_LIST_CACHE.get_many(list(keys), build)
    return tuple(found[key] for key in keys)


# --- the group -------------------------------------------------------------------------------

_g = CustomerGroup.__table__
_GROUP = select(_g.c.id, _g.c.name, _g.c.colour).where(_g.c.tenant_id == bindparam("tenant_id"),
                                                        _g.c.id == bindparam("id"))


def group_ref(tenant_id: int, group_id: int | None) -> GroupRef | None:
    if group_id is None:
        return None
    row = db.session.connection().execute(_GROUP, {"tenant_id": tenant_id, "id": group_id}).first()
    return GroupRef(row.id, row.name, row.colour) if row is not None else None
