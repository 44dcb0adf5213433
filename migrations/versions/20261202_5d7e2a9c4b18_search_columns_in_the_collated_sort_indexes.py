"""search columns in the collated sort indexes

Revision ID: 5d7e2a9c4b18
Revises: 9b1e4d2c7a35
Create Date: 2026-12-02 14:15:00

"""
from alembic import op

revision = "5d7e2a9c4b18"
down_revision = "9b1e4d2c7a35"
branch_labels = None
depends_on = None

# As frozen in f43636f6f1d0.
COLLATIONS = (("pl", "pl-x-icu"), ("cz", "cs-x-icu"))
COLUMNS = (("company", "company_name"), ("city", "city"))


def _rebuild(include: str) -> None:
    # CONCURRENTLY, outside a transaction, as in 9b1e4d2c7a35: the tills keep writing meanwhile.
    with op.get_context().autocommit_block():
        for suffix, collation in COLLATIONS:
            for key, column in COLUMNS:
                name = f"ix_customers_tenant_{key}_{suffix}"
                op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}_next")
                op.execute(f'CREATE INDEX CONCURRENTLY {name}_next ON customers '
                           f'(tenant_id, ({column} COLLATE "{collation}"), id){include}')
                op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
                op.execute(f"ALTER INDEX {name}_next RENAME TO {name}")


def upgrade():
    # A search sorted by company or city walks these for a bounded stretch before it sorts its
    # matches instead (services/customer_list.py SEARCH_WALK); carrying the search columns keeps
    # that walk in the index.
    if op.get_bind().dialect.name == "postgresql":
        _rebuild(" INCLUDE (archived_at, search_text)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        _rebuild("")
