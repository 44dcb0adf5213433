"""index for the ico duplicate check

Revision ID: a6c2e8d41f07
Revises: 5d7e2a9c4b18
Create Date: 2026-12-06 02:00:00

"""
from alembic import op

revision = "a6c2e8d41f07"
down_revision = "5d7e2a9c4b18"
branch_labels = None
depends_on = None


def upgrade():
    # A Czech company is known by its IČO as a Polish one by its NIP: the form's duplicate
    # check asks on every keystroke and the import matches a whole file by it.
    if op.get_bind().dialect.name == "postgresql":
        # CONCURRENTLY, outside a transaction: the tills keep writing meanwhile.
        with op.get_context().autocommit_block():
            op.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_customers_tenant_ico ON customers (tenant_id, ico)")
    else:
        op.create_index("ix_customers_tenant_ico", "customers", ["tenant_id", "ico"])


def downgrade():
    op.drop_index("ix_customers_tenant_ico", table_name="customers")
