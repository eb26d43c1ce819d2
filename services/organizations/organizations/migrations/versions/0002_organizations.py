"""organizations staff role changes

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 20:27:58.544515
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('organizations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('bin', sa.String(length=12), nullable=False),
    sa.Column('name_ru', sa.String(length=300), nullable=False),
    sa.Column('name_kk', sa.String(length=300), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('region', sa.String(length=40), nullable=False),
    sa.Column('district', sa.String(length=200), nullable=True),
    sa.Column('address', sa.String(length=500), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('website', sa.String(length=300), nullable=True),
    sa.Column('director_user_id', sa.Uuid(), nullable=True),
    sa.Column('attestation_settings', sa.JSON(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organizations')),
    sa.UniqueConstraint('bin', name=op.f('uq_organizations_bin'))
    )
    op.create_table('role_changes',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('role', sa.String(length=40), nullable=True),
    sa.Column('actor_user_id', sa.Uuid(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_role_changes_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_changes'))
    )
    op.create_index(op.f('ix_role_changes_organization_id'), 'role_changes', ['organization_id'], unique=False)
    op.create_index(op.f('ix_role_changes_user_id'), 'role_changes', ['user_id'], unique=False)
    op.create_table('staff',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('iin', sa.String(length=12), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('middle_name', sa.String(length=100), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('deactivated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('position_code', sa.String(length=60), nullable=True),
    sa.Column('subjects', sa.JSON(), nullable=False),
    sa.Column('total_experience_years', sa.Integer(), nullable=True),
    sa.Column('teaching_experience_years', sa.Integer(), nullable=True),
    sa.Column('education', sa.JSON(), nullable=False),
    sa.Column('category_code', sa.String(length=40), nullable=True),
    sa.Column('category_order_number', sa.String(length=60), nullable=True),
    sa.Column('category_order_date', sa.Date(), nullable=True),
    sa.Column('category_valid_until', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_staff_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff')),
    sa.UniqueConstraint('organization_id', 'iin', name=op.f('uq_staff_organization_id_iin')),
    sa.UniqueConstraint('organization_id', 'user_id', name=op.f('uq_staff_organization_id_user_id'))
    )
    op.create_index(op.f('ix_staff_organization_id'), 'staff', ['organization_id'], unique=False)
    op.create_index(op.f('ix_staff_user_id'), 'staff', ['user_id'], unique=False)



def downgrade() -> None:

    op.drop_index(op.f('ix_staff_user_id'), table_name='staff')
    op.drop_index(op.f('ix_staff_organization_id'), table_name='staff')
    op.drop_table('staff')
    op.drop_index(op.f('ix_role_changes_user_id'), table_name='role_changes')
    op.drop_index(op.f('ix_role_changes_organization_id'), table_name='role_changes')
    op.drop_table('role_changes')
    op.drop_table('organizations')

