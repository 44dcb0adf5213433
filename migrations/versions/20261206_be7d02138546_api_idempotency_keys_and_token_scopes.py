"""api idempotency keys and token scopes

Revision ID: be7d02138546
Revises: 4cdcd95f67e5
Create Date: 2026-12-06 10:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = "be7d02138546"
down_revision = "4cdcd95f67e5"
branch_labels = None
depends_on = None


def upgrade():
    # Every token made so far is a POS device: the server default keeps them working as "pos".
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scopes", sa.String(length=32), server_default="pos", nullable=False))

    # A key belongs to a token of its own tenant: the pair refers to the token's (tenant_id, id)
    # key on PostgreSQL (4cdcd95f67e5); SQLite kept api_tokens' key on id alone.
    if op.get_bind().dialect.name == "postgresql":
        token_fk = sa.ForeignKeyConstraint(["tenant_id", "token_id"], ["api_tokens.tenant_id", "api_tokens.id"],
                                           name="fk_api_idempotency_keys_token", ondelete="CASCADE")
    else:
        token_fk = sa.ForeignKeyConstraint(["token_id"], ["api_tokens.id"], name="fk_api_idempotency_keys_token",
                                           ondelete="CASCADE")
    op.create_table(
        "api_idempotency_keys",
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("response_headers", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_api_idempotency_keys_tenant_id_tenants"),
                                ondelete="CASCADE"),
        token_fk,
        sa.PrimaryKeyConstraint("tenant_id", "token_id", "key", name=op.f("pk_api_idempotency_keys")),
    )
    with op.batch_alter_table("api_idempotency_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_idempotency_keys_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index("ix_api_idempotency_keys_tenant_id_created_at", ["tenant_id", "created_at"],
                              unique=False)


def downgrade():
    op.drop_table("api_idempotency_keys")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("scopes")
