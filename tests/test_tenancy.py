"""Scoping by construction: the ORM hook, the flush guard and the escape hatch's allow-list."""
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from panel.extensions import db
from panel.models import ApiToken, AuditEntry, Membership
from panel.tenancy import TenantContextMissing, TenantMismatch, tenant_scope

from .conftest import as_tenant


def test_query_without_tenant_raises(ctx, world_a):
    with pytest.raises(TenantContextMissing):
        db.session.scalars(select(Membership)).all()


def test_select_sees_only_current_tenant(ctx, world_a, world_b):
    with as_tenant(world_a):
        emails = {m.user.email for m in db.session.scalars(select(Membership))}
        count = db.session.scalar(select(func.count()).select_from(Membership))
    assert emails == {world_a.owner.email, world_a.manager.email, world_a.staff.email}
    assert count == 3


def test_count_with_select_from_fails_closed_and_is_scoped(ctx, world_a, world_b):
    with pytest.raises(TenantContextMissing):
        db.session.scalar(select(func.count()).select_from(Membership))
    with as_tenant(world_a):
        assert db.session.scalar(select(func.count()).select_from(Membership)) == 3
        sub = select(Membership.id).subquery()
        assert db.session.scalar(select(func.count()).select_from(sub)) == 3


def test_get_of_another_tenants_id_is_none(ctx, world_a, world_b):
    with as_tenant(world_b):
        b_id = db.session.scalar(select(Membership.id))
    db.session.expunge_all()
    with as_tenant(world_a):
        assert db.session.get(Membership, b_id) is None


def test_bulk_update_touches_only_current_tenant(ctx, world_a, world_b):
    with as_tenant(world_a):
        db.session.execute(update(Membership).values(role="staff"))
        db.session.commit()
    with as_tenant(world_b):
        roles = set(db.session.scalars(select(Membership.role)))
    assert "owner" in roles and "manager" in roles


def test_new_object_takes_current_tenant(ctx, world_a):
    with as_tenant(world_a):
        entry = AuditEntry(action="x.y", entity_type="x", entity_id=None)
        db.session.add(entry)
        db.session.flush()
        assert entry.tenant_id == world_a.tenant_id
        db.session.rollback()


def test_new_object_without_tenant_raises(ctx):
    db.session.add(AuditEntry(action="x.y", entity_type="x", entity_id=None))
    with pytest.raises(TenantContextMissing):
        db.session.flush()
    db.session.rollback()


def test_writing_into_another_tenant_raises(ctx, world_a, world_b):
    with as_tenant(world_a):
        db.session.add(ApiToken(tenant_id=world_b.tenant_id, name="x", prefix="x", token_hash="x" * 64))
        with pytest.raises(TenantMismatch):
            db.session.flush()
        db.session.rollback()


def test_moving_an_object_between_tenants_raises(ctx, world_a, world_b):
    with as_tenant(world_a):
        membership = db.session.scalars(select(Membership)).first()
        membership.tenant_id = world_b.tenant_id
        with pytest.raises(TenantMismatch):
            db.session.flush()
        db.session.rollback()


def test_tenant_scope_clears_identity_map_when_given_the_session(ctx, world_a, world_b):
    with tenant_scope(world_a.tenant_id, db.session):
        rows = db.session.scalars(select(Membership)).all()
        assert len(db.session.identity_map) >= len(rows) > 0  # memberships with their users and tenant
    assert len(db.session.identity_map) == 0


# The escape hatch exists for a few named jobs; anything new has to be argued for here.
UNSCOPED_ALLOWED = {
    "panel/tenancy.py",             # defines it
    "panel/access.py",              # a user's own memberships, for sign-in and the switcher
    "panel/services/accounts.py",   # tenant creation (global slugs), invitation links
    "panel/services/tokens.py",     # API token authentication: the token names its tenant
    "panel/cli.py",                 # `flask tenants list`
}


def test_unscoped_is_used_only_in_the_allowed_places():
    root = Path(__file__).resolve().parents[1]
    users = {str(p.relative_to(root)) for p in (root / "panel").rglob("*.py")
             if re.search(r"\bunscoped\(", p.read_text(encoding="utf-8"))}
    assert users <= UNSCOPED_ALLOWED, f"unscoped() used outside the allow-list: {users - UNSCOPED_ALLOWED}"


# Core statements run on the session's connection skip the ORM hook like text() does.
CORE_STATEMENTS_ALLOWED = {
    "panel/services/tokens.py",  # API token authentication: the token names its tenant
    "panel/services/cards/lookup.py",   # the POS scan, tenant_id bound in the statement
    "panel/services/customer_list.py",  # the customer list: each statement names the current tenant
    "panel/locking.py",  # the connection's dialect and SQLite's BEGIN IMMEDIATE; its rows go through the ORM
}


def test_core_statements_only_in_named_places():
    root = Path(__file__).resolve().parents[1]
    users = {str(p.relative_to(root)) for p in (root / "panel").rglob("*.py")
             if re.search(r"\.connection\(\)|\bexecute\(\s*_?[a-z_]*__table__", p.read_text(encoding="utf-8"))}
    assert users <= CORE_STATEMENTS_ALLOWED, f"Core statements outside the allow-list: {users - CORE_STATEMENTS_ALLOWED}"
    cards_source = (root / "panel/services/cards/lookup.py").read_text(encoding="utf-8")
    assert 'tenant_id == bindparam("tenant_id")' in cards_source
    customers_source = (root / "panel/services/customer_list.py").read_text(encoding="utf-8")
    # The list's statements are built once per shape and bind the tenant each time they run.
    assert 'select(Customer).where(Customer.tenant_id == bindparam("tenant_id"))' in customers_source
    assert "Card.tenant_id == Customer.tenant_id, Card.customer_id == Customer.id" in customers_source
    assert '.where(Customer.tenant_id == bindparam("tenant_id")).order_by(*shape.order(), Card.id)' in customers_source
    assert 'values = {"tenant_id": require_tenant_id(),' in customers_source


def test_raw_sql_only_in_named_places():
    """text() bypasses the ORM hook: only modules that bind tenant_id explicitly may use it."""
    root = Path(__file__).resolve().parents[1]
    allowed = {"panel/services/health.py",   # SELECT 1
               "panel/jobs/imports.py",      # ANALYZE after a big import: statistics, no rows read
               "panel/locking.py"}           # BEGIN IMMEDIATE on SQLite: a lock, no rows read
    users = {str(p.relative_to(root)) for p in (root / "panel").rglob("*.py")
             if re.search(r"\btext\(|exec_driver_sql", p.read_text(encoding="utf-8"))}
    extra = users - allowed
    for path in sorted(extra):
        source = (root / path).read_text(encoding="utf-8")
        assert ":tenant_id" in source or "tenant_id =" in source, f"{path} runs raw SQL without a tenant_id parameter"
