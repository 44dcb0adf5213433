"""Price lists over the management API: create, read, change (entries replaced as a whole), remove.

Products and categories are named by the POS's ids; a list by ours. Money is integer minor
units, percents decimal strings ("10", "12.5"): a float never carries one.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated

from flask import url_for
from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from ....extensions import db
from ....models import Category, PriceList, PriceListEntry, Product
from ....models.base import aware, row_id
from ....services import ServiceError
from ....services import price_lists as service
from ....services.price_lists import listing
from ....services.price_lists.rules import NAME_LENGTH
from ....tenancy import require_tenant_id
from .. import bp
from ..declare import api_operation
from ..errors import ApiError
from ..schemas import Named, TenantRef

ENTRY_EXAMPLES = [{"product_id": "beer-05", "unit_price": 900}, {"category_id": "desserts", "percent": "10"}]
ENTRY_OUT_EXAMPLES = [{"product_id": "beer-05", "unit_price": 900, "category_id": None, "percent": None},
                      {"product_id": None, "unit_price": None, "category_id": "desserts", "percent": "10"}]
LIST_EXAMPLE = {"id": 3, "name": "Regulars' prices", "valid_from": "2026-01-01", "valid_to": None,
                "archived": False, "entry_count": 2, "groups": [{"id": 2, "name": "Regulars -5%"}],
                "updated_at": "2026-12-06T12:00:00.123456+00:00"}
PATH = {"price_list_id": {"example": 3, "schema": {"type": "integer", "minimum": 1}}}



class Entry(BaseModel):
    """A product at a price, or a category at a percent off."""

    model_config = ConfigDict(json_schema_extra={"examples": ENTRY_EXAMPLES})

    product_id: Annotated[str | None, TenantRef("product", default=None, max_length=64,
                                                description="The POS's product id.")]
    unit_price: Annotated[int | None, Field(default=None, description="Minor units, 0 or more.")]
    category_id: Annotated[str | None, TenantRef("category", default=None, max_length=64,
                                                 description="The POS's category id (covers its children).")]
    percent: Annotated[str | int | None, Field(default=None, description="Percent off, a decimal string.")]


class PriceListCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"name": "Regulars' prices", "valid_from": "2026-01-01", "entries": ENTRY_EXAMPLES}]})

    name: Annotated[str, Field(max_length=NAME_LENGTH, description="Unique among the live price lists.")]
    valid_from: Annotated[date | None, Field(default=None, description="First day it applies; null: always.")]
    valid_to: Annotated[date | None, Field(default=None, description="Last day it applies; null: no end.")]
    entries: Annotated[list[Entry], Field(default_factory=list, max_length=service.MAX_ENTRIES,
                                          description="One per product and per category.")]


class PriceListChange(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"valid_to": "2026-12-31", "entries": ENTRY_EXAMPLES}]})

    name: Annotated[str | None, Field(default=None, max_length=NAME_LENGTH, description="Only what is sent changes.")]
    valid_from: Annotated[date | None, Field(default=None, description="First day it applies; null: always.")]
    valid_to: Annotated[date | None, Field(default=None, description="Last day it applies; null: no end.")]
    entries: Annotated[list[Entry] | None, Field(default=None, max_length=service.MAX_ENTRIES,
                                                 description="Replaces every entry of the list.")]


class PriceListSearch(BaseModel):
    q: Annotated[str, Field(max_length=listing.MAX_QUERY, description="A part of the name.")] = ""
    archived: Annotated[bool, Field(description="true: the archived lists instead of the live ones.")] = False


class EntryOut(BaseModel):
    product_id: str | None
    unit_price: int | None
    category_id: str | None
    percent: str | None


class PriceListOut(BaseModel):
    id: int
    name: str
    valid_from: date | None
    valid_to: date | None
    archived: bool
    entry_count: int
    groups: list[Named]
    updated_at: str

    @classmethod
    def fields_of(cls, row: listing.ListRow) -> dict:
        pl = row.price_list
        return dict(id=pl.id, name=pl.name, valid_from=pl.valid_from, valid_to=pl.valid_to,
                    archived=pl.archived_at is not None, entry_count=row.entry_count,
                    groups=[Named.model_construct(id=g.id, name=g.name) for g in row.groups],
                    updated_at=aware(pl.updated_at).isoformat())


class PriceListDetail(PriceListOut):
    entries: list[EntryOut]


class PriceListAnswer(BaseModel):
    price_list: PriceListDetail


class PriceListsAnswer(BaseModel):
    price_lists: list[PriceListOut]


class PriceListRemoved(BaseModel):
    id: int
    outcome: str = Field(description="deleted, or archived when a group grants the list.")


def _percent_text(value: Decimal | None) -> str | None:
    if value is None:
        return None
    return format(value.normalize(), "f")


def _entries_in(entries: list[Entry]) -> list[service.EntryInput]:
    out = []
    for i, e in enumerate(entries):
        percent = None
        if e.percent is not None:
            try:
                percent = Decimal(str(e.percent).strip())
            except InvalidOperation:
                percent = None
            if percent is None or not percent.is_finite():
                raise ServiceError(_("Send the percent as a decimal string, e.g. \"12.5\"."),
                                   field=f"entries.{i}.percent")
        out.append(service.EntryInput(product=e.product_id, category=e.category_id, unit_price=e.unit_price,
                                      percent=percent))
    return out


def _detail(price_list: PriceList) -> PriceListAnswer:
    row = listing.one(price_list)
    stmt = (select(PriceListEntry, Product.external_id, Category.external_id)
            .outerjoin(Product, Product.id == PriceListEntry.product_id)
            .outerjoin(Category, Category.id == PriceListEntry.category_id)
            .where(PriceListEntry.price_list_id == price_list.id).order_by(PriceListEntry.id))
    entries = [EntryOut.model_construct(product_id=product, unit_price=e.unit_price, category_id=category,
                                        percent=_percent_text(e.percent))
               for e, product, category in db.session.execute(stmt)]
    return PriceListAnswer.model_construct(price_list=PriceListDetail.model_construct(
        **PriceListOut.fields_of(row), entries=entries))


def _load(price_list_id: str) -> PriceList:
    found = db.session.get(PriceList, known) if (known := row_id(price_list_id)) else None
    if found is None or found.tenant_id != require_tenant_id():
        raise ApiError(404, "price_list_not_found", _("No price list of your restaurant has this id."))
    return found


ERRORS = ("price_list_not_found", "product_not_found", "category_not_found", "conflict")


@bp.post("/price-lists")
@api_operation(
    operation_id="createPriceList", scope="manage", summary="Create a price list", body=PriceListCreate,
    response=PriceListAnswer, status=201, idempotency="optional", answer="The new price list with its entries.",
    errors=ERRORS[1:], example={"price_list": {**LIST_EXAMPLE, "entries": ENTRY_OUT_EXAMPLES}},
    description=(
        "Each entry is a product (`product_id`, the POS's id) at a fixed `unit_price`, or a category "
        "(`category_id`) at a `percent` off. A name another live list has is 409 `conflict`; an unknown "
        "product or category is 404 and creates nothing."))
def create_price_list(body: PriceListCreate):
    created = service.create(body.name, body.valid_from, body.valid_to, _entries_in(body.entries))
    return _detail(created), {"Location": url_for("api.get_price_list", price_list_id=created.id)}


@bp.get("/price-lists")
@api_operation(
    operation_id="listPriceLists", scope="manage", summary="List the price lists", query=PriceListSearch,
    response=PriceListsAnswer, answer="The price lists by name, without their entries.",
    example={"price_lists": [LIST_EXAMPLE]})
def list_price_lists(query: PriceListSearch):
    rows = listing.lists(query.q, archived=query.archived)
    return PriceListsAnswer.model_construct(price_lists=[PriceListOut.model_construct(**PriceListOut.fields_of(r))
                                                         for r in rows])


@bp.get("/price-lists/<any_text:price_list_id>")
@api_operation(
    operation_id="getPriceList", load={"price_list_id": _load}, scope="manage", summary="A price list with its entries", response=PriceListAnswer,
    answer="The price list with its entries.", errors=("price_list_not_found",), path=PATH,
    example={"price_list": {**LIST_EXAMPLE, "entries": ENTRY_OUT_EXAMPLES}})
def get_price_list(price_list_id: PriceList):
    return _detail(price_list_id)


@bp.patch("/price-lists/<any_text:price_list_id>")
@api_operation(
    operation_id="updatePriceList", load={"price_list_id": _load}, scope="manage", summary="Change a price list", body=PriceListChange,
    response=PriceListAnswer, idempotency="optional", answer="The price list as changed.", errors=ERRORS,
    path=PATH, example={"price_list": {**LIST_EXAMPLE, "entries": ENTRY_OUT_EXAMPLES}},
    description="Only the fields sent change. `entries` replaces every entry of the list in one go.")
def update_price_list(price_list_id: PriceList, body: PriceListChange):
    price_list = price_list_id
    sent = body.model_fields_set
    if "name" in sent and body.name is None:
        raise ServiceError(_("Name the price list, e.g. “Regulars' prices”."), field="name")
    service.update(price_list, **{k: getattr(body, k) for k in ("name", "valid_from", "valid_to") if k in sent})
    if "entries" in sent:
        if body.entries is None:
            raise ServiceError(_("Send the entries as a list (an empty one removes them all)."), field="entries")
        service.replace_entries(price_list, _entries_in(body.entries))
    return _detail(price_list)


@bp.delete("/price-lists/<any_text:price_list_id>")
@api_operation(
    operation_id="deletePriceList", load={"price_list_id": _load}, scope="manage", summary="Remove a price list", response=PriceListRemoved,
    answer="Whether the list was deleted or archived.", errors=("price_list_not_found",), path=PATH,
    example={"id": 3, "outcome": "archived"},
    description="A list no group grants is deleted; one a group grants is archived and stops applying.")
def delete_price_list(price_list_id: PriceList):
    list_id = price_list_id.id
    return PriceListRemoved.model_construct(id=list_id, outcome=service.remove(price_list_id))
