"""Who is asking, for which tenant, with which role; scoped loading of objects by id."""
from __future__ import annotations

import functools
from typing import Callable, TypeVar

from flask import abort, current_app, g, request, session
from flask_login import current_user, logout_user
from sqlalchemy import select

from .extensions import db
from .models import Membership, Tenant, role_at_least
from .tenancy import TenantScoped, require_tenant_id, set_tenant, unscoped

M = TypeVar("M")


def get_or_404(model: type[M], obj_id) -> M:
    """Load a tenant-owned object by id through the scoped session.

    Another tenant's id is a 404, exactly like a missing one; the assertion is defensive code
    behind the ORM hook, not the check itself.
    """
    try:
        obj_id = int(obj_id)
    except (TypeError, ValueError):
        abort(404)
    if not 0 < obj_id < 2**31:  # beyond PostgreSQL's integer: no such row, not a database error
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


def load_request_tenant() -> None:
    """Set the tenant for a panel request from the signed-in user's chosen membership.

    The tenant comes from the session, checked against the user's memberships on every request,
    so a removed membership ends access at once; it never comes from the URL or a form.
    """
    g.tenant = g.membership = None
    g.memberships = []
    if not current_user.is_authenticated:
        return
    memberships = user_memberships(current_user.id)
    if not memberships:
        logout_user()
        session.clear()
        return
    wanted = session.get("tenant_id")
    chosen = next((m for m in memberships if m.tenant_id == wanted), memberships[0])
    session["tenant_id"] = chosen.tenant_id
    g.memberships, g.membership, g.tenant = memberships, chosen, chosen.tenant
    g.tenant_token = set_tenant(chosen.tenant_id)


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


def client_ip() -> str | None:
    return request.remote_addr
