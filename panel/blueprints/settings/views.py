"""Tenant settings, API tokens for POS devices, and the health page."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import abort, flash, g, render_template, request, url_for
from flask_babel import format_timedelta, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ...access import get_or_404, require_role
from ...extensions import db
from ...htmx import redirect_to
from ...models import ApiToken
from ...money import InvalidAmount, format_plain, parse_amount
from ...services import points, tokens
from ...services import settings as settings_service
from ...services.health import report
from ...transaction import form_errors
from . import bp
from .forms import PointsForm, TenantForm, TokenForm


@bp.route("/", methods=["GET", "POST"])
@require_role("manager")
def index():
    form = TenantForm(obj=g.tenant)
    status = 200
    if request.method == "POST":
        if g.membership.role != "owner":
            g.required_role = "owner"
            abort(403)
        if form.validate_on_submit():
            with form_errors(form, "name"):
                settings_service.update_tenant(g.tenant, name=form.name.data, locale=form.locale.data,
                                               reader_format=form.reader_format.data)
                flash(_("Settings saved."), "success")
                return redirect_to(url_for("settings.index"))
        status = 422
    return render_template("settings/index.html", form=form), status


@bp.route("/points", methods=["GET", "POST"])
@require_role("manager")
def points_settings():
    """The points rule: managers see it, the owner changes it."""
    t = g.tenant
    form = PointsForm(data=None if request.method == "POST" else {
        "enabled": t.points_enabled, "per_unit": f"{t.points_per_unit.normalize():f}".replace(".", ","),
        "redeem_points": str(t.points_redeem_points),
        "redeem_value": format_plain(t.points_redeem_value, t.currency, str(get_locale())),
        "earn_receipt": "receipt" in t.points_earning_types, "earn_invoice": "invoice" in t.points_earning_types,
        "expiry_months": str(t.points_expiry_months or "")})
    status = 200
    if request.method == "POST":
        if g.membership.role != "owner":
            g.required_role = "owner"
            abort(403)
        if form.validate_on_submit():
            try:
                value = parse_amount(form.redeem_value.data or "", t.currency)
            except InvalidAmount:
                value = None
            with form_errors(form):
                points.update_settings(
                    t, enabled=form.enabled.data, per_unit=form.per_unit.data, redeem_points=form.redeem_points.data,
                    redeem_value=value, expiry_months=form.expiry_months.data,
                    earning_types=[k for k in ("receipt", "invoice") if form[f"earn_{k}"].data])
                flash(_("Points settings saved."), "success")
                return redirect_to(url_for("settings.points_settings"))
        status = 422
    return render_template("settings/points.html", form=form), status


@bp.get("/tokens")
@require_role("owner")
def token_list():
    rows = db.session.scalars(select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())).all()
    return render_template("settings/tokens.html", tokens=rows, form=TokenForm(), plain=None)


@bp.post("/tokens")
@require_role("owner")
def token_create():
    form = TokenForm()
    plain, status = None, 422
    if form.validate_on_submit():
        with form_errors(form, "name", aliases={"scopes": "scope_pos"}) as refused:
            _token, plain = tokens.create(form.name.data, current_user.id, scopes=form.scopes())
        status = 422 if refused.error else 200
    rows = db.session.scalars(select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())).all()
    return render_template("settings/tokens.html", tokens=rows, form=TokenForm() if plain else form,
                           plain=plain), status


@bp.post("/tokens/<int:token_id>/revoke")
@require_role("owner")
def token_revoke(token_id: int):
    token = get_or_404(ApiToken, token_id)
    tokens.revoke(token)
    flash(_("The token \"%(name)s\" no longer works.", name=token.name), "success")
    return redirect_to(url_for("settings.token_list"))


@bp.get("/health")
@require_role("manager")
def health():
    data = report()
    return render_template("settings/health.html", health=data, last_seen=_last_seen(data.get("workers") or []))


def _last_seen(workers: list[dict]) -> str:
    """When a worker last said it was alive, as an owner reads it ("5 seconds ago")."""
    moments = [datetime.fromisoformat(w["last_seen"]) for w in workers if w.get("last_seen")]
    if not moments:
        return ""
    # A worker's clock a second ahead of ours would read "in 1 second".
    return format_timedelta(min(max(moments) - datetime.now(timezone.utc), timedelta(0)), add_direction=True)
