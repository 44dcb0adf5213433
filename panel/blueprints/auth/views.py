"""Sign-up, sign-in and out, password change, invitations, language and tenant switching."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import format_timedelta, gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ... import i18n
from ...access import user_memberships
from ...extensions import db
from ...models import HOME_CURRENCIES, LOCALES, Tenant
from ...services import ServiceError, accounts, audit, recovery, throttle
from ...tenancy import tenant_scope
from . import bp
from .forms import (ForgotPasswordForm, InviteAcceptForm, LoginForm, PasswordChangeForm, ResetPasswordForm,
                    SignupForm)


def safe_next(target: str | None) -> str | None:
    """A same-site relative path, or None: `next` must never send anyone off the site."""
    if not target:
        return None
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(c in target for c in ("\\", "\r", "\n", "\t")):
        return None
    return target


def _start_session(user, remember: bool, tenant_id: int | None = None) -> None:
    locale = session.get("locale")
    session.clear()  # a fresh session on sign-in: no fixation
    if locale:
        session["locale"] = locale
    if tenant_id is not None:
        session["tenant_id"] = tenant_id
    login_user(user, remember=remember)
    session.permanent = True


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("dashboard.index"))
    form = LoginForm(next=request.args.get("next", ""))
    status = 200
    if form.validate_on_submit():
        email, user = form.email.data, None

        def verify() -> bool:
            nonlocal user
            user = accounts.authenticate(email, form.password.data)
            return user is not None

        verdict = throttle.check_password(email, verify)
        if not verdict.checked:
            form.password.errors.append(_throttled_message(verdict))
            status = 429
        elif not verdict.ok:
            form.password.errors.append(_("Wrong e-mail or password."))
            status = 401
        else:
            memberships = user_memberships(user.id)
            if not memberships:
                form.email.errors.append(_("This account has no active access to any restaurant."))
                status = 403
            else:
                _start_session(user, bool(form.remember.data), memberships[0].tenant_id)
                with tenant_scope(memberships[0].tenant_id):
                    audit.record("user.signed_in", "user", user.id, user.email)
                    db.session.commit()
                if user.must_change_password:
                    flash(_("Choose your own password before you start."), "info")
                    target = url_for("auth.password")
                else:
                    target = safe_next(form.next.data) or url_for("dashboard.index")
                return throttle.remember_device(redirect(target), user.email)
    elif request.method == "POST":
        status = 422
    headers = {"Retry-After": str(verdict.retry_after)} if status == 429 else {}
    return render_template("auth/login.html", form=form), status, headers


def _throttled_message(verdict: throttle.Verdict) -> str:
    wait = format_timedelta(timedelta(seconds=max(verdict.retry_after, 1)), threshold=1.0)
    return _("Too many failed attempts. Try again in %(wait)s, sign in from a device you have used "
             "before, or reset your password.", wait=wait)


@bp.post("/logout")
def logout():
    logout_user()
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    flash(_("You have signed out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    if not current_app.config["SIGNUP_ENABLED"]:
        abort(404)
    form = SignupForm()
    if request.method == "GET":
        # A visitor reading the page in Czech runs a Czech restaurant, most likely.
        form.locale.data = i18n.locale_code()
        form.country.data = "CZ" if form.locale.data == "cs" else "PL"
        form.currency.data = HOME_CURRENCIES[form.country.data]
    status = 200
    if form.validate_on_submit():
        try:
            tenant, user = accounts.create_tenant(
                form.name.data, country=form.country.data, currency=form.currency.data, locale=form.locale.data,
                owner_email=form.email.data, owner_password=form.password.data, owner_name=form.owner_name.data)
            db.session.commit()
        except ServiceError as e:
            db.session.rollback()
            getattr(form, e.field or "name").errors.append(e.message)
            status = 422
        else:
            session["locale"] = tenant.locale
            _start_session(user, False, tenant.id)
            flash(_("Welcome to Regulars, %(name)s is ready.", name=tenant.name), "success")
            return redirect(url_for("dashboard.index"))
    elif request.method == "POST":
        status = 422
        _new_password_errors(form)
    return render_template("auth/signup.html", form=form, home_currencies=HOME_CURRENCIES), status


def _new_password_errors(form: SignupForm) -> None:
    """A sign-up sent back for another field says at once what is wrong with a new password too,
    rather than on the next try; an existing account's password is checked against it instead."""
    password, email = form.password.data or "", form.email.data or ""
    if form.password.errors or not password or accounts.find_user(email) is not None:
        return
    try:
        accounts.check_password_strength(password, email)
    except ServiceError as e:
        form.password.errors.append(e.message)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordChangeForm()
    status = 200
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.new_password.data)
            audit.record("user.password_changed", "user", current_user.id, current_user.email)
            db.session.commit()
        except ServiceError as e:
            db.session.rollback()
            field = "new_password" if e.field == "password" else (e.field or "new_password")
            getattr(form, field).errors.append(e.message)
            status = 422
        else:
            login_user(current_user._get_current_object())  # the session id carries the new fingerprint
            flash(_("Your password has been changed. Other devices have been signed out."), "success")
            return redirect(url_for("dashboard.index"))
    elif request.method == "POST":
        status = 422
    return render_template("auth/password.html", form=form), status


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    status = 200
    if form.validate_on_submit():
        if recovery.request_reset(form.email.data, request.remote_addr or "-", i18n.locale_code()):
            db.session.commit()  # the mail goes out after the commit
            return render_template("auth/forgot_sent.html", email=form.email.data)
        form.email.errors.append(_("Too many requests from this network. Try again in an hour."))
        status = 429
    elif request.method == "POST":
        status = 422
    return render_template("auth/forgot.html", form=form), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = recovery.user_for_token(token)
    if user is None:
        return render_template("auth/reset_invalid.html"), 404
    email, form, status = user.email, ResetPasswordForm(), 200
    if form.validate_on_submit():
        try:
            recovery.reset_password(user, form.new_password.data)
        except ServiceError as e:
            db.session.rollback()
            form.new_password.errors.append(e.message)
            status = 422
        else:
            return _signed_in_after_reset(user)
    elif request.method == "POST":
        status = 422
    return render_template("auth/reset.html", form=form, email=email), status


def _signed_in_after_reset(user):
    """The link proved the mailbox and the password is new: sign in here, nowhere else."""
    memberships = user_memberships(user.id)
    tenant_id = memberships[0].tenant_id if memberships else None
    if tenant_id is not None:
        with tenant_scope(tenant_id):
            audit.record("user.password_reset", "user", user.id, user.email, actor_user_id=user.id)
            db.session.flush()
    db.session.commit()
    if tenant_id is None:
        flash(_("Your password has been changed. Sign in with it."), "success")
        return throttle.remember_device(redirect(url_for("auth.login")), user.email)
    _start_session(user, False, tenant_id)
    flash(_("Your new password is set and you are signed in. Other devices have been signed out."), "success")
    return throttle.remember_device(redirect(url_for("dashboard.index")), user.email)


@bp.route("/invite/<token>", methods=["GET", "POST"])
def invite(token: str):
    inv = accounts.find_invite(token)
    if inv is None:
        return render_template("auth/invite_invalid.html"), 404
    tenant_id, tenant_name = inv.tenant_id, db.session.get(Tenant, inv.tenant_id).name
    form = InviteAcceptForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = accounts.accept_invite(inv, form.name.data, form.password.data)
            db.session.commit()
        except ServiceError as e:
            db.session.rollback()
            getattr(form, e.field or "password").errors.append(e.message)
            status = 422
        else:
            _start_session(user, False, tenant_id)
            flash(_("You have joined the restaurant."), "success")
            return redirect(url_for("dashboard.index"))
    elif request.method == "POST":
        status = 422
    return render_template("auth/invite.html", form=form, invite=inv, tenant_name=tenant_name), status


@bp.post("/language")
def language():
    locale = request.form.get("locale", "")
    if locale in LOCALES:
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
            db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("dashboard.index"))


@bp.post("/switch-tenant")
@login_required
def switch_tenant():
    try:
        wanted = int(request.form.get("tenant_id", ""))
    except ValueError:
        abort(404)
    if not any(m.tenant_id == wanted for m in g.memberships):
        abort(404)
    session["tenant_id"] = wanted
    name = next(m.tenant.name for m in g.memberships if m.tenant_id == wanted)
    flash(_("You are now working in %(name)s.", name=name), "success")
    return redirect(url_for("dashboard.index"))
