"""Loyalty tiers by turnover (issue 17): settings, tiers, evaluations (real or dry) and a
customer's manual tier. Manage scope: these change what customers pay."""
from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field, model_serializer

from .... import clock
from ....extensions import db
from ....jobs import loyalty as loyalty_jobs
from ....models import Customer, JobRun, Tier
from ....models.base import row_id
from ....services import ServiceError
from ....services.loyalty import evaluation, manual, setup, standing
from .. import bp, errors
from ..declare import api_operation
from ..errors import ApiError
from ..schemas import TenantRef, TierBadge

errors.register({
    "tier_not_found": (404, "No tier of your restaurant has this id."),
    "tier_name_taken": (409, "Another tier already has this name."),
    "evaluation_not_found": (404, "No tier evaluation of your restaurant has this id."),
})

SETTINGS_EXAMPLE = {"evaluate": True, "counted_types": ["receipt", "invoice"], "period": {"rolling_days": 365},
                    "validity": {"days": 90}, "include_staff": False, "daily_at": "04:00"}
TIER_EXAMPLE = {"id": 1, "name": "Gold", "colour": "#c9a227", "automatic": True, "threshold": 500000,
                "min_documents": 10, "discount_ids": [3], "price_list_ids": []}
CHANGE_EXAMPLE = {"customer_id": 42, "from": {"id": 2, "name": "Silver"}, "to": {"id": 1, "name": "Gold"},
                  "valid_until": "2027-04-01", "turnover": 512000, "documents": 14, "reason": "qualified"}
SUMMARY_EXAMPLE = {"evaluated": 310, "up": 12, "down": 3, "kept": 5, "unchanged": 290, "manual": 0}


# --- models ---------------------------------------------------------------------------------

class OneOf(BaseModel):
    """One of its fields is given; the answer leaves the others out ({"days": 90}, not days and months)."""

    model_config = ConfigDict(extra="forbid")

    @model_serializer(mode="wrap")
    def _given_only(self, handler):
        return {k: v for k, v in handler(self).items() if v is not None}


class Period(OneOf):

    rolling_days: int | None = Field(default=None, description="The N days ending on the evaluation date (1-3660).")
    calendar: Literal["month", "quarter", "year"] | None = Field(
        default=None, description="The current calendar month, quarter or year to date.")


class Validity(OneOf):

    days: int | None = Field(default=None, description="Days a reached tier holds (0-3660).")
    months: int | None = Field(default=None, description="Months a reached tier holds (0-120).")


class LoyaltySettingsModel(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [SETTINGS_EXAMPLE]})

    evaluate: bool = Field(description="Evaluate turnover automatically (daily, and upgrades on each document).")
    counted_types: list[Literal["receipt", "invoice"]] = Field(
        description="Document types whose turnover counts; returns and corrections always net against them.")
    period: Period = Field(description="Give rolling_days or calendar.")
    validity: Validity = Field(description="Give days or months.")
    include_staff: bool = Field(description="Whether customers marked as staff are evaluated.")
    daily_at: Annotated[str, Field(max_length=5, description="The hour of the daily evaluation on the restaurant's clock (HH:00).",
                                   examples=["04:00"])]

    def as_input(self) -> setup.SettingsInput:
        if (self.period.rolling_days is None) == (self.period.calendar is None):
            raise ServiceError(_("Give the period as rolling_days or as calendar, not both."), field="period")
        if (self.validity.days is None) == (self.validity.months is None):
            raise ServiceError(_("Give the validity in days or in months, not both."), field="validity")
        found = re.fullmatch(r"(\d{1,2}):00", self.daily_at.strip())
        if found is None or int(found[1]) > 23:
            raise ServiceError(_("Give the hour as HH:00, from 00:00 to 23:00."), field="daily_at")
        data = setup.SettingsInput(
            evaluate=self.evaluate, counted_types=list(self.counted_types), rolling_days=self.period.rolling_days,
            calendar=self.period.calendar, validity_unit="days" if self.validity.days is not None else "months",
            validity=self.validity.days if self.validity.days is not None else self.validity.months,
            include_staff=self.include_staff, daily_hour=int(found[1]))
        if problems := setup.validate_settings(data):
            name, message = next(iter(problems.items()))
            raise ServiceError(message, field=name)
        return data

    @classmethod
    def of(cls, data: setup.SettingsInput) -> LoyaltySettingsModel:
        return cls.model_construct(
            evaluate=data.evaluate, counted_types=data.counted_types,
            period=Period.model_construct(rolling_days=data.rolling_days, calendar=data.calendar),
            validity=Validity.model_construct(**{data.validity_unit: data.validity}),
            include_staff=data.include_staff, daily_at=f"{data.daily_hour:02d}:00")


class TierModel(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [TIER_EXAMPLE]})

    id: int | None = TenantRef("tier", default=None, description="The tier's id; leave out for a new tier.")
    name: Annotated[str, Field(max_length=60)] = ""
    colour: Annotated[str, Field(max_length=7, description="#rrggbb, the badge's colour.")] = "#b8860b"
    automatic: bool = Field(default=True, description="Given and taken by evaluation; false: manual only.")
    threshold: int = Field(default=0, description="Turnover in the period, minor units.")
    min_documents: int = Field(default=0, description="Minimum number of documents in the period.")
    discount_ids: list[int] = TenantRef("discount", default_factory=list, description="Discounts the tier grants.")
    price_list_ids: list[int] = TenantRef("price_list", default_factory=list,
                                          description="Price lists the tier grants.")

    def as_input(self) -> setup.TierInput:
        return setup.TierInput(self.id, self.name, self.colour, self.automatic, self.threshold, self.min_documents,
                               list(self.discount_ids), list(self.price_list_ids))


class TierList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"tiers": [TIER_EXAMPLE]}]})

    tiers: list[TierModel] = Field(description="Highest first: the order is the rank.")


class EvaluationRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"dry_run": True, "as_of": "2027-01-01",
                                                               "tiers": [TIER_EXAMPLE]}]})

    dry_run: bool = Field(default=False, description="Only compute what would change; write nothing.")
    as_of: date | None = Field(default=None, description="Dry runs only: the evaluation date (default today).")
    settings: LoyaltySettingsModel | None = Field(default=None, description="Dry runs only: unsaved settings.")
    tiers: list[TierModel] | None = Field(default=None, description="Dry runs only: unsaved tiers, highest first.")


class TierRef(BaseModel):
    id: int | None
    name: str


class EvaluationChange(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    customer_id: int
    from_: TierRef | None = Field(alias="from", serialization_alias="from")
    to: TierRef | None
    valid_until: date | None
    turnover: int
    documents: int
    reason: str = Field(description="qualified, validity_ended, no_validity, manual_ended or staff.")


class EvaluationAnswer(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"run_id": 7, "status": "finished",
                                                               "summary": SUMMARY_EXAMPLE, "changes": None}]})

    run_id: int | None = Field(description="The run (real runs); null for a dry run.")
    status: Literal["queued", "running", "finished", "failed", "dry_run"]
    summary: dict[str, int] | None = Field(description="evaluated, up, down, kept, unchanged, manual.")
    changes: list[EvaluationChange] | None = Field(description="Dry runs: who would go up or down, and why.")


class ManualTier(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"tier_id": 1, "until": "2027-03-31",
                                                               "reason": "Wedding party host"}]})

    tier_id: int = TenantRef("tier", description="The tier to give.")
    until: date | None = Field(default=None, description="The last day it holds; null: until removed.")
    reason: Annotated[str, Field(max_length=500)] = ""


class CustomerTierAnswer(BaseModel):
    tier: TierBadge | None


# --- helpers --------------------------------------------------------------------------------

def _tiers_answer() -> TierList:
    rows = setup.tier_rows()
    granted = setup.grants([t.id for t in rows])
    return TierList.model_construct(tiers=[TierModel.model_construct(
        id=t.id, name=t.name, colour=t.colour, automatic=t.automatic, threshold=t.threshold,
        min_documents=t.min_documents, discount_ids=granted[t.id][0], price_list_ids=granted[t.id][1]) for t in rows])


def _customer(customer_id: str) -> Customer:
    found = get_scoped(Customer, row_id(customer_id))
    if found is None:
        raise ApiError(404, "customer_not_found", _("No customer has this id."))
    return found


def get_scoped(model, known: int | None):
    """The row through the tenant-scoped session (another tenant's id: None, like a missing one)."""
    return db.session.get(model, known) if known else None


def _run_answer(run: JobRun) -> EvaluationAnswer:
    return EvaluationAnswer.model_construct(run_id=run.id, status=run.status,
                                            summary=run.result if run.status == "finished" else None, changes=None)


# --- operations -----------------------------------------------------------------------------

@bp.get("/loyalty/settings")
@api_operation(operation_id="getLoyaltySettings", scope="manage", summary="Loyalty tier settings",
               response=LoyaltySettingsModel, answer="The settings.", example=SETTINGS_EXAMPLE)
def loyalty_settings():
    return LoyaltySettingsModel.of(setup.as_input(setup.current_settings()))


@bp.put("/loyalty/settings")
@api_operation(operation_id="putLoyaltySettings", scope="manage", summary="Change the loyalty tier settings",
               body=LoyaltySettingsModel, response=LoyaltySettingsModel, answer="The settings as saved.",
               example=SETTINGS_EXAMPLE,
               description="Takes effect at the next evaluation; nobody's tier changes now.")
def put_loyalty_settings(body: LoyaltySettingsModel):
    setup.save_settings(body.as_input())
    return LoyaltySettingsModel.of(setup.as_input(setup.current_settings()))


@bp.get("/loyalty/tiers")
@api_operation(operation_id="getTiers", scope="manage", summary="The tiers, highest first", response=TierList,
               answer="The tiers.", example={"tiers": [TIER_EXAMPLE]})
def tiers():
    return _tiers_answer()


@bp.put("/loyalty/tiers")
@api_operation(operation_id="putTiers", scope="manage", summary="Replace the tiers", body=TierList,
               response=TierList, answer="The tiers as saved.", example={"tiers": [TIER_EXAMPLE]},
               errors=("tier_not_found", "tier_name_taken", "discount_not_found", "price_list_not_found"),
               description=("The list becomes the tiers, highest first. A tier with an id is edited; one "
                            "without is added; a tier left out is removed and its customers lose it "
                            "(recorded in their history)."))
def put_tiers(body: TierList):
    setup.replace_tiers([t.as_input() for t in body.tiers])
    return _tiers_answer()


@bp.post("/loyalty/evaluations")
@api_operation(operation_id="startTierEvaluation", scope="manage", summary="Evaluate the tiers (or a dry run)",
               body=EvaluationRequest, response=EvaluationAnswer, status=202, also=(200,),
               answer="A real run: 202 with the run's id. A dry run: 200 with the changes and the summary.",
               errors=("tier_not_found", "discount_not_found", "price_list_not_found"),
               example={"run_id": 7, "status": "queued", "summary": None, "changes": None},
               description=("A real run goes to the worker; follow it with GET /loyalty/evaluations/{run_id}. "
                            "A dry run (`dry_run: true`) computes at `as_of` with the given (unsaved) "
                            "settings and tiers, or the saved ones, and writes nothing."))
def start_evaluation(body: EvaluationRequest):
    if not body.dry_run:
        if body.as_of is not None or body.settings is not None or body.tiers is not None:
            raise ServiceError(_("as_of, settings and tiers are for dry runs only."), field="dry_run")
        run = loyalty_jobs.start(None)
        return _run_answer(run)
    rule_settings = (setup.settings_from_input(body.settings.as_input()) if body.settings is not None
                     else setup.rule_settings(setup.current_settings()))
    specs = evaluation.specs(setup.tier_rows()) if body.tiers is None else unsaved_specs(body.tiers)
    changes, summary = evaluation.dry_run(body.as_of or clock.today(), rule_settings, specs)
    answer = EvaluationAnswer.model_construct(run_id=None, status="dry_run", summary=summary, changes=[
        EvaluationChange.model_construct(customer_id=c.customer_id,
                                         from_=TierRef.model_construct(id=c.old[0], name=c.old[1]) if c.old else None,
                                         to=TierRef.model_construct(id=c.new[0], name=c.new[1]) if c.new else None,
                                         valid_until=c.valid_until, turnover=c.turnover, documents=c.documents,
                                         reason=c.reason) for c in changes])
    return answer, None, 200


def unsaved_specs(items: list[TierModel]) -> list[evaluation.TierSpec]:
    """Unsaved tiers as the evaluation sees them; ids must be this tenant's."""
    inputs = [t.as_input() for t in items]
    setup.refuse_unknown(inputs, {t.id: t for t in setup.tier_rows()})
    if problems := setup.validate_tiers(inputs):
        (position, name), message = next(iter(problems.items()))
        raise ServiceError(message, field=f"tiers.{position}.{name}")
    return [evaluation.TierSpec(t.id, i, t.automatic, t.threshold, t.min_documents, t.name)
            for i, t in enumerate(inputs, start=1)]


@bp.get("/loyalty/evaluations/<any_text:run_id>")
@api_operation(operation_id="getTierEvaluation", scope="manage", summary="A tier evaluation's state",
               response=EvaluationAnswer, answer="The run's state, and its summary once finished.",
               errors=("evaluation_not_found",),
               example={"run_id": 7, "status": "finished", "summary": SUMMARY_EXAMPLE, "changes": None},
               path={"run_id": {"example": 7, "schema": {"type": "integer", "minimum": 1}}})
def evaluation_state(run_id: str):
    run = get_scoped(JobRun, row_id(run_id))
    if run is None or run.kind != loyalty_jobs.KIND:
        raise ApiError(404, "evaluation_not_found", _("No tier evaluation has this id."))
    return _run_answer(run)


@bp.put("/customers/<any_text:customer_id>/tier")
@api_operation(operation_id="putCustomerTier", scope="manage", summary="Give a customer a tier by hand",
               body=ManualTier, response=CustomerTierAnswer, answer="The customer's tier now.",
               errors=("customer_not_found", "tier_not_found"),
               example={"tier": {"id": 1, "name": "Gold", "colour": "#c9a227", "valid_until": "2027-03-31",
                                 "manual": True}},
               path={"customer_id": {"example": 42, "schema": {"type": "integer", "minimum": 1}}},
               load={"customer_id": lambda customer_id: _customer(customer_id)},
               description="Wins over evaluation until `until` has passed or it is removed (DELETE).")
def put_customer_tier(customer_id: Customer, body: ManualTier):
    customer = customer_id
    tier = get_scoped(Tier, row_id(body.tier_id))
    if tier is None:
        raise ApiError(404, "tier_not_found", _("This tier does not exist."))
    manual.assign(customer, tier, body.until, body.reason)
    return _tier_answer(customer.id)


@bp.delete("/customers/<any_text:customer_id>/tier")
@api_operation(operation_id="deleteCustomerTier", scope="manage", summary="End a customer's manual tier",
               response=CustomerTierAnswer, answer="The customer's tier now (kept until the next evaluation).",
               errors=("customer_not_found",),
               example={"tier": None},
               path={"customer_id": {"example": 42, "schema": {"type": "integer", "minimum": 1}}})
def delete_customer_tier(customer_id: str):
    customer = _customer(customer_id)
    manual.end(customer)
    return _tier_answer(customer.id)


def _tier_answer(customer_id: int) -> CustomerTierAnswer:
    found = standing.current(customer_id, with_grants=False)
    return CustomerTierAnswer.model_construct(tier=TierBadge.model_construct(
        id=found.tier_id, name=found.name, colour=found.colour, valid_until=found.valid_until,
        manual=found.manual) if found else None)

