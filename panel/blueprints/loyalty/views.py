"""The Loyalty pages: settings and tiers (one page), Start with progress and summary, the dry
run, a tier's members (live search, CSV), and the customer's Loyalty tab with the manual tier."""
from __future__ import annotations

import io
from datetime import date

from flask import Response, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from ... import clock
from ...access import get_or_404, require_role
from ...csvfiles import write_csv
from ...extensions import db
from ...htmx import render, stop_polling_when
from ...i18n import customer_name, locale_code
from ...jobs import loyalty as loyalty_jobs
from ...jobs import read_progress
from ...models import Customer, CustomerTier, Discount, JobRun, PriceList, Tier
from ...models.base import row_id
from ...money import InvalidAmount, format_plain, parse_amount
from ...registry import customer_tabs
from ...services import audit
from ...services.loyalty import evaluation, manual, setup, standing
from ...services.loyalty.queries import tier_counts_by_day
from ...tenancy import current_tenant_id
from ...transaction import service_errors
from . import bp

PAGE = 50
DRY_RUN_SHOWN = 500


def _currency() -> str:
    return g.tenant.currency


# --- forms ---------------------------------------------------------------------------------

def _whole(value: str) -> int | None:
    text = (value or "").strip().replace(" ", "")
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def _settings_from_form(form) -> tuple[setup.SettingsInput, dict[str, str], dict]:
    """The settings typed into the form, what is wrong with them, and the raw values to show back."""
    typed = {k: form.get(k, "")[:20] for k in ("period", "rolling_days", "validity", "validity_unit", "daily_at")}
    errors: dict[str, str] = {}
    period = typed["period"] if typed["period"] in ("rolling", "month", "quarter", "year") else "rolling"
    rolling = _whole(typed["rolling_days"])
    if period == "rolling" and rolling is None:
        errors["rolling_days"] = _("Enter a whole number of days.")
    validity = _whole(typed["validity"])
    if validity is None:
        errors["validity"] = _("Enter a whole number.")
    hour = _whole(typed["daily_at"].split(":")[0]) if typed["daily_at"] else None
    data = setup.SettingsInput(
        evaluate=form.get("evaluate") == "1",
        counted_types=[t for t in form.getlist("counted_types") if t in ("receipt", "invoice")],
        rolling_days=(rolling if rolling is not None else 365) if period == "rolling" else None,
        calendar=None if period == "rolling" else period,
        validity_unit=typed["validity_unit"] if typed["validity_unit"] in ("days", "months") else "days",
        validity=validity if validity is not None else 0, include_staff=form.get("include_staff") == "1",
        daily_hour=hour if hour is not None else -1)
    errors = {**setup.validate_settings(data), **errors}
    return data, errors, typed


def _settings_typed(data: setup.SettingsInput) -> dict:
    return {"period": data.calendar or "rolling", "rolling_days": str(data.rolling_days or 365),
            "validity": str(data.validity), "validity_unit": data.validity_unit, "daily_at": f"{data.daily_hour:02d}:00"}


def _tier_rows_from_form(form) -> tuple[list[setup.TierInput], dict[tuple[int, str], str], list[dict]]:
    """The tiers typed into the editor, in the order of their positions (removed ones left out)."""
    typed_rows, errors = [], {}
    indexes = sorted({int(k.split("-")[1]) for k in form if k.startswith("tiers-") and k.split("-")[1].isascii() and k.split("-")[1].isdigit()
                      and len(k.split("-")[1]) <= 3})
    for i in indexes:
        def get(name: str, limit: int = 100, i: int = i) -> str:
            return form.get(f"tiers-{i}-{name}", "")[:limit]

        row = {"index": i, "id": get("id", 12), "name": get("name"), "colour": get("colour", 7) or "#b8860b",
               "automatic": get("automatic") == "1", "threshold": get("threshold", 30),
               "min_documents": get("min_documents", 12), "position": get("position", 6),
               "remove": get("remove") == "1",
               "discount_ids": [v for v in form.getlist(f"tiers-{i}-discount_ids") if row_id(v)][:100],
               "price_list_ids": [v for v in form.getlist(f"tiers-{i}-price_list_ids") if row_id(v)][:100]}
        if not row["id"] and not row["name"].strip():
            continue  # the empty "new tier" row
        typed_rows.append(row)
    kept = [r for r in typed_rows if not r["remove"]]
    kept.sort(key=lambda r: (_whole(r["position"]) if _whole(r["position"]) is not None else 10**6, r["index"]))
    items = []
    for position, row in enumerate(kept):
        try:
            threshold = parse_amount(row["threshold"] or "0", _currency())
            if threshold < 0:
                raise InvalidAmount(InvalidAmount.FORMAT)
        except InvalidAmount:
            threshold = 0
            errors[(position, "threshold")] = _("Enter an amount, e.g. 1500 or 1500,00.")
        docs = _whole(row["min_documents"] or "0")
        if docs is None:
            errors[(position, "min_documents")] = _("Enter a whole number.")
        items.append(setup.TierInput(row_id(row["id"]) if row["id"] else None, row["name"], row["colour"],
                                     row["automatic"], threshold, docs or 0,
                                     [row_id(v) for v in row["discount_ids"]], [row_id(v) for v in row["price_list_ids"]]))
        row["position"] = str(position + 1)
    for key, message in setup.validate_tiers(items).items():
        errors.setdefault(key, message)
    # Errors are keyed by position; the template finds them by the row's form index.
    by_index = {(kept[p]["index"], f): m for (p, f), m in errors.items() if p < len(kept)}
    return items, by_index, kept + [r for r in typed_rows if r["remove"]]


def _tier_rows_typed(rows: list[Tier]) -> list[dict]:
    granted = setup.grants([t.id for t in rows])
    currency, locale = _currency(), locale_code()
    return [{"index": i, "id": str(t.id), "name": t.name, "colour": t.colour, "automatic": t.automatic,
             "threshold": format_plain(t.threshold, currency, locale), "min_documents": str(t.min_documents),
             "position": str(i + 1), "remove": False, "discount_ids": [str(d) for d in granted[t.id][0]],
             "price_list_ids": [str(p) for p in granted[t.id][1]]} for i, t in enumerate(rows)]


def _choices() -> dict:
    return {"discounts": db.session.execute(select(Discount.id, Discount.name).order_by(Discount.name)).all(),
            "price_lists": db.session.execute(select(PriceList.id, PriceList.name).order_by(PriceList.name)).all()}


def _last_runs(limit: int = 5) -> list[JobRun]:
    return list(db.session.scalars(select(JobRun).where(JobRun.kind == loyalty_jobs.KIND)
                                   .order_by(JobRun.id.desc()).limit(limit)))


def _page(status: int = 200, *, settings_typed=None, settings_data=None, settings_errors=None, tier_rows=None,
          tier_errors=None, block: str | None = None):
    row = setup.current_settings()
    data = settings_data or setup.as_input(row)
    tiers = setup.tier_rows()
    counts = setup.members_count()
    return render("loyalty/index.html", block=block, status=status, settings=data,
                  typed=settings_typed or _settings_typed(data), settings_errors=settings_errors or {},
                  tier_rows=tier_rows if tier_rows is not None else _tier_rows_typed(tiers),
                  tier_errors=tier_errors or {}, tiers=tiers, counts=counts, runs=_last_runs(), saved=row.id is not None,
                  **_choices())


# --- the page --------------------------------------------------------------------------------

@bp.get("/")
@require_role("manager")
def index():
    return _page()


@bp.post("/settings")
@require_role("manager")
def save_settings():
    data, errors, typed = _settings_from_form(request.form)
    if not errors:
        with service_errors() as refused:
            setup.save_settings(data)
            flash(_("The loyalty settings are saved. They apply from the next evaluation."), "success")
            return redirect(url_for("loyalty.index"), code=303)
        errors = {refused.error.field or "evaluate": refused.error.message}
    return _page(422, settings_typed=typed, settings_data=data, settings_errors=errors)


@bp.post("/tiers")
@require_role("manager")
def save_tiers():
    items, errors, typed_rows = _tier_rows_from_form(request.form)
    if not errors:
        with service_errors() as refused:
            setup.replace_tiers(items)
            flash(_("The tiers are saved."), "success")
            return redirect(url_for("loyalty.index") + "#tiers", code=303)
        errors = {(typed_rows[0]["index"] if typed_rows else 0, "name"): refused.error.message}
    return _page(422, tier_rows=typed_rows, tier_errors=errors)


@bp.post("/defaults")
@require_role("manager")
def add_defaults():
    """Gold, Silver and Bronze in one click, for a tenant with no tiers yet."""
    if not setup.tier_rows():
        setup.replace_tiers(setup.default_tiers())
        flash(_("Gold, Silver and Bronze are added. Set their thresholds and save."), "success")
    return redirect(url_for("loyalty.index") + "#tiers", code=303)


@bp.post("/start")
@require_role("manager")
def start():
    run = loyalty_jobs.start(current_user.id)
    audit.record("loyalty.evaluation_started", "job_run", run.id)
    return redirect(url_for("loyalty.index", run=run.id) + "#runs", code=303)


@bp.get("/runs/<int:run_id>")
@require_role("manager")
def run_status(run_id: int):
    """One run's progress and summary: the Start panel polls it while the run is not done."""
    run = get_or_404(JobRun, run_id)
    if run.kind != loyalty_jobs.KIND:
        abort(404)
    progress, _message = read_progress(run)
    return stop_polling_when(run.done, render("loyalty/_run.html", run=run, progress=progress))


# --- dry run --------------------------------------------------------------------------------

@bp.route("/dry-run", methods=["GET", "POST"])
@require_role("manager")
def dry_run():
    """What would change at a date with these thresholds (unsaved): who goes up or down, and why."""
    saved = setup.tier_rows()
    settings_row = setup.current_settings()
    typed = {"as_of": request.values.get("as_of", clock.today().isoformat())[:10]}
    currency, locale = _currency(), locale_code()
    errors: dict[str, str] = {}
    specs = []
    for t in saved:
        threshold_text = request.values.get(f"threshold-{t.id}", format_plain(t.threshold, currency, locale))[:30]
        docs_text = request.values.get(f"docs-{t.id}", str(t.min_documents))[:12]
        typed[f"threshold-{t.id}"], typed[f"docs-{t.id}"] = threshold_text, docs_text
        try:
            threshold = parse_amount(threshold_text or "0", currency)
        except InvalidAmount:
            threshold, errors[f"threshold-{t.id}"] = t.threshold, _("Enter an amount, e.g. 1500 or 1500,00.")
        docs = _whole(docs_text or "0")
        if docs is None:
            docs, errors[f"docs-{t.id}"] = t.min_documents, _("Enter a whole number.")
        specs.append(evaluation.TierSpec(t.id, t.rank, t.automatic, max(0, threshold), docs, t.name))
    try:
        as_of = date.fromisoformat(typed["as_of"])
    except ValueError:
        as_of, errors["as_of"] = clock.today(), _("Enter a date.")
    changes, summary, names = [], None, {}
    if request.method == "POST" and not errors:
        changes, summary = evaluation.dry_run(as_of, setup.rule_settings(settings_row), specs)
        shown = [c.customer_id for c in changes[:DRY_RUN_SHOWN]]
        names = {c.id: c for c in db.session.scalars(select(Customer).where(Customer.id.in_(shown)))} if shown else {}
    return render("loyalty/dry_run.html", block="dry_run_result", status=422 if errors else 200, tiers=saved,
                  typed=typed, errors=errors, changes=changes[:DRY_RUN_SHOWN], total=len(changes), summary=summary,
                  customers=names, as_of=as_of)


# --- members ---------------------------------------------------------------------------------

def _members_query(tier: Tier, q: str):
    stmt = (select(Customer, CustomerTier).join(CustomerTier, CustomerTier.customer_id == Customer.id)
            .where(CustomerTier.tier_id == tier.id))
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(or_(Customer.search_text.like(like), Customer.sort_name.like(like)))
    return stmt


@bp.get("/tiers/<int:tier_id>")
@require_role("manager")
def members(tier_id: int):
    tier = get_or_404(Tier, tier_id)
    q = request.args.get("q", "").strip()[:100]
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))
    stmt = _members_query(tier, q)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.execute(stmt.order_by(Customer.sort_name, Customer.id).limit(PAGE).offset((page - 1) * PAGE)).all()
    return render("loyalty/members.html", block="member_table", tier=tier, rows=rows, q=q, total=total, page=page,
                  pages=max(1, -(-total // PAGE)))


@bp.get("/tiers/<int:tier_id>/export.csv")
@require_role("manager")
def members_csv(tier_id: int):
    tier = get_or_404(Tier, tier_id)
    q = request.args.get("q", "").strip()[:100]
    rows = db.session.execute(_members_query(tier, q).order_by(Customer.sort_name, Customer.id)).all()
    data = write_csv(([c.id, customer_name(c), c.email, c.phone, clock.iso(state.valid_until),
                       "manual" if state.manual else "evaluation"] for c, state in rows),
                     ["customer_id", "customer", "email", "phone", "valid_until", "how"])
    name = f"tier-{tier.name_key.replace(' ', '-')}.csv"
    return Response(io.BytesIO(data).getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --- the customer's Loyalty tab ----------------------------------------------------------------

def customer_tab_context(customer: Customer) -> dict:
    now = standing.current(customer.id)
    return {"standing": now, "progress": standing.progress(customer.id), "history": setup.last_changes(customer.id),
            "all_tiers": setup.tier_rows(), "manual_typed": {}, "manual_errors": {}, "today": clock.today()}


def _tab(customer: Customer, status: int = 200, **extra):
    """The customer page on its Loyalty tab (htmx: the tab alone), with the manual form's typed
    values and errors."""
    merged_into = db.session.get(Customer, customer.merged_into_id) if customer.merged_into_id else None
    return render("customers/detail.html", block="customer_tab", status=status, customer=customer,
                  tabs=customer_tabs, tab=customer_tabs.get("loyalty"), merged_into=merged_into,
                  **(customer_tab_context(customer) | extra))


@bp.post("/customer/<int:customer_id>/tier")
@require_role("manager")
def assign_tier(customer_id: int):
    customer = get_or_404(Customer, customer_id)
    typed = {k: request.form.get(k, "")[:500] for k in ("tier", "until", "reason")}
    errors: dict[str, str] = {}
    tier = db.session.get(Tier, row_id(typed["tier"])) if row_id(typed["tier"]) else None
    if tier is None:
        errors["tier"] = _("Choose a tier.")
    until = None
    if typed["until"]:
        try:
            until = date.fromisoformat(typed["until"])
        except ValueError:
            errors["until"] = _("Enter a date.")
    if not errors:
        with service_errors() as refused:
            manual.assign(customer, tier, until, typed["reason"])
            flash(_("%(name)s is now in %(tier)s.", name=customer_name(customer), tier=tier.name), "success")
            return redirect(url_for("customers.detail", customer_id=customer.id, tab="loyalty"), code=303)
        errors = {refused.error.field or "tier": refused.error.message}
    return _tab(get_or_404(Customer, customer_id), 422, manual_typed=typed, manual_errors=errors)


@bp.post("/customer/<int:customer_id>/tier/end")
@require_role("manager")
def end_tier(customer_id: int):
    customer = get_or_404(Customer, customer_id)
    if manual.end(customer):
        flash(_("The tier given by hand has ended; the next evaluation applies the rule."), "success")
    return redirect(url_for("customers.detail", customer_id=customer.id, tab="loyalty"), code=303)


# --- the dashboard's figures -------------------------------------------------------------------

def distribution(days_back: int = 30) -> dict:
    """Customers per tier now, and per tier at the end of each of the last days (from history)."""
    tiers = setup.tier_rows()
    today = clock.today()
    days = [date.fromordinal(today.toordinal() - n) for n in range(days_back - 1, -1, -1)]
    return {"tiers": tiers, "now": setup.members_count(), "days": days,
            "by_day": tier_counts_by_day(current_tenant_id(), days)}


# --- what other pages include ------------------------------------------------------------------

@bp.app_template_global()
def tier_standing(customer_id: int) -> dict:
    """The terminal's tier badge and "32 zł to Gold" (loyalty/_terminal.html)."""
    return {"standing": standing.current(customer_id, with_grants=False), "progress": standing.progress(customer_id)}


@bp.app_template_global()
def tier_distribution() -> dict:
    """The dashboard's customers per tier and the last 30 days of it (loyalty/_dashboard.html)."""
    data = distribution()
    peak = max([sum(day.values()) for day in data["by_day"].values()] + [1])
    return {**data, "peak": peak}
