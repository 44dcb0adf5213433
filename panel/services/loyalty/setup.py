"""The tenant's loyalty settings and its ordered tiers: read, validated, saved.

Both arrive the same way from the panel's forms and from the API (`SettingsInput`,
`TierInput`), so a rule about them is said once, here. Messages are in the user's language.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from ... import clock
from ...extensions import db
from ...loyalty import tiers as rule
from ...models import (
    CustomerTier,
    Discount,
    LoyaltySettings,
    PriceList,
    Tier,
    TierChange,
    TierDiscount,
    TierPriceList,
)
from ...models.base import row_id
from ...tenancy import current_tenant_id
from .. import ServiceError, audit, conflicts
from ..naming import name_key
from .queries import record_removal

COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
MAX_TIERS = 20
MAX_THRESHOLD = 10**13
DEFAULT_TIERS = (("Gold", "#c9a227"), ("Silver", "#8e9aa6"), ("Bronze", "#a9713a"))


def _name_taken() -> ServiceError:
    return ServiceError(_("Another tier already has this name."), field="name", code="tier_name_taken")


conflicts.register("uq_tiers_tenant_id_name_key", _name_taken)
# Two first saves of a tenant's settings at once: the second finds the row the first created.
conflicts.register("uq_loyalty_settings_tenant_id", lambda: ServiceError(
    _("Someone saved the loyalty settings at the same moment. Check them and save again."), code="conflict"))


# --- settings -------------------------------------------------------------------------------

def current_settings() -> LoyaltySettings:
    """The tenant's settings row, or an unsaved one with the defaults."""
    row = db.session.scalars(select(LoyaltySettings)).first()
    return row if row is not None else LoyaltySettings(
        evaluate=False, counted_types="receipt,invoice", rolling_days=365, period_calendar=None,
        validity_unit="days", validity=90, include_staff=False, daily_hour=4)


def rule_settings(row: LoyaltySettings) -> rule.Settings:
    return rule.Settings(counted_types=tuple(t for t in row.counted_types.split(",") if t),
                         rolling_days=row.rolling_days, calendar=row.period_calendar,
                         validity_unit=row.validity_unit, validity=row.validity,
                         include_staff=row.include_staff)


@dataclass
class SettingsInput:
    evaluate: bool = False
    counted_types: list[str] = field(default_factory=lambda: ["receipt", "invoice"])
    rolling_days: int | None = 365   # None: a calendar period
    calendar: str | None = None
    validity_unit: str = "days"
    validity: int = 90
    include_staff: bool = False
    daily_hour: int = 4


def as_input(row: LoyaltySettings) -> SettingsInput:
    return SettingsInput(evaluate=row.evaluate, counted_types=[t for t in row.counted_types.split(",") if t],
                         rolling_days=None if row.period_calendar else row.rolling_days,
                         calendar=row.period_calendar, validity_unit=row.validity_unit, validity=row.validity,
                         include_staff=row.include_staff, daily_hour=row.daily_hour)


def validate_settings(data: SettingsInput) -> dict[str, str]:
    """Field -> message for what is wrong in `data` (empty: it can be saved)."""
    errors: dict[str, str] = {}
    if not data.counted_types or not set(data.counted_types) <= set(rule.SALE_TYPES):
        errors["counted_types"] = _("Choose the documents that count: receipts, invoices or both.")
    if data.calendar is None:
        if data.rolling_days is None or not 1 <= data.rolling_days <= rule.MAX_ROLLING_DAYS:
            errors["rolling_days"] = _("The period is 1 to %(max)d days.", max=rule.MAX_ROLLING_DAYS)
    elif data.calendar not in rule.CALENDAR_PERIODS:
        errors["calendar"] = _("Choose a month, a quarter or a year.")
    if data.validity_unit not in rule.VALIDITY_UNITS:
        errors["validity_unit"] = _("Choose days or months.")
    elif not 0 <= data.validity <= rule.MAX_VALIDITY[data.validity_unit]:
        errors["validity"] = _("The validity is 0 to %(max)d %(unit)s.", max=rule.MAX_VALIDITY[data.validity_unit],
                               unit=_("days") if data.validity_unit == "days" else _("months"))
    if not 0 <= data.daily_hour <= 23:
        errors["daily_at"] = _("Choose an hour from 00:00 to 23:00.")
    return errors


def settings_from_input(data: SettingsInput) -> rule.Settings:
    """The rule's settings for `data` (already validated): what a dry run with unsaved ones uses."""
    return rule.Settings(counted_types=tuple(t for t in rule.SALE_TYPES if t in data.counted_types),
                         rolling_days=data.rolling_days or 365, calendar=data.calendar,
                         validity_unit=data.validity_unit, validity=data.validity,
                         include_staff=data.include_staff)


def save_settings(data: SettingsInput) -> LoyaltySettings:
    if errors := validate_settings(data):
        field_name, message = next(iter(errors.items()))
        raise ServiceError(message, field=field_name)
    row = current_settings()
    before = _settings_dict(row)
    row.evaluate, row.include_staff, row.daily_hour = data.evaluate, data.include_staff, data.daily_hour
    row.counted_types = ",".join(t for t in rule.SALE_TYPES if t in data.counted_types)
    row.period_calendar = data.calendar
    row.rolling_days = data.rolling_days if data.calendar is None else row.rolling_days or 365
    row.validity_unit, row.validity = data.validity_unit, data.validity
    if row.id is None:
        db.session.add(row)
    db.session.flush()
    after = _settings_dict(row)
    changes = {k: [before[k], after[k]] for k in after if before.get(k) != after[k]}
    if changes:
        audit.record("loyalty.settings_changed", "loyalty_settings", row.id, "", changes)
    return row


def _settings_dict(row: LoyaltySettings) -> dict:
    return {"evaluate": row.evaluate, "counted_types": row.counted_types, "rolling_days": row.rolling_days,
            "period_calendar": row.period_calendar, "validity": f"{row.validity} {row.validity_unit}",
            "include_staff": row.include_staff, "daily_hour": row.daily_hour}


# --- tiers ----------------------------------------------------------------------------------

def tier_rows() -> list[Tier]:
    """The tenant's tiers, highest first."""
    return list(db.session.scalars(select(Tier).order_by(Tier.rank, Tier.id)))


def rule_tiers(rows: list[Tier]) -> list[rule.Tier]:
    return [rule.Tier(t.id, t.rank, t.automatic, t.threshold, t.min_documents) for t in rows]


def grants(tier_ids: list[int]) -> dict[int, tuple[list[int], list[int]]]:
    """tier id -> (discount ids, price list ids) it grants."""
    out: dict[int, tuple[list[int], list[int]]] = {i: ([], []) for i in tier_ids}
    if not tier_ids:
        return out
    for tier_id, discount_id in db.session.execute(
            select(TierDiscount.tier_id, TierDiscount.discount_id).where(TierDiscount.tier_id.in_(tier_ids))
            .order_by(TierDiscount.discount_id)):
        out[tier_id][0].append(discount_id)
    for tier_id, price_list_id in db.session.execute(
            select(TierPriceList.tier_id, TierPriceList.price_list_id).where(TierPriceList.tier_id.in_(tier_ids))
            .order_by(TierPriceList.price_list_id)):
        out[tier_id][1].append(price_list_id)
    return out


@dataclass
class TierInput:
    id: int | None = None
    name: str = ""
    colour: str = "#b8860b"
    automatic: bool = True
    threshold: int = 0
    min_documents: int = 0
    discount_ids: list[int] = field(default_factory=list)
    price_list_ids: list[int] = field(default_factory=list)


def validate_tiers(items: list[TierInput]) -> dict[tuple[int, str], str]:
    """(position, field) -> message for what is wrong in the list (empty: it can be saved)."""
    errors: dict[tuple[int, str], str] = {}
    if len(items) > MAX_TIERS:
        errors[(0, "name")] = _("At most %(max)d tiers.", max=MAX_TIERS)
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        item.name = " ".join(item.name.split())
        if not item.name or len(item.name) > 60:
            errors[(i, "name")] = _("A tier needs a name of up to 60 characters.")
        elif name_key(item.name) in seen:
            errors[(i, "name")] = _("Two tiers cannot have the same name.")
        seen.setdefault(name_key(item.name), i)
        if not COLOUR.fullmatch(item.colour or ""):
            errors[(i, "colour")] = _("Choose a colour (#rrggbb).")
        if not 0 <= item.threshold <= MAX_THRESHOLD:
            errors[(i, "threshold")] = _("The turnover must be zero or more.")
        if not 0 <= item.min_documents <= 1_000_000:
            errors[(i, "min_documents")] = _("The number of documents must be zero or more.")
    return errors


def replace_tiers(items: list[TierInput], *, on_day: date | None = None) -> list[Tier]:
    """Make the tenant's tiers exactly `items`, highest first (the order is the rank).

    Items with an id edit that tier (another tenant's or an unknown id: tier_not_found); the
    rest are new; tiers left out are removed, and their customers lose them, recorded in the
    history as a settings change.
    """
    existing = {t.id: t for t in tier_rows()}
    refuse_unknown(items, existing)
    if errors := validate_tiers(items):
        (position, field_name), message = next(iter(errors.items()))
        raise ServiceError(message, field=f"tiers.{position}.{field_name}")
    kept = {i.id for i in items if i.id is not None}
    removed = [t for tid, t in existing.items() if tid not in kept]
    if removed:
        record_removal(current_tenant_id(), [t.id for t in removed], on_day or clock.today())
        for t in removed:
            db.session.delete(t)
    # Free the names and ranks first: a swap of two names must not collide half-way.
    for t in existing.values():
        if t.id in kept:
            t.name_key, t.rank = f"#{t.id}", 1000 + t.rank
    db.session.flush()
    rows: list[Tier] = []
    for position, item in enumerate(items, start=1):
        t = existing.get(item.id) if item.id is not None else None
        if t is None:
            t = Tier()
            db.session.add(t)
        t.rank, t.name, t.name_key, t.colour = position, item.name, name_key(item.name), item.colour.lower()
        t.automatic, t.threshold, t.min_documents = item.automatic, item.threshold, item.min_documents
        rows.append(t)
    db.session.flush()
    ids = [t.id for t in rows]
    if ids:
        db.session.execute(delete(TierDiscount).where(TierDiscount.tier_id.in_(ids)))
        db.session.execute(delete(TierPriceList).where(TierPriceList.tier_id.in_(ids)))
    for t, item in zip(rows, items):
        db.session.add_all(TierDiscount(tier_id=t.id, discount_id=d) for d in sorted(set(item.discount_ids)))
        db.session.add_all(TierPriceList(tier_id=t.id, price_list_id=p) for p in sorted(set(item.price_list_ids)))
    db.session.flush()
    audit.record("loyalty.tiers_changed", "tiers", None, ", ".join(t.name for t in rows),
                 {"tiers": [[t.name, t.threshold, t.min_documents, t.automatic] for t in rows],
                  "removed": [t.name for t in removed]} if removed else
                 {"tiers": [[t.name, t.threshold, t.min_documents, t.automatic] for t in rows]})
    return rows


def refuse_unknown(items: list[TierInput], existing: dict[int, Tier]) -> None:
    """Refuse ids that name no row of this tenant (another tenant's included): tiers, discounts,
    price lists. Checked before anything else, so such an id is a 404 whatever else is wrong."""
    for item in items:
        if item.id is not None and item.id not in existing:
            raise ServiceError(_("This tier does not exist."), field="id", code="tier_not_found")
    _refuse_unknown(Discount, {d for i in items for d in i.discount_ids}, "discount_not_found",
                    _("This discount does not exist."))
    _refuse_unknown(PriceList, {p for i in items for p in i.price_list_ids}, "price_list_not_found",
                    _("This price list does not exist."))


def _refuse_unknown(model, ids: set[int], code: str, message: str) -> None:
    if not ids:
        return
    # An id no row can have (0, -1, 2**40) is unknown without asking: the database would refuse
    # it as out of range rather than find nothing.
    possible = {i for i in ids if row_id(i) is not None}
    found = set(db.session.scalars(select(model.id).where(model.id.in_(possible)))) if possible else set()
    if ids - found:
        raise ServiceError(message, code=code)


def default_tiers() -> list[TierInput]:
    """Gold, Silver and Bronze as a new tenant starts (the thresholds are the owner's to set)."""
    return [TierInput(name=name, colour=colour, threshold=threshold, min_documents=docs)
            for (name, colour), threshold, docs in zip(DEFAULT_TIERS, (500_000, 200_000, 50_000), (10, 5, 2))]


def members_count() -> dict[int, int]:
    """tier id -> how many customers hold it now."""
    return dict(db.session.execute(
        select(CustomerTier.tier_id, func.count()).where(CustomerTier.tier_id.is_not(None))
        .group_by(CustomerTier.tier_id)).all())


def last_changes(customer_id: int, limit: int = 50) -> list[TierChange]:
    return list(db.session.scalars(select(TierChange).where(TierChange.customer_id == customer_id)
                                   .order_by(TierChange.id.desc()).limit(limit)))
