"""The owner manages who can use the tenant: add, invite, change role, deactivate."""
from __future__ import annotations

from flask import flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from ...access import get_or_404, require_role
from ...extensions import db
from ...htmx import redirect_to, render
from ...models import Invite, Membership, User
from ...models.base import utcnow
from ...services import accounts
from ...transaction import flashed_errors, form_errors
from ...ui import role_label
from . import bp
from .forms import AddUserForm, RoleForm


def _members(q: str, show: str):
    stmt = select(Membership).join(User).order_by(User.name, User.email)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(or_(User.email.ilike(like), User.name.ilike(like)))
    if show == "active":
        stmt = stmt.where(Membership.is_active)
    elif show == "inactive":
        stmt = stmt.where(Membership.is_active.is_(False))
    return db.session.scalars(stmt).all()


@bp.get("/")
@require_role("owner")
def index():
    q = request.args.get("q", "").strip()[:100]
    show = request.args.get("show", "all")
    if show not in ("all", "active", "inactive"):
        show = "all"
    invites = db.session.scalars(
        select(Invite).where(Invite.accepted_at.is_(None), Invite.expires_at > utcnow()).order_by(Invite.id.desc())
    ).all()
    return render("users/index.html", block="user_table", members=_members(q, show), q=q, show=show,
                  invites=invites)


@bp.route("/new", methods=["GET", "POST"])
@require_role("owner")
def add():
    form = AddUserForm()
    if form.validate_on_submit():
        with form_errors(form, "email"):
            _invite, token = accounts.create_invite(form.email.data, form.role.data, current_user.id)
            link = url_for("auth.invite", token=token, _external=True)
            return render_template("users/created.html", link=link, email=accounts.normalise_email(form.email.data))
    status = 422 if request.method == "POST" else 200
    return render_template("users/new.html", form=form), status


@bp.post("/<int:membership_id>/role")
@require_role("owner")
def change_role(membership_id: int):
    membership = get_or_404(Membership, membership_id)
    form = RoleForm()
    if form.validate_on_submit():
        with flashed_errors():
            accounts.change_role(membership, form.role.data)
            flash(_("%(email)s is now %(role)s.", email=membership.user.email,
                    role=role_label(form.role.data)), "success")
    else:
        flash(_("Choose a role."), "error")
    return redirect_to(url_for("users.index"))


@bp.post("/<int:membership_id>/active")
@require_role("owner")
def set_active(membership_id: int):
    membership = get_or_404(Membership, membership_id)
    active = request.form.get("active") == "1"
    if membership.user_id == current_user.id and not active:
        flash(_("You cannot deactivate yourself."), "error")
        return redirect_to(url_for("users.index"))
    with flashed_errors():
        accounts.set_active(membership, active)
        flash(_("%(email)s can sign in again.", email=membership.user.email) if active
              else _("%(email)s can no longer sign in here.", email=membership.user.email), "success")
    return redirect_to(url_for("users.index"))


@bp.post("/invites/<int:invite_id>/revoke")
@require_role("owner")
def revoke_invite(invite_id: int):
    invite = get_or_404(Invite, invite_id)
    invite.expires_at = utcnow()
    flash(_("The invitation for %(email)s was withdrawn.", email=invite.email), "success")
    return redirect_to(url_for("users.index"))
