"""Discounts over the API: the integrator's CRUD (manage scope) and the till's picker (pos scope).

Categories and products are named by the POS's ids (strings); a discount by ours. A percent is a
decimal string ("12.5") or an integer, never a JSON float; amounts are integer minor units.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from flask import g, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict

from ....extensions import db
from ....models import Discount
from ....models.base import row_id
from ....models.tenants import Tenant
from ....services import discounts
from ....services.discounts.validation import NAME_LENGTH
from .. import bp
from ..declare import api_operation
from ..errors import ApiError
from ..schemas import TenantRef

ExternalIds = list[Annotated[str, Field(min_length=1, max_length=64)]]


def _no_float(value):
    # 0.1 in JSON is a binary float, not one tenth: a percent comes as "0.1" or as an integer.
    if isinstance(value, (float, bool)):
        raise ValueError("a percent is a decimal string or an integer")
    return value


Percent = Annotated[Annotated[str, Field(max_length=12)] | int | None, BeforeValidator(_no_float)]


class WeeklyWindow(BaseModel):
    # "from" is a Python keyword: the field is from_, spelled "from" in and out (lists too).
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    days: list[int] = Field(description="ISO days: 1 is Monday, 7 is Sunday.")
    from_: str = Field(alias="from", description="Local time HH:MM in the restaurant's zone.")
    to: str = Field(description="Local time HH:MM; at or before `from` runs past midnight; 00:00-00:00 is the "
                                "whole day.")


class DiscountFields(BaseModel):
    """The fields of a discount; a PATCH sends only those it changes."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "name": "Happy hour drinks", "percent": "20", "scope": "categories", "category_ids": ["drinks"],
        "excluded_category_ids": ["tobacco"], "excluded_product_ids": ["gift-voucher"], "product_ids": ["beer-05"],
        "selectable": True, "valid_from": "2027-01-01", "valid_to": "2027-12-31",
        "weekly": [{"days": [1, 2, 3, 4, 5], "from": "15:00", "to": "17:00"}], "min_bill": 0}]})

    name: Annotated[str, Field(max_length=NAME_LENGTH, description="Unique among live discounts.")] = ""
    percent: Percent = Field(default=None, description="0 < p <= 100, up to 4 decimals, as a string or "
                                                                "an integer (never a float); or send amount.")
    amount: Annotated[int, Strict()] | None = Field(default=None, description="Minor units off (on each item for "
                                                                               "categories and products).")
    scope: Literal["bill", "categories", "products"] = Field(default="bill", description="What it covers.")
    category_ids: ExternalIds = TenantRef("category", default_factory=list,
                                          description="The POS's category ids (scope categories).")
    product_ids: ExternalIds = TenantRef("product", default_factory=list,
                                         description="The POS's product ids (scope products).")
    excluded_category_ids: ExternalIds = TenantRef("category", default_factory=list,
                                                   description="Categories left out.")
    excluded_product_ids: ExternalIds = TenantRef("product", default_factory=list,
                                                  description="Products left out.")
    selectable: bool = Field(default=True, description="Available on the terminal; false: only through groups.")
    valid_from: date | None = Field(default=None, description="First day, inclusive.")
    valid_to: date | None = Field(default=None, description="Last day, inclusive.")
    weekly: list[WeeklyWindow] = Field(default_factory=list, description="Happy hours; empty: any time.")
    min_bill: Annotated[int, Strict()] = Field(default=0, description="Minor units; bill scope only.")

    def data(self) -> dict:
        """What the caller sent, as the discount service takes it."""
        out = {}
        for name in self.model_fields_set:
            value = getattr(self, name)
            if name == "weekly":
                value = [{"days": w.days, "from": w.from_, "to": w.to} for w in value]
            out[name] = value
        return out


class DiscountCreate(DiscountFields):
    name: Annotated[str, Field(min_length=1, max_length=NAME_LENGTH, description="Unique among live discounts.")]


class DiscountOut(BaseModel):
    id: int
    name: str
    percent: str | None = Field(description="Exact decimal string, or null for an amount.")
    amount: int | None = Field(description="Minor units, or null for a percent.")
    scope: Literal["bill", "categories", "products"]
    category_ids: list[str]
    product_ids: list[str]
    excluded_category_ids: list[str]
    excluded_product_ids: list[str]
    selectable: bool
    valid_from: date | None
    valid_to: date | None
    weekly: list[WeeklyWindow]
    min_bill: int
    archived: bool
    description: str = Field(description="The rule in words, in the request's language.")

    @classmethod
    def of(cls, x: discounts.Loaded, currency: str) -> DiscountOut:
        d = x.discount
        return cls.model_construct(
            id=d.id, name=d.name, percent=percent_text(d.percent), amount=d.amount, scope=d.scope,
            category_ids=[c.external_id for c in x.categories], product_ids=[p.external_id for p in x.products],
            excluded_category_ids=[c.external_id for c in x.excluded_categories],
            excluded_product_ids=[p.external_id for p in x.excluded_products],
            selectable=d.selectable, valid_from=d.valid_from, valid_to=d.valid_to,
            weekly=[WeeklyWindow.model_construct(days=list(w.days), from_=f"{w.start:%H:%M}", to=f"{w.end:%H:%M}")
                    for w in x.windows],
            min_bill=d.min_bill or 0, archived=d.archived_at is not None,
            description=x.describe(currency, str(get_locale() or "en")))


class DiscountList(BaseModel):
    discounts: list[DiscountOut]


class DiscountSearch(BaseModel):
    q: Annotated[str, Field(max_length=100, description="Part of the name.")] = ""
    selectable: bool | None = Field(default=None, description="true: only what the terminal may offer (live, "
                                                              "available on the terminal).")
    archived: bool = Field(default=False, description="true: the archived ones instead of the live ones.")


class DiscountDeleted(BaseModel):
    id: int
    deleted: bool = Field(description="true: removed; false: archived, as it is in use.")
    archived: bool


def percent_text(value: Decimal | None) -> str | None:
    """"5", "12.5": the stored Numeric without its trailing zeros, never an exponent."""
    if value is None:
        return None
    return format(Decimal(value).normalize(), "f")


EXAMPLE = {"id": 7, "name": "Happy hour drinks", "percent": "20", "amount": None, "scope": "categories",
           "category_ids": ["drinks"], "product_ids": [], "excluded_category_ids": ["tobacco"],
           "excluded_product_ids": [], "selectable": True, "valid_from": "2027-01-01", "valid_to": "2027-12-31",
           "weekly": [{"days": [1, 2, 3, 4, 5], "from": "15:00", "to": "17:00"}], "min_bill": 0,
           "archived": False, "description": "20% off the category Drinks, except the category Tobacco, "
                                             "from 1 January 2027 to 31 December 2027, Mon–Fri 15:00–17:00"}
PATH = {"discount_id": {"example": 7, "schema": {"type": "integer", "minimum": 1}}}
WRITE_ERRORS = ("category_not_found", "product_not_found", "conflict")


def _currency() -> str:
    tenant = db.session.get(Tenant, g.api_token.tenant_id)
    return tenant.currency if tenant else "PLN"


def _out(d: Discount) -> DiscountOut:
    return DiscountOut.of(discounts.load([d])[0], _currency())


def _found(discount_id: str) -> Discount:
    found = db.session.get(Discount, known) if (known := row_id(discount_id)) else None
    if found is None:  # the scoped session: another tenant's id is missing too
        raise ApiError(404, "discount_not_found", _("No discount of your restaurant has this id."))
    return found


@bp.get("/discounts")
@api_operation(
    operation_id="listDiscounts", scope="pos", summary="List discounts (the terminal's picker)",
    query=DiscountSearch, response=DiscountList, answer="The discounts, by name.",
    example={"discounts": [EXAMPLE]},
    description=(
        "With `selectable=true`, what staff may pick at the till: live discounts available on the "
        "terminal. A hidden discount never appears there; it reaches a bill only through a group."))
def list_discounts(query: DiscountSearch):
    if query.archived:
        found = discounts.search(query.q, "archived")
    elif query.selectable:
        found = discounts.selectable_discounts(query.q)
    else:
        found = [d for d in discounts.search(query.q, "active") if query.selectable is None or not d.selectable]
    currency = _currency()
    return DiscountList.model_construct(discounts=[DiscountOut.of(x, currency) for x in discounts.load(found)])


@bp.get("/discounts/<any_text:discount_id>")
@api_operation(
    operation_id="getDiscount", scope="pos", summary="A discount", response=DiscountOut,
    answer="The discount.", errors=("discount_not_found",), example=EXAMPLE, path=PATH)
def get_discount(discount_id: str):
    return _out(_found(discount_id))


@bp.post("/discounts")
@api_operation(
    operation_id="createDiscount", scope="manage", summary="Add a discount", body=DiscountCreate,
    response=DiscountOut, status=201, idempotency="optional", answer="The new discount.",
    errors=WRITE_ERRORS, example=EXAMPLE,
    description=(
        "Exactly one of `percent` and `amount`. Scope `categories` needs `category_ids`, scope "
        "`products` needs `product_ids`; exclusions take categories or products out of any scope. "
        "An unknown category or product id answers 404 naming it; a name another live discount "
        "has answers 409 `conflict`."))
def create_discount(body: DiscountCreate):
    created = discounts.create(body.data(), currency=_currency())
    return _out(created), {"Location": url_for("api.get_discount", discount_id=created.id)}


@bp.patch("/discounts/<any_text:discount_id>")
@api_operation(
    operation_id="updateDiscount", scope="manage", summary="Change a discount", body=DiscountFields,
    response=DiscountOut, idempotency="optional", answer="The discount as saved.",
    errors=("discount_not_found", *WRITE_ERRORS), example=EXAMPLE, path=PATH, load={"discount_id": _found},
    description="Send only the fields to change; lists (ids, weekly) are replaced whole.")
def update_discount(discount_id: Discount, body: DiscountFields):
    return _out(discounts.update(discount_id, body.data(), currency=_currency()))


@bp.delete("/discounts/<any_text:discount_id>")
@api_operation(
    operation_id="deleteDiscount", scope="manage", summary="Delete or archive a discount",
    response=DiscountDeleted, idempotency="optional", answer="Whether it was deleted or archived.",
    errors=("discount_not_found",), example={"id": 7, "deleted": False, "archived": True}, path=PATH,
    description=(
        "A discount no group grants is deleted; one in use is archived instead (off every bill "
        "and picker, kept for the records that name it)."))
def delete_discount(discount_id: str):
    found = _found(discount_id)
    found_id = found.id
    deleted = discounts.delete(found)
    return DiscountDeleted.model_construct(id=found_id, deleted=deleted, archived=not deleted)
