"""search columns in the name order index

Revision ID: 9b1e4d2c7a35
Revises: 3c8d51f0a7b2
Create Date: 2026-12-02 13:30:00

"""
from alembic import op

revision = "9b1e4d2c7a35"
down_revision = "3c8d51f0a7b2"
branch_labels = None
depends_on = None

NAME = "ix_customers_tenant_sort_name"
COLUMNS = "(tenant_id, sort_name, id)"


def rebuild_concurrently(name: str, definition: str) -> None:
    """Replace index `name` with `definition` while the tills keep writing.

    A plain DROP and CREATE would lock the customers table against writes for the whole build
    (every sale touches customers). CONCURRENTLY cannot run in a transaction, hence the
    autocommit block; a build that failed halfway leaves an invalid index, dropped on a rerun.
    """
    with op.get_context().autocommit_block():
        op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}_next")
        op.execute(f"CREATE INDEX CONCURRENTLY {name}_next ON customers {definition}")
        op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
        op.execute(f"ALTER INDEX {name}_next RENAME TO {name}")


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # The list walks this index for a page's ids and filters on the included columns
        # there, without a table visit per row (INCLUDE is PostgreSQL's; SQLite keeps the plain one).
        rebuild_concurrently(NAME, f"{COLUMNS} INCLUDE (archived_at, search_text)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        rebuild_concurrently(NAME, COLUMNS)
