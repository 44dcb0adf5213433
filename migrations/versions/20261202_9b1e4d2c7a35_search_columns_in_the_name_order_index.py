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


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # The list walks this index for a page's ids and filters on the included columns
        # there, without a table visit per row (INCLUDE is PostgreSQL's; SQLite keeps the plain one).
        op.drop_index("ix_customers_tenant_sort_name", table_name="customers")
        op.create_index("ix_customers_tenant_sort_name", "customers", ["tenant_id", "sort_name", "id"],
                        postgresql_include=["archived_at", "search_text"])


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_customers_tenant_sort_name", table_name="customers")
        op.create_index("ix_customers_tenant_sort_name", "customers", ["tenant_id", "sort_name", "id"])
