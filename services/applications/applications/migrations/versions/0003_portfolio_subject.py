"""portfolio documents remember the documents-service subject (to lock it on submission)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("portfolio_documents", sa.Column("subject_type", sa.String(length=100), nullable=True))
    op.add_column("portfolio_documents", sa.Column("subject_id", sa.String(length=200), nullable=True))


def downgrade() -> None:
    op.drop_column("portfolio_documents", "subject_id")
    op.drop_column("portfolio_documents", "subject_type")
