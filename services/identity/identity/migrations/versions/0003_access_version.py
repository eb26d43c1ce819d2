"""users.access_version: bumped when a user's access changes; access tokens carry it

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 23:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('users', sa.Column('access_version', sa.Integer(), server_default='0',
                                     nullable=False))


def downgrade() -> None:
    op.drop_column('users', 'access_version')
