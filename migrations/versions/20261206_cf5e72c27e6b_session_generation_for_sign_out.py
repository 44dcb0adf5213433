"""session generation for sign-out

Revision ID: cf5e72c27e6b
Revises: a6c2e8d41f07
Create Date: 2026-12-06 10:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = "cf5e72c27e6b"
down_revision = "a6c2e8d41f07"
branch_labels = None
depends_on = None


def upgrade():
    # Signing out bumps it; it is part of every session's id, so a copied session cookie or a
    # remember-me cookie of that user stops working at once (server-side revocation).
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("session_generation", sa.Integer(), nullable=False, server_default="0"))


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_generation")
