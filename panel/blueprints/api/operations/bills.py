"""The bill quote: what a customer pays for a bill, line by line, and why. No side effects."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from flask import g
from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from .... import pricing as engine
from ....services import pricing
from .. import bp, errors
from ..declare import api_operation
from ..errors import ApiError
from ..schemas import TenantRef, TierBadge

errors.register({
    "card_not_usable": (422, "The card is blocked, lost, replaced or expired; `reason` says which."),
})

MAX_PICKS = 50


def _loose(schema: dict, **kwargs):
    """A field checked by the pricing service (its messages name the line: lines[3].quantity),
    documented as `schema`."""
    return Annotated[Any, WithJsonSchema(schema), Field(**kwargs)]


ExternalId = _loose({"anyOf": [{"type": "string", "maxLength": 64}, {"type": "integer"}]})


class QuoteCustomerRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    card_code: Annotated[str | None, Field(max_length=64, description="What the reader typed, in any format.")] = None
    id: int | None = TenantRef("customer", default=None, description="The customer's id, instead of a card.")


class QuoteLineIn(BaseModel):
    line_id: ExternalId = Field(default=None, description="Your line's id, echoed in the answer (default: 1, 2, ...).")
    product_id: ExternalId = Field(default=None, description="Your product id; a product we do not know is priced as sent.")
    category_id: ExternalId = Field(default=None, description="Your category id; default: the product's category.")
    name: Annotated[str, Field(max_length=200, description="For people; not used for pricing.")] = ""
    quantity: _loose({"anyOf": [{"type": "string"}, {"type": "number"}], "examples": ["1.5"]},
                     description="A decimal string or a number, at most 3 decimal places.")
    unit_price: _loose({"type": "integer"}, description="Gross, in minor units (1250 = 12.50).")


QUOTE_EXAMPLE_BODY = {
    "customer": {"id": 42}, "at": "2026-12-04T16:30",
    "lines": [{"line_id": "1", "product_id": "p_17", "name": "IPA 0.5 l", "quantity": "2", "unit_price": 1400},
              {"line_id": "2", "category_id": "c_food", "name": "Soup of the day", "quantity": 1, "unit_price": 1800}],
    "discount_ids": [],
}


class QuoteRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [QUOTE_EXAMPLE_BODY]})

    customer: QuoteCustomerRef | None = Field(default=None, description="A card code or a customer id; absent: a walk-in.")
    at: Annotated[str | None, Field(max_length=40, description=(
        "When the bill is priced (ISO 8601); without an offset it is the restaurant's local time. Default: now."))] = None
    lines: Annotated[list[QuoteLineIn], Field(description="The bill's lines, at most 1000.")]
    discount_ids: list[int] = TenantRef("discount", default_factory=list, max_length=MAX_PICKS,
                                        description="Discounts the staff picked for this bill.")
    redeem_points: Annotated[int, Field(ge=0, le=10**9, description=(
        "Points the customer wants to redeem; capped by their balance and by what the bill's eligible "
        "lines still cost after the bill discount."))] = 0


class SourceOut(BaseModel):
    type: Literal["group", "tier", "staff", "price_list", "points"]
    id: int | None
    name: str


class AdjustmentOut(BaseModel):
    layer: Literal["price_list", "line_discount", "bill_discount", "points"]
    source: SourceOut
    name: str = Field(description="The discount's or price list's name.")
    discount_id: int | None
    price_list_id: int | None
    percent: Decimal | None = Field(description="The rule's percent, as a decimal string.")
    unit_price: int | None = Field(description="A price list's unit price.")
    fixed_amount: int | None = Field(description="A fixed discount's amount.")
    amount: int = Field(description="What this took off, negative, in minor units.")


class QuotedLine(BaseModel):
    line_id: str
    base: int = Field(description="quantity x unit price, rounded half up.")
    final: int
    discountable: bool
    adjustments: list[AdjustmentOut]


class TotalsOut(BaseModel):
    base: int
    discount: int
    total: int


class NotAppliedOut(BaseModel):
    discount_id: int
    name: str
    reason: Literal["better_discount_applied", "min_bill_not_met", "outside_time_window", "not_discountable",
                    "not_selectable"]
    source: SourceOut
    line_id: str | None


class GroupOut(BaseModel):
    id: int
    name: str
    colour: str


class QuoteCustomerOut(BaseModel):
    id: int
    name: str
    group: GroupOut | None
    tier: TierBadge | None = Field(description="The loyalty tier (its discounts and price lists apply), or null.")


class RedemptionOut(BaseModel):
    points: int = Field(description="The points the redemption uses (only those its value needs).")
    value: int = Field(description="What it takes off the bill, in minor units.")


class QuoteAnswer(BaseModel):
    customer: QuoteCustomerOut | None
    at: datetime = Field(description="The restaurant's local time the rules were judged at.")
    lines: list[QuotedLine]
    bill_adjustments: list[AdjustmentOut]
    totals: TotalsOut
    not_applied: list[NotAppliedOut]
    redemption: RedemptionOut | None = Field(default=None, description="The points redemption, when one was asked.")
    currency: str


def _source(s: engine.Source) -> dict:
    return {"type": s.type, "id": s.id, "name": s.name}


def _adjustment(a: engine.Adjustment) -> dict:
    return {"layer": a.layer, "source": _source(a.source), "name": a.name, "discount_id": a.discount_id,
            "price_list_id": a.price_list_id, "percent": a.percent, "unit_price": a.unit_price,
            "fixed_amount": a.fixed_amount, "amount": a.amount}


def answer(priced: pricing.Priced, currency: str) -> QuoteAnswer:
    """The answer as plain data, validated once: pydantic's core checks a nested dict faster than
    Python builds a hundred models one by one (a 20-line bill has ~100 nested objects)."""
    q, who = priced.quote, priced.who
    customer = None
    if who.customer_id is not None:
        group, tier = who.group, who.tier
        customer = {"id": who.customer_id, "name": who.name,
                    "group": {"id": group.id, "name": group.name, "colour": group.colour} if group else None,
                    "tier": {"id": tier.id, "name": tier.name, "colour": tier.colour, "valid_until": tier.valid_until,
                             "manual": tier.manual} if tier else None}
    return QuoteAnswer.model_validate({
        "customer": customer, "at": priced.at, "currency": currency,
        "lines": [{"line_id": p.line_id, "base": p.base, "final": p.final, "discountable": line.discountable,
                   "adjustments": [_adjustment(a) for a in p.adjustments]}
                  for p, line in zip(q.lines, priced.lines)],
        "bill_adjustments": [_adjustment(a) for a in q.bill_adjustments],
        "totals": {"base": q.totals.base, "discount": q.totals.discount, "total": q.totals.total},
        "not_applied": [{"discount_id": n.discount_id, "name": priced.names.get(n.discount_id, ""),
                         "reason": n.reason, "source": _source(n.source), "line_id": n.line_id}
                        for n in q.not_applied],
        "redemption": {"points": priced.redeemed_points, "value": q.redeemed} if priced.redeemed_points else None,
    })


def _who(ref: QuoteCustomerRef | None) -> pricing.Who:
    caller = g.api_token
    if ref is None or (ref.card_code is None and ref.id is None):
        return pricing.NOBODY
    if ref.card_code is not None and ref.id is not None:
        raise ApiError(422, "invalid", _("Send the customer's card_code or id, not both."), field="customer",
                       fields={"customer": _("Send the customer's card_code or id, not both.")})
    if ref.id is not None:
        return pricing.by_id(caller.tenant_id, ref.id)
    return pricing.by_card(caller.tenant_id, caller.reader_format, ref.card_code)


@bp.post("/bills/quote")
@api_operation(
    operation_id="quoteBill", scope="pos", summary="Price a bill for a customer", body=QuoteRequest,
    response=QuoteAnswer, answer="Each line's price and why, the bill discount, the totals.",
    errors=("card_not_found", "card_not_usable", "customer_not_found", "discount_not_found", "invalid"),
    description=(
        "Prices the bill with the rules that reach the customer: the price lists and discounts their "
        "group and loyalty tier grant (hidden discounts included), and the discounts the staff picked. Price lists "
        "first (the lowest price wins, lists never stack), then the single best line discount, then the "
        "single best bill discount split over the lines, then the points the customer redeems "
        "(`redeem_points`), split the same way. Nothing is recorded: quote as often as the bill changes.\n\n"
        "Every amount is in minor units. `not_applied` says which discounts did not apply and why. A "
        "staff pick that is hidden from the terminal is refused there as `not_selectable`. A product we "
        "do not know is priced as sent and matched by its `category_id`."),
    example={
        "customer": {"id": 42, "name": "Jan Kowalski", "group": {"id": 3, "name": "Regulars", "colour": "#2f6f4f"},
                     "tier": None},
        "at": "2026-12-04T16:30:00+01:00",
        "lines": [{"line_id": "1", "base": 2800, "final": 2394, "discountable": True, "adjustments": [
            {"layer": "price_list", "source": {"type": "group", "id": 3, "name": "Regulars"}, "name": "Gold",
             "discount_id": None, "price_list_id": 10, "percent": None, "unit_price": 1260, "fixed_amount": None,
             "amount": -280},
            {"layer": "bill_discount", "source": {"type": "group", "id": 3, "name": "Regulars"},
             "name": "Regulars -5%", "discount_id": 5, "price_list_id": None, "percent": "5", "unit_price": None,
             "fixed_amount": None, "amount": -126}]}],
        "bill_adjustments": [{"layer": "bill_discount", "source": {"type": "group", "id": 3, "name": "Regulars"},
                              "name": "Regulars -5%", "discount_id": 5, "price_list_id": None, "percent": "5",
                              "unit_price": None, "fixed_amount": None, "amount": -126}],
        "totals": {"base": 2800, "discount": 406, "total": 2394}, "not_applied": [], "currency": "PLN"})
def quote_bill(body: QuoteRequest):
    caller = g.api_token
    lines = pricing.parse_lines([line.model_dump() for line in body.lines])
    who = _who(body.customer)
    priced = pricing.quote(caller.tenant_id, lines, who=who, picks=body.discount_ids, at=pricing.moment(body.at),
                           redeem_points=body.redeem_points)
    return answer(priced, caller.currency)
