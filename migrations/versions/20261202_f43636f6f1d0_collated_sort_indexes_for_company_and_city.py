"""collated sort indexes for company and city

Revision ID: f43636f6f1d0
Revises: e7a1c9d04b2f
Create Date: 2026-12-02 10:00:00

"""
from alembic import op

revision = "f43636f6f1d0"
down_revision = "e7a1c9d04b2f"
branch_labels = None
depends_on = None

# The tenant countries' ICU collations as of this revision (panel/models/tenants.py
# SORT_COLLATIONS), frozen here: a country added later brings its own migration.
COLLATIONS = (("pl", "pl-x-icu"), ("cz", "cs-x-icu"))
COLUMNS = (("company", "company_name"), ("city", "city"))


def upgrade():
    # Sorting the list by company or city sorted all of a tenant's rows in ICU order for every
    # page (145 ms at 100 000 customers); these serve the keyset ORDER BY (col COLLATE ..., id).
    # SQLite has no ICU collations and sorts by code point, unindexed.
    if op.get_bind().dialect.name != "postgresql":
        return
    for suffix, collation in COLLATIONS:
        for key, column in COLUMNS:
            op.execute(f'CREATE INDEX ix_customers_tenant_{key}_{suffix} ON customers '
                       f'(tenant_id, ({column} COLLATE "{collation}"), id)')


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for suffix, _collation in COLLATIONS:
        for key, _column in COLUMNS:
            op.execute(f"DROP INDEX IF EXISTS ix_customers_tenant_{key}_{suffix}")
