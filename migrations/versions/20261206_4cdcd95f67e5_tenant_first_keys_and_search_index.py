"""tenant-first keys for distribution, and a tenant-first trigram index for the live search

Revision ID: 4cdcd95f67e5
Revises: cf5e72c27e6b
Create Date: 2026-12-06 10:40:00

"""
from alembic import op

revision = "4cdcd95f67e5"
down_revision = "cf5e72c27e6b"
branch_labels = None
depends_on = None

# The tenant-owned tables as of this revision; a table added later is created with the right
# keys (panel/models/base.py), so it never needs converting.
TABLES = ("api_tokens", "audit_entries", "cards", "customers", "invites", "job_runs", "memberships")
# Foreign keys between tenant tables: (table, name, columns, target, ON DELETE), before and after.
# They bind to the unique index they were created against, so they are dropped and made again
# around the change of the targets' keys.
OLD_FKS = (
    ("cards", "fk_cards_customer", "tenant_id, customer_id", "customers (tenant_id, id)", "CASCADE"),
    ("cards", "fk_cards_replaced_by", "tenant_id, replaced_by_id", "cards (tenant_id, id)", None),
    ("customers", "fk_customers_merged_into", "tenant_id, merged_into_id", "customers (tenant_id, id)", None),
    ("audit_entries", "fk_audit_entries_actor_token_id_api_tokens", "actor_token_id", "api_tokens (id)", "SET NULL"),
)
NEW_FKS = OLD_FKS[:3] + (
    # Deleting a token nulls only the entry's reference, never its tenant_id (PostgreSQL 15).
    ("audit_entries", "fk_audit_entries_actor_token", "tenant_id, actor_token_id", "api_tokens (tenant_id, id)",
     "SET NULL (actor_token_id)"),
)
# The composite foreign keys' targets until now; the primary key (tenant_id, id) takes over.
PAIR_UNIQUES = ("customers", "cards")
TOKEN_TABLES = ("api_tokens", "invites")

# The live search's trigrams, each prefixed with the tenant ("7:lod"), so an index entry lists
# one tenant's rows: see panel/models/customers.py tenant_trigrams(). The query side keeps only
# the trigrams inside a pattern's words, which every match of the LIKE has. Schema-qualified,
# as an index expression must be: a restore or a vacuum runs it with an empty search_path.
FUNCTIONS = """
CREATE OR REPLACE FUNCTION tenant_trigrams(tenant integer, haystack text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT array(SELECT tenant || ':' || t FROM unnest({schema}.show_trgm(haystack)) AS t) $$;
CREATE OR REPLACE FUNCTION tenant_like_trigrams(tenant integer, pattern text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT array(SELECT tenant || ':' || t FROM unnest({schema}.show_trgm(pattern)) AS t
                   WHERE position(' ' in t) = 0) $$;
"""
SEARCH_INDEX = "ix_customers_search_tenant_trgm"
# Replaced: beside the new one, PostgreSQL combines both and rechecks every row found (pg_trgm's
# LIKE answers are inexact), computing the tenant's trigrams again for each.
OLD_SEARCH_INDEX = "ix_customers_search_trgm"


def _drop_fks(fks) -> None:
    for table, name, _columns, _target, _ondelete in fks:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")


def _add_fks(fks, not_valid: bool) -> None:
    for table, name, columns, target, ondelete in fks:
        on_delete = f" ON DELETE {ondelete}" if ondelete else ""
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({columns}) REFERENCES {target}"
                   f"{on_delete}{' NOT VALID' if not_valid else ''}")


def upgrade():
    # SQLite is one machine by definition and autoincrements only a single INTEGER key: it keeps
    # its keys (panel/models/base.py makes the same difference for tables created later).
    if op.get_bind().dialect.name != "postgresql":
        return
    # The new primary keys' indexes are built first, CONCURRENTLY, outside a transaction, as in
    # 9b1e4d2c7a35: the tills keep writing meanwhile. The swap below then only renames them.
    with op.get_context().autocommit_block():
        for table in TABLES:
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS pk_{table}_next")
            op.execute(f"CREATE UNIQUE INDEX CONCURRENTLY pk_{table}_next ON {table} (tenant_id, id)")
    _drop_fks(OLD_FKS)
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT pk_{table}, "
                   f"ADD CONSTRAINT pk_{table} PRIMARY KEY USING INDEX pk_{table}_next")
    for table in PAIR_UNIQUES:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT uq_{table}_tenant_id_id")
    for table in TOKEN_TABLES:  # a few rows per tenant: built in place
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT uq_{table}_token_hash, "
                   f"ADD CONSTRAINT uq_{table}_tenant_id_token_hash UNIQUE (tenant_id, token_hash)")
        op.execute(f"CREATE INDEX ix_{table}_token_hash ON {table} (token_hash)")
    # NOT VALID now, validated after the commit: checking the existing rows then locks no writes.
    _add_fks(NEW_FKS, not_valid=True)
    schema = op.get_bind().exec_driver_sql(
        "SELECT extnamespace::regnamespace FROM pg_extension WHERE extname = 'pg_trgm'").scalar()
    op.execute(FUNCTIONS.format(schema=schema))
    with op.get_context().autocommit_block():
        for table, name, *_rest in NEW_FKS:
            op.execute(f"ALTER TABLE {table} VALIDATE CONSTRAINT {name}")
        op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {SEARCH_INDEX}")
        op.execute(f"CREATE INDEX CONCURRENTLY {SEARCH_INDEX} ON customers "
                   "USING gin (tenant_trigrams(tenant_id, search_text))")
        op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {OLD_SEARCH_INDEX}")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"CREATE INDEX {OLD_SEARCH_INDEX} ON customers USING gin (tenant_id, search_text gin_trgm_ops)")
    op.execute(f"DROP INDEX {SEARCH_INDEX}")
    op.execute("DROP FUNCTION tenant_like_trigrams(integer, text), tenant_trigrams(integer, text)")
    _drop_fks(NEW_FKS)
    for table in TOKEN_TABLES:
        op.execute(f"DROP INDEX ix_{table}_token_hash")
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT uq_{table}_tenant_id_token_hash, "
                   f"ADD CONSTRAINT uq_{table}_token_hash UNIQUE (token_hash)")
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT pk_{table}, ADD CONSTRAINT pk_{table} PRIMARY KEY (id)")
    for table in PAIR_UNIQUES:
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT uq_{table}_tenant_id_id UNIQUE (tenant_id, id)")
    _add_fks(OLD_FKS, not_valid=False)
