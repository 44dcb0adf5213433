"""Column and key helpers shared by the models."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from sqlalchemy import DateTime, ForeignKeyConstraint, PrimaryKeyConstraint, UniqueConstraint
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column

# Ids are PostgreSQL integers: a bigger number names no row, and must not reach the database,
# which would refuse it as out of range rather than find nothing.
MAX_ID = 2**31 - 1


def row_id(value) -> int | None:
    """`value` (a URL part, a form field, a JSON number) as an id that could name a row, else None."""
    if isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.isdigit() and len(text) <= 10):
            return None
        value = int(text)
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    return value if 0 < value <= MAX_ID else None


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, nullable=False
    )


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes even for timezone-aware columns; they are UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


# --- keys that distribute -----------------------------------------------------------------------
# Past one PostgreSQL the schema distributes by tenant_id (Citus), which wants tenant_id in every
# primary and unique key of a tenant-owned table and in every foreign key between two of them.
# The mapper keeps `id` alone as its identity (session.get(Customer, 5)) and the models declare
# `id` as their primary key; this is the one place that makes the difference:
# * on PostgreSQL a tenant-owned table's primary key is created as (tenant_id, id);
# * SQLite, one machine by definition, keeps PRIMARY KEY (id): only a single INTEGER key
#   autoincrements there. It gets UNIQUE (tenant_id, id) beside it, which the composite foreign
#   keys need as their target.
# It applies to the models' tables, and to a migration's new table that asks for it with
# `op.create_table(..., info=TENANT_KEYS)` (older migrations keep creating what they created;
# 4cdcd95f67e5 converted their tables). A foreign key to another tenant table is `tenant_fk(...)`.
# tests/test_schema_distribution.py checks all of it, on the models and on the migrated database.
TENANT_KEYS = {"tenant_keys": True}


def has_tenant_keys(table) -> bool:
    """Whether `table` is tenant-owned and gets the keys above (its declared primary key is `id`)."""
    from ..extensions import db

    return ("tenant_id" in table.c and [c.name for c in table.primary_key.columns] == ["id"]
            and (table.metadata is db.metadata or bool(table.info.get("tenant_keys"))))


def primary_key_columns(table, dialect_name: str) -> list[str]:
    """The primary key `table` is created with on `dialect_name`."""
    if has_tenant_keys(table) and dialect_name == "postgresql":
        return ["tenant_id", "id"]
    return [c.name for c in table.primary_key.columns]


@compiles(PrimaryKeyConstraint, "postgresql")
def _tenant_first_primary_key(constraint, compiler, **kw):
    if not has_tenant_keys(constraint.table):
        return compiler.visit_primary_key_constraint(constraint, **kw)
    name = f"CONSTRAINT {compiler.preparer.format_constraint(constraint)} " if constraint.name else ""
    return f"{name}PRIMARY KEY ({', '.join(primary_key_columns(constraint.table, 'postgresql'))})"


@compiles(PrimaryKeyConstraint, "sqlite")
def _id_primary_key_and_tenant_pair(constraint, compiler, **kw):
    ddl = compiler.visit_primary_key_constraint(constraint, **kw)
    declared = any(isinstance(c, UniqueConstraint) and [col.name for col in c.columns] == ["tenant_id", "id"]
                   for c in constraint.table.constraints)
    return f"{ddl}, UNIQUE (tenant_id, id)" if has_tenant_keys(constraint.table) and not declared else ddl


@compiles(ForeignKeyConstraint, "sqlite")
def _set_null_without_column_list(constraint, compiler, **kw):
    # SQLite has no `SET NULL (column)`; nulling the pair would null tenant_id. Its rows are
    # found by id alone there (above), so the key refers to that.
    kept = re.fullmatch(r"SET NULL \((\w+)\)", constraint.ondelete or "")
    if kept is None:
        return compiler.visit_foreign_key_constraint(constraint, **kw)
    name = f"CONSTRAINT {compiler.preparer.format_constraint(constraint)} " if constraint.name else ""
    return (f"{name}FOREIGN KEY({kept[1]}) REFERENCES {compiler.preparer.format_table(constraint.referred_table)} "
            "(id) ON DELETE SET NULL")


def tenant_fk(column: str, target: str, *, name: str | None = None, ondelete: str | None = None):
    """A foreign key from this tenant table's `column` to tenant table `target`: (tenant_id, column).

    The database then refuses a link to another tenant's row, and the two rows share a shard.
    `ondelete="SET NULL"` nulls only `column` (tenant_id is the row's own, NOT NULL).
    """
    if ondelete == "SET NULL":
        ondelete = f"SET NULL ({column})"
    return ForeignKeyConstraint(["tenant_id", column], [f"{target}.tenant_id", f"{target}.id"],
                                name=name, ondelete=ondelete)


class Ledger:
    """Marker for an append-only ledger (wallet entries, points, documents): rows are never
    edited or deleted, so a customer with entries cannot be deleted either. Its foreign keys to
    other tenant tables are ON DELETE RESTRICT (tests/test_schema_distribution.py checks it)."""
