"""loyalty tiers by turnover (issue 17): settings, tiers and their grants, each customer's tier and its history

Revision ID: 332b3b97c775
Revises: b4ccfe60dbe3
Create Date: 2026-12-06 13:37:19.466095

"""
import sqlalchemy as sa
from alembic import op

from panel.models.base import TENANT_KEYS

revision = '332b3b97c775'
down_revision = "b4ccfe60dbe3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('loyalty_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluate', sa.Boolean(), nullable=False),
    sa.Column('counted_types', sa.String(length=64), nullable=False),
    sa.Column('rolling_days', sa.Integer(), nullable=False),
    sa.Column('period_calendar', sa.String(length=8), nullable=True),
    sa.Column('validity_unit', sa.String(length=8), nullable=False),
    sa.Column('validity', sa.Integer(), nullable=False),
    sa.Column('include_staff', sa.Boolean(), nullable=False),
    sa.Column('daily_hour', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("period_calendar IS NULL OR period_calendar IN ('month', 'quarter', 'year')", name=op.f('ck_loyalty_settings_known_calendar')),
    sa.CheckConstraint("validity_unit IN ('days', 'months')", name=op.f('ck_loyalty_settings_known_validity_unit')),
    sa.CheckConstraint('daily_hour BETWEEN 0 AND 23', name=op.f('ck_loyalty_settings_daily_hour_range')),
    sa.CheckConstraint('rolling_days BETWEEN 1 AND 3660', name=op.f('ck_loyalty_settings_rolling_days_range')),
    sa.CheckConstraint('validity >= 0', name=op.f('ck_loyalty_settings_validity_not_negative')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_loyalty_settings_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loyalty_settings')),
    sa.UniqueConstraint('tenant_id', name=op.f('uq_loyalty_settings_tenant_id')),
    info=TENANT_KEYS,
    )
    with op.batch_alter_table('loyalty_settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loyalty_settings_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('tiers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('name_key', sa.String(length=60), nullable=False),
    sa.Column('colour', sa.String(length=7), nullable=False),
    sa.Column('automatic', sa.Boolean(), nullable=False),
    sa.Column('threshold', sa.BigInteger(), nullable=False),
    sa.Column('min_documents', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('min_documents >= 0', name=op.f('ck_tiers_min_documents_not_negative')),
    sa.CheckConstraint('rank >= 1', name=op.f('ck_tiers_rank_positive')),
    sa.CheckConstraint('threshold >= 0', name=op.f('ck_tiers_threshold_not_negative')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_tiers_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tiers')),
    sa.UniqueConstraint('tenant_id', 'name_key', name=op.f('uq_tiers_tenant_id_name_key')),
    info=TENANT_KEYS,
    )
    with op.batch_alter_table('tiers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tiers_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('tier_discounts',
    sa.Column('tier_id', sa.Integer(), nullable=False),
    sa.Column('discount_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'discount_id'], ['discounts.tenant_id', 'discounts.id'], name='fk_tier_discounts_discount', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'tier_id'], ['tiers.tenant_id', 'tiers.id'], name='fk_tier_discounts_tier', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_tier_discounts_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'tier_id', 'discount_id', name=op.f('pk_tier_discounts'))
    )
    with op.batch_alter_table('tier_discounts', schema=None) as batch_op:
        batch_op.create_index('ix_tier_discounts_tenant_discount', ['tenant_id', 'discount_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tier_discounts_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('tier_price_lists',
    sa.Column('tier_id', sa.Integer(), nullable=False),
    sa.Column('price_list_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'price_list_id'], ['price_lists.tenant_id', 'price_lists.id'], name='fk_tier_price_lists_price_list', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'tier_id'], ['tiers.tenant_id', 'tiers.id'], name='fk_tier_price_lists_tier', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_tier_price_lists_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'tier_id', 'price_list_id', name=op.f('pk_tier_price_lists'))
    )
    with op.batch_alter_table('tier_price_lists', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tier_price_lists_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_tier_price_lists_tenant_price_list', ['tenant_id', 'price_list_id'], unique=False)

    op.create_table('customer_tiers',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('tier_id', sa.Integer(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('manual', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name='fk_customer_tiers_customer', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'tier_id'], ['tiers.tenant_id', 'tiers.id'], name='fk_customer_tiers_tier', ondelete='SET NULL (tier_id)'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_customer_tiers_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'customer_id', name=op.f('pk_customer_tiers'))
    )
    with op.batch_alter_table('customer_tiers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_tiers_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_customer_tiers_tenant_tier', ['tenant_id', 'tier_id'], unique=False)

    op.create_table('tier_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('on_day', sa.Date(), nullable=False),
    sa.Column('cause', sa.String(length=16), nullable=False),
    sa.Column('old_tier_id', sa.Integer(), nullable=True),
    sa.Column('old_tier_name', sa.String(length=60), nullable=False),
    sa.Column('old_rank', sa.Integer(), nullable=True),
    sa.Column('new_tier_id', sa.Integer(), nullable=True),
    sa.Column('new_tier_name', sa.String(length=60), nullable=False),
    sa.Column('new_rank', sa.Integer(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('turnover', sa.BigInteger(), nullable=True),
    sa.Column('documents', sa.Integer(), nullable=True),
    sa.Column('threshold', sa.BigInteger(), nullable=True),
    sa.Column('min_documents', sa.Integer(), nullable=True),
    sa.Column('period_start', sa.Date(), nullable=True),
    sa.Column('period_end', sa.Date(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('job_run_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("cause IN ('evaluation', 'manual', 'realtime', 'settings')", name=op.f('ck_tier_changes_known_cause')),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name='fk_tier_changes_customer', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_tier_changes_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tier_changes')),
    info=TENANT_KEYS,
    )
    with op.batch_alter_table('tier_changes', schema=None) as batch_op:
        batch_op.create_index('ix_tier_changes_tenant_customer', ['tenant_id', 'customer_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tier_changes_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_tier_changes_tenant_on_day', ['tenant_id', 'on_day'], unique=False)



def downgrade():
    with op.batch_alter_table('tier_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_tier_changes_tenant_on_day')
        batch_op.drop_index(batch_op.f('ix_tier_changes_tenant_id'))
        batch_op.drop_index('ix_tier_changes_tenant_customer')

    op.drop_table('tier_changes')
    with op.batch_alter_table('customer_tiers', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_tiers_tenant_tier')
        batch_op.drop_index(batch_op.f('ix_customer_tiers_tenant_id'))

    op.drop_table('customer_tiers')
    with op.batch_alter_table('tier_price_lists', schema=None) as batch_op:
        batch_op.drop_index('ix_tier_price_lists_tenant_price_list')
        batch_op.drop_index(batch_op.f('ix_tier_price_lists_tenant_id'))

    op.drop_table('tier_price_lists')
    with op.batch_alter_table('tier_discounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tier_discounts_tenant_id'))
        batch_op.drop_index('ix_tier_discounts_tenant_discount')

    op.drop_table('tier_discounts')
    with op.batch_alter_table('tiers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tiers_tenant_id'))

    op.drop_table('tiers')
    with op.batch_alter_table('loyalty_settings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loyalty_settings_tenant_id'))

    op.drop_table('loyalty_settings')
