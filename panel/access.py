"""Who is asking, for which tenant, with which role; scoped loading of objects by id."""
from __future__ import annotations

import functools
from typing import Callable, TypeVar

from flask import abort, current_app, g, request, session
from flask_login import current_user, logout_user
from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import contains_eager

from .extensions import db
from .models import Membership, Tenant, User, role_at_least
from .models.base import row_id
from .tenancy import TenantScoped, require_tenant_id, set_tenant, unscoped

M = TypeVar("M")
# What a signed-in account without any active membership may still open.
NO_TENANT_ENDPOINTS = ("auth.invite", "auth.logout", "auth.language")


def get_or_404(model: type[M], obj_id) -> M:
    """Load a tenant-owned object by id through the scoped session.

    Another tenant's id is a 404, exactly like a missing one; the assertion is defensive code
    behind the ORM hook, not the check itself.
    """
    obj_id = row_id(obj_id)
    if obj_id is None:
        abort(404)
    obj = db.session.get(model, obj_id)
    if obj is None:
        abort(404)
    if isinstance(obj, TenantScoped) and obj.tenant_id != require_tenant_id():
        abort(404)
    return obj


def user_memberships(user_id: int) -> list[Membership]:
    """The user's active memberships across tenants, for login and the tenant switcher."""
    with unscoped("tenant switcher: a user's own memberships"):
        rows = db.session.scalars(
            select(Membership).join(Tenant).where(Membership.user_id == user_id, Membership.is_active)
            .order_by(Tenant.name)
        ).all()
    return list(rows)


# The signed-in user with their active memberships and tenants. Built once: it runs on every
# panel request (load_session_user).
_SESSION_USER = (
    select(User, Membership)
    .outerjoin(Membership, and_(Membership.user_id == User.id, Membership.is_active))
    .outerjoin(Tenant, Tenant.id == Membership.tenant_id)
    .options(contains_eager(Membership.user), contains_eager(Membership.tenant))
    .where(User.id == bindparam("user_id")).order_by(Tenant.name)
)


def load_session_user(user_id: int, fingerprint: str) -> User | None:
    """The signed-in user of a session (Flask-Login's user loader), or None.

    None when the user is gone or their password changed since the session began (the session
    id carries a fingerprint of the password hash). The user's active memberships, tenants
    included, come in the same query and go to g.memberships for load_request_tenant(): one
    round trip per request for who is asking and where they may go.
    """
    with unscoped("the signed-in user and their own memberships"):
        rows = db.session.execute(_SESSION_USER, {"user_id": user_id}).all()
    if not rows or rows[0].User.session_fingerprint() != fingerprint:
        return None
    g.memberships = [row.Membership for row in rows if row.Membership is not None]
    return rows[0].User


def load_request_tenant() -> None:
    """Set the tenant for a panel request from the signed-in user's chosen membership.

    The tenant comes from the session, checked against the user's memberships on every request,
    so a removed membership ends access at once; it never comes from the URL or a form.
    """
    g.tenant = g.membership = None
    if not current_user.is_authenticated:  # loading the user loads g.memberships too
        g.memberships = []
        return
    # The user loader brings them; a user signed in during this request was not loaded by it.
    memberships = g.get("memberships")
    if memberships is None:
        memberships = user_memberships(current_user.id)
    if not memberships:
        # An account with access nowhere is signed in only to accept an invitation sent to it.
        if request.endpoint in NO_TENANT_ENDPOINTS:
            g.memberships = []
            return
        session.clear()
        logout_user()  # after the clear: it leaves the instruction to delete the remember-me cookie
        return
    wanted = session.get("tenant_id")
    chosen = next((m for m in memberships if m.tenant_id == wanted), memberships[0])
    if wanted != chosen.tenant_id:  # only a change: a write would send the cookie again
        session["tenant_id"] = chosen.tenant_id
    g.memberships, g.membership, g.tenant = memberships, chosen, chosen.tenant
    g.tenant_token = set_tenant(chosen.tenant_id)


def read_only(view: Callable) -> Callable:
    """Mark a GET view that writes nothing: its request runs without a transaction (autocommit).

    Under READ COMMITTED every statement sees its own snapshot anyway, so a read loses nothing.
    It saves the BEGIN and ROLLBACK round trips, and above all the ROLLBACK that ends every
    other request, on which psycopg forgets its prepared statements: without it the view's
    statements stay prepared on the pooled connection instead of being planned on each request.
    """
    view.read_only = True
    return view


def read_without_transaction() -> None:
    """Run the rest of this request's statements in autocommit: for requests that only read.

    The request then has nothing to commit (transaction.run_view skips it).
    """
    db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    g.without_transaction = True


def begin_request_transaction() -> None:
    """Before the first statement of a panel request: no transaction for a read-only view."""
    view = current_app.view_functions.get(request.endpoint)
    if request.method in ("GET", "HEAD") and getattr(view, "read_only", False):
        read_without_transaction()


def current_role() -> str | None:
    m = getattr(g, "membership", None)
    return m.role if m is not None else None


def has_role(needed: str) -> bool:
    role = current_role()
    return role is not None and role_at_least(role, needed)


def require_role(needed: str) -> Callable:
    """Views for signed-in members with at least `needed` (staff < manager < owner)."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated or getattr(g, "tenant", None) is None:
                return current_app.login_manager.unauthorized()
            if not has_role(needed):
                g.required_role = needed
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
