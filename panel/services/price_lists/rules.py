"""What a price list's entries must be, before any of them reaches the database.

An entry is a product (the POS's id) at a fixed unit price in minor units (>= 0), or a category
(the POS's id) at a percent off (an exact decimal, 0 < p <= 100, at most four places: the
column's and the engine's limits). One entry per product and per category in a list: a second
one in the same request is refused naming both, so the caller fixes the one they meant.
No database here; the service resolves the ids afterwards.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from ... import money
from .. import ServiceError

MAX_ENTRIES = 10_000
NAME_LENGTH = 120


@dataclass(frozen=True)
class EntryInput:
    """One entry as the caller sent it: `product` or `category` are the POS's ids."""

    product: str | None = None
    category: str | None = None
    unit_price: int | None = None
    percent: Decimal | None = None


class EntriesRefused(ServiceError):
    """Several entries at fault at once: `errors` maps each field to its message."""

    def __init__(self, errors: dict[str, str]):
        field, message = next(iter(errors.items()))
        super().__init__(message, field=field, code="invalid")
        self.errors = errors


def check_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ServiceError(_("Name the price list, e.g. “Regulars' prices”."), field="name")
    if len(name) > NAME_LENGTH:
        raise ServiceError(_("The name has at most %(n)d characters.", n=NAME_LENGTH), field="name")
    return name


def check_validity(valid_from: date | None, valid_to: date | None) -> None:
    if valid_from is not None and valid_to is not None and valid_from > valid_to:
        raise ServiceError(_("The list cannot end before it starts: “valid to” is before “valid from”."),
                           field="valid_to")


def entry_problem(entry: EntryInput) -> tuple[str, str] | None:
    """(the field at fault, why) for an entry that breaks a rule on its own, else None."""
    if (entry.product is None) == (entry.category is None):
        return "product_id", _("Name either a product (with its price) or a category (with its percent off).")
    if entry.product is not None:
        if entry.percent is not None:
            return "percent", _("A product gets a price, not a percent; a percent off is for a category.")
        if entry.unit_price is None:
            return "unit_price", _("Give the product's price on this list.")
        if not 0 <= entry.unit_price <= money.MAX_MINOR:
            return "unit_price", _("The price must be zero or more (in minor units: 1250 is 12.50).")
        return None
    if entry.unit_price is not None:
        return "unit_price", _("A category gets a percent off, not a price; a price is for a product.")
    if entry.percent is None:
        return "percent", _("Give the percent off for the category.")
    if not _percent_ok(entry.percent):
        return "percent", _("The percent off must be more than 0 and at most 100, with at most 4 decimals.")
    return None


def _percent_ok(value: Decimal) -> bool:
    return (value.is_finite() and 0 < value <= money.MAX_PERCENT
            and -value.normalize().as_tuple().exponent <= money.PERCENT_PLACES)


def check_entries(entries: list[EntryInput], *, labels: list[str] | None = None,
                  field: str = "entries") -> None:
    """Refuse entries that break a rule, every fault at once (field "entries.3.percent").

    `labels` say how the messages number the entries (file rows for an import); by default
    "entry 1", "entry 2" ...
    """
    if len(entries) > MAX_ENTRIES:
        raise ServiceError(_("A price list holds at most %(n)d entries.", n=MAX_ENTRIES), field=field)
    labels = labels or [_("entry %(n)d", n=i + 1) for i in range(len(entries))]
    errors: dict[str, str] = {}
    first_of: dict[tuple[str, str], int] = {}
    for i, entry in enumerate(entries):
        problem = entry_problem(entry)
        if problem is not None:
            errors[f"{field}.{i}.{problem[0]}"] = f"{labels[i]}: {problem[1]}"
            continue
        key = ("product", entry.product) if entry.product is not None else ("category", entry.category)
        if key in first_of:
            other = first_of[key]
            name = "product_id" if key[0] == "product" else "category_id"
            message = (_("%(a)s and %(b)s both price the product %(id)s; keep one.", a=labels[other],
                         b=labels[i], id=key[1]) if key[0] == "product" else
                       _("%(a)s and %(b)s both name the category %(id)s; keep one.", a=labels[other],
                         b=labels[i], id=key[1]))
            errors[f"{field}.{other}.{name}"] = message
            errors[f"{field}.{i}.{name}"] = message
        else:
            first_of[key] = i
    if errors:
        raise EntriesRefused(errors)


# --- what people type in the panel and in files -----------------------------------------------

def parse_price(text: str, currency: str, field: str = "unit_price") -> int:
    """A price as people type it ("12,50", "12.50 zł", "1 234,50") in minor units, >= 0."""
    try:
        value = money.parse_amount(text or "", currency)
    except money.InvalidAmount as e:
        messages = {
            money.InvalidAmount.EMPTY: _("Type the price."),
            money.InvalidAmount.PRECISION: _("A price has at most two decimals."),
            money.InvalidAmount.TOO_LARGE: _("This price is too large."),
        }
        raise ServiceError(messages.get(e.code, _("Type the price as a number, e.g. 12,50.")), field=field) from None
    if value < 0:
        raise ServiceError(_("The price cannot be negative."), field=field)
    return value


def parse_percent(text: str, field: str = "percent") -> Decimal:
    """A percent off as people type it ("10", "12,5", "12.5 %"): 0 < p <= 100."""
    try:
        value = money.parse_percent(text or "")
    except money.InvalidPercent as e:
        messages = {
            money.InvalidPercent.EMPTY: _("Type the percent off."),
            money.InvalidPercent.PRECISION: _("A percent has at most 4 decimals."),
            money.InvalidPercent.RANGE: _("The percent off is at most 100."),
        }
        raise ServiceError(messages.get(e.code, _("Type the percent as a number, e.g. 10 or 12,5.")),
                           field=field) from None
    if value <= 0:
        raise ServiceError(_("The percent off must be more than 0."), field=field)
    return value


def api_percent(value: str | int) -> Decimal:
    """The API's percent: a decimal string ("12.5") or a whole number; never a float."""
    try:
        parsed = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError("not a decimal") from None
    if not parsed.is_finite():
        raise ValueError("not a decimal")
    return parsed
