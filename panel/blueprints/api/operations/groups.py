"""Customer groups over the management API: create, list, read, change, delete, and members.

Ids are ours (integers): the group's, and the discounts' and price lists' it grants. A group's
answer says what it grants and how many active customers are in it.
"""
from __future__ import annotations

from typing import Annotated

from flask import url_for
from pydantic import BaseModel, ConfigDict, Field

from ....models import CustomerGroup
from ....services import customer_list
from ....services import groups as groups_service
from .. import bp
from ..declare import api_operation
from ..schemas import CUSTOMER_EXAMPLE, Customer, TenantRef

MAX_ID = 2**31 - 1
GROUP_PATH = {"group_id": {"description": "The group's id.", "example": 3,
                           "schema": {"type": "integer", "minimum": 1}}}
GROUP_EXAMPLE = {"id": 3, "name": "Stali goście", "colour": "#2f6f4f", "note": "Regulars: 5% off every bill.",
                 "discount_ids": [7], "price_list_ids": [2], "members": 41}
GRANT_ERRORS = ("discount_not_found", "price_list_not_found", "conflict")


# --- models --------------------------------------------------------------------------------------

Ids = Annotated[list[Annotated[int, Field(ge=1, le=MAX_ID)]], Field(max_length=groups_service.records.MAX_GRANTS)]


class Group(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [GROUP_EXAMPLE]})

    id: int
    name: str
    colour: str = Field(description="#rrggbb.")
    note: str
    discount_ids: list[int] = Field(description="The discounts it grants, hidden ones included.")
    price_list_ids: list[int] = Field(description="The price lists it grants.")
    members: int = Field(description="Active (not archived) customers in the group.")

    @classmethod
    def of(cls, row: groups_service.Listed) -> Group:
        g = row.group
        return cls.model_construct(
            id=g.id, name=g.name, colour=g.colour, note=g.note, members=row.members,
            discount_ids=[x.id for x in row.grants if x.kind == "discount"],
            price_list_ids=[x.id for x in row.grants if x.kind == "price_list"])


class GroupAnswer(BaseModel):
    group: Group


class GroupList(BaseModel):
    groups: list[Group]


class GroupDeleted(BaseModel):
    deleted: int = Field(description="The deleted group's id.")
    customers_released: int = Field(description="How many customers were in it and are now in no group.")


class GroupCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"name": "Stali goście", "colour": "#2f6f4f", "discount_ids": [7], "price_list_ids": [2]}]})

    name: Annotated[str, Field(min_length=1, max_length=100, description="Unique in your restaurant, ignoring case.")]
    colour: Annotated[str, Field(max_length=7, description="#rrggbb; a default green when left out.")] = ""
    note: Annotated[str, Field(max_length=groups_service.records.MAX_NOTE)] = ""
    discount_ids: Ids = TenantRef("discount", default_factory=list,
                                  description="Discounts it grants (archived ones cannot be newly granted).")
    price_list_ids: Ids = TenantRef("price_list", default_factory=list,
                                    description="Price lists it grants (archived ones cannot be newly granted).")


class GroupUpdate(BaseModel):
    model_config = ConfigDict(json_schema_extra={
        "description": "Only the fields sent change; a list sent replaces the grants of its kind.",
        "examples": [{"discount_ids": [7, 9]}]})

    name: Annotated[str, Field(min_length=1, max_length=100)] = ""
    colour: Annotated[str, Field(max_length=7)] = ""
    note: Annotated[str, Field(max_length=groups_service.records.MAX_NOTE)] = ""
    discount_ids: Ids = TenantRef("discount", default_factory=list)
    price_list_ids: Ids = TenantRef("price_list", default_factory=list)


class MemberSearch(BaseModel):
    q: Annotated[str, Field(max_length=customer_list.MAX_QUERY, description="Name, phone, e-mail, NIP or card.")] = ""
    limit: Annotated[int, Field(ge=1, le=100, description="How many customers at most (1-100).")] = 25
    cursor: Annotated[str, Field(max_length=500, description="The next_cursor of the previous page.")] = ""


class MemberPage(BaseModel):
    customers: list[Customer]
    total: int = Field(description="Active members matching; counted up to 201.")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last.")


def _answer(group: CustomerGroup) -> Group:
    counts = groups_service.member_counts([group.id])
    return Group.of(groups_service.Listed(group, counts.get(group.id, 0), groups_service.grants_of([group.id])[group.id]))


# --- operations ---------------------------------------------------------------------------------

@bp.post("/groups")
@api_operation(
    operation_id="createGroup", scope="manage", summary="Create a customer group", body=GroupCreate,
    response=GroupAnswer, status=201, idempotency="optional", answer="The new group.", errors=GRANT_ERRORS,
    example={"group": {**GROUP_EXAMPLE, "members": 0}},
    description=(
        "A group grants discounts and price lists to its members: a hidden discount (not "
        "available on the terminal) reaches a bill only this way. A name another group has "
        "answers 409 `conflict`."))
def create_group(body: GroupCreate):
    group = groups_service.create(body.model_dump())
    return GroupAnswer.model_construct(group=_answer(group)), {
        "Location": url_for("api.get_group", group_id=group.id)}


@bp.get("/groups")
@api_operation(
    operation_id="listGroups", scope="manage", summary="List the customer groups", response=GroupList,
    answer="Every group, by name.", example={"groups": [GROUP_EXAMPLE]})
def list_groups():
    return GroupList.model_construct(groups=[Group.of(row) for row in groups_service.listed()])


@bp.get("/groups/<any_text:group_id>")
@api_operation(
    operation_id="getGroup", scope="manage", summary="A customer group", response=GroupAnswer,
    answer="The group.", errors=("group_not_found",), example={"group": GROUP_EXAMPLE}, path=GROUP_PATH)
def get_group(group_id: str):
    return GroupAnswer.model_construct(group=_answer(groups_service.get(group_id)))


@bp.patch("/groups/<any_text:group_id>")
@api_operation(
    operation_id="updateGroup", scope="manage", summary="Change a customer group", body=GroupUpdate,
    response=GroupAnswer, idempotency="optional", answer="The group as changed.",
    errors=("group_not_found", *GRANT_ERRORS), example={"group": GROUP_EXAMPLE}, path=GROUP_PATH,
    load={"group_id": groups_service.get})
def update_group(group_id: CustomerGroup, body: GroupUpdate):
    # `group_id` arrives loaded (load= above): the group itself.
    groups_service.update(group_id, body.model_dump(include=body.model_fields_set))
    return GroupAnswer.model_construct(group=_answer(group_id))


@bp.delete("/groups/<any_text:group_id>")
@api_operation(
    operation_id="deleteGroup", scope="manage", summary="Delete a customer group", response=GroupDeleted,
    idempotency="optional", answer="Deleted; its customers are in no group now.", errors=("group_not_found",),
    example={"deleted": 3, "customers_released": 41}, path=GROUP_PATH,
    description="The customers, their cards and the discounts and price lists it granted stay.")
def delete_group(group_id: str):
    group = groups_service.get(group_id)
    gid = group.id
    return GroupDeleted.model_construct(deleted=gid, customers_released=groups_service.delete(group))


@bp.get("/groups/<any_text:group_id>/customers")
@api_operation(
    operation_id="listGroupCustomers", scope="manage", summary="The customers in a group", query=MemberSearch,
    response=MemberPage, answer="A page of the group's active members, by name.", errors=("group_not_found",),
    example={"customers": [CUSTOMER_EXAMPLE], "total": 1, "next_cursor": None}, path=GROUP_PATH,
    description="Searched as the customer list is searched; page on with `cursor`.",
    load={"group_id": groups_service.get})
def group_customers(group_id: CustomerGroup, query: MemberSearch):
    page = groups_service.members(group_id, query.q, after=query.cursor or None, size=query.limit)
    return MemberPage.model_construct(
        customers=[Customer.of(c) for c in page.customers],
        total=min(page.total, customer_list.COUNT_CAP + 1), next_cursor=page.next_cursor)
