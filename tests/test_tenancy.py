"""Scoping by construction: the ORM hook, the flush guard and the escape hatch's allow-list."""
import ast
from pathlib import Path
from typing import Iterator

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


# Where the ORM hook is skipped, found by parsing the source: each use is named by its module and
# its reason (unscoped's argument) or its function, so editing a line around it changes nothing,
# while a use in a new place fails until it is argued for here. A module split into a package
# keeps its entries (panel.services.cards covers panel.services.cards.lookup).
ROOT = Path(__file__).resolve().parents[1]


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted((ROOT / "panel").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield module, ast.parse(path.read_text(encoding="utf-8"), str(path))


def _calls(tree: ast.AST, function: str = "") -> Iterator[tuple[str, ast.Call]]:
    """Every call in `tree` with the name of the function (or method) it is made in."""
    for node in ast.iter_child_nodes(tree):
        inner = node.name if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
        if isinstance(node, ast.Call):
            yield function, node
        yield from _calls(node, inner)


def _name(call: ast.Call) -> str:
    return call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")


def _within(module: str, allowed: set[str]) -> bool:
    return any(module == m or module.startswith(m + ".") for m in allowed)


def _first_arg(call: ast.Call):
    return call.args[0].value if call.args and isinstance(call.args[0], ast.Constant) else None


# The escape hatch exists for a few named jobs; anything new has to be argued for here.
UNSCOPED_ALLOWED = {
    ("panel.access", "tenant switcher: a user's own memberships"),
    ("panel.access", "the signed-in user and their own memberships"),
    ("panel.services.accounts", "tenant creation: slugs are global"),
    ("panel.services.accounts", "invite link: the token names the tenant"),
    ("panel.cli", "CLI: list of tenants"),
}


def _unscoped_uses() -> set[tuple[str, object]]:
    return {(module, _first_arg(call)) for module, tree in _modules() if module != "panel.tenancy"
            for _function, call in _calls(tree) if _name(call) == "unscoped"}


def test_unscoped_is_used_only_in_the_allowed_places():
    uses = _unscoped_uses()
    assert uses, "no use of unscoped() found: the walk over the source is broken"
    assert all(isinstance(reason, str) and reason for _m, reason in uses), f"unscoped() without a written reason: {uses}"
    assert uses <= UNSCOPED_ALLOWED, f"unscoped() used outside the allow-list: {uses - UNSCOPED_ALLOWED}"


# Core statements run on the session's connection skip the ORM hook like text() does.
CORE_STATEMENTS_ALLOWED = {
    ("panel.services.tokens", "authenticate"),  # API token authentication: the token names its tenant
    ("panel.services.cards", "pos_scan"),  # the POS scan, tenant_id bound in the statement
    ("panel.services.customer_list", "page"),  # the customer list: each statement names the current tenant
    # The connection's dialect and SQLite's BEGIN IMMEDIATE; its rows go through the ORM.
    ("panel.locking", "open_write_transaction"),
    ("panel.access", "read_without_transaction"),  # sets the isolation level; runs no statement
    # The catalog upsert's bulk INSERT/UPDATE (10,000 rows at once): tenant_id in every row and WHERE
    # (tests/catalog/test_catalog_api.py::test_another_tenants_catalog_is_invisible).
    ("panel.services.catalog.sync", "_insert"),
    ("panel.services.catalog.sync", "_update"),
    # The bill quote reads the customer, rules and catalog on every call: tenant_id bound in each
    # statement (tests/pricing/test_quote_scoping.py tries another tenant's ids and POS ids).
    ("panel.services.pricing.customer", "by_card"),
    ("panel.services.pricing.customer", "by_id"),
    ("panel.services.pricing.rules", "discounts"),
    ("panel.services.pricing.rules", "_lists_of"),
    ("panel.services.pricing.rules", "build"),
    ("panel.services.pricing.rules", "group_ref"),
    ("panel.services.pricing.bill", "resolve"),
    ("panel.services.pricing.words", "names_of"),
}
# Of those, the ones reading a tenant's rows bind the tenant into the statements they build
# (what they return is tested in tests/cards/test_card_services.py and tests/customers/test_list.py).
BINDS_TENANT = {"panel.services.cards", "panel.services.customer_list", "panel.services.pricing"}


def _runs_core(call: ast.Call) -> bool:
    if _name(call) in ("connection", "exec_driver_sql"):
        return True
    return _name(call) == "execute" and bool(call.args) and "__table__" in ast.unparse(call.args[0])


def _allowed(module: str, function: str, allowed: set[tuple[str, str]]) -> bool:
    return any(f == function and _within(module, {m}) for m, f in allowed)


def test_core_statements_only_in_named_places():
    uses = {(module, function) for module, tree in _modules() for function, call in _calls(tree) if _runs_core(call)}
    assert uses, "no Core statement found: the walk over the source is broken"
    outside = {use for use in uses if not _allowed(*use, CORE_STATEMENTS_ALLOWED)}
    assert not outside, f"Core statements outside the allow-list: {outside}"
    binding = {module for module, tree in _modules() if _within(module, BINDS_TENANT)
               for _function, call in _calls(tree) if _name(call) == "bindparam" and _first_arg(call) == "tenant_id"}
    missing = {module for module in BINDS_TENANT if not any(_within(b, {module}) for b in binding)}
    assert not missing, f"Core statements without tenant_id bound in: {missing}"


# text() bypasses the ORM hook: only modules that bind tenant_id explicitly may use it.
RAW_SQL_ALLOWED = {
    "panel.services.health",  # SELECT 1
    "panel.jobs.imports",     # ANALYZE after a big import: statistics, no rows read
    "panel.locking",          # BEGIN IMMEDIATE on SQLite: a lock, no rows read
    # The tier evaluation's statements are built per tier list (so not one literal here); each
    # that reads tenant rows binds :tenant_id (queries.py), the rest read its own temporary
    # table or take the tenant's advisory lock; tests/loyalty/test_tiers_evaluation.py
    # test_the_evaluation_sees_only_its_tenant checks the result.
    "panel.services.loyalty.queries",
    "panel.services.loyalty.evaluation",
}


def test_raw_sql_only_in_named_places():
    for module, tree in _modules():
        raw = [call for _function, call in _calls(tree) if _name(call) in ("text", "exec_driver_sql")]
        if not raw or _within(module, RAW_SQL_ALLOWED):
            continue
        bound = [call for call in raw if ":tenant_id" in str(_first_arg(call) or "")]
        assert len(bound) == len(raw), f"{module} runs raw SQL without a :tenant_id parameter"
