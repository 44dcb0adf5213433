"""loyalty points: the ledger, the customer's stored balance and the tenant's points rule (issue 16)

Revision ID: 5e1d0c9a7b31
Revises: 332b3b97c775
Create Date: 2026-12-06 13:55:00

"""
import sqlalchemy as sa
from alembic import op

from panel.models.base import TENANT_KEYS

revision = '5e1d0c9a7b31'
down_revision = "332b3b97c775"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('points_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('balance_after', sa.BigInteger(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('token_id', sa.Integer(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=255), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('earn', 'redeem', 'reverse', 'expire', 'adjust', 'transfer_in', 'transfer_out')",
                       name=op.f('ck_points_entries_known_kind')),
    sa.CheckConstraint('amount <> 0', name=op.f('ck_points_entries_amount_not_zero')),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'],
                            name='fk_points_entries_customer', ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id', 'document_id'], ['documents.tenant_id', 'documents.id'],
                            name='fk_points_entries_document', ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_points_entries_tenant_id_tenants'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_points_entries')),
    info=TENANT_KEYS,
    )
    with op.batch_alter_table('points_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_points_entries_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_points_entries_tenant_customer_id', ['tenant_id', 'customer_id', 'id'], unique=False)
        batch_op.create_index('ix_points_entries_tenant_document', ['tenant_id', 'document_id'], unique=False)
        batch_op.create_index('uq_points_entries_tenant_idempotency_key', ['tenant_id', 'idempotency_key'],
                              unique=True, postgresql_where='idempotency_key IS NOT NULL',
                              sqlite_where=sa.text('idempotency_key IS NOT NULL'))

    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('points_balance', sa.BigInteger(), server_default='0', nullable=False))

    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('points_enabled', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('points_per_unit', sa.Numeric(precision=9, scale=3), server_default='1',
                                      nullable=False))
        batch_op.add_column(sa.Column('points_redeem_points', sa.Integer(), server_default='100', nullable=False))
        batch_op.add_column(sa.Column('points_redeem_value', sa.Integer(), server_default='100', nullable=False))
        batch_op.add_column(sa.Column('points_earning_types', sa.String(length=60), server_default='receipt,invoice',
                                      nullable=False))
        batch_op.add_column(sa.Column('points_expiry_months', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        for name in ('points_expiry_months', 'points_earning_types', 'points_redeem_value', 'points_redeem_points',
                     'points_per_unit', 'points_enabled'):
            batch_op.drop_column(name)
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_column('points_balance')
    with op.batch_alter_table('points_entries', schema=None) as batch_op:
        batch_op.drop_index('uq_points_entries_tenant_idempotency_key')
        batch_op.drop_index('ix_points_entries_tenant_document')
        batch_op.drop_index('ix_points_entries_tenant_customer_id')
        batch_op.drop_index(batch_op.f('ix_points_entries_tenant_id'))
    op.drop_table('points_entries')
