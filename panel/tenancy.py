"""Tenant scoping by construction.

Every ORM statement that touches a `TenantScoped` model gets
`WHERE tenant_id = <current tenant>` added by a `do_orm_execute` hook (relationship loads
included). With no tenant set the statement raises instead of running unfiltered: fail closed.
New objects take the current tenant on flush; moving an object to another tenant raises.

The one escape hatch is `unscoped(reason)`, allowed only in the places
tests/test_tenant_isolation.py lists (login, token auth, tenant creation, job fan-out, CLI).
Raw SQL bypasses the hook: it lives in named functions that take tenant_id explicitly.
"""
from __future__ import annotations

import functools
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator

from sqlalchemy import ForeignKey, event, inspect
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column, with_loader_criteria
from sqlalchemy.sql import visitors

_tenant_id: ContextVar[int | None] = ContextVar("tenant_id", default=None)
_unscoped: ContextVar[str | None] = ContextVar("unscoped", default=None)


class TenantContextMissing(RuntimeError):
    """A tenant-owned table was queried with no tenant in scope."""


class TenantMismatch(RuntimeError):
    """An object of one tenant was about to be written under another."""


class TenantScoped:
    """Mixin for every tenant-owned table: a NOT NULL, indexed tenant_id."""

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True, nullable=False)


def current_tenant_id() -> int | None:
    return _tenant_id.get()


def require_tenant_id() -> int:
    tid = _tenant_id.get()
    if tid is None:
        raise TenantContextMissing("no tenant in scope")
    return tid


def set_tenant(tenant_id: int | None):
    """Set the tenant for the current context; returns a token for reset_tenant()."""
    return _tenant_id.set(tenant_id)


def reset_tenant(token) -> None:
    _tenant_id.reset(token)


@contextmanager
def tenant_scope(tenant_id: int, session: Session | None = None) -> Iterator[None]:
    """Run a block (a job, a CLI command) as one tenant.

    The identity map would hand back objects loaded under another tenant without SQL, so the
    session is cleared on entry and exit: one tenant per session.
    """
    if session is not None:
        session.expunge_all()
    token = _tenant_id.set(int(tenant_id))
    try:
        yield
    finally:
        _tenant_id.reset(token)
        if session is not None:
            session.expunge_all()


@contextmanager
def unscoped(reason: str) -> Iterator[None]:
    """Run ORM statements across tenants. Only for the places the isolation test allows."""
    token = _unscoped.set(reason)
    try:
        yield
    finally:
        _unscoped.reset(token)


@functools.cache
def _scoped_tables() -> frozenset[str]:
    """Names of the tenant-owned tables; the models are all mapped before the first query."""
    from .extensions import db

    return frozenset({m.local_table.name for m in db.Model.registry.mappers if issubclass(m.class_, TenantScoped)})


def _touches_scoped_table(statement) -> bool:
    # `state.all_mappers` is empty for e.g. select(func.count()).select_from(Model), so the
    # fail-closed check walks the statement's tables instead of trusting the mappers.
    scoped = _scoped_tables()
    return any(getattr(el, "name", None) in scoped for el in visitors.iterate(statement)
               if el.__visit_name__ == "table")


def install(session_cls) -> None:
    """Attach the hooks to a Session class (Flask-SQLAlchemy's session)."""

    @event.listens_for(session_cls, "do_orm_execute")
    def _scope_statement(state):
        if not (state.is_select or state.is_update or state.is_delete):
            return
        if _unscoped.get() is not None:
            return
        tid = _tenant_id.get()
        if tid is None:
            if _touches_scoped_table(state.statement):
                raise TenantContextMissing("tenant-owned data queried with no tenant in scope")
            return
        # Added to every statement: it renders only where a TenantScoped entity appears
        # (FROM, joins, subqueries, relationship loads) and costs nothing elsewhere.
        state.statement = state.statement.options(
            with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id == tid, include_aliases=True)
        )

    @event.listens_for(session_cls, "before_flush")
    def _stamp_tenant(session, flush_context, instances):
        tid = _tenant_id.get()
        for obj in session.new:
            if not isinstance(obj, TenantScoped):
                continue
            if obj.tenant_id is None:
                if tid is None:
                    raise TenantContextMissing(f"new {type(obj).__name__} with no tenant in scope")
                obj.tenant_id = tid
            elif tid is not None and obj.tenant_id != tid and _unscoped.get() is None:
                raise TenantMismatch(f"{type(obj).__name__} belongs to tenant {obj.tenant_id}, scope is {tid}")
        for obj in session.dirty:
            if isinstance(obj, TenantScoped):
                hist = inspect(obj).attrs.tenant_id.history
                if hist.deleted and hist.deleted[0] is not None:
                    raise TenantMismatch(f"{type(obj).__name__} cannot move between tenants")
