"""The POS API's request and response bodies, declared once.

The views validate requests and serialise answers with these models, and the OpenAPI document
(openapi.py) is generated from them, so the contract and the code cannot drift apart.
Response models are filled with `model_construct` from our own rows: they are trusted, and a
card scan should not pay for validating what it just read.
"""
from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from ...services import cards as card_service
from ...services import customer_list


def TenantRef(kind: str, **field_kwargs):  # noqa: N802  (reads as a type in annotations)
    """A field naming another row of the caller's tenant (`kind`: customer, card, ...).

    The view must load such an id through the scoped session (another tenant's id is a 404),
    and tests/test_tenant_isolation.py finds every field declared so and requires it to be
    tried with another tenant's id: a new id field cannot ship without isolation coverage.
    """
    extra = {**field_kwargs.pop("json_schema_extra", {}), "x-tenant-ref": kind}
    return Field(json_schema_extra=extra, **field_kwargs)


# --- answers ------------------------------------------------------------------------------------

CARD_EXAMPLE = {"id": 17, "code": "3220338716", "number": "000123", "status": "active", "reason": None,
                "usable": True, "expires_on": "2027-03-31"}
GROUP_REF_EXAMPLE = {"id": 3, "name": "Stali goście", "colour": "#2f6f4f"}
CUSTOMER_EXAMPLE = {"id": 42, "name": "Jan Kowalski", "first_name": "Jan", "last_name": "Kowalski",
                    "company_name": "Kowalski Sp. z o.o.", "nip": "5260250274", "email": "jan@example.com",
                    "phone": "+48 600 100 200", "archived": False, "group": GROUP_REF_EXAMPLE, "tier": None}


class Named(BaseModel):
    id: int
    name: str


class GroupRef(BaseModel):
    id: int
    name: str
    colour: str = Field(description="#rrggbb, as the panel shows the group.")

    @classmethod
    def of(cls, group) -> GroupRef | None:
        return cls.model_construct(id=group.id, name=group.name, colour=group.colour) if group is not None else None


class Card(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [CARD_EXAMPLE]})

    id: int
    code: str = Field(description="As first scanned, trimmed.")
    number: str | None = Field(description="The number printed on the card.")
    status: Literal["active", "blocked", "expired"] = Field(description="Only active cards may be used.")
    reason: Literal["blocked", "lost", "replaced", "expired"] | None = Field(
        description="Why the card is not active; null when it is.")
    usable: bool = Field(description="status == active.")
    expires_on: date | None

    @classmethod
    def of(cls, card, today: date) -> Card:
        status, reason = card_service.pos_state(card, today)
        return cls.model_construct(id=card.id, code=card.code, number=card.number, status=status, reason=reason,
                                   usable=status == "active", expires_on=card.expires_on)


class TierBadge(BaseModel):
    """A customer's loyalty tier, as the till shows it (a badge in the tier's colour)."""

    id: int
    name: str
    colour: str = Field(description="#rrggbb")
    valid_until: date | None = Field(description="The last day the tier holds without re-qualifying.")
    manual: bool = Field(description="Given by a manager (wins over evaluation until it ends).")


class Customer(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [CUSTOMER_EXAMPLE]})

    id: int
    name: str = Field(description="The person's name, else the company's.")
    first_name: str
    last_name: str
    company_name: str
    nip: str = Field(description="Polish tax id, 10 digits, or empty.")
    email: str
    phone: str
    archived: bool
    group: GroupRef | None = Field(description="The customer's group (its discounts and price lists apply), "
                                               "or null.")
    tier: TierBadge | None = Field(description="The loyalty tier (turnover), or null.")

    @classmethod
    def fields_of(cls, c, tier: dict | None = None) -> dict:
        # `c` is a Customer (its group a relationship) or a scan's PosCustomer (its group joined).
        return dict(id=c.id, name=c.display_name, first_name=c.first_name, last_name=c.last_name,
                    company_name=c.company_name, nip=c.nip, email=c.email, phone=c.phone,
                    archived=c.archived_at is not None, group=GroupRef.of(c.group) if c.group_id else None,
                    tier=TierBadge.model_construct(**tier) if tier else None)

    @classmethod
    def of(cls, c, tier: dict | None = None) -> Customer:
        return cls.model_construct(**cls.fields_of(c, tier))


class CustomerWithCards(Customer):
    cards: list[Card] = Field(description="Every card, history included.")


class WalletBalance(BaseModel):
    balance: int = Field(description="Minor units (grosze) the customer's wallet holds.")
    currency: str

    @classmethod
    def of(cls, holder) -> WalletBalance | None:
        if holder.wallet_balance is None:
            return None
        return cls.model_construct(balance=holder.wallet_balance, currency=holder.wallet_currency)


class PointsBalance(BaseModel):
    balance: int = Field(description="The customer's loyalty points (below zero after a return that took back more).")


class CardLookup(BaseModel):
    card: Card
    customer: Customer
    wallet: WalletBalance | None = Field(default=None, description=(
        "The holder's prepaid wallet; null when they never had one."))
    points: PointsBalance | None = Field(default=None, description="The holder's loyalty points.")


class CustomerList(BaseModel):
    customers: list[Customer]


class CustomerDetail(BaseModel):
    customer: CustomerWithCards


class CustomerCreated(BaseModel):
    customer: Customer
    card: Card | None


# --- requests -----------------------------------------------------------------------------------

class CustomerSearch(BaseModel):
    """The query string of GET /customers (unknown parameters are ignored: older tills)."""

    q: Annotated[str, Field(max_length=customer_list.MAX_QUERY, description="What to search for.",
                            examples=["kowalski"])] = ""
    limit: Annotated[int, Field(ge=1, le=100, description="How many customers at most (1-100).")] = 20


class CustomerCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra={
        "description": "Give at least one of first_name, last_name, company_name.",
        "examples": [{"first_name": "Jan", "last_name": "Kowalski", "phone": "600100200",
                      "card_code": "3220338716"}]})

    first_name: Annotated[str, Field(max_length=100)] = ""
    last_name: Annotated[str, Field(max_length=100)] = ""
    company_name: Annotated[str, Field(max_length=250)] = ""
    nip: Annotated[str, Field(max_length=20, description="Checked (10 digits, check digit).")] = ""
    email: Annotated[str, Field(max_length=254)] = ""
    phone: Annotated[str, Field(max_length=40)] = ""
    card_code: Annotated[str, Field(max_length=64, description="A card to put on the customer.")] = ""
    card_number: Annotated[str, Field(max_length=40)] = ""
    # A string the card rules parse (and explain in the caller's language), not a pydantic date.
    card_expires_on: Annotated[str, Field(max_length=10, json_schema_extra={"format": "date"})] = ""

    def customer_fields(self) -> dict:
        """The customer's own fields the caller sent (unsent ones keep the service's defaults)."""
        return {k: getattr(self, k) for k in ("first_name", "last_name", "company_name", "nip", "email", "phone")
                if k in self.model_fields_set}


class CustomerUpdate(BaseModel):
    model_config = ConfigDict(json_schema_extra={
        "description": "Only the fields sent change; `group_id: null` takes the customer out of their group.",
        "examples": [{"group_id": 3, "phone": "600100200"}]})

    first_name: Annotated[str, Field(max_length=100)] = ""
    last_name: Annotated[str, Field(max_length=100)] = ""
    company_name: Annotated[str, Field(max_length=250)] = ""
    nip: Annotated[str, Field(max_length=20, description="Checked (10 digits, check digit).")] = ""
    email: Annotated[str, Field(max_length=254)] = ""
    phone: Annotated[str, Field(max_length=40)] = ""
    group_id: int | None = TenantRef("group", default=None, ge=1, le=2**31 - 1,
                                     description="One of your groups (at most one per customer), or null for none.")

    def changed_fields(self) -> dict:
        """The fields the caller sent, as the customer service takes them."""
        return {k: getattr(self, k) for k in self.model_fields_set}


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable, for programs.")
    message: str = Field(description="For people, in the request's language.")
    field: str | None = Field(default=None, description="The field at fault, when one is.")
    fields: dict[str, str] | None = Field(default=None, description="422: every field at fault with its message.")
    customer_id: int | None = Field(default=None, description="409 card_taken: the card's holder.")
    scope: str | None = Field(default=None, description="403 insufficient_scope: the scope the operation needs.")


class Error(BaseModel):
    error: ErrorDetail
