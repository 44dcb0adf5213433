"""A discount's fields checked and normalised, each refusal said on its own field.

The panel's form and the API send the same keys; the form sends text as people type it
("12,50", "5 %"), the API numbers (amounts in minor units, a percent as a decimal string or an
integer, never a float: 0.1 is not one tenth). Keys a PATCH leaves out keep the discount's
current value.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from ...extensions import db
from ...models import Category, Discount, Product
from ...models.discounts import SCOPES
from ...money import InvalidAmount, InvalidPercent, parse_amount, parse_percent
from .. import ServiceError
from ..cards.rows import parse_expiry
from ..catalog import refs
from ..naming import name_key
from .listing import plain_fields
from .words import Window

FIELDS = ("name", "percent", "amount", "scope", "category_ids", "product_ids", "excluded_category_ids",
          "excluded_product_ids", "selectable", "valid_from", "valid_to", "weekly", "min_bill")
TARGET_FIELDS = ("category_ids", "product_ids", "excluded_category_ids", "excluded_product_ids")
NAME_LENGTH = Discount.__table__.c.name.type.length
MAX_WINDOWS = 14      # two a day is more than any happy-hour plan we have seen
MAX_TARGETS = 5000    # the API's lists; the whole catalog is the bill scope
_HOUR = re.compile(r"([01]?[0-9]|2[0-4])[:.]([0-5][0-9])")


class DiscountInvalid(ServiceError):
    """Fields broke rules; `errors` maps each field ("weekly.1.to") to its message."""

    def __init__(self, errors: dict[str, str]):
        first_field, first_message = next(iter(errors.items()))
        super().__init__(first_message, field=first_field)
        self.errors = errors


@dataclass
class Values:
    """A discount as it will be saved; targets are rows of this tenant's catalog."""

    name: str = ""
    percent: Decimal | None = None
    amount: int | None = None
    scope: str = "bill"
    categories: list[Category] = field(default_factory=list)
    products: list[Product] = field(default_factory=list)
    excluded_categories: list[Category] = field(default_factory=list)
    excluded_products: list[Product] = field(default_factory=list)
    selectable: bool = True
    valid_from: date | None = None
    valid_to: date | None = None
    weekly: list[Window] = field(default_factory=list)
    min_bill: int = 0


def validate(data: Mapping, current: Discount | None = None, *, currency: str = "PLN") -> Values:
    """The clean values, or DiscountInvalid naming every field at fault.

    An unknown category or product id (another tenant's included) is refused by catalog.refs
    as `category_not_found` / `product_not_found` (the API's 404), after the other checks.
    """
    raw = {**(plain_fields(current) if current is not None else {}), **{k: data[k] for k in FIELDS if k in data}}
    # A change that sends only the new amount (or percent) means it instead of the other.
    for given, other in (("amount", "percent"), ("percent", "amount")):
        if data.get(given) not in (None, "") and other not in data:
            raw[other] = None
    errors: dict[str, str] = {}
    v = Values()
    v.name = " ".join(str(raw.get("name") or "").split())
    if not v.name:
        errors["name"] = _("Give the discount a name.")
    elif len(v.name) > NAME_LENGTH:
        errors["name"] = _("A name has at most %(n)d characters.", n=NAME_LENGTH)
    taken = bool(v.name) and "name" not in errors and name_taken(v.name, current)
    _value(raw, v, errors, currency)
    v.scope = str(raw.get("scope") or "bill")
    if v.scope not in SCOPES:
        errors["scope"] = _("Choose the whole bill, categories or products.")
    ids = {name: _ids(raw.get(name), name, errors) for name in TARGET_FIELDS}
    if v.scope == "categories" and not ids["category_ids"] and "category_ids" not in errors:
        errors["category_ids"] = _("Choose at least one category.")
    if v.scope == "products" and not ids["product_ids"] and "product_ids" not in errors:
        errors["product_ids"] = _("Choose at least one product.")
    v.selectable = _as_bool(raw.get("selectable", True))
    v.valid_from = _day(raw.get("valid_from"), "valid_from", errors)
    v.valid_to = _day(raw.get("valid_to"), "valid_to", errors)
    if v.valid_from and v.valid_to and v.valid_to < v.valid_from:
        errors["valid_to"] = _("The last day cannot come before the first.")
    v.weekly = _windows(raw.get("weekly") or [], errors)
    v.min_bill = _min_bill(raw.get("min_bill"), v.scope, errors, currency)
    if taken:
        message = _("Another discount is already called %(name)s.", name=v.name)
        if not errors:  # alone, it is the API's 409 `conflict`; with other faults, one of them
            raise ServiceError(message, field="name", code="conflict")
        errors = {"name": message, **errors}
    if errors:
        raise DiscountInvalid(errors)
    # Every id named must exist; only the targets the scope uses are kept, so a PATCH that turns
    # a product discount into a category one need not clear the product ids it leaves behind.
    categories = list(refs.categories(ids["category_ids"]).values())
    products = list(refs.products(ids["product_ids"]).values())
    v.categories = categories if v.scope == "categories" else []
    v.products = products if v.scope == "products" else []
    v.excluded_categories = list(refs.categories(ids["excluded_category_ids"], field="excluded_category_ids").values())
    v.excluded_products = list(refs.products(ids["excluded_product_ids"], field="excluded_product_ids").values())
    return v


def name_taken(name: str, current: Discount | None) -> bool:
    """A live discount other than `current` has this name (compared by its key)."""
    query = select(func.count()).select_from(Discount).where(Discount.name_key == name_key(name),
                                                             Discount.archived_at.is_(None))
    if current is not None:
        query = query.where(Discount.id != current.id)
    return bool(db.session.scalar(query))


def _value(raw: Mapping, v: Values, errors: dict[str, str], currency: str) -> None:
    """Exactly one of percent and amount."""
    percent, amount = raw.get("percent"), raw.get("amount")
    given_percent = percent is not None and str(percent).strip() != ""
    given_amount = amount is not None and str(amount).strip() != ""
    if given_percent and given_amount:
        errors["percent"] = _("Give a percent or an amount, not both.")
        return
    if not (given_percent or given_amount):
        errors["percent"] = _("Give the percent or the amount to take off.")
        return
    if given_percent:
        try:
            v.percent = _percent(percent)
        except (InvalidPercent, TypeError):
            errors["percent"] = _("A percent is a number above 0 and up to 100, with at most 4 decimals, "
                                  "such as 5 or 12,5.")
            return
        if v.percent <= 0:
            errors["percent"] = _("A percent is a number above 0 and up to 100, with at most 4 decimals, "
                                  "such as 5 or 12,5.")
        return
    v.amount = money_value(amount, currency)
    if v.amount is None or v.amount <= 0:
        errors["amount"] = _("An amount is above zero, such as 10 or 12,50.")


def _percent(value) -> Decimal:
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError("a percent is never a float")
    if isinstance(value, (int, Decimal)):
        value = str(value)
    return parse_percent(value)


def money_value(value, currency: str) -> int | None:
    """Minor units from the API's integer or the form's text; None when it is neither."""
    if isinstance(value, bool) or isinstance(value, float):
        return None
    if isinstance(value, int):
        return value
    try:
        return parse_amount(str(value), currency)
    except InvalidAmount:
        return None


def _min_bill(value, scope: str, errors: dict[str, str], currency: str) -> int:
    if value is None or str(value).strip() == "":
        return 0
    minor = money_value(value, currency)
    if minor is None or minor < 0:
        errors["min_bill"] = _("A minimum bill is an amount of zero or more, such as 50 or 49,90.")
        return 0
    if minor and scope != "bill":
        errors["min_bill"] = _("A minimum bill belongs to discounts on the whole bill.")
        return 0
    return minor


def _ids(value, name: str, errors: dict[str, str]) -> list[str]:
    """A list of the POS's ids, each a non-empty string; duplicates dropped, order kept."""
    if value is None or value == "":
        return []
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, (str, int)) and not isinstance(v, bool)
                                                      for v in value):
        errors[name] = _("Send a list of ids.")
        return []
    ids = list(dict.fromkeys(str(v).strip() for v in value if str(v).strip()))
    if len(ids) > MAX_TARGETS:
        errors[name] = _("At most %(n)d ids.", n=MAX_TARGETS)
        return []
    return ids


def _day(value, name: str, errors: dict[str, str]) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return parse_expiry(str(value))
    except ValueError:
        errors[name] = _("Enter a date such as 2027-01-31 or 31.01.2027.")
        return None


def _windows(value, errors: dict[str, str]) -> list[Window]:
    if not isinstance(value, (list, tuple)):
        errors["weekly"] = _("Send the weekly hours as a list of {days, from, to}.")
        return []
    if len(value) > MAX_WINDOWS:
        errors["weekly"] = _("At most %(n)d weekly windows.", n=MAX_WINDOWS)
        return []
    out = []
    for i, row in enumerate(value):
        if not isinstance(row, Mapping):
            errors[f"weekly.{i}"] = _("Send the weekly hours as a list of {days, from, to}.")
            continue
        days = window_days(row.get("days"))
        if not days:
            errors[f"weekly.{i}.days"] = _("Tick at least one day.")
        start, end = parse_hour(row.get("from")), parse_hour(row.get("to"))
        if start is None:
            errors[f"weekly.{i}.from"] = _("Enter an hour such as 15:00.")
        if end is None:
            errors[f"weekly.{i}.to"] = _("Enter an hour such as 17:00.")
        if start is not None and start == end and start != time(0):
            errors[f"weekly.{i}.to"] = _("From and to are the same hour; for the whole day enter 00:00 to 00:00.")
        if days and start is not None and end is not None and f"weekly.{i}.to" not in errors:
            out.append(Window(days, start, end))
    return out


def window_days(value) -> tuple[int, ...]:
    if not isinstance(value, (list, tuple)):
        return ()
    days = set()
    for day in value:
        if isinstance(day, bool) or not str(day).strip().isdigit() or not 1 <= int(str(day).strip()) <= 7:
            return ()
        days.add(int(str(day).strip()))
    return tuple(sorted(days))


def parse_hour(value) -> time | None:
    """"15:00", "9:30", "15.00"; "24:00" is the midnight that ends a day."""
    match = _HOUR.fullmatch(str(value or "").strip())
    if match is None:
        return None
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours == 24:
        return time(0) if minutes == 0 else None
    return time(hours, minutes)


def _as_bool(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on", "y")
    return bool(value)
