"""catalog, customer groups, discounts and price lists (issue 15)

Revision ID: 14c5c94024e7
Revises: be7d02138546
Create Date: 2026-12-06 13:21:22.833880

"""
import sqlalchemy as sa
from alembic import op

from panel.models.base import TENANT_KEYS

revision = '14c5c94024e7'
down_revision = 'be7d02138546'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'parent_id'], ['categories.tenant_id', 'categories.id'], name='fk_categories_parent', ondelete='SET NULL (parent_id)'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_categories_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_categories')),
    sa.UniqueConstraint('tenant_id', 'external_id', name=op.f('uq_categories_tenant_id_external_id')),
    info=TENANT_KEYS,
    )
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_categories_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_categories_tenant_name', ['tenant_id', 'name'], unique=False)
        batch_op.create_index('ix_categories_tenant_parent', ['tenant_id', 'parent_id'], unique=False)

    op.create_table('customer_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('name_key', sa.String(length=100), nullable=False),
    sa.Column('colour', sa.String(length=7), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_customer_groups_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_groups')),
    sa.UniqueConstraint('tenant_id', 'name_key', name=op.f('uq_customer_groups_tenant_id_name_key')),
    info=TENANT_KEYS,
    )
    with op.batch_alter_table('customer_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_groups_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('discounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('name_key', sa.String(length=120), nullable=False),
    sa.Column('percent', sa.Numeric(precision=9, scale=4), nullable=True),
    sa.Column('amount', sa.BigInteger(), nullable=True),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('selectable', sa.Boolean(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('min_bill', sa.BigInteger(), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(percent IS NULL) <> (amount IS NULL)', name=op.f('ck_discounts_one_of_percent_amount')),
    sa.CheckConstraint('amount IS NULL OR amount > 0', name=op.f('ck_discounts_amount_positive')),
    sa.CheckConstraint('min_bill >= 0', name=op.f('ck_discounts_min_bill_not_negative')),
    sa.CheckConstraint('percent IS NULL OR (percent > 0 AND percent <= 100)', name=op.f('ck_discounts_percent_range')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_discounts_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discounts')),
    info=TENANT_KEYS,
    )
    with op.batch_alter_table('discounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_discounts_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('uq_discounts_tenant_name_key', ['tenant_id', 'name_key'], unique=True, postgresql_where=sa.text('archived_at IS NULL'), sqlite_where=sa.text('archived_at IS NULL'))

    op.create_table('price_lists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('name_key', sa.String(length=120), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_price_lists_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_price_lists')),
    info=TENANT_KEYS,
    )
    with op.batch_alter_table('price_lists', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_price_lists_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('uq_price_lists_tenant_name_key', ['tenant_id', 'name_key'], unique=True, postgresql_where=sa.text('archived_at IS NULL'), sqlite_where=sa.text('archived_at IS NULL'))

    op.create_table('discount_windows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('discount_id', sa.Integer(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('starts', sa.Time(), nullable=False),
    sa.Column('ends', sa.Time(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('days > 0 AND days < 128', name=op.f('ck_discount_windows_days_mask')),
    sa.ForeignKeyConstraint(['tenant_id', 'discount_id'], ['discounts.tenant_id', 'discounts.id'], name='fk_discount_windows_discount', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_discount_windows_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discount_windows')),
    info=TENANT_KEYS,
    )
    with op.batch_alter_table('discount_windows', schema=None) as batch_op:
        batch_op.create_index('ix_discount_windows_tenant_discount', ['tenant_id', 'discount_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_discount_windows_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('group_discounts',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('discount_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'discount_id'], ['discounts.tenant_id', 'discounts.id'], name='fk_group_discounts_discount', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'group_id'], ['customer_groups.tenant_id', 'customer_groups.id'], name='fk_group_discounts_group', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_group_discounts_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'group_id', 'discount_id', name=op.f('pk_group_discounts'))
    )
    with op.batch_alter_table('group_discounts', schema=None) as batch_op:
        batch_op.create_index('ix_group_discounts_tenant_discount', ['tenant_id', 'discount_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_group_discounts_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('group_price_lists',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('price_list_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'group_id'], ['customer_groups.tenant_id', 'customer_groups.id'], name='fk_group_price_lists_group', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'price_list_id'], ['price_lists.tenant_id', 'price_lists.id'], name='fk_group_price_lists_price_list', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_group_price_lists_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'group_id', 'price_list_id', name=op.f('pk_group_price_lists'))
    )
    with op.batch_alter_table('group_price_lists', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_price_lists_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_group_price_lists_tenant_price_list', ['tenant_id', 'price_list_id'], unique=False)

    op.create_table('products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('price', sa.BigInteger(), nullable=True),
    sa.Column('vat_rate', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('discountable', sa.Boolean(), nullable=False),
    sa.Column('earns_points', sa.Boolean(), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'category_id'], ['categories.tenant_id', 'categories.id'], name='fk_products_category', ondelete='SET NULL (category_id)'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_products_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products')),
    sa.UniqueConstraint('tenant_id', 'external_id', name=op.f('uq_products_tenant_id_external_id')),
    info=TENANT_KEYS,
    )
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.create_index('ix_products_tenant_category', ['tenant_id', 'category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_products_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_products_tenant_name', ['tenant_id', 'name'], unique=False)

    op.create_table('discount_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('discount_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('excluded', sa.Boolean(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('(category_id IS NULL) <> (product_id IS NULL)', name=op.f('ck_discount_targets_category_or_product')),
    sa.ForeignKeyConstraint(['tenant_id', 'category_id'], ['categories.tenant_id', 'categories.id'], name='fk_discount_targets_category', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'discount_id'], ['discounts.tenant_id', 'discounts.id'], name='fk_discount_targets_discount', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'product_id'], ['products.tenant_id', 'products.id'], name='fk_discount_targets_product', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_discount_targets_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discount_targets')),
    info=TENANT_KEYS,
    )
    with op.batch_alter_table('discount_targets', schema=None) as batch_op:
        batch_op.create_index('ix_discount_targets_tenant_category', ['tenant_id', 'category_id'], unique=False)
        batch_op.create_index('ix_discount_targets_tenant_discount', ['tenant_id', 'discount_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_discount_targets_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_discount_targets_tenant_product', ['tenant_id', 'product_id'], unique=False)

    op.create_table('price_list_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('price_list_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('unit_price', sa.BigInteger(), nullable=True),
    sa.Column('percent', sa.Numeric(precision=9, scale=4), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('(product_id IS NOT NULL AND unit_price IS NOT NULL AND category_id IS NULL AND percent IS NULL) OR (category_id IS NOT NULL AND percent IS NOT NULL AND product_id IS NULL AND unit_price IS NULL)', name=op.f('ck_price_list_entries_product_price_or_category_percent')),
    sa.CheckConstraint('percent IS NULL OR (percent > 0 AND percent <= 100)', name=op.f('ck_price_list_entries_percent_range')),
    sa.CheckConstraint('unit_price IS NULL OR unit_price >= 0', name=op.f('ck_price_list_entries_unit_price_not_negative')),
    sa.ForeignKeyConstraint(['tenant_id', 'category_id'], ['categories.tenant_id', 'categories.id'], name='fk_price_list_entries_category', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'price_list_id'], ['price_lists.tenant_id', 'price_lists.id'], name='fk_price_list_entries_list', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'product_id'], ['products.tenant_id', 'products.id'], name='fk_price_list_entries_product', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_price_list_entries_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_price_list_entries')),
    info=TENANT_KEYS,
    )
    with op.batch_alter_table('price_list_entries', schema=None) as batch_op:
        batch_op.create_index('ix_price_list_entries_tenant_category', ['tenant_id', 'category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_price_list_entries_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_price_list_entries_tenant_product', ['tenant_id', 'product_id'], unique=False)
        batch_op.create_index('uq_price_list_entries_category', ['tenant_id', 'price_list_id', 'category_id'], unique=True)
        batch_op.create_index('uq_price_list_entries_product', ['tenant_id', 'price_list_id', 'product_id'], unique=True)

    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_customers_tenant_group', ['tenant_id', 'group_id'], unique=False)
        batch_op.create_foreign_key('fk_customers_group', 'customer_groups', ['tenant_id', 'group_id'], ['tenant_id', 'id'], ondelete='SET NULL (group_id)')



def downgrade():
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_constraint('fk_customers_group', type_='foreignkey')
        batch_op.drop_index('ix_customers_tenant_group')
        batch_op.drop_column('group_id')

    with op.batch_alter_table('price_list_entries', schema=None) as batch_op:
        batch_op.drop_index('uq_price_list_entries_product')
        batch_op.drop_index('uq_price_list_entries_category')
        batch_op.drop_index('ix_price_list_entries_tenant_product')
        batch_op.drop_index(batch_op.f('ix_price_list_entries_tenant_id'))
        batch_op.drop_index('ix_price_list_entries_tenant_category')

    op.drop_table('price_list_entries')
    with op.batch_alter_table('discount_targets', schema=None) as batch_op:
        batch_op.drop_index('ix_discount_targets_tenant_product')
        batch_op.drop_index(batch_op.f('ix_discount_targets_tenant_id'))
        batch_op.drop_index('ix_discount_targets_tenant_discount')
        batch_op.drop_index('ix_discount_targets_tenant_category')

    op.drop_table('discount_targets')
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index('ix_products_tenant_name')
        batch_op.drop_index(batch_op.f('ix_products_tenant_id'))
        batch_op.drop_index('ix_products_tenant_category')

    op.drop_table('products')
    with op.batch_alter_table('group_price_lists', schema=None) as batch_op:
        batch_op.drop_index('ix_group_price_lists_tenant_price_list')
        batch_op.drop_index(batch_op.f('ix_group_price_lists_tenant_id'))

    op.drop_table('group_price_lists')
    with op.batch_alter_table('group_discounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_discounts_tenant_id'))
        batch_op.drop_index('ix_group_discounts_tenant_discount')

    op.drop_table('group_discounts')
    with op.batch_alter_table('discount_windows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_discount_windows_tenant_id'))
        batch_op.drop_index('ix_discount_windows_tenant_discount')

    op.drop_table('discount_windows')
    with op.batch_alter_table('price_lists', schema=None) as batch_op:
        batch_op.drop_index('uq_price_lists_tenant_name_key', postgresql_where=sa.text('archived_at IS NULL'), sqlite_where=sa.text('archived_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_price_lists_tenant_id'))

    op.drop_table('price_lists')
    with op.batch_alter_table('discounts', schema=None) as batch_op:
        batch_op.drop_index('uq_discounts_tenant_name_key', postgresql_where=sa.text('archived_at IS NULL'), sqlite_where=sa.text('archived_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_discounts_tenant_id'))

    op.drop_table('discounts')
    with op.batch_alter_table('customer_groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_groups_tenant_id'))

    op.drop_table('customer_groups')
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.drop_index('ix_categories_tenant_parent')
        batch_op.drop_index('ix_categories_tenant_name')
        batch_op.drop_index(batch_op.f('ix_categories_tenant_id'))

    op.drop_table('categories')
