"""prepaid wallets: wallets, their append-only entries, top-up bonus rules (issue 16)

Revision ID: b4ccfe60dbe3
Revises: abcf303755fc
Create Date: 2026-12-06 13:32:28.178916

"""
import sqlalchemy as sa
from alembic import op

from panel.models.base import TENANT_KEYS

revision = 'b4ccfe60dbe3'
down_revision = 'abcf303755fc'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('wallet_bonus_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('min_amount', sa.BigInteger(), nullable=False),
    sa.Column('bonus_amount', sa.BigInteger(), nullable=True),
    sa.Column('bonus_percent', sa.Numeric(precision=7, scale=4), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('(bonus_amount IS NULL) <> (bonus_percent IS NULL)', name=op.f('ck_wallet_bonus_rules_one_of_amount_percent')),
    sa.CheckConstraint('bonus_amount IS NULL OR bonus_amount > 0', name=op.f('ck_wallet_bonus_rules_bonus_amount_positive')),
    sa.CheckConstraint('bonus_percent IS NULL OR (bonus_percent > 0 AND bonus_percent <= 100)', name=op.f('ck_wallet_bonus_rules_bonus_percent_range')),
    sa.CheckConstraint('min_amount > 0', name=op.f('ck_wallet_bonus_rules_min_amount_positive')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_wallet_bonus_rules_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wallet_bonus_rules')),
    sa.UniqueConstraint('tenant_id', 'min_amount', name=op.f('uq_wallet_bonus_rules_tenant_id_min_amount')),
    info=TENANT_KEYS,
    )
    with op.batch_alter_table('wallet_bonus_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wallet_bonus_rules_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('wallets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('balance', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('balance >= 0', name=op.f('ck_wallets_balance_not_negative')),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name='fk_wallets_customer', ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_wallets_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wallets')),
    sa.UniqueConstraint('tenant_id', 'customer_id', name=op.f('uq_wallets_tenant_id_customer_id')),
    info=TENANT_KEYS,
    )
    with op.batch_alter_table('wallets', schema=None) as batch_op:
        batch_op.create_index('ix_wallets_tenant_balance', ['tenant_id', 'balance'], unique=False)
        batch_op.create_index(batch_op.f('ix_wallets_tenant_id'), ['tenant_id'], unique=False)

    # An entry's token is one of its own tenant: the pair refers to the token's (tenant_id, id)
    # key on PostgreSQL (4cdcd95f67e5); SQLite kept api_tokens' key on id alone (as be7d02138546).
    if op.get_bind().dialect.name == "postgresql":
        token_fk = sa.ForeignKeyConstraint(['tenant_id', 'token_id'], ['api_tokens.tenant_id', 'api_tokens.id'],
                                           name='fk_wallet_entries_token', ondelete='RESTRICT')
    else:
        token_fk = sa.ForeignKeyConstraint(['token_id'], ['api_tokens.id'], name='fk_wallet_entries_token',
                                           ondelete='RESTRICT')
    # Entries referring to entries (a reversal, a bonus's top-up). SQLite checks RESTRICT row by
    # row, so even emptying the whole table in one statement (the tests' clean-up) would fail;
    # NO ACTION checks at the statement's end and still refuses deleting a referenced entry.
    self_ref = 'RESTRICT' if op.get_bind().dialect.name == "postgresql" else None
    op.create_table('wallet_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('wallet_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('balance_after', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('token_id', sa.Integer(), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('reverses_entry_id', sa.Integer(), nullable=True),
    sa.Column('related_entry_id', sa.Integer(), nullable=True),
    sa.Column('method', sa.String(length=8), nullable=True),
    sa.Column('idempotency_key', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('top_up', 'top_up_bonus', 'payment', 'refund', 'adjustment', 'reversal', 'transfer_in', 'transfer_out')", name=op.f('ck_wallet_entries_kind_known')),
    sa.CheckConstraint("method IS NULL OR method IN ('cash', 'card')", name=op.f('ck_wallet_entries_method_known')),
    sa.CheckConstraint('amount <> 0', name=op.f('ck_wallet_entries_amount_not_zero')),
    sa.CheckConstraint('balance_after >= 0', name=op.f('ck_wallet_entries_balance_after_not_negative')),
    sa.ForeignKeyConstraint(['tenant_id', 'related_entry_id'], ['wallet_entries.tenant_id', 'wallet_entries.id'], name='fk_wallet_entries_related', ondelete=self_ref),
    sa.ForeignKeyConstraint(['tenant_id', 'reverses_entry_id'], ['wallet_entries.tenant_id', 'wallet_entries.id'], name='fk_wallet_entries_reverses', ondelete=self_ref),
    token_fk,
    sa.ForeignKeyConstraint(['tenant_id', 'document_id'], ['documents.tenant_id', 'documents.id'], name='fk_wallet_entries_document', ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id', 'wallet_id'], ['wallets.tenant_id', 'wallets.id'], name='fk_wallet_entries_wallet', ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_wallet_entries_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_wallet_entries_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wallet_entries')),
    sa.UniqueConstraint('tenant_id', 'reverses_entry_id', name=op.f('uq_wallet_entries_tenant_id_reverses_entry_id')),
    sa.UniqueConstraint('tenant_id', 'wallet_id', 'idempotency_key', name=op.f('uq_wallet_entries_tenant_id_wallet_id_idempotency_key')),
    info=TENANT_KEYS,
    )
    with op.batch_alter_table('wallet_entries', schema=None) as batch_op:
        batch_op.create_index('ix_wallet_entries_tenant_document', ['tenant_id', 'document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wallet_entries_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_wallet_entries_tenant_related', ['tenant_id', 'related_entry_id'], unique=False)
        batch_op.create_index('ix_wallet_entries_tenant_wallet_id', ['tenant_id', 'wallet_id', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('wallet_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_wallet_entries_tenant_wallet_id')
        batch_op.drop_index('ix_wallet_entries_tenant_related')
        batch_op.drop_index(batch_op.f('ix_wallet_entries_tenant_id'))

    op.drop_table('wallet_entries')
    with op.batch_alter_table('wallets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wallets_tenant_id'))
        batch_op.drop_index('ix_wallets_tenant_balance')

    op.drop_table('wallets')
    with op.batch_alter_table('wallet_bonus_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wallet_bonus_rules_tenant_id'))

    op.drop_table('wallet_bonus_rules')
