"""A discount's rule said in words, for the terminal and "try a bill":
"5% off the whole bill · Mon–Fri 15:00–17:00", "2,00 zł off each of: IPA, Lager · until 31 Dec 2026".

It works on the engine's Discount (what will really be applied), with the names of the
categories and products it names read in one query.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Iterable

from babel.dates import get_day_names
from babel.numbers import format_decimal
from flask_babel import gettext as _
from sqlalchemy import bindparam, select, union_all

from ... import pricing as engine
from ...extensions import db
from ...i18n import date_filter, format_locale, money
from ...models import Category, Product

_c, _p = Category.__table__, Product.__table__
_NAMES = union_all(
    select(_c.c.external_id, _c.c.name, bindparam("c", "c").label("kind"))
    .where(_c.c.tenant_id == bindparam("tenant_id"), _c.c.external_id.in_(bindparam("cats", expanding=True))),
    select(_p.c.external_id, _p.c.name, bindparam("p", "p").label("kind"))
    .where(_p.c.tenant_id == bindparam("tenant_id"), _p.c.external_id.in_(bindparam("prods", expanding=True))),
)


def names_of(tenant_id: int, discounts: Iterable[engine.Discount]) -> dict[tuple[str, str], str]:
    """("c" | "p", external id) -> name, for every category and product the discounts name."""
    cats, prods = set(), set()
    for d in discounts:
        cats |= d.category_ids | d.excluded_category_ids
        prods |= d.product_ids | d.excluded_product_ids
    if not cats and not prods:
        return {}
    rows = db.session.connection().execute(_NAMES, {"tenant_id": tenant_id, "cats": sorted(cats),
                                                    "prods": sorted(prods)})
    return {(row.kind, row.external_id): row.name for row in rows}


def percent_text(value: Decimal) -> str:
    return format_decimal(value, format="#,##0.####", locale=format_locale()) + "%"


def _list(kind: str, ids: Iterable[str], names: dict) -> str:
    return ", ".join(sorted(names.get((kind, i), i) for i in ids))


def _days(days: frozenset[int]) -> str:
    """Mon–Fri, Sat, Sun / Mon, Wed: runs of three or more days joined with a dash."""
    short = get_day_names("abbreviated", locale=format_locale())  # 0 = Monday
    parts, ordered, i = [], sorted(days), 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        if j - i >= 2:
            parts.append(f"{short[ordered[i] - 1]}–{short[ordered[j] - 1]}")
        else:
            parts.extend(short[d - 1] for d in ordered[i:j + 1])
        i = j + 1
    return ", ".join(parts)


def window_text(w: engine.WeeklyWindow) -> str:
    return f"{_days(w.days)} {w.start:%H:%M}–{w.end:%H:%M}"


def value_text(d: engine.Discount) -> str:
    return percent_text(d.percent) if d.percent is not None else money(d.amount)


def describe(d: engine.Discount, names: dict[tuple[str, str], str]) -> str:
    """The rule in one line: what it takes off, on what, when."""
    value = value_text(d)
    if d.scope == engine.SCOPE_BILL:
        parts = [_("%(value)s off the whole bill", value=value)]
    elif d.scope == engine.SCOPE_CATEGORIES:
        parts = [_("%(value)s off %(names)s", value=value, names=_list("c", d.category_ids, names))]
    else:
        parts = [_("%(value)s off %(names)s", value=value, names=_list("p", d.product_ids, names))]
    if d.amount is not None and d.scope != engine.SCOPE_BILL:
        parts[0] += " " + _("(each)")
    excluded = [x for x in (_list("c", d.excluded_category_ids, names), _list("p", d.excluded_product_ids, names)) if x]
    if excluded:
        parts.append(_("except %(names)s", names=", ".join(excluded)))
    if d.min_bill:
        parts.append(_("on bills from %(amount)s", amount=money(d.min_bill)))
    if d.weekly:
        parts.append(", ".join(window_text(w) for w in d.weekly))
    if d.validity.valid_from and d.validity.valid_to:
        parts.append(_("%(start)s to %(end)s", start=date_filter(d.validity.valid_from),
                       end=date_filter(d.validity.valid_to)))
    elif d.validity.valid_from:
        parts.append(_("from %(date)s", date=date_filter(d.validity.valid_from)))
    elif d.validity.valid_to:
        parts.append(_("until %(date)s", date=date_filter(d.validity.valid_to)))
    return " · ".join(parts)
