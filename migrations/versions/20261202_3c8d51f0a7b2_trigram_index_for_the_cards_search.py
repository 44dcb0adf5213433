"""trigram index for the cards search

Revision ID: 3c8d51f0a7b2
Revises: f43636f6f1d0
Create Date: 2026-12-02 08:00:00

"""
from alembic import op

revision = "3c8d51f0a7b2"
down_revision = "f43636f6f1d0"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # The cards list finds a card by the start of its code or printed number, in any case
        # (ILIKE 'b-0001%'): without this index that scanned every card (130 ms at 150 000).
        op.execute("CREATE INDEX ix_cards_search_trgm ON cards "
                   "USING gin (tenant_id, code gin_trgm_ops, number gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_cards_search_trgm")
