"""Tenants, users, memberships and invitations."""
from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from datetime import timedelta

from flask import current_app
from flask_babel import format_timedelta
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from .. import locking, mail
from ..extensions import db
from ..models import COUNTRIES, CURRENCIES, LOCALES, ROLES, Invite, Membership, Tenant, User
from ..models.base import aware, utcnow
from ..tenancy import require_tenant_id, tenant_scope, unscoped
from . import ServiceError, audit, throttle

MIN_PASSWORD = 10
INVITE_DAYS = 7
_dummy_hash: dict[str, str] = {}


def hash_password(password: str) -> str:
    # Tests set a cheap method; production keeps Werkzeug's default (scrypt).
    method = current_app.config.get("PASSWORD_HASH_METHOD")
    return generate_password_hash(password, method=method) if method else generate_password_hash(password)


def _burn_time(password: str) -> None:
    """Check against a dummy hash when nobody has that e-mail, so both failures cost the same."""
    key = current_app.config.get("PASSWORD_HASH_METHOD") or "default"
    if key not in _dummy_hash:
        _dummy_hash[key] = hash_password("regulars-timing-equaliser")
    check_password_hash(_dummy_hash[key], password or "")


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def check_password_strength(password: str, email: str = "") -> None:
    if len(password) < MIN_PASSWORD:
        raise ServiceError(_("Use at least %(n)d characters.", n=MIN_PASSWORD), field="password")
    if email and password.lower() == normalise_email(email):
        raise ServiceError(_("The password cannot be your e-mail address."), field="password")
    if len(set(password)) < 4:
        raise ServiceError(_("This password is too easy to guess."), field="password")


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name.replace("ł", "l").replace("Ł", "L"))
    ascii_name = ascii_name.encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:50] or "restaurant"


def _unique_slug(name: str) -> str:
    base = slugify(name)
    with unscoped("tenant creation: slugs are global"):
        taken = set(db.session.scalars(select(Tenant.slug).where(Tenant.slug.like(f"{base}%"))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


ACCOUNT_EXISTS = "account_exists"


def _account_exists() -> ServiceError:
    # Sign-up never checks an existing account's password: that is the sign-in page's alone,
    # behind its throttle. Whoever owns the account signs in and adds a restaurant from there.
    return ServiceError(_("This e-mail already has an account. Sign in first, then add a restaurant "
                          "from the menu under your name in the top bar."), field="email", code=ACCOUNT_EXISTS)


def _check_tenant_fields(name: str, country: str, currency: str, locale: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("Enter the restaurant's name."), field="name")
    if country not in COUNTRIES:
        raise ServiceError(_("Choose Poland or Czechia."), field="country")
    if currency not in CURRENCIES:
        raise ServiceError(_("Choose a currency."), field="currency")
    if locale not in LOCALES:
        raise ServiceError(_("Choose a language."), field="locale")
    return name


def _add_new_user(user: User) -> None:
    """Insert a new account; one created meanwhile with the same e-mail is an existing account."""
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:  # uq_users_email: a parallel sign-up or invitation won; the caller rolls back
        raise _account_exists() from None


def create_tenant(name: str, *, country: str, currency: str, locale: str, owner_email: str,
                  owner_password: str, owner_name: str = "") -> tuple[Tenant, User]:
    """A new tenant with a new account as its owner (sign-up, CLI).

    An e-mail that has an account is refused without looking at the password, and only once
    everything else is valid, so the reply shows no more than it must.
    """
    name = _check_tenant_fields(name, country, currency, locale)
    email = normalise_email(owner_email)
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise ServiceError(_("Enter a valid e-mail address."), field="email")
    check_password_strength(owner_password, email)
    if find_user(email) is not None:
        raise _account_exists()
    user = User(email=email, name=(owner_name or "").strip(), locale=locale, password_hash=hash_password(owner_password))
    _add_new_user(user)
    return add_tenant(user, name, country=country, currency=currency, locale=locale), user


def add_tenant(owner: User, name: str, *, country: str, currency: str, locale: str) -> Tenant:
    """A new tenant owned by an account that exists (signed in: "Add a restaurant")."""
    name = _check_tenant_fields(name, country, currency, locale)
    tenant = Tenant(name=name, slug=_unique_slug(name), country=country, currency=currency, locale=locale)
    db.session.add(tenant)
    db.session.flush()
    with tenant_scope(tenant.id):
        db.session.add(Membership(tenant_id=tenant.id, user_id=owner.id, role="owner"))
        db.session.flush()
        audit.record("tenant.created", "tenant", tenant.id, name, actor_user_id=owner.id)
        db.session.flush()
    return tenant


def authenticate(email: str, password: str) -> User | None:
    """The user when the e-mail and password match an active account; timing is uniform."""
    user = find_user(email)
    if user is None:
        _burn_time(password)
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.is_active_user:
        return None
    return user


def change_password(user: User, current: str, new: str) -> None:
    # The current password is checked like a sign-in: a stolen session must not be a free oracle.
    verdict = throttle.check_password(user.email, lambda: check_password_hash(user.password_hash, current or ""))
    if not verdict.checked:
        wait = format_timedelta(timedelta(seconds=max(verdict.retry_after, 1)), threshold=1.0)
        raise ServiceError(_("Too many failed attempts. Try again in %(wait)s.", wait=wait),
                           field="current_password")
    if not verdict.ok:
        raise ServiceError(_("The current password is not right."), field="current_password")
    check_password_strength(new, user.email)
    if check_password_hash(user.password_hash, new):
        raise ServiceError(_("Choose a password different from the current one."), field="new_password")
    set_password(user, new)


def set_password(user: User, new: str) -> None:
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    user.must_change_password = False
    db.session.flush()


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ServiceError(_("Choose a role."), field="role")


def add_user(email: str, name: str, role: str) -> tuple[Membership, str]:
    """A new account with a one-time password that must be changed, and access (CLI, demo).

    An existing account joins another tenant only by accepting an invitation: the owner's
    Users page always invites, whether or not the e-mail has an account.
    """
    _check_role(role)
    email = normalise_email(email)
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise ServiceError(_("Enter a valid e-mail address."), field="email")
    if find_user(email) is not None:
        raise ServiceError(_("%(email)s already has an account: invite them instead.", email=email), field="email")
    one_time = "-".join(secrets.token_hex(2) for _ in range(4))
    user = User(email=email, name=name.strip(), password_hash=hash_password(one_time), must_change_password=True)
    _add_new_user(user)
    membership = Membership(user_id=user.id, role=role)
    db.session.add(membership)
    db.session.flush()
    audit.record("user.added", "membership", membership.id, f"{email} ({role})")
    return membership, one_time


def end_sessions(user: User) -> None:
    """Sign the user out everywhere: every session id and remember-me cookie they hold dies."""
    user.session_generation = (user.session_generation or 0) + 1
    db.session.flush()


def _active_owners(membership: Membership) -> int:
    """The tenant's active owners, counted under the tenant's lock; `membership` re-read under it.

    Two owners demoting (or deactivating) each other at once would otherwise both count two
    owners and leave none. Every change that can take an owner away locks the tenant row first
    (see panel/locking.py, also for SQLite), so the second one counts after the first commits.
    """
    locking.lock(select(Tenant.id).where(Tenant.id == require_tenant_id()), key_share=True)
    db.session.refresh(membership)
    return db.session.scalar(
        select(func.count()).select_from(Membership).where(Membership.role == "owner", Membership.is_active)
    )


def change_role(membership: Membership, role: str) -> None:
    _check_role(role)
    # The count comes first: it re-reads the membership, which may have become an owner meanwhile.
    if role != "owner" and _active_owners(membership) <= 1 and membership.role == "owner":
        raise ServiceError(_("The restaurant needs at least one owner."), field="role")
    before = membership.role
    membership.role = role
    db.session.flush()
    audit.record("user.role_changed", "membership", membership.id, membership.user.email,
                 {"role": [before, role]})


def set_active(membership: Membership, active: bool) -> None:
    if not active and _active_owners(membership) <= 1 and membership.role == "owner":
        raise ServiceError(_("The restaurant needs at least one owner."))
    membership.is_active = active
    db.session.flush()
    audit.record("user.reactivated" if active else "user.deactivated", "membership", membership.id,
                 membership.user.email)


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_invite(email: str, role: str, created_by_id: int | None) -> tuple[Invite, str]:
    """An invitation link's token (shown once) for `email` to join with `role`.

    The same for an e-mail with or without an account: the answer tells the owner nothing
    about other tenants' users. Only an active member of this tenant (in the owner's own list)
    is refused.
    """
    _check_role(role)
    email = normalise_email(email)
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise ServiceError(_("Enter a valid e-mail address."), field="email")
    member = db.session.scalar(select(Membership.id).join(User).where(User.email == email, Membership.is_active))
    if member is not None:
        raise ServiceError(_("%(email)s already has access.", email=email), field="email")
    token = secrets.token_urlsafe(24)
    invite = Invite(email=email, role=role, token_hash=_hash_token(token),
                    expires_at=utcnow() + timedelta(days=INVITE_DAYS), created_by_id=created_by_id)
    db.session.add(invite)
    db.session.flush()
    audit.record("user.invited", "invite", invite.id, f"{email} ({role})")
    _mail_invite(invite, token)
    return invite, token


def _mail_invite(invite: Invite, token: str) -> None:
    """The link goes by e-mail too (after the commit); the owner still sees it to copy."""
    tenant = db.session.get(Tenant, invite.tenant_id)
    inviter = db.session.get(User, invite.created_by_id) if invite.created_by_id else None
    mail.send(invite.email, "invite", tenant.locale, restaurant=tenant.name, days=INVITE_DAYS,
              inviter=inviter.display_name if inviter else "",
              url=mail.external_url("auth.invite", token=token))


def find_invite(token: str) -> Invite | None:
    """The open invitation for a link's token (looked up across tenants: the link carries it)."""
    with unscoped("invite link: the token names the tenant"):
        invite = db.session.scalar(select(Invite).where(Invite.token_hash == _hash_token(token or "")))
    if invite is None or invite.accepted_at is not None or aware(invite.expires_at) < utcnow():
        return None
    return invite


def has_account(email: str) -> bool:
    return find_user(email) is not None  # users are global: no tenant needed


def _lock_open_invite(invite: Invite) -> Invite:
    """The invitation row, locked against a parallel acceptance and read again."""
    locked = db.session.scalar(select(Invite).where(Invite.id == invite.id).with_for_update()
                               .execution_options(populate_existing=True))
    if locked is None or locked.accepted_at is not None or aware(locked.expires_at) < utcnow():
        raise ServiceError(_("This invitation link has expired or was already used."), code="invite_used")
    return locked


def accept_invite(invite: Invite, name: str, password: str) -> User:
    """A new account for the invitee, with the invited role.

    An e-mail that has an account is accepted by signing in (join_invite); its password is
    never checked here.
    """
    with tenant_scope(invite.tenant_id):
        invite = _lock_open_invite(invite)
        check_password_strength(password, invite.email)
        if find_user(invite.email) is not None:
            raise ServiceError(_("This e-mail already has an account. Sign in to accept the invitation."),
                               code=ACCOUNT_EXISTS)
        user = User(email=invite.email, name=(name or "").strip(), password_hash=hash_password(password))
        _add_new_user(user)
        _join(invite, user)
    return user


def join_invite(invite: Invite, user: User) -> None:
    """The signed-in account the invitation was sent to joins the tenant with its role."""
    if normalise_email(user.email) != invite.email:
        raise ServiceError(_("This invitation is for %(email)s.", email=invite.email), code="invite_other")
    with tenant_scope(invite.tenant_id):
        _join(_lock_open_invite(invite), user)


def _join(invite: Invite, user: User) -> None:
    membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
    if membership is None:
        db.session.add(Membership(user_id=user.id, role=invite.role))
    else:
        membership.role, membership.is_active = invite.role, True
    invite.accepted_at = utcnow()
    db.session.flush()
    audit.record("user.joined", "invite", invite.id, invite.email, actor_user_id=user.id)
    db.session.flush()
