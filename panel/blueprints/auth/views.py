"""Sign-up, sign-in and out, password change, invitations, language and tenant switching."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ... import i18n
from ...access import user_memberships
from ...extensions import db
from ...models import HOME_CURRENCIES, LOCALES, Tenant
from ...services import ServiceError, accounts, audit, recovery, throttle
from ...tenancy import tenant_scope
from ...transaction import form_error, form_errors, service_errors
from . import bp
from .forms import (
    ForgotPasswordForm,
    InviteAcceptForm,
    LoginForm,
    PasswordChangeForm,
    ResetPasswordForm,
    RestaurantForm,
    SignupForm,
)


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
            if not memberships and not _invited(user, form.next.data):
                form.email.errors.append(_("This account has no active access to any restaurant."))
                status = 403
            else:
                # Logged in the tenant signed into only; an account with no access yet signs in
                # just to accept its invitation, into no tenant.
                tenant_id = memberships[0].tenant_id if memberships else None
                _start_session(user, bool(form.remember.data), tenant_id)
                if tenant_id is not None:
                    with tenant_scope(tenant_id):
                        audit.record("user.signed_in", "user", user.id, user.email)
                        db.session.flush()  # in the tenant's scope; the request commits it
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


def _invited(user, target: str | None) -> bool:
    """Whether `next` is an open invitation for this account (it may sign in to accept it)."""
    path = safe_next(target) or ""
    prefix = url_for("auth.invite", token="")
    if not path.startswith(prefix):
        return False
    invite = accounts.find_invite(path[len(prefix):].split("?")[0])
    return invite is not None and invite.email == accounts.normalise_email(user.email)


@bp.post("/logout")
def logout():
    """Sign out on every device: the session generation moves on, so this session, a copy of
    its cookie and every remember-me cookie of the user stop working."""
    signed_out = _("You have signed out on all your devices.")  # in the user's language, while known
    if current_user.is_authenticated:
        accounts.end_sessions(current_user._get_current_object())
    locale = session.get("locale")
    session.clear()
    logout_user()  # after the clear: it leaves the instruction to delete the remember-me cookie
    if locale:
        session["locale"] = locale
    flash(signed_out, "success")
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
    status, account_exists = 200, False
    if form.validate_on_submit():
        with form_errors(form, "name") as refused:
            tenant, user = accounts.create_tenant(
                form.name.data, country=form.country.data, currency=form.currency.data, locale=form.locale.data,
                owner_email=form.email.data, owner_password=form.password.data, owner_name=form.owner_name.data)
            session["locale"] = tenant.locale
            _start_session(user, False, tenant.id)
            flash(_("Welcome to Regulars, %(name)s is ready.", name=tenant.name), "success")
            return redirect(url_for("dashboard.index"))
        status, account_exists = 422, refused.error.code == accounts.ACCOUNT_EXISTS
    elif request.method == "POST":
        status = 422
        _new_password_errors(form)
    return render_template("auth/signup.html", form=form, home_currencies=HOME_CURRENCIES,
                           account_exists=account_exists), status


def _new_password_errors(form: SignupForm) -> None:
    """A sign-up sent back for another field says at once what is wrong with the password too,
    rather than on the next try; for any e-mail, as whether it has an account shows only once
    everything else is right."""
    password, email = form.password.data or "", form.email.data or ""
    if form.password.errors or not password:
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
        with form_errors(form, "new_password", aliases={"password": "new_password"}):
            accounts.change_password(current_user, form.current_password.data, form.new_password.data)
            audit.record("user.password_changed", "user", current_user.id, current_user.email)
            login_user(current_user._get_current_object())  # the session id carries the new fingerprint
            flash(_("Your password has been changed. Other devices have been signed out."), "success")
            return redirect(url_for("dashboard.index"))
        status = 422
    elif request.method == "POST":
        status = 422
    return render_template("auth/password.html", form=form), status


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    status = 200
    if form.validate_on_submit():
        if recovery.request_reset(form.email.data, request.remote_addr or "-", i18n.locale_code()):
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
        with form_errors(form, "new_password", aliases={"password": "new_password"}):
            recovery.reset_password(user, form.new_password.data)
            return _signed_in_after_reset(user)
        status = 422
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
    if tenant_id is None:
        flash(_("Your password has been changed. Sign in with it."), "success")
        return throttle.remember_device(redirect(url_for("auth.login")), user.email)
    _start_session(user, False, tenant_id)
    flash(_("Your new password is set and you are signed in. Other devices have been signed out."), "success")
    return throttle.remember_device(redirect(url_for("dashboard.index")), user.email)
@bp.route("/restaurants/new", methods=["GET", "POST"])
@login_required
def new_tenant():
    """A signed-in user adds a restaurant of their own and becomes its owner."""
    form = RestaurantForm()
    if request.method == "GET":
        form.locale.data = i18n.locale_code()
        form.country.data = g.tenant.country if g.get("tenant") else "PL"
        form.currency.data = HOME_CURRENCIES[form.country.data]
    status = 200
    if form.validate_on_submit():
        with form_errors(form, "name"):
            tenant = accounts.add_tenant(current_user._get_current_object(), form.name.data, country=form.country.data,
                                         currency=form.currency.data, locale=form.locale.data)
            session["tenant_id"] = tenant.id
            flash(_("%(name)s is ready and you are its owner. Switch restaurants in the top bar.", name=tenant.name),
                  "success")
            return redirect(url_for("dashboard.index"))
        status = 422
    elif request.method == "POST":
        status = 422
    return render_template("auth/new_tenant.html", form=form, home_currencies=HOME_CURRENCIES), status


@bp.route("/invite/<token>", methods=["GET", "POST"])
def invite(token: str):
    """Accept an invitation: a new account sets its password here; an existing one signs in on
    the sign-in page (never here) and then accepts with one button."""
    inv = accounts.find_invite(token)
    if inv is None:
        return render_template("auth/invite_invalid.html"), 404
    # Plain values for the page: a refused acceptance rolls back, and the invitation row must
    # not be read again after it (outside its tenant).
    page = {"email": inv.email, "role": inv.role, "tenant_name": db.session.get(Tenant, inv.tenant_id).name,
            "login_url": url_for("auth.login", next=url_for("auth.invite", token=token))}
    if current_user.is_authenticated:
        return _invite_signed_in(inv, page)
    if accounts.has_account(inv.email):
        return render_template("auth/invite.html", state="sign_in", **page), 409 if request.method == "POST" else 200
    form = InviteAcceptForm()
    status = 200
    if form.validate_on_submit():
        tenant_id = inv.tenant_id
        with service_errors() as refused:
            user = accounts.accept_invite(inv, form.name.data, form.password.data)
            _start_session(user, False, tenant_id)
            flash(_("You have joined the restaurant."), "success")
            return redirect(url_for("dashboard.index"))
        if refused.error.code == accounts.ACCOUNT_EXISTS:  # created meanwhile: a parallel acceptance won
            return render_template("auth/invite.html", state="sign_in", **page), 409
        if refused.error.code == "invite_used":
            return render_template("auth/invite_invalid.html"), 404
        form_error(form, refused.error, "password")
        status = 422
    elif request.method == "POST":
        status = 422
    return render_template("auth/invite.html", state="new", form=form, **page), status


def _invite_signed_in(inv, page: dict):
    if accounts.normalise_email(current_user.email) != inv.email:
        return render_template("auth/invite.html", state="other", **page), 403
    if request.method == "GET":
        return render_template("auth/invite.html", state="join", **page)
    tenant_id = inv.tenant_id
    with service_errors():
        accounts.join_invite(inv, current_user._get_current_object())
        session["tenant_id"] = tenant_id
        flash(_("You have joined %(name)s.", name=page["tenant_name"]), "success")
        return redirect(url_for("dashboard.index"))
    return render_template("auth/invite_invalid.html"), 404  # refused: used up meanwhile, or not this account's


@bp.post("/language")
def language():
    locale = request.form.get("locale", "")
    if locale in LOCALES:
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
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
