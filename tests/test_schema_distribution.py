"""The schema distributes by tenant_id (Citus) without a redesign.

Every tenant-owned table (one with a tenant_id) has tenant_id in its primary key and in every
unique constraint and unique index, and every foreign key to another tenant-owned table carries
it: (tenant_id, x_id) -> (tenant_id, id). Tables without tenant_id (tenants, users) are the
reference tables. Append-only ledgers (models.base.Ledger) refuse the deletion of what they
reference: ON DELETE RESTRICT. Checked on the models, and on the migrated PostgreSQL database,
which Alembic's compare does not check for primary keys.
"""
from __future__ import annotations

import pytest
from sqlalchemy import Column, ForeignKeyConstraint, Integer, MetaData, Table, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import CreateTable

from panel.extensions import db
from panel.models.base import TENANT_KEYS, Ledger, has_tenant_keys, primary_key_columns

TABLES = db.metadata.tables
TENANT_TABLES = sorted(name for name, table in TABLES.items() if "tenant_id" in table.c)


def key_problems(name: str, primary_key: list[str], uniques: list[list[str]], fks: list[dict],
                 tenant_tables) -> list[str]:
    """What keeps table `name` from distributing by tenant_id; fks as SQLAlchemy's inspector gives them."""
    problems = [] if "tenant_id" in primary_key else [f"{name}: primary key {primary_key} lacks tenant_id"]
    problems += [f"{name}: unique {cols} lacks tenant_id" for cols in uniques if "tenant_id" not in cols]
    for fk in fks:
        if fk["referred_table"] not in tenant_tables:
            continue
        pairs = dict(zip(fk["constrained_columns"], fk["referred_columns"]))
        if pairs.get("tenant_id") != "tenant_id":
            problems.append(f"{name}: foreign key {fk['constrained_columns']} -> {fk['referred_table']} "
                            "does not carry tenant_id")
    return problems


def _model_fks(table) -> list[dict]:
    return [{"constrained_columns": [c.name for c in fk.columns], "referred_table": fk.referred_table.name,
             "referred_columns": [e.column.name for e in fk.elements], "options": {"ondelete": fk.ondelete}}
            for fk in table.foreign_key_constraints]


def _model_uniques(table) -> list[list[str]]:
    from sqlalchemy import UniqueConstraint

    uniques = [[c.name for c in cons.columns] for cons in table.constraints if isinstance(cons, UniqueConstraint)]
    uniques += [[c.name for c in ix.columns] for ix in table.indexes if ix.unique]
    uniques += [[c.name for c in col.table.c if c.unique] for col in table.c if col.unique]
    return uniques


def test_there_are_tenant_tables_and_reference_tables():
    assert {"customers", "cards", "audit_entries", "api_tokens"} <= set(TENANT_TABLES)
    assert {"tenants", "users"} <= set(TABLES) - set(TENANT_TABLES)


@pytest.mark.parametrize("name", TENANT_TABLES)
def test_model_keys_carry_the_tenant(name):
    table = TABLES[name]
    problems = key_problems(name, primary_key_columns(table, "postgresql"), _model_uniques(table),
                            _model_fks(table), TENANT_TABLES)
    assert problems == []


def test_the_check_finds_a_key_without_the_tenant():
    fks = [{"constrained_columns": ["customer_id"], "referred_table": "customers", "referred_columns": ["id"]},
           {"constrained_columns": ["created_by_id"], "referred_table": "users", "referred_columns": ["id"]}]
    problems = key_problems("wallets", ["id"], [["tenant_id", "code"], ["code"]], fks, TENANT_TABLES)
    assert problems == ["wallets: primary key ['id'] lacks tenant_id", "wallets: unique ['code'] lacks tenant_id",
                        "wallets: foreign key ['customer_id'] -> customers does not carry tenant_id"]


@pytest.mark.pg_only
def test_migrated_database_keys_carry_the_tenant(app):
    with app.app_context(), db.engine.connect() as conn:
        found = inspect(conn)
        names = set(found.get_table_names()) - {"alembic_version"}
        tenant_tables = sorted(n for n in names if "tenant_id" in {c["name"] for c in found.get_columns(n)})
        assert tenant_tables == TENANT_TABLES
        problems = []
        for name in tenant_tables:
            uniques = [u["column_names"] for u in found.get_unique_constraints(name)]
            uniques += [ix["column_names"] for ix in found.get_indexes(name) if ix["unique"]]
            problems += key_problems(name, found.get_pk_constraint(name)["constrained_columns"], uniques,
                                     found.get_foreign_keys(name), tenant_tables)
            # Tenant first: (tenant_id, id), or a natural key that starts with it (idempotency keys).
            primary_key = found.get_pk_constraint(name)["constrained_columns"]
            assert primary_key == primary_key_columns(TABLES[name], "postgresql") and primary_key[0] == "tenant_id"
    assert problems == []


@pytest.mark.pg_only
def test_deleting_an_api_token_nulls_only_the_audit_entrys_reference(app, world_a):
    from sqlalchemy import text

    from panel.models import ApiToken, AuditEntry
    from panel.tenancy import tenant_scope

    with app.app_context(), tenant_scope(world_a.tenant_id):
        token = ApiToken(name="till", prefix="x", token_hash="h" * 64)
        db.session.add(token)
        db.session.flush()
        entry = AuditEntry(action="test", entity_type="card", actor_token_id=token.id)
        db.session.add(entry)
        db.session.commit()
        db.session.execute(text("DELETE FROM api_tokens WHERE tenant_id = :t AND id = :i"),
                           {"t": world_a.tenant_id, "i": token.id})
        db.session.commit()
        db.session.expire_all()
        kept = db.session.get(AuditEntry, entry.id)
        assert (kept.tenant_id, kept.actor_token_id) == (world_a.tenant_id, None)


# --- how the one place renders the keys --------------------------------------------------------

def _ddl(table, dialect) -> str:
    return " ".join(str(CreateTable(table).compile(dialect=dialect)).split())


def test_postgresql_creates_tenant_first_primary_keys_and_sqlite_keeps_id():
    for name in (n for n in TENANT_TABLES if has_tenant_keys(TABLES[n])):
        assert f"CONSTRAINT pk_{name} PRIMARY KEY (tenant_id, id)" in _ddl(TABLES[name], postgresql.dialect())
        lite = _ddl(TABLES[name], sqlite.dialect())
        assert f"CONSTRAINT pk_{name} PRIMARY KEY (id)" in lite and "UNIQUE (tenant_id, id)" in lite
    assert "PRIMARY KEY (id)" in _ddl(TABLES["tenants"], postgresql.dialect())


def _migration_table(**kw) -> Table:
    # As op.create_table builds it: a MetaData of its own, not the models'.
    return Table("things", MetaData(), Column("id", Integer, primary_key=True),
                 Column("tenant_id", Integer, nullable=False), **kw)


def test_a_migrations_new_table_asks_for_tenant_keys_and_old_ones_keep_theirs():
    assert "PRIMARY KEY (tenant_id, id)" in _ddl(_migration_table(info=TENANT_KEYS), postgresql.dialect())
    lite = _ddl(_migration_table(info=TENANT_KEYS), sqlite.dialect())
    assert "PRIMARY KEY (id), UNIQUE (tenant_id, id)" in lite
    # The foundation migration's tables, converted later by 4cdcd95f67e5, are created as before.
    assert "PRIMARY KEY (id)" in _ddl(_migration_table(), postgresql.dialect())


# --- append-only ledgers -------------------------------------------------------------------------

LEDGERS = sorted(m.local_table.name for m in db.Model.registry.mappers if issubclass(m.class_, Ledger))


def ledger_problems(table, tenant_tables) -> list[str]:
    """A ledger's foreign keys to tenant tables that would let a referenced row be deleted."""
    return [f"{table.name}: foreign key {[c.name for c in fk.columns]} -> {fk.referred_table.name} "
            f"is ON DELETE {fk.ondelete or 'NO ACTION'}, not RESTRICT"
            for fk in table.foreign_key_constraints
            if fk.referred_table.name in tenant_tables and (fk.ondelete or "").upper() != "RESTRICT"]


def test_ledgers_restrict_deleting_what_they_reference():
    # Every table marked Ledger, whichever exist (the wallet and points issues add them); the
    # check itself is proven on a made-up ledger below, so it holds before the first one lands.
    assert [p for name in LEDGERS for p in ledger_problems(TABLES[name], TENANT_TABLES)] == []


def test_the_ledger_check_finds_a_ledger_that_lets_a_customer_go():
    def entries(ondelete):
        table = Table("entries", MetaData(), Column("id", Integer, primary_key=True), Column("tenant_id", Integer),
                      Column("customer_id", Integer), Column("user_id", Integer))
        Table("customers", table.metadata, Column("tenant_id", Integer, primary_key=True),
              Column("id", Integer, primary_key=True))
        Table("users", table.metadata, Column("id", Integer, primary_key=True))
        table.append_constraint(ForeignKeyConstraint(["tenant_id", "customer_id"],
                                                     ["customers.tenant_id", "customers.id"], ondelete=ondelete))
        table.append_constraint(ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL"))
        return table

    assert ledger_problems(entries("CASCADE"), TENANT_TABLES) == [
        "entries: foreign key ['tenant_id', 'customer_id'] -> customers is ON DELETE CASCADE, not RESTRICT"]
    assert len(ledger_problems(entries(None), TENANT_TABLES)) == 1
    assert ledger_problems(entries("RESTRICT"), TENANT_TABLES) == []
