"""What the pricing engine takes and gives: plain frozen dataclasses, no ORM, no Flask.

The service that loads a customer's group, tier and the staff picks turns rows into these;
the engine never sees a database row. Ids of products and categories are the POS's external
ids (strings); discounts and price lists carry ours (integers). Money is int minor units,
quantities Decimal with at most three places, percents exact Decimal.

Construction checks what the engine relies on (one of percent/amount, 0 < percent <= 100,
no float anywhere), so a bad rule fails where it is built, not in the middle of a quote.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from typing import Iterable

from panel.money import MAX_PERCENT
from panel.money import quantity as checked_quantity

# Layers, in the order they compound.
PRICE_LIST = "price_list"
LINE_DISCOUNT = "line_discount"
BILL_DISCOUNT = "bill_discount"
POINTS = "points"

# Who grants a rule. A price list reached by no group or tier (a public happy-hour list) is its
# own source, type "price_list"; points redemption is source type "points".
GROUP, TIER, STAFF, POINTS_SOURCE = "group", "tier", "staff", "points"

# Discount scopes.
SCOPE_BILL, SCOPE_CATEGORIES, SCOPE_PRODUCTS = "bill", "categories", "products"
SCOPES = (SCOPE_BILL, SCOPE_CATEGORIES, SCOPE_PRODUCTS)

# Why a discount did not apply (the quote's `not_applied`).
BETTER_DISCOUNT_APPLIED = "better_discount_applied"
MIN_BILL_NOT_MET = "min_bill_not_met"
OUTSIDE_TIME_WINDOW = "outside_time_window"
NOT_DISCOUNTABLE = "not_discountable"
NOT_SELECTABLE = "not_selectable"


def _minor(value: object, what: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be int minor units, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{what} must be at least {minimum}, got {value}")
    return value


def _percent(value: object, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise TypeError(f"{what} must be Decimal (never float), got {type(value).__name__}")
    value = Decimal(value)
    if not value.is_finite() or not 0 < value <= MAX_PERCENT:
        raise ValueError(f"{what} must be above 0 and at most {MAX_PERCENT}, got {value}")
    return value


def _ids(values: Iterable[str]) -> frozenset[str]:
    if isinstance(values, str):  # "abc" would silently become {"a", "b", "c"}
        raise TypeError("ids must be a collection of strings, not one string")
    return frozenset(values)


@dataclass(frozen=True)
class Source:
    """Who grants an adjustment: type group | tier | staff | price_list | points."""

    type: str
    id: int | None = None
    name: str = ""


@dataclass(frozen=True)
class BillLine:
    """One line of the bill as the POS sends it.

    `category_ancestors` is the chain above `category_id` (parent first), so that a rule on a
    category covers its children. A product the catalog does not know is still priced: it is
    matched by the category the line names.
    """

    line_id: str
    quantity: Decimal
    unit_price: int
    product_id: str | None = None
    category_id: str | None = None
    category_ancestors: tuple[str, ...] = ()
    discountable: bool = True
    # The line's category and everything above it: what category rules are matched against.
    categories: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "quantity", checked_quantity(self.quantity))
        # A negative price (a deposit handed back) may pass through untouched, but a discount
        # or a split over it would be meaningless.
        _minor(self.unit_price, "unit_price", minimum=0 if self.discountable else -(10**12))
        ancestors = tuple(self.category_ancestors)
        object.__setattr__(self, "category_ancestors", ancestors)
        own = (self.category_id,) if self.category_id is not None else ()
        object.__setattr__(self, "categories", own + ancestors)


@dataclass(frozen=True)
class WeeklyWindow:
    """Days 1-7 (Monday = 1) and local hours [start, end).

    An end at or before the start runs past midnight: 22:00-02:00 on Friday covers Friday
    22:00 to Saturday 02:00; 00:00-00:00 is the whole day.
    """

    days: frozenset[int]
    start: time
    end: time

    def __post_init__(self) -> None:
        days = frozenset(self.days)
        if not days or not days <= frozenset(range(1, 8)):
            raise ValueError(f"days must be a non-empty subset of 1..7, got {sorted(days)}")
        object.__setattr__(self, "days", days)

    def contains(self, at: datetime) -> bool:
        moment, day = at.time().replace(tzinfo=None), at.isoweekday()
        if self.start < self.end:
            return day in self.days and self.start <= moment < self.end
        day_before = day - 1 or 7
        return (day in self.days and moment >= self.start) or (
            day_before in self.days and moment < self.end
        )


@dataclass(frozen=True)
class Validity:
    """Valid from/to dates, both inclusive and judged on the bill's local date; None is open."""

    valid_from: date | None = None
    valid_to: date | None = None

    def contains(self, at: datetime) -> bool:
        today = at.date()
        return (self.valid_from is None or self.valid_from <= today) and (
            self.valid_to is None or today <= self.valid_to
        )


ALWAYS = Validity()


@dataclass(frozen=True)
class Discount:
    """A discount as granted by one source (a group, a tier, or a staff pick for this bill).

    Exactly one of `percent` (0 < p <= 100) and `amount` (minor units > 0). Scope "bill" works
    on the whole bill (less its exclusions); "categories" and "products" on the lines they
    name. `min_bill` belongs to bill scope only. `selectable` is "available on the terminal":
    a hidden discount applies through a group or tier, never as a staff pick.
    """

    id: int
    name: str
    source: Source
    percent: Decimal | None = None
    amount: int | None = None
    scope: str = SCOPE_BILL
    category_ids: frozenset[str] = frozenset()
    product_ids: frozenset[str] = frozenset()
    excluded_category_ids: frozenset[str] = frozenset()
    excluded_product_ids: frozenset[str] = frozenset()
    validity: Validity = ALWAYS
    weekly: tuple[WeeklyWindow, ...] = ()
    min_bill: int = 0
    selectable: bool = True
    # The percent as a Fraction, converted once: a quote computes with it on every line.
    rate: Fraction | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        if (self.percent is None) == (self.amount is None):
            raise ValueError(f"discount {self.id}: exactly one of percent and amount")
        if self.percent is not None:
            object.__setattr__(self, "percent", _percent(self.percent, "percent"))
            object.__setattr__(self, "rate", Fraction(self.percent))
        else:
            _minor(self.amount, "amount", minimum=1)
        if self.scope not in SCOPES:
            raise ValueError(f"discount {self.id}: scope must be one of {SCOPES}")
        _minor(self.min_bill, "min_bill", minimum=0)
        if self.min_bill and self.scope != SCOPE_BILL:
            raise ValueError(f"discount {self.id}: a minimum bill belongs to bill scope only")
        for name in ("category_ids", "product_ids", "excluded_category_ids", "excluded_product_ids"):
            object.__setattr__(self, name, _ids(getattr(self, name)))
        object.__setattr__(self, "weekly", tuple(self.weekly))

    def active_at(self, at: datetime) -> bool:
        """Within its validity dates and, when it has weekly windows, inside one of them."""
        if not self.validity.contains(at):
            return False
        return not self.weekly or any(window.contains(at) for window in self.weekly)

    def covers(self, line: BillLine) -> bool:
        """The line is in scope and not excluded (discountability is the engine's business)."""
        if line.product_id is not None and line.product_id in self.excluded_product_ids:
            return False
        if not self.excluded_category_ids.isdisjoint(line.categories):
            return False
        if self.scope == SCOPE_PRODUCTS:
            return line.product_id is not None and line.product_id in self.product_ids
        if self.scope == SCOPE_CATEGORIES:
            return not self.category_ids.isdisjoint(line.categories)
        return True


@dataclass(frozen=True)
class PriceEntry:
    """A product at a fixed unit price, or a category (and its children) at a percent off."""

    product_id: str | None = None
    unit_price: int | None = None
    category_id: str | None = None
    percent: Decimal | None = None
    rate: Fraction | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        if self.product_id is not None and self.category_id is None:
            _minor(self.unit_price, "unit_price", minimum=0)
            if self.percent is not None:
                raise ValueError("a product entry has a unit price, not a percent")
        elif self.category_id is not None and self.product_id is None:
            object.__setattr__(self, "percent", _percent(self.percent, "percent"))
            object.__setattr__(self, "rate", Fraction(self.percent))
            if self.unit_price is not None:
                raise ValueError("a category entry has a percent, not a unit price")
        else:
            raise ValueError("a price-list entry names a product or a category, not both")


@dataclass(frozen=True)
class PriceList:
    """A price list as granted by one source (None: a public list, its own source).

    `created_order` ranks lists by age for the tie rule: lower means created earlier, and the
    older list wins a tie (the service passes the row id or a creation sequence).
    """

    id: int
    name: str
    entries: tuple[PriceEntry, ...]
    created_order: int
    validity: Validity = ALWAYS
    source: Source | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "entries", tuple(self.entries))

    @property
    def granted_by(self) -> Source:
        return self.source or Source(PRICE_LIST, self.id, self.name)

    @cached_property
    def by_product(self) -> dict[str, tuple[PriceEntry, ...]]:
        """The product entries by product id: built once per list, so a line looks its
        product up instead of scanning every entry (lists run to thousands of entries)."""
        return _group(self.entries, "product_id")

    @cached_property
    def by_category(self) -> dict[str, tuple[PriceEntry, ...]]:
        """The category entries by category id, as `by_product`."""
        return _group(self.entries, "category_id")


def _group(entries: tuple[PriceEntry, ...], key: str) -> dict[str, tuple[PriceEntry, ...]]:
    groups: dict[str, list[PriceEntry]] = {}
    for entry in entries:
        value = getattr(entry, key)
        if value is not None:
            groups.setdefault(value, []).append(entry)
    return {value: tuple(group) for value, group in groups.items()}


# --- outputs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Adjustment:
    """One layer's change: `amount` is negative (what it took off), in minor units.

    On a line: that line's part. In the quote's `bill_adjustments`: the whole bill discount or
    redemption. `percent`, `unit_price` or `fixed_amount` says what the rule was.
    """

    layer: str
    source: Source
    amount: int
    name: str = ""
    discount_id: int | None = None
    price_list_id: int | None = None
    percent: Decimal | None = None
    unit_price: int | None = None
    fixed_amount: int | None = None


@dataclass(frozen=True)
class PricedLine:
    """A line through the layers: base, after price lists (l1), line discounts (l2), the bill
    discount (l3) and points (final)."""

    line_id: str
    base: int
    l1: int
    l2: int
    l3: int
    final: int
    adjustments: tuple[Adjustment, ...]


@dataclass(frozen=True)
class NotApplied:
    """A granted or picked discount that did not apply, and why (per line when it is one)."""

    discount_id: int
    reason: str
    source: Source
    line_id: str | None = None


@dataclass(frozen=True)
class Totals:
    base: int
    discount: int
    total: int


@dataclass(frozen=True)
class Quote:
    lines: tuple[PricedLine, ...]
    bill_adjustments: tuple[Adjustment, ...]
    totals: Totals
    not_applied: tuple[NotApplied, ...]
    redeemed: int = 0
