"""sales documents, their lines and payments (issue 16)

Revision ID: abcf303755fc
Revises: 14c5c94024e7
Create Date: 2026-12-06 13:29:58.058083

"""
import sqlalchemy as sa
from alembic import op

from panel.models.base import TENANT_KEYS

revision = 'abcf303755fc'
down_revision = '14c5c94024e7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=24), nullable=False),
    sa.Column('register_id', sa.String(length=64), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('original_id', sa.Integer(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('base_total', sa.BigInteger(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('expected_total', sa.BigInteger(), nullable=True),
    sa.Column('redeemed_points', sa.Integer(), nullable=False),
    sa.Column('redeemed_value', sa.BigInteger(), nullable=False),
    sa.Column('discount_mismatch', sa.Boolean(), nullable=False),
    sa.Column('token_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("type IN ('receipt', 'invoice', 'invoice_for_receipt', 'return', 'correction')", name=op.f('ck_documents_known_type')),
    sa.CheckConstraint('total >= 0', name=op.f('ck_documents_total_not_negative')),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name='fk_documents_customer', ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id', 'original_id'], ['documents.tenant_id', 'documents.id'], name='fk_documents_original', ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_documents_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents')),
    sa.UniqueConstraint('tenant_id', 'register_id', 'type', 'number', name=op.f('uq_documents_tenant_id_register_id_type_number')),
    info=TENANT_KEYS,
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index('ix_documents_tenant_customer_issued_on', ['tenant_id', 'customer_id', 'issued_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_documents_tenant_issued_at', ['tenant_id', 'issued_at'], unique=False)
        batch_op.create_index('ix_documents_tenant_original', ['tenant_id', 'original_id'], unique=False)

    op.create_table('document_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.String(length=64), nullable=False),
    sa.Column('product_id', sa.String(length=64), nullable=True),
    sa.Column('category_id', sa.String(length=64), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('unit_price', sa.BigInteger(), nullable=False),
    sa.Column('base', sa.BigInteger(), nullable=False),
    sa.Column('final', sa.BigInteger(), nullable=False),
    sa.Column('expected_final', sa.BigInteger(), nullable=True),
    sa.Column('adjustments', sa.Text(), nullable=False),
    sa.Column('discountable', sa.Boolean(), nullable=False),
    sa.Column('earns_points', sa.Boolean(), nullable=False),
    sa.Column('original_line_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_document_lines_quantity_positive')),
    sa.ForeignKeyConstraint(['tenant_id', 'document_id'], ['documents.tenant_id', 'documents.id'], name='fk_document_lines_document', ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id', 'original_line_id'], ['document_lines.tenant_id', 'document_lines.id'], name='fk_document_lines_original', ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_document_lines_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_lines')),
    sa.UniqueConstraint('tenant_id', 'document_id', 'line_id', name=op.f('uq_document_lines_tenant_id_document_id_line_id')),
    info=TENANT_KEYS,
    )
    with op.batch_alter_table('document_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_lines_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_document_lines_tenant_original_line', ['tenant_id', 'original_line_id'], unique=False)

    op.create_table('document_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("method IN ('cash', 'card', 'wallet', 'voucher', 'other')", name=op.f('ck_document_payments_known_method')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_document_payments_amount_positive')),
    sa.ForeignKeyConstraint(['tenant_id', 'document_id'], ['documents.tenant_id', 'documents.id'], name='fk_document_payments_document', ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_document_payments_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_payments')),
    info=TENANT_KEYS,
    )
    with op.batch_alter_table('document_payments', schema=None) as batch_op:
        batch_op.create_index('ix_document_payments_tenant_document', ['tenant_id', 'document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_payments_tenant_id'), ['tenant_id'], unique=False)



def downgrade():
    with op.batch_alter_table('document_payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_payments_tenant_id'))
        batch_op.drop_index('ix_document_payments_tenant_document')

    op.drop_table('document_payments')
    with op.batch_alter_table('document_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_document_lines_tenant_original_line')
        batch_op.drop_index(batch_op.f('ix_document_lines_tenant_id'))

    op.drop_table('document_lines')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index('ix_documents_tenant_original')
        batch_op.drop_index('ix_documents_tenant_issued_at')
        batch_op.drop_index(batch_op.f('ix_documents_tenant_id'))
        batch_op.drop_index('ix_documents_tenant_customer_issued_on')

    op.drop_table('documents')
