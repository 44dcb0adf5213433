"""indexes for self-references and record history

Revision ID: e7a1c9d04b2f
Revises: b45cf89c8f83
Create Date: 2026-11-23 19:00:00

"""
from alembic import op

revision = "e7a1c9d04b2f"
down_revision = "b45cf89c8f83"
branch_labels = None
depends_on = None


def upgrade():
    # Deleting a card or customer checks the rows that reference it; without these indexes each
    # delete scans the whole table (a tenant's cleanup went quadratic at 150 000 cards).
    op.create_index("ix_cards_tenant_replaced_by", "cards", ["tenant_id", "replaced_by_id"])
    op.create_index("ix_customers_tenant_merged_into", "customers", ["tenant_id", "merged_into_id"])
    op.create_index("ix_audit_entries_tenant_entity", "audit_entries", ["tenant_id", "entity_type", "entity_id"])


def downgrade():
    op.drop_index("ix_audit_entries_tenant_entity", table_name="audit_entries")
    op.drop_index("ix_customers_tenant_merged_into", table_name="customers")
    op.drop_index("ix_cards_tenant_replaced_by", table_name="cards")
